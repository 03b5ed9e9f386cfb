//===- WarpSpecialize.cpp - atile-warp-specialize -------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Splits a tile program into a TMA producer and consumer warpgroups (see
// Passes.td): the copies from views with a TMA descriptor move into the
// producer region as ring fills, the rest of the program becomes the
// consumer region, sliced to one warpgroup's rows.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/ATile/IR/ATileOps.h"
#include "attn/Dialect/ATile/Transforms/Passes.h"
#include "attn/Target/GPU/TargetInfo.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::atile {
#define GEN_PASS_DEF_ATILEWARPSPECIALIZEPASS
#include "attn/Dialect/ATile/Transforms/Passes.h.inc"
} // namespace mlir::atile

using namespace mlir;
using namespace mlir::atile;

namespace {
/// A copy that becomes a ring fill of the producer.
struct Fill {
  CopyOp copy;
  AllocOp buffer;
  /// The fill's sequence number: the stage index is `seq mod stages`.
  Value seq;
};
} // namespace

/// The producer's warps (one of them issues; a warpgroup, so that the
/// consumers start at a warpgroup boundary).
static constexpr int64_t kProducerWarps = 4;

/// `copy` as a ring fill: from a view with a TMA descriptor into `atile.stage
/// %buf[seq mod stages]` (stages >= 2) of a kernel-level buffer, its token
/// only awaited.
static std::optional<Fill> fillOf(CopyOp copy) {
  auto view = copy.getSrc().getDefiningOp<ViewOp>();
  auto stage = copy.getDst().getDefiningOp<StageOp>();
  if (!view || !view.getTensormap() || !stage || copy.getRows().size() != 1)
    return std::nullopt;
  SmemType tile = copy.getDst().getType();
  if (!tmaFillable(tile))
    return std::nullopt;
  auto buffer = stage.getBuffer().getDefiningOp<AllocOp>();
  if (!buffer || buffer.getResult().getType().getShape()[0] < 2)
    return std::nullopt;
  for (Operation *user : copy.getToken().getUsers())
    if (!isa<WaitOp>(user))
      return std::nullopt;
  const int64_t stages = buffer.getResult().getType().getShape()[0];
  // A constant stage k is fill k (checked to be the buffer's first fills).
  if (auto k = stage.getIndex().getDefiningOp<arith::ConstantIndexOp>())
    return k.value() < stages ? std::optional<Fill>(
                                    Fill{copy, buffer, stage.getIndex()})
                              : std::nullopt;
  auto rem = stage.getIndex().getDefiningOp<arith::RemSIOp>();
  auto mod = rem ? rem.getRhs().getDefiningOp<arith::ConstantIndexOp>()
                 : arith::ConstantIndexOp();
  if (!mod || mod.value() != stages)
    return std::nullopt;
  return Fill{copy, buffer, rem.getLhs()};
}

/// The ops of the kernel's body that stay above the specialised region:
/// views, buffers, stages and pure scalar arithmetic, up to the first op
/// that is none of these.
static bool isPrelude(Operation &op) {
  if (op.getNumRegions())
    return false;
  if (isa<ViewOp, AllocOp, StageOp>(op))
    return true;
  auto tiled = [](Type t) { return isa<FragType, TokenType>(t); };
  return isMemoryEffectFree(&op) &&
         !llvm::any_of(op.getResultTypes(), tiled) &&
         !llvm::any_of(op.getOperandTypes(), tiled);
}

namespace {
class Specializer {
public:
  Specializer(gpu::GPUFuncOp fn, int64_t consumers)
      : fn(fn), consumers(consumers) {}
  /// Whether the kernel was specialised (failure: taken, then an error).
  FailureOr<bool> run();

private:
  gpu::GPUFuncOp fn;
  int64_t consumers;
  /// Rows of the program's fragments and of one consumer's slice.
  int64_t rows = 0, slice = 0;
  SmallVector<Fill> fills;
  WarpSpecializeOp ws;

