//===- LinearToCPU.cpp - attn.linear as a chunked loop nest ---------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Lowers attn.linear (plain linear attention, scalar decay / RetNet /
// Lightning, GLA) to the algorithm its `form` names, per (batch, head) with
// a K x V f32 state S:
//
// - chunked (#attn.chunk<size = C>): per chunk of n = min(C, T - t0) rows,
//   with b = the chunk-local f32 cumsum of the log decay (b_r = g (r + 1)
//   for a constant `decay`),
//     O = (Q * exp(b)) S + Mask_incl(sum_d q_rd k_id exp(b_rd - b_id)) V
//     S <- diag(exp(b_last)) S + (K * exp(b_last - b))^T V.
//   Without `sub_chunk` (or with a gate that is not per channel) the
//   pairwise decays are formed directly for every (r, i <= r) pair. With
//   `sub_chunk = s` and a GLA gate, the q-k block is built as in FLA's
//   chunk_gla (secondary chunking): pairs inside one sub-chunk of s rows
//   directly, pairs across sub-chunks as plain dot products
//     (q_r * exp(b_r - b_ref)) . (k_i * exp(b_ref - b_i)),
//   ref = the last row before r's sub-chunk; O(C K (s + C / s))
//   exponentials instead of O(C^2 K). Either way every exponent is <= 0
//   (see decayedScores).
// - recurrent: per token S = a_t S + k v^T, o = S^T (scale q).
//
// `scale` is applied to q. State and every accumulation are f32; o is
// narrowed to its element type on store. A `precision` plan is not applied
// here: every CPU contraction runs in f32.
//
//===----------------------------------------------------------------------===//

#include "ChunkMath.h"
#include "Lowering.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::cpu;

namespace {
/// The operands and sizes of one attn.linear kernel.
struct LinearKernel {
  KernelBuilder &kb;
  int64_t headDim, valueDim;
  double scale;
  LogGate gate;
  Value q, k, v, init, o, final;
  Value batch, seq, heads;

  /// Runs `body(b, h)` for every batch and head.
  void forEachHead(llvm::function_ref<void(Value, Value)> body) {
    Value zero = kb.idx(0);
    kb.forLoop(zero, batch, [&](Value b) {
      kb.forLoop(zero, heads, [&](Value h) { body(b, h); });
    });
  }

  void buildChunked(int64_t chunk, int64_t subChunk);
  void buildRecurrent();
};
} // namespace

void LinearKernel::buildChunked(int64_t c, int64_t subChunk) {
  Type f32 = kb.builder().getF32Type();
  const int64_t kd = headDim, vd = valueDim;
  Value state = kb.stackBuffer({kd, vd}, f32);
  Value qs = kb.stackBuffer({c, kd}, f32);
  Value ks = kb.stackBuffer({c, kd}, f32);
  Value vs = kb.stackBuffer({c, vd}, f32);
  Value cum = gate.decays() ? kb.stackBuffer({c, gate.width(kd)},
                                             kb.builder().getF64Type())
                            : Value();
  Value scores = kb.stackBuffer({c, c}, f32);
  Value acc = kb.stackBuffer({vd}, f32);
  // The rebased rows of the q-k block across sub-chunks (GLA only).
  SubChunks subChunks =
      SubChunks::create(kb, gate, c, subChunk, kd, /*numBlocks=*/1);
  Value zero = kb.idx(0);

  forEachHead([&](Value b, Value h) {
    loadState(kb, init, b, h, state);
    kb.forLoop(zero, seq, kb.idx(c), [&](Value t0) {
      // The tail chunk is shorter when C does not divide T.
      Value n = kb.min(kb.idx(c), kb.sub(seq, t0));
      loadRows(kb, q, b, t0, n, h, qs, /*l2norm=*/false, scale);
      loadRows(kb, k, b, t0, n, h, ks);
      loadRows(kb, v, b, t0, n, h, vs);
      if (gate.decays())
        gate.scan(kb, cum, b, t0, n, h);
      decayedScores(kb, gate, cum, ks, n, {{qs, scores, /*inclusive=*/true}},
                    subChunks);
      chunkOutput(kb, gate, cum, qs, state, scores, vs, n, o, b, t0, h, acc);
      chunkStateUpdate(kb, gate, cum, ks, vs, n, state);
    });
    storeState(kb, state, final, b, h);
  });
}

