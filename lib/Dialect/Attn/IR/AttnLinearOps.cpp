//===- AttnLinearOps.cpp - verifiers of the linear and delta families -----===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Verifiers of attn.linear and attn.delta: the [B, T, H, K] layout with GVA
// value heads, the gate shapes that select the variant (scalar decay, GLA,
// Gated DeltaNet, KDA), the f32 recurrent states and the plan attributes.
//
//===----------------------------------------------------------------------===//

#include "VerifyUtils.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"
#include <cmath>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::detail;

/// Checks a log-space gate: `[B, T, Hg]` (scalar per head and step) or
/// `[B, T, Hg, K]` (per key channel), where Hg is the head count of `heads`.
static LogicalResult verifyGate(Operation *op, ShapeVerifier &sv, Value gate,
                                const NamedTensor &heads, unsigned headDim,
                                const NamedTensor &q, llvm::StringRef hName) {
  auto type = llvm::cast<RankedTensorType>(gate.getType());
  if (type.getRank() != 3 && type.getRank() != 4)
    return op->emitOpError()
           << "'gate' must be [B, T, " << hName
           << "] (one decay per head) or [B, T, " << hName
           << ", K] (one decay per key channel), got " << type;
  std::string layout =
      ("[B, T, " + hName + (type.getRank() == 4 ? ", K]" : "]")).str();
  NamedTensor g("gate", type, layout);
  if (failed(sv.sameDims(g, q, {0, 1})) ||
      failed(sv.sameDim(g, 2, heads, headDim)))
    return failure();
  if (type.getRank() == 4 && failed(sv.sameDim(g, 3, q, 3)))
    return failure();
  return success();
}

/// Checks an f32 recurrent state `[B, Hs, K, V]`.
static LogicalResult verifyState(ShapeVerifier &sv, const NamedTensor &s,
                                 const NamedTensor &q, const NamedTensor &v) {
  if (failed(sv.rank(s)) || failed(sv.sameDim(s, 0, q, 0)) ||
      failed(sv.sameDim(s, 1, v, 2)) || failed(sv.sameDim(s, 2, q, 3)) ||
      failed(sv.sameDim(s, 3, v, 3)))
    return failure();
  return success();
}

/// A chunk plan contradicts the recurrent form.
static LogicalResult verifyFormAndChunk(Operation *op, std::optional<Form> form,
                                        Attribute chunk) {
  if (form && *form == Form::recurrent && chunk)
    return op->emitOpError() << "has both 'form = recurrent' and a 'chunk' "
                                "plan; a chunk plan needs the chunked form";
  return success();
}

//===----------------------------------------------------------------------===//
// attn.linear
//===----------------------------------------------------------------------===//

LogicalResult LinearOp::verify() {
  if (failed(verifyNoUnknownAttributes(*this, getAttributeNames())))
    return failure();
  ShapeVerifier sv(*this);
  NamedTensor q("q", getQ().getType(), "[B, T, H, K]");
  NamedTensor k("k", getK().getType(), "[B, T, H, K]");
  NamedTensor v("v", getV().getType(), "[B, T, H, V]");
  NamedTensor o("o", getO().getType(), "[B, T, H, V]");
  for (const NamedTensor *x : {&q, &k, &v, &o})
    if (failed(sv.rank(*x)))
      return failure();
  if (failed(sv.dimPositive(q, 2)) || failed(sv.dimPositive(q, 3)) ||
      failed(sv.dimPositive(v, 3)) || failed(sv.sameDims(k, q, {0, 1, 2, 3})) ||
      failed(sv.sameDims(v, q, {0, 1, 2})) ||
      failed(sv.sameDims(o, v, {0, 1, 2, 3})) ||
      failed(sv.sameElementType(k, q)) || failed(sv.outputMatchesValues(o, v)))
    return failure();

  if (Value gate = getGate()) {
    if (getDecay())
      return emitOpError() << "has both a 'gate' operand and a constant "
                              "'decay'; give one of them";
    if (failed(verifyGate(*this, sv, gate, q, 2, q, "H")))
      return failure();
  }
  if (std::optional<ArrayRef<double>> decay = getDecay()) {
    if (decay->empty())
      return emitOpError() << "'decay' must have one value or one per head";
    if (decay->size() != 1 && q.isStatic(2) &&
        static_cast<int64_t>(decay->size()) != q.dim(2))
      return emitOpError() << "'decay' has " << decay->size()
                           << " values; expected 1 or one per head (H = "
                           << q.dim(2) << " in 'q')";
    for (double d : *decay)
      if (!std::isfinite(d) || d > 0.0)
        return emitOpError() << "'decay' values are log-space decays and "
                                "must be finite and <= 0, got "
                             << d;
  }
  if (Value s = getInitialState())
    if (failed(verifyState(
            sv, NamedTensor("initial_state", s.getType(), "[B, H, K, V]"), q,
            v)))
      return failure();
  if (Value s = getFinalState())
    if (failed(verifyState(
            sv, NamedTensor("final_state", s.getType(), "[B, H, K, V]"), q, v)))
      return failure();
  if (failed(verifyScale(*this, getScaleAttr())) ||
      failed(verifyFormAndChunk(*this, getForm(), getChunkAttr())))
    return failure();
  return verifyPrecisionContractions(*this, getPrecisionAttr(),
                                     {"qk", "av", "qs", "kv"});
}

