//===- GpuLaunch.h - compile for CUDA and launch from the manifest -*- C++
//-*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The C++ side of the GPU path (attn-run --target=cuda): IR text -> PTX and
// manifest (attn-to-nvvm), and a launcher that runs one manifest entry on
// host arrays through the attn CUDA runtime (attn-c/CudaRuntime.h): binds
// sizes, checks shapes, allocates device buffers, evaluates the grid and
// `when` expressions, picks the split count for the card, launches, copies
// the outputs back. python/attn/_gpu.py is the same launcher in Python;
// docs/gpu-backend.md describes the manifest.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_RUNTIME_GPULAUNCH_H
#define ATTN_RUNTIME_GPULAUNCH_H

#include "attn/Runtime/Npy.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"
#include <string>
#include <vector>

namespace mlir::attn {

/// attn-to-nvvm{chip, pipelineOptions} on `source`: the PTX and the
/// manifest (JSON text). `pipelineOptions` is attn-to-nvvm's option string
/// ("precision=fp8 error-budget=0.02"; empty: the defaults); `chip` wins
/// over a chip it names.
llvm::Error compileForGpu(llvm::StringRef source, llvm::StringRef bufferName,
                          llvm::StringRef chip, std::string &ptx,
                          std::string &manifest,
                          llvm::StringRef pipelineOptions = "");

/// Evaluates a manifest expression (integers, names of `env`, + - * /,
/// cdiv(a, b), select(c, a, b), comparisons) or fails naming it.
llvm::Expected<int64_t>
evaluateManifestExpr(llvm::StringRef expr, const llvm::StringMap<int64_t> &env);

/// Runs manifest entry `entry` (loaded from `ptx`) on `args` (the compiled
/// function's arguments, in order) and returns its outputs.
llvm::Expected<std::vector<NpyArray>>
launchOnCuda(const llvm::json::Object &entry, llvm::StringRef ptx,
             const std::vector<NpyArray> &args);

} // namespace mlir::attn

#endif // ATTN_RUNTIME_GPULAUNCH_H
