//===- RingToNVVM.cpp - rings, TMA copies and warp roles of the tile IR ---===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The producer / consumer machinery of atile.warp_specialize:
//
//   rings     every staged buffer a ring op names gets, per stage, a "full"
//             mbarrier (1 arrival: the producer's expect_tx; the TMA
//             copy's bytes complete it) and an "empty" one (one arrival per
//             consumer warp), after the kernel's buffers
//             (atile::placeRings); fill `seq` uses stage seq mod S at phase
//             (seq / S) mod 2
//   acquire   mbarrier.try_wait.parity on the empty barrier, phase ^ 1 (a
//             fresh barrier has completed phase "-1": the first S fills pass)
//   copy tma  arrive.expect_tx(full, tile bytes), then one
//             cp.async.bulk.tensor per 128-byte column block of the tile;
//             rows past the tensor's end are zero-filled by TMA
//   await     mbarrier.try_wait.parity on the full barrier
//   release   __syncwarp, then lane 0 of each consumer warp arrives on empty
//   roles     setmaxnreg.dec / .inc (blocks of more than 256 threads), the
//             producer on one thread, consumers with their own thread
//             geometry and named barrier (1 + c)
//   turns     ping-pong of two consumers on named barriers 3 + c: a turn
//             is bar.sync on the own barrier (256 threads: this
//             warpgroup's sync and the other's arrive), its end bar.arrive
//             on the other's
//
//===----------------------------------------------------------------------===//

#include "ATileToNVVM.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::atile;
using namespace mlir::atile::nvvm;

namespace {
/// A ring slot: the barriers of stage `seq mod stages` and the phase of
/// fill `seq`.
struct Slot {
  Value full, empty, phase;
};
} // namespace

static FailureOr<Slot> slotOf(Lowering &l, Operation *op, Value buffer,
                              Value seq) {
  Value base = l.rings.lookup(buffer);
  if (!base)
    return op->emitOpError() << "names a buffer without ring barriers";
  auto &g = l.g;
  const int64_t stages = cast<SmemType>(buffer.getType()).getShape()[0];
  Value s = g.indexToI32(l.lookup(seq));
  Value stage = g.remu(s, g.c32(stages));
  Value phase = g.andI(g.divu(s, g.c32(stages)), g.c32(1));
  Type i8 = l.b.getI8Type();
  Value full = g.gep(base, i8, g.mul(stage, g.c32(16)));
  Value empty = g.gep(full, i8, g.c32(8));
  return Slot{full, empty, phase};
}

static void waitParity(Lowering &l, Value barrier, Value phase) {
  NVVM::MBarrierTryWaitParityOp::create(l.b, barrier, phase,
                                        l.g.c32(0x989680));
}

LogicalResult nvvm::lowerAcquire(Lowering &l, AcquireOp op) {
  FailureOr<Slot> slot = slotOf(l, op, op.getBuffer(), op.getSeq());
  if (failed(slot))
    return failure();
  waitParity(l, slot->empty, l.g.xorI(slot->phase, l.g.c32(1)));
  return success();
}

LogicalResult nvvm::lowerAwait(Lowering &l, AwaitOp op) {
  FailureOr<Slot> slot = slotOf(l, op, op.getBuffer(), op.getSeq());
  if (failed(slot))
    return failure();
  waitParity(l, slot->full, slot->phase);
  l.fenced = true;
  return success();
}

LogicalResult nvvm::lowerRelease(Lowering &l, ReleaseOp op) {
  FailureOr<Slot> slot = slotOf(l, op, op.getBuffer(), op.getSeq());
  if (failed(slot))
    return failure();
  NVVM::SyncWarpOp::create(l.b, l.g.c32(-1));
  auto lead = scf::IfOp::create(l.b, TypeRange{}, l.g.eq(l.lane, l.g.c32(0)),
                                false);
  OpBuilder::InsertionGuard guard(l.b);
  l.b.setInsertionPointToStart(lead.thenBlock());
  NVVM::MBarrierArriveOp::create(l.b, Type(), slot->empty, Value(),
                                 NVVM::MemScopeKind::CTA, false);
  return success();
}

