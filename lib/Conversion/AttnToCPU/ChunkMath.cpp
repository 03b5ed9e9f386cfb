//===- ChunkMath.cpp - shared pieces of the linear/delta kernels ----------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Implements the gate scan, the chunk staging, the decayed score blocks, the
// chunk output and the state scan that attn.linear and attn.delta share (see
// ChunkMath.h). Inner loops run over a contiguous row (V or K) so they
// vectorise; all arithmetic is f32.
//
//===----------------------------------------------------------------------===//

#include "ChunkMath.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::cpu;

//===----------------------------------------------------------------------===//
// LogGate
//===----------------------------------------------------------------------===//

/// The floor of one log-decay step (see LogGate::step).
static constexpr double kMinLogDecay = -200.0;

LogGate LogGate::fromBuffer(Value gate) {
  LogGate g;
  g.buffer = gate;
  g.gateKind = cast<MemRefType>(gate.getType()).getRank() == 4 ? Kind::channel
                                                               : Kind::scalar;
  return g;
}

LogGate LogGate::fromConstant(ArrayRef<double> decay) {
  LogGate g;
  g.gateKind = Kind::scalar;
  // The same floor as gate operands: a huge finite decay must not become
  // -inf in f32 (and -inf - -inf = NaN) in the cumulative sums.
  for (double d : decay)
    g.constant.push_back(std::max(d, kMinLogDecay));
  return g;
}

Value LogGate::headConstant(KernelBuilder &kb, Value h) const {
  Value value = kb.f32(constant.front());
  for (auto [i, d] : llvm::enumerate(ArrayRef(constant).drop_front()))
    value = kb.select(kb.cmp(arith::CmpIPredicate::eq, h, kb.idx(i + 1)),
                      kb.f32(d), value);
  return value;
}

Value LogGate::step(KernelBuilder &kb, Value b, Value t, Value h,
                    Value d) const {
  if (!buffer)
    return headConstant(kb, h);
  Value g =
      perChannel() ? kb.load(buffer, {b, t, h, d}) : kb.load(buffer, {b, t, h});
  // A gate of -inf (decay exactly 0) would make cumsum differences
  // -inf - -inf = NaN. exp(-200) is already 0 in f32, so flooring each step
  // there keeps the decay exact and every cumsum finite (NaN stays NaN).
  return kb.max(g, kb.f32(kMinLogDecay));
}

void LogGate::scan(KernelBuilder &kb, Value cum, Value b, Value t0, Value n,
                   Value h) const {
  Value zero = kb.idx(0), one = kb.idx(1);
  if (!buffer) {
    // A constant decay needs no running sum: b_r = g * (r + 1), exact up to
    // one rounding.
    Value g = headConstant(kb, h);
    kb.forLoop(zero, n, [&](Value r) {
      kb.store(kb.mul(g, kb.indexToF32(kb.add(r, one))), cum, {r, zero});
    });
    return;
  }
  // One running f64 sum per column, reset at every chunk: after a strong
  // gate the sum is large, and an f32 sum would round the small steps that
  // follow (the differences b_r - b_i are what matter).
  ImplicitLocOpBuilder &builder = kb.builder();
  Value zero64 =
      arith::ConstantOp::create(builder, builder.getF64FloatAttr(0.0));
  kb.forLoop(zero, kb.dim(cum, 1), [&](Value c) {
    kb.forLoop(zero, n, one, ValueRange{zero64},
               [&](Value r, ValueRange acc) -> SmallVector<Value> {
                 Value g =
                     arith::ExtFOp::create(builder, builder.getF64Type(),
                                           step(kb, b, kb.add(t0, r), h, c));
                 Value next = arith::AddFOp::create(builder, acc[0], g);
                 memref::StoreOp::create(builder, next, cum, ValueRange{r, c});
                 return {next};
               });
  });
}

Value LogGate::cumAt(KernelBuilder &kb, Value cum, Value r, Value d) const {
  return kb.load(cum, {r, perChannel() ? d : kb.idx(0)});
}

Value LogGate::cumDiff(KernelBuilder &kb, Value cum, Value r, Value i,
                       Value d) const {
  // Subtract in f64, then round once to f32.
  ImplicitLocOpBuilder &builder = kb.builder();
  Value col = perChannel() ? d : kb.idx(0);
  Value br = memref::LoadOp::create(builder, cum, ValueRange{r, col});
  Value bi = memref::LoadOp::create(builder, cum, ValueRange{i, col});
  Value diff = arith::SubFOp::create(builder, br, bi);
  return arith::TruncFOp::create(builder, builder.getF32Type(), diff);
}

