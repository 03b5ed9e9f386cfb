//===- Unimplemented.cpp - CPU lowerings still to come --------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Placeholders that report, with a located error, the op families whose CPU
// lowering has not landed yet. Each moves to its own <Family>ToCPU.cpp.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::cpu;

static FailureOr<SmallVector<Value>> notYet(Operation *op) {
  return op->emitOpError() << "has no CPU lowering yet";
}

FailureOr<SmallVector<Value>> cpu::lowerSparse(KernelBuilder &, SparseOp op) {
  return notYet(op);
}
FailureOr<SmallVector<Value>> cpu::lowerIndexer(KernelBuilder &, IndexerOp op) {
  return notYet(op);
}
FailureOr<SmallVector<Value>> cpu::lowerTopK(KernelBuilder &, TopKOp op) {
  return notYet(op);
}
FailureOr<SmallVector<Value>> cpu::lowerLinear(KernelBuilder &, LinearOp op) {
  return notYet(op);
}
FailureOr<SmallVector<Value>> cpu::lowerDelta(KernelBuilder &, DeltaOp op) {
  return notYet(op);
}
