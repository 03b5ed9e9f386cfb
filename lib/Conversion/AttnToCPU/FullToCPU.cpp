//===- FullToCPU.cpp - attn.full as a tiled online-softmax loop nest ------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Lowers attn.full to FlashAttention's algorithm on the CPU: for every
// (batch, head, q-tile) the keys are visited in kv-tiles of the op's
// #attn.tile; a q-tile x kv-tile block of scores is formed at a time, and
// the running row max m, row sum l and output accumulator are rescaled by
// exp(m_old - m_new) as the max grows. Tiles that lie entirely outside the
// causal / sliding-window band are never visited. The T x S score matrix is
// never formed.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::cpu;
using arith::CmpFPredicate;
using arith::CmpIPredicate;

FailureOr<SmallVector<Value>> cpu::lowerFull(KernelBuilder &kb, FullOp op) {
  TileAttr tile = op.getTileAttr();
  if (failed(requireTile(op, tile)))
    return failure();
  FailureOr<int64_t> headDim = staticDim(op, op.getQ(), 3, "head dim D");
  FailureOr<int64_t> valueDim = staticDim(op, op.getV(), 3, "value dim Dv");
  if (failed(headDim) || failed(valueDim))
    return failure();
  const int64_t bq = tile.getQ(), bkv = tile.getKv(), dv = *valueDim;
  const double scale = scaleOrDefault(op.getScaleAttr(), *headDim);
  const bool causal = op.getCausal();
  std::optional<double> softcap;
  if (FloatAttr c = op.getSoftcapAttr())
    softcap = c.getValueAsDouble();
  std::optional<int64_t> window;
  if (std::optional<uint64_t> w = op.getWindow())
    window = static_cast<int64_t>(*w);

  Value q = toBuffer(kb, op.getQ());
  Value k = toBuffer(kb, op.getK());
  Value v = toBuffer(kb, op.getV());
  // Under a precision plan the loop nest reads dequantised copies.
  FailureOr<SoftmaxOperands> planned =
      emulateSoftmaxPrecision(kb, op, q, k, v, *headDim);
  if (failed(planned))
    return failure();
  q = planned->q;
  k = planned->k;
  v = planned->v;
  auto roundP = [&](Value p) { return roundProbability(kb, p, planned->p); };
  llvm::function_ref<Value(Value)> pvWeight = nullptr;
  if (planned->p)
    pvWeight = roundP;
  Value batch = kb.dim(q, 0), seqQ = kb.dim(q, 1), heads = kb.dim(q, 2);
  Value seqK = kb.dim(k, 1), kvHeads = kb.dim(k, 2);
  Value zero = kb.idx(0), one = kb.idx(1);
  Value dIdx = kb.idx(*headDim), dvIdx = kb.idx(dv);
  Value group = arith::DivSIOp::create(kb.builder(), heads, kvHeads);
  // Query t sits at key position t + S - T.
  Value offset = kb.sub(seqK, seqQ);

  auto oType = cast<RankedTensorType>(op.getO().getType());
  Value o = allocResult(kb, oType, {batch, seqQ, heads, dvIdx});
  Value lse;
  if (Value l = op.getLse())
    lse = allocResult(kb, cast<RankedTensorType>(l.getType()),
                      {batch, seqQ, heads});

  Type f32 = kb.builder().getF32Type();
  {
    Value scores = kb.stackBuffer({bq, bkv}, f32);
    Value rowMax = kb.stackBuffer({bq}, f32);
    Value rowSum = kb.stackBuffer({bq}, f32);
    Value acc = kb.stackBuffer({bq, dv}, f32);
    Value scaleV = kb.f32(scale), negInf = kb.negInf(), zeroF = kb.f32(0.0);

    kb.forLoop(zero, batch, [&](Value b) {
      kb.forLoop(zero, heads, [&](Value h) {
        Value hk = arith::DivSIOp::create(kb.builder(), h, group);
        kb.forLoop(zero, seqQ, kb.idx(bq), [&](Value qt) {
          Value nq = kb.min(kb.idx(bq), kb.sub(seqQ, qt));
          kb.fill(rowMax, negInf);
          kb.fill(rowSum, zeroF);
          kb.fill(acc, zeroF);
          // The band of keys any query of this tile may see.
          Value kvHi = seqK;
          if (causal)
            kvHi = kb.min(seqK, kb.add(kb.add(qt, nq), offset));
          Value kvLo = zero;
          if (window)
            kvLo = kb.max(
                zero, kb.add(kb.sub(kb.add(qt, offset), kb.idx(*window)), one));
          kb.forLoop(kvLo, kvHi, kb.idx(bkv), [&](Value kt) {
            Value nk = kb.min(kb.idx(bkv), kb.sub(kvHi, kt));
            kb.forLoop(zero, nq, [&](Value i) {
              Value row = kb.add(qt, i);
              Value pos = kb.add(row, offset);
              // Scores of this row against the kv-tile, and their max.
              Value mNew =
                  kb.forLoop(zero, nk, one, ValueRange{kb.load(rowMax, {i})},
                             [&](Value j, ValueRange m) -> SmallVector<Value> {
                               Value key = kb.add(kt, j);
                               Value s = kb.sum(zero, dIdx, [&](Value d) {
                                 return kb.mul(kb.load(q, {b, row, h, d}),
                                               kb.load(k, {b, key, hk, d}));
                               });
                               s = kb.mul(s, scaleV);
                               if (softcap) {
                                 Value cap = kb.f32(*softcap);
                                 s = kb.mul(cap, kb.tanh(kb.div(s, cap)));
                               }
                               Value masked = nullptr;
                               if (causal)
                                 masked = kb.cmp(CmpIPredicate::sgt, key, pos);
                               if (window) {
                                 // pos - key >= window, written so a huge
                                 // window cannot overflow (key + window).
                                 Value old =
                                     kb.cmp(CmpIPredicate::sge,
                                            kb.sub(pos, key), kb.idx(*window));
                                 masked = masked ? kb.orI(masked, old) : old;
                               }
                               if (masked)
                                 s = kb.select(masked, negInf, s);
                               kb.store(s, scores, {i, j});
                               return {kb.max(m[0], s)};
                             })
                      .front();
              Value lNew = kb.onlineSoftmaxUpdate(
                  nk, dvIdx, kb.load(rowMax, {i}), mNew, kb.load(rowSum, {i}),
                  {[&](Value j) {
                     return kb.load(scores, {i, j});
                   },
                   [&](Value j, Value p) {
                     kb.store(p, scores, {i, j});
                   },
                   [&](Value d) {
                     return kb.load(acc, {i, d});
                   },
                   [&](Value d, Value x) {
                     kb.store(x, acc, {i, d});
                   },
                   [&](Value j, Value d) {
                     return kb.load(v, {b, kb.add(kt, j), hk, d});
                   },
                   pvWeight});
              kb.store(lNew, rowSum, {i});
              kb.store(mNew, rowMax, {i});
            });
          });
          // o = acc / l; lse = m + log(l). A row with no visible key (only
          // possible without causal when S = 0) gets 0 and -inf.
          kb.forLoop(zero, nq, [&](Value i) {
            Value row = kb.add(qt, i);
            Value l = kb.load(rowSum, {i});
            Value live = kb.cmpf(CmpFPredicate::OGT, l, zeroF);
            Value inv = kb.select(live, kb.div(kb.f32(1.0), l), zeroF);
            kb.forLoop(zero, dvIdx, [&](Value d) {
              kb.store(kb.mul(kb.load(acc, {i, d}), inv), o, {b, row, h, d});
            });
            if (lse) {
              Value logL = kb.log(kb.select(live, l, kb.f32(1.0)));
              Value val =
                  kb.select(live, kb.add(kb.load(rowMax, {i}), logL), negInf);
              kb.store(val, lse, {b, row, h});
            }
          });
        });
      });
    });
  }

  SmallVector<Value> results{toTensor(kb, o, oType)};
  if (lse)
    results.push_back(
        toTensor(kb, lse, cast<RankedTensorType>(op.getLse().getType())));
  return results;
}
