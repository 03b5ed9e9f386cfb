//===- CopyToNVVM.cpp - copies, waits, loads and stores of the tile IR ----===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// atile.copy with the cp_async engine: every thread issues 16-byte cp.async
// chunks (rows past the view's end zero-filled), one commit group per copy;
// atile.wait waits until the named groups landed (later groups may stay in
// flight) and synchronises the block. A copy into a buffer that may still be
// read issues a barrier first. atile.load reads a shared tile with ldmatrix
// (an f32 row as a column vector: 8-byte loads);
// atile.store writes each thread's pairs (rows past the end skipped).
//
//===----------------------------------------------------------------------===//

#include "ATileToNVVM.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::atile;
using namespace mlir::atile::nvvm;

/// 16-byte chunks per row of a shared tile.
static int64_t chunksPerRow(SmemType tile) {
  return tile.getCols() * tile.getElementType().getIntOrFloatBitWidth() / 8 /
         16;
}

static FailureOr<ViewOp> viewOf(Operation *op, Value view) {
  auto def = view.getDefiningOp<ViewOp>();
  if (!def)
    return op->emitOpError() << "reads a view that atile.view does not make "
                                "directly (block arguments are not lowered)";
  return def;
}

/// `body(chunk)` for each of `total` 16-byte chunks of a tile, dealt to the
/// threads in turn (thread `tid` takes chunks tid, tid + threads, ...); a
/// partial last pass under a guard.
static void forEachChunk(Lowering &l, Value tid, int64_t total,
                         function_ref<void(Value)> body) {
  for (int64_t i = 0; i * l.threads < total; ++i) {
    OpBuilder::InsertionGuard ig(l.b);
    Value chunk = l.g.add(l.g.c32(i * l.threads), tid);
    if ((i + 1) * l.threads > total) {
      auto guard = scf::IfOp::create(l.b, TypeRange{},
                                     l.g.ult(chunk, l.g.c32(total)), false);
      l.b.setInsertionPointToStart(guard.thenBlock());
    }
    body(chunk);
  }
}

/// The LLVM element type addresses of `elem` step by (LLVM has no FP8
/// types: bytes).
static Type addressType(Type elem) {
  if (elem.getIntOrFloatBitWidth() == 8 && !elem.isInteger())
    return IntegerType::get(elem.getContext(), 8);
  return elem;
}

/// What every cp.async copy into `op`'s tile starts with: the tile's
/// geometry (16-byte chunks per row and in all) and, unless a barrier
/// passed since the tile was last read, a barrier (other warps may still
/// read the buffer).
namespace {
struct CopyGeometry {
  SmemType tile;
  Type elem;
  int64_t eb, cpr, total;
};
} // namespace
static CopyGeometry beginCopy(Lowering &l, CopyOp op) {
  SmemType tile = op.getDst().getType();
  Type elem = addressType(tile.getElementType());
  if (!l.fenced)
    l.sync();
  l.fenced = true;
  return {tile, elem, elem.getIntOrFloatBitWidth() / 8, chunksPerRow(tile),
          tile.getRows() * chunksPerRow(tile)};
}

