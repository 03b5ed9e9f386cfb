//===- ATileToNVVM.cpp - convert-atile-to-nvvm ----------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The driver of the tile IR's lowering: walks each tile program in order and
// emits what one thread does. Fragments become per-thread registers
// (ATileToNVVM.h), shared buffers slices of the kernel's one dynamic
// shared-memory array (1024-aligned, in allocation order), global views
// their pointer and extents; scf.for loops carrying fragments carry their
// registers. Each op family is lowered in its own file.
//
//===----------------------------------------------------------------------===//

#include "ATileToNVVM.h"
#include "attn/Conversion/Passes.h"
#include "attn/Target/GPU/TargetInfo.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::attn {
#define GEN_PASS_DEF_CONVERTATILETONVVMPASS
#include "attn/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::atile;
using namespace mlir::atile::nvvm;

Lowering::Lowering(ImplicitLocOpBuilder &b, gpu::GPUModuleOp module,
                   int64_t threads)
    : b(b), g(b), module(module), threads(threads) {
  tid = g.threadId();
  warp = g.divu(tid, g.c32(32));
  lane = g.remu(tid, g.c32(32));
  gq = g.divu(lane, g.c32(4));
  tq = g.remu(lane, g.c32(4));
  smemBase = g.sharedBase(module);
}

void Lowering::sync() {
  if (!syncCount) {
    g.barrier();
    return;
  }
  NVVM::BarrierOp::create(b, Type(), syncId, g.c32(syncCount),
                          NVVM::BarrierReductionAttr(), Value());
}

FailureOr<FragGeom> Lowering::geom(Operation *op, FragType type) {
  LayoutAttr layout = type.getLayout();
  if (!layout)
    return op->emitOpError() << "has a fragment without a layout (" << type
                             << "); run atile-assign-layouts first";
  if (layout.getWarps() * 32 != threads)
    return op->emitOpError() << "has a fragment laid out over "
                             << layout.getWarps() << " warps in a kernel of "
                             << threads / 32;
  FragGeom gm;
  gm.rows = type.getRows();
  gm.cols = type.getRank() == 2 ? type.getShape()[1] : 0;
  gm.warps = layout.getWarps();
  if (layout.getInstr() == Instr::simt) {
    gm.simt = true;
    gm.lanes = layout.getLanes();
    gm.passes = layout.rowsPerOwner(gm.rows);
    gm.column = type.getRank() == 2 && gm.rows == 1;
    gm.packed = type.getElementType().getIntOrFloatBitWidth() == 16;
    gm.bytes = false;
    gm.rowsPerWarp = gm.mTiles = gm.nTiles = 0;
    if (!gm.passes)
      return op->emitOpError() << "has a simt fragment " << type
                               << " whose rows do not split into passes";
    return gm;
  }
  gm.rowsPerWarp = gm.rows / gm.warps;
  gm.mTiles = gm.rowsPerWarp / 16;
  gm.nTiles = gm.cols / 8;
  gm.packed = type.getElementType().getIntOrFloatBitWidth() == 16;
  gm.bytes = type.getElementType().getIntOrFloatBitWidth() == 8;
  if (type.getRank() == 2 && gm.rows == 1) { // a column vector
    if (!type.getElementType().isF32())
      return op->emitOpError() << "has a column vector " << type
                               << " that is not f32";
    gm.column = true;
    gm.rowsPerWarp = gm.mTiles = 0;
    return gm;
  }
  // wgmma's m64 accumulator is, per warp, the m16n8 layout of mma.sync over
  // the warp's 16 rows (warp w of the block: rows 16 w .. 16 w + 15); more
  // rows per warpgroup would need several m64 products per warpgroup.
  if (layout.getInstr() == Instr::wgmma && gm.rowsPerWarp != 16)
    return op->emitOpError() << "has a wgmma fragment of " << gm.rows
                             << " rows over " << gm.warps
                             << " warps; convert-atile-to-nvvm lowers 64 "
                                "rows per warpgroup";
  if (gm.bytes && (type.getRank() != 2 || gm.nTiles % 4 ||
                   layout.getOperand() != Operand::lhs))
    return op->emitOpError() << "has an 8-bit fragment that is not the left "
                                "operand of a product with K a multiple of "
                                "32 (" << type << ")";
  return gm;
}

