//===- ChunkedPrep.cpp - the chunked form's per-chunk kernel --------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// `<fn>_{delta,linear}_prep`: one CTA of 4 warps per (chunk, value head,
// batch), every chunk in parallel (the math: ChunkedToGPU.cpp). Stages q, k,
// v rows (cp.async, zeros past T) and the gate, takes the gate's chunk-local
// cumsum in log2 units, forms A_kk and A_qk on tensor cores (per-channel
// gates through the sub-chunk anchors, diagonal blocks element by element),
// solves T = (I + A_kk)^-1 diag(beta) by forward substitution in f32, forms
// W and U by mma and writes W, U, Qg, Kg, A_qk and 2^(b_C) to workspaces
// laid out [B, HV, chunks * 64, .].
//
//===----------------------------------------------------------------------===//

#include "Chunked.h"
#include "GpuBuilder.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::gpu_kernels;
using namespace mlir::attn::gpu_kernels::chunked;

namespace {
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
} // namespace

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
    // (The gates' rows, overwritten once spent by the solve's f32 x.)
    a = g + std::max(4 * C * gateStride(p), p.delta ? 4 * C * C : 0);
    t = a + 4 * C * C;
    beta = t + 2 * C * C;
    qn = beta + 4 * C;
    kn = qn + 4 * C;
    total = kn + 4 * C;
  }
};
} // namespace

