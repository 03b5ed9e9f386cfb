//===- JitAlloc.h - checked allocation for JIT-compiled code ----*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The code attn-to-cpu produces allocates its buffers with malloc and never
// checks the result: a buffer too large for the machine (a K x V state of
// 2^19 x 2^19, the T x S scores of a 2^17-token indexer) came back NULL and
// the first store through it crashed the process. The JIT resolves the
// allocation functions of compiled code to the checked versions here: a
// failed allocation unwinds (longjmp) to the invocation that ran the code,
// which frees every buffer that call allocated and returns an
// out-of-memory error instead. Compiled code is C-like (no destructors, no
// locks), so leaving its frames by longjmp skips nothing.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_RUNTIME_JITALLOC_H
#define ATTN_LIB_RUNTIME_JITALLOC_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace mlir {
class ExecutionEngine;
} // namespace mlir

namespace mlir::attn::jitalloc {

/// Makes `engine` resolve malloc, calloc, realloc, aligned_alloc,
/// posix_memalign and free of the code it compiles to the checked
/// versions. Call before the first lookup.
void registerCheckedAllocator(ExecutionEngine &engine);

/// Calls `entry(args)` (a packed `_mlir_ciface_` wrapper). When an
/// allocation of the compiled code fails, every buffer the call allocated
/// and did not free is released and an error with
/// std::errc::not_enough_memory, naming `function` and the size asked for,
/// is returned. Buffers still allocated on success (the results) are the
/// caller's.
llvm::Error invokeChecked(void (*entry)(void **), void **args,
                          llvm::StringRef function);

} // namespace mlir::attn::jitalloc

#endif // ATTN_LIB_RUNTIME_JITALLOC_H
