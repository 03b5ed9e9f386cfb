//===- SparseToCPU.cpp - attn.sparse as an online softmax over a gather ---===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Lowers attn.sparse to FlashAttention's online softmax over the keys each
// query selected, one query row (b, t, h) at a time; query head h reads KV
// head h / (H / Hkv) and that head's index list indices[b, t, h / G, :].
//
// Token selection (DSA): the index list is visited in groups of `tile.kv`
// entries. The valid entries of a group (0 <= e < S, and e <= t + S - T
// with `causal`; -1 and every other out-of-range entry are skipped) are
// first gathered into a key list, so the score and P.V loops never branch
// and never read outside K / V; then the row's running max m, running sum l
// and f32 accumulator are updated once for the gathered keys, rescaled by
// exp(m_old - m_new) exactly as in attn.full.
//
// Block selection (NSA, MoBA: `block_size = Bs`): entry e selects the keys
// [e*Bs, min((e+1)*Bs, S)), clipped per key by `causal`; e < 0 selects
// nothing. Each selected block is walked in tiles of min(tile.kv, Bs)
// consecutive keys, so a tile is one contiguous K / V range (the gather a
// GPU kernel does per block) and the scratch stays bounded whatever Bs is.
//
// A repeated entry counts once per occurrence, as the op specifies. A query
// without any valid key gets a zero output. `tile.q` is not used here: each
// query row has its own selection, so rows are not batched into q-tiles;
// the rows of one KV group run back to back and find the gathered K / V
// rows of their shared index list still in cache.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::cpu;
using arith::CmpFPredicate;
using arith::CmpIPredicate;

namespace {
/// What the online-softmax update of one query row reads and writes.
struct SparseRow {
  Value k, v;        // key / value buffers [B, S, Hkv, D|Dv]
  Value b, hk;       // the row's batch and KV head
  Value qRow;        // the row's query, widened to f32 [D]
  Value scores;      // f32 scratch [tile]: scores, then probabilities
  Value acc;         // f32 [Dv] output accumulator
  Value scale;       // f32 softmax scale
  Value dIdx, dvIdx; // D and Dv as index constants
  Type p;            // what P is rounded to before P V (null: not rounded)
};
} // namespace

/// One online-softmax step of a row over the `n` keys keyAt(0..n-1), all of
/// them valid. Takes the running max `m` and sum `l` of the keys seen so far
/// and returns the updated pair; `row.acc` is rescaled and accumulated in
/// place. This is attn.full's row update with the key positions gathered.
static std::pair<Value, Value> updateRow(KernelBuilder &kb,
                                         const SparseRow &row, Value n,
                                         llvm::function_ref<Value(Value)> keyAt,
                                         Value m, Value l) {
  Value zero = kb.idx(0);
  Value zeroF = kb.f32(0.0);
  // Scores with the key loop innermost: scores[j] += q[d] * k[key_j, d] has
  // no loop-carried dependence, where a dot product per key would be one
  // serial chain of D adds. The gathered K rows of a tile stay in L1.
  kb.forLoop(zero, n, [&](Value j) { kb.store(zeroF, row.scores, {j}); });
  kb.forLoop(zero, row.dIdx, [&](Value d) {
    Value qd = kb.load(row.qRow, {d});
    kb.forLoop(zero, n, [&](Value j) {
      Value prod = kb.mul(qd, kb.load(row.k, {row.b, keyAt(j), row.hk, d}));
      kb.store(kb.add(kb.load(row.scores, {j}), prod), row.scores, {j});
    });
  });
  Value mNew = kb.forLoop(zero, n, kb.idx(1), ValueRange{m},
                          [&](Value j, ValueRange mj) -> SmallVector<Value> {
                            Value s =
                                kb.mul(kb.load(row.scores, {j}), row.scale);
                            kb.store(s, row.scores, {j});
                            return {kb.max(mj[0], s)};
                          })
                   .front();
  auto roundP = [&](Value p) { return roundProbability(kb, p, row.p); };
  llvm::function_ref<Value(Value)> pvWeight = nullptr;
  if (row.p)
    pvWeight = roundP;
  Value lNew = kb.onlineSoftmaxUpdate(
      n, row.dvIdx, m, mNew, l,
      {[&](Value j) { return kb.load(row.scores, {j}); },
       [&](Value j, Value p) { kb.store(p, row.scores, {j}); },
       [&](Value d) { return kb.load(row.acc, {d}); },
       [&](Value d, Value x) { kb.store(x, row.acc, {d}); },
       [&](Value j, Value d) {
         return kb.load(row.v, {row.b, keyAt(j), row.hk, d});
       },
       pvWeight});
  return {mNew, lNew};
}