  LogicalResult check();
  /// `v` in the producer region: values defined above the specialised op
  /// as they are, pure ops of the consumer region cloned (once per
  /// mapping).
  FailureOr<Value> materialize(Value v, IRMapping &m, OpBuilder &b);
  LogicalResult emitFill(Fill f, IRMapping &m, OpBuilder &b);
  LogicalResult buildProducer();
  void awaitAndRelease();
  LogicalResult sliceRows();
  /// Brackets each run of asynchronous products of the consumer region
  /// with atile.turn_acquire / turn_release.
  void takeTurns();

public:
  bool pingpong = true;
};
} // namespace

/// A column vector (1 x cols): the same in every consumer.
static bool isColumn(FragType t) {
  return t.getRank() == 2 && t.getRows() == 1;
}

LogicalResult Specializer::check() {
  Block &body = fn.getBody().front();
  bool bad = false;
  fn.walk([&](Operation *op) {
    for (Value v : llvm::concat<Value>(op->getResults(), op->getOperands())) {
      auto ft = dyn_cast<FragType>(v.getType());
      if (!ft)
        continue;
      LayoutAttr layout = ft.getLayout();
      if (isColumn(ft)) { // replicated over the rows: every consumer's
        bad |= !layout || layout.getInstr() != Instr::wgmma;
        continue;
      }
      if (!layout || layout.getInstr() != Instr::wgmma ||
          layout.getWarps() != 4 * consumers ||
          (rows && ft.getRows() != rows))
        bad = true;
      rows = ft.getRows();
    }
    if (auto copy = dyn_cast<CopyOp>(op))
      if (std::optional<Fill> f = fillOf(copy)) {
        // Fills at the kernel's top level or in a loop directly there.
        Operation *parent = copy->getParentOp();
        if (parent != fn && !(isa<scf::ForOp>(parent) &&
                              parent->getParentOp() == fn.getOperation()))
          bad = true;
        // A constant stage is the buffer's first fill (stage 0, at the
        // top level, before every other fill of the buffer).
        if (auto k = f->seq.getDefiningOp<arith::ConstantIndexOp>())
          bad |= parent != fn.getOperation() || k.value() != 0 ||
                 llvm::any_of(fills, [&](const Fill &x) {
                   return x.buffer == f->buffer;
                 });
        fills.push_back(*f);
      }
    if (isa<WarpSpecializeOp, AcquireOp, AwaitOp, ReleaseOp>(op))
      bad = true; // specialised already
  });
  if (bad || fills.empty() || rows != 64 * consumers || !body.mightHaveTerminator())
    return failure();
  slice = rows / consumers;
  return success();
}

FailureOr<Value> Specializer::materialize(Value v, IRMapping &m,
                                          OpBuilder &b) {
  if (Value mapped = m.lookupOrNull(v))
    return mapped;
  if (!ws->isAncestor(v.getParentBlock()->getParentOp()))
    return v; // defined above: both regions see it
  Operation *def = v.getDefiningOp();
  if (!def || def->getNumRegions() ||
      !(isMemoryEffectFree(def) || isa<StageOp>(def)))
    return failure();
  for (Value operand : def->getOperands())
    if (failed(materialize(operand, m, b)))
      return failure();
  Operation *clone = b.clone(*def, m);
  return clone->getResult(cast<OpResult>(v).getResultNumber());
}

LogicalResult Specializer::emitFill(Fill f, IRMapping &m,
                                    OpBuilder &b) {
  FailureOr<Value> seq = materialize(f.seq, m, b);
  if (failed(seq))
    return failure();
  for (Value operand : f.copy->getOperands())
    if (failed(materialize(operand, m, b)))
      return failure();
  AcquireOp::create(b, f.copy.getLoc(), f.buffer.getResult(), *seq);
  auto copy = cast<CopyOp>(b.clone(*f.copy, m));
  copy.setEngineAttr(CopyEngineAttr::get(b.getContext(), CopyEngine::tma));
  return success();
}

