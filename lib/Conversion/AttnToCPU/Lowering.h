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

//===--- precision emulation (RoundToFormat.cpp, EmulatePrecision.cpp) ---===//

/// An f32 holding the f32 `x` rounded to `format`: f32 unchanged; bf16 and
/// f16 round to nearest even (subnormals kept, overflow to inf); f8E4M3FN and
/// f8E5M2 round to nearest even and saturate to the largest finite value (PTX
/// cvt.rn.satfinite: +-inf -> +-max, NaN stays NaN).
Value roundTo(KernelBuilder &kb, Value x, Type format);

/// What a softmax kernel (attn.full, attn.sparse) reads under its
/// #attn.precision: the operand buffers, or dequantised f32 copies of Q, K
/// and V, and the type P is rounded to before P V (null: not rounded).
struct SoftmaxOperands {
  Value q, k, v;
  Type p;
};
/// Builds the dequantised copies `op`'s precision asks for (Hadamard
/// rotation of Q and K, scales per group, rounding) ahead of the kernel.
/// Without a precision attribute, or when every contraction runs in the
/// inputs' type (or f32), returns the buffers unchanged and no P rounding:
/// the kernel is exactly the unplanned one. A located error when the plan
/// cannot be emulated (a Hadamard rotation of a head dim that is not a
/// power of two).
FailureOr<SoftmaxOperands> emulateSoftmaxPrecision(KernelBuilder &kb,
                                                   Operation *op, Value q,
                                                   Value k, Value v,
                                                   int64_t headDim);
/// The probability `p` in [0, 1] as the P V contraction sees it in
/// `format`: roundTo(p * 256, format) / 256 for FP8 (FA3's static P scale),
/// roundTo(p, format) otherwise.
Value roundProbability(KernelBuilder &kb, Value p, Type format);

/// attn.indexer's qi and ki as its `qk` precision has them (dequantised f32
/// copies, qi rotated with `hadamard`), or the operands unchanged.
FailureOr<std::pair<Value, Value>> emulateIndexerPrecision(KernelBuilder &kb,
                                                           IndexerOp op,
                                                           Value qi, Value ki,
                                                           int64_t headDim);

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