void LinearKernel::buildRecurrent() {
  Type f32 = kb.builder().getF32Type();
  const int64_t kd = headDim, vd = valueDim;
  Value state = kb.stackBuffer({kd, vd}, f32);
  Value qs = kb.stackBuffer({1, kd}, f32);
  Value acc = kb.stackBuffer({vd}, f32);
  Value zero = kb.idx(0), one = kb.idx(1);

  forEachHead([&](Value b, Value h) {
    loadState(kb, init, b, h, state);
    kb.forLoop(zero, seq, [&](Value t) {
      loadRows(kb, q, b, t, one, h, qs, /*l2norm=*/false, scale);
      decayState(kb, gate, b, t, h, state);
      // S += k v^T
      kb.forLoop(zero, kb.idx(kd), [&](Value d) {
        Value kv = kb.load(k, {b, t, h, d});
        kb.forLoop(zero, kb.idx(vd), [&](Value e) {
          kb.store(kb.add(kb.load(state, {d, e}),
                          kb.mul(kv, kb.load(v, {b, t, h, e}))),
                   state, {d, e});
        });
      });
      readOut(kb, state, qs, o, b, t, h, acc);
    });
    storeState(kb, state, final, b, h);
  });
}

FailureOr<SmallVector<Value>> cpu::lowerLinear(KernelBuilder &kb, LinearOp op) {
  std::optional<Form> form = op.getForm();
  ChunkAttr chunk = op.getChunkAttr();
  if (failed(requireForm(op, form, chunk)))
    return failure();
  FailureOr<int64_t> headDim = staticDim(op, op.getQ(), 3, "key head dim K");
  FailureOr<int64_t> valueDim = staticDim(op, op.getV(), 3, "value head dim V");
  if (failed(headDim) || failed(valueDim))
    return failure();

  LinearKernel kernel{kb, *headDim, *valueDim,
                      scaleOrDefault(op.getScaleAttr(), *headDim)};
  kernel.q = toBuffer(kb, op.getQ());
  kernel.k = toBuffer(kb, op.getK());
  kernel.v = toBuffer(kb, op.getV());
  if (Value g = op.getGate())
    kernel.gate = LogGate::fromBuffer(toBuffer(kb, g));
  else if (std::optional<ArrayRef<double>> decay = op.getDecay())
    kernel.gate = LogGate::fromConstant(*decay);
  if (Value s = op.getInitialState())
    kernel.init = toBuffer(kb, s);
  kernel.batch = kb.dim(kernel.q, 0);
  kernel.seq = kb.dim(kernel.q, 1);
  kernel.heads = kb.dim(kernel.q, 2);

  auto oType = cast<RankedTensorType>(op.getO().getType());
  Value kIdx = kb.idx(*headDim), vIdx = kb.idx(*valueDim);
  kernel.o =
      allocResult(kb, oType, {kernel.batch, kernel.seq, kernel.heads, vIdx});
  RankedTensorType sType;
  if (Value s = op.getFinalState()) {
    sType = cast<RankedTensorType>(s.getType());
    kernel.final =
        allocResult(kb, sType, {kernel.batch, kernel.heads, kIdx, vIdx});
  }

  {
    if (*form == Form::chunked)
      kernel.buildChunked(chunk.getSize(), chunk.getSubChunk());
    else
      kernel.buildRecurrent();
  }

  SmallVector<Value> results{toTensor(kb, kernel.o, oType)};
  if (kernel.final)
    results.push_back(toTensor(kb, kernel.final, sType));
  return results;
}
