//===- TopKToCPU.cpp - attn.topk as insertion into a sorted buffer --------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Lowers attn.topk to a one-pass selection per query row (b, t): a stack
// buffer of k (score, index) pairs is kept sorted by decreasing score; the
// candidates s = 0, 1, ... (s < S, and s <= t + S - T with `causal`) are
// compared against the buffer's k-th score and rejected at once unless
// strictly larger, otherwise a binary search finds the insertion slot and
// the tail shifts down by one, dropping the old k-th entry. The buffer
// starts as k x (-inf, -1), which is also the padding of a row with fewer
// than k candidates.
//
// Order and ties: candidates arrive in increasing s and an equal score is
// inserted after the entries already holding it, so ties keep the smaller
// key position first, and a full buffer never lets an equal later score in.
// The strict ordered comparison also gives the two exclusions: -inf is
// never greater than the k-th score (at worst the initial -inf), and NaN
// compares false with everything, so NaN scores are never selected (they
// are treated like -inf) and never enter the buffer to break its order.
//
// Cost: O(S) comparisons plus O(k) per insertion; for random scores about
// k * (1 + ln(S / k)) insertions happen. This is the simple, exact CPU
// algorithm; a GPU kernel would use a radix select with the same result.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::cpu;
using arith::CmpFPredicate;
using arith::CmpIPredicate;

FailureOr<SmallVector<Value>> cpu::lowerTopK(KernelBuilder &kb, TopKOp op) {
  const int64_t k = static_cast<int64_t>(op.getK());
  const bool causal = op.getCausal();
  // Halvings of the slot range [0, k - 1] until one slot is left.
  const int64_t searchSteps = llvm::Log2_64_Ceil(static_cast<uint64_t>(k));
  ImplicitLocOpBuilder &builder = kb.builder();

  Value scores = toBuffer(kb, op.getScores());
  Value batch = kb.dim(scores, 0), seqQ = kb.dim(scores, 1);
  Value seqK = kb.dim(scores, 2);
  Value zero = kb.idx(0), one = kb.idx(1), two = kb.idx(2);
  Value kIdx = kb.idx(k), last = kb.idx(k - 1);
  // Query t sits at key position t + S - T.
  Value offset = kb.sub(seqK, seqQ);

  auto iType = cast<RankedTensorType>(op.getIndices().getType());
  Value out = allocResult(kb, iType, {batch, seqQ, kIdx});

  {
    Value vals = kb.stackBuffer({k}, builder.getF32Type());
    Value ids = kb.stackBuffer({k}, builder.getI32Type());
    Value negInf = kb.negInf();
    Value noKey =
        arith::ConstantOp::create(builder, builder.getI32IntegerAttr(-1));

    kb.forLoop(zero, batch, [&](Value b) {
      kb.forLoop(zero, seqQ, [&](Value t) {
        kb.fill(vals, negInf);
        kb.fill(ids, noKey);
        Value end = seqK;
        if (causal)
          end = kb.min(seqK, kb.max(zero, kb.add(kb.add(t, offset), one)));
        kb.forLoop(zero, end, [&](Value s) {
          Value x = kb.load(scores, {b, t, s});
          // Early rejection; false for NaN, -inf and ties with the k-th.
          Value better = kb.cmpf(CmpFPredicate::OGT, x, kb.load(vals, {last}));
          kb.ifThen(better, [&] {
            // The slot p is the first r with vals[r] < x. Invariant: every
            // slot below lo holds a score >= x and vals[hi] < x (true for
            // hi = k - 1 by admission), so p is in [lo, hi].
            SmallVector<Value> range = kb.forLoop(
                zero, kb.idx(searchSteps), one, ValueRange{zero, last},
                [&](Value, ValueRange lh) -> SmallVector<Value> {
                  Value mid = arith::DivSIOp::create(builder,
                                                     kb.add(lh[0], lh[1]), two);
                  Value below =
                      kb.cmpf(CmpFPredicate::OLT, kb.load(vals, {mid}), x);
                  return {kb.select(below, lh[0], kb.add(mid, one)),
                          kb.select(below, mid, lh[1])};
                });
            Value p = range[0];
            // Shift slots [p, k - 2] down by one, from the end.
            kb.forLoop(zero, kb.sub(last, p), [&](Value i) {
              Value r = kb.sub(kb.sub(last, one), i);
              Value r1 = kb.add(r, one);
              kb.store(kb.load(vals, {r}), vals, {r1});
              kb.store(kb.load(ids, {r}), ids, {r1});
            });
            kb.store(x, vals, {p});
            Value s32 =
                arith::IndexCastOp::create(builder, builder.getI32Type(), s);
            kb.store(s32, ids, {p});
          });
        });
        kb.forLoop(zero, kIdx, [&](Value j) {
          kb.store(kb.load(ids, {j}), out, {b, t, j});
        });
      });
    });
  }

  return SmallVector<Value>{toTensor(kb, out, iType)};
}
