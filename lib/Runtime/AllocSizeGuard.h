//===- AllocSizeGuard.h - saturating allocation sizes -----------*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// memref.alloc lowers to malloc(d0 * d1 * ... * sizeof(T)) in wrapping
// 64-bit arithmetic: dimensions whose product passes 2^64 (say T x S from
// two inputs with huge dimensions and an empty one) would wrap to a small
// buffer that the code then indexes far beyond. guardAllocationSizes
// rewrites, in a module lowered to the LLVM dialect, the multiplications
// and additions that compute the size of each allocation call (malloc,
// aligned_alloc) into overflow-checked ones that saturate at 2^64 - 1, a
// size no allocator grants: the checked allocator of the JIT
// (JitAlloc.h) then reports it as out of memory. Sizes that do not overflow
// are unchanged.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_RUNTIME_ALLOCSIZEGUARD_H
#define ATTN_LIB_RUNTIME_ALLOCSIZEGUARD_H

#include "mlir/IR/BuiltinOps.h"

namespace mlir::attn {

/// Makes the size computation of every allocation call in `module` (LLVM
/// dialect) saturate instead of wrap.
void guardAllocationSizes(ModuleOp module);

} // namespace mlir::attn

#endif // ATTN_LIB_RUNTIME_ALLOCSIZEGUARD_H