Value Lowering::toI64(Value index) {
  return arith::IndexCastOp::create(b, b.getI64Type(), lookup(index));
}

Value Lowering::chunkOffset(SmemType tile, Value row, Value chunk) {
  const int64_t eb = tile.getElementType().getIntOrFloatBitWidth() / 8;
  const int64_t rowBytes = tile.getCols() * eb;
  const int64_t span = tile.getSwizzle();
  if (!span)
    return g.add(g.mul(row, g.c32(rowBytes)), g.mul(chunk, g.c32(16)));
  const int64_t group = span / 16;
  Value block = g.divu(chunk, g.c32(group));
  Value within = g.xorI(g.remu(chunk, g.c32(group)),
                        g.remu(row, g.c32(group)));
  Value off = g.add(g.mul(block, g.c32(tile.getRows() * span)),
                    g.mul(row, g.c32(span)));
  return g.add(off, g.mul(within, g.c32(16)));
}

Value Lowering::elemOffset(SmemType tile, Value row, Value col) {
  const int64_t eb = tile.getElementType().getIntOrFloatBitWidth() / 8;
  const int64_t perChunk = 16 / eb;
  return g.add(chunkOffset(tile, row, g.divu(col, g.c32(perChunk))),
               g.mul(g.remu(col, g.c32(perChunk)), g.c32(eb)));
}

Value Lowering::simtRow(const FragGeom &gm, int64_t i) {
  const int64_t perWarp = 32 / gm.lanes;
  return g.add(g.divu(lane, g.c32(gm.lanes)),
               g.mul(g.add(warp, g.c32(gm.warps * i)), g.c32(perWarp)));
}

Value Lowering::simtCol(const FragGeom &gm) {
  return g.mul(g.remu(lane, g.c32(gm.lanes)), g.c32(4));
}

Value Lowering::threadRow(const FragGeom &gm, int64_t mi, int64_t hf) {
  return g.add(g.mul(warp, g.c32(gm.rowsPerWarp)),
               g.add(gq, g.c32(16 * mi + 8 * hf)));
}

SmallVector<Value> Lowering::extents(ViewOp view) {
  SmallVector<Value> extent;
  unsigned dynamic = 0;
  for (int64_t d : view.getResult().getType().getShape())
    extent.push_back(ShapedType::isDynamic(d)
                         ? lookup(view.getSizes()[dynamic++])
                         : g.c64(d));
  return extent;
}

std::pair<Value, Value> Lowering::rowAddress(ViewOp view,
                                             ArrayRef<int64_t> rowDims,
                                             ValueRange offsets, Value lin) {
  const int64_t rank = view.getResult().getType().getRank();
  SmallVector<Value> extent = extents(view);
  // Row dims from the linear row, last fastest; the first takes the rest.
  // In 32 bits, as atile.mask's positions: packed rows (T x G query rows,
  // or S keys) stay below 2^31, and a 64-bit division is a long
  // subroutine per row.
  SmallVector<Value> index(rank);
  if (rowDims.size() > 1) {
    Value lin32 = g.toI32(lin);
    for (size_t i = rowDims.size(); i-- > 1;) {
      Value e = g.toI32(extent[rowDims[i]]);
      index[rowDims[i]] = g.toI64(g.remu(lin32, e));
      lin32 = g.divu(lin32, e);
    }
    lin = g.toI64(lin32);
  }
  index[rowDims.front()] = lin;
  Value valid = g.slt(lin, extent[rowDims.front()]);
  unsigned next = 0;
  for (int64_t d = 0; d < rank; ++d)
    if (!index[d])
      index[d] = next < offsets.size() ? toI64(offsets[next++]) : g.c64(0);
  Value off = index[0];
  for (int64_t d = 1; d < rank; ++d)
    off = g.add(g.mul(off, extent[d]), index[d]);
  return {off, valid};
}

Value Lowering::gatheredEntry(GatherOp gather, Value e) {
  auto table = gather.getIndices().getDefiningOp<ViewOp>();
  const int64_t last = table.getResult().getType().getRank() - 1;
  Value entries = g.toI32(extents(table)[last]);
  Value listed = g.ult(e, entries);
  Value at = rowAddress(table, {last}, gather.getOffsets(), g.toI64(e)).first;
  return g.loadGlobalIf(g.gep(lookup(table.getPtr()), g.i32(), at), listed,
                        g.c32(-1));
}

