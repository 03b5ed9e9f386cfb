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
      auto sparse = LayerAttr::get(
          c.getContext(), LayerKind::sparse, c.getHeads(), c.getKvHeads(),
          c.getValueHeads(), c.getHeadDim(), c.getValueDim(), GateKind::none,
          /*window=*/0, topk, blockSize, indexHeads, indexDim, /*conv=*/0,
          c.getKvLoraRank());
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

  void runOnOperation() override {
    if (topk <= 0 || indexHeads <= 0 || indexDim <= 0 || blockSize < 0) {
      getOperation().emitError()
          << "attn-schedule-sparsify: topk, index-heads and index-dim must be "
             "positive and block-size non-negative, got topk = "
          << int64_t(topk) << ", index-heads = " << int64_t(indexHeads)
          << ", index-dim = " << int64_t(indexDim)
          << ", block-size = " << int64_t(blockSize);
      return signalPassFailure();
    }
    for (ScheduleOp s : getOperation().getOps<ScheduleOp>())
      if (failed(sparsify(s)))
        return signalPassFailure();
  }
};
} // namespace
