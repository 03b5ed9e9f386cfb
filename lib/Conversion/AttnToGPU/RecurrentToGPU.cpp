//===- RecurrentToGPU.cpp - recurrent attn.linear / attn.delta kernels ----===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The recurrent form of the linear and delta-rule ops: the decode step (and
// small T), bandwidth-bound on the f32 state. One CTA per (value head,
// batch), one thread per state column v holding S[:, v] (K values) in
// registers, so every reduction over K is thread-local: per step the block
// stages q_t, k_t (and a per-channel gate) in shared memory, and each thread
//
//   S[:, v] *= a_t                        (exp of the gate: scalar or per K)
//   delta:  u = S[:, v] . k_t;  S[:, v] += k_t * beta_t (v_t[v] - u)
//   linear: S[:, v] += k_t * v_t[v]
//   o_t[v] = scale * S[:, v] . q_t        (q, k L2-normalised if asked)
//
// The state is read once (initial_state or zeros) and written once
// (final_state): coalesced rows of V floats.
//
//===----------------------------------------------------------------------===//

#include "GpuBuilder.h"
#include "Kernels.h"
#include "LinearDelta.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include <cmath>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::gpu_kernels;

namespace {
struct RecurrentPlan : LinearDeltaPlan {
  int64_t threads() const { return (v + 31) / 32 * 32; }
  int64_t smemBytes() const { return 4 * 3 * k; }
};
enum RecArg {
  rQ,
  rK,
  rV,
  rBeta,
  rGate,
  rInit,
  rO,
  rFinal,
  rB,
  rT,
  rH,
  rHV,
  kNumRecArgs
};
constexpr const char *kRecArgNames[] = {
    "q", "k", "v", "beta", "g", "s0", "o", "final_state", "B", "T", "H", "HV"};
constexpr double kLog2e = 1.4426950408889634;
} // namespace

