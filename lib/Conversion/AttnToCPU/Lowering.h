//===- Lowering.h - shared pieces of the attn CPU lowering ------*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// What the per-family CPU kernel builders share: moving between the tensor
// world of attn ops and the buffers kernels work on, plan lookups with
// located errors, and one entry point per op family.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_CONVERSION_ATTNTOCPU_LOWERING_H
#define ATTN_LIB_CONVERSION_ATTNTOCPU_LOWERING_H

#include "attn/Conversion/AttnToCPU/KernelBuilder.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "mlir/Support/LLVM.h"

namespace mlir::attn::cpu {

/// The buffer of a tensor operand (identity layout).
Value toBuffer(KernelBuilder &kb, Value tensor);
/// A fresh result buffer of `type`; `sizes` gives every dimension (only the
/// dynamic ones are used).
Value allocResult(KernelBuilder &kb, RankedTensorType type,
                  ArrayRef<Value> sizes);
/// Wraps a result buffer back into a tensor of `type`.
Value toTensor(KernelBuilder &kb, Value buffer, RankedTensorType type);

/// Static size of dimension `dim` of `value`'s shaped type, or an error on
/// `op` naming `what` when it is dynamic.
FailureOr<int64_t> staticDim(Operation *op, Value value, int64_t dim,
                             StringRef what);

/// Lowering consumes the plan: a located error naming the planning pass when
/// a full/sparse op has no `tile`.
LogicalResult requireTile(Operation *op, TileAttr tile);
/// ... or a linear/delta op no `form`, or the chunked form no `chunk`.
LogicalResult requireForm(Operation *op, std::optional<Form> form,
                          ChunkAttr chunk);

/// The `scale` attribute, or 1/sqrt(headDim).
double scaleOrDefault(FloatAttr scale, int64_t headDim);

// One lowering per op family. Each builds its kernel at `kb`'s insertion
// point and returns the op's result tensors in order.
FailureOr<SmallVector<Value>> lowerFull(KernelBuilder &kb, FullOp op);
FailureOr<SmallVector<Value>> lowerSparse(KernelBuilder &kb, SparseOp op);
FailureOr<SmallVector<Value>> lowerIndexer(KernelBuilder &kb, IndexerOp op);
FailureOr<SmallVector<Value>> lowerTopK(KernelBuilder &kb, TopKOp op);
FailureOr<SmallVector<Value>> lowerLinear(KernelBuilder &kb, LinearOp op);
FailureOr<SmallVector<Value>> lowerDelta(KernelBuilder &kb, DeltaOp op);

} // namespace mlir::attn::cpu

#endif // ATTN_LIB_CONVERSION_ATTNTOCPU_LOWERING_H