FailureOr<SmallVector<Value>> cpu::lowerSparse(KernelBuilder &kb, SparseOp op) {
  TileAttr tile = op.getTileAttr();
  if (failed(requireTile(op, tile)))
    return failure();
  FailureOr<int64_t> headDim = staticDim(op, op.getQ(), 3, "head dim D");
  FailureOr<int64_t> valueDim = staticDim(op, op.getV(), 3, "value dim Dv");
  if (failed(headDim) || failed(valueDim))
    return failure();
  const int64_t bkv = tile.getKv(), dv = *valueDim;
  const double scale = scaleOrDefault(op.getScaleAttr(), *headDim);
  const bool causal = op.getCausal();
  std::optional<int64_t> blockSize;
  if (std::optional<uint64_t> bs = op.getBlockSize())
    blockSize = static_cast<int64_t>(*bs);
  // Keys per online-softmax step: tile.kv gathered entries (token mode), or
  // at most tile.kv consecutive keys of one block (block mode).
  const int64_t tileKeys = blockSize ? std::min(bkv, *blockSize) : bkv;

  Value q = toBuffer(kb, op.getQ());
  Value k = toBuffer(kb, op.getK());
  Value v = toBuffer(kb, op.getV());
  Value indices = toBuffer(kb, op.getIndices());
  // Under a precision plan the row updates read dequantised copies.
  FailureOr<SoftmaxOperands> planned =
      emulateSoftmaxPrecision(kb, op, q, k, v, *headDim);
  if (failed(planned))
    return failure();
  q = planned->q;
  k = planned->k;
  v = planned->v;
  Value batch = kb.dim(q, 0), seqQ = kb.dim(q, 1), heads = kb.dim(q, 2);
  Value seqK = kb.dim(k, 1), kvHeads = kb.dim(k, 2);
  Value numEntries = kb.dim(indices, 3);
  Value zero = kb.idx(0), one = kb.idx(1);
  Value dIdx = kb.idx(*headDim), dvIdx = kb.idx(dv);
  Value group = arith::DivSIOp::create(kb.builder(), heads, kvHeads);
  // Query t sits at key position t + S - T.
  Value offset = kb.sub(seqK, seqQ);

  auto oType = cast<RankedTensorType>(op.getO().getType());
  Value o = allocResult(kb, oType, {batch, seqQ, heads, dvIdx});

  Type f32 = kb.builder().getF32Type();
  {
    SparseRow row;
    row.k = k;
    row.v = v;
    row.qRow = kb.stackBuffer({*headDim}, f32);
    row.scores = kb.stackBuffer({tileKeys}, f32);
    row.acc = kb.stackBuffer({dv}, f32);
    row.scale = kb.f32(scale);
    row.dIdx = dIdx;
    row.dvIdx = dvIdx;
    row.p = planned->p;
    // Token mode: the valid key positions of the current group.
    Value keys;
    if (!blockSize)
      keys = kb.stackBuffer({bkv}, kb.builder().getIndexType());
    Value negInf = kb.negInf(), zeroF = kb.f32(0.0);

    kb.forLoop(zero, batch, [&](Value b) {
      kb.forLoop(zero, seqQ, [&](Value t) {
        Value pos = kb.add(t, offset);
        kb.forLoop(zero, heads, [&](Value h) {
          Value hk = arith::DivSIOp::create(kb.builder(), h, group);
          row.b = b;
          row.hk = hk;
          // The query is read once per row, not once per selected key.
          kb.forLoop(zero, dIdx, [&](Value d) {
            kb.store(kb.load(q, {b, t, h, d}), row.qRow, {d});
          });
          kb.fill(row.acc, zeroF);
          auto entry = [&](Value j) {
            return kb.i32ToIndex(kb.load(indices, {b, t, hk, j}));
          };

          SmallVector<Value> state;
          if (!blockSize) {
            state = kb.forLoop(
                zero, numEntries, kb.idx(bkv), ValueRange{negInf, zeroF},
                [&](Value g, ValueRange ml) -> SmallVector<Value> {
                  Value nEntries = kb.min(kb.idx(bkv), kb.sub(numEntries, g));
                  // Gather: every entry is written at the next free slot,
                  // which only advances past valid ones, so the invalid
                  // writes are overwritten or left beyond the count.
                  Value n =
                      kb.forLoop(
                            zero, nEntries, one, ValueRange{zero},
                            [&](Value j, ValueRange cnt) -> SmallVector<Value> {
                              Value e = entry(kb.add(g, j));
                              Value valid =
                                  kb.andI(kb.cmp(CmpIPredicate::sge, e, zero),
                                          kb.cmp(CmpIPredicate::slt, e, seqK));
                              if (causal)
                                valid = kb.andI(
                                    valid, kb.cmp(CmpIPredicate::sle, e, pos));
                              kb.store(e, keys, {cnt[0]});
                              return {kb.select(valid, kb.add(cnt[0], one),
                                                cnt[0])};
                            })
                          .front();
                  auto [mNew, lNew] = updateRow(
                      kb, row, n, [&](Value j) { return kb.load(keys, {j}); },
                      ml[0], ml[1]);
                  return {mNew, lNew};
                });
          } else {
            Value bs = kb.idx(*blockSize), step = kb.idx(tileKeys);
            // Keys a block may contribute end at S, and with causal at the
            // query's own position.
            Value keyEnd = seqK;
            if (causal)
              keyEnd = kb.min(seqK, kb.add(pos, one));
            state = kb.forLoop(
                zero, numEntries, one, ValueRange{negInf, zeroF},
                [&](Value j, ValueRange ml) -> SmallVector<Value> {
                  Value e = entry(j);
                  Value lo = kb.mul(e, bs);
                  // A negative entry selects nothing; an entry past the end
                  // yields lo >= hi and an empty loop.
                  Value hi = kb.select(kb.cmp(CmpIPredicate::sge, e, zero),
                                       kb.min(kb.add(lo, bs), keyEnd), lo);
                  return kb.forLoop(
                      lo, hi, step, ml,
                      [&](Value kt, ValueRange ml2) -> SmallVector<Value> {
                        Value n = kb.min(step, kb.sub(hi, kt));
                        auto [mNew, lNew] = updateRow(
                            kb, row, n, [&](Value i) { return kb.add(kt, i); },
                            ml2[0], ml2[1]);
                        return {mNew, lNew};
                      });
                });
          }

          // o = acc / l; a row without any valid key has l = 0 and gets 0.
          Value l = state[1];
          Value live = kb.cmpf(CmpFPredicate::OGT, l, zeroF);
          Value inv = kb.select(live, kb.div(kb.f32(1.0), l), zeroF);
          kb.forLoop(zero, dvIdx, [&](Value d) {
            kb.store(kb.mul(kb.load(row.acc, {d}), inv), o, {b, t, h, d});
          });
        });
      });
    });
  }

  return SmallVector<Value>{toTensor(kb, o, oType)};
}