static void buildRecurrentKernel(gpu::GPUModuleOp module, StringRef name,
                                 const RecurrentPlan &p, Location loc) {
  ImplicitLocOpBuilder b(loc, module.getContext());
  GpuBuilder g(b);
  Type f32T = g.f32(), i8T = b.getI8Type();
  gpu::GPUFuncOp fn =
      createKernel(b, module, name, rB, kNumRecArgs - rB, p.threads());
  auto arg = [&](int i) -> Value { return fn.getArgument(i); };
  auto loadF32 = [&](Type elem, Value ptr, Value off) -> Value {
    Value x = g.loadGlobal(elem, g.gep(ptr, elem, off));
    return elem.isF32() ? x : arith::ExtFOp::create(b, f32T, x).getResult();
  };

  Value tid = g.threadId();
  Value hv = g.toI64(g.blockId(gpu::Dimension::x));
  Value bIdx = g.toI64(g.blockId(gpu::Dimension::y));
  Value seqT = arg(rT), heads = arg(rH), vHeads = arg(rHV);
  Value h = g.divs(hv, g.divs(vHeads, heads)); // GVA: q/k head of hv
  Value col = g.toI64(tid);
  Value active = g.slt(col, g.c64(p.v));
  Value colSafe = g.select(active, col, g.c64(0));
  Value zeroF = g.f(0.0);

  Value smem = g.sharedBase(module);
  Value sq = smem;
  Value sk = g.gep(smem, i8T, g.c32(4 * p.k));
  Value sg = g.gep(smem, i8T, g.c32(8 * p.k));

  // S[:, v] from the initial state (rows of V floats: coalesced).
  Value stateBase = g.mul(g.add(g.mul(bIdx, vHeads), hv), g.c64(p.k * p.v));
  SmallVector<Value> state;
  for (int64_t i = 0; i < p.k; ++i) {
    if (!p.hasInit) {
      state.push_back(zeroF);
      continue;
    }
    Value off = g.add(stateBase, g.add(g.c64(i * p.v), colSafe));
    state.push_back(g.loadGlobal(f32T, g.gep(arg(rInit), f32T, off)));
  }

  // Constant decay of this head (linear ops with `decay`).
  Value constDecay;
  if (!p.decay.empty()) {
    constDecay = g.f(std::exp(p.decay[0]));
    for (size_t i = 1; i < p.decay.size(); ++i)
      constDecay =
          g.select(g.eq(h, g.c64(i)), g.f(std::exp(p.decay[i])), constDecay);
  }

  auto loop = scf::ForOp::create(b, g.c64(0), seqT, g.c64(1), state);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value t = loop.getInductionVar();
    SmallVector<Value> s(loop.getRegionIterArgs().begin(),
                         loop.getRegionIterArgs().end());
    Value bt = g.add(g.mul(bIdx, seqT), t);
    // Stage q_t, k_t (and the per-channel gate) in shared memory.
    Value qkBase = g.mul(g.add(g.mul(bt, heads), h), g.c64(p.k));
    Value gateHeads = p.delta ? vHeads : heads;
    Value gBase = g.mul(g.add(g.mul(bt, gateHeads), hv), g.c64(p.k));
    for (int64_t i0 = 0; i0 < p.k; i0 += p.threads()) {
      Value i = g.add(g.c64(i0), g.toI64(tid));
      auto ifOp =
          scf::IfOp::create(b, TypeRange{}, g.slt(i, g.c64(p.k)), false);
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      g.storeGlobal(loadF32(p.qkElem, arg(rQ), g.add(qkBase, i)),
                    g.gep(sq, f32T, i));
      g.storeGlobal(loadF32(p.qkElem, arg(rK), g.add(qkBase, i)),
                    g.gep(sk, f32T, i));
      if (p.gate == Gate::Vector)
        g.storeGlobal(loadF32(p.gateElem, arg(rGate), g.add(gBase, i)),
                      g.gep(sg, f32T, i));
    }
    g.barrier();

    // q_t and k_t are read from shared memory at each use (keeping them in
    // registers next to the K state values would spill).
    auto qAt = [&](int64_t i) {
      return g.loadGlobal(f32T, g.gep(sq, f32T, g.c32(i)));
    };
    auto kAt = [&](int64_t i) {
      return g.loadGlobal(f32T, g.gep(sk, f32T, g.c32(i)));
    };
    Value qScale = g.f(p.scale), kScale = g.f(1.0);
    if (p.l2norm) {
      auto invNorm = [&](llvm::function_ref<Value(int64_t)> at) {
        Value ss = zeroF;
        for (int64_t i = 0; i < p.k; ++i) {
          Value e = at(i);
          ss = g.fadd(ss, g.fmul(e, e));
        }
        // rsqrt.approx.f32: relative error below 2^-22.
        return LLVM::CallIntrinsicOp::create(
                   b, f32T, b.getStringAttr("llvm.nvvm.rsqrt.approx.f"),
                   ValueRange{g.fadd(ss, g.f(1e-6))})
            .getResult(0);
      };
      qScale = g.fmul(qScale, invNorm(qAt));
      kScale = invNorm(kAt);
      g.barrier(); // as below: the norms' loads are not reused
    }

    // Decay: a scalar (gate or constant) or one factor per key channel.
    Value aScalar = constDecay;
    if (p.gate == Gate::Scalar)
      aScalar = g.exp2(g.fmul(
          loadF32(p.gateElem, arg(rGate), g.add(g.mul(bt, gateHeads), hv)),
          g.f(kLog2e)));
    for (int64_t i = 0; i < p.k; ++i) {
      Value a = aScalar;
      if (p.gate == Gate::Vector)
        a = g.exp2(
            g.fmul(g.loadGlobal(f32T, g.gep(sg, f32T, g.c32(i))), g.f(kLog2e)));
      if (a)
        s[i] = g.fmul(s[i], a);
    }

    Value vt = loadF32(
        p.vElem, arg(rV),
        g.add(g.mul(g.add(g.mul(bt, vHeads), hv), g.c64(p.v)), colSafe));
    Value add = vt;
    if (p.delta) {
      Value u = zeroF;
      for (int64_t i = 0; i < p.k; ++i)
        u = g.fadd(u, g.fmul(s[i], kAt(i)));
      u = g.fmul(u, kScale);
      Value beta =
          loadF32(p.betaElem, arg(rBeta), g.add(g.mul(bt, vHeads), hv));
      add = g.fmul(beta, g.fsub(vt, u));
      // A barrier (uniform: every thread gets here) keeps LLVM from
      // carrying the K loaded values of k_t over to the update below.
      g.barrier();
    }
    add = g.fmul(add, kScale);
    Value o = zeroF;
    for (int64_t i = 0; i < p.k; ++i) {
      s[i] = g.fadd(s[i], g.fmul(kAt(i), add));
      o = g.fadd(o, g.fmul(s[i], qAt(i)));
    }
    o = g.fmul(o, qScale);
    {
      auto ifOp = scf::IfOp::create(b, TypeRange{}, active, false);
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      Value out = p.oElem.isF32()
                      ? o
                      : arith::TruncFOp::create(b, p.oElem, o).getResult();
      g.storeGlobal(
          out,
          g.gep(arg(rO), p.oElem,
                g.add(g.mul(g.add(g.mul(bt, vHeads), hv), g.c64(p.v)), col)));
    }
    g.barrier(); // q_t, k_t consumed before the next step overwrites them
    scf::YieldOp::create(b, s);
  }

  if (p.hasFinal) {
    auto ifOp = scf::IfOp::create(b, TypeRange{}, active, false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    for (int64_t i = 0; i < p.k; ++i) {
      Value off = g.add(stateBase, g.add(g.c64(i * p.v), col));
      g.storeGlobal(loop.getResult(i), g.gep(arg(rFinal), f32T, off));
    }
  }
  gpu::ReturnOp::create(b);
}

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
  RecurrentPlan p;
  p.delta = delta;
  p.k = qType.getDimSize(3);
  p.v = vType.getDimSize(3);
  if (ShapedType::isDynamic(p.k) || ShapedType::isDynamic(p.v))
    return op.emitOpError() << "GPU kernels need static head dims K and V";
  if (p.k > 256 || p.v > 1024)
    return op.emitOpError() << "the recurrent GPU kernel keeps a state column "
                               "per thread: K <= 256 and V <= 1024; got K = "
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

  SmallVector<Attribute> launches, workspaces;
  if (chunked) {
    ChunkedKernels kernels =
        buildChunked(site.module, site.prefix, p, op.getLoc());
    launches = kernels.launches;
    workspaces = kernels.workspaces;
  } else {
    std::string name = site.prefix + (delta ? "_delta_step" : "_linear_step");
    buildRecurrentKernel(site.module, name, p, op.getLoc());
    NamedAttrList launch;
    launch.append("kernel", b.getStringAttr(name));
    launch.append("grid", stringArray(ctx, {"HV", "B", "1"}));
    launch.append("block", b.getI64ArrayAttr({p.threads(), 1, 1}));
    launch.append("smem", b.getI64IntegerAttr(p.smemBytes()));
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
