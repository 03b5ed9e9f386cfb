//===- Chunked.h - the chunked linear / delta kernels -----------*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The prep kernel of the chunked form (ChunkedPrep.cpp; the scan is a tile
// program, AttnToATile/ChunkedScanToATile.cpp) and what ChunkedToGPU.cpp
// needs to write the launches.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_CONVERSION_ATTNTOGPU_CHUNKED_H
#define ATTN_LIB_CONVERSION_ATTNTOGPU_CHUNKED_H

#include "LinearDelta.h"

namespace mlir::attn::gpu_kernels::chunked {

constexpr int64_t C = kGpuChunk;

/// A built kernel's launch: threads per CTA, dynamic shared memory bytes and
/// its arguments by manifest name.
struct ChunkedLaunch {
  int64_t threads, smem;
  ArrayRef<const char *> args;
};

/// `<fn>_{delta,linear}_prep`: one CTA per (chunk, value head, batch).
ChunkedLaunch buildPrepKernel(gpu::GPUModuleOp module, StringRef name,
                              const LinearDeltaPlan &p, Location loc);

} // namespace mlir::attn::gpu_kernels::chunked

#endif // ATTN_LIB_CONVERSION_ATTNTOGPU_CHUNKED_H