LogicalResult nvvm::lowerTmaCopy(Lowering &l, CopyOp op, ViewOp view) {
  // The stage's "full" barrier (the stage index is the fill's seq mod S).
  auto stage = op.getDst().getDefiningOp<StageOp>();
  Value base = l.rings.lookup(stage.getBuffer());
  if (!base)
    return op.emitOpError() << "names a buffer without ring barriers";
  auto &g = l.g;
  Value full = g.gep(base, l.b.getI8Type(),
                     g.mul(g.indexToI32(l.lookup(stage.getIndex())),
                           g.c32(16)));
  SmemType tile = op.getDst().getType();
  const int64_t eb = tile.getElementType().getIntOrFloatBitWidth() / 8;
  const int64_t blocks = tile.getCols() * eb / 128;
  NVVM::MBarrierArriveExpectTxOp::create(
      l.b, Type(), full, g.c32(tile.getRows() * tile.getCols() * eb),
      NVVM::MemScopeKind::CTA, /*relaxed=*/false, Value());
  // Coordinates innermost first: the column, then every view dimension
  // from the last but one to the first (the row dimension at `row`, the
  // others at their offsets).
  const int64_t rank = view.getResult().getType().getRank();
  const int64_t rowDim = op.getRows()[0];
  SmallVector<Value> coord(rank);
  unsigned next = 0;
  for (int64_t d = 0; d < rank - 1; ++d)
    coord[d] = g.indexToI32(
        l.lookup(d == rowDim ? op.getRow() : op.getOffsets()[next++]));
  Value dst = l.smem.lookup(op.getDst());
  Value map = l.lookup(view.getTensormap());
  for (int64_t blk = 0; blk < blocks; ++blk) {
    SmallVector<Value> box = {g.c32(blk * 128 / eb)};
    for (int64_t d = rank - 2; d >= 0; --d)
      box.push_back(coord[d]);
    // The CTA's shared window as a shared::cluster address (this CTA's).
    Value at = LLVM::AddrSpaceCastOp::create(
        l.b, LLVM::LLVMPointerType::get(l.b.getContext(), 7),
        g.gep(dst, l.b.getI8Type(), g.c32(blk * tile.getRows() * 128)));
    // (Swizzled tiles: column blocks of whole rows; an unswizzled tile is
    // one row, its blocks one after another: the same offsets.)
    NVVM::CpAsyncBulkTensorGlobalToSharedClusterOp::create(
        l.b, at, map, box, full, ValueRange{}, Value(), Value(),
        NVVM::TMALoadMode::TILE, /*isCTAOnly=*/false, NVVM::CTAGroupKindAttr(),
        Value());
  }
  return success();
}

/// Named barrier `id` (i32) of the two consumer warpgroups: wait (this
/// warpgroup) or arrive (the other's 128 threads count towards it).
static void turnBarrier(Lowering &l, Value id, bool wait) {
  Value threads = l.g.c32(256);
  if (wait)
    NVVM::BarrierOp::create(l.b, Type(), id, threads,
                            NVVM::BarrierReductionAttr(), Value());
  else
    NVVM::BarrierArriveOp::create(l.b, id, threads);
}

LogicalResult nvvm::lowerTurnAcquire(Lowering &l, TurnAcquireOp op) {
  if (!l.consumer)
    return op.emitOpError() << "outside a consumer region";
  turnBarrier(l, l.g.add(l.consumer, l.g.c32(kFirstTurnBarrier)), true);
  return success();
}

LogicalResult nvvm::lowerTurnRelease(Lowering &l, TurnReleaseOp op) {
  if (!l.consumer)
    return op.emitOpError() << "outside a consumer region";
  Value other = l.g.sub(l.g.c32(1), l.consumer);
  turnBarrier(l, l.g.add(other, l.g.c32(kFirstTurnBarrier)), false);
  return success();
}

/// Consumer `c` alone waits on (or arrives at) consumer 0's turn barrier.
static void firstTurnBarrier(Lowering &l, int64_t c, bool wait) {
  auto only = scf::IfOp::create(l.b, TypeRange{},
                                l.g.eq(l.consumer, l.g.c32(c)), false);
  OpBuilder::InsertionGuard guard(l.b);
  l.b.setInsertionPointToStart(only.thenBlock());
  turnBarrier(l, l.g.c32(kFirstTurnBarrier), wait);
}

void nvvm::beginTurns(Lowering &l) { firstTurnBarrier(l, 1, false); }

void nvvm::endTurns(Lowering &l) { firstTurnBarrier(l, 0, true); }
