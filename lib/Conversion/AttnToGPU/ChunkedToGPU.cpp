//===- ChunkedToGPU.cpp - chunked attn.linear / attn.delta kernels --------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The chunked (prefill) form of the linear and delta-rule ops in two
// kernels, C = 64 tokens per chunk, bf16 operands on tensor cores (mma.sync
// m16n8k16), f32 accumulation, gates and state:
//
// - `<fn>_{delta,linear}_prep`: one CTA of 4 warps per (chunk, value head,
//   batch), all chunks in parallel. Gate cumsum b (log2 units, f32) over
//   the chunk; A_kk = StrictTril(diag(beta) (K K^T . Gamma)) and A_qk =
//   scale Tril(Q K^T . Gamma) with Gamma_ij = exp2(b_i - b_j): one mma
//   product for no gate / one decay per head; for a per-channel gate (GLA,
//   KDA) the sub-chunk scheme — blocks of 16 rows, pairs in different
//   blocks through the later block's anchor e (the earlier block's last
//   row): (K_i . 2^(b_i - b_e)) (K_j . 2^(b_e - b_j))^T, both factors <= 1,
//   on tensor cores; the diagonal 16 x 16 blocks element by element in f32.
//   Every exponent formed is <= 0 (the masked upper triangle is clamped
//   before exp2), so gates near -20 stay finite. Delta: T = (I + A_kk)^-1
//   diag(beta) by forward substitution in f32 (one thread per column), then
//   W = T (K . 2^b) and U = T V on tensor cores. Writes W, U (linear: U = V),
//   Qg = scale Q . 2^b, Kg = K . 2^(b_C - b), A_qk (bf16) and 2^(b_C) (f32)
//   to workspaces laid out [B, HV, chunks * 64, .] (rows past T are zeros).
// - `<fn>_{delta,linear}_scan`: one CTA per (slice of 16 * warps value
//   columns, value head, batch) walks the chunks in order with the f32
//   state in registers, transposed: each warp owns 16 value columns v and
//   holds S^T[v, :] as mma accumulators, which (packed to bf16) are the A
//   operand of the next products, FlashAttention-2's P trick. Per chunk:
//     V_new^T = U^T - S^T W^T                       (delta only)
//     O^T     = S^T Qg^T + V_new^T A_qk^T
//     S^T     = S^T diag(2^(b_C)) + V_new^T Kg
//   The next chunk's tiles are copied (cp.async, double-buffered) while this
//   one computes. Initial and final states are [B, HV, K, V] f32.
//
//===----------------------------------------------------------------------===//

#include "GpuBuilder.h"
#include "Kernels.h"
#include "LinearDelta.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include <cmath>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::gpu_kernels;

namespace {
constexpr int64_t C = kGpuChunk;
constexpr double kLog2e = 1.4426950408889634;

enum PrepArg {
  pQ,
  pK,
  pV,
  pBeta,
  pGate,
  pW,
  pU,
  pQg,
  pKg,
  pAqk,
  pGc,
  pB,
  pT,
  pH,
  pHV,
  kNumPrepArgs
};
constexpr const char *kPrepArgNames[] = {"q",  "k", "v",  "beta", "g",
                                         "w",  "u", "qg", "kg",   "aqk",
                                         "gc", "B", "T",  "H",    "HV"};
enum ScanArg {
  sW,
  sU,
  sQg,
  sKg,
  sAqk,
  sGc,
  sInit,
  sO,
  sFinal,
  sB,
  sT,
  sHV,
  kNumScanArgs
};
constexpr const char *kScanArgNames[] = {"w",           "u",  "qg", "kg",
                                         "aqk",         "gc", "s0", "o",
                                         "final_state", "B",  "T",  "HV"};

/// Warps of the scan kernel: 16 value columns each, as many as divide V (at
/// most 4).
int64_t scanWarps(int64_t v) {
  for (int64_t w = 4; w > 1; --w)
    if (v % (16 * w) == 0)
      return w;
  return 1;
}

/// Byte offset of element (row, col) of a swizzled tile of 16-bit elements
/// with `cols` columns (col even: a pair stays inside one 16-byte chunk).
Value tileElem(GpuBuilder &g, Value row, Value col, int64_t cols) {
  const int64_t cpr = cols / 8;
  const int64_t swz = GpuBuilder::swizzleFor(cpr);
  Value chunk = g.divu(col, g.c32(8));
  Value off = g.swizzled(row, chunk, g.andI(row, g.c32(swz - 1)), cpr);
  return g.add(off, g.mul(g.remu(col, g.c32(8)), g.c32(2)));
}
} // namespace

//===----------------------------------------------------------------------===//
// prep
//===----------------------------------------------------------------------===//

namespace {
/// f32 words per row of the staged gate cumsum: K + 8 for a per-channel
/// gate (the padding keeps the mma-fragment reads of 8 rows, 64-bit each,
/// off each other's banks), 1 otherwise.
int64_t gateStride(const LinearDeltaPlan &p) {
  return p.gate == Gate::Vector ? p.k + 8 : 1;
}

struct PrepLayout {
  int64_t q, k, v, g, a, t, beta, qn, kn, total;
  PrepLayout(const LinearDeltaPlan &p) {
    q = 0;
    k = q + 2 * C * p.k;
    v = k + 2 * C * p.k;
    g = v + 2 * C * p.v;
    a = g + 4 * C * gateStride(p);
    t = a + 4 * C * C;
    beta = t + 2 * C * C;
    qn = beta + 4 * C;
    kn = qn + 4 * C;
    total = kn + 4 * C;
  }
};
} // namespace

