//===- LinearDelta.h - the plan of an attn.linear / attn.delta op -*- C++ -*-=//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// What the recurrent (decode step) and chunked (prefill) kernels of
// attn.linear and attn.delta read off the op: head dims, gate kind, scale,
// L2 norm, states and element types (LinearDeltaPlan, AttnToATile.h).
// RecurrentToGPU.cpp checks the op and writes the manifest (the decode step
// is AttnToATile/RecurrentToATile.cpp's tile program); ChunkedToGPU.cpp
// (with the tile programs AttnToATile/ChunkedPrepToATile.cpp and
// ChunkedScanToATile.cpp) builds the chunked form's kernels.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_CONVERSION_ATTNTOGPU_LINEARDELTA_H
#define ATTN_LIB_CONVERSION_ATTNTOGPU_LINEARDELTA_H

#include "../AttnToATile/AttnToATile.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Support/LLVM.h"

namespace mlir::attn::gpu_kernels {

using tile_programs::Gate;
using tile_programs::LinearDeltaPlan;

/// The chunked form's kernels (`<prefix>_{delta,linear}_{prep,scan}`) and
/// their manifest pieces: launches and workspaces.
struct ChunkedKernels {
  SmallVector<Attribute> launches;
  SmallVector<Attribute> workspaces;
  /// TMA descriptors of workspaces (the manifest's `tensormaps`).
  SmallVector<Attribute> tensormaps;
};

/// The chunk length every chunked GPU kernel uses (and the sub-chunk of
/// per-channel gates): the plan must say the same.
constexpr int64_t kGpuChunk = 64;
constexpr int64_t kGpuSubChunk = 16;

/// The chunked form's kernels; with `tensorMaps` (a chip with TMA) the scan
/// takes TMA descriptors of its workspaces where its tiles allow.
ChunkedKernels buildChunked(gpu::GPUModuleOp module, StringRef prefix,
                            const LinearDeltaPlan &p, bool tensorMaps,
                            Location loc);

} // namespace mlir::attn::gpu_kernels

#endif // ATTN_LIB_CONVERSION_ATTNTOGPU_LINEARDELTA_H