//===----------------------------------------------------------------------===//
// Staging and state
//===----------------------------------------------------------------------===//

void cpu::loadRows(KernelBuilder &kb, Value x, Value b, Value t0, Value n,
                   Value h, Value dst, bool l2norm, double scale) {
  Value zero = kb.idx(0);
  Value width = kb.dim(dst, 1);
  kb.forLoop(zero, n, [&](Value r) {
    Value t = kb.add(t0, r);
    Value factor = l2norm || scale != 1.0 ? kb.f32(scale) : Value();
    if (l2norm) {
      Value sumSq = kb.sum(zero, width, [&](Value d) {
        Value e = kb.load(x, {b, t, h, d});
        return kb.mul(e, e);
      });
      factor = kb.div(factor, kb.sqrt(kb.add(sumSq, kb.f32(1e-6))));
    }
    kb.forLoop(zero, width, [&](Value d) {
      Value e = kb.load(x, {b, t, h, d});
      kb.store(l2norm || scale != 1.0 ? kb.mul(e, factor) : e, dst, {r, d});
    });
  });
}

void cpu::loadState(KernelBuilder &kb, Value init, Value b, Value h,
                    Value state) {
  if (!init) {
    kb.fill(state, kb.f32(0.0));
    return;
  }
  Value zero = kb.idx(0);
  kb.forLoop(zero, kb.dim(state, 0), [&](Value d) {
    kb.forLoop(zero, kb.dim(state, 1), [&](Value c) {
      kb.store(kb.load(init, {b, h, d, c}), state, {d, c});
    });
  });
}

void cpu::storeState(KernelBuilder &kb, Value state, Value final, Value b,
                     Value h) {
  if (!final)
    return;
  Value zero = kb.idx(0);
  kb.forLoop(zero, kb.dim(state, 0), [&](Value d) {
    kb.forLoop(zero, kb.dim(state, 1), [&](Value c) {
      kb.store(kb.load(state, {d, c}), final, {b, h, d, c});
    });
  });
}

//===----------------------------------------------------------------------===//
// Chunked form
//===----------------------------------------------------------------------===//

/// Stores one (r, i) entry of every block from its f32 sum: `decay` (a
/// decay per step, may be null) and the block's row scale applied. With
/// `guardDiagonal` a strict block skips i = r, which the inclusive blocks
/// of the same pass need.
static void storeScores(KernelBuilder &kb, ArrayRef<ScoreBlock> blocks,
                        ValueRange sums, Value r, Value i, Value decay,
                        bool guardDiagonal) {
  for (auto [block, s] : llvm::zip(blocks, sums)) {
    auto emit = [&, &block = block, s = s] {
      Value value = decay ? kb.mul(s, decay) : s;
      if (block.rowScale)
        value = kb.mul(value, kb.load(block.rowScale, {r}));
      kb.store(value, block.dst, {r, i});
    };
    if (block.inclusive || !guardDiagonal)
      emit();
    else
      kb.ifThen(kb.cmp(arith::CmpIPredicate::slt, i, r), emit);
  }
}

SubChunks SubChunks::create(KernelBuilder &kb, const LogGate &gate,
                            int64_t chunk, int64_t subChunk, int64_t headDim,
                            unsigned numBlocks) {
  SubChunks plan;
  // A sub-chunk as long as the chunk has no pair across sub-chunks: that is
  // the direct form.
  if (!gate.perChannel() || subChunk <= 0 || subChunk >= chunk)
    return plan;
  Type f32 = kb.builder().getF32Type();
  plan.size = subChunk;
  plan.rebasedY = kb.stackBuffer({chunk - subChunk, headDim}, f32);
  for (unsigned j = 0; j < numBlocks; ++j)
    plan.rebasedX.push_back(kb.stackBuffer({subChunk, headDim}, f32));
  return plan;
}

