//===- FullCombine.cpp - the split-KV combine of the softmax kernels -----===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// `<fn>_full_combine` / `<fn>_sparse_combine`: with split-KV (runtime
// `nsplit` > 1, decoding against a long cache) every split of the softmax
// tile programs (AttnToATile/FullToATile.cpp) writes its normalised f32
// output and log-sum-exp; one CTA per query row merges them, a thread per
// output column: m = max over the splits' LSEs, weights 2^((lse - m) log2 e),
// O = sum w O_split / sum w (0 where no split saw a key), LSE = m + ln sum w.
//
//===----------------------------------------------------------------------===//

#include "Full.h"
#include "GpuBuilder.h"
#include "Kernels.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::gpu_kernels;
using namespace mlir::attn::gpu_kernels::full;

static constexpr double kLog2e = 1.4426950408889634;
static constexpr double kLn2 = 0.6931471805599453;

void full::buildCombineKernel(gpu::GPUModuleOp module, StringRef name,
                              const FullPlan &p, int64_t threads,
                              Location loc) {
  ImplicitLocOpBuilder b(loc, module.getContext());
  GpuBuilder g(b);
  Type f32T = g.f32();
  gpu::GPUFuncOp fn =
      createKernel(b, module, name, cRows, kNumCombineArgs - cRows, threads);
  auto arg = [&](int i) -> Value { return fn.getArgument(i); };
  Value tid = g.threadId();
  Value row = g.toI64(g.blockId(gpu::Dimension::x));
  Value rows = arg(cRows), nsplit = arg(cNSplit);
  Value negInf = g.negInf(), zeroF = g.f(0.0);

  auto maxLoop =
      scf::ForOp::create(b, g.c64(0), nsplit, g.c64(1), ValueRange{negInf});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(maxLoop.getBody());
    Value idx = g.add(g.mul(maxLoop.getInductionVar(), rows), row);
    Value l = g.loadGlobal(f32T, g.gep(arg(cLsePart), f32T, idx));
    scf::YieldOp::create(b, g.fmax(maxLoop.getRegionIterArgs()[0], l));
  }
  Value mx = maxLoop.getResult(0);
  Value mUse = g.select(g.feq(mx, negInf), zeroF, mx);
  Value active = g.ult(tid, g.c32(p.dv));
  Value col = g.toI64(g.min(tid, g.c32(p.dv - 1)));
  auto sumLoop = scf::ForOp::create(b, g.c64(0), nsplit, g.c64(1),
                                    ValueRange{zeroF, zeroF});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(sumLoop.getBody());
    Value idx = g.add(g.mul(sumLoop.getInductionVar(), rows), row);
    Value l = g.loadGlobal(f32T, g.gep(arg(cLsePart), f32T, idx));
    Value w = g.exp2(g.fmul(g.fsub(l, mUse), g.f(kLog2e)));
    Value o = g.loadGlobal(
        f32T, g.gep(arg(cOPart), f32T, g.add(g.mul(idx, g.c64(p.dv)), col)));
    Value sum = g.fadd(sumLoop.getRegionIterArgs()[0], w);
    Value acc = g.fadd(sumLoop.getRegionIterArgs()[1], g.fmul(w, o));
    scf::YieldOp::create(b, ValueRange{sum, acc});
  }
  Value sum = sumLoop.getResult(0), acc = sumLoop.getResult(1);
  Value pos = g.fgt(sum, zeroF);
  Value out = g.select(pos, g.fdiv(acc, sum), zeroF);
  {
    auto ifOp = scf::IfOp::create(b, TypeRange{}, active, false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    Value o16 = p.elem.isF32() ? out : arith::TruncFOp::create(b, p.elem, out);
    g.storeGlobal(o16,
                  g.gep(arg(cO), p.elem, g.add(g.mul(row, g.c64(p.dv)), col)));
  }
  if (p.lse) {
    auto ifOp = scf::IfOp::create(b, TypeRange{}, g.eq(tid, g.c32(0)), false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    Value lse =
        g.select(pos, g.fadd(mUse, g.fmul(g.log2(sum), g.f(kLn2))), negInf);
    g.storeGlobal(lse, g.gep(arg(cLse), f32T, row));
  }
  gpu::ReturnOp::create(b);
}
