//===- IndexerToCPU.cpp - attn.indexer as a key-tiled score loop nest -----===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Lowers the DSA lightning indexer,
//
//   scores[b,t,s] = sum_j w[b,t,j] * relu(qi[b,t,j,:] . ki[b,s,:])
//
// to a loop nest over key tiles: for every batch the keys are visited in
// tiles of kKeyTile rows of ki, widened once into a transposed f32 stack
// tile, and every query scores the whole tile before the next one is
// loaded, so the inner loops read a tile that stays in L1 instead of
// streaming all of ki once per query. For each (query, indexer head) the
// dot products against the tile are accumulated with the key loop
// innermost (independent accumulators, unit stride), then relu'd, weighted
// and summed over heads. All arithmetic is f32. With `causal`, keys after
// the query position t + S - T get -inf and their products are skipped.
//
// The key tile is a CPU cache-blocking constant, not a plan decision: every
// score is an independent sum, so the tile size never changes a result.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::cpu;

/// Keys per tile: 64 rows of ki are 16 KiB of f32 at Di = 64 and 32 KiB at
/// Di = 128 (DeepSeek-V3.2), which fits a 32-48 KiB L1d.
static constexpr int64_t kKeyTile = 64;

FailureOr<SmallVector<Value>> cpu::lowerIndexer(KernelBuilder &kb,
                                                IndexerOp op) {
  FailureOr<int64_t> headDim =
      staticDim(op, op.getQi(), 3, "indexer head dim Di");
  if (failed(headDim))
    return failure();
  const int64_t di = *headDim;
  const bool causal = op.getCausal();

  Value qi = toBuffer(kb, op.getQi());
  Value ki = toBuffer(kb, op.getKi());
  Value w = toBuffer(kb, op.getW());
  // Under a precision plan the loop nest reads dequantised copies of qi and
  // ki; w, relu and the weighted head sum stay f32.
  FailureOr<std::pair<Value, Value>> planned =
      emulateIndexerPrecision(kb, op, qi, ki, di);
  if (failed(planned))
    return failure();
  std::tie(qi, ki) = *planned;
  Value batch = kb.dim(qi, 0), seqQ = kb.dim(qi, 1), heads = kb.dim(qi, 2);
  Value seqK = kb.dim(ki, 1);
  Value zero = kb.idx(0), one = kb.idx(1);
  Value diIdx = kb.idx(di), tileIdx = kb.idx(kKeyTile);
  // Query t sits at key position t + S - T.
  Value offset = kb.sub(seqK, seqQ);

  auto sType = cast<RankedTensorType>(op.getScores().getType());
  Value scores = allocResult(kb, sType, {batch, seqQ, seqK});

  Type f32 = kb.builder().getF32Type();
  {
    // The key tile is stored transposed, [Di][s], so that the innermost
    // loop runs over keys: dots[s] += qi[d] * kTile[d][s] has no
    // loop-carried dependence (unlike a per-key dot over d, which is a
    // serial chain of adds) and reads both buffers with unit stride.
    Value kTile = kb.stackBuffer({di, kKeyTile}, f32);
    Value dots = kb.stackBuffer({kKeyTile}, f32);
    Value row = kb.stackBuffer({kKeyTile}, f32);
    Value zeroF = kb.f32(0.0);
    Value negInf = causal ? kb.negInf() : Value();

    kb.forLoop(zero, batch, [&](Value b) {
      kb.forLoop(zero, seqK, tileIdx, [&](Value st) {
        Value ns = kb.min(tileIdx, kb.sub(seqK, st));
        kb.forLoop(zero, ns, [&](Value s) {
          Value key = kb.add(st, s);
          kb.forLoop(zero, diIdx, [&](Value d) {
            kb.store(kb.load(ki, {b, key, d}), kTile, {d, s});
          });
        });
        kb.forLoop(zero, seqQ, [&](Value t) {
          // Keys [st, st + nv) of the tile are visible to query t.
          Value nv = ns;
          if (causal) {
            Value visible = kb.sub(kb.add(kb.add(t, offset), one), st);
            nv = kb.min(ns, kb.max(zero, visible));
          }
          kb.forLoop(zero, nv, [&](Value s) { kb.store(zeroF, row, {s}); });
          kb.forLoop(zero, heads, [&](Value j) {
            kb.forLoop(zero, nv, [&](Value s) { kb.store(zeroF, dots, {s}); });
            kb.forLoop(zero, diIdx, [&](Value d) {
              Value qd = kb.load(qi, {b, t, j, d});
              kb.forLoop(zero, nv, [&](Value s) {
                Value prod = kb.mul(qd, kb.load(kTile, {d, s}));
                kb.store(kb.add(kb.load(dots, {s}), prod), dots, {s});
              });
            });
            Value wj = kb.load(w, {b, t, j});
            kb.forLoop(zero, nv, [&](Value s) {
              Value relu = kb.max(kb.load(dots, {s}), zeroF);
              kb.store(kb.add(kb.load(row, {s}), kb.mul(wj, relu)), row, {s});
            });
          });
          kb.forLoop(zero, nv, [&](Value s) {
            kb.store(kb.load(row, {s}), scores, {b, t, kb.add(st, s)});
          });
          if (causal)
            kb.forLoop(nv, ns, [&](Value s) {
              kb.store(negInf, scores, {b, t, kb.add(st, s)});
            });
        });
      });
    });
  }

  return SmallVector<Value>{toTensor(kb, scores, sType)};
}
