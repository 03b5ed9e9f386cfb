//===- EmulatePrecision.cpp - #attn.precision emulated on the CPU ---------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The CPU backend computes in f32 and emulates a precision plan exactly, so
// that tests measure the error the GPU kernels will have. The scheme (the
// GPU kernels implement the same one):
//
// - Operands. qk's type Tq applies to Q and K (attn.indexer: qi and ki),
//   pv's type Tp to V. Before the kernel runs, each operand whose planned
//   type rounds its values (neither f32 nor its own element type) is
//   replaced by an f32 copy holding what the contraction sees:
//   - FP8 (f8E4M3FN, f8E5M2): for each scale group G, amax = max |x| over
//     G; scale = amax / FMAX and inv = FMAX / amax (FMAX = 448 or 57344,
//     in f32), or both 1 when amax is 0 or not finite; the copy holds
//     roundTo(x * inv, T) * scale.
//   - bf16 / f16: roundTo(x, T), no scale.
// - Scale groups (`granularity`), for a token-major operand [B, L, H, D]
//   (attn.indexer's ki [B, S, Di] has one head): `block` (N = `block`
//   tokens) one scale per (b, h, floor(t / N)); `head` one per (b, h) over
//   all tokens; `token` one per (b, t, h); `tensor` one per operand.
// - `hadamard`: before quantising, every row of Q and K (qi, ki) is
//   multiplied by the normalised Sylvester Hadamard matrix, x' = x H /
//   sqrt(D), H[i][j] = (-1)^popcount(i & j) (H H^T = D I, so the scores do
//   not change); D must be a power of two.
// - P. When any operand is rounded, the probabilities p = exp(s - m) in
//   [0, 1] that multiply V are replaced by roundTo(p * 256, Tp) / 256 for
//   FP8 Tp (FA3's static scale) and roundTo(p, Tp) for bf16 / f16; the row
//   sum keeps the unrounded p.
//
// A plan whose every type is f32 or the operand's own type builds nothing
// here: the kernel is exactly the unplanned one.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "llvm/Support/MathExtras.h"
#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::cpu;

static bool isFp8(Type t) { return isa<Float8E4M3FNType, Float8E5M2Type>(t); }

/// Largest finite value of an FP8 format.
static double fp8Max(Type t) {
  return isa<Float8E4M3FNType>(t) ? 448.0 : 57344.0;
}

static Type elementOf(Value buffer) {
  return cast<MemRefType>(buffer.getType()).getElementType();
}

/// Whether planning operand type `format` changes values held in `input`
/// (the kernel computes in f32, so f32 and the input's own type do not).
static bool rounds(Type format, Type input) {
  return format && !format.isF32() && format != input;
}

namespace {
/// A token-major operand buffer, [B, L, H, D] or [B, L, D] (one head).
struct Rows {
  Value mem;
  bool heads;
  SmallVector<Value> at(Value b, Value t, Value h, Value d) const {
    if (heads)
      return {b, t, h, d};
    return {b, t, d};
  }
};
} // namespace

/// Multiplies row (b, t, h) of `rows` by H / sqrt(dim) in place: the fast
/// Walsh-Hadamard transform (log2(dim) butterfly stages give the Sylvester
/// order), then the normalisation.
static void rotateRow(KernelBuilder &kb, const Rows &rows, Value b, Value t,
                      Value h, int64_t dim) {
  ImplicitLocOpBuilder &ib = kb.builder();
  Value zero = kb.idx(0);
  for (int64_t span = 1; span < dim; span *= 2) {
    Value spanIdx = kb.idx(span), twice = kb.idx(2 * span);
    kb.forLoop(zero, kb.idx(dim / 2), [&](Value i) {
      // The i-th pair of this stage: (j, j + span), j = (i / span) * 2 span
      // + i % span.
      Value j = kb.add(kb.mul(arith::DivUIOp::create(ib, i, spanIdx), twice),
                       arith::RemUIOp::create(ib, i, spanIdx));
      Value jh = kb.add(j, spanIdx);
      Value x = kb.load(rows.mem, rows.at(b, t, h, j));
      Value y = kb.load(rows.mem, rows.at(b, t, h, jh));
      kb.store(kb.add(x, y), rows.mem, rows.at(b, t, h, j));
      kb.store(kb.sub(x, y), rows.mem, rows.at(b, t, h, jh));
    });
  }
  Value norm = kb.f32(1.0 / std::sqrt(static_cast<double>(dim)));
  kb.forLoop(zero, kb.idx(dim), [&](Value d) {
    kb.store(kb.mul(kb.load(rows.mem, rows.at(b, t, h, d)), norm), rows.mem,
             rows.at(b, t, h, d));
  });
}

