//===- Kernels.h - the attn GPU kernel builders -----------------*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// One builder per op family. Each adds its kernels to the gpu.module and
// returns the op's manifest entry: the launches (kernel, grid and block as
// expressions over the runtime sizes, dynamic shared memory, arguments by
// name), the workspaces and runtime parameters a launcher needs, so that a
// machine without MLIR can run the PTX (docs/gpu-backend.md, "Manifest").
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_CONVERSION_ATTNTOGPU_KERNELS_H
#define ATTN_LIB_CONVERSION_ATTNTOGPU_KERNELS_H

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Target/GPU/TargetInfo.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Support/LLVM.h"

namespace mlir::attn::gpu_kernels {

/// What a builder needs besides the op: the module to add kernels to and the
/// prefix of their names (the host function's name).
struct KernelSite {
  gpu::GPUModuleOp module;
  std::string prefix;
  /// The chip the kernels are for (its wgmma, FP8 and shared-memory facts).
  const target::ChipInfo &chip;
  /// The tile program's loop overlaps softmax and products (tile-overlap).
  bool tileOverlap = true;
  /// Prefill tile programs take TMA descriptors of K and V (tensormaps).
  bool tensorMaps = false;
};

FailureOr<DictionaryAttr> buildFull(FullOp op, const KernelSite &site);
FailureOr<DictionaryAttr> buildSparse(SparseOp op, const KernelSite &site);
FailureOr<DictionaryAttr> buildIndexer(IndexerOp op, const KernelSite &site);
FailureOr<DictionaryAttr> buildTopK(TopKOp op, const KernelSite &site);
FailureOr<DictionaryAttr> buildDelta(DeltaOp op, const KernelSite &site);
FailureOr<DictionaryAttr> buildLinear(LinearOp op, const KernelSite &site);

/// The e4m3 quantisation kernels of the FP8 attention path (QuantizeFp8.cpp):
/// `quant_rows` (x, x8, scales [B, T, Hx], the block's scale at each of
/// its tokens; rows rotated by the normalised Hadamard matrix first if
/// `rotate`) and `quant_vt` (v, v8t, scales [B, Hkv, cdiv(S, block)], B, S,
/// Hkv), `width` elements per row, one scale per `block` tokens, 16-bit
/// `elem` inputs; grid (cdiv(T, block), Hx, B), 128 threads; quant_vt needs
/// quantVtSharedBytes(block, width) bytes of dynamic shared memory,
/// quant_rows 16.
void buildQuantRowsKernel(gpu::GPUModuleOp module, StringRef name,
                          int64_t width, int64_t block, Type elem, bool rotate,
                          Location loc);
void buildQuantVtKernel(gpu::GPUModuleOp module, StringRef name, int64_t width,
                        int64_t block, Type elem, Location loc);
/// quant_vt's dynamic shared memory: the block's rows as 16-bit elements
/// [block][width], then the warp maxima (16 bytes).
int64_t quantVtSharedBytes(int64_t block, int64_t width);
/// `split_bf16` (x, hi, lo, n) of f32 attention (SplitBf16.cpp): hi =
/// bf16(x), lo = bf16(x - hi) for n f32 elements, n a multiple of 8; grid
/// cdiv(n, 2048), 256 threads.
void buildSplitBf16Kernel(gpu::GPUModuleOp module, StringRef name,
                          Location loc);
/// `quant_tokens` (x, x8, scales, rows): one scale per row of 128 elements
/// (per token and head), after a Hadamard rotation of the row if
/// `hadamard`; grid cdiv(rows, 4), 128 threads (a warp per row).
void buildQuantTokensKernel(gpu::GPUModuleOp module, StringRef name, Type elem,
                            bool hadamard, Location loc);

// Manifest helpers shared by the builders.
/// {name, dtype, shape} of a tensor operand or result; `dims` names each
/// dimension (a size name such as "B" or a decimal literal).
DictionaryAttr tensorEntry(MLIRContext *ctx, StringRef name, Type elem,
                           ArrayRef<std::string> dims);
/// The manifest spelling of an element type: bf16, f16, f32, i32, ...
std::string dtypeName(Type elem);
/// An array attribute of strings (manifest shapes, grids, argument names).
ArrayAttr stringArray(MLIRContext *ctx, ArrayRef<std::string> items);

} // namespace mlir::attn::gpu_kernels

#endif // ATTN_LIB_CONVERSION_ATTNTOGPU_KERNELS_H
