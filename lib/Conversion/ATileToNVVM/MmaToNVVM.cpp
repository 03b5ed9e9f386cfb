//===- MmaToNVVM.cpp - atile.mma as mma.sync ------------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// atile.mma with mma_sync layouts: m16n8k16 (bf16 / f16) and m16n8k32
// (e4m3, K-major operands only), f32 accumulation, through mma.sync. The left operand comes from registers (a 16-bit
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

/// atile.mma with wgmma layouts: one m64nNk16 chain per warpgroup, A = this
/// warpgroup's 64 rows (shared K-major tile, or registers), B a shared tile:
/// K-major N x K (transpose_rhs) or MN-major K x N.
static LogicalResult lowerWgmma(Lowering &l, MmaOp op, const FragGeom &gm) {
  auto &g = l.g;
  SmemType rhs = op.getRhs().getType();
  Type elem = rhs.getElementType();
  const int64_t n = gm.cols;
  const int64_t k = op.getTransposeRhs() ? rhs.getCols() : rhs.getRows();
  auto lhsTile = dyn_cast<SmemType>(op.getLhs().getType());
  if (!rhs.isWgmmaOperand() || (lhsTile && !lhsTile.isWgmmaOperand()) ||
      n > 256)
    return op.emitOpError() << "wgmma takes bf16 / f16 / e4m3 shared tiles in "
                               "the 128-byte swizzle with rows of whole "
                               "128-byte spans and N <= 256";
  const bool fp8 = elem.getIntOrFloatBitWidth() == 8;
  if (fp8 && (!isa<Float8E4M3FNType>(elem) || !op.getTransposeRhs()))
    return op.emitOpError() << "wgmma takes 8-bit operands as e4m3 with a "
                               "K-major right operand (transpose_rhs: an N x "
                               "K tile); got "
                            << rhs;
  Regs acc;
  if (Value a = op.getAcc())
    acc = l.frags.lookup(a);
  else
    acc.assign(n / 2, g.f(0.0));
  Value wg = g.divu(l.warp, g.c32(4));
  // 32-byte k-steps (16 elements of bf16 / f16, 32 of e4m3): 4 per
  // 128-byte column block of a K-major tile.
  SmallVector<Value> aOps, bDesc;
  Value rhsPtr = l.smem.lookup(op.getRhs());
  // A left tile (the queries) is the same every iteration of a loop: its
  // descriptors are computed at each product from an opaque base, else
  // LLVM hoists them and the loop keeps 2 registers per k-step live
  // (64 bytes of spills in the overlapped warp-specialised kernel).
  // Each operand's descriptor low word is computed once per product and
  // every k-step adds its offset (a shift, mask and extension per step
  // were about 80 of a loop iteration's 615 instructions).
  auto addrOf = [&](Value ptr) -> Value {
    return LLVM::PtrToIntOp::create(l.b, l.b.getI32Type(), ptr);
  };
  Value lhsLow;
  if (lhsTile)
    lhsLow = g.wgmmaDescLow(g.add(g.opaque(addrOf(l.smem.lookup(op.getLhs()))),
                                  g.mul(wg, g.c32(64 * 128))));
  const bool kMajor = op.getTransposeRhs();
  // MN-major K x N: 16 rows a step; N halves rows * 128 bytes apart.
  Value rhsLow =
      g.wgmmaDescLow(addrOf(rhsPtr), kMajor ? 16 : rhs.getRows() * 128);
  const int64_t steps = fp8 ? k / 32 : k / 16;
  for (int64_t ks = 0; ks < steps; ++ks) {
    if (lhsTile) {
      aOps.push_back(g.wgmmaDescAt(
          lhsLow, (ks / 4) * lhsTile.getRows() * 128 + (ks % 4) * 32));
    } else {
      // Four registers a step: 16-bit pairs of two n-tiles' halves, or
      // 8-bit quads of four n-tiles' (both 4 ks ... 4 ks + 3).
      const Regs &p = l.frags[op.getLhs()];
      for (int64_t q = 0; q < 4; ++q)
        aOps.push_back(p[4 * ks + q]);
    }
    const int64_t bOff =
        kMajor ? (ks / 4) * rhs.getRows() * 128 + (ks % 4) * 32 : ks * 16 * 128;
    bDesc.push_back(g.wgmmaDescAt(rhsLow, bOff));
  }
  // imm-scale-a, imm-scale-b, and for 16-bit types imm-trans-a
  // (descriptor A only) and imm-trans-b (MN-major V); 8-bit types have no
  // transposes.
  const std::string type = fp8 ? "e4m3" : elem.isBF16() ? "bf16" : "f16";
  const std::string instr = "m64n" + std::to_string(n) +
                            (fp8 ? "k32.f32." : "k16.f32.") + type + "." +
                            type;
  const std::string immediates =
      fp8 ? std::string("1, 1")
          : std::string(lhsTile ? "1, 1, 0, " : "1, 1, ") +
                (op.getTransposeRhs() ? "0" : "1");
  l.frags[op.getResult()] =
      Regs(g.wgmmaChain(instr, immediates, acc, aOps, /*aRegs=*/!lhsTile,
                        bDesc, /*wait=*/!op.getAsync()));
  l.fenced = false;
  return success();
}