/// A copy from a gathered view: each thread finds the source row of every
/// tile row it copies (one entry of the index table per row, the threads
/// of a row reading the same entry; with entries of at least a tile's
/// rows, the two entries the tile can span); absent rows are zero-filled.
static LogicalResult lowerGatherCopy(Lowering &l, CopyOp op, GatherOp gather) {
  if (op.getRows().size() != 1 ||
      op.getRows()[0] != static_cast<int64_t>(gather.getDim()))
    return op.emitOpError() << "copies a gathered view's rows along its "
                               "gathered dimension only (rows = ["
                            << gather.getDim() << "])";
  auto view = gather.getSrc().getDefiningOp<ViewOp>();
  auto &g = l.g;
  const CopyGeometry cg = beginCopy(l, op);
  SmemType tile = cg.tile;
  Type elem = cg.elem;
  const int64_t eb = cg.eb, cpr = cg.cpr, total = cg.total;
  Value base = l.lookup(view.getPtr()), dst = l.smem.lookup(op.getDst());
  Value row0 = g.toI32(l.toI64(op.getRow()));
  // Tile row `row`, chunk column `c`, from source row `key`.
  auto copyRow = [&](Value row, Value c, Value key, Value present) {
    auto [off, inside] =
        l.rowAddress(view, op.getRows(), op.getOffsets(), key);
    Value src =
        g.gep(base, elem, g.add(off, g.toI64(g.mul(c, g.c32(16 / eb)))));
    Value to = g.gep(dst, l.b.getI8Type(), l.chunkOffset(tile, row, c));
    g.cpAsync16(to, src, g.andI(present, inside), base);
  };
  auto one = [&](Value row, Value c) {
    auto [key, present] = l.gatheredRow(gather, g.add(row0, row));
    copyRow(row, c, key, present);
  };
  const int64_t block = static_cast<int64_t>(gather.getBlock());
  if (l.threads % cpr == 0 && total % l.threads == 0) {
    // Whole rows per pass: a thread's chunk column is fixed.
    const int64_t rowsPerPass = l.threads / cpr;
    Value myRow = g.divu(l.tid, g.c32(cpr)), c = g.remu(l.tid, g.c32(cpr));
    // Entries of at least a tile's rows: the tile's rows lie in two
    // consecutive entries at most, read once per copy (not once per row).
    Value e0, within, first, second;
    if (block >= tile.getRows()) {
      e0 = g.divu(row0, g.c32(block));
      within = g.remu(row0, g.c32(block));
      first = l.gatheredEntry(gather, e0);
      second = l.gatheredEntry(gather, g.add(e0, g.c32(1)));
    }
    for (int64_t i = 0; i * l.threads < total; ++i) {
      Value row = g.add(myRow, g.c32(i * rowsPerPass));
      if (!first) {
        one(row, c);
        continue;
      }
      // (Rows past the first entry's end come from the second.)
      Value w = g.add(within, row);
      Value next = g.sle(g.c32(block), w);
      auto [key, present] =
          l.gatheredKey(gather, g.select(next, second, first),
                        g.select(next, g.sub(w, g.c32(block)), w));
      copyRow(row, c, key, present);
    }
  } else {
    forEachChunk(l, l.tid, total, [&](Value chunk) {
      one(g.divu(chunk, g.c32(cpr)), g.remu(chunk, g.c32(cpr)));
    });
  }
  g.cpAsyncCommit();
  l.groupOf[op.getToken()] = ++l.groups;
  return success();
}

LogicalResult nvvm::lowerCopy(Lowering &l, CopyOp op) {
  if (!op.getEngine())
    return op.emitOpError() << "has no engine (run atile-assign-layouts)";
  // (The verifier keeps TMA copies to views with a tensor map.)
  if (auto gather = op.getSrc().getDefiningOp<GatherOp>()) {
    if (l.threads < 32)
      return op.emitOpError() << "copies a gathered view by cp.async, which "
                                 "the producer's single thread does not issue";
    return lowerGatherCopy(l, op, gather);
  }
  FailureOr<ViewOp> view = viewOf(op, op.getSrc());
  if (failed(view))
    return failure();
  if (*op.getEngine() == CopyEngine::tma)
    return lowerTmaCopy(l, op, *view);
  if (l.threads < 32)
    return op.emitOpError() << "is a cp.async copy of " << l.threads
                            << " thread(s); the producer issues TMA copies";
  auto &g = l.g;
  const CopyGeometry cg = beginCopy(l, op);
  SmemType tile = cg.tile;
  Type elem = cg.elem;
  const int64_t eb = cg.eb, cpr = cg.cpr, total = cg.total;
  Value base = l.lookup(view->getPtr()), dst = l.smem.lookup(op.getDst());
  Value row0 = l.toI64(op.getRow());
  const int64_t rowsPerPass = l.threads / cpr;
  const int64_t span = tile.getSwizzle() ? tile.getSwizzle() / 16 : 1;
  if (op.getRows().size() == 1 && l.threads % cpr == 0 && total % l.threads == 0 &&
      rowsPerPass % span == 0) {
    // One row dimension: every pass of the block moves rowsPerPass whole
    // rows, so a thread's chunk column, its swizzle and its row within the
    // pass are fixed; its source moves by rowsPerPass rows of the view and
    // its destination by rowsPerPass rows of the tile. Addresses are
    // computed once and stepped (no per-chunk index arithmetic to hoist).
    Value myRow = g.divu(l.tid, g.c32(cpr)), c = g.remu(l.tid, g.c32(cpr));
    Value first = g.add(row0, g.toI64(myRow));
    // (Rows past the view's end are masked per pass below: `left`.)
    Value off = l.rowAddress(*view, op.getRows(), op.getOffsets(), first).first;
    // Elements between consecutive rows: the extents after the row dim.
    SmallVector<Value> extent = l.extents(*view);
    const int64_t rowDim = op.getRows()[0];
    Value rowStride = g.c64(1);
    for (Value e : ArrayRef<Value>(extent).drop_front(rowDim + 1))
      rowStride = g.mul(rowStride, e);
    Value left = g.sub(extent[rowDim], first); // rows of the view from mine on
    Value src = g.gep(base, elem,
                      g.add(off, g.toI64(g.mul(c, g.c32(16 / eb)))));
    Value step = g.mul(rowStride, g.c64(rowsPerPass));
    Value to = g.gep(dst, l.b.getI8Type(), l.chunkOffset(tile, myRow, c));
    for (int64_t i = 0; i * l.threads < total; ++i) {
      if (i) {
        src = g.gep(src, elem, step);
        to = g.gep(to, l.b.getI8Type(),
                   g.c32(rowsPerPass * (tile.getSwizzle() ? tile.getSwizzle()
                                                          : cpr * 16)));
      }
      g.cpAsync16(to, src, g.slt(g.c64(i * rowsPerPass), left), base);
    }
    g.cpAsyncCommit();
    l.groupOf[op.getToken()] = ++l.groups;
    return success();
  }
  forEachChunk(l, l.tid, total, [&](Value chunk) {
    Value row = g.divu(chunk, g.c32(cpr)), c = g.remu(chunk, g.c32(cpr));
    auto [off, valid] = l.rowAddress(*view, op.getRows(), op.getOffsets(),
                                     g.add(row0, g.toI64(row)));
    Value src =
        g.gep(base, elem, g.add(off, g.toI64(g.mul(c, g.c32(16 / eb)))));
    Value to = g.gep(dst, l.b.getI8Type(), l.chunkOffset(tile, row, c));
    g.cpAsync16(to, src, valid, base);
  });
  g.cpAsyncCommit();
  l.groupOf[op.getToken()] = ++l.groups;
  return success();
}

