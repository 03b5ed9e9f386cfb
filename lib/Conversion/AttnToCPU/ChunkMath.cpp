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

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::cpu;

//===----------------------------------------------------------------------===//
// LogGate
//===----------------------------------------------------------------------===//

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
  g.constant.assign(decay.begin(), decay.end());
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
  if (perChannel())
    return kb.load(buffer, {b, t, h, d});
  return kb.load(buffer, {b, t, h});
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
  // One running f32 sum per column, reset at every chunk.
  kb.forLoop(zero, kb.dim(cum, 1), [&](Value c) {
    kb.forLoop(zero, n, one, ValueRange{kb.f32(0.0)},
               [&](Value r, ValueRange acc) -> SmallVector<Value> {
                 Value next = kb.add(acc[0], step(kb, b, kb.add(t0, r), h, c));
                 kb.store(next, cum, {r, c});
                 return {next};
               });
  });
}

Value LogGate::cumAt(KernelBuilder &kb, Value cum, Value r, Value d) const {
  return kb.load(cum, {r, perChannel() ? d : kb.idx(0)});
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

void cpu::decayedScores(KernelBuilder &kb, const LogGate &gate, Value cum,
                        Value y, Value n, ArrayRef<ScoreBlock> blocks) {
  Value zero = kb.idx(0), one = kb.idx(1);
  Value width = kb.dim(y, 1);
  bool anyInclusive = llvm::any_of(
      blocks, [](const ScoreBlock &block) { return block.inclusive; });
  // Reassociation lets the reduction over d vectorise, as in kb.sum.
  auto reassoc = arith::FastMathFlags::reassoc | arith::FastMathFlags::contract;
  SmallVector<Value> zeros(blocks.size(), kb.f32(0.0));
  kb.forLoop(zero, n, [&](Value r) {
    // Only the lower triangle is visited: every exponent below is
    // b_r - b_i with i <= r.
    Value hi = anyInclusive ? kb.add(r, one) : r;
    kb.forLoop(zero, hi, [&](Value i) {
      SmallVector<Value> sums = kb.forLoop(
          zero, width, one, zeros,
          [&](Value d, ValueRange acc) -> SmallVector<Value> {
            Value yd = kb.load(y, {i, d});
            // One exp per (r, i, d), shared by every block.
            if (gate.perChannel())
              yd = kb.mul(yd, kb.exp(kb.sub(gate.cumAt(kb, cum, r, d),
                                            gate.cumAt(kb, cum, i, d))));
            SmallVector<Value> next;
            for (auto [block, a] : llvm::zip(blocks, acc))
              next.push_back(arith::AddFOp::create(
                  kb.builder(), a, kb.mul(kb.load(block.x, {r, d}), yd),
                  reassoc));
            return next;
          });
      Value decay;
      if (gate.kind() == LogGate::Kind::scalar)
        decay = kb.exp(
            kb.sub(gate.cumAt(kb, cum, r, zero), gate.cumAt(kb, cum, i, zero)));
      for (auto [block, s] : llvm::zip(blocks, sums)) {
        auto emit = [&, &block = block, s = s] {
          Value value = decay ? kb.mul(s, decay) : s;
          if (block.rowScale)
            value = kb.mul(value, kb.load(block.rowScale, {r}));
          kb.store(value, block.dst, {r, i});
        };
        // A strict block skips the diagonal the inclusive ones need.
        if (block.inclusive || !anyInclusive)
          emit();
        else
          kb.ifThen(kb.cmp(arith::CmpIPredicate::slt, i, r), emit);
      }
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
        ki = kb.mul(ki, kb.exp(kb.sub(bLast, gate.cumAt(kb, cum, i, d))));
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
