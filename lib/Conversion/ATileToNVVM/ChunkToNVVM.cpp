//===- ChunkToNVVM.cpp - the chunked form's ops ---------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The ops of the chunked form of linear and delta-rule attention: row and
// column indices (atile.iota), the gates' chunk-local cumulative sums in
// shared memory (atile.scan), the per-channel gated Gram products A_kk and
// A_qk (atile.gated_gram: tensor cores through sub-chunk anchors off the
// diagonal, f32 element sums on it) and the WY / UT transform's triangular
// inverse (atile.tril_solve: forward substitution, one thread a column).
// Loops stay loops (scf.for): unrolled, this code outgrew the instruction
// cache (bench/RESULTS.md, issue 16's prep sections).
//
//===----------------------------------------------------------------------===//

#include "ATileToNVVM.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::atile;
using namespace mlir::atile::nvvm;
using attn::gpu_kernels::Acc4;
using attn::gpu_kernels::Frag4;

/// The `n` f32 values of a vector load.
static SmallVector<Value> elements(Lowering &l, Value vec, int64_t n) {
  SmallVector<Value> out;
  for (int64_t e = 0; e < n; ++e)
    out.push_back(vector::ExtractOp::create(l.b, vec, ArrayRef<int64_t>{e}));
  return out;
}

LogicalResult nvvm::lowerIota(Lowering &l, IotaOp op) {
  FragType type = op.getResult().getType();
  FailureOr<FragGeom> gm = l.geom(op, type);
  if (failed(gm))
    return failure();
  if (gm->simt)
    return op.emitOpError() << "makes mma_sync / wgmma fragments only";
  auto &g = l.g;
  Value offset =
      op.getOffset() ? g.indexToI32(l.lookup(op.getOffset())) : Value();
  auto asF32 = [&](Value i) -> Value {
    if (offset)
      i = g.add(i, offset);
    return arith::SIToFPOp::create(l.b, l.b.getF32Type(), i);
  };
  Regs regs;
  if (gm->column) {
    for (int64_t ni = 0; ni < gm->nTiles; ++ni)
      for (int64_t e = 0; e < 2; ++e)
        regs.push_back(asF32(g.add(g.mul(l.tq, g.c32(2)), g.c32(8 * ni + e))));
  } else {
    for (int64_t mi = 0; mi < gm->mTiles; ++mi)
      for (int64_t hf = 0; hf < 2; ++hf)
        regs.push_back(asF32(l.threadRow(*gm, mi, hf)));
  }
  l.frags[op.getResult()] = regs;
  return success();
}

LogicalResult nvvm::lowerScan(Lowering &l, ScanOp op) {
  auto &g = l.g;
  SmemType tile = op.getTile().getType();
  Value ptr = l.smem.lookup(op.getTile());
  Type f32 = l.b.getF32Type(), i8 = l.b.getI8Type();
  const double scale = op.getScale().convertToDouble();
  // Writes to the tile (copies waited for, puts) are visible.
  if (!l.fenced)
    l.sync();
  // dim 0: thread j runs down column j; dim 1: thread i along row i.
  const bool rows = op.getDim() == 1;
  const int64_t lines = rows ? tile.getRows() : tile.getCols();
  const int64_t length = rows ? tile.getCols() : tile.getRows();
  for (int64_t c0 = 0; c0 < lines; c0 += l.threads) {
    Value line = g.add(l.tid, g.c32(c0));
    auto ifOp =
        scf::IfOp::create(l.b, TypeRange{}, g.slt(line, g.c32(lines)), false);
    OpBuilder::InsertionGuard guard(l.b);
    l.b.setInsertionPointToStart(ifOp.thenBlock());
    Value run = g.f(0.0);
    for (int64_t r = 0; r < length; ++r) {
      Value at = g.gep(ptr, i8,
                       rows ? l.elemOffset(tile, line, g.c32(r))
                            : l.elemOffset(tile, g.c32(r), line));
      Value x = g.loadGlobal(f32, at);
      run = scale == 1.0 ? g.fadd(run, x) : g.fma(x, g.f(scale), run);
      g.storeGlobal(run, at);
    }
  }
  l.sync();
  l.fenced = true;
  return success();
}