LogicalResult nvvm::lowerWait(Lowering &l, WaitOp op) {
  if (std::optional<int64_t> pending = op.getPending()) {
    l.g.cpAsyncWait(static_cast<int>(*pending));
    if (l.asyncProxyReads)
      l.g.fenceProxyAsync();
    l.sync();
    l.fenced = true;
    return success();
  }
  // Groups committed after the newest awaited copy may stay in flight; a
  // copy of another block (before a loop) is waited for completely.
  int64_t newest = 0;
  bool local = true;
  for (Value t : op.getTokens()) {
    local &= t.getDefiningOp() &&
             t.getDefiningOp()->getBlock() == op->getBlock();
    newest = std::max(newest, l.groupOf.lookup(t));
  }
  l.g.cpAsyncWait(local ? static_cast<int>(l.groups - newest) : 0);
  if (l.asyncProxyReads)
    l.g.fenceProxyAsync();
  l.sync();
  l.fenced = true;
  return success();
}

LogicalResult nvvm::lowerLoad(Lowering &l, LoadOp op) {
  if (op.getResult().getType().isF32()) {
    // One element, the same in every thread.
    SmemType tile = op.getSrc().getType();
    auto &g = l.g;
    Value col = g.c32(static_cast<int64_t>(op.getCol()));
    Value off =
        l.elemOffset(tile, g.c32(static_cast<int64_t>(op.getRow())), col);
    l.scalars.map(op.getResult(), g.loadGlobal(l.b.getF32Type(),
                                               g.gep(l.smem.lookup(op.getSrc()),
                                                     l.b.getI8Type(), off)));
    l.fenced = false;
    return success();
  }
  auto type = cast<FragType>(op.getResult().getType());
  FailureOr<FragGeom> gm = l.geom(op, type);
  if (failed(gm))
    return failure();
  if (type.getRank() == 1 && !gm->simt) {
    // A 1 x R f32 tile as a rows fragment: row i from column i.
    SmemType tile = op.getSrc().getType();
    auto &g = l.g;
    Regs regs;
    for (int64_t mi = 0; mi < gm->mTiles; ++mi)
      for (int64_t hf = 0; hf < 2; ++hf) {
        Value col = l.threadRow(*gm, mi, hf);
        Value off = l.elemOffset(tile, g.c32(0), col);
        regs.push_back(
            g.loadGlobal(l.b.getF32Type(), g.gep(l.smem.lookup(op.getSrc()),
                                                 l.b.getI8Type(), off)));
      }
    l.frags[op.getResult()] = regs;
    l.fenced = false;
    return success();
  }
  if (gm->simt)
    return op.emitOpError() << "loads shared tiles into product operands "
                               "(ldmatrix), not simt fragments";
  auto &g = l.g;
  SmemType tile = op.getSrc().getType();
  Value ptr = l.smem.lookup(op.getSrc());
  Value lane15 = g.andI(l.lane, g.c32(15)), hi16 = g.divu(l.lane, g.c32(16));
  Regs regs(gm->size(false));
  if (op.getTranspose()) {
    // The accumulator of tile^T: fragment rows are tile columns. Per m-tile
    // and 16 tile rows k, ldmatrix.x4.trans of the 8 x 8 blocks (tile rows
    // 16 k + 8 (j & 1), tile columns of the m-tile's half j >> 1) gives
    // thread (gq, tq) the elements (row gq + 8 hf, column 8 ni + 2 tq + e)
    // of n-tile ni = 2 k + (j & 1), hf = j >> 1: the accumulator layout.
    Type elem = tile.getElementType();
    for (int64_t mi = 0; mi < gm->mTiles; ++mi) {
      Value col0 = g.add(g.mul(l.warp, g.c32(gm->rowsPerWarp)),
                         g.c32(16 * mi)); // the m-tile's first tile column
      Value chunk = g.add(g.divu(col0, g.c32(8)), hi16);
      for (int64_t k = 0; k < gm->cols / 16; ++k) {
        Value off = l.chunkOffset(tile, g.add(lane15, g.c32(16 * k)), chunk);
        attn::gpu_kernels::Frag4 f =
            g.ldmatrix4(g.gep(ptr, l.b.getI8Type(), off), true);
        for (int64_t j = 0; j < 4; ++j) {
          auto [x0, x1] = g.unpack2(f[j], elem);
          const int64_t i =
              (mi * gm->nTiles + 2 * k + (j & 1)) * 4 + 2 * (j >> 1);
          regs[i] = x0;
          regs[i + 1] = x1;
        }
      }
    }
    l.frags[op.getResult()] = regs;
    l.fenced = false;
    return success();
  }
  if (gm->column) {
    // An f32 row of a tile as a column vector: the thread's column pairs
    // (8 ni + 2 tq, + 1), 8 bytes each.
    if (tile.getElementType() != l.b.getF32Type())
      return op.emitOpError() << "loads column vectors from f32 tiles";
    auto v2 = VectorType::get({2}, l.b.getF32Type());
    Value row = g.c32(static_cast<int64_t>(op.getRow()));
    for (int64_t ni = 0; ni < gm->nTiles; ++ni) {
      Value col = g.add(g.mul(l.tq, g.c32(2)), g.c32(8 * ni));
      Value off = l.elemOffset(tile, row, col);
      Value pair =
          LLVM::LoadOp::create(l.b, v2, g.gep(ptr, l.b.getI8Type(), off), 8);
      for (int64_t e = 0; e < 2; ++e)
        regs[2 * ni + e] =
            vector::ExtractOp::create(l.b, pair, ArrayRef<int64_t>{e});
    }
    l.frags[op.getResult()] = regs;
    l.fenced = false;
    return success();
  }
  if (!gm->packed && tile.getElementType().isF32()) {
    // A whole f32 tile as an accumulator: the thread's column pairs, 8
    // bytes each.
    auto v2 = VectorType::get({2}, l.b.getF32Type());
    for (int64_t mi = 0; mi < gm->mTiles; ++mi)
      for (int64_t hf = 0; hf < 2; ++hf) {
        Value row = l.threadRow(*gm, mi, hf);
        for (int64_t ni = 0; ni < gm->nTiles; ++ni) {
          Value col = g.add(g.mul(l.tq, g.c32(2)), g.c32(8 * ni));
          Value off = l.elemOffset(tile, row, col);
          Value pair = LLVM::LoadOp::create(
              l.b, v2, g.gep(ptr, l.b.getI8Type(), off), 8);
          for (int64_t e = 0; e < 2; ++e)
            regs[(mi * gm->nTiles + ni) * 4 + 2 * hf + e] =
                vector::ExtractOp::create(l.b, pair, ArrayRef<int64_t>{e});
        }
      }
    l.frags[op.getResult()] = regs;
    l.fenced = false;
    return success();
  }
  if (!gm->packed)
    return op.emitOpError() << "loads 16-bit and f32 tiles only";
  for (int64_t mi = 0; mi < gm->mTiles; ++mi)
    for (int64_t k = 0; k < gm->cols / 16; ++k) {
      Value row = g.add(g.mul(l.warp, g.c32(gm->rowsPerWarp)),
                        g.add(lane15, g.c32(16 * mi)));
      Value chunk = g.add(hi16, g.c32(2 * k));
      Value off = l.chunkOffset(tile, row, chunk);
      attn::gpu_kernels::Frag4 f =
          g.ldmatrix4(g.gep(ptr, l.b.getI8Type(), off), false);
      const int64_t n0 = (mi * gm->nTiles + 2 * k) * 2;
      regs[n0] = f[0];
      regs[n0 + 1] = f[1];
      regs[n0 + 2] = f[2];
      regs[n0 + 3] = f[3];
    }
  l.frags[op.getResult()] = regs;
  l.fenced = false;
  return success();
}