LogicalResult Specializer::buildProducer() {
  Block &producer = ws.getProducer().front();
  OpBuilder b(producer.getTerminator());
  IRMapping top;
  for (Operation &op : ws.getConsumer().front().without_terminator()) {
    if (auto copy = dyn_cast<CopyOp>(op)) {
      for (Fill &f : fills)
        if (f.copy == copy && failed(emitFill(f, top, b)))
          return failure();
      continue;
    }
    auto loop = dyn_cast<scf::ForOp>(op);
    if (!loop)
      continue;
    SmallVector<Fill *> inLoop;
    for (Fill &f : fills)
      if (f.copy->getParentOp() == loop)
        inLoop.push_back(&f);
    if (inLoop.empty())
      continue;
    FailureOr<Value> lb = materialize(loop.getLowerBound(), top, b);
    FailureOr<Value> ub = materialize(loop.getUpperBound(), top, b);
    FailureOr<Value> step = materialize(loop.getStep(), top, b);
    if (failed(lb) || failed(ub) || failed(step))
      return failure();
    auto clone = scf::ForOp::create(b, loop.getLoc(), *lb, *ub, *step);
    OpBuilder inner = OpBuilder::atBlockTerminator(clone.getBody());
    IRMapping m = top;
    m.map(loop.getInductionVar(), clone.getInductionVar());
    for (Fill *f : inLoop)
      if (failed(emitFill(*f, m, inner)))
        return failure();
  }
  return success();
}

/// The last op of `block` that reads `tile` (a product reading it
/// asynchronously reads it until its wait).
static Operation *lastReader(Value tile, Block *block) {
  Operation *last = nullptr;
  auto consider = [&](Operation *reader) {
    Operation *top = block->findAncestorOpInBlock(*reader);
    if (top && (!last || last->isBeforeInBlock(top)))
      last = top;
  };
  for (Operation *user : tile.getUsers()) {
    if (isa<CopyOp>(user))
      continue;
    consider(user);
    if (auto mma = dyn_cast<MmaOp>(user); mma && mma.getAsync())
      for (Operation *wait : mma.getResult().getUsers())
        consider(wait);
  }
  return last;
}

void Specializer::awaitAndRelease() {
  for (Fill f : fills) {
    Value buffer = f.buffer.getResult();
    Block *block = f.copy->getBlock();
    for (Operation *user : llvm::make_early_inc_range(f.copy.getToken().getUsers())) {
      auto wait = cast<WaitOp>(user);
      OpBuilder b(wait);
      AwaitOp::create(b, wait.getLoc(), buffer, f.seq);
      SmallVector<Value> rest;
      for (Value t : wait.getTokens())
        if (t != f.copy.getToken())
          rest.push_back(t);
      if (rest.empty())
        wait.erase();
      else
        wait.getTokensMutable().assign(rest);
    }
    Operation *last = lastReader(f.copy.getDst(), block);
    OpBuilder b(block, block->begin());
    if (last)
      b.setInsertionPointAfter(last);
    else
      b.setInsertionPoint(f.copy);
    ReleaseOp::create(b, f.copy.getLoc(), buffer, f.seq);
    f.copy.erase();
  }
}