LogicalResult nvvm::lowerGatedGram(Lowering &l, GatedGramOp op) {
  FragType type = op.getKk().getType();
  FailureOr<FragGeom> gm = l.geom(op, type);
  if (failed(gm))
    return failure();
  if (gm->simt || gm->rowsPerWarp != 16 || gm->mTiles != 1)
    return op.emitOpError() << "lowers 16 rows a warp on an mma_sync / wgmma "
                               "layout; got "
                            << type;
  auto &g = l.g;
  ImplicitLocOpBuilder &b = l.b;
  SmemType kType = op.getKeys().getType(), gType = op.getGates().getType();
  Type elem = kType.getElementType(), f32 = b.getF32Type(), i8 = b.getI8Type();
  const int64_t R = kType.getRows(), D = kType.getCols(), nt = R / 8;
  Value sK = l.smem.lookup(op.getKeys()), sQ = l.smem.lookup(op.getQueries()),
        sG = l.smem.lookup(op.getGates());
  if (!l.fenced)
    l.sync();
  Value zero = g.f(0.0);
  Value rowBase = g.mul(l.warp, g.c32(16));
  Value twoTq = g.mul(l.tq, g.c32(2));
  auto pairAt = [&](Value tile, Value row, Value col) {
    return g.loadGlobal(g.i32(),
                        g.gep(tile, i8, l.elemOffset(kType, row, col)));
  };
  // G[row][col], G[row][col + 1] (col even): one 8-byte load.
  auto gatePair = [&](Value row, Value col) {
    Value v =
        LLVM::LoadOp::create(b, VectorType::get({2}, f32),
                             g.gep(sG, i8, l.elemOffset(gType, row, col)), 8);
    SmallVector<Value> x = elements(l, v, 2);
    return std::make_pair(x[0], x[1]);
  };
  // The 8 values at channels 8 c8 .. 8 c8 + 7 of a row of a 16-bit tile
  // (one 16-byte load) or of the gates (two).
  auto tile8 = [&](Value tile, Value row, Value c8) {
    Value off = l.chunkOffset(kType, row, c8);
    Value x = arith::ExtFOp::create(
        b, VectorType::get({8}, f32),
        LLVM::LoadOp::create(b, VectorType::get({8}, elem),
                             g.gep(tile, i8, off), 16)
            .getResult());
    return elements(l, x, 8);
  };
  auto gates8 = [&](Value row, Value c8) {
    SmallVector<Value> out;
    for (int64_t h = 0; h < 2; ++h) {
      Value off =
          l.chunkOffset(gType, row, g.add(g.mul(c8, g.c32(2)), g.c32(h)));
      Value x = LLVM::LoadOp::create(b, VectorType::get({4}, f32),
                                     g.gep(sG, i8, off), 16);
      llvm::append_range(out, elements(l, x, 4));
    }
    return out;
  };

  // Rows 16 I + gq (+ 8) of this warp (I = warp), columns of n-tile n.
  SmallVector<Acc4> akk(nt, Acc4{zero, zero, zero, zero});
  SmallVector<Acc4> aqk(nt, Acc4{zero, zero, zero, zero});
  // Off-diagonal column blocks J < I through the anchor e = 16 J + 15: A
  // fragments (this warp's rows) scaled by 2^(G_row - G_e), B fragments
  // (block J's rows) by 2^(G_e - G_row); both exponents are <= 0.
  for (int64_t J = 0; J + 1 < R / 16; ++J) {
    SmallVector<Value> cur;
    for (int64_t n = 2 * J; n < 2 * J + 2; ++n)
      for (int e = 0; e < 4; ++e) {
        cur.push_back(akk[n][e]);
        cur.push_back(aqk[n][e]);
      }
    SmallVector<Type> types(cur.size(), f32);
    auto ifOp = scf::IfOp::create(b, types, g.slt(g.c32(J), l.warp), true);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      Value anchor = g.c32(16 * J + 15);
      // The k-steps as a loop (the instruction cache).
      auto loop = scf::ForOp::create(b, g.c32(0), g.c32(D), g.c32(16), cur);
      {
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(loop.getBody());
        Value k16 = loop.getInductionVar();
        SmallVector<Value> acc(loop.getRegionIterArgs().begin(),
                               loop.getRegionIterArgs().end());
        Frag4 ak, aq;
        for (int r = 0; r < 4; ++r) {
          Value row = g.add(rowBase, g.add(l.gq, g.c32(8 * (r & 1))));
          Value col = g.add(g.add(twoTq, k16), g.c32(8 * (r >> 1)));
          auto [r0, r1] = gatePair(row, col);
          auto [e0, e1] = gatePair(anchor, col);
          Value f0 = g.exp2(g.fsub(r0, e0)), f1 = g.exp2(g.fsub(r1, e1));
          auto [k0, k1] = g.unpack2(pairAt(sK, row, col), elem);
          auto [q0, q1] = g.unpack2(pairAt(sQ, row, col), elem);
          ak[r] = g.pack2(g.fmul(k0, f0), g.fmul(k1, f1), elem);
          aq[r] = g.pack2(g.fmul(q0, f0), g.fmul(q1, f1), elem);
        }
        auto bFrag = [&](Value row, int r) {
          Value col = g.add(g.add(twoTq, k16), g.c32(8 * r));
          auto [r0, r1] = gatePair(row, col);
          auto [e0, e1] = gatePair(anchor, col);
          auto [x0, x1] = g.unpack2(pairAt(sK, row, col), elem);
          return g.pack2(g.fmul(x0, g.exp2(g.fsub(e0, r0))),
                         g.fmul(x1, g.exp2(g.fsub(e1, r1))), elem);
        };
        for (int64_t n = 0; n < 2; ++n) {
          Value row = g.add(l.gq, g.c32(16 * J + 8 * n));
          Value b0 = bFrag(row, 0), b1 = bFrag(row, 1);
          Acc4 c0, c1;
          for (int i = 0; i < 4; ++i) {
            c0[i] = acc[(n * 4 + i) * 2];
            c1[i] = acc[(n * 4 + i) * 2 + 1];
          }
          c0 = g.mma(ak, b0, b1, c0, elem);
          c1 = g.mma(aq, b0, b1, c1, elem);
          for (int i = 0; i < 4; ++i) {
            acc[(n * 4 + i) * 2] = c0[i];
            acc[(n * 4 + i) * 2 + 1] = c1[i];
          }
        }
        scf::YieldOp::create(b, acc);
      }
      scf::YieldOp::create(b, loop.getResults());
      b.setInsertionPointToStart(ifOp.elseBlock());
      scf::YieldOp::create(b, cur);
    }
    int i = 0;
    for (int64_t n = 2 * J; n < 2 * J + 2; ++n)
      for (int e = 0; e < 4; ++e) {
        akk[n][e] = ifOp.getResult(i++);
        aqk[n][e] = ifOp.getResult(i++);
      }
  }

  // The diagonal block, element by element in f32, 8 channels a step.
  // Pairs above the diagonal may form positive exponents (inf, NaN sums):
  // the mask below replaces them, never multiplies them.
  auto rowOf = [&](int e) {
    return g.add(rowBase, g.add(l.gq, g.c32(8 * (e >> 1))));
  };
  auto colOf = [&](Value base, int64_t n, int e) {
    return g.add(base, g.add(twoTq, g.c32(8 * n + (e & 1))));
  };
  SmallVector<Value> init(16, zero);
  auto loop = scf::ForOp::create(b, g.c32(0), g.c32(D / 8), g.c32(1), init);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value c8 = loop.getInductionVar();
    SmallVector<Value> acc(loop.getRegionIterArgs().begin(),
                           loop.getRegionIterArgs().end());
    struct RowVals {
      SmallVector<Value> k, q, g;
    };
    SmallVector<RowVals> rows, cols;
    for (int hf = 0; hf < 2; ++hf) {
      Value r = rowOf(2 * hf);
      rows.push_back({tile8(sK, r, c8), tile8(sQ, r, c8), gates8(r, c8)});
    }
    for (int64_t n = 0; n < 2; ++n)
      for (int e = 0; e < 2; ++e) {
        Value c = colOf(rowBase, n, e);
        cols.push_back({tile8(sK, c, c8), {}, gates8(c, c8)});
      }
    for (int64_t n = 0; n < 2; ++n)
      for (int e = 0; e < 4; ++e) {
        // Rows 0-7 against columns 8-15 of the block: above the diagonal
        // for every thread, not computed.
        if (n == 1 && e < 2)
          continue;
        const RowVals &ri = rows[e >> 1];
        const RowVals &cj = cols[n * 2 + (e & 1)];
        const int idx = n * 4 + e;
        for (int64_t d = 0; d < 8; ++d) {
          Value f = g.exp2(g.fsub(ri.g[d], cj.g[d]));
          Value kk = g.fmul(cj.k[d], f);
          acc[idx] = g.fma(ri.k[d], kk, acc[idx]);
          acc[8 + idx] = g.fma(ri.q[d], kk, acc[8 + idx]);
        }
      }
    scf::YieldOp::create(b, acc);
  }

  Regs kk(gm->size(false)), qk(gm->size(false));
  for (int64_t n = 0; n < nt; ++n) {
    Value isDiag = g.eq(l.warp, g.c32(n / 2));
    for (int e = 0; e < 4; ++e) {
      Value i = rowOf(e), j = colOf(g.c32(0), n, e);
      Value dk = loop.getResult((n % 2) * 4 + e);
      Value dq = loop.getResult(8 + (n % 2) * 4 + e);
      Value upper = g.slt(i, j);
      kk[n * 4 + e] = g.select(upper, zero, g.select(isDiag, dk, akk[n][e]));
      qk[n * 4 + e] = g.select(upper, zero, g.select(isDiag, dq, aqk[n][e]));
    }
  }
  l.frags[op.getKk()] = kk;
  l.frags[op.getQk()] = qk;
  l.fenced = false;
  return success();
}

