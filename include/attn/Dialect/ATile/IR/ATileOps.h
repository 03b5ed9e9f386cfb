//===- ATileOps.h - atile operations ----------------------------*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATILE_IR_ATILEOPS_H
#define ATTN_DIALECT_ATILE_IR_ATILEOPS_H

#include "attn/Dialect/ATile/IR/ATileTypes.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/LLVMIR/LLVMTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/RegionKindInterface.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "dialects/atile/ATileOps.h.inc"

namespace mlir::atile {
/// Bytes of dynamic shared memory the atile.alloc buffers of `kernel` take:
/// each buffer 1024-aligned (the 128-byte swizzle's period), in order. The
/// NVVM lowering places them so; launchers reserve this much.
int64_t sharedBytes(Operation *kernel);
} // namespace mlir::atile

#endif // ATTN_DIALECT_ATILE_IR_ATILEOPS_H