std::pair<Value, Value> Lowering::gatheredKey(GatherOp gather, Value entry,
                                              Value within) {
  const int64_t block = static_cast<int64_t>(gather.getBlock());
  // The source row, in 64 bits (entries are i32, the product need not be).
  Value key = g.mul(g.toI64(entry), g.c64(block));
  if (within)
    key = g.add(key, g.toI64(within));
  Value present = g.andI(g.sle(g.c32(0), entry),
                         g.slt(key, toI64(gather.getBound())));
  return {key, present};
}

std::pair<Value, Value> Lowering::gatheredRow(GatherOp gather, Value n) {
  const int64_t block = static_cast<int64_t>(gather.getBlock());
  if (block == 1)
    return gatheredKey(gather, gatheredEntry(gather, n), Value());
  return gatheredKey(gather, gatheredEntry(gather, g.divu(n, g.c32(block))),
                     g.remu(n, g.c32(block)));
}

namespace {
/// Walks one tile program and emits its per-thread form.
class Driver {
public:
  Driver(Lowering &l) : l(l) {}
  LogicalResult lowerBlock(Block &block);

private:
  Lowering &l;
  LogicalResult lowerOp(Operation &op);
  /// The tile operands of `op` were made by this lowering, with registers
  /// matching their layouts (the program may hold anything the verifiers
  /// accept: block arguments, values of ops the lowering does not know).
  LogicalResult checkOperands(Operation &op, ValueRange values);
  LogicalResult lowerFor(scf::ForOp op);
  LogicalResult lowerIf(scf::IfOp op);
  LogicalResult lowerWarpSpecialize(WarpSpecializeOp op);
  /// Registers of the fragments among `values`, flattened, the scalars
  /// mapped.
  SmallVector<Value> flatten(ValueRange values);
  /// The inverse of flatten over the results of `to` starting at `from`.
  void unflatten(ValueRange originals, ValueRange flat);
};
} // namespace

LogicalResult Driver::checkOperands(Operation &op, ValueRange values) {
  for (Value v : values) {
    if (auto ft = dyn_cast<FragType>(v.getType())) {
      auto it = l.frags.find(v);
      if (it == l.frags.end())
        return op.emitOpError()
               << "reads a fragment that convert-atile-to-nvvm did not make "
                  "(a block argument, or the result of an op it does not "
                  "lower)";
      FailureOr<FragGeom> gm = l.geom(&op, ft);
      if (failed(gm))
        return failure();
      if (static_cast<int64_t>(it->second.size()) !=
          gm->size(ft.getRank() == 1))
        return op.emitOpError() << "reads a fragment whose registers do not "
                                   "match its layout "
                                << ft;
    } else if (isa<SmemType>(v.getType()) && !l.smem.count(v)) {
      return op.emitOpError() << "reads a shared tile that "
                                 "convert-atile-to-nvvm did not make (shared "
                                 "tiles come from atile.alloc / atile.stage)";
    } else if (isa<TokenType>(v.getType()) && !isa<WaitOp>(op)) {
      return op.emitOpError() << "uses a copy token outside atile.wait";
    }
  }
  return success();
}

SmallVector<Value> Driver::flatten(ValueRange values) {
  SmallVector<Value> out;
  for (Value v : values) {
    if (isa<FragType>(v.getType()))
      llvm::append_range(out, l.frags.lookup(v));
    else
      out.push_back(l.lookup(v));
  }
  return out;
}

void Driver::unflatten(ValueRange originals, ValueRange flat) {
  size_t at = 0;
  for (Value v : originals) {
    if (isa<FragType>(v.getType())) {
      size_t n = l.frags.lookup(v).size();
      l.frags[v] = Regs(flat.slice(at, n).begin(), flat.slice(at, n).end());
      at += n;
    } else {
      l.scalars.map(v, flat[at++]);
    }
  }
}

