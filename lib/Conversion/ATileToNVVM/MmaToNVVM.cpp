//===- MmaToNVVM.cpp - atile.mma as mma.sync ------------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// atile.mma with mma_sync layouts: m16n8k16 (bf16 / f16, f32 accumulation)
// through nvvm.mma.sync. The left operand comes from registers (a 16-bit
// fragment: its packed pairs are the A layout) or from a shared tile by
// ldmatrix; the right one from a shared tile by ldmatrix, plain for an
// N x K tile (transpose_rhs: K of Q K^T) and .trans for a K x N tile (V of
// P V). Tiles are in the XOR swizzle atile.copy writes.
//
//===----------------------------------------------------------------------===//

#include "ATileToNVVM.h"

using namespace mlir;
using namespace mlir::atile;
using namespace mlir::atile::nvvm;
using attn::gpu_kernels::Acc4;
using attn::gpu_kernels::Frag4;

LogicalResult nvvm::lowerMma(Lowering &l, MmaOp op) {
  if (op.getAsync())
    return op.emitOpError() << "async products are not lowered yet";
  FragType resType = op.getResult().getType();
  FailureOr<FragGeom> gm = l.geom(op, resType);
  if (failed(gm))
    return failure();
  auto &g = l.g;
  SmemType rhs = op.getRhs().getType();
  Type elem = rhs.getElementType();
  if (elem.getIntOrFloatBitWidth() != 16)
    return op.emitOpError() << "mma_sync lowers bf16 / f16 products for now";
  const int64_t n = gm->cols, mt = gm->mTiles, nt = gm->nTiles;
  const int64_t k = op.getTransposeRhs() ? rhs.getCols() : rhs.getRows();
  if (n % 16)
    return op.emitOpError() << "mma_sync lowers N in steps of 16; got " << n;

  Regs acc;
  if (Value a = op.getAcc())
    acc = l.frags.lookup(a);
  else
    acc.assign(mt * nt * 4, g.f(0.0));

  // Lane parts of the ldmatrix addresses.
  Value lane15 = g.andI(l.lane, g.c32(15)), lane7 = g.andI(l.lane, g.c32(7));
  Value hi16 = g.divu(l.lane, g.c32(16));
  Value mid8 = g.andI(g.divu(l.lane, g.c32(8)), g.c32(1));
  auto tileAddr = [&](Value ptr, SmemType tile, Value row, Value chunk) {
    const int64_t cpr = tile.getCols() * 2 / 16;
    const int64_t group = std::max<int64_t>(1, tile.getSwizzle() / 16);
    return g.gep(ptr, l.b.getI8Type(),
                 g.swizzled(row, chunk, g.andI(row, g.c32(group - 1)), cpr));
  };
  Value rhsPtr = l.smem.lookup(op.getRhs());
  auto lhsFrag = dyn_cast<FragType>(op.getLhs().getType());
  const Regs *lhsRegs = lhsFrag ? &l.frags[op.getLhs()] : nullptr;
  const int64_t lhsNt = k / 8;

  auto accAt = [&](int64_t mi, int64_t ni) {
    const int64_t i = (mi * nt + ni) * 4;
    return Acc4{acc[i], acc[i + 1], acc[i + 2], acc[i + 3]};
  };
  auto put = [&](int64_t mi, int64_t ni, const Acc4 &v) {
    const int64_t i = (mi * nt + ni) * 4;
    for (int e = 0; e < 4; ++e)
      acc[i + e] = v[e];
  };
  for (int64_t ks = 0; ks < k / 16; ++ks) {
    SmallVector<Frag4> a;
    for (int64_t mi = 0; mi < mt; ++mi) {
      if (lhsRegs) {
        const int64_t i0 = (mi * lhsNt + 2 * ks) * 2;
        a.push_back(Frag4{(*lhsRegs)[i0], (*lhsRegs)[i0 + 1],
                          (*lhsRegs)[i0 + 2], (*lhsRegs)[i0 + 3]});
        continue;
      }
      auto tile = cast<SmemType>(op.getLhs().getType());
      Value row = g.add(g.mul(l.warp, g.c32(gm->rowsPerWarp)),
                        g.add(lane15, g.c32(16 * mi)));
      a.push_back(g.ldmatrix4(
          tileAddr(l.smem.lookup(op.getLhs()), tile, row,
                   g.add(hi16, g.c32(2 * ks))),
          false));
    }
    for (int64_t np = 0; np < n / 16; ++np) {
      Frag4 bf;
      if (op.getTransposeRhs()) { // N x K: rows are the n index
        Value row = g.add(g.add(lane7, g.mul(hi16, g.c32(8))), g.c32(16 * np));
        bf = g.ldmatrix4(
            tileAddr(rhsPtr, rhs, row, g.add(mid8, g.c32(2 * ks))), false);
      } else { // K x N: rows are the k index
        Value row = g.add(lane15, g.c32(16 * ks));
        bf = g.ldmatrix4(
            tileAddr(rhsPtr, rhs, row, g.add(hi16, g.c32(2 * np))), true);
      }
      for (int64_t mi = 0; mi < mt; ++mi) {
        Acc4 c0 = accAt(mi, 2 * np), c1 = accAt(mi, 2 * np + 1);
        g.mmaPairs(a[mi], nullptr, bf, nullptr, c0, c1, elem);
        put(mi, 2 * np, c0);
        put(mi, 2 * np + 1, c1);
      }
    }
  }
  l.frags[op.getResult()] = acc;
  l.fenced = false;
  return success();
}