LogicalResult nvvm::lowerPut(Lowering &l, PutOp op) {
  FragType type = op.getValue().getType();
  FailureOr<FragGeom> gm = l.geom(op, type);
  if (failed(gm))
    return failure();
  if (gm->simt || gm->bytes || gm->column)
    return op.emitOpError() << "puts mma_sync / wgmma fragments of 16- or "
                               "32-bit elements; got "
                            << type;
  auto &g = l.g;
  SmemType tile = op.getDst().getType();
  Type i8 = l.b.getI8Type();
  const Regs &regs = l.frags.lookup(op.getValue());
  Value ptr = l.smem.lookup(op.getDst());
  // Readers of the old contents are done.
  if (!l.fenced)
    l.sync();
  if (type.getRank() == 1) {
    // Row i to column i of the 1 x R tile: the quad's first thread.
    auto guard =
        scf::IfOp::create(l.b, TypeRange{}, g.eq(l.tq, g.c32(0)), false);
    {
      OpBuilder::InsertionGuard ig(l.b);
      l.b.setInsertionPointToStart(guard.thenBlock());
      for (int64_t mi = 0; mi < gm->mTiles; ++mi)
        for (int64_t hf = 0; hf < 2; ++hf) {
          Value col = l.threadRow(*gm, mi, hf);
          Value off =
              l.elemOffset(tile, g.c32(0), col);
          g.storeGlobal(regs[2 * mi + hf], g.gep(ptr, i8, off));
        }
    }
    l.sync();
    l.fenced = true;
    return success();
  }
  for (int64_t mi = 0; mi < gm->mTiles; ++mi)
    for (int64_t hf = 0; hf < 2; ++hf) {
      Value row = l.threadRow(*gm, mi, hf);
      for (int64_t ni = 0; ni < gm->nTiles; ++ni) {
        // Columns 8 ni + 2 tq, + 1: one pair.
        Value col = g.add(g.mul(l.tq, g.c32(2)), g.c32(8 * ni));
        Value at = g.gep(ptr, i8, l.elemOffset(tile, row, col));
        const int64_t i = mi * gm->nTiles + ni;
        if (gm->packed) {
          g.storeGlobal(regs[i * 2 + hf], at);
        } else {
          Value pair = vector::FromElementsOp::create(
              l.b, VectorType::get({2}, l.b.getF32Type()),
              ValueRange{regs[i * 4 + 2 * hf], regs[i * 4 + 2 * hf + 1]});
          LLVM::StoreOp::create(l.b, pair, at, 8);
        }
      }
    }
  if (l.asyncProxyReads)
    g.fenceProxyAsync();
  l.sync();
  l.fenced = true;
  return success();
}