LogicalResult Driver::lowerFor(scf::ForOp op) {
  if (failed(checkOperands(*op, op.getInitArgs())))
    return failure();
  SmallVector<Value> inits = flatten(op.getInitArgs());
  auto loop = scf::ForOp::create(l.b, l.lookup(op.getLowerBound()),
                                 l.lookup(op.getUpperBound()),
                                 l.lookup(op.getStep()), inits);
  // Iteration arguments have the registers of their inits.
  for (auto [arg, init] : llvm::zip(op.getRegionIterArgs(), op.getInitArgs()))
    if (isa<FragType>(arg.getType()))
      l.frags[arg] = l.frags.lookup(init);
  for (auto [res, init] : llvm::zip(op.getResults(), op.getInitArgs()))
    if (isa<FragType>(res.getType()))
      l.frags[res] = l.frags.lookup(init);
  {
    OpBuilder::InsertionGuard guard(l.b);
    // (A loop without results comes with its terminator.)
    if (!loop.getBody()->empty())
      loop.getBody()->getTerminator()->erase();
    l.b.setInsertionPointToStart(loop.getBody());
    l.scalars.map(op.getInductionVar(), loop.getInductionVar());
    unflatten(op.getRegionIterArgs(), loop.getRegionIterArgs());
    // Copies of the previous iteration may still be read: no fence.
    int64_t savedGroups = l.groups;
    l.groups = 0;
    l.fenced = false;
    if (failed(lowerBlock(*op.getBody())))
      return failure();
    auto yield = cast<scf::YieldOp>(op.getBody()->getTerminator());
    if (failed(checkOperands(*yield, yield.getOperands())))
      return failure();
    for (auto [y, init] : llvm::zip(yield.getOperands(), op.getInitArgs()))
      if (isa<FragType>(y.getType()) &&
          l.frags.lookup(y).size() != l.frags.lookup(init).size())
        return yield.emitOpError() << "yields a fragment whose registers "
                                      "differ from its initial value's";
    scf::YieldOp::create(l.b, flatten(yield.getOperands()));
    l.groups = savedGroups;
  }
  unflatten(op.getResults(), loop.getResults());
  l.fenced = false;
  return success();
}

LogicalResult Driver::lowerIf(scf::IfOp op) {
  if (llvm::any_of(op.getResultTypes(),
                   [](Type t) { return isa<FragType>(t); }))
    return op.emitOpError() << "yields fragments; convert-atile-to-nvvm "
                               "lowers scf.if with scalar results only";
  auto ifOp = scf::IfOp::create(l.b, op.getResultTypes(),
                                l.lookup(op.getCondition()),
                                /*withElseRegion=*/!op.getElseRegion().empty());
  bool fenced = l.fenced;
  bool after = fenced;
  for (auto [from, to] : {std::pair(&op.getThenRegion(), &ifOp.getThenRegion()),
                          std::pair(&op.getElseRegion(), &ifOp.getElseRegion())}) {
    if (from->empty())
      continue;
    OpBuilder::InsertionGuard guard(l.b);
    Block &dst = to->front();
    if (!dst.empty())
      dst.getTerminator()->erase();
    l.b.setInsertionPointToEnd(&dst);
    l.fenced = fenced;
    if (failed(lowerBlock(from->front())))
      return failure();
    auto yield = cast<scf::YieldOp>(from->front().getTerminator());
    if (failed(checkOperands(*yield, yield.getOperands())))
      return failure();
    scf::YieldOp::create(l.b, flatten(yield.getOperands()));
    after &= l.fenced;
  }
  for (auto [from, to] : llvm::zip(op.getResults(), ifOp.getResults()))
    l.scalars.map(from, to);
  l.fenced = after;
  return success();
}

