//===- Full.h - the attn.full / attn.sparse kernels -------------*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The plan FullToGPU.cpp writes the softmax kernels' launches from, their
// argument lists, and the split-KV combine kernel (FullCombine.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_CONVERSION_ATTNTOGPU_FULL_H
#define ATTN_LIB_CONVERSION_ATTNTOGPU_FULL_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinTypes.h"
#include <optional>

namespace mlir::attn::gpu_kernels::full {
/// What FullToGPU.cpp checks and writes launches for; the kernels themselves
/// are tile programs (AttnToATile/FullToATile.cpp) that read the op.
struct FullPlan {
  int64_t d, dv, q, kv, warps;
  Type elem;
  bool lse;
  /// attn.sparse: keys come from `indices` (token entries, or blocks of
  /// `blockSize` keys); a block holds the heads of one query.
  bool sparse = false;
  std::optional<int64_t> blockSize;
  /// f32 inputs: the "bf16x3" split (x = hi + lo, two bf16 halves made by
  /// the split_bf16 kernel, SplitBf16.cpp; every product hi*hi + hi*lo +
  /// lo*hi): near-f32 accuracy on bf16 tensor cores.
  bool split() const { return elem.isF32(); }
  /// FP8 (#attn.precision e4m3 for qk and pv, granularity = block): the
  /// tile program reads e4m3 Q, K and V^T made by the quantisation kernels
  /// (QuantizeFp8.cpp) with one scale per `scaleBlock` tokens.
  bool fp8 = false, hadamard = false;
  int64_t scaleBlock = 0;
  int64_t threads() const { return 32 * warps; }
};

// One ABI for the attn.full and attn.sparse tile programs (attn.full passes
// a null `idx` and N = 0; FullToATile.cpp's Arg and Size enums): the
// manifest names the arguments in this order.
constexpr const char *kFwdArgNames[] = {
    "q", "k", "v", "idx", "o",   "lse", "o_part", "lse_part",
    "B", "T", "S", "H",   "Hkv", "N",   "nsplit"};
// The FP8 tile program: the quantised tensors and their scales (three more
// pointers before the sizes; FullToATile.cpp's Fp8Arg).
constexpr const char *kFp8FwdArgNames[] = {
    "q8", "k8", "v8t", "idx", "o", "lse", "o_part", "lse_part", "sq",
    "sk", "sv", "B",   "T",   "S", "H",   "Hkv",    "N",        "nsplit"};

// f32 tile programs (the bf16x3 split): the bf16 halves of Q, K and V.
constexpr const char *kSplitFwdArgNames[] = {
    "q_hi", "k_hi", "v_hi", "idx", "o",   "lse", "o_part", "lse_part", "q_lo",
    "k_lo", "v_lo", "B",    "T",   "S",   "H",   "Hkv",    "N",        "nsplit"};

enum CombineArg { cOPart, cLsePart, cO, cLse, cRows, cNSplit, kNumCombineArgs };
constexpr const char *kCombineArgNames[] = {"o_part", "lse_part", "o",
                                            "lse",    "rows",     "nsplit"};

/// `<fn>_full_combine`: merges the split-KV partial outputs.
void buildCombineKernel(gpu::GPUModuleOp module, StringRef name,
                        const FullPlan &p, int64_t threads, Location loc);

} // namespace mlir::attn::gpu_kernels::full

#endif // ATTN_LIB_CONVERSION_ATTNTOGPU_FULL_H