/// A store through a shared tile: registers -> the tile (the fragment's
/// layout) -> 16-byte chunks of whole rows, consecutive threads on
/// consecutive chunks.
static LogicalResult lowerStagedStore(Lowering &l, StoreOp op,
                                      const FragGeom &gm, ViewOp view) {
  if (!gm.packed)
    return op.emitOpError() << "stages packed 16-bit fragments only";
  auto &g = l.g;
  FragType type = op.getValue().getType();
  SmemType tile = cast<SmemType>(op.getStaging().getType());
  Type elem = type.getElementType();
  const Regs &regs = l.frags.lookup(op.getValue());
  Type i8 = l.b.getI8Type();
  // Every product that read the tile has completed in every thread.
  l.sync();
  // The addresses below stay here: computed from an opaque zero, LLVM
  // cannot hoist them to the kernel's start (24 registers live across the
  // main loop spilled).
  Value anchor = g.opaque(g.c32(0));
  Value ptr = g.gep(l.smem.lookup(op.getStaging()), i8, anchor);
  Value tid = g.add(l.tid, anchor);
  for (int64_t mi = 0; mi < gm.mTiles; ++mi)
    for (int64_t hf = 0; hf < 2; ++hf) {
      Value row = l.threadRow(gm, mi, hf);
      // The pair's bytes in its chunk.
      Value within = g.mul(g.add(l.tq, anchor), g.c32(4));
      for (int64_t ni = 0; ni < gm.nTiles; ++ni) {
        Value at = g.gep(ptr, i8,
                         g.add(l.chunkOffset(tile, row, g.c32(ni)), within));
        g.storeGlobal(regs[(mi * gm.nTiles + ni) * 2 + hf], at);
      }
    }
  l.sync();
  const int64_t cpr = type.getShape()[1] * 2 / 16;
  const int64_t total = type.getShape()[0] * cpr;
  Value base = l.lookup(view.getPtr()), row0 = l.toI64(op.getRow());
  auto vec = VectorType::get({4}, l.b.getI32Type());
  forEachChunk(l, tid, total, [&](Value chunk) {
    Value row = g.divu(chunk, g.c32(cpr)), c = g.remu(chunk, g.c32(cpr));
    Value data = LLVM::LoadOp::create(
        l.b, vec, g.gep(ptr, i8, l.chunkOffset(tile, row, c)), 16);
    auto [off, valid] = l.rowAddress(view, op.getRows(), op.getOffsets(),
                                     g.add(row0, g.toI64(row)));
    auto guard = scf::IfOp::create(l.b, TypeRange{}, valid, false);
    OpBuilder::InsertionGuard ig(l.b);
    l.b.setInsertionPointToStart(guard.thenBlock());
    Value to = g.gep(base, elem, g.add(off, g.toI64(g.mul(c, g.c32(8)))));
    LLVM::StoreOp::create(l.b, data, to, 16);
  });
  l.fenced = false;
  return success();
}