LogicalResult Driver::lowerWarpSpecialize(WarpSpecializeOp op) {
  auto &g = l.g;
  if (op.getProducerWarps() % 4)
    return op.emitOpError() << "lowers whole producer warpgroups (a multiple "
                               "of 4 warps)";
  const int64_t producerThreads = 32 * op.getProducerWarps();
  if (producerThreads + 128 * op.getConsumers() != l.threads)
    return op.emitOpError() << "needs " << producerThreads + 128 * op.getConsumers()
                            << " threads; the kernel has " << l.threads;
  // Ring barriers: one thread initialises them, every thread sees them.
  if (!l.rings.empty()) {
    auto first = scf::IfOp::create(l.b, TypeRange{}, g.eq(l.tid, g.c32(0)),
                                   false);
    {
      OpBuilder::InsertionGuard guard(l.b);
      l.b.setInsertionPointToStart(first.thenBlock());
      for (auto [buffer, base] : l.rings) {
        const int64_t stages = cast<SmemType>(buffer.getType()).getShape()[0];
        for (int64_t s = 0; s < stages; ++s) {
          Value full = g.gep(base, l.b.getI8Type(), g.c32(16 * s));
          Value empty = g.gep(base, l.b.getI8Type(), g.c32(16 * s + 8));
          NVVM::MBarrierInitOp::create(l.b, full, g.c32(1), Value());
          NVVM::MBarrierInitOp::create(l.b, empty,
                                       g.c32(4 * op.getConsumers()), Value());
        }
      }
      NVVM::FenceMbarrierInitOp::create(l.b);
    }
    g.barrier();
  }
  // Thread geometry and barrier of the code outside the regions.
  struct Saved {
    Value tid, warp, lane, gq, tq, syncId;
    int64_t threads, syncCount;
  } saved{l.tid, l.warp, l.lane, l.gq, l.tq, l.syncId, l.threads, l.syncCount};
  auto restore = [&] {
    l.tid = saved.tid;
    l.warp = saved.warp;
    l.lane = saved.lane;
    l.gq = saved.gq;
    l.tq = saved.tq;
    l.syncId = saved.syncId;
    l.threads = saved.threads;
    l.syncCount = saved.syncCount;
  };
  auto role = scf::IfOp::create(l.b, TypeRange{},
                                g.ult(l.tid, g.c32(producerThreads)),
                                /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(l.b);
  // The producer: fewer registers (with budgets), one thread issues.
  l.b.setInsertionPointToStart(role.thenBlock());
  if (auto regs = op.getProducerRegs())
    NVVM::SetMaxRegisterOp::create(l.b, static_cast<int32_t>(*regs),
                                   NVVM::SetMaxRegisterAction::decrease);
  auto one = scf::IfOp::create(l.b, TypeRange{}, g.eq(l.tid, g.c32(0)), false);
  l.b.setInsertionPointToStart(one.thenBlock());
  l.threads = 1;
  if (failed(lowerBlock(op.getProducer().front())))
    return failure();
  restore();
  // The consumers: more registers, each warpgroup on its own rows.
  l.b.setInsertionPointToStart(role.elseBlock());
  if (auto regs = op.getConsumerRegs())
    NVVM::SetMaxRegisterOp::create(l.b, static_cast<int32_t>(*regs),
                                   NVVM::SetMaxRegisterAction::increase);
  Value mine = g.sub(l.tid, g.c32(producerThreads));
  Value c = g.divu(mine, g.c32(128));
  l.tid = g.remu(mine, g.c32(128));
  l.warp = g.divu(l.tid, g.c32(32));
  l.threads = 128;
  // Named barriers 1 .. consumers (0 is the block's).
  l.syncId = g.add(c, g.c32(1));
  l.syncCount = 128;
  l.scalars.map(op.getConsumer().getArgument(0),
                arith::IndexCastUIOp::create(l.b, l.b.getIndexType(), c));
  l.consumer = c;
  bool turns = false;
  op.getConsumer().walk([&](TurnAcquireOp) { turns = true; });
  if (turns)
    beginTurns(l);
  bool fenced = l.fenced;
  l.fenced = true;
  if (failed(lowerBlock(op.getConsumer().front())))
    return failure();
  if (turns)
    endTurns(l);
  l.fenced = fenced;
  l.consumer = Value();
  restore();
  return success();
}

LogicalResult Driver::lowerBlock(Block &block) {
  for (Operation &op : block.without_terminator())
    if (failed(lowerOp(op)))
      return failure();
  Operation *term = block.getTerminator();
  if (isa<scf::YieldOp>(term) ||
      (isa<YieldOp>(term) && isa<WarpSpecializeOp>(term->getParentOp())))
    return success(); // the loop / region lowering writes it
  return lowerOp(*term);
}

LogicalResult Driver::lowerOp(Operation &op) {
  Lowering &L = l;
  if (isa_and_nonnull<ATileDialect>(op.getDialect()) &&
      failed(checkOperands(op, op.getOperands())))
    return failure();
  return TypeSwitch<Operation *, LogicalResult>(&op)
      .Case([&](ViewOp) { return success(); }) // read at its uses
      .Case([&](GatherOp) { return success(); })
      .Case([&](AllocOp a) {
        const int64_t at = placeShared(L.smemBytes, a.getResult().getType());
        L.smem[a.getResult()] =
            L.g.gep(L.smemBase, L.b.getI8Type(), L.g.c32(at));
        return success();
      })
      .Case([&](StageOp s) {
        Value at = L.g.mul(L.g.indexToI32(L.lookup(s.getIndex())),
                           L.g.c32(s.getResult().getType().getStageBytes()));
        L.smem[s.getResult()] =
            L.g.gep(L.smem.lookup(s.getBuffer()), L.b.getI8Type(), at);
        return success();
      })
      .Case([&](SubtileOp s) -> LogicalResult {
        // Swizzled: column block b of the tile starts at b rows span; plain
        // rows: the block's first column.
        SmemType t = s.getTile().getType();
        const int64_t eb = t.getElementType().getIntOrFloatBitWidth() / 8;
        const int64_t blockBytes =
            t.getSwizzle() ? s.getCols() * eb * t.getRows() : s.getCols() * eb;
        if (!t.getSwizzle() && t.getRows() > 1)
          return s.emitOpError()
                 << "lowers column blocks of swizzled tiles (or one-row "
                    "tiles) only";
        Value at = L.g.mul(L.g.indexToI32(L.lookup(s.getIndex())),
                           L.g.c32(blockBytes));
        L.smem[s.getResult()] =
            L.g.gep(L.smem.lookup(s.getTile()), L.b.getI8Type(), at);
        return success();
      })
      .Case([&](CopyOp c) { return lowerCopy(L, c); })
      .Case([&](WaitOp w) { return lowerWait(L, w); })
      .Case([&](LoadOp o) { return lowerLoad(L, o); })
      .Case([&](StoreOp o) { return lowerStore(L, o); })
      .Case([&](ReadOp o) { return lowerRead(L, o); })
      .Case([&](PutOp o) { return lowerPut(L, o); })
      .Case([&](IotaOp o) { return lowerIota(L, o); })
      .Case([&](ScanOp o) { return lowerScan(L, o); })
      .Case([&](GatedGramOp o) { return lowerGatedGram(L, o); })
      .Case([&](TrilSolveOp o) { return lowerTrilSolve(L, o); })
      .Case([&](MmaOp o) { return lowerMma(L, o); })
      .Case([&](MmaWaitOp o) { return lowerMmaWait(L, o); })
      .Case([&](FillOp o) { return lowerFill(L, o); })
      .Case([&](MapOp o) { return lowerMap(L, o); })
      .Case([&](ReduceOp o) { return lowerReduce(L, o); })
      .Case([&](MaskOp o) { return lowerMask(L, o); })
      .Case([&](OnlineSoftmaxOp o) { return lowerOnlineSoftmax(L, o); })
      .Case([&](ConvertOp o) { return lowerConvert(L, o); })
      .Case([&](scf::ForOp f) { return lowerFor(f); })
      .Case([&](scf::IfOp f) { return lowerIf(f); })
      .Case([&](AcquireOp o) { return lowerAcquire(L, o); })
      .Case([&](AwaitOp o) { return lowerAwait(L, o); })
      .Case([&](ReleaseOp o) { return lowerRelease(L, o); })
      .Case([&](TurnAcquireOp o) { return lowerTurnAcquire(L, o); })
      .Case([&](TurnReleaseOp o) { return lowerTurnRelease(L, o); })
      .Case([&](WarpSpecializeOp o) { return lowerWarpSpecialize(o); })
      .Default([&](Operation *other) -> LogicalResult {
        if (isa_and_nonnull<ATileDialect>(other->getDialect()))
          return other->emitOpError()
                 << "is not lowered to NVVM yet (convert-atile-to-nvvm)";
        auto tiled = [](Type t) {
          return isa<FragType, SmemType, ViewType, TokenType>(t);
        };
        bool bad = llvm::any_of(other->getOperandTypes(), tiled) ||
                   llvm::any_of(other->getResultTypes(), tiled);
        other->walk([&](Operation *inner) {
          bad |= inner != other &&
                 isa_and_nonnull<ATileDialect>(inner->getDialect());
        });
        if (bad)
          return other->emitOpError()
                 << "holds tile values; convert-atile-to-nvvm lowers them "
                    "in scf.for loops and atile ops only";
        if (other->getNumOperands() == 1 && other->getNumResults() == 1)
          if (Value y = scalarMath(L, *other, L.lookup(other->getOperand(0)))) {
            L.scalars.map(other->getResult(0), y);
            return success();
          }
        L.b.clone(*other, L.scalars);
        return success();
      });
}

/// Lowers one kernel in place: a new entry block receives the per-thread
/// program, the tile program's block is dropped.
static LogicalResult lowerKernel(gpu::GPUFuncOp fn, gpu::GPUModuleOp module,
                                 const attn::target::ChipInfo &chip) {
  std::optional<ArrayRef<int32_t>> block = fn.getKnownBlockSize();
  if (!block || (*block)[0] % 32)
    return fn.emitOpError() << "a tile program needs known_block_size = [32 "
                               "x warps, 1, 1]";
  if (!fn.getBody().hasOneBlock())
    return fn.emitOpError() << "a tile program is one block (loops as scf.for)";
  Block &old = fn.getBody().front();
  Block *entry = new Block();
  fn.getBody().push_front(entry);
  for (BlockArgument arg : old.getArguments())
    entry->addArgument(arg.getType(), arg.getLoc());
  ImplicitLocOpBuilder b(fn.getLoc(), fn.getContext());
  b.setInsertionPointToStart(entry);
  Lowering l(b, module, (*block)[0]);
  const int64_t shared = sharedBytes(fn);
  {
    int64_t used = 0;
    fn.walk([&](AllocOp a) { placeShared(used, a.getResult().getType()); });
    for (auto [alloc, at] : placeRings(fn, used))
      l.rings[alloc.getResult()] =
          l.g.gep(l.smemBase, b.getI8Type(), l.g.c32(at));
    auto [at, bytes] = placeReduceScratch(fn, used);
    if (bytes)
      l.reduceScratch = l.g.gep(l.smemBase, b.getI8Type(), l.g.c32(at));
  }
  fn.walk([&](MmaOp mma) {
    if (LayoutAttr layout = mma.getResult().getType().getLayout())
      l.asyncProxyReads |= layout.getInstr() == Instr::wgmma;
  });
  for (auto [from, to] : llvm::zip(old.getArguments(), entry->getArguments()))
    l.scalars.map(from, to);
  Driver driver(l);
  if (failed(driver.lowerBlock(old)))
    return failure();
  if (shared > chip.maxSharedPerBlock)
    return fn.emitOpError() << "needs " << shared
                            << " bytes of shared memory; " << chip.name
                            << " allows " << chip.maxSharedPerBlock;
  old.dropAllDefinedValueUses();
  old.erase();
  fn->setAttr(attn::kSharedBytesAttr, b.getI64IntegerAttr(shared));
  return success();
}

namespace {
struct ConvertATileToNVVMPass
    : public mlir::attn::impl::ConvertATileToNVVMPassBase<
          ConvertATileToNVVMPass> {
  void runOnOperation() override {
    gpu::GPUModuleOp module = getOperation();
    SmallVector<gpu::GPUFuncOp> kernels;
    for (auto fn : module.getOps<gpu::GPUFuncOp>()) {
      bool tiled = false;
      fn.walk([&](Operation *op) {
        tiled |= isa_and_nonnull<ATileDialect>(op->getDialect());
      });
      if (tiled)
        kernels.push_back(fn);
    }
    if (kernels.empty())
      return;
    const attn::target::ChipInfo *chip = getTargetChip(module);
    if (!chip) {
      module.emitError() << "convert-atile-to-nvvm needs the gpu.module's "
                            "atile.target";
      return signalPassFailure();
    }
    for (gpu::GPUFuncOp fn : kernels)
      if (failed(lowerKernel(fn, module, *chip)))
        return signalPassFailure();
  }
};
} // namespace
