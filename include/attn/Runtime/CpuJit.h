//===- CpuJit.h - compile and run attn modules on the host ------*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// CpuModule: an attn module compiled for the host by the attn-to-cpu
// pipeline and JIT-compiled by MLIR's ExecutionEngine. Used by attn-run and,
// through the C API in attn-c/CpuJit.h, by Python.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_RUNTIME_CPUJIT_H
#define ATTN_RUNTIME_CPUJIT_H

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include <memory>
#include <string>

namespace mlir {
class ExecutionEngine;
class MLIRContext;
} // namespace mlir

namespace mlir::attn {

class CpuModule {
public:
  /// Parses `source`, verifies it, runs attn-to-cpu{pipelineOptions} and
  /// JIT-compiles the result. `pipelineOptions` is attn-to-cpu's option
  /// string ("precision=fp8 error-budget=0.02"; empty: the defaults). Every
  /// diagnostic of every stage, and a bad option string, goes into the
  /// returned error.
  static llvm::Expected<std::unique_ptr<CpuModule>>
  compile(llvm::StringRef source, llvm::StringRef bufferName,
          llvm::StringRef pipelineOptions = "");

  /// Parses and verifies `source` without compiling it; the error carries
  /// every diagnostic.
  static llvm::Error verifySource(llvm::StringRef source,
                                  llvm::StringRef bufferName);

  ~CpuModule();

  /// The tensor-level signature of public function `name`, as written in
  /// the source (before lowering), or null.
  FunctionType getSignature(llvm::StringRef name) const;

  /// Calls `name` through its C interface (see attn-c/CpuJit.h). When an
  /// allocation of the compiled code fails, the buffers the call allocated
  /// are released and the error has std::errc::not_enough_memory.
  llvm::Error invoke(llvm::StringRef name, void **args);

private:
  CpuModule();
  std::unique_ptr<MLIRContext> context;
  std::unique_ptr<ExecutionEngine> engine;
  llvm::StringMap<FunctionType> signatures;
};

} // namespace mlir::attn

#endif // ATTN_RUNTIME_CPUJIT_H