/// The element at (`lin`, `col`) of a view addressed by `op`'s rows and
/// offsets as f32 (`pad` where the row does not exist).
template <typename OpT>
static std::pair<Value, Value> elementAt(Lowering &l, OpT op, ViewOp view,
                                         ArrayRef<int64_t> rows, Value lin,
                                         Value col) {
  auto [off, valid] = l.rowAddress(view, rows, op.getOffsets(), lin);
  return {l.g.add(off, l.g.toI64(col)), valid};
}

/// Rank-2 reads into mma_sync / wgmma accumulators and column vectors:
/// one (predicated) load per element, fragment rows along the view's rows
/// or, with `transpose`, along its columns.
static LogicalResult lowerMmaRead(Lowering &l, ReadOp op, ViewOp view,
                                  const FragGeom &gm) {
  auto &g = l.g;
  FragType type = cast<FragType>(op.getResult().getType());
  if (type.getLayout().getOperand() != Operand::acc)
    return op.emitOpError() << "reads rank-2 fragments into f32 accumulator "
                               "layouts; got "
                            << type;
  if (gm.column && op.getTranspose())
    return op.emitOpError() << "reads a column vector from one row, not "
                               "transposed";
  Type elem = view.getResult().getType().getElementType();
  Value base = l.lookup(view.getPtr()), row0 = l.toI64(op.getRow());
  Value pad = g.f(op.getPadding().convertToDouble());
  auto load = [&](Value lin, Value col) {
    auto [off, valid] =
        elementAt(l, op, view, *op.getRows(), lin, col);
    if (elem.isF32())
      return g.loadGlobalIf(g.gep(base, elem, off), valid, pad);
    return loadWidened(l, elem, g.gep(base, elem, off), valid, pad, 1).front();
  };
  Regs regs(gm.size(false));
  for (int64_t ni = 0; ni < gm.nTiles; ++ni)
    for (int64_t e = 0; e < 2; ++e) {
      Value col = g.add(g.mul(l.tq, g.c32(2)), g.c32(8 * ni + e));
      if (gm.column) {
        regs[2 * ni + e] = load(row0, col);
        continue;
      }
      for (int64_t mi = 0; mi < gm.mTiles; ++mi)
        for (int64_t hf = 0; hf < 2; ++hf) {
          Value row = l.threadRow(gm, mi, hf);
          regs[(mi * gm.nTiles + ni) * 4 + 2 * hf + e] =
              op.getTranspose() ? load(g.add(row0, g.toI64(col)), row)
                                : load(g.add(row0, g.toI64(row)), col);
        }
    }
  l.frags[op.getResult()] = regs;
  return success();
}