void cpu::decayedScores(KernelBuilder &kb, const LogGate &gate, Value cum,
                        Value y, Value n, ArrayRef<ScoreBlock> blocks,
                        const SubChunks &subChunks) {
  Value zero = kb.idx(0), one = kb.idx(1);
  Value width = kb.dim(y, 1);
  bool anyInclusive = llvm::any_of(
      blocks, [](const ScoreBlock &block) { return block.inclusive; });

  // One (r, i) pair with its decay formed directly: one exp(b_r - b_i) per
  // channel (i <= r, so the exponent is <= 0), shared by every block; a
  // decay per step multiplies the finished sums.
  auto directPair = [&](Value r, Value i) {
    SmallVector<Value> sums = kb.sums(zero, width, blocks.size(), [&](Value d) {
      Value yd = kb.load(y, {i, d});
      if (gate.perChannel()) {
        yd = kb.mul(yd, kb.exp(gate.cumDiff(kb, cum, r, i, d)));
      }
      SmallVector<Value> terms;
      for (const ScoreBlock &block : blocks)
        terms.push_back(kb.mul(kb.load(block.x, {r, d}), yd));
      return terms;
    });
    Value decay;
    if (gate.kind() == LogGate::Kind::scalar) {
      decay = kb.exp(gate.cumDiff(kb, cum, r, i, zero));
    }
    storeScores(kb, blocks, sums, r, i, decay, anyInclusive);
  };

  if (!subChunks) {
    // Only the lower triangle is visited: every exponent is b_r - b_i with
    // i <= r.
    kb.forLoop(zero, n, [&](Value r) {
      Value hi = anyInclusive ? kb.add(r, one) : r;
      kb.forLoop(zero, hi, [&](Value i) { directPair(r, i); });
    });
    return;
  }

  // Sub-chunks of s rows (the tail one shorter when s does not divide n).
  // y~ holds the rows of the sub-chunks before the current one (at most
  // C - s), x~ per block the rows of the current one.
  assert(gate.perChannel() && subChunks.rebasedX.size() == blocks.size() &&
         "a sub-chunk plan for this gate and these blocks");
  Value s = kb.idx(subChunks.size);
  Value rebasedY = subChunks.rebasedY;
  ArrayRef<Value> rebasedX = subChunks.rebasedX;

  // Pairs inside one sub-chunk [p, end): direct, lower triangle only.
  kb.forLoop(zero, n, s, [&](Value p) {
    Value end = kb.min(kb.add(p, s), n);
    kb.forLoop(p, end, [&](Value r) {
      Value hi = anyInclusive ? kb.add(r, one) : r;
      kb.forLoop(p, hi, [&](Value i) { directPair(r, i); });
    });
  });

  // Pairs across sub-chunks: r in [p, end), i < p. With ref = p - 1,
  //   exp(b_r - b_i) = exp(b_r - b_ref) * exp(b_ref - b_i),
  // and both exponents are <= 0 because b is non-increasing and
  // i <= ref < r: no factor exceeds 1, however strong the gate (a factor
  // that underflows to 0 stands for a product that is 0 in f32 as well).
  // ref is the row just before the sub-chunk, so adjacent rows i = ref,
  // r = p keep their decay exact (exp(0) = 1 on the second factor).
  kb.forLoop(s, n, s, [&](Value p) {
    Value end = kb.min(kb.add(p, s), n);
    Value ref = kb.sub(p, one);
    // y~_i = y_i * exp(b_ref - b_i) for every earlier row i <= ref.
    kb.forLoop(zero, p, [&](Value i) {
      kb.forLoop(zero, width, [&](Value d) {
        Value decay = kb.exp(gate.cumDiff(kb, cum, ref, i, d));
        kb.store(kb.mul(kb.load(y, {i, d}), decay), rebasedY, {i, d});
      });
    });
    // x~_r = x_r * exp(b_r - b_ref) for the sub-chunk's rows r > ref, one
    // exp per channel shared by every block.
    kb.forLoop(p, end, [&](Value r) {
      Value row = kb.sub(r, p);
      kb.forLoop(zero, width, [&](Value d) {
        Value decay = kb.exp(gate.cumDiff(kb, cum, r, ref, d));
        for (auto [block, dst] : llvm::zip(blocks, rebasedX))
          kb.store(kb.mul(kb.load(block.x, {r, d}), decay), dst, {row, d});
      });
    });
    // The cross-sub-chunk scores: plain dot products x~_r . y~_i (i < r, so
    // strict and inclusive blocks alike take every pair).
    kb.forLoop(p, end, [&](Value r) {
      Value row = kb.sub(r, p);
      kb.forLoop(zero, p, [&](Value i) {
        SmallVector<Value> sums =
            kb.sums(zero, width, blocks.size(), [&](Value d) {
              Value yd = kb.load(rebasedY, {i, d});
              SmallVector<Value> terms;
              for (Value xr : rebasedX)
                terms.push_back(kb.mul(kb.load(xr, {row, d}), yd));
              return terms;
            });
        storeScores(kb, blocks, sums, r, i, /*decay=*/Value(),
                    /*guardDiagonal=*/false);
      });
    });
  });
}