ChunkedLaunch chunked::buildPrepKernel(gpu::GPUModuleOp module, StringRef name,
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
  // An f32 per-channel gate arrives by cp.async with q, k, v (zeros past T,
  // so the cumsum stays flat there; scaled to log2 units by the cumsum):
  // one global load a thread and element, each stored to shared memory
  // before the next, was 0.4 of the prep's 1.03 ms (KDA, B=1 T=16384 on an
  // H200).
  const bool gateCopied = vec && p.gateElem.isF32();
  if (gateCopied) {
    const int64_t cpr = K / 4; // 16-byte chunks of 4 f32 a row
    for (int64_t i = 0; i < C * cpr / threads; ++i) {
      Value idx = g.add(g.c32(i * threads), tid);
      Value r = g.divu(idx, g.c32(cpr)), c = g.remu(idx, g.c32(cpr));
      Value r64 = g.toI64(r);
      Value off = g.add(
          g.mul(g.add(g.mul(g.add(g.mul(bIdx, seqT), g.add(t0, r64)), vHeads),
                      hv),
                g.c64(K)),
          g.toI64(g.mul(c, g.c32(4))));
      Value slot = g.add(g.mul(r, g.c32(gStride)), g.mul(c, g.c32(4)));
      g.cpAsync16(g.gep(sG, f32T, slot), g.gep(arg(pGate), f32T, off),
                  g.slt(r64, nValid), arg(pGate));
    }
    g.cpAsyncCommit();
  }
  // A 16-bit per-channel gate in log2 units (zeros past T).
  if (vec && !gateCopied) {
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
      Value x = g.loadGlobal(f32T, ptr);
      run = gateCopied ? g.fma(x, g.f(kLog2e), run) : g.fadd(run, x);
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
          g.loadGlobal(i32T, g.gep(tile, i8T, g.swizzledElem(r, g.c32(c), K)));
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
  // The 8 values at key channels 8 c8 .. 8 c8 + 7 of a row: of a staged
  // bf16 tile (one 16-byte load) or of a per-channel gate (two).
  auto tile8 = [&](Value tile, Value row, Value c8) {
    Value off = g.swizzledElem(row, g.mul(c8, g.c32(8)), K);
    Value x = arith::ExtFOp::create(
        b, VectorType::get({8}, f32T),
        LLVM::LoadOp::create(b, VectorType::get({8}, bf16),
                             g.gep(tile, i8T, off), 16)
            .getResult());
    SmallVector<Value> out;
    for (int64_t e = 0; e < 8; ++e)
      out.push_back(vector::ExtractOp::create(b, x, ArrayRef<int64_t>{e}));
    return out;
  };
  auto gates8 = [&](Value row, Value c8) {
    SmallVector<Value> out;
    for (int h = 0; h < 2; ++h) {
      Value d = g.add(g.mul(c8, g.c32(8)), g.c32(4 * h));
      Value ptr = g.gep(sG, f32T, g.add(g.mul(row, g.c32(gStride)), d));
      Value x = LLVM::LoadOp::create(b, VectorType::get({4}, f32T), ptr, 16);
      for (int64_t e = 0; e < 4; ++e)
        out.push_back(vector::ExtractOp::create(b, x, ArrayRef<int64_t>{e}));
    }
    return out;
  };
  auto pairAt = [&](Value tile, Value row, Value col) {
    return g.loadGlobal(i32T, g.gep(tile, i8T, g.swizzledElem(row, col, K)));
  };
  auto normAt = [&](Value vecPtr, Value row) -> Value {
    if (!p.l2norm)
      return oneF;
    return g.loadGlobal(f32T, g.gep(vecPtr, f32T, row));
  };

  // A_kk and A_qk rows of this warp: I = warp, rows 16 I + gq (+ 8).
  const int64_t nt = C / 8;
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
  // Fragments of the staged k / q tiles. With an anchor row `e` (per-channel
  // gate, pairs in different 16-row blocks) each element is scaled by its
  // gate factor: A (rows of this warp's block) by 2^(b_row - b_e), B (rows
  // of the earlier block) by 2^(b_e - b_row); both exponents are <= 0.
  // (k16: the first key channel of the k-step, i32.)
  auto aFrags = [&](Value k16, Value e) {
    Frag4 ak, aq;
    for (int r = 0; r < 4; ++r) {
      Value row = g.add(rowBase, g.add(gq, g.c32(8 * (r & 1))));
      Value col = g.add(g.add(twoTq, k16), g.c32(8 * (r >> 1)));
      ak[r] = pairAt(sK, row, col);
      aq[r] = pairAt(sQ, row, col);
      if (!e)
        continue;
      auto [r0, r1] = gatePair(row, col);
      auto [e0, e1] = gatePair(e, col);
      Value f0 = g.exp2(g.fsub(r0, e0)), f1 = g.exp2(g.fsub(r1, e1));
      auto [k0, k1] = g.unpack2(ak[r], bf16);
      auto [q0, q1] = g.unpack2(aq[r], bf16);
      ak[r] = g.pack2(g.fmul(k0, f0), g.fmul(k1, f1), bf16);
      aq[r] = g.pack2(g.fmul(q0, f0), g.fmul(q1, f1), bf16);
    }
    return std::make_pair(ak, aq);
  };
  auto bFrag = [&](Value row, Value k16, int r, Value e) {
    Value col = g.add(g.add(twoTq, k16), g.c32(8 * r));
    Value pr = pairAt(sK, row, col);
    if (!e)
      return pr;
    auto [r0, r1] = gatePair(row, col);
    auto [e0, e1] = gatePair(e, col);
    auto [x0, x1] = g.unpack2(pr, bf16);
    return g.pack2(g.fmul(x0, g.exp2(g.fsub(e0, r0))),
                   g.fmul(x1, g.exp2(g.fsub(e1, r1))), bf16);
  };

  // Column blocks J of this warp's rows (block I = warp) on tensor cores:
  // J <= I without a per-channel gate (the decay is applied to the products
  // below); J < I with one, through the anchor e = 16 J + 15 (the diagonal
  // block is summed element by element after this).
  for (int64_t J = 0; J < C / 16 - (vec ? 1 : 0); ++J) {
    Value cond = vec ? g.slt(g.c32(J), warp) : g.sle(g.c32(J), warp);
    blockIf(cond, J, [&](SmallVector<Value> &acc) {
      Value e = vec ? g.c32(16 * J + 15) : Value();
      // The k-steps as a loop: unrolled, the prep's straight-line code
      // outgrew the instruction cache.
      auto loop = scf::ForOp::create(b, g.c32(0), g.c32(K), g.c32(16), acc);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value k16 = loop.getInductionVar();
      SmallVector<Value> cur(loop.getRegionIterArgs().begin(),
                             loop.getRegionIterArgs().end());
      auto [ak, aq] = aFrags(k16, e);
      for (int64_t n = 0; n < 2; ++n) {
        Value row = g.add(gq, g.c32(16 * J + 8 * n));
        Value b0 = bFrag(row, k16, 0, e), b1 = bFrag(row, k16, 1, e);
        Acc4 c0, c1;
        for (int i = 0; i < 4; ++i) {
          c0[i] = cur[(n * 4 + i) * 2];
          c1[i] = cur[(n * 4 + i) * 2 + 1];
        }
        c0 = g.mma(ak, b0, b1, c0, bf16);
        c1 = g.mma(aq, b0, b1, c1, bf16);
        for (int i = 0; i < 4; ++i) {
          cur[(n * 4 + i) * 2] = c0[i];
          cur[(n * 4 + i) * 2 + 1] = c1[i];
        }
      }
      scf::YieldOp::create(b, cur);
      b.setInsertionPointAfter(loop);
      for (size_t i = 0; i < acc.size(); ++i)
        acc[i] = loop.getResult(i);
    });
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
    auto loop = scf::ForOp::create(b, g.c32(0), g.c32(K / 8), g.c32(1), init);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value c8 = loop.getInductionVar();
      SmallVector<Value> acc(loop.getRegionIterArgs().begin(),
                             loop.getRegionIterArgs().end());
      struct RowVals {
        SmallVector<Value> k, q, g;
      };
      SmallVector<RowVals> rows, cols;
      for (int hf = 0; hf < 2; ++hf) {
        Value r = rowOf(2 * hf);
        rows.push_back({tile8(sK, r, c8), tile8(sQ, r, c8), gates8(r, c8)});
      }
      for (int64_t n = 0; n < 2; ++n)
        for (int e = 0; e < 2; ++e) {
          Value c = colOf(rowBase, n, e);
          cols.push_back({tile8(sK, c, c8), {}, gates8(c, c8)});
        }
      for (int64_t n = 0; n < 2; ++n)
        for (int e = 0; e < 4; ++e) {
          // Rows 0-7 against columns 8-15 of the block: above the
          // diagonal for every thread (masked below), not computed.
          if (n == 1 && e < 2)
            continue;
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

  // Qg = scale q 2^b, Kg = k 2^(b_C - b) to the workspaces; Kb = k 2^b
  // (delta) over the q tile (each thread rewrites the chunks it read).
  {
    const int64_t cpr = K / 8;
    auto v8f = VectorType::get({8}, f32T);
    auto v8h = VectorType::get({8}, bf16);
    for (int64_t i = 0; i < C * cpr / threads; ++i) {
      Value idx = g.add(g.c32(i * threads), tid);
      Value r = g.divu(idx, g.c32(cpr)), c = g.remu(idx, g.c32(cpr));
      Value off = g.swizzledElem(r, g.mul(c, g.c32(8)), K);
      SmallVector<Value> qx = tile8(sQ, r, c), kx = tile8(sK, r, c);
      Value qs = g.fmul(g.f(p.scale), normAt(sQn, r));
      Value ks = normAt(sKn, r);
      SmallVector<Value> qg, kg, kb;
      SmallVector<Value> gRow, gLast;
      if (vec) {
        gRow = gates8(r, c);
        gLast = gates8(g.c32(C - 1), c);
      }
      for (int64_t e = 0; e < 8; ++e) {
        Value qe = qx[e], ke = kx[e];
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

  // T = (I + A_kk)^-1 diag(beta): thread j < 64 solves column j by forward
  // substitution in f32, x_i = [i = j] - sum_{m < i} A[i][m] x_m, 16 rows
  // at a time: the earlier rows' x (in shared memory, where the gates were)
  // in a loop, then the block's own 16 x 16 triangle. (Fully unrolled, the
  // solve's straight-line code outgrew the instruction cache.)
  if (p.delta) {
    auto ifOp = scf::IfOp::create(b, TypeRange{}, g.slt(tid, g.c32(C)), false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    Value sX = sG; // x[i][j] at i * C + j
    auto v4 = VectorType::get({4}, f32T);
    // A[row0 .. row0 + 3][m] (A is column-major).
    auto columnOf4 = [&](Value m, int64_t row0) {
      Value col = LLVM::LoadOp::create(
          b, v4, g.gep(sA, f32T, g.add(g.mul(m, g.c32(C)), g.c32(row0))), 16);
      SmallVector<Value> out;
      for (int64_t e = 0; e < 4; ++e)
        out.push_back(vector::ExtractOp::create(b, col, ArrayRef<int64_t>{e}));
      return out;
    };
    Value bj = g.loadGlobal(f32T, g.gep(sBeta, f32T, tid));
    for (int64_t I = 0; I < C / 16; ++I) {
      SmallVector<Value> x;
      for (int64_t r = 0; r < 16; ++r)
        x.push_back(g.select(g.eq(tid, g.c32(16 * I + r)), oneF, zeroF));
      if (I > 0) {
        auto loop = scf::ForOp::create(b, g.c32(0), g.c32(16 * I), g.c32(1), x);
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(loop.getBody());
        Value m = loop.getInductionVar();
        SmallVector<Value> acc(loop.getRegionIterArgs().begin(),
                               loop.getRegionIterArgs().end());
        Value negXm = arith::NegFOp::create(
            b, g.loadGlobal(f32T,
                            g.gep(sX, f32T, g.add(g.mul(m, g.c32(C)), tid))));
        for (int64_t q = 0; q < 4; ++q) {
          SmallVector<Value> a = columnOf4(m, 16 * I + 4 * q);
          for (int64_t e = 0; e < 4; ++e)
            acc[4 * q + e] = g.fma(a[e], negXm, acc[4 * q + e]);
        }
        scf::YieldOp::create(b, acc);
        b.setInsertionPointAfter(loop);
        for (int64_t r = 0; r < 16; ++r)
          x[r] = loop.getResult(r);
      }
      for (int64_t mm = 0; mm < 16; ++mm) {
        Value negXm = arith::NegFOp::create(b, x[mm]);
        for (int64_t q = (mm + 1) / 4; q < 4; ++q) {
          SmallVector<Value> a = columnOf4(g.c32(16 * I + mm), 16 * I + 4 * q);
          for (int64_t e = std::max<int64_t>(0, mm + 1 - 4 * q); e < 4; ++e)
            x[4 * q + e] = g.fma(a[e], negXm, x[4 * q + e]);
        }
      }
      for (int64_t r = 0; r < 16; ++r) {
        Value i = g.c32(16 * I + r);
        g.storeGlobal(x[r], g.gep(sX, f32T, g.add(g.mul(i, g.c32(C)), tid)));
        Value t = arith::TruncFOp::create(b, bf16, g.fmul(x[r], bj));
        g.storeGlobal(t, g.gep(sTm, i8T, g.swizzledElem(i, tid, C)));
      }
    }
  }
  if (p.delta)
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
      Value off = g.swizzledElem(r, g.mul(c, g.c32(8)), V);
      auto v8h = VectorType::get({8}, bf16);
      Value x = LLVM::LoadOp::create(b, v8h, g.gep(sV, i8T, off), 16);
      Value gOff = g.add(g.mul(g.add(wsRow0, g.toI64(r)), g.c64(V)),
                         g.toI64(g.mul(c, g.c32(8))));
      LLVM::StoreOp::create(b, x, g.gep(arg(pU), bf16, gOff), 16);
    }
  }
  gpu::ReturnOp::create(b);
  return {threads, L.total, kPrepArgNames};
}