/// A transposed store of an mma_sync / wgmma fragment: element (i, j) to
/// column i of row `row + j`, 2 or 4 bytes at a time.
static LogicalResult lowerTransposedStore(Lowering &l, StoreOp op,
                                          const FragGeom &gm, ViewOp view) {
  auto &g = l.g;
  FragType type = op.getValue().getType();
  Type elem = type.getElementType();
  const Regs &regs = l.frags.lookup(op.getValue());
  Value base = l.lookup(view.getPtr()), row0 = l.toI64(op.getRow());
  for (int64_t ni = 0; ni < gm.nTiles; ++ni)
    for (int64_t e = 0; e < 2; ++e) {
      Value col = g.add(g.mul(l.tq, g.c32(2)), g.c32(8 * ni + e));
      auto [off, valid] = l.rowAddress(view, op.getRows(), op.getOffsets(),
                                       g.add(row0, g.toI64(col)));
      auto guard = scf::IfOp::create(l.b, TypeRange{}, valid, false);
      OpBuilder::InsertionGuard ig(l.b);
      l.b.setInsertionPointToStart(guard.thenBlock());
      for (int64_t mi = 0; mi < gm.mTiles; ++mi)
        for (int64_t hf = 0; hf < 2; ++hf) {
          const int64_t i = mi * gm.nTiles + ni;
          Value x;
          if (gm.packed) {
            Value h = LLVM::BitcastOp::create(
                l.b, VectorType::get({2}, elem), regs[i * 2 + hf]);
            x = vector::ExtractOp::create(l.b, h, ArrayRef<int64_t>{e});
          } else {
            x = regs[i * 4 + 2 * hf + e];
          }
          Value at = g.gep(base, elem,
                           g.add(off, g.toI64(l.threadRow(gm, mi, hf))));
          g.storeGlobal(x, at);
        }
    }
  return success();
}