LogicalResult Specializer::sliceRows() {
  Block &consumer = ws.getConsumer().front();
  Value c = consumer.getArgument(0);
  MLIRContext *ctx = fn.getContext();
  auto sliced = [&](Type t) -> Type {
    auto ft = dyn_cast<FragType>(t);
    if (!ft)
      return t;
    SmallVector<int64_t> shape(ft.getShape());
    if (!isColumn(ft))
      shape[0] = slice;
    LayoutAttr l = ft.getLayout();
    return FragType::get(shape, ft.getElementType(),
                         LayoutAttr::get(ctx, l.getInstr(), l.getOperand(), 4, l.getLanes()));
  };
  // Rows of the program -> rows of consumer c's slice.
  OpBuilder top = OpBuilder::atBlockBegin(&consumer);
  Value offset = arith::MulIOp::create(
      top, fn.getLoc(), c, arith::ConstantIndexOp::create(top, fn.getLoc(), slice));
  auto shift = [&](OpOperand &row) {
    OpBuilder b(row.getOwner());
    row.set(arith::AddIOp::create(b, row.getOwner()->getLoc(), row.get(), offset));
  };
  LogicalResult result = success();
  consumer.walk([&](Operation *op) {
    for (Value v : op->getResults())
      v.setType(sliced(v.getType()));
    for (Region &r : op->getRegions())
      for (Block &blk : r)
        for (BlockArgument a : blk.getArguments())
          a.setType(sliced(a.getType()));
    // Transposed stores and reads hold the program's rows in the view's
    // columns: one consumer only (no offset to apply). Column vectors are
    // every consumer's.
    auto transposed = [&](Operation *op) {
      if (consumers > 1)
        result = op->emitOpError() << "moves a fragment transposed, which "
                                      "atile-warp-specialize cannot slice "
                                      "by consumer";
    };
    if (auto mask = dyn_cast<MaskOp>(op))
      shift(mask.getRowMutable());
    else if (auto store = dyn_cast<StoreOp>(op))
      store.getTranspose() ? transposed(op) : shift(store.getRowMutable());
    else if (auto read = dyn_cast<ReadOp>(op); read && read.getRow()) {
      auto ft = dyn_cast<FragType>(read.getResult().getType());
      if (read.getTranspose())
        transposed(op);
      else if (!ft || !isColumn(ft))
        shift(read.getRowMutable()[0]);
    }
    else if (auto copy = dyn_cast<CopyOp>(op)) {
      // A copy of the program's rows (the queries): each consumer copies
      // its slice into its own stage of the buffer, which gets one stage
      // per consumer.
      auto stage = copy.getDst().getDefiningOp<StageOp>();
      auto buffer = stage ? stage.getBuffer().getDefiningOp<AllocOp>()
                          : AllocOp();
      SmemType bt = buffer ? buffer.getResult().getType() : SmemType();
      if (!buffer || bt.getShape()[0] != 1 || bt.getShape()[1] != rows) {
        result = copy.emitOpError()
                 << "copies into a tile atile-warp-specialize cannot slice "
                    "by consumer";
        return;
      }
      shift(copy.getRowMutable());
    }
  });
  if (failed(result))
    return failure();
  // Buffers of the rows: one stage per consumer, each consumer's tile its
  // stage.
  SmallVector<AllocOp> rowBuffers;
  consumer.walk([&](CopyOp copy) {
    auto buffer = copy.getDst().getDefiningOp<StageOp>().getBuffer()
                      .getDefiningOp<AllocOp>();
    if (!llvm::is_contained(rowBuffers, buffer))
      rowBuffers.push_back(buffer);
  });
  for (AllocOp buffer : rowBuffers) {
    SmemType bt = buffer.getResult().getType();
    buffer.getResult().setType(SmemType::get(
        ctx, {consumers, slice, bt.getShape()[2]}, bt.getElementType(),
        bt.getSwizzle()));
    for (Operation *user : llvm::make_early_inc_range(buffer->getUsers())) {
      auto stage = dyn_cast<StageOp>(user);
      if (!stage)
        return buffer.emitOpError() << "is used by more than atile.stage";
      for (Operation *reader : stage->getUsers())
        if (!ws->isProperAncestor(reader))
          return stage.emitOpError() << "is read outside the consumers";
      OpBuilder b(&consumer, std::next(offset.getDefiningOp()->getIterator()));
      Value mine = StageOp::create(b, stage.getLoc(), buffer.getResult(), c);
      stage.getResult().replaceAllUsesWith(mine);
      stage.erase();
    }
  }
  return success();
}