LogicalResult nvvm::lowerTrilSolve(Lowering &l, TrilSolveOp op) {
  FragType type = op.getA().getType();
  FailureOr<FragGeom> gm = l.geom(op, type);
  if (failed(gm))
    return failure();
  if (gm->simt)
    return op.emitOpError() << "solves mma_sync / wgmma fragments only";
  const int64_t N = type.getRows();
  if (N > l.threads)
    return op.emitOpError() << "solves one column a thread: " << N
                            << " columns need that many threads; the kernel "
                               "has "
                            << l.threads;
  auto &g = l.g;
  ImplicitLocOpBuilder &b = l.b;
  Type f32 = b.getF32Type();
  const Regs &a = l.frags.lookup(op.getA());
  Value sA = l.smem.lookup(op.getScratch());
  Value sX = g.gep(sA, f32, g.c32(N * N));
  // X[i][j] at row i, its 8-column groups swizzled by i (the accumulator
  // reads of 8 rows then hit distinct banks).
  auto xAt = [&](Value i, Value j) {
    Value col = N % 64 ? j : g.xorI(j, g.mul(g.remu(i, g.c32(8)), g.c32(8)));
    return g.gep(sX, f32, g.add(g.mul(i, g.c32(N)), col));
  };
  // Readers of the scratch's old contents are done.
  if (!l.fenced)
    l.sync();
  // A column-major: the solve reads columns as 16-byte vectors.
  for (int64_t mi = 0; mi < gm->mTiles; ++mi)
    for (int64_t ni = 0; ni < gm->nTiles; ++ni)
      for (int64_t hf = 0; hf < 2; ++hf)
        for (int64_t e = 0; e < 2; ++e) {
          Value i = l.threadRow(*gm, mi, hf);
          Value j = g.add(g.mul(l.tq, g.c32(2)), g.c32(8 * ni + e));
          g.storeGlobal(a[(mi * gm->nTiles + ni) * 4 + 2 * hf + e],
                        g.gep(sA, f32, g.add(g.mul(j, g.c32(N)), i)));
        }
  l.sync();
  {
    // Thread j < N solves column j: x_i = [i = j] - sum_{m < i} A[i][m]
    // x_m, 16 rows at a time: the earlier rows' x (written to the scratch)
    // in a loop, then the block's own 16 x 16 triangle.
    auto ifOp =
        scf::IfOp::create(b, TypeRange{}, g.slt(l.tid, g.c32(N)), false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    auto v4 = VectorType::get({4}, f32);
    auto columnOf4 = [&](Value m, int64_t row0) {
      Value col = LLVM::LoadOp::create(
          b, v4, g.gep(sA, f32, g.add(g.mul(m, g.c32(N)), g.c32(row0))), 16);
      return elements(l, col, 4);
    };
    Value zero = g.f(0.0), one = g.f(1.0);
    for (int64_t I = 0; I < N / 16; ++I) {
      SmallVector<Value> x;
      for (int64_t r = 0; r < 16; ++r)
        x.push_back(g.select(g.eq(l.tid, g.c32(16 * I + r)), one, zero));
      if (I > 0) {
        auto loop = scf::ForOp::create(b, g.c32(0), g.c32(16 * I), g.c32(1), x);
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(loop.getBody());
        Value m = loop.getInductionVar();
        SmallVector<Value> acc(loop.getRegionIterArgs().begin(),
                               loop.getRegionIterArgs().end());
        Value negXm =
            arith::NegFOp::create(b, g.loadGlobal(f32, xAt(m, l.tid)));
        for (int64_t q = 0; q < 4; ++q) {
          SmallVector<Value> col = columnOf4(m, 16 * I + 4 * q);
          for (int64_t e = 0; e < 4; ++e)
            acc[4 * q + e] = g.fma(col[e], negXm, acc[4 * q + e]);
        }
        scf::YieldOp::create(b, acc);
        b.setInsertionPointAfter(loop);
        for (int64_t r = 0; r < 16; ++r)
          x[r] = loop.getResult(r);
      }
      for (int64_t mm = 0; mm < 16; ++mm) {
        Value negXm = arith::NegFOp::create(b, x[mm]);
        for (int64_t q = (mm + 1) / 4; q < 4; ++q) {
          SmallVector<Value> col =
              columnOf4(g.c32(16 * I + mm), 16 * I + 4 * q);
          for (int64_t e = std::max<int64_t>(0, mm + 1 - 4 * q); e < 4; ++e)
            x[4 * q + e] = g.fma(col[e], negXm, x[4 * q + e]);
        }
      }
      for (int64_t r = 0; r < 16; ++r)
        g.storeGlobal(x[r], xAt(g.c32(16 * I + r), l.tid));
    }
  }
  l.sync();
  // X back in the accumulator layout.
  Regs x(gm->size(false));
  auto v2 = VectorType::get({2}, f32);
  for (int64_t mi = 0; mi < gm->mTiles; ++mi)
    for (int64_t hf = 0; hf < 2; ++hf) {
      Value i = l.threadRow(*gm, mi, hf);
      for (int64_t ni = 0; ni < gm->nTiles; ++ni) {
        Value j = g.add(g.mul(l.tq, g.c32(2)), g.c32(8 * ni));
        Value pair = LLVM::LoadOp::create(b, v2, xAt(i, j), 8);
        SmallVector<Value> xs = elements(l, pair, 2);
        for (int64_t e = 0; e < 2; ++e)
          x[(mi * gm->nTiles + ni) * 4 + 2 * hf + e] = xs[e];
      }
    }
  l.frags[op.getX()] = x;
  l.fenced = false;
  return success();
}
