//===- AttnSoftmaxOps.cpp - verifiers of the softmax family ---------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Verifiers of attn.full, attn.sparse, attn.indexer and attn.topk: the shape
// relations of the [B, T, H, D] layout (GQA, KV-cache decoding), the flags
// and the plan attributes each op may carry.
//
//===----------------------------------------------------------------------===//

#include "VerifyUtils.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"
#include <cmath>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::detail;

namespace {
/// The q/k/v/o operands shared by attn.full and attn.sparse.
struct SoftmaxOperands {
  NamedTensor q, k, v, o;
  SoftmaxOperands(Type q, Type k, Type v, Type o)
      : q("q", q, "[B, T, H, D]"), k("k", k, "[B, S, Hkv, D]"),
        v("v", v, "[B, S, Hkv, Dv]"), o("o", o, "[B, T, H, Dv]") {}
};
} // namespace

/// Checks the relations between q, k, v and o common to full and sparse
/// attention.
static LogicalResult verifySoftmaxOperands(ShapeVerifier &sv,
                                           const SoftmaxOperands &t) {
  for (const NamedTensor *x : {&t.q, &t.k, &t.v, &t.o})
    if (failed(sv.rank(*x)))
      return failure();
  if (failed(sv.dimPositive(t.q, 2)) || failed(sv.dimPositive(t.q, 3)) ||
      failed(sv.dimPositive(t.k, 2)) || failed(sv.dimPositive(t.v, 3)) ||
      failed(sv.sameDim(t.k, 0, t.q, 0)) ||
      failed(sv.sameDim(t.k, 3, t.q, 3)) ||
      failed(sv.sameDims(t.v, t.k, {0, 1, 2})) ||
      failed(sv.dimMultipleOf(t.q, 2, t.k, 2,
                              "query heads must be a multiple of key/value "
                              "heads (GQA/MQA)")) ||
      failed(sv.sameDims(t.o, t.q, {0, 1, 2})) ||
      failed(sv.sameDim(t.o, 3, t.v, 3)) ||
      failed(sv.sameElementType(t.k, t.q)) ||
      failed(sv.outputMatchesValues(t.o, t.v)))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// attn.full
//===----------------------------------------------------------------------===//

LogicalResult FullOp::verify() {
  if (failed(verifyNoUnknownAttributes(*this, getAttributeNames())))
    return failure();
  ShapeVerifier sv(*this);
  SoftmaxOperands t(getQ().getType(), getK().getType(), getV().getType(),
                    getO().getType());
  if (failed(verifySoftmaxOperands(sv, t)))
    return failure();
  if (Value lse = getLse()) {
    NamedTensor l("lse", lse.getType(), "[B, T, H]");
    if (failed(sv.rank(l)) || failed(sv.sameDims(l, t.q, {0, 1, 2})))
      return failure();
  }
  if (getCausal() &&
      failed(sv.dimAtMost(t.q, 1, t.k, 1,
                          "causal queries are the last T of S positions")))
    return failure();
  if (failed(verifyScale(*this, getScaleAttr())))
    return failure();
  if (std::optional<uint64_t> w = getWindow()) {
    if (static_cast<int64_t>(*w) <= 0)
      return emitOpError() << "'window' must be positive, got "
                           << static_cast<int64_t>(*w);
    if (!getCausal())
      return emitOpError() << "'window' requires 'causal' (a sliding window "
                              "looks back from the query position)";
  }
  if (FloatAttr c = getSoftcapAttr())
    if (!std::isfinite(c.getValueAsDouble()) || c.getValueAsDouble() <= 0.0 ||
        c.getValueAsDouble() > 3.4028234663852886e38)
      return emitOpError()
             << "'softcap' must be positive and within f32 range, got "
             << c.getValueAsDouble();
  return verifyPrecisionContractions(*this, getPrecisionAttr(), {"qk", "pv"});
}

//===----------------------------------------------------------------------===//
// attn.sparse
//===----------------------------------------------------------------------===//

LogicalResult SparseOp::verify() {
  if (failed(verifyNoUnknownAttributes(*this, getAttributeNames())))
    return failure();
  ShapeVerifier sv(*this);
  SoftmaxOperands t(getQ().getType(), getK().getType(), getV().getType(),
                    getO().getType());
  if (failed(verifySoftmaxOperands(sv, t)))
    return failure();
  NamedTensor idx("indices", getIndices().getType(), "[B, T, Hkv, N]");
  if (failed(sv.rank(idx)) || failed(sv.sameDims(idx, t.q, {0, 1})) ||
      failed(sv.sameDim(idx, 2, t.k, 2)))
    return failure();
  if (getCausal() &&
      failed(sv.dimAtMost(t.q, 1, t.k, 1,
                          "causal queries are the last T of S positions")))
    return failure();
  if (failed(verifyScale(*this, getScaleAttr())))
    return failure();
  if (std::optional<uint64_t> bs = getBlockSize())
    if (static_cast<int64_t>(*bs) <= 0 ||
        static_cast<int64_t>(*bs) > kMaxBlockSize)
      return emitOpError() << "'block_size' must be in [1, 2^31], got "
                           << static_cast<int64_t>(*bs);
  return verifyPrecisionContractions(*this, getPrecisionAttr(), {"qk", "pv"});
}

//===----------------------------------------------------------------------===//
// attn.indexer
//===----------------------------------------------------------------------===//

LogicalResult IndexerOp::verify() {
  if (failed(verifyNoUnknownAttributes(*this, getAttributeNames())))
    return failure();
  ShapeVerifier sv(*this);
  NamedTensor qi("qi", getQi().getType(), "[B, T, Hi, Di]");
  NamedTensor ki("ki", getKi().getType(), "[B, S, Di]");
  NamedTensor w("w", getW().getType(), "[B, T, Hi]");
  NamedTensor s("scores", getScores().getType(), "[B, T, S]");
  for (const NamedTensor *x : {&qi, &ki, &w, &s})
    if (failed(sv.rank(*x)))
      return failure();
  if (failed(sv.dimPositive(qi, 2)) || failed(sv.dimPositive(qi, 3)) ||
      failed(sv.sameDim(ki, 0, qi, 0)) || failed(sv.sameDim(ki, 2, qi, 3)) ||
      failed(sv.sameDims(w, qi, {0, 1, 2})) ||
      failed(sv.sameDims(s, qi, {0, 1})) || failed(sv.sameDim(s, 2, ki, 1)) ||
      failed(sv.sameElementType(ki, qi)))
    return failure();
  if (getCausal() &&
      failed(sv.dimAtMost(qi, 1, ki, 1,
                          "causal queries are the last T of S positions")))
    return failure();
  return verifyPrecisionContractions(*this, getPrecisionAttr(), {"qk"});
}

//===----------------------------------------------------------------------===//
// attn.topk
//===----------------------------------------------------------------------===//

LogicalResult TopKOp::verify() {
  if (failed(verifyNoUnknownAttributes(*this, getAttributeNames())))
    return failure();
  ShapeVerifier sv(*this);
  NamedTensor s("scores", getScores().getType(), "[B, T, S]");
  NamedTensor idx("indices", getIndices().getType(), "[B, T, k]");
  if (failed(sv.rank(s)) || failed(sv.rank(idx)))
    return failure();
  int64_t k = static_cast<int64_t>(getK());
  if (k <= 0 || k > kMaxTopK)
    return emitOpError() << "'k' must be in [1, " << kMaxTopK << "], got " << k;
  if (failed(sv.sameDims(idx, s, {0, 1})) ||
      failed(sv.dimEquals(idx, 2, k, "the 'k' attribute")))
    return failure();
  return success();
}
