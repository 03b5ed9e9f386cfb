//===- VerifyUtils.h - shape and type checks for attn verifiers -*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The checks every attn op verifier is made of. Each names the operand (or
// result), the dimension by its layout letter, and the expected against the
// actual value, so a user can fix the IR from the message alone. Dynamic
// dimensions are never compared.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_DIALECT_ATTN_IR_VERIFYUTILS_H
#define ATTN_LIB_DIALECT_ATTN_IR_VERIFYUTILS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

namespace mlir::attn::detail {

/// A tensor operand or result with the name and layout used in diagnostics,
/// e.g. {"k", type, "[B, S, Hkv, D]"}.
class NamedTensor {
public:
  NamedTensor(llvm::StringRef name, Type type, llvm::StringRef layout);

  llvm::StringRef name() const { return nameStr; }
  RankedTensorType type() const { return tensorType; }
  llvm::StringRef layout() const { return layoutStr; }
  /// The layout letter of dimension `i` ("B", "T", "Hkv", ...).
  llvm::StringRef dimName(unsigned i) const;
  /// Dimension `i`, or ShapedType::kDynamic.
  int64_t dim(unsigned i) const { return tensorType.getDimSize(i); }
  bool isStatic(unsigned i) const { return !ShapedType::isDynamic(dim(i)); }

private:
  llvm::StringRef nameStr;
  RankedTensorType tensorType;
  llvm::StringRef layoutStr;
  llvm::SmallVector<llvm::StringRef> dimNames;
};

/// Emits located diagnostics on `op` for violated shape/type rules.
class ShapeVerifier {
public:
  explicit ShapeVerifier(Operation *op) : op(op) {}

  /// `t` has as many dimensions as its layout has letters.
  LogicalResult rank(const NamedTensor &t);
  /// `a[ai] == b[bi]` where both are static.
  LogicalResult sameDim(const NamedTensor &a, unsigned ai, const NamedTensor &b,
                        unsigned bi);
  /// `a[i]` and `b[i]` agree for every i in `dims`.
  LogicalResult sameDims(const NamedTensor &a, const NamedTensor &b,
                         llvm::ArrayRef<unsigned> dims);
  /// `a[ai] == expected` where static; `why` says where `expected` comes from.
  LogicalResult dimEquals(const NamedTensor &a, unsigned ai, int64_t expected,
                          llvm::StringRef why);
  /// `a[ai]` is a positive multiple of `b[bi]` where both are static.
  LogicalResult dimMultipleOf(const NamedTensor &a, unsigned ai,
                              const NamedTensor &b, unsigned bi,
                              llvm::StringRef relation);
  /// `a[ai] <= b[bi]` where both are static.
  LogicalResult dimAtMost(const NamedTensor &a, unsigned ai,
                          const NamedTensor &b, unsigned bi,
                          llvm::StringRef why);
  /// `a[ai]` is positive where static (head counts, head dims).
  LogicalResult dimPositive(const NamedTensor &a, unsigned ai);
  /// The output `o` carries the element type of the values `v`; FP8 values
  /// give a bf16/f16/f32 output of the user's choice.
  LogicalResult outputMatchesValues(const NamedTensor &o, const NamedTensor &v);
  /// `a` and `b` have the same element type.
  LogicalResult sameElementType(const NamedTensor &a, const NamedTensor &b);

private:
  Operation *op;
};

/// True for the FP8 element types attn accepts.
bool isFP8(Type t);

/// Rejects discardable attributes that are not dialect-prefixed ("foo" is an
/// error, "mydialect.foo" is left alone): a misspelt `causal` or `scale` must
/// not be silently ignored.
LogicalResult verifyNoUnknownAttributes(Operation *op,
                                        llvm::ArrayRef<llvm::StringRef> known);

/// Checks `scale` (positive, finite) if set.
LogicalResult verifyScale(Operation *op, FloatAttr scale);

/// Checks that every contraction named in `precision` is one of `allowed`.
LogicalResult
verifyPrecisionContractions(Operation *op, Attribute precision,
                            llvm::ArrayRef<llvm::StringRef> allowed);

} // namespace mlir::attn::detail

#endif // ATTN_LIB_DIALECT_ATTN_IR_VERIFYUTILS_H
