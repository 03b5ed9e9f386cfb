//===- VerifyUtils.cpp - shape and type checks for attn verifiers ---------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Implements the located shape/type diagnostics shared by the attn op
// verifiers (see VerifyUtils.h).
//
//===----------------------------------------------------------------------===//

#include "VerifyUtils.h"

#include "attn/Dialect/Attn/IR/AttnAttrs.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include <cmath>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::detail;

NamedTensor::NamedTensor(llvm::StringRef name, Type type,
                         llvm::StringRef layout)
    : nameStr(name), tensorType(llvm::dyn_cast_or_null<RankedTensorType>(type)),
      layoutStr(layout) {
  llvm::StringRef body = layout.trim("[]");
  llvm::SmallVector<llvm::StringRef> parts;
  body.split(parts, ',');
  for (llvm::StringRef p : parts)
    dimNames.push_back(p.trim());
}

llvm::StringRef NamedTensor::dimName(unsigned i) const {
  return i < dimNames.size() ? dimNames[i] : llvm::StringRef("?");
}

static std::string dimStr(int64_t d) {
  return ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d);
}

LogicalResult ShapeVerifier::rank(const NamedTensor &t) {
  unsigned expected = llvm::count(t.layout(), ',') + 1;
  if (!t.type())
    return op->emitOpError()
           << "'" << t.name() << "' must be a ranked tensor " << t.layout();
  if (t.type().getRank() != expected)
    return op->emitOpError()
           << "'" << t.name() << "' must be a rank-" << expected << " tensor "
           << t.layout() << ", got " << t.type();
  return success();
}

LogicalResult ShapeVerifier::sameDim(const NamedTensor &a, unsigned ai,
                                     const NamedTensor &b, unsigned bi) {
  if (!a.isStatic(ai) || !b.isStatic(bi) || a.dim(ai) == b.dim(bi))
    return success();
  return op->emitOpError() << "'" << a.name() << "' has " << a.dimName(ai)
                           << " = " << a.dim(ai) << " (dim " << ai << " of "
                           << a.layout() << "), expected " << b.dim(bi)
                           << " to match " << b.dimName(bi) << " of '"
                           << b.name() << "' " << b.type();
}

LogicalResult ShapeVerifier::sameDims(const NamedTensor &a,
                                      const NamedTensor &b,
                                      llvm::ArrayRef<unsigned> dims) {
  for (unsigned i : dims)
    if (failed(sameDim(a, i, b, i)))
      return failure();
  return success();
}

LogicalResult ShapeVerifier::dimEquals(const NamedTensor &a, unsigned ai,
                                       int64_t expected, llvm::StringRef why) {
  if (!a.isStatic(ai) || a.dim(ai) == expected)
    return success();
  return op->emitOpError() << "'" << a.name() << "' has " << a.dimName(ai)
                           << " = " << a.dim(ai) << " (dim " << ai << " of "
                           << a.layout() << "), expected " << expected << " ("
                           << why << ")";
}

LogicalResult ShapeVerifier::dimMultipleOf(const NamedTensor &a, unsigned ai,
                                           const NamedTensor &b, unsigned bi,
                                           llvm::StringRef relation) {
  if (!a.isStatic(ai) || !b.isStatic(bi))
    return success();
  int64_t x = a.dim(ai), y = b.dim(bi);
  if (y > 0 && x > 0 && x % y == 0)
    return success();
  return op->emitOpError() << relation << ": " << a.dimName(ai) << " = "
                           << dimStr(x) << " of '" << a.name()
                           << "' is not a positive multiple of "
                           << b.dimName(bi) << " = " << dimStr(y) << " of '"
                           << b.name() << "'";
}

LogicalResult ShapeVerifier::dimAtMost(const NamedTensor &a, unsigned ai,
                                       const NamedTensor &b, unsigned bi,
                                       llvm::StringRef why) {
  if (!a.isStatic(ai) || !b.isStatic(bi) || a.dim(ai) <= b.dim(bi))
    return success();
  return op->emitOpError() << "'" << a.name() << "' has " << a.dimName(ai)
                           << " = " << a.dim(ai) << ", expected at most "
                           << b.dimName(bi) << " = " << b.dim(bi) << " of '"
                           << b.name() << "' (" << why << ")";
}

LogicalResult ShapeVerifier::dimPositive(const NamedTensor &a, unsigned ai) {
  if (!a.isStatic(ai) || a.dim(ai) > 0)
    return success();
  return op->emitOpError() << "'" << a.name() << "' has " << a.dimName(ai)
                           << " = " << a.dim(ai) << " (dim " << ai << " of "
                           << a.layout() << "), expected a positive size";
}

LogicalResult ShapeVerifier::outputMatchesValues(const NamedTensor &o,
                                                 const NamedTensor &v) {
  if (isFP8(v.type().getElementType()))
    return success();
  return sameElementType(o, v);
}

LogicalResult ShapeVerifier::sameElementType(const NamedTensor &a,
                                             const NamedTensor &b) {
  if (a.type().getElementType() == b.type().getElementType())
    return success();
  return op->emitOpError() << "'" << a.name() << "' has element type "
                           << a.type().getElementType() << ", expected "
                           << b.type().getElementType() << " to match '"
                           << b.name() << "'";
}

bool mlir::attn::detail::isFP8(Type t) {
  return llvm::isa<Float8E4M3FNType, Float8E5M2Type>(t);
}

LogicalResult
mlir::attn::detail::verifyNoUnknownAttributes(Operation *op,
                                              llvm::ArrayRef<StringRef> known) {
  for (NamedAttribute attr : op->getDiscardableAttrs()) {
    llvm::StringRef name = attr.getName().strref();
    if (name.contains('.') || llvm::is_contained(known, name))
      continue;
    return op->emitOpError()
           << "has unknown attribute '" << name
           << "'; known attributes: " << llvm::join(known, ", ");
  }
  return success();
}

/// Kernels compute in f32: a larger factor would become inf there.
static constexpr double kMaxF32 = 3.4028234663852886e38;

LogicalResult mlir::attn::detail::verifyScale(Operation *op, FloatAttr scale) {
  if (!scale)
    return success();
  double s = scale.getValueAsDouble();
  if (!std::isfinite(s) || s <= 0.0 || s > kMaxF32)
    return op->emitOpError()
           << "'scale' must be positive and within f32 range, got " << s;
  return success();
}

LogicalResult mlir::attn::detail::verifyPrecisionContractions(
    Operation *op, Attribute precision, llvm::ArrayRef<StringRef> allowed) {
  auto attr = llvm::dyn_cast_or_null<PrecisionAttr>(precision);
  if (!attr)
    return success();
  for (NamedAttribute entry : attr.getOperands()) {
    llvm::StringRef name = entry.getName().strref();
    if (!llvm::is_contained(allowed, name))
      return op->emitOpError()
             << "'precision' names contraction '" << name
             << "', which this op does not have; its contractions are: "
             << llvm::join(allowed, ", ");
  }
  return success();
}
