//===- RecurrentToGPU.cpp - recurrent attn.linear / attn.delta kernels ----===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// attn.linear / attn.delta -> their kernels and manifest entry: the op
// checks with located errors, then the recurrent form's decode-step tile
// program (AttnToATile/RecurrentToATile.cpp: a block per slice of value
// columns, value head and batch, the state slice in registers) or the
// chunked form's kernels (ChunkedToGPU.cpp).
//
//===----------------------------------------------------------------------===//

#include "GpuBuilder.h"
#include "Kernels.h"
#include "LinearDelta.h"
#include "attn/Dialect/ATile/IR/ATileOps.h"
#include <cmath>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::gpu_kernels;

namespace {
constexpr const char *kRecArgNames[] = {
    "q", "k", "v", "beta", "g", "s0", "o", "final_state", "B", "T", "H", "HV"};
} // namespace

template <typename OpT>
static FailureOr<DictionaryAttr> buildRecurrent(OpT op, bool delta,
                                                const KernelSite &site) {
  std::optional<Form> form = op.getForm();
  if (!form)
    return op.emitOpError() << "has no #attn.form; run attn-select-form (or "
                               "the attn-plan pipeline) before "
                               "convert-attn-to-gpu";
  const bool chunked = *form == Form::chunked;
  auto qType = cast<RankedTensorType>(op.getQ().getType());
  auto kType = cast<RankedTensorType>(op.getK().getType());
  auto vType = cast<RankedTensorType>(op.getV().getType());
  LinearDeltaPlan p;
  p.delta = delta;
  p.k = qType.getDimSize(3);
  p.v = vType.getDimSize(3);
  if (ShapedType::isDynamic(p.k) || ShapedType::isDynamic(p.v))
    return op.emitOpError() << "GPU kernels need static head dims K and V";
  if (p.k > 256 || p.v % 4)
    return op.emitOpError() << "the recurrent GPU kernel keeps a K x 4n slice "
                               "of the state in registers, in 4-column "
                               "vectors: K <= 256 and V a multiple of 4; got "
                               "K = "
                            << p.k << ", V = " << p.v;
  p.qkElem = qType.getElementType();
  p.vElem = vType.getElementType();
  auto isFloat = [](Type t) { return t.isF32() || t.isBF16() || t.isF16(); };
  if (!isFloat(p.qkElem) || kType.getElementType() != p.qkElem ||
      !isFloat(p.vElem))
    return op.emitOpError() << "GPU kernels take q, k and v as bf16, f16 or "
                               "f32 (q and k alike)";
  p.oElem = cast<RankedTensorType>(op.getO().getType()).getElementType();
  if (!isFloat(p.oElem))
    return op.emitOpError() << "GPU kernels write o as bf16, f16 or f32";
  p.scale = 1.0 / std::sqrt(static_cast<double>(p.k));
  if (FloatAttr s = op.getScaleAttr())
    p.scale = s.getValueAsDouble();
  if (Value gate = op.getGate()) {
    auto gt = cast<RankedTensorType>(gate.getType());
    p.gate = gt.getRank() == 4 ? Gate::Vector : Gate::Scalar;
    p.gateElem = gt.getElementType();
    if (!isFloat(p.gateElem))
      return op.emitOpError() << "GPU kernels take gates as bf16, f16 or f32";
  }
  if (chunked) {
    ChunkAttr chunk = op.getChunkAttr();
    if (!chunk)
      return op.emitOpError() << "the chunked form needs a #attn.chunk plan; "
                                 "run attn-chunk (or the attn-plan pipeline) "
                                 "before convert-attn-to-gpu";
    int64_t wantSub = p.gate == Gate::Vector ? kGpuSubChunk : 0;
    if (chunk.getSize() != kGpuChunk ||
        (chunk.getSubChunk() != wantSub && p.gate == Gate::Vector))
      return op.emitOpError()
             << "the chunked GPU kernels use chunks of " << kGpuChunk
             << (p.gate == Gate::Vector
                     ? " with sub-chunks of " + std::to_string(kGpuSubChunk)
                     : std::string())
             << "; the plan says " << chunk;
    if (!p.qkElem.isBF16() || !p.vElem.isBF16())
      return op.emitOpError()
             << "the chunked GPU kernels take bf16 q, k and v (f16 and f32 "
                "inputs run the recurrent form: form = #attn.form<recurrent>)";
    if (p.k % 16 || p.v % 16 || p.k > 128 || p.v > 512)
      return op.emitOpError()
             << "the chunked GPU kernels need K and V multiples of 16, K <= "
                "128 (the state lives in registers) and V <= 512; got K = "
             << p.k << ", V = " << p.v;
  }
  p.hasInit = static_cast<bool>(op.getInitialState());
  p.hasFinal = static_cast<bool>(op.getFinalState());

  MLIRContext *ctx = op.getContext();
  Builder b(ctx);
  std::string k = std::to_string(p.k), v = std::to_string(p.v);
  const char *qkHeads = "H";
  const char *vHeads = delta ? "HV" : "H";
  SmallVector<Attribute> inputs = {
      tensorEntry(ctx, "q", p.qkElem, {"B", "T", qkHeads, k}),
      tensorEntry(ctx, "k", p.qkElem, {"B", "T", qkHeads, k}),
      tensorEntry(ctx, "v", p.vElem, {"B", "T", vHeads, v})};
  if constexpr (std::is_same_v<OpT, DeltaOp>) {
    p.l2norm = op.getUseQkL2norm();
    p.betaElem =
        cast<RankedTensorType>(op.getBeta().getType()).getElementType();
    if (!isFloat(p.betaElem))
      return op.emitOpError() << "GPU kernels take beta as bf16, f16 or f32";
    inputs.push_back(tensorEntry(ctx, "beta", p.betaElem, {"B", "T", "HV"}));
  } else {
    if (std::optional<ArrayRef<double>> d = op.getDecay())
      p.decay.assign(d->begin(), d->end());
  }
  if (p.gate == Gate::Scalar)
    inputs.push_back(tensorEntry(ctx, "g", p.gateElem, {"B", "T", vHeads}));
  if (p.gate == Gate::Vector)
    inputs.push_back(tensorEntry(ctx, "g", p.gateElem, {"B", "T", vHeads, k}));
  if (p.hasInit)
    inputs.push_back(
        tensorEntry(ctx, "s0", b.getF32Type(), {"B", vHeads, k, v}));
  SmallVector<Attribute> outputs = {
      tensorEntry(ctx, "o", p.oElem, {"B", "T", vHeads, v})};
  if (p.hasFinal)
    outputs.push_back(
        tensorEntry(ctx, "final_state", b.getF32Type(), {"B", vHeads, k, v}));

  SmallVector<Attribute> launches, workspaces, tensormaps;
  if (chunked) {
    ChunkedKernels kernels =
        buildChunked(site.module, site.prefix, p, site.tensorMaps, op.getLoc());
    launches = kernels.launches;
    workspaces = kernels.workspaces;
    tensormaps = kernels.tensormaps;
  } else {
    std::string name = site.prefix + (delta ? "_delta_step" : "_linear_step");
    gpu::GPUFuncOp fn = tile_programs::buildRecurrentProgram(
        site.module, name, p, op.getLoc());
    NamedAttrList launch;
    launch.append("kernel", b.getStringAttr(name));
    launch.append("grid",
                  stringArray(ctx, {std::to_string(
                                        p.v / tile_programs::recurrentSliceCols(p.v)),
                                    "HV", "B"}));
    launch.append("block", b.getI64ArrayAttr(
                               {32 * tile_programs::kRecurrentWarps, 1, 1}));
    launch.append("smem", b.getI64IntegerAttr(atile::sharedBytes(fn)));
    launch.append("args", stringArray(ctx, SmallVector<std::string>(
                                               std::begin(kRecArgNames),
                                               std::end(kRecArgNames))));
    launches.push_back(launch.getDictionary(ctx));
  }

  NamedAttrList sizes;
  sizes.append("B", stringArray(ctx, {"q", "0"}));
  sizes.append("T", stringArray(ctx, {"q", "1"}));
  sizes.append("H", stringArray(ctx, {"q", "2"}));
  if (delta)
    sizes.append("HV", stringArray(ctx, {"v", "2"}));
  NamedAttrList values;
  if (!delta)
    values.append("HV", b.getStringAttr("H"));
  NamedAttrList entry;
  entry.append("op", b.getStringAttr(op->getName().getStringRef()));
  entry.append("inputs", b.getArrayAttr(inputs));
  entry.append("outputs", b.getArrayAttr(outputs));
  entry.append("sizes", sizes.getDictionary(ctx));
  if (!values.empty())
    entry.append("values", values.getDictionary(ctx));
  if (!workspaces.empty())
    entry.append("workspaces", b.getArrayAttr(workspaces));
  if (!tensormaps.empty())
    entry.append("tensormaps", b.getArrayAttr(tensormaps));
  entry.append("launches", b.getArrayAttr(launches));
  return entry.getDictionary(ctx);
}

FailureOr<DictionaryAttr> gpu_kernels::buildDelta(DeltaOp op,
                                                  const KernelSite &site) {
  return buildRecurrent(op, /*delta=*/true, site);
}

FailureOr<DictionaryAttr> gpu_kernels::buildLinear(LinearOp op,
                                                   const KernelSite &site) {
  return buildRecurrent(op, /*delta=*/false, site);
}