static void buildPrepKernel(gpu::GPUModuleOp module, StringRef name,
                            const LinearDeltaPlan &p, Location loc) {
  ImplicitLocOpBuilder b(loc, module.getContext());
  GpuBuilder g(b);
  Type f32T = g.f32(), i8T = b.getI8Type(), i32T = g.i32();
  Type bf16 = b.getBF16Type();
  const int64_t threads = 128, K = p.k, V = p.v;
  gpu::GPUFuncOp fn =
      createKernel(b, module, name, pB, kNumPrepArgs - pB, threads);
  auto arg = [&](int i) -> Value { return fn.getArgument(i); };
  const bool vec = p.gate == Gate::Vector;
  const bool decays = p.gate != Gate::None || !p.decay.empty();
  const int64_t gStride = gateStride(p);
  PrepLayout L(p);

  Value tid = g.threadId();
  Value warp = g.divu(tid, g.c32(32)), lane = g.remu(tid, g.c32(32));
  Value gq = g.divu(lane, g.c32(4)), tq = g.remu(lane, g.c32(4));
  Value chunkIdx = g.toI64(g.blockId(gpu::Dimension::x));
  Value hv = g.toI64(g.blockId(gpu::Dimension::y));
  Value bIdx = g.toI64(g.blockId(gpu::Dimension::z));
  Value seqT = arg(pT), heads = arg(pH), vHeads = arg(pHV);
  Value h = g.divs(hv, g.divs(vHeads, heads));
  Value t0 = g.mul(chunkIdx, g.c64(C));
  Value nValid = g.min(g.c64(C), g.sub(seqT, t0));
  Value nChunks = g.cdiv(seqT, g.c64(C));
  Value padT = g.mul(nChunks, g.c64(C));
  // Row r of this chunk in the [B, HV, chunks * C, .] workspaces.
  Value wsRow0 = g.add(g.mul(g.add(g.mul(bIdx, vHeads), hv), padT), t0);

  Value smem = g.sharedBase(module);
  auto at = [&](int64_t off) { return g.gep(smem, i8T, g.c32(off)); };
  Value sQ = at(L.q), sK = at(L.k), sV = at(L.v), sG = at(L.g), sA = at(L.a),
        sTm = at(L.t), sBeta = at(L.beta), sQn = at(L.qn), sKn = at(L.kn);

  // Stage q, k (head h) and v (head hv) rows of the chunk; zeros past T.
  auto rowSource = [&](Value ptr, Value nHeads, Value head, int64_t width) {
    return [&, ptr, nHeads, head, width](Value row, Value c) {
      Value r = g.toI64(row);
      Value valid = g.slt(r, nValid);
      Value base = g.mul(
          g.add(g.mul(g.add(g.mul(bIdx, seqT), g.add(t0, r)), nHeads), head),
          g.c64(width));
      Value off = g.add(base, g.toI64(g.mul(c, g.c32(8))));
      return std::make_pair(valid, g.gep(ptr, bf16, off));
    };
  };
  copyTile(g, sQ, C, K, threads, tid, arg(pQ), rowSource(arg(pQ), heads, h, K));
  copyTile(g, sK, C, K, threads, tid, arg(pK), rowSource(arg(pK), heads, h, K));
  copyTile(g, sV, C, V, threads, tid, arg(pV),
           rowSource(arg(pV), vHeads, hv, V));
  g.cpAsyncCommit();

  auto loadF32 = [&](Type elem, Value ptr, Value off) -> Value {
    Value x = g.loadGlobal(elem, g.gep(ptr, elem, off));
    return elem.isF32() ? x : arith::ExtFOp::create(b, f32T, x).getResult();
  };
  Value zeroF = g.f(0.0), oneF = g.f(1.0);
  Value lastRow = g.sub(nValid, g.c64(1));
  // Gates in log2 units (zeros past T, so the cumsum stays flat there).
  if (vec) {
    for (int64_t i = 0; i < C * K / threads; ++i) {
      Value idx = g.add(g.c32(i * threads), tid);
      Value r = g.toI64(g.divu(idx, g.c32(K))),
            d = g.toI64(g.remu(idx, g.c32(K)));
      Value rr = g.min(r, lastRow);
      Value off = g.add(
          g.mul(
              g.add(g.mul(g.add(g.mul(bIdx, seqT), g.add(t0, rr)), vHeads), hv),
              g.c64(K)),
          d);
      Value x = g.fmul(loadF32(p.gateElem, arg(pGate), off), g.f(kLog2e));
      Value slot = g.add(g.mul(g.toI32(r), g.c32(gStride)), g.toI32(d));
      g.storeGlobal(g.select(g.slt(r, nValid), x, zeroF),
                    g.gep(sG, f32T, slot));
    }
  }
  {
    // Per-row values: scalar gate or constant decay, beta.
    auto ifOp = scf::IfOp::create(b, TypeRange{}, g.slt(tid, g.c32(C)), false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    Value r = g.toI64(tid);
    Value valid = g.slt(r, nValid);
    Value rr = g.min(r, lastRow);
    Value rowOff =
        g.add(g.mul(g.add(g.mul(bIdx, seqT), g.add(t0, rr)), vHeads), hv);
    if (p.gate == Gate::Scalar || !p.decay.empty()) {
      Value x;
      if (p.gate == Gate::Scalar) {
        x = loadF32(p.gateElem, arg(pGate), rowOff);
      } else {
        x = g.f(p.decay[0]);
        for (size_t i = 1; i < p.decay.size(); ++i)
          x = g.select(g.eq(h, g.c64(i)), g.f(p.decay[i]), x);
      }
      g.storeGlobal(g.select(valid, g.fmul(x, g.f(kLog2e)), zeroF),
                    g.gep(sG, f32T, tid));
    }
    if (p.delta)
      g.storeGlobal(
          g.select(valid, loadF32(p.betaElem, arg(pBeta), rowOff), zeroF),
          g.gep(sBeta, f32T, tid));
  }
  g.cpAsyncWait(0);
  g.barrier();

  // Chunk-local cumsum of the gate: thread d scans column d.
  if (decays) {
    const int64_t cols = vec ? K : 1;
    auto ifOp =
        scf::IfOp::create(b, TypeRange{}, g.slt(tid, g.c32(cols)), false);
    // (column tid of rows r * gStride)
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    Value run = zeroF;
    for (int64_t r = 0; r < C; ++r) {
      Value ptr = g.gep(sG, f32T, g.add(g.c32(r * gStride), tid));
      run = g.fadd(run, g.loadGlobal(f32T, ptr));
      g.storeGlobal(run, ptr);
    }
  }
  // L2 norms: threads 0..63 for q rows, 64..127 for k rows.
  if (p.l2norm) {
    Value isK = g.sle(g.c32(C), tid);
    Value r = g.remu(tid, g.c32(C));
    Value tile = LLVM::SelectOp::create(b, isK, sK, sQ);
    Value ss = zeroF;
    for (int64_t c = 0; c < K; c += 2) {
      Value pr =
          g.loadGlobal(i32T, g.gep(tile, i8T, tileElem(g, r, g.c32(c), K)));
      auto [x0, x1] = g.unpack2(pr, bf16);
      ss = g.fadd(ss, g.fadd(g.fmul(x0, x0), g.fmul(x1, x1)));
    }
    Value inv = LLVM::CallIntrinsicOp::create(
                    b, f32T, b.getStringAttr("llvm.nvvm.rsqrt.approx.f"),
                    ValueRange{g.fadd(ss, g.f(1e-6))})
                    .getResult(0);
    Value dst = LLVM::SelectOp::create(b, isK, sKn, sQn);
    g.storeGlobal(inv, g.gep(dst, f32T, r));
  }
  g.barrier();

  auto gateAt = [&](Value row, Value d) -> Value { // b[row][d], log2 units
    if (vec)
      return g.loadGlobal(
          f32T, g.gep(sG, f32T, g.add(g.mul(row, g.c32(gStride)), d)));
    return g.loadGlobal(f32T, g.gep(sG, f32T, row));
  };
  // b[row][d], b[row][d + 1] (d even) of a per-channel gate: one 64-bit load.
  auto gatePair = [&](Value row, Value d) {
    Value ptr = g.gep(sG, f32T, g.add(g.mul(row, g.c32(gStride)), d));
    Value v2 = g.loadGlobal(VectorType::get({2}, f32T), ptr);
    return std::make_pair(
        vector::ExtractOp::create(b, v2, ArrayRef<int64_t>{0}).getResult(),
        vector::ExtractOp::create(b, v2, ArrayRef<int64_t>{1}).getResult());
  };
  auto pairAt = [&](Value tile, Value row, Value col) {
    return g.loadGlobal(i32T, g.gep(tile, i8T, tileElem(g, row, col, K)));
  };
  auto normAt = [&](Value vecPtr, Value row) -> Value {
    if (!p.l2norm)
      return oneF;
    return g.loadGlobal(f32T, g.gep(vecPtr, f32T, row));
  };

  // A_kk and A_qk rows of this warp: I = warp, rows 16 I + gq (+ 8).
  const int64_t nt = C / 8, kd = K / 16;
  SmallVector<Acc4> akk(nt, Acc4{zeroF, zeroF, zeroF, zeroF});
  SmallVector<Acc4> aqk(nt, Acc4{zeroF, zeroF, zeroF, zeroF});
  Value rowBase = g.mul(warp, g.c32(16));
  Value twoTq = g.mul(tq, g.c32(2));
  // Tiles (2J, 2J+1) under a warp-uniform condition: the 16 accumulators
  // come out of an scf.if whose else branch keeps zeros.
  auto blockIf = [&](Value cond, int64_t J,
                     llvm::function_ref<void(SmallVector<Value> &)> body) {
    SmallVector<Value> cur;
    for (int64_t n = 2 * J; n < 2 * J + 2; ++n)
      for (int e = 0; e < 4; ++e) {
        cur.push_back(akk[n][e]);
        cur.push_back(aqk[n][e]);
      }
    SmallVector<Type> types(cur.size(), f32T);
    auto ifOp = scf::IfOp::create(b, types, cond, true);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      SmallVector<Value> out(cur);
      body(out);
      scf::YieldOp::create(b, out);
      b.setInsertionPointToStart(ifOp.elseBlock());
      scf::YieldOp::create(b, cur);
    }
    int i = 0;
    for (int64_t n = 2 * J; n < 2 * J + 2; ++n)
      for (int e = 0; e < 4; ++e) {
        akk[n][e] = ifOp.getResult(i++);
        aqk[n][e] = ifOp.getResult(i++);
      }
  };
  // Operand fragments from the staged tiles, each element times `scaleOf`
  // (row, col) when given (the gate factors).
  using ScaleFn = llvm::function_ref<std::pair<Value, Value>(Value, Value)>;
  auto pairScaled = [&](Value tile, Value row, Value col, ScaleFn scaleOf) {
    Value pr = pairAt(tile, row, col);
    if (!scaleOf)
      return pr;
    auto [x0, x1] = g.unpack2(pr, bf16);
    auto [f0, f1] = scaleOf(row, col);
    return g.pack2(g.fmul(x0, f0), g.fmul(x1, f1), bf16);
  };
  auto fragA = [&](Value tile, int64_t k, ScaleFn scaleOf) {
    Frag4 a;
    for (int r = 0; r < 4; ++r) {
      Value row = g.add(rowBase, g.add(gq, g.c32(8 * (r & 1))));
      Value col = g.add(twoTq, g.c32(16 * k + 8 * (r >> 1)));
      a[r] = pairScaled(tile, row, col, scaleOf);
    }
    return a;
  };
  auto fragB = [&](Value tile, Value row, int64_t k, int r, ScaleFn scaleOf) {
    Value col = g.add(twoTq, g.c32(16 * k + 8 * r));
    return pairScaled(tile, row, col, scaleOf);
  };

  if (vec) {
    // Blocks J < I through the anchor e = 16 J + 15.
    for (int64_t J = 0; J + 1 < C / 16; ++J) {
      blockIf(g.slt(g.c32(J), warp), J, [&](SmallVector<Value> &acc) {
        Value e = g.c32(16 * J + 15);
        for (int64_t k = 0; k < kd; ++k) {
          // 2^(b_e - b_row) (right) and the A fragments of k and q times
          // 2^(b_row - b_e) (left), the factors shared by both.
          auto right = [&](Value row, Value col) {
            auto [r0, r1] = gatePair(row, col);
            auto [e0, e1] = gatePair(e, col);
            return std::make_pair(g.exp2(g.fsub(e0, r0)),
                                  g.exp2(g.fsub(e1, r1)));
          };
          Frag4 ak, aq;
          for (int r = 0; r < 4; ++r) {
            Value row = g.add(rowBase, g.add(gq, g.c32(8 * (r & 1))));
            Value col = g.add(twoTq, g.c32(16 * k + 8 * (r >> 1)));
            auto [r0, r1] = gatePair(row, col);
            auto [e0, e1] = gatePair(e, col);
            Value f0 = g.exp2(g.fsub(r0, e0)), f1 = g.exp2(g.fsub(r1, e1));
            auto [k0, k1] = g.unpack2(pairAt(sK, row, col), bf16);
            auto [q0, q1] = g.unpack2(pairAt(sQ, row, col), bf16);
            ak[r] = g.pack2(g.fmul(k0, f0), g.fmul(k1, f1), bf16);
            aq[r] = g.pack2(g.fmul(q0, f0), g.fmul(q1, f1), bf16);
          }
          for (int64_t n = 0; n < 2; ++n) {
            Value row = g.add(gq, g.c32(16 * J + 8 * n));
            Value b0 = fragB(sK, row, k, 0, right);
            Value b1 = fragB(sK, row, k, 1, right);
            Acc4 c0, c1;
            for (int i = 0; i < 4; ++i) {
              c0[i] = acc[(n * 4 + i) * 2];
              c1[i] = acc[(n * 4 + i) * 2 + 1];
            }
            c0 = g.mma(ak, b0, b1, c0, bf16);
            c1 = g.mma(aq, b0, b1, c1, bf16);
            for (int i = 0; i < 4; ++i) {
              acc[(n * 4 + i) * 2] = c0[i];
              acc[(n * 4 + i) * 2 + 1] = c1[i];
            }
          }
        }
      });
    }
  } else {
    for (int64_t J = 0; J < C / 16; ++J) {
      blockIf(g.sle(g.c32(J), warp), J, [&](SmallVector<Value> &acc) {
        for (int64_t k = 0; k < kd; ++k) {
          Frag4 ak = fragA(sK, k, nullptr), aq = fragA(sQ, k, nullptr);
          for (int64_t n = 0; n < 2; ++n) {
            Value row = g.add(gq, g.c32(16 * J + 8 * n));
            Value b0 = fragB(sK, row, k, 0, nullptr);
            Value b1 = fragB(sK, row, k, 1, nullptr);
            Acc4 c0, c1;
            for (int i = 0; i < 4; ++i) {
              c0[i] = acc[(n * 4 + i) * 2];
              c1[i] = acc[(n * 4 + i) * 2 + 1];
            }
            c0 = g.mma(ak, b0, b1, c0, bf16);
            c1 = g.mma(aq, b0, b1, c1, bf16);
            for (int i = 0; i < 4; ++i) {
              acc[(n * 4 + i) * 2] = c0[i];
              acc[(n * 4 + i) * 2 + 1] = c1[i];
            }
          }
        }
      });
    }
  }

  // This thread's rows and the columns of its accumulator elements.
  auto rowOf = [&](int e) {
    return g.add(rowBase, g.add(gq, g.c32(8 * (e >> 1))));
  };
  auto colOf = [&](Value diagBase, int64_t n, int e) {
    return g.add(diagBase, g.add(twoTq, g.c32(8 * n + (e & 1))));
  };

  // Diagonal block (per-channel gate): element by element in f32, 8 key
  // channels per step (one 16-byte load per row and tile). Pairs above the
  // diagonal form exponents > 0 (possibly inf, and NaN sums): the masks
  // below replace them, never multiply them.
  SmallVector<Value> diagKK(8, zeroF), diagQK(8, zeroF);
  if (vec) {
    SmallVector<Value> init(16, zeroF);
    auto v8f = VectorType::get({8}, f32T);
    auto v8h = VectorType::get({8}, bf16);
    auto v4f = VectorType::get({4}, f32T);
    auto loop = scf::ForOp::create(b, g.c32(0), g.c32(K / 8), g.c32(1), init);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value c8 = loop.getInductionVar();
      SmallVector<Value> acc(loop.getRegionIterArgs().begin(),
                             loop.getRegionIterArgs().end());
      auto eight = [&](Value tile, Value row) {
        Value off = tileElem(g, row, g.mul(c8, g.c32(8)), K);
        Value x = arith::ExtFOp::create(
            b, v8f,
            LLVM::LoadOp::create(b, v8h, g.gep(tile, i8T, off), 16)
                .getResult());
        SmallVector<Value> out;
        for (int64_t e = 0; e < 8; ++e)
          out.push_back(vector::ExtractOp::create(b, x, ArrayRef<int64_t>{e}));
        return out;
      };
      auto gates = [&](Value row) {
        SmallVector<Value> out;
        for (int h = 0; h < 2; ++h) {
          Value d = g.add(g.mul(c8, g.c32(8)), g.c32(4 * h));
          Value ptr = g.gep(sG, f32T, g.add(g.mul(row, g.c32(gStride)), d));
          Value x = LLVM::LoadOp::create(b, v4f, ptr, 16);
          for (int64_t e = 0; e < 4; ++e)
            out.push_back(
                vector::ExtractOp::create(b, x, ArrayRef<int64_t>{e}));
        }
        return out;
      };
      struct RowVals {
        SmallVector<Value> k, q, g;
      };
      SmallVector<RowVals> rows, cols;
      for (int hf = 0; hf < 2; ++hf) {
        Value r = rowOf(2 * hf);
        rows.push_back({eight(sK, r), eight(sQ, r), gates(r)});
      }
      for (int64_t n = 0; n < 2; ++n)
        for (int e = 0; e < 2; ++e) {
          Value c = colOf(rowBase, n, e);
          cols.push_back({eight(sK, c), {}, gates(c)});
        }
      for (int64_t n = 0; n < 2; ++n)
        for (int e = 0; e < 4; ++e) {
          const RowVals &ri = rows[e >> 1];
          const RowVals &cj = cols[n * 2 + (e & 1)];
          int idx = n * 4 + e;
          for (int64_t d = 0; d < 8; ++d) {
            Value f = g.exp2(g.fsub(ri.g[d], cj.g[d]));
            Value kk = g.fmul(cj.k[d], f);
            acc[idx] = g.fma(ri.k[d], kk, acc[idx]);
            acc[8 + idx] = g.fma(ri.q[d], kk, acc[8 + idx]);
          }
        }
      scf::YieldOp::create(b, acc);
    }
    for (int i = 0; i < 8; ++i) {
      diagKK[i] = loop.getResult(i);
      diagQK[i] = loop.getResult(8 + i);
    }
  }

  // Finish A_kk (-> shared, f32) and A_qk (-> workspace, bf16): gate
  // factors (no per-channel gate), masks, beta, norms, scale.
  Value betaPtr = sBeta;
  for (int64_t n = 0; n < nt; ++n) {
    Value isDiag = g.eq(warp, g.c32(n / 2));
    SmallVector<Value> qkOut;
    for (int e = 0; e < 4; ++e) {
      Value i = rowOf(e);
      Value j = colOf(g.c32(0), n, e);
      Value kk = akk[n][e], qk = aqk[n][e];
      if (vec) {
        kk = g.select(isDiag, diagKK[(n % 2) * 4 + e], kk);
        qk = g.select(isDiag, diagQK[(n % 2) * 4 + e], qk);
      } else if (decays) {
        Value f = g.exp2(g.fmin(g.fsub(gateAt(i, j), gateAt(j, j)), zeroF));
        kk = g.fmul(kk, f);
        qk = g.fmul(qk, f);
      }
      Value kni = normAt(sKn, i), knj = normAt(sKn, j);
      if (p.delta) {
        Value bi = g.loadGlobal(f32T, g.gep(betaPtr, f32T, i));
        kk = g.fmul(kk, g.fmul(bi, g.fmul(kni, knj)));
        kk = g.select(g.slt(j, i), kk, zeroF);
        // Column-major: the solve reads columns A[m+1.., m] as vectors.
        g.storeGlobal(kk, g.gep(sA, f32T, g.add(g.mul(j, g.c32(C)), i)));
      }
      qk = g.fmul(qk, g.fmul(g.f(p.scale), g.fmul(normAt(sQn, i), knj)));
      qkOut.push_back(g.select(g.sle(j, i), qk, zeroF));
    }
    for (int hf = 0; hf < 2; ++hf) {
      Value i = g.toI64(rowOf(2 * hf));
      Value j = g.toI64(colOf(g.c32(0), n, 0));
      Value off = g.add(g.mul(g.add(wsRow0, i), g.c64(C)), j);
      g.storeGlobal(g.pack2(qkOut[2 * hf], qkOut[2 * hf + 1], bf16),
                    g.gep(arg(pAqk), bf16, off));
    }
  }
  g.barrier();

  // T = (I + A_kk)^-1 diag(beta): thread j < 64 solves column j by forward
  // substitution (right-looking: x_i -= A[i][m] x_m once x_m is final; A is
  // stored column-major, read 4 rows per load, the same for every thread).
  if (p.delta) {
    auto ifOp = scf::IfOp::create(b, TypeRange{}, g.slt(tid, g.c32(C)), false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    SmallVector<Value> x;
    for (int64_t i = 0; i < C; ++i)
      x.push_back(g.select(g.eq(tid, g.c32(i)), oneF, zeroF));
    auto v4 = VectorType::get({4}, f32T);
    for (int64_t m = 0; m < C; ++m) {
      Value negXm = arith::NegFOp::create(b, x[m]);
      for (int64_t i0 = (m + 1) / 4 * 4; i0 < C; i0 += 4) {
        Value col =
            LLVM::LoadOp::create(b, v4, g.gep(sA, f32T, g.c32(m * C + i0)), 16);
        for (int64_t i = std::max(i0, m + 1); i < i0 + 4; ++i) {
          Value aim =
              vector::ExtractOp::create(b, col, ArrayRef<int64_t>{i - i0});
          x[i] = g.fma(aim, negXm, x[i]);
        }
      }
    }
    Value bj = g.loadGlobal(f32T, g.gep(sBeta, f32T, tid));
    for (int64_t i = 0; i < C; ++i) {
      Value t = arith::TruncFOp::create(b, bf16, g.fmul(x[i], bj));
      g.storeGlobal(t, g.gep(sTm, i8T, tileElem(g, g.c32(i), tid, C)));
    }
  }

  // Qg = scale q 2^b, Kg = k 2^(b_C - b) to the workspaces; Kb = k 2^b
  // (delta) over the q tile (each thread rewrites the chunks it read).
  {
    const int64_t cpr = K / 8;
    auto v8f = VectorType::get({8}, f32T);
    auto v8h = VectorType::get({8}, bf16);
    for (int64_t i = 0; i < C * cpr / threads; ++i) {
      Value idx = g.add(g.c32(i * threads), tid);
      Value r = g.divu(idx, g.c32(cpr)), c = g.remu(idx, g.c32(cpr));
      Value off = tileElem(g, r, g.mul(c, g.c32(8)), K);
      Value qx = arith::ExtFOp::create(
          b, v8f,
          LLVM::LoadOp::create(b, v8h, g.gep(sQ, i8T, off), 16).getResult());
      Value kx = arith::ExtFOp::create(
          b, v8f,
          LLVM::LoadOp::create(b, v8h, g.gep(sK, i8T, off), 16).getResult());
      Value qs = g.fmul(g.f(p.scale), normAt(sQn, r));
      Value ks = normAt(sKn, r);
      SmallVector<Value> qg, kg, kb;
      // The 8 gate values of this piece (and of the last row): two 128-bit
      // loads each for a per-channel gate.
      auto gates8 = [&](Value row) {
        SmallVector<Value> out;
        auto v4 = VectorType::get({4}, f32T);
        for (int h = 0; h < 2; ++h) {
          Value d = g.add(g.mul(c, g.c32(8)), g.c32(4 * h));
          Value ptr = g.gep(sG, f32T, g.add(g.mul(row, g.c32(gStride)), d));
          Value x = LLVM::LoadOp::create(b, v4, ptr, 16);
          for (int64_t e = 0; e < 4; ++e)
            out.push_back(
                vector::ExtractOp::create(b, x, ArrayRef<int64_t>{e}));
        }
        return out;
      };
      SmallVector<Value> gRow, gLast;
      if (vec) {
        gRow = gates8(r);
        gLast = gates8(g.c32(C - 1));
      }
      for (int64_t e = 0; e < 8; ++e) {
        Value qe = vector::ExtractOp::create(b, qx, ArrayRef<int64_t>{e});
        Value ke = vector::ExtractOp::create(b, kx, ArrayRef<int64_t>{e});
        Value fq = qs, fk = ks, fb = ks;
        if (decays) {
          Value bv = vec ? gRow[e] : gateAt(r, r);
          Value bc = vec ? gLast[e] : gateAt(g.c32(C - 1), r);
          Value eb = g.exp2(bv);
          fq = g.fmul(fq, eb);
          fb = g.fmul(fb, eb);
          fk = g.fmul(fk, g.exp2(g.fsub(bc, bv)));
        }
        qg.push_back(g.fmul(qe, fq));
        kg.push_back(g.fmul(ke, fk));
        kb.push_back(g.fmul(ke, fb));
      }
      auto pack8 = [&](ArrayRef<Value> xs) {
        Value v = vector::FromElementsOp::create(b, v8f, xs);
        return arith::TruncFOp::create(b, v8h, v).getResult();
      };
      Value gOff = g.add(g.mul(g.add(wsRow0, g.toI64(r)), g.c64(K)),
                         g.toI64(g.mul(c, g.c32(8))));
      LLVM::StoreOp::create(b, pack8(qg), g.gep(arg(pQg), bf16, gOff), 16);
      LLVM::StoreOp::create(b, pack8(kg), g.gep(arg(pKg), bf16, gOff), 16);
      if (p.delta)
        LLVM::StoreOp::create(b, pack8(kb), g.gep(sQ, i8T, off), 16);
    }
    // 2^(b_C) per key channel (a scalar decay repeated).
    for (int64_t d0 = 0; d0 < K; d0 += threads) {
      Value d = g.add(g.c32(d0), tid);
      auto ifOp = scf::IfOp::create(b, TypeRange{}, g.slt(d, g.c32(K)), false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      Value v = decays ? g.exp2(gateAt(g.c32(C - 1), d)) : oneF;
      Value off = g.add(
          g.mul(g.add(g.mul(g.add(g.mul(bIdx, vHeads), hv), nChunks), chunkIdx),
                g.c64(K)),
          g.toI64(d));
      g.storeGlobal(v, g.gep(arg(pGc), f32T, off));
    }
  }
  g.barrier();

  // W = T Kb and U = T V (delta); U = V (linear).
  auto product = [&](Value bTile, int64_t width, Value out) {
    const int64_t nw = width / 8;
    SmallVector<Acc4> acc(nw, Acc4{zeroF, zeroF, zeroF, zeroF});
    Value lane15 = g.andI(lane, g.c32(15)), hi16 = g.divu(lane, g.c32(16));
    Value mask8 = g.andI(lane, g.c32(GpuBuilder::swizzleFor(C / 8) - 1));
    Value maskW = g.andI(lane, g.c32(GpuBuilder::swizzleFor(width / 8) - 1));
    for (int64_t k = 0; k < C / 16; ++k) {
      Value aOff = g.swizzled(g.add(rowBase, lane15), g.add(hi16, g.c32(2 * k)),
                              mask8, C / 8);
      Frag4 a = g.ldmatrix4(g.gep(sTm, i8T, aOff), false);
      for (int64_t dp = 0; dp < nw / 2; ++dp) {
        Value bOff = g.swizzled(g.add(lane15, g.c32(16 * k)),
                                g.add(hi16, g.c32(2 * dp)), maskW, width / 8);
        Frag4 bf = g.ldmatrix4(g.gep(bTile, i8T, bOff), true);
        g.mmaPairs(a, nullptr, bf, nullptr, acc[2 * dp], acc[2 * dp + 1], bf16);
      }
    }
    for (int hf = 0; hf < 2; ++hf) {
      Value i = g.toI64(rowOf(2 * hf));
      for (int64_t n = 0; n < nw; ++n) {
        Value j = g.toI64(colOf(g.c32(0), n, 0));
        Value off = g.add(g.mul(g.add(wsRow0, i), g.c64(width)), j);
        g.storeGlobal(g.pack2(acc[n][2 * hf], acc[n][2 * hf + 1], bf16),
                      g.gep(out, bf16, off));
      }
    }
  };
  if (p.delta) {
    product(sQ, K, arg(pW));
    product(sV, V, arg(pU));
  } else {
    const int64_t cpr = V / 8;
    for (int64_t i = 0; i < C * cpr / threads; ++i) {
      Value idx = g.add(g.c32(i * threads), tid);
      Value r = g.divu(idx, g.c32(cpr)), c = g.remu(idx, g.c32(cpr));
      Value off = tileElem(g, r, g.mul(c, g.c32(8)), V);
      auto v8h = VectorType::get({8}, bf16);
      Value x = LLVM::LoadOp::create(b, v8h, g.gep(sV, i8T, off), 16);
      Value gOff = g.add(g.mul(g.add(wsRow0, g.toI64(r)), g.c64(V)),
                         g.toI64(g.mul(c, g.c32(8))));
      LLVM::StoreOp::create(b, x, g.gep(arg(pU), bf16, gOff), 16);
    }
  }
  gpu::ReturnOp::create(b);
}

//===----------------------------------------------------------------------===//
// scan
//===----------------------------------------------------------------------===//

namespace {
struct ScanLayout {
  int64_t w, qg, kg, aqk, u, gc, stage;
  ScanLayout(const LinearDeltaPlan &p, int64_t vs) {
    w = 0;
    qg = w + (p.delta ? 2 * C * p.k : 0);
    kg = qg + 2 * C * p.k;
    aqk = kg + 2 * C * p.k;
    u = aqk + 2 * C * C;
    gc = u + 2 * C * vs;
    stage = gc + 4 * p.k;
  }
};
} // namespace

static void buildScanKernel(gpu::GPUModuleOp module, StringRef name,
                            const LinearDeltaPlan &p, int64_t warps,
                            Location loc) {
  ImplicitLocOpBuilder b(loc, module.getContext());
  GpuBuilder g(b);
  Type f32T = g.f32(), i8T = b.getI8Type();
  Type bf16 = b.getBF16Type();
  const int64_t threads = 32 * warps, K = p.k, V = p.v, vs = 16 * warps;
  gpu::GPUFuncOp fn =
      createKernel(b, module, name, sB, kNumScanArgs - sB, threads);
  auto arg = [&](int i) -> Value { return fn.getArgument(i); };
  ScanLayout L(p, vs);
  const int64_t nK = K / 8;

  Value tid = g.threadId();
  Value warp = g.divu(tid, g.c32(32)), lane = g.remu(tid, g.c32(32));
  Value gq = g.divu(lane, g.c32(4)), tq = g.remu(lane, g.c32(4));
  Value vs0 = g.mul(g.toI64(g.blockId(gpu::Dimension::x)), g.c64(vs));
  Value hv = g.toI64(g.blockId(gpu::Dimension::y));
  Value bIdx = g.toI64(g.blockId(gpu::Dimension::z));
  Value seqT = arg(sT), vHeads = arg(sHV);
  Value nChunks = g.cdiv(seqT, g.c64(C));
  Value padT = g.mul(nChunks, g.c64(C));
  Value head = g.add(g.mul(bIdx, vHeads), hv);
  Value wsRow0 = g.mul(head, padT);
  Value zeroF = g.f(0.0);
  Value twoTq = g.mul(tq, g.c32(2));
  // This warp's value columns: vs0 + 16 warp + gq (+ 8).
  Value vWarp = g.add(vs0, g.toI64(g.mul(warp, g.c32(16))));

  Value smem = g.sharedBase(module);
  auto stageBase = [&](Value c) { // chunk c -> its stage
    Value s = g.toI32(g.remu(c, g.c64(2)));
    return g.gep(smem, i8T, g.mul(s, g.c32(L.stage)));
  };
  // Copies of the chunk's tiles, addressed as (per-thread base + constant)
  // so that nothing but a few bases stays live across the chunk loop: with
  // threads a multiple of 8 rows' worth of 16-byte chunks, thread tid always
  // copies chunk tid % cpr of rows tid / cpr + i * threads / cpr, and the
  // swizzle mask of those rows is the same for every i.
  struct TileCopy {
    int64_t cols, rowStep, steps;
    Value smemOff;   // i32 bytes, i = 0
    Value globalOff; // i64 elements from the tile's first row, i = 0
  };
  auto tileCopy = [&](int64_t cols, int64_t stride) {
    const int64_t cpr = cols / 8, swz = GpuBuilder::swizzleFor(cpr);
    TileCopy t{cols, threads / cpr, C * cpr / threads, Value(), Value()};
    Value row = g.divu(tid, g.c32(cpr)), ch = g.remu(tid, g.c32(cpr));
    t.smemOff = g.swizzled(row, ch, g.andI(row, g.c32(swz - 1)), cpr);
    t.globalOff =
        g.add(g.mul(g.toI64(row), g.c64(stride)), g.toI64(g.mul(ch, g.c32(8))));
    return t;
  };
  TileCopy copyK = tileCopy(K, K), copyC = tileCopy(C, C),
           copyU = tileCopy(vs, V);
  Value trueV = arith::ConstantIntOp::create(b, 1, 1);
  auto copy = [&](const TileCopy &t, Value dst, Value src, int64_t stride) {
    for (int64_t i = 0; i < t.steps; ++i) {
      Value d =
          g.gep(dst, i8T, g.add(t.smemOff, g.c32(i * t.rowStep * t.cols * 2)));
      Value sp =
          g.gep(src, bf16, g.add(t.globalOff, g.c64(i * t.rowStep * stride)));
      g.cpAsync16(d, sp, trueV, sp);
    }
  };
  auto issue = [&](Value c) {
    Value base = stageBase(c);
    Value row0 = g.add(wsRow0, g.mul(c, g.c64(C)));
    auto tileAt = [&](Value ptr, int64_t width) {
      return g.gep(ptr, bf16, g.mul(row0, g.c64(width)));
    };
    if (p.delta)
      copy(copyK, g.gep(base, i8T, g.c32(L.w)), tileAt(arg(sW), K), K);
    copy(copyK, g.gep(base, i8T, g.c32(L.qg)), tileAt(arg(sQg), K), K);
    copy(copyK, g.gep(base, i8T, g.c32(L.kg)), tileAt(arg(sKg), K), K);
    copy(copyC, g.gep(base, i8T, g.c32(L.aqk)), tileAt(arg(sAqk), C), C);
    copy(copyU, g.gep(base, i8T, g.c32(L.u)),
         g.gep(tileAt(arg(sU), V), bf16, vs0), V);
    // 2^(b_C): K f32.
    for (int64_t i0 = 0; i0 < K / 4; i0 += threads) {
      Value i = g.add(g.c32(i0), tid);
      auto ifOp =
          scf::IfOp::create(b, TypeRange{}, g.slt(i, g.c32(K / 4)), false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      Value gOff = g.add(g.mul(g.add(g.mul(head, nChunks), c), g.c64(K)),
                         g.toI64(g.mul(i, g.c32(4))));
      Value sp = g.gep(arg(sGc), f32T, gOff);
      g.cpAsync16(g.gep(base, i8T, g.add(g.c32(L.gc), g.mul(i, g.c32(16)))), sp,
                  trueV, sp);
    }
    g.cpAsyncCommit();
  };

  // S^T in registers: tile n covers key channels 8n .. 8n + 7.
  Value stateBase = g.mul(head, g.c64(K * V));
  auto stateOff = [&](int64_t n, int e) {
    Value d = g.toI64(g.add(twoTq, g.c32(8 * n + (e & 1))));
    Value v = g.add(vWarp, g.toI64(g.add(gq, g.c32(8 * (e >> 1)))));
    return g.add(stateBase, g.add(g.mul(d, g.c64(V)), v));
  };
  SmallVector<Value> init;
  for (int64_t n = 0; n < nK; ++n)
    for (int e = 0; e < 4; ++e)
      init.push_back(p.hasInit ? g.loadGlobal(f32T, g.gep(arg(sInit), f32T,
                                                          stateOff(n, e)))
                               : zeroF);

  issue(g.c64(0));

  // ldmatrix addresses as (row part + chunk part), rows varying by
  // multiples of 8 only (constant offsets), the XOR-swizzled chunk parts
  // precomputed: B fragments of [rows, cols] tiles read by rows (W, Qg,
  // A_qk: lanes address rows lane7 + 8 hi16, chunks mid8 + 2k) and
  // transposed (Kg, U: rows lane15, chunks hi16 + 2 dp).
  Value lane15 = g.andI(lane, g.c32(15)), lane7 = g.andI(lane, g.c32(7));
  Value hi16 = g.divu(lane, g.c32(16));
  Value mid8 = g.andI(g.divu(lane, g.c32(8)), g.c32(1));
  Value rowsRow = g.add(lane7, g.mul(hi16, g.c32(8)));
  auto chunkParts = [&](Value first, int64_t cols, int64_t count) {
    Value mask = g.andI(lane, g.c32(GpuBuilder::swizzleFor(cols / 8) - 1));
    SmallVector<Value> parts;
    for (int64_t k = 0; k < count; ++k)
      parts.push_back(
          g.mul(g.xorI(g.add(first, g.c32(2 * k)), mask), g.c32(16)));
    return parts;
  };
  SmallVector<Value> rowsChunkK = chunkParts(mid8, K, K / 16);
  SmallVector<Value> rowsChunkC = chunkParts(mid8, C, C / 16);
  SmallVector<Value> transChunkK = chunkParts(hi16, K, K / 16);
  Value transChunkU =
      g.mul(g.xorI(g.add(hi16, g.mul(warp, g.c32(2))),
                   g.andI(lane, g.c32(GpuBuilder::swizzleFor(vs / 8) - 1))),
            g.c32(16));
  Value rowsRowK = g.mul(rowsRow, g.c32(2 * K));
  Value rowsRowC = g.mul(rowsRow, g.c32(2 * C));
  Value transRowK = g.mul(lane15, g.c32(2 * K));
  Value transRowU = g.mul(lane15, g.c32(2 * vs));

  auto loop = scf::ForOp::create(b, g.c64(0), nChunks, g.c64(1), init);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value c = loop.getInductionVar();
    SmallVector<Value> st(loop.getRegionIterArgs().begin(),
                          loop.getRegionIterArgs().end());
    g.cpAsyncWait(0);
    g.barrier();
    {
      auto more = scf::IfOp::create(b, TypeRange{},
                                    g.slt(g.add(c, g.c64(1)), nChunks), false);
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPointToStart(more.thenBlock());
      issue(g.add(c, g.c64(1)));
    }
    Value base = stageBase(c);
    auto tile = [&](int64_t off) { return g.gep(base, i8T, g.c32(off)); };
    Value tW = tile(L.w), tQg = tile(L.qg), tKg = tile(L.kg),
          tAqk = tile(L.aqk), tU = tile(L.u), tGc = tile(L.gc);

    auto accAt = [&](SmallVector<Value> &v, int64_t n) {
      return Acc4{v[n * 4], v[n * 4 + 1], v[n * 4 + 2], v[n * 4 + 3]};
    };
    auto put = [&](SmallVector<Value> &v, int64_t n, const Acc4 &a) {
      for (int e = 0; e < 4; ++e)
        v[n * 4 + e] = a[e];
    };
    // Two accumulator tiles (2k, 2k+1) as one k16 A fragment.
    auto aFrag = [&](SmallVector<Value> &v, int64_t k) {
      return Frag4{g.pack2(v[8 * k], v[8 * k + 1], bf16),
                   g.pack2(v[8 * k + 2], v[8 * k + 3], bf16),
                   g.pack2(v[8 * k + 4], v[8 * k + 5], bf16),
                   g.pack2(v[8 * k + 6], v[8 * k + 7], bf16)};
    };
    // B fragments of a [n][k] tile (rows = chunk rows, like K in Q K^T):
    // n-tiles 2 np, 2 np + 1, k-step k.
    auto bRows = [&](Value t, int64_t cols, int64_t np, int64_t k) {
      Value rowPart = cols == K ? rowsRowK : rowsRowC;
      Value chunk = cols == K ? rowsChunkK[k] : rowsChunkC[k];
      Value off = g.add(g.add(rowPart, chunk), g.c32(16 * np * 2 * cols));
      return g.ldmatrix4(g.gep(t, i8T, off), false);
    };
    // S^T times the rows of a [rows, K] tile: [16 v, 64 rows]. Computed
    // one product at a time (S^T W^T, then S^T Qg^T) to keep registers.
    auto timesRows = [&](Value t) {
      SmallVector<Value> acc(4 * (C / 8), zeroF);
      for (int64_t k = 0; k < K / 16; ++k) {
        Frag4 a = aFrag(st, k);
        for (int64_t np = 0; np < C / 16; ++np) {
          Frag4 f = bRows(t, K, np, k);
          Acc4 c0 = accAt(acc, 2 * np), c1 = accAt(acc, 2 * np + 1);
          g.mmaPairs(a, nullptr, f, nullptr, c0, c1, bf16);
          put(acc, 2 * np, c0);
          put(acc, 2 * np + 1, c1);
        }
      }
      return acc;
    };
    SmallVector<Value> ws;
    if (p.delta)
      ws = timesRows(tW);
    // V_new^T = U^T - S^T W^T: U^T in the accumulator layout straight from
    // ldmatrix.trans of the [rows, v] tile.
    SmallVector<Value> vn(4 * (C / 8), zeroF);
    for (int64_t k = 0; k < C / 16; ++k) {
      Value off = g.add(g.add(transRowU, transChunkU), g.c32(16 * k * 2 * vs));
      Frag4 uf = g.ldmatrix4(g.gep(tU, i8T, off), true);
      // uf[0]: rows 16k.., v gq; [1]: rows 16k+8.., v gq; [2], [3]: v gq+8.
      for (int r = 0; r < 4; ++r) {
        auto [x0, x1] = g.unpack2(uf[r], bf16);
        int64_t n = 2 * k + (r & 1);
        int hf = r >> 1;
        vn[n * 4 + 2 * hf] = x0;
        vn[n * 4 + 2 * hf + 1] = x1;
      }
    }
    if (p.delta)
      for (size_t i = 0; i < vn.size(); ++i)
        vn[i] = g.fsub(vn[i], ws[i]);
    // O^T = S^T Qg^T + V_new^T A_qk^T.
    SmallVector<Frag4> vf;
    for (int64_t k = 0; k < C / 16; ++k)
      vf.push_back(aFrag(vn, k));
    SmallVector<Value> o = timesRows(tQg);
    for (int64_t k = 0; k < C / 16; ++k)
      for (int64_t np = 0; np < C / 16; ++np) {
        Frag4 af = bRows(tAqk, C, np, k);
        Acc4 c0 = accAt(o, 2 * np), c1 = accAt(o, 2 * np + 1);
        g.mmaPairs(vf[k], nullptr, af, nullptr, c0, c1, bf16);
        put(o, 2 * np, c0);
        put(o, 2 * np + 1, c1);
      }
    // Store O^T: through this warp's [64 rows, 16 v] scratch, then 16-byte
    // row pieces to o[b, t, hv, v].
    {
      const int64_t eb = p.oElem.getIntOrFloatBitWidth() / 8;
      Value scratch =
          g.gep(smem, i8T,
                g.add(g.c32(2 * L.stage), g.mul(warp, g.c32(C * 16 * eb))));
      for (int64_t n = 0; n < C / 8; ++n)
        for (int e = 0; e < 4; ++e) {
          Value t = g.add(twoTq, g.c32(8 * n + (e & 1)));
          Value v = g.add(gq, g.c32(8 * (e >> 1)));
          Value x = o[n * 4 + e];
          if (!p.oElem.isF32())
            x = arith::TruncFOp::create(b, p.oElem, x);
          g.storeGlobal(x,
                        g.gep(scratch, p.oElem, g.add(g.mul(t, g.c32(16)), v)));
        }
      NVVM::SyncWarpOp::create(b, g.c32(-1));
      const int64_t perRow = eb; // 16-byte pieces per row of 16 values
      Value t0 = g.mul(c, g.c64(C));
      auto v16 = VectorType::get({16 / eb}, p.oElem);
      for (int64_t i = 0; i < C * perRow / 32; ++i) {
        Value idx = g.add(lane, g.c32(32 * i));
        Value r = g.divu(idx, g.c32(perRow)),
              piece = g.remu(idx, g.c32(perRow));
        Value t = g.add(t0, g.toI64(r));
        auto ifOp = scf::IfOp::create(b, TypeRange{}, g.slt(t, seqT), false);
        OpBuilder::InsertionGuard g2(b);
        b.setInsertionPointToStart(ifOp.thenBlock());
        Value x = LLVM::LoadOp::create(
            b, v16, g.gep(scratch, i8T, g.mul(idx, g.c32(16))), 16);
        Value off =
            g.add(g.mul(g.add(g.mul(g.add(g.mul(bIdx, seqT), t), vHeads), hv),
                        g.c64(V)),
                  g.add(vWarp, g.toI64(g.mul(piece, g.c32(16 / eb)))));
        LLVM::StoreOp::create(b, x, g.gep(arg(sO), p.oElem, off), 16);
      }
    }
    // S^T = S^T diag(2^(b_C)) + V_new^T Kg.
    SmallVector<Value> next(st);
    for (int64_t n = 0; n < nK; ++n)
      for (int e = 0; e < 2; ++e) {
        Value d = g.add(twoTq, g.c32(8 * n + e));
        Value f = g.loadGlobal(f32T, g.gep(tGc, f32T, d));
        next[n * 4 + e] = g.fmul(next[n * 4 + e], f);
        next[n * 4 + 2 + e] = g.fmul(next[n * 4 + 2 + e], f);
      }
    for (int64_t k = 0; k < C / 16; ++k)
      for (int64_t dp = 0; dp < nK / 2; ++dp) {
        Value off =
            g.add(g.add(transRowK, transChunkK[dp]), g.c32(16 * k * 2 * K));
        Frag4 kf = g.ldmatrix4(g.gep(tKg, i8T, off), true);
        Acc4 c0 = accAt(next, 2 * dp), c1 = accAt(next, 2 * dp + 1);
        g.mmaPairs(vf[k], nullptr, kf, nullptr, c0, c1, bf16);
        put(next, 2 * dp, c0);
        put(next, 2 * dp + 1, c1);
      }
    scf::YieldOp::create(b, next);
  }
  if (p.hasFinal)
    for (int64_t n = 0; n < nK; ++n)
      for (int e = 0; e < 4; ++e)
        g.storeGlobal(loop.getResult(n * 4 + e),
                      g.gep(arg(sFinal), f32T, stateOff(n, e)));
  gpu::ReturnOp::create(b);
}

//===----------------------------------------------------------------------===//
// manifest
//===----------------------------------------------------------------------===//

ChunkedKernels gpu_kernels::buildChunked(gpu::GPUModuleOp module,
                                         StringRef prefix,
                                         const LinearDeltaPlan &p,
                                         Location loc) {
  MLIRContext *ctx = module.getContext();
  Builder b(ctx);
  const char *kind = p.delta ? "_delta" : "_linear";
  std::string prep = (prefix + kind + "_prep").str();
  std::string scan = (prefix + kind + "_scan").str();
  const int64_t warps = scanWarps(p.v);
  buildPrepKernel(module, prep, p, loc);
  buildScanKernel(module, scan, p, warps, loc);

  ChunkedKernels out;
  std::string k = std::to_string(p.k), v = std::to_string(p.v);
  std::string rows =
      "B*HV*cdiv(T," + std::to_string(C) + ")*" + std::to_string(C);
  auto workspace = [&](StringRef name, StringRef dtype, std::string elements) {
    NamedAttrList w;
    w.append("name", b.getStringAttr(name));
    w.append("dtype", b.getStringAttr(dtype));
    w.append("elements", b.getStringAttr(elements));
    out.workspaces.push_back(w.getDictionary(ctx));
  };
  if (p.delta)
    workspace("w", "bf16", rows + "*" + k);
  workspace("u", "bf16", rows + "*" + v);
  workspace("qg", "bf16", rows + "*" + k);
  workspace("kg", "bf16", rows + "*" + k);
  workspace("aqk", "bf16", rows + "*" + std::to_string(C));
  workspace("gc", "f32", "B*HV*cdiv(T," + std::to_string(C) + ")*" + k);

  auto launch = [&](StringRef kernel, ArrayRef<std::string> grid,
                    int64_t threads, int64_t smem,
                    ArrayRef<const char *> names) {
    NamedAttrList l;
    l.append("kernel", b.getStringAttr(kernel));
    l.append("grid", stringArray(ctx, grid));
    l.append("block", b.getI64ArrayAttr({threads, 1, 1}));
    l.append("smem", b.getI64IntegerAttr(smem));
    l.append("args", stringArray(ctx, SmallVector<std::string>(names.begin(),
                                                               names.end())));
    out.launches.push_back(l.getDictionary(ctx));
  };
  launch(prep, {"cdiv(T," + std::to_string(C) + ")", "HV", "B"}, 128,
         PrepLayout(p).total, kPrepArgNames);
  launch(scan, {std::to_string(p.v / (16 * warps)), "HV", "B"}, 32 * warps,
         2 * ScanLayout(p, 16 * warps).stage +
             warps * C * 16 * (p.oElem.getIntOrFloatBitWidth() / 8),
         kScanArgNames);
  return out;
}