LogicalResult nvvm::lowerStore(Lowering &l, StoreOp op) {
  FragType type = op.getValue().getType();
  FailureOr<FragGeom> gm = l.geom(op, type);
  FailureOr<ViewOp> view = viewOf(op, op.getDst());
  if (failed(gm) || failed(view))
    return failure();
  if (gm->bytes)
    return op.emitOpError() << "stores 16- and 32-bit fragments only";
  if (gm->simt)
    return lowerSimtStore(l, op, *view, *gm);
  if (op.getStaging())
    return lowerStagedStore(l, op, *gm, *view);
  if (op.getTranspose())
    return lowerTransposedStore(l, op, *gm, *view);
  if (gm->column) {
    // One view row: every thread holds its columns, the first quad of warp
    // 0 writes them (8 bytes a pair).
    auto &g = l.g;
    const Regs &regs = l.frags.lookup(op.getValue());
    auto [off, valid] = l.rowAddress(*view, op.getRows(), op.getOffsets(),
                                     l.toI64(op.getRow()));
    valid = g.andI(valid, g.eq(l.tid, l.tq));
    auto guard = scf::IfOp::create(l.b, TypeRange{}, valid, false);
    OpBuilder::InsertionGuard ig(l.b);
    l.b.setInsertionPointToStart(guard.thenBlock());
    Value base = l.lookup(view->getPtr());
    for (int64_t ni = 0; ni < gm->nTiles; ++ni) {
      Value col = g.toI64(g.add(g.mul(l.tq, g.c32(2)), g.c32(8 * ni)));
      Value pair = vector::FromElementsOp::create(
          l.b, VectorType::get({2}, l.b.getF32Type()),
          ValueRange{regs[2 * ni], regs[2 * ni + 1]});
      LLVM::StoreOp::create(
          l.b, pair, g.gep(base, type.getElementType(), g.add(off, col)), 8);
    }
    return success();
  }
  auto &g = l.g;
  const Regs &regs = l.frags.lookup(op.getValue());
  Type elem = type.getElementType();
  Value base = l.lookup(view->getPtr()), row0 = l.toI64(op.getRow());
  const bool rowFrag = type.getRank() == 1;
  for (int64_t mi = 0; mi < gm->mTiles; ++mi)
    for (int64_t hf = 0; hf < 2; ++hf) {
      Value lin = g.add(row0, g.toI64(l.threadRow(*gm, mi, hf)));
      auto [off, valid] =
          l.rowAddress(*view, op.getRows(), op.getOffsets(), lin);
      if (rowFrag) // one value per row: the quad's first thread writes it
        valid = g.andI(valid, g.eq(l.tq, g.c32(0)));
      auto guard = scf::IfOp::create(l.b, TypeRange{}, valid, false);
      OpBuilder::InsertionGuard ig(l.b);
      l.b.setInsertionPointToStart(guard.thenBlock());
      if (rowFrag) {
        g.storeGlobal(regs[2 * mi + hf], g.gep(base, elem, off));
        continue;
      }
      for (int64_t ni = 0; ni < gm->nTiles; ++ni) {
        Value col = g.toI64(g.add(g.mul(l.tq, g.c32(2)), g.c32(8 * ni)));
        Value at = g.gep(base, elem, g.add(off, col));
        const int64_t i = mi * gm->nTiles + ni;
        if (gm->packed) {
          g.storeGlobal(regs[i * 2 + hf], at);
        } else {
          g.storeGlobal(regs[i * 4 + 2 * hf], at);
          g.storeGlobal(regs[i * 4 + 2 * hf + 1],
                        g.gep(at, elem, g.c32(1)));
        }
      }
    }
  return success();
}

LogicalResult nvvm::lowerRead(Lowering &l, ReadOp op) {
  FailureOr<ViewOp> view = viewOf(op, op.getSrc());
  if (failed(view))
    return failure();
  auto &g = l.g;
  Type f32 = l.b.getF32Type();
  Type elem = view->getResult().getType().getElementType();
  Value base = l.lookup(view->getPtr());
  if (!op.getRow()) { // one scalar, the same in every thread
    // Offsets outside the extents (negative ones too) read the padding,
    // without touching memory.
    SmallVector<Value> extent = l.extents(*view);
    Value off, inside;
    for (auto [d, i] : llvm::enumerate(op.getOffsets())) {
      Value at = l.toI64(i);
      Value ok = g.ult(at, extent[d]);
      inside = d ? g.andI(inside, ok) : ok;
      off = d ? g.add(g.mul(off, extent[d]), at) : at;
    }
    Value pad = g.f(op.getPadding().convertToDouble());
    if (elem.isF32()) {
      l.scalars.map(op.getResult(),
                    g.loadGlobalIf(g.gep(base, f32, off), inside, pad));
      return success();
    }
    // 16-bit: a predicated load, widened (the padding outside).
    l.scalars.map(op.getResult(),
                  loadWidened(l, elem, g.gep(base, elem, off), inside, pad, 1)
                      .front());
    return success();
  }
  auto type = cast<FragType>(op.getResult().getType());
  FailureOr<FragGeom> gm = l.geom(op, type);
  if (failed(gm))
    return failure();
  if (gm->simt)
    return lowerSimtRead(l, op, *view, *gm);
  Value row0 = l.toI64(op.getRow());
  Value pad = g.f(op.getPadding().convertToDouble());
  Regs regs;
  if (type.getRank() == 2)
    return lowerMmaRead(l, op, *view, *gm);
  for (int64_t mi = 0; mi < gm->mTiles; ++mi)
    for (int64_t hf = 0; hf < 2; ++hf) {
      Value lin = g.add(row0, g.toI64(l.threadRow(*gm, mi, hf)));
      auto [off, valid] =
          l.rowAddress(*view, *op.getRows(), op.getOffsets(), lin);
      regs.push_back(
          elem.isF32()
              ? g.loadGlobalIf(g.gep(base, f32, off), valid, pad)
              : loadWidened(l, elem, g.gep(base, elem, off), valid, pad, 1)
                    .front());
    }
  l.frags[op.getResult()] = regs;
  return success();
}
