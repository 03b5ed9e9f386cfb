//===- DeltaToCPU.cpp - attn.delta as a chunked WY/UT loop nest -----------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Lowers attn.delta (DeltaNet, Gated DeltaNet, KDA) to the algorithm its
// `form` names, per (batch, value head hv) with query/key head
// h = hv / (HV / H) and a K x V f32 state S:
//
// - chunked (#attn.chunk<size = C>): per chunk of n = min(C, T - t0) rows,
//   with b = the chunk-local f32 cumsum of the log gate,
//     A[r][i] = beta_r sum_d k_rd k_id exp(b_rd - b_id)            (i < r)
//     (I + A) U  = diag(beta) V,  (I + A) Wk = diag(beta) (K * exp(b))
//   solved row by row by forward substitution (no inverse is formed), then
//     W = U - Wk S
//     O = (Q * exp(b)) S + Mask_incl(sum_d q_rd k_id exp(b_rd - b_id)) W
//     S <- diag(exp(b_last)) S + (K * exp(b_last - b))^T W.
//   Without `sub_chunk` (or with a gate that is not per channel) the
//   pairwise decays are formed directly for every (r, i <= r) pair. With
//   `sub_chunk = s` and a KDA gate, A and the q-k block are built as in
//   FLA's chunk_kda: pairs inside one sub-chunk of s rows directly, pairs
//   across sub-chunks as plain dot products of rebased rows,
//     (x_r * exp(b_r - b_ref)) . (k_i * exp(b_ref - b_i)),
//   ref = the last row before r's sub-chunk (x = k for A, q for the q-k
//   block); O(C K (s + C / s)) exponentials instead of O(C^2 K). Either way
//   every exponent is <= 0 whatever the gate (see decayedScores).
// - recurrent: per token S' = a_t S, u = beta (v - S'^T k), S = S' + k u^T,
//   o = S^T (scale q).
//
// q and k are L2-normalised in the kernel when `use_qk_l2norm` is set, and
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
/// The operands and sizes of one attn.delta kernel.
struct DeltaKernel {
  KernelBuilder &kb;
  int64_t headDim, valueDim;
  double scale;
  bool l2norm;
  LogGate gate;
  Value q, k, v, beta, init, o, final;
  Value batch, seq, valueHeads, group;

  /// Runs `body(b, hv, h)` for every batch and value head.
  void forEachHead(llvm::function_ref<void(Value, Value, Value)> body) {
    Value zero = kb.idx(0);
    kb.forLoop(zero, batch, [&](Value b) {
      kb.forLoop(zero, valueHeads, [&](Value hv) {
        body(b, hv, arith::DivSIOp::create(kb.builder(), hv, group));
      });
    });
  }

  void buildChunked(int64_t chunk, int64_t subChunk);
  void buildRecurrent();
};
} // namespace

