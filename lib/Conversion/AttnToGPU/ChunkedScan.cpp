//===- ChunkedScan.cpp - the chunked form's state scan kernel -------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// `<fn>_{delta,linear}_scan`: one CTA per (16 * warps value columns, value
// head, batch) walks the chunks in order with S^T (f32) in mma accumulators
// (the math: ChunkedToGPU.cpp), reading the prep kernel's workspaces; the
// next chunk's tiles are copied by cp.async while this one computes.
//
//===----------------------------------------------------------------------===//

#include "Chunked.h"
#include "GpuBuilder.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::gpu_kernels;
using namespace mlir::attn::gpu_kernels::chunked;

namespace {
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
} // namespace

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

ChunkedLaunch chunked::buildScanKernel(gpu::GPUModuleOp module, StringRef name,
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
    // Store O^T: through this warp's [64 rows, 16 v] scratch (after the two
    // stages), then 16-byte row pieces to o[b, t, hv, v].
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
  // Two stages of tiles, then each warp's [64 rows, 16 v] output tile.
  int64_t smemBytes =
      2 * L.stage + warps * C * 16 * (p.oElem.getIntOrFloatBitWidth() / 8);
  return {threads, smemBytes, kScanArgNames};
}