//===----------------------------------------------------------------------===//
// attn.delta
//===----------------------------------------------------------------------===//

GateKind DeltaOp::getGateKind() {
  Value gate = getGate();
  if (!gate)
    return GateKind::none;
  return llvm::cast<RankedTensorType>(gate.getType()).getRank() == 4
             ? GateKind::vector
             : GateKind::scalar;
}

LogicalResult DeltaOp::verify() {
  if (failed(verifyNoUnknownAttributes(*this, getAttributeNames())))
    return failure();
  ShapeVerifier sv(*this);
  NamedTensor q("q", getQ().getType(), "[B, T, H, K]");
  NamedTensor k("k", getK().getType(), "[B, T, H, K]");
  NamedTensor v("v", getV().getType(), "[B, T, HV, V]");
  NamedTensor beta("beta", getBeta().getType(), "[B, T, HV]");
  NamedTensor o("o", getO().getType(), "[B, T, HV, V]");
  for (const NamedTensor *x : {&q, &k, &v, &beta, &o})
    if (failed(sv.rank(*x)))
      return failure();
  if (failed(sv.dimPositive(q, 2)) || failed(sv.dimPositive(q, 3)) ||
      failed(sv.dimPositive(v, 3)) || failed(sv.sameDims(k, q, {0, 1, 2, 3})) ||
      failed(sv.sameDims(v, q, {0, 1})) ||
      failed(sv.dimMultipleOf(v, 2, q, 2,
                              "value heads must be a multiple of query/key "
                              "heads (GVA)")) ||
      failed(sv.sameDims(beta, v, {0, 1, 2})) ||
      failed(sv.sameDims(o, v, {0, 1, 2, 3})) ||
      failed(sv.sameElementType(k, q)) || failed(sv.outputMatchesValues(o, v)))
    return failure();
  if (Value gate = getGate())
    if (failed(verifyGate(*this, sv, gate, v, 2, q, "HV")))
      return failure();
  if (Value s = getInitialState())
    if (failed(verifyState(
            sv, NamedTensor("initial_state", s.getType(), "[B, HV, K, V]"), q,
            v)))
      return failure();
  if (Value s = getFinalState())
    if (failed(verifyState(
            sv, NamedTensor("final_state", s.getType(), "[B, HV, K, V]"), q,
            v)))
      return failure();
  if (failed(verifyScale(*this, getScaleAttr())) ||
      failed(verifyFormAndChunk(*this, getForm(), getChunkAttr())))
    return failure();
  if (auto p = getPrecisionAttr())
    if (Type solve = p.getOperandType("solve"); solve && isFP8(solve))
      return emitOpError() << "'precision' puts the triangular solve in "
                           << solve
                           << "; (I + A)^-1 amplifies rounding error and "
                              "stays in bf16 or f32";
  return verifyPrecisionContractions(
      *this, getPrecisionAttr(), {"kk", "qk", "av", "ws", "qs", "kv", "solve"});
}
