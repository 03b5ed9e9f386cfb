//===- SparseToCPU.cpp - attn.sparse on the CPU ---------------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Placeholder: the CPU lowering of attn.sparse is being written.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::cpu;

FailureOr<SmallVector<Value>> cpu::lowerSparse(KernelBuilder &, SparseOp op) {
  return op.emitOpError() << "has no CPU lowering yet";
}
