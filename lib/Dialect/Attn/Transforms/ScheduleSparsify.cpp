//===- ScheduleSparsify.cpp - attn-schedule-sparsify ----------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Replaces the full-attention layers of a schedule by DSA-style sparse
// layers (lightning indexer + top-k) with the same heads and dims (the pass
// description in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"
#include <utility>

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNSCHEDULESPARSIFYPASS
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {
struct AttnScheduleSparsifyPass
    : mlir::attn::impl::AttnScheduleSparsifyPassBase<AttnScheduleSparsifyPass> {
  using Base::Base;

  LogicalResult sparsify(ScheduleOp schedule) {
    if (schedule.getLayerFuncs())
      return schedule.emitOpError()
             << "is already expanded (layer_funcs is set): run "
                "attn-schedule-sparsify before attn-expand-schedule";
    llvm::DenseMap<Operation *, LayerKindOp> replaced;
    SmallVector<LayerKindOp> old;
    SymbolTable table(schedule);
    for (LayerKindOp k : llvm::make_early_inc_range(
             schedule.getBody().front().getOps<LayerKindOp>())) {
      LayerAttr c = k.getConfig();
      if (c.getKind() != LayerKind::full)
        continue;
      std::string name = (k.getSymName() + "_dsa").str();
      if (table.lookup(name))
        return k.emitOpError() << "cannot become sparse: the symbol @" << name
                               << " is already taken";
      auto sparse = LayerAttr::getChecked(
          [&]() {
            return k.emitOpError() << "cannot become sparse with these "
                                      "options: ";
          },
          c.getContext(), LayerKind::sparse, c.getHeads(), c.getKvHeads(),
          c.getValueHeads(), c.getHeadDim(), c.getValueDim(), GateKind::none,
          /*window=*/int64_t(0), int64_t(topk), int64_t(blockSize),
          int64_t(indexHeads), int64_t(indexDim), /*conv=*/int64_t(0),
          c.getKvLoraRank());
      if (!sparse)
        return failure();
      OpBuilder b(k);
      b.setInsertionPointAfter(k);
      auto nk =
          LayerKindOp::create(b, k.getLoc(), b.getStringAttr(name), sparse);
      replaced[k] = nk;
      old.push_back(k);
    }
    SmallVector<LayerKindOp> layers = schedule.getLayerSequence();
    for (LayerKindOp &l : layers)
      if (LayerKindOp r = replaced.lookup(l))
        l = r;
    schedule.setLayerSequence(layers);
    schedule.eraseUnusedLayerKinds(old);
    return success();
  }

  /// The options as the layer config they make, checked up front with the
  /// rules the IR applies later: #attn.layer's own (through getChecked),
  /// attn.topk's k in [1, 2^20], attn.sparse's block_size in [1, 2^31] and
  /// the importer's bound on head counts and dims. An error names the
  /// option; none can surface later as invalid IR.
  LogicalResult checkOptions() {
    ModuleOp module = getOperation();
    auto fail = [&]() {
      return module.emitError() << "attn-schedule-sparsify: ";
    };
    constexpr int64_t kMaxSize = int64_t{1} << 20;
    if (topk <= 0 || topk > kMaxTopK)
      return fail() << "'topk' must be in [1, " << kMaxTopK << "] (attn.topk's "
                    << "k), got " << int64_t(topk);
    if (blockSize < 0 || blockSize > kMaxBlockSize)
      return fail() << "'block-size' must be in [0, 2^31] (0: single tokens), "
                       "got "
                    << int64_t(blockSize);
    for (auto [name, value] :
         {std::make_pair("index-heads", int64_t(indexHeads)),
          std::make_pair("index-dim", int64_t(indexDim))})
      if (value < 0 || value > kMaxSize)
        return fail() << "'" << name << "' must be in [1, " << kMaxSize
                      << "] (0 with block-size: no indexer), got " << value;
    if (blockSize == 0 && (indexHeads == 0 || indexDim == 0))
      return fail() << "token selection (block-size = 0) needs the DSA "
                       "indexer: 'index-heads' and 'index-dim' must be "
                       "positive, got index-heads = "
                    << int64_t(indexHeads)
                    << ", index-dim = " << int64_t(indexDim);
    if (blockSize > 0 && (indexHeads != 0 || indexDim != 0))
      return fail() << "'block-size' = " << int64_t(blockSize)
                    << " selects blocks of keys, which a DSA indexer (it "
                       "selects tokens) does not combine with: give "
                       "index-heads=0 index-dim=0 with it, got index-heads = "
                    << int64_t(indexHeads)
                    << ", index-dim = " << int64_t(indexDim);
    // Everything else #attn.layer checks, on a representative layer.
    auto emitter = [&]() {
      return fail() << "the options make an invalid sparse layer: ";
    };
    int64_t zero = 0, one = 1;
    if (!LayerAttr::getChecked(emitter, module.getContext(), LayerKind::sparse,
                               /*heads=*/one, /*kvHeads=*/zero,
                               /*valueHeads=*/zero, /*headDim=*/one,
                               /*valueDim=*/zero, GateKind::none,
                               /*window=*/zero, int64_t(topk),
                               int64_t(blockSize), int64_t(indexHeads),
                               int64_t(indexDim), /*conv=*/zero,
                               /*kvLoraRank=*/zero))
      return failure();
    return success();
  }

  void runOnOperation() override {
    if (failed(checkOptions()))
      return signalPassFailure();
    for (ScheduleOp s : getOperation().getOps<ScheduleOp>())
      if (failed(sparsify(s)))
        return signalPassFailure();
  }
};
} // namespace
