//===- SplitBf16.cpp - the bf16x3 split of f32 attention inputs -----------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// f32 softmax attention runs on bf16 tensor cores as the "bf16x3" split:
// every input x becomes hi = bf16(x) and lo = bf16(x - hi) (x = hi + lo to
// about 16 mantissa bits) and every product A B^T becomes hi hi + hi lo +
// lo hi, three bf16 products accumulated in f32. `split_bf16` (x, hi, lo, n)
// writes the two halves of n f32 elements (n a multiple of 8), 8 per thread
// (two 16-byte loads, two 16-byte stores); grid cdiv(n, 2048), 256 threads.
// The tile programs (AttnToATile/FullToATile.cpp) then copy and multiply
// bf16 tiles like any other.
//
//===----------------------------------------------------------------------===//

#include "GpuBuilder.h"
#include "Kernels.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::gpu_kernels;

namespace {
enum SplitArg { sX, sHi, sLo, sN, kNumSplitArgs };
constexpr int64_t kThreads = 256, kPerThread = 8;
} // namespace

void gpu_kernels::buildSplitBf16Kernel(gpu::GPUModuleOp module, StringRef name,
                                       Location loc) {
  ImplicitLocOpBuilder b(loc, module.getContext());
  GpuBuilder g(b);
  gpu::GPUFuncOp fn = createKernel(b, module, name, sN, kNumSplitArgs - sN,
                                   kThreads);
  auto arg = [&](int i) -> Value { return fn.getArgument(i); };
  Value first = g.mul(
      g.add(g.mul(g.toI64(g.blockId(gpu::Dimension::x)), g.c64(kThreads)),
            g.toI64(g.threadId())),
      g.c64(kPerThread));
  auto ifOp = scf::IfOp::create(b, TypeRange{}, g.slt(first, arg(sN)), false);
  b.setInsertionPointToStart(ifOp.thenBlock());
  auto [hi, lo] = g.splitBf16(g.loadF32x8(g.gep(arg(sX), g.f32(), first)));
  LLVM::StoreOp::create(b, hi, g.gep(arg(sHi), b.getBF16Type(), first),
                        /*alignment=*/16);
  LLVM::StoreOp::create(b, lo, g.gep(arg(sLo), b.getBF16Type(), first),
                        /*alignment=*/16);
  b.setInsertionPointAfter(ifOp);
  gpu::ReturnOp::create(b);
}
