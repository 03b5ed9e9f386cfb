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

#endif // ATTN_DIALECT_ATILE_IR_ATILEOPS_H