LogicalResult nvvm::lowerMma(Lowering &l, MmaOp op) {
  // mma.sync products are synchronous: `async` changes nothing there.
  FragType resType = op.getResult().getType();
  FailureOr<FragGeom> gm = l.geom(op, resType);
  if (failed(gm))
    return failure();
  if (gm->simt)
    return op.emitOpError() << "computes into tensor-core layouts (mma_sync "
                               "or wgmma), not simt";
  if (resType.getLayout().getInstr() == Instr::wgmma)
    return lowerWgmma(l, op, *gm);
  auto &g = l.g;
  SmemType rhs = op.getRhs().getType();
  Type elem = rhs.getElementType();
  // e4m3: m16n8k32 over K-major tiles; a 32-byte k-step loads like a bf16
  // k16 step (ldmatrix moves bytes), and the e4m3 A / B fragments are the
  // 16-bit ones' registers.
  const bool fp8 = isa<Float8E4M3FNType>(elem);
  if (elem.getIntOrFloatBitWidth() != 16 && !fp8)
    return op.emitOpError() << "mma_sync lowers bf16 / f16 / e4m3 products";
  if (fp8 && !op.getTransposeRhs())
    return op.emitOpError() << "mma_sync takes e4m3 right operands K-major "
                               "(transpose_rhs: an N x K tile)";
  const int64_t n = gm->cols, mt = gm->mTiles, nt = gm->nTiles;
  const int64_t k = (op.getTransposeRhs() ? rhs.getCols() : rhs.getRows()) /
                    (fp8 ? 2 : 1); // in 16-bit units
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
    return g.gep(ptr, l.b.getI8Type(), l.chunkOffset(tile, row, chunk));
  };
  Value rhsPtr = l.smem.lookup(op.getRhs());
  auto lhsFrag = dyn_cast<FragType>(op.getLhs().getType());
  const Regs *lhsRegs = lhsFrag ? &l.frags[op.getLhs()] : nullptr;
  // (Registers per m-tile of a register lhs: 16-bit pairs of k / 8
  // n-tiles x 2 halves, or 8-bit quads of 2k / 8 n-tiles: both k / 4.)
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
        if (fp8) {
          c0 = g.mmaFp8(a[mi], bf[0], bf[1], c0);
          c1 = g.mmaFp8(a[mi], bf[2], bf[3], c1);
          put(mi, 2 * np, c0);
          put(mi, 2 * np + 1, c1);
          continue;
        }
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

LogicalResult nvvm::lowerMmaWait(Lowering &l, MmaWaitOp op) {
  // wgmma results: wgmma.wait_group N, the accumulators tied through it so
  // that nothing reads them before it. mma.sync results: ready already.
  SmallVector<Value> regs;
  bool wgmma = false;
  for (Value v : op.getValues()) {
    const Regs &r = l.frags[v];
    regs.append(r.begin(), r.end());
    wgmma |= cast<FragType>(v.getType()).getLayout().getInstr() ==
             Instr::wgmma;
  }
  if (wgmma) {
    std::string cons;
    for (size_t i = 0; i < regs.size(); ++i)
      cons += "=f,";
    for (size_t i = 0; i < regs.size(); ++i)
      cons += std::to_string(i) + ",";
    cons += "~{memory}";
    SmallVector<Type> fields(regs.size(), l.b.getF32Type());
    auto st = LLVM::LLVMStructType::getLiteral(l.b.getContext(), fields);
    auto asmOp = LLVM::InlineAsmOp::create(
        l.b, st, regs,
        "wgmma.wait_group.sync.aligned " + std::to_string(op.getPending()) +
            ";",
        cons, /*has_side_effects=*/true, /*is_align_stack=*/false,
        LLVM::TailCallKind::None, LLVM::AsmDialectAttr(), ArrayAttr());
    for (size_t i = 0; i < regs.size(); ++i)
      regs[i] = LLVM::ExtractValueOp::create(l.b, asmOp.getResult(0), i);
  }
  size_t at = 0;
  for (auto [v, res] : llvm::zip(op.getValues(), op.getResults())) {
    size_t n = l.frags[v].size();
    l.frags[res] = Regs(regs.begin() + at, regs.begin() + at + n);
    at += n;
  }
  return success();
}