void DeltaKernel::buildChunked(int64_t c, int64_t subChunk) {
  Type f32 = kb.builder().getF32Type();
  const int64_t kd = headDim, vd = valueDim;
  Value state = kb.stackBuffer({kd, vd}, f32);
  Value qs = kb.stackBuffer({c, kd}, f32);
  Value ks = kb.stackBuffer({c, kd}, f32);
  Value betas = kb.stackBuffer({c}, f32);
  Value cum = gate.decays() ? kb.stackBuffer({c, gate.width(kd)},
                                             kb.builder().getF64Type())
                            : Value();
  Value akk = kb.stackBuffer({c, c}, f32);
  Value aqk = kb.stackBuffer({c, c}, f32);
  Value u = kb.stackBuffer({c, vd}, f32);
  Value wk = kb.stackBuffer({c, kd}, f32);
  Value acc = kb.stackBuffer({vd}, f32);
  // The rebased rows of A and the q-k block across sub-chunks (KDA only).
  SubChunks subChunks =
      SubChunks::create(kb, gate, c, subChunk, kd, /*numBlocks=*/2);
  Value zero = kb.idx(0);
  Value kIdx = kb.idx(kd), vIdx = kb.idx(vd);

  forEachHead([&](Value b, Value hv, Value h) {
    loadState(kb, init, b, hv, state);
    kb.forLoop(zero, seq, kb.idx(c), [&](Value t0) {
      // The tail chunk is shorter when C does not divide T.
      Value n = kb.min(kb.idx(c), kb.sub(seq, t0));
      loadRows(kb, q, b, t0, n, h, qs, l2norm, scale);
      loadRows(kb, k, b, t0, n, h, ks, l2norm);
      kb.forLoop(zero, n, [&](Value r) {
        kb.store(kb.load(beta, {b, kb.add(t0, r), hv}), betas, {r});
      });
      if (gate.decays())
        gate.scan(kb, cum, b, t0, n, hv);
      // A = StrictTril(diag(beta) (K K^T decayed)) and the causal decayed
      // Q K^T, sharing one pairwise decay per (r, i, d).
      decayedScores(kb, gate, cum, ks, n,
                    {{ks, akk, /*inclusive=*/false, betas},
                     {qs, aqk, /*inclusive=*/true}},
                    subChunks);

      // Forward substitution, row r after rows 0..r-1:
      //   U_r  = beta_r v_r               - sum_{i<r} A[r][i] U_i
      //   Wk_r = beta_r k_r exp(b_r)      - sum_{i<r} A[r][i] Wk_i
      kb.forLoop(zero, n, [&](Value r) {
        Value br = kb.load(betas, {r});
        Value t = kb.add(t0, r);
        kb.forLoop(zero, vIdx, [&](Value e) {
          kb.store(kb.mul(br, kb.load(v, {b, t, hv, e})), u, {r, e});
        });
        Value rowDecay;
        if (gate.kind() == LogGate::Kind::scalar)
          rowDecay = kb.exp(gate.cumAt(kb, cum, r, zero));
        kb.forLoop(zero, kIdx, [&](Value d) {
          Value kr = kb.mul(br, kb.load(ks, {r, d}));
          if (gate.perChannel())
            kr = kb.mul(kr, kb.exp(gate.cumAt(kb, cum, r, d)));
          else if (rowDecay)
            kr = kb.mul(kr, rowDecay);
          kb.store(kr, wk, {r, d});
        });
        kb.forLoop(zero, r, [&](Value i) {
          Value a = kb.load(akk, {r, i});
          kb.forLoop(zero, vIdx, [&](Value e) {
            kb.store(kb.sub(kb.load(u, {r, e}), kb.mul(a, kb.load(u, {i, e}))),
                     u, {r, e});
          });
          kb.forLoop(zero, kIdx, [&](Value d) {
            kb.store(
                kb.sub(kb.load(wk, {r, d}), kb.mul(a, kb.load(wk, {i, d}))), wk,
                {r, d});
          });
        });
      });

      // W = U - Wk S (in place in U): the chunk's pseudo-values against the
      // entering state.
      kb.forLoop(zero, n, [&](Value r) {
        kb.forLoop(zero, kIdx, [&](Value d) {
          Value w = kb.load(wk, {r, d});
          kb.forLoop(zero, vIdx, [&](Value e) {
            kb.store(
                kb.sub(kb.load(u, {r, e}), kb.mul(w, kb.load(state, {d, e}))),
                u, {r, e});
          });
        });
      });

      chunkOutput(kb, gate, cum, qs, state, aqk, u, n, o, b, t0, hv, acc);
      chunkStateUpdate(kb, gate, cum, ks, u, n, state);
    });
    storeState(kb, state, final, b, hv);
  });
}