/// An f32 copy of the token-major buffer `src` as a contraction in `format`
/// sees it: rows rotated with `rotate`, then scaled per group of `p`'s
/// granularity, rounded and scaled back (FP8), or rounded (bf16 / f16), or
/// left as is (f32).
static Value dequantisedCopy(KernelBuilder &kb, Value src, Type format,
                             PrecisionAttr p, bool rotate) {
  auto type = cast<MemRefType>(src.getType());
  const int64_t rank = type.getRank();
  const int64_t dim = type.getDimSize(rank - 1);
  SmallVector<Value> dynamic;
  for (int64_t i = 0; i < rank; ++i)
    if (type.isDynamicDim(i))
      dynamic.push_back(kb.dim(src, i));
  Type f32 = kb.builder().getF32Type();
  Value dst = kb.alloc(MemRefType::get(type.getShape(), f32), dynamic);
  Rows in{src, rank == 4}, out{dst, rank == 4};
  Value zero = kb.idx(0), one = kb.idx(1), dIdx = kb.idx(dim);
  Value batch = kb.dim(src, 0), seq = kb.dim(src, 1);
  Value heads = rank == 4 ? kb.dim(src, 2) : one;

  // Widen (and rotate) every row.
  kb.forLoop(zero, batch, [&](Value b) {
    kb.forLoop(zero, seq, [&](Value t) {
      kb.forLoop(zero, heads, [&](Value h) {
        kb.forLoop(zero, dIdx, [&](Value d) {
          kb.store(kb.load(src, in.at(b, t, h, d)), dst, out.at(b, t, h, d));
        });
        if (rotate)
          rotateRow(kb, out, b, t, h, dim);
      });
    });
  });
  if (format.isF32())
    return dst;
  if (!isFp8(format)) {
    kb.forLoop(zero, batch, [&](Value b) {
      kb.forLoop(zero, seq, [&](Value t) {
        kb.forLoop(zero, heads, [&](Value h) {
          kb.forLoop(zero, dIdx, [&](Value d) {
            SmallVector<Value> at = out.at(b, t, h, d);
            kb.store(roundTo(kb, kb.load(dst, at), format), dst, at);
          });
        });
      });
    });
    return dst;
  }

  // max |x| over tokens [t0, t1) of head h of batch b, folded into `init`.
  auto amaxOf = [&](Value b, Value h, Value t0, Value t1, Value init) {
    return kb
        .forLoop(t0, t1, one, ValueRange{init},
                 [&](Value t, ValueRange m) -> SmallVector<Value> {
                   return kb.forLoop(
                       zero, dIdx, one, m,
                       [&](Value d, ValueRange md) -> SmallVector<Value> {
                         Value x = kb.load(dst, out.at(b, t, h, d));
                         Value ax = math::AbsFOp::create(kb.builder(), x);
                         return {kb.max(md[0], ax)};
                       });
                 })
        .front();
  };
  // Tokens [t0, t1) of head h of batch b quantised with the group's amax.
  Value fmax = kb.f32(fp8Max(format));
  auto quantise = [&](Value b, Value h, Value t0, Value t1, Value amax) {
    Value finite =
        kb.andI(kb.cmpf(arith::CmpFPredicate::OGT, amax, kb.f32(0.0)),
                kb.cmpf(arith::CmpFPredicate::OLT, amax,
                        kb.f32(std::numeric_limits<double>::infinity())));
    Value unit = kb.f32(1.0);
    Value inv = kb.select(finite, kb.div(fmax, amax), unit);
    Value scale = kb.select(finite, kb.div(amax, fmax), unit);
    kb.forLoop(t0, t1, [&](Value t) {
      kb.forLoop(zero, dIdx, [&](Value d) {
        SmallVector<Value> at = out.at(b, t, h, d);
        Value x8 = roundTo(kb, kb.mul(kb.load(dst, at), inv), format);
        kb.store(kb.mul(x8, scale), dst, at);
      });
    });
  };

  Value zeroF = kb.f32(0.0);
  if (p.getGranularity() == ScaleGranularity::tensor) {
    Value amax =
        kb.forLoop(zero, batch, one, ValueRange{zeroF},
                   [&](Value b, ValueRange m) -> SmallVector<Value> {
                     return kb.forLoop(
                         zero, heads, one, m,
                         [&](Value h, ValueRange mh) -> SmallVector<Value> {
                           return {amaxOf(b, h, zero, seq, mh[0])};
                         });
                   })
            .front();
    kb.forLoop(zero, batch, [&](Value b) {
      kb.forLoop(zero, heads,
                 [&](Value h) { quantise(b, h, zero, seq, amax); });
    });
    return dst;
  }
  // block: N tokens per group; token: 1; head: all of them (a step of at
  // least 1, so that an empty sequence is an empty loop).
  Value groupTokens;
  switch (p.getGranularity()) {
  case ScaleGranularity::block:
    groupTokens = kb.idx(p.getBlock());
    break;
  case ScaleGranularity::token:
    groupTokens = one;
    break;
  default:
    groupTokens = kb.max(seq, one);
    break;
  }
  kb.forLoop(zero, batch, [&](Value b) {
    kb.forLoop(zero, heads, [&](Value h) {
      kb.forLoop(zero, seq, groupTokens, [&](Value t0) {
        // t0 + min(N, L - t0): a huge `block` cannot overflow.
        Value t1 = kb.add(t0, kb.min(groupTokens, kb.sub(seq, t0)));
        quantise(b, h, t0, t1, amaxOf(b, h, t0, t1, zeroF));
      });
    });
  });
  return dst;
}

