//===- CpuCompile.h - attn modules to LLVM IR for the host ------*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Ahead-of-time counterpart of CpuModule (CpuJit.h): the attn-to-cpu
// pipeline and the translation to LLVM IR, for callers that compile the
// result themselves (the C API's attnCompileModule with target "cpu").
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_RUNTIME_CPUCOMPILE_H
#define ATTN_RUNTIME_CPUCOMPILE_H

#include "llvm/Support/Error.h"
#include <string>

namespace mlir::attn {

/// Parses and verifies `source`, runs attn-to-cpu with `pipelineOptions`
/// ("precision=fp8"; empty: the defaults) and writes the LLVM IR (text) to
/// `llvmIR`. Errors carry the located diagnostics.
llvm::Error compileForCpuToLLVMIR(llvm::StringRef source,
                                  llvm::StringRef bufferName,
                                  std::string &llvmIR,
                                  llvm::StringRef pipelineOptions = "");

} // namespace mlir::attn

#endif // ATTN_RUNTIME_CPUCOMPILE_H