void DeltaKernel::buildRecurrent() {
  Type f32 = kb.builder().getF32Type();
  const int64_t kd = headDim, vd = valueDim;
  Value state = kb.stackBuffer({kd, vd}, f32);
  Value qs = kb.stackBuffer({1, kd}, f32);
  Value ks = kb.stackBuffer({1, kd}, f32);
  Value u = kb.stackBuffer({vd}, f32);
  Value acc = kb.stackBuffer({vd}, f32);
  Value zero = kb.idx(0), one = kb.idx(1);
  Value kIdx = kb.idx(kd), vIdx = kb.idx(vd);

  forEachHead([&](Value b, Value hv, Value h) {
    loadState(kb, init, b, hv, state);
    kb.forLoop(zero, seq, [&](Value t) {
      loadRows(kb, q, b, t, one, h, qs, l2norm, scale);
      loadRows(kb, k, b, t, one, h, ks, l2norm);
      decayState(kb, gate, b, t, hv, state);
      // The residual v - S'^T k (beta is applied with k below).
      kb.forLoop(zero, vIdx, [&](Value e) {
        kb.store(kb.load(v, {b, t, hv, e}), u, {e});
      });
      kb.forLoop(zero, kIdx, [&](Value d) {
        Value kv = kb.load(ks, {zero, d});
        kb.forLoop(zero, vIdx, [&](Value e) {
          kb.store(kb.sub(kb.load(u, {e}), kb.mul(kv, kb.load(state, {d, e}))),
                   u, {e});
        });
      });
      Value bt = kb.load(beta, {b, t, hv});
      // S = S' + k u^T with u = beta (v - S'^T k).
      kb.forLoop(zero, kIdx, [&](Value d) {
        Value kBeta = kb.mul(bt, kb.load(ks, {zero, d}));
        kb.forLoop(zero, vIdx, [&](Value e) {
          kb.store(
              kb.add(kb.load(state, {d, e}), kb.mul(kBeta, kb.load(u, {e}))),
              state, {d, e});
        });
      });
      readOut(kb, state, qs, o, b, t, hv, acc);
    });
    storeState(kb, state, final, b, hv);
  });
}

FailureOr<SmallVector<Value>> cpu::lowerDelta(KernelBuilder &kb, DeltaOp op) {
  std::optional<Form> form = op.getForm();
  ChunkAttr chunk = op.getChunkAttr();
  if (failed(requireForm(op, form, chunk)))
    return failure();
  FailureOr<int64_t> headDim = staticDim(op, op.getQ(), 3, "key head dim K");
  FailureOr<int64_t> valueDim = staticDim(op, op.getV(), 3, "value head dim V");
  if (failed(headDim) || failed(valueDim))
    return failure();

  DeltaKernel kernel{kb, *headDim, *valueDim,
                     scaleOrDefault(op.getScaleAttr(), *headDim),
                     op.getUseQkL2norm()};
  kernel.q = toBuffer(kb, op.getQ());
  kernel.k = toBuffer(kb, op.getK());
  kernel.v = toBuffer(kb, op.getV());
  kernel.beta = toBuffer(kb, op.getBeta());
  if (Value g = op.getGate())
    kernel.gate = LogGate::fromBuffer(toBuffer(kb, g));
  if (Value s = op.getInitialState())
    kernel.init = toBuffer(kb, s);
  kernel.batch = kb.dim(kernel.q, 0);
  kernel.seq = kb.dim(kernel.q, 1);
  kernel.valueHeads = kb.dim(kernel.v, 2);
  kernel.group = arith::DivSIOp::create(kb.builder(), kernel.valueHeads,
                                        kb.dim(kernel.q, 2));

  auto oType = cast<RankedTensorType>(op.getO().getType());
  Value kIdx = kb.idx(*headDim), vIdx = kb.idx(*valueDim);
  kernel.o = allocResult(kb, oType,
                         {kernel.batch, kernel.seq, kernel.valueHeads, vIdx});
  RankedTensorType sType;
  if (Value s = op.getFinalState()) {
    sType = cast<RankedTensorType>(s.getType());
    kernel.final =
        allocResult(kb, sType, {kernel.batch, kernel.valueHeads, kIdx, vIdx});
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