/// A located error unless a Hadamard rotation of rows of length `dim` can
/// be built.
static LogicalResult checkHadamard(Operation *op, int64_t dim, StringRef what) {
  if (llvm::isPowerOf2_64(static_cast<uint64_t>(dim)))
    return success();
  return op->emitOpError()
         << "'precision' asks for a Hadamard rotation (hadamard = true), "
            "which needs a power-of-two "
         << what << "; got " << dim;
}

FailureOr<SoftmaxOperands> cpu::emulateSoftmaxPrecision(KernelBuilder &kb,
                                                        Operation *op, Value q,
                                                        Value k, Value v,
                                                        int64_t headDim) {
  SoftmaxOperands result{q, k, v, Type()};
  auto p = op->getAttrOfType<PrecisionAttr>("precision");
  if (!p)
    return result;
  Type tq = p.getOperandType("qk"), tp = p.getOperandType("pv");
  bool roundQ = rounds(tq, elementOf(q)), roundK = rounds(tq, elementOf(k));
  bool roundV = rounds(tp, elementOf(v));
  if (!roundQ && !roundK && !roundV)
    return result;
  // Q and K are rotated together (the scores stay those of the inputs).
  bool rotate = p.getHadamard() && (roundQ || roundK);
  if (rotate && failed(checkHadamard(op, headDim, "head dim D")))
    return failure();
  Type f32 = kb.builder().getF32Type();
  if (roundQ || rotate)
    result.q = dequantisedCopy(kb, q, roundQ ? tq : f32, p, rotate);
  if (roundK || rotate)
    result.k = dequantisedCopy(kb, k, roundK ? tq : f32, p, rotate);
  if (roundV)
    result.v = dequantisedCopy(kb, v, tp, p, /*rotate=*/false);
  if (tp && !tp.isF32())
    result.p = tp;
  return result;
}

Value cpu::roundProbability(KernelBuilder &kb, Value p, Type format) {
  if (!isFp8(format))
    return roundTo(kb, p, format);
  // p * 256 and / 256 are exact (powers of two).
  Value r = roundTo(kb, kb.mul(p, kb.f32(256.0)), format);
  return kb.mul(r, kb.f32(1.0 / 256.0));
}

FailureOr<std::pair<Value, Value>>
cpu::emulateIndexerPrecision(KernelBuilder &kb, IndexerOp op, Value qi,
                             Value ki, int64_t headDim) {
  std::pair<Value, Value> result{qi, ki};
  PrecisionAttr p = op.getPrecisionAttr();
  if (!p)
    return result;
  Type tq = p.getOperandType("qk");
  bool roundQ = rounds(tq, elementOf(qi)), roundK = rounds(tq, elementOf(ki));
  if (!roundQ && !roundK)
    return result;
  bool rotate = p.getHadamard();
  if (rotate && failed(checkHadamard(op, headDim, "indexer head dim Di")))
    return failure();
  Type f32 = kb.builder().getF32Type();
  result.first = dequantisedCopy(kb, qi, roundQ ? tq : f32, p, rotate);
  result.second = dequantisedCopy(kb, ki, roundK ? tq : f32, p, rotate);
  return result;
}