void cpu::chunkOutput(KernelBuilder &kb, const LogGate &gate, Value cum,
                      Value q, Value state, Value p, Value x, Value n, Value o,
                      Value b, Value t0, Value h, Value acc) {
  Value zero = kb.idx(0), one = kb.idx(1);
  Value kDim = kb.dim(state, 0), vDim = kb.dim(state, 1);
  kb.forLoop(zero, n, [&](Value r) {
    kb.fill(acc, kb.f32(0.0));
    // Inter-chunk: the entering state, decayed up to row r.
    Value rowDecay;
    if (gate.kind() == LogGate::Kind::scalar)
      rowDecay = kb.exp(gate.cumAt(kb, cum, r, zero));
    kb.forLoop(zero, kDim, [&](Value d) {
      Value qd = kb.load(q, {r, d});
      if (gate.perChannel())
        qd = kb.mul(qd, kb.exp(gate.cumAt(kb, cum, r, d)));
      else if (rowDecay)
        qd = kb.mul(qd, rowDecay);
      kb.forLoop(zero, vDim, [&](Value c) {
        kb.store(kb.add(kb.load(acc, {c}), kb.mul(qd, kb.load(state, {d, c}))),
                 acc, {c});
      });
    });
    // Intra-chunk: causal (diagonal included) decayed scores times x.
    kb.forLoop(zero, kb.add(r, one), [&](Value i) {
      Value pi = kb.load(p, {r, i});
      kb.forLoop(zero, vDim, [&](Value c) {
        kb.store(kb.add(kb.load(acc, {c}), kb.mul(pi, kb.load(x, {i, c}))), acc,
                 {c});
      });
    });
    Value t = kb.add(t0, r);
    kb.forLoop(zero, vDim, [&](Value c) {
      kb.store(kb.load(acc, {c}), o, {b, t, h, c});
    });
  });
}

void cpu::chunkStateUpdate(KernelBuilder &kb, const LogGate &gate, Value cum,
                           Value k, Value x, Value n, Value state) {
  Value zero = kb.idx(0);
  Value kDim = kb.dim(state, 0), vDim = kb.dim(state, 1);
  Value last = kb.sub(n, kb.idx(1));
  kb.forLoop(zero, kDim, [&](Value d) {
    Value bLast = gate.decays() ? gate.cumAt(kb, cum, last, d) : Value();
    if (bLast) {
      Value decay = kb.exp(bLast);
      kb.forLoop(zero, vDim, [&](Value c) {
        kb.store(kb.mul(kb.load(state, {d, c}), decay), state, {d, c});
      });
    }
    kb.forLoop(zero, n, [&](Value i) {
      // k_i decayed from its own row to the chunk's end: b_last - b_i <= 0.
      Value ki = kb.load(k, {i, d});
      if (bLast)
        ki = kb.mul(ki, kb.exp(gate.cumDiff(kb, cum, last, i, d)));
      kb.forLoop(zero, vDim, [&](Value c) {
        kb.store(kb.add(kb.load(state, {d, c}), kb.mul(ki, kb.load(x, {i, c}))),
                 state, {d, c});
      });
    });
  });
}

//===----------------------------------------------------------------------===//
// Recurrent form
//===----------------------------------------------------------------------===//

void cpu::decayState(KernelBuilder &kb, const LogGate &gate, Value b, Value t,
                     Value h, Value state) {
  if (!gate.decays())
    return;
  Value zero = kb.idx(0);
  Value kDim = kb.dim(state, 0), vDim = kb.dim(state, 1);
  Value rowDecay;
  if (!gate.perChannel())
    rowDecay = kb.exp(gate.step(kb, b, t, h, zero));
  kb.forLoop(zero, kDim, [&](Value d) {
    Value a = rowDecay ? rowDecay : kb.exp(gate.step(kb, b, t, h, d));
    kb.forLoop(zero, vDim, [&](Value c) {
      kb.store(kb.mul(kb.load(state, {d, c}), a), state, {d, c});
    });
  });
}

void cpu::readOut(KernelBuilder &kb, Value state, Value q, Value o, Value b,
                  Value t, Value h, Value acc) {
  Value zero = kb.idx(0);
  Value kDim = kb.dim(state, 0), vDim = kb.dim(state, 1);
  kb.fill(acc, kb.f32(0.0));
  kb.forLoop(zero, kDim, [&](Value d) {
    Value qd = kb.load(q, {zero, d});
    kb.forLoop(zero, vDim, [&](Value c) {
      kb.store(kb.add(kb.load(acc, {c}), kb.mul(qd, kb.load(state, {d, c}))),
               acc, {c});
    });
  });
  kb.forLoop(zero, vDim, [&](Value c) {
    kb.store(kb.load(acc, {c}), o, {b, t, h, c});
  });
}