void Specializer::takeTurns() {
  auto isAsync = [](Operation &op) {
    auto mma = dyn_cast<MmaOp>(op);
    return mma && mma.getAsync();
  };
  SmallVector<Block *> blocks;
  ws.getConsumer().walk([&](Block *b) { blocks.push_back(b); });
  for (Block *b : blocks)
    for (auto it = b->begin(); it != b->end();) {
      if (!isAsync(*it)) {
        ++it;
        continue;
      }
      auto last = it;
      while (std::next(last) != b->end() && isAsync(*std::next(last)))
        ++last;
      OpBuilder before(&*it);
      TurnAcquireOp::create(before, it->getLoc());
      OpBuilder after(b, std::next(last));
      TurnReleaseOp::create(after, last->getLoc());
      it = std::next(last);
    }
}

FailureOr<bool> Specializer::run() {
  if (failed(check()))
    return false;
  Block &body = fn.getBody().front();
  auto it = body.begin();
  while (it != body.end() && &*it != body.getTerminator() && isPrelude(*it))
    ++it;
  OpBuilder b(&body, it);
  Location loc = fn.getLoc();
  // Registers move to the consumers only where the block's share per
  // thread is below 255: more than 256 threads (the op's verifier).
  const bool moveRegisters = 32 * (kProducerWarps + 4 * consumers) > 256;
  ws = WarpSpecializeOp::create(
      b, loc, b.getI64IntegerAttr(kProducerWarps),
      b.getI64IntegerAttr(consumers),
      moveRegisters ? b.getI64IntegerAttr(24) : IntegerAttr(),
      moveRegisters ? b.getI64IntegerAttr(240) : IntegerAttr());
  Block *producer = b.createBlock(&ws.getProducer());
  Block *consumer = b.createBlock(&ws.getConsumer(), {}, b.getIndexType(), loc);
  for (Block *blk : {producer, consumer}) {
    OpBuilder e = OpBuilder::atBlockEnd(blk);
    YieldOp::create(e, loc);
  }
  // Everything after the prelude is the consumers' program.
  consumer->getOperations().splice(
      consumer->getTerminator()->getIterator(), body.getOperations(),
      std::next(ws->getIterator()), body.getTerminator()->getIterator());
  if (failed(buildProducer()))
    return fn.emitOpError() << "atile-warp-specialize could not move the "
                               "copies' address arithmetic into the producer";
  awaitAndRelease();
  if (failed(sliceRows()))
    return failure();
  if (consumers == 2 && pingpong)
    takeTurns();
  const int64_t warps = kProducerWarps + 4 * consumers;
  fn.setKnownBlockSizeAttr(
      b.getDenseI32ArrayAttr({static_cast<int32_t>(32 * warps), 1, 1}));
  return true;
}

namespace {
struct ATileWarpSpecializePass
    : public mlir::atile::impl::ATileWarpSpecializePassBase<
          ATileWarpSpecializePass> {
  using Base::Base;
  void runOnOperation() override {
    gpu::GPUModuleOp module = getOperation();
    const attn::target::ChipInfo *chip = getTargetChip(module);
    if (!chip || !chip->wgmma)
      return; // setmaxnreg and wgmma: sm_90a
    for (auto fn : module.getOps<gpu::GPUFuncOp>()) {
      std::optional<ArrayRef<int32_t>> block = fn.getKnownBlockSize();
      if (!block || (*block)[0] % 128 || !fn.getBody().hasOneBlock())
        continue;
      const int64_t consumers = (*block)[0] / 128;
      if (consumers < 1 || consumers > 2)
        continue;
      // A program this pass does not take stays as it is (cp.async,
      // every warp a consumer); one it took but cannot finish is an error.
      Specializer s(fn, consumers);
      s.pingpong = pingpong;
      if (failed(s.run()))
        return signalPassFailure();
    }
  }
};
} // namespace
