//===- FullKernel.cpp - the attn.full / attn.sparse kernels ---------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// attn.full on tensor cores (mma.sync m16n8k16, bf16/f16, f32 accumulation):
//
// - `<fn>_full_fwd`: one CTA per (block of `q` query rows, KV head, batch x
//   split). Query rows are packed as (t, head of the KV group), so GQA
//   decoding (T = 1, H / Hkv = 4 ... 16) fills the 16-row mma tiles instead of
//   wasting them; for prefill with H = Hkv this is the usual q-block. Each of
//   the `warps` warps owns q / warps rows. K and V tiles of `kv` keys go
//   global -> shared by 16-byte cp.async (zero-filled past the end), XOR-
//   swizzled so that ldmatrix is bank-conflict free; the V load overlaps
//   Q.K^T and the softmax, the next K load overlaps P.V (FA2's one-stage
//   schedule). Online softmax in registers in log2 units (ex2.approx), the
//   row sum kept per thread and reduced once at the end. Masks (sequence end,
//   causal, sliding window) are applied only on tiles that need them; tiles
//   outside the band are never visited; causal blocks run heaviest first.
// - Split-KV (runtime `nsplit` > 1, for decoding): each split writes its
//   normalised partial output and log-sum-exp in f32; `<fn>_full_combine`
//   merges them.
// (FP8 plans are tile programs: AttnToATile/FullToATile.cpp.)
//
//===----------------------------------------------------------------------===//

#include "Full.h"
#include "GpuBuilder.h"
#include "Kernels.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include <functional>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::gpu_kernels;
using namespace mlir::attn::gpu_kernels::full;

static constexpr double kLog2e = 1.4426950408889634;
static constexpr double kLn2 = 0.6931471805599453;

void full::buildFwdKernel(gpu::GPUModuleOp module, StringRef name,
                          const FullPlan &p, Location loc) {
  ImplicitLocOpBuilder b(loc, module.getContext());
  GpuBuilder g(b);
  Type f32T = g.f32(), i8T = b.getI8Type();
  gpu::GPUFuncOp fn =
      createKernel(b, module, name, kB, kNumFwdArgs - kB, p.threads());
  auto arg = [&](int i) -> Value { return fn.getArgument(i); };

  const int64_t kStep = 16;
  const int64_t mw = p.q / p.warps, mt = p.mTiles;
  const int64_t nk = p.kv / 8, kd = p.d / kStep, nd = p.dv / 8,
                kk = p.kv / kStep;
  const int64_t cprD = p.d / 8;
  const int64_t cprV = p.dv / 8;
  Type ldElem = p.elem;
  const int64_t chunkElems = 8;
  const int64_t swzD = GpuBuilder::swizzleFor(cprD);
  const int64_t swzV = GpuBuilder::swizzleFor(cprV);

  Value tid = g.threadId();
  Value warp = g.divu(tid, g.c32(32)), lane = g.remu(tid, g.c32(32));
  Value gq = g.divu(lane, g.c32(4)), tq = g.remu(lane, g.c32(4));
  Value bx = g.blockId(gpu::Dimension::x);
  if (p.causal) // heaviest (latest) query blocks first
    bx = g.sub(g.sub(g.gridDim(gpu::Dimension::x), g.c32(1)), bx);
  Value hk = g.toI64(g.blockId(gpu::Dimension::y));
  Value bz = g.toI64(g.blockId(gpu::Dimension::z));
  Value nsplit = arg(kNSplit);
  Value bIdx = g.divs(bz, nsplit), split = g.remu(bz, nsplit);
  Value seqT = arg(kT), seqS = arg(kS), heads = arg(kH), kvHeads = arg(kHkv);
  Value group = g.divs(heads, kvHeads);
  // Query rows are (t, head of the group) pairs, `rowsPerT` per query: the
  // group itself (full), or the group padded to whole blocks (sparse: a
  // block serves one query, whose selected keys it gathers).
  Value rowsPerT = group;
  if (p.sparse)
    rowsPerT = g.mul(g.cdiv(group, g.c64(p.q)), g.c64(p.q));
  Value rowsTotal = g.mul(seqT, rowsPerT);
  Value row0 = g.mul(g.toI64(bx), g.c64(p.q));
  Value offset = g.sub(seqS, seqT); // query t sits at key t + S - T
  Value rowEnd = g.min(g.add(row0, g.c64(p.q)), rowsTotal);
  Value tFirst = g.divs(row0, rowsPerT);
  Value tLast = g.divs(g.sub(rowEnd, g.c64(1)), rowsPerT);
  // Sparse: the selected entries of query tFirst, `perEntry` keys each.
  const int64_t perEntry = p.blockSize.value_or(1);
  Value numEntries = arg(kN);

  // The band of keys this block's queries see, and this split's share.
  Value kvHi = seqS, kvLo = g.c64(0);
  if (p.sparse)
    kvHi = g.mul(numEntries, g.c64(perEntry)); // gathered key rows
  else if (p.causal)
    kvHi = g.min(seqS, g.add(g.add(tLast, offset), g.c64(1)));
  if (p.window && !p.sparse)
    kvLo = g.max(g.c64(0), g.add(g.sub(g.add(tFirst, offset), g.c64(*p.window)),
                                 g.c64(1)));
  Value span = g.max(g.sub(kvHi, kvLo), g.c64(0));
  Value nTiles = g.cdiv(span, g.c64(p.kv));
  Value perSplit = g.cdiv(nTiles, nsplit);
  Value tBeg = g.mul(split, perSplit);
  Value tEnd = g.min(nTiles, g.add(tBeg, perSplit));
  Value nIter = g.max(g.sub(tEnd, tBeg), g.c64(0));
  Value kvBeg = g.add(kvLo, g.mul(tBeg, g.c64(p.kv)));
  Value kvEnd = g.min(kvHi, g.add(kvLo, g.mul(tEnd, g.c64(p.kv))));

  // Shared memory: Q tile, K tile, V tile.
  Value smem = g.sharedBase(module);
  Value sQ = smem;
  const int64_t eb = 2; // bytes per tile element
  Value sK = g.gep(smem, i8T, g.c32(eb * p.q * p.d));
  Value sV = g.gep(smem, i8T, g.c32(eb * (p.q * p.d + p.kv * p.d)));
  // Split mode: the lo parts follow the hi tiles.
  const int64_t loOff = 2 * (p.q * p.d + p.kv * p.d + p.kv * p.dv);
  auto lo = [&](Value hiTile) { return g.gep(hiTile, i8T, g.c32(loOff)); };
  Type me = p.mmaElem();
  // A tile load: cp.async of 16-bit data, or (split) f32 loads split into
  // hi/lo bf16 tiles.
  auto loadTile =
      [&](Value tile, int64_t rows, int64_t cols, Value fallback,
          llvm::function_ref<std::pair<Value, Value>(Value, Value)> source) {
        if (p.split())
          splitTile(g, tile, lo(tile), rows, cols, p.threads(), tid, source);
        else // copyTile counts 16-bit columns
          copyTile(g, tile, rows, cols, p.threads(), tid, fallback, source);
      };
  // Sparse: the key index of each gathered row of the current tile (-1:
  // unused), written by the K copy, read by the V copy and the mask.
  Value sKey = g.gep(smem, i8T, g.c32(p.tileBytes()));

  Value qPtr = arg(kQ), kPtr = arg(kK), vPtr = arg(kV);
  Value hkG = g.mul(hk, group);
  loadTile(sQ, p.q, p.d, qPtr, [&](Value row, Value c) {
    Value r = g.add(row0, g.toI64(row));
    Value t = g.divs(r, rowsPerT), gi = g.remu(r, rowsPerT);
    Value valid = g.andI(g.slt(t, seqT), g.slt(gi, group));
    Value h = g.add(hkG, gi);
    Value base =
        g.mul(g.add(g.mul(g.add(g.mul(bIdx, seqT), t), heads), h), g.c64(p.d));
    Value off = g.add(base, g.toI64(g.mul(c, g.c32(chunkElems))));
    return std::make_pair(valid, g.gep(qPtr, ldElem, off));
  });
  // Sparse: gathered row j of the tile at kv0 is entry (kv0 + j) / perEntry,
  // key entry * perEntry + (kv0 + j) % perEntry; unused (-1) when the entry
  // is past N, negative, the key is past S, or (causal) after the query.
  Value posFirst = g.add(tFirst, offset);
  auto sparseKey = [&](Value kv0, Value row) {
    Value n = g.add(kv0, g.toI64(row));
    Value e = g.divs(n, g.c64(perEntry)), within = g.remu(n, g.c64(perEntry));
    Value inRange = g.slt(n, kvEnd);
    Value eSafe = g.select(inRange, e, g.c64(0));
    Value idxOff =
        g.add(g.mul(g.add(g.mul(g.add(g.mul(bIdx, seqT), tFirst), kvHeads), hk),
                    numEntries),
              eSafe);
    Value entry =
        g.toI64(g.loadGlobal(g.i32(), g.gep(arg(kIdx), g.i32(), idxOff)));
    Value key = g.add(g.mul(entry, g.c64(perEntry)), within);
    Value ok =
        g.andI(inRange, g.andI(g.sle(g.c64(0), entry), g.slt(key, seqS)));
    if (p.causal)
      ok = g.andI(ok, g.sle(key, posFirst));
    return g.toI32(g.select(ok, key, g.c64(-1)));
  };
  // Rows of the K (`keys`) or V tile starting at kv0.
  auto kvSource =
      [&](bool keys,
          Value kv0) -> std::function<std::pair<Value, Value>(Value, Value)> {
    Value ptr = keys ? kPtr : vPtr;
    int64_t width = keys ? p.d : p.dv;
    return [&, keys, ptr, kv0, width](Value row, Value c) {
      Value key = g.add(kv0, g.toI64(row));
      Value valid = g.slt(key, kvEnd);
      if (p.sparse) {
        // The K copy finds the key (and records it for the V copy and the
        // mask); the V copy reads it back.
        Value slot = g.gep(sKey, g.i32(), row);
        Value k32;
        if (keys) {
          k32 = sparseKey(kv0, row);
          auto first =
              scf::IfOp::create(b, TypeRange{}, g.eq(c, g.c32(0)), false);
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(first.thenBlock());
          g.storeGlobal(k32, slot);
        } else {
          k32 = g.loadGlobal(g.i32(), slot);
        }
        valid = g.sle(g.c32(0), k32);
        key = g.toI64(g.max(k32, g.c32(0)));
      }
      Value base =
          g.mul(g.add(g.mul(g.add(g.mul(bIdx, seqS), key), kvHeads), hk),
                g.c64(width));
      Value off = g.add(base, g.toI64(g.mul(c, g.c32(chunkElems))));
      return std::make_pair(valid, g.gep(ptr, ldElem, off));
    };
  };
  loadTile(sK, p.kv, p.d, kPtr, kvSource(true, kvBeg));
  g.cpAsyncCommit();
  auto waitTiles = [&]() {
    g.cpAsyncWait(0);
    g.barrier();
  };

  // Per-thread constants: ldmatrix row/chunk parts, row bounds of the band.
  Value lane15 = g.andI(lane, g.c32(15)), lane7 = g.andI(lane, g.c32(7));
  Value hi16 = g.divu(lane, g.c32(16));
  Value mid8 = g.andI(g.divu(lane, g.c32(8)), g.c32(1));
  Value maskD = g.andI(lane, g.c32(swzD - 1));
  Value maskV = g.andI(lane, g.c32(swzV - 1));
  Value warpRow = g.mul(warp, g.c32(mw));
  Value twoTq = g.mul(tq, g.c32(2));

  // Rows of this thread: m-tile mi, half hf -> row gq + 8 hf.
  SmallVector<Value> rowIdx, rowHi, rowLo;
  for (int64_t mi = 0; mi < mt; ++mi)
    for (int64_t hf = 0; hf < 2; ++hf) {
      Value r = g.add(
          row0, g.toI64(g.add(warpRow, g.add(gq, g.c32(16 * mi + 8 * hf)))));
      rowIdx.push_back(r);
      Value t = g.divs(r, rowsPerT);
      Value pos = g.add(t, offset);
      rowHi.push_back(p.causal ? g.min(seqS, g.add(pos, g.c64(1))) : seqS);
      if (p.window && !p.sparse)
        rowLo.push_back(g.add(g.sub(pos, g.c64(*p.window)), g.c64(1)));
    }

  const double scaleLog2 = p.scale * kLog2e;
  Value negInf = g.negInf(), zeroF = g.f(0.0);

  // Loop-carried state: O accumulators [mt][nd], row max m and partial row
  // sum l per (mi, hf).
  SmallVector<Value> init;
  for (int64_t i = 0; i < mt * nd * 4; ++i)
    init.push_back(zeroF);
  for (int64_t i = 0; i < mt * 2; ++i)
    init.push_back(negInf);
  for (int64_t i = 0; i < mt * 2; ++i)
    init.push_back(zeroF);
  const int64_t mBase = mt * nd * 4, lBase = mBase + mt * 2;

  auto loop = scf::ForOp::create(b, g.c64(0), nIter, g.c64(1), init);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value it = loop.getInductionVar();
    SmallVector<Value> st(loop.getRegionIterArgs().begin(),
                          loop.getRegionIterArgs().end());
    Value kv0 = g.add(kvBeg, g.mul(it, g.c64(p.kv)));

    waitTiles();
    loadTile(sV, p.kv, p.dv, vPtr, kvSource(false, kv0));
    g.cpAsyncCommit();

    // S = Q K^T for this warp's rows.
    SmallVector<Acc4> s(mt * nk, Acc4{zeroF, zeroF, zeroF, zeroF});
    for (int64_t k = 0; k < kd; ++k) {
      SmallVector<Frag4> a, aLo;
      for (int64_t mi = 0; mi < mt; ++mi) {
        Value row = g.add(warpRow, g.add(lane15, g.c32(16 * mi)));
        Value chunk = g.add(hi16, g.c32(2 * k));
        Value off = g.swizzled(row, chunk, maskD, cprD);
        a.push_back(g.ldmatrix4(g.gep(sQ, i8T, off), false));
        if (p.split())
          aLo.push_back(g.ldmatrix4(g.gep(lo(sQ), i8T, off), false));
      }
      for (int64_t np = 0; np < nk / 2; ++np) {
        Value row = g.add(g.add(lane7, g.mul(hi16, g.c32(8))), g.c32(16 * np));
        Value chunk = g.add(mid8, g.c32(2 * k));
        Value off = g.swizzled(row, chunk, maskD, cprD);
        Frag4 kf = g.ldmatrix4(g.gep(sK, i8T, off), false);
        Frag4 kfLo;
        if (p.split())
          kfLo = g.ldmatrix4(g.gep(lo(sK), i8T, off), false);
        for (int64_t mi = 0; mi < mt; ++mi) {
          g.mmaPairs(a[mi], p.split() ? &aLo[mi] : nullptr, kf,
                     p.split() ? &kfLo : nullptr, s[mi * nk + 2 * np],
                     s[mi * nk + 2 * np + 1], me);
        }
      }
    }

    // Scores in log2 units.
    SmallVector<Value> x;
    for (const Acc4 &acc : s)
      for (Value v : acc) {
        if (p.softcap) {
          Value th = g.tanh(g.fmul(v, g.f(p.scale / *p.softcap)));
          x.push_back(g.fmul(th, g.f(*p.softcap * kLog2e)));
        } else {
          x.push_back(g.fmul(v, g.f(scaleLog2)));
        }
      }

    // Masks, only on tiles that cross the end of the keys or the band
    // (sparse: always, from the recorded keys).
    Value tileEnd = g.add(kv0, g.c64(p.kv));
    Value need = g.slt(seqS, tileEnd);
    if (p.sparse)
      need = arith::ConstantIntOp::create(b, 1, 1);
    if (p.causal)
      need =
          g.orI(need, g.slt(g.add(tFirst, offset), g.sub(tileEnd, g.c64(1))));
    if (p.window)
      need = g.orI(
          need, g.slt(kv0, g.add(g.sub(g.add(tLast, offset), g.c64(*p.window)),
                                 g.c64(1))));
    SmallVector<Type> xTypes(x.size(), f32T);
    auto ifOp = scf::IfOp::create(b, xTypes, need, /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      SmallVector<Value> masked(x);
      if (p.sparse) {
        // One query per block: a column's validity is its recorded key.
        for (int64_t n = 0; n < nk; ++n)
          for (int64_t e = 0; e < 2; ++e) {
            Value col = g.add(twoTq, g.c32(8 * n + e));
            Value ok = g.sle(g.c32(0),
                             g.loadGlobal(g.i32(), g.gep(sKey, g.i32(), col)));
            for (int64_t mi = 0; mi < mt; ++mi)
              for (int64_t hf = 0; hf < 2; ++hf) {
                Value &v = masked[(mi * nk + n) * 4 + 2 * hf + e];
                v = g.select(ok, v, negInf);
              }
          }
      }
      for (int64_t mi = 0; mi < mt && !p.sparse; ++mi)
        for (int64_t hf = 0; hf < 2; ++hf) {
          // Key limits relative to kv0, clamped into [-1, kv] and narrowed.
          int64_t ri = mi * 2 + hf;
          Value hiRel = g.toI32(
              g.min(g.max(g.sub(rowHi[ri], kv0), g.c64(-1)), g.c64(p.kv)));
          Value loRel;
          if (p.window)
            loRel = g.toI32(
                g.min(g.max(g.sub(rowLo[ri], kv0), g.c64(-1)), g.c64(p.kv)));
          for (int64_t n = 0; n < nk; ++n)
            for (int64_t e = 0; e < 2; ++e) {
              Value key = g.add(twoTq, g.c32(8 * n + e));
              Value ok = g.slt(key, hiRel);
              if (p.window)
                ok = g.andI(ok, g.sle(loRel, key));
              Value &v = masked[(mi * nk + n) * 4 + 2 * hf + e];
              v = g.select(ok, v, negInf);
            }
        }
      scf::YieldOp::create(b, masked);
      b.setInsertionPointToStart(ifOp.elseBlock());
      scf::YieldOp::create(b, x);
    }
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = ifOp.getResult(i);

    // Online softmax per row.
    SmallVector<Value> next(st);
    for (int64_t mi = 0; mi < mt; ++mi)
      for (int64_t hf = 0; hf < 2; ++hf) {
        int64_t ri = mi * 2 + hf;
        auto at = [&](int64_t n, int64_t e) -> Value & {
          return x[(mi * nk + n) * 4 + 2 * hf + e];
        };
        Value mx = at(0, 0);
        for (int64_t n = 0; n < nk; ++n)
          for (int64_t e = 0; e < 2; ++e)
            if (n || e)
              mx = g.fmax(mx, at(n, e));
        mx = g.fmax(mx, g.shflXor(mx, 1));
        mx = g.fmax(mx, g.shflXor(mx, 2));
        Value mOld = st[mBase + ri];
        Value mNew = g.fmax(mOld, mx);
        Value mUse = g.select(g.feq(mNew, negInf), zeroF, mNew);
        Value alpha = g.exp2(g.fsub(mOld, mUse));
        Value sum = zeroF;
        for (int64_t n = 0; n < nk; ++n)
          for (int64_t e = 0; e < 2; ++e) {
            Value &v = at(n, e);
            v = g.exp2(g.fsub(v, mUse));
            sum = g.fadd(sum, v);
          }
        next[mBase + ri] = mNew;
        next[lBase + ri] = g.fadd(g.fmul(alpha, st[lBase + ri]), sum);
        Value oAlpha = alpha;
        for (int64_t n = 0; n < nd; ++n)
          for (int64_t e = 0; e < 2; ++e) {
            Value &o = next[(mi * nd + n) * 4 + 2 * hf + e];
            o = g.fmul(o, oAlpha);
          }
      }

    // P as mma A fragments (the accumulator layout of two n-tiles is the A
    // layout of one k16 step).
    SmallVector<Frag4> pf, pfLo;
    for (int64_t mi = 0; mi < mt; ++mi)
      for (int64_t k = 0; k < kk; ++k) {
        auto el = [&](int64_t n, int64_t e) {
          return x[(mi * nk + n) * 4 + e];
        };
        // Split mode: hi = P rounded to bf16, lo = P - hi.
        auto hiPart = [&](Value v) -> Value {
          Value h = arith::TruncFOp::create(b, me, v);
          return arith::ExtFOp::create(b, f32T, h);
        };
        auto frag = [&](auto part) {
          return Frag4{
              g.pack2(part(el(2 * k, 0)), part(el(2 * k, 1)), me),
              g.pack2(part(el(2 * k, 2)), part(el(2 * k, 3)), me),
              g.pack2(part(el(2 * k + 1, 0)), part(el(2 * k + 1, 1)), me),
              g.pack2(part(el(2 * k + 1, 2)), part(el(2 * k + 1, 3)), me)};
        };
        pf.push_back(frag([](Value v) { return v; }));
        if (p.split())
          pfLo.push_back(frag([&](Value v) { return g.fsub(v, hiPart(v)); }));
      }

    waitTiles();
    Value more = g.slt(g.add(it, g.c64(1)), nIter);
    auto pre = scf::IfOp::create(b, TypeRange{}, more, false);
    {
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPointToStart(pre.thenBlock());
      loadTile(sK, p.kv, p.d, kPtr, kvSource(true, g.add(kv0, g.c64(p.kv))));
    }
    g.cpAsyncCommit();

    // O += P V.
    for (int64_t k = 0; k < kk; ++k)
      for (int64_t dp = 0; dp < nd / 2; ++dp) {
        Value row = g.add(lane15, g.c32(16 * k));
        Value chunk = g.add(hi16, g.c32(2 * dp));
        Value vOff = g.swizzled(row, chunk, maskV, cprV);
        Frag4 vf = g.ldmatrix4(g.gep(sV, i8T, vOff), true);
        Frag4 vfLo;
        if (p.split())
          vfLo = g.ldmatrix4(g.gep(lo(sV), i8T, vOff), true);
        for (int64_t mi = 0; mi < mt; ++mi) {
          auto accAt = [&](int64_t n) {
            return Acc4{next[(mi * nd + n) * 4], next[(mi * nd + n) * 4 + 1],
                        next[(mi * nd + n) * 4 + 2],
                        next[(mi * nd + n) * 4 + 3]};
          };
          auto put = [&](int64_t n, const Acc4 &a) {
            for (int e = 0; e < 4; ++e)
              next[(mi * nd + n) * 4 + e] = a[e];
          };
          const Frag4 &a = pf[mi * kk + k];
          Acc4 o0 = accAt(2 * dp), o1 = accAt(2 * dp + 1);
          g.mmaPairs(a, p.split() ? &pfLo[mi * kk + k] : nullptr, vf,
                     p.split() ? &vfLo : nullptr, o0, o1, me);
          put(2 * dp, o0);
          put(2 * dp + 1, o1);
        }
      }
    scf::YieldOp::create(b, next);
  }
  SmallVector<Value> fin(loop.getResults().begin(), loop.getResults().end());

  // Epilogue: full row sums, normalise, store (direct or as a split part).
  Value one = g.f(1.0);
  Value direct = g.eq(nsplit, g.c64(1));
  for (int64_t mi = 0; mi < mt; ++mi)
    for (int64_t hf = 0; hf < 2; ++hf) {
      int64_t ri = mi * 2 + hf;
      Value l = fin[lBase + ri];
      l = g.fadd(l, g.shflXor(l, 1));
      l = g.fadd(l, g.shflXor(l, 2));
      Value pos = g.fgt(l, zeroF);
      Value inv = g.select(pos, g.fdiv(one, l), zeroF);
      Value log2L = g.log2(l);
      Value lseV = g.select(
          pos, g.fmul(g.fadd(fin[mBase + ri], log2L), g.f(kLn2)), negInf);
      Value r = rowIdx[ri];
      Value t = g.divs(r, rowsPerT), gi = g.remu(r, rowsPerT);
      Value valid = g.andI(g.slt(t, seqT), g.slt(gi, group));
      auto rowIf = scf::IfOp::create(b, TypeRange{}, valid, false);
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPointToStart(rowIf.thenBlock());
      Value h = g.add(hkG, gi);
      Value bth = g.add(g.mul(g.add(g.mul(bIdx, seqT), t), heads), h);
      Value firstLane = g.eq(tq, g.c32(0));
      auto modeIf = scf::IfOp::create(b, TypeRange{}, direct, true);
      {
        OpBuilder::InsertionGuard g3(b);
        b.setInsertionPointToStart(modeIf.thenBlock());
        Value base = g.mul(bth, g.c64(p.dv));
        for (int64_t n = 0; n < nd; ++n) {
          Value col = g.toI64(g.add(twoTq, g.c32(8 * n)));
          Value v0 = g.fmul(fin[(mi * nd + n) * 4 + 2 * hf], inv);
          Value v1 = g.fmul(fin[(mi * nd + n) * 4 + 2 * hf + 1], inv);
          Value dst = g.gep(arg(kO), p.elem, g.add(base, col));
          if (p.split()) {
            g.storeGlobal(v0, dst);
            g.storeGlobal(v1, g.gep(dst, f32T, g.c32(1)));
          } else {
            g.storeGlobal(g.pack2(v0, v1, p.elem), dst);
          }
        }
        if (p.lse) {
          auto lIf = scf::IfOp::create(b, TypeRange{}, firstLane, false);
          b.setInsertionPointToStart(lIf.thenBlock());
          g.storeGlobal(lseV, g.gep(arg(kLse), f32T, bth));
        }
        b.setInsertionPointToStart(modeIf.elseBlock());
        Value batch = arg(kB);
        Value rowsAll = g.mul(g.mul(batch, seqT), heads);
        Value part = g.add(g.mul(split, rowsAll), bth);
        Value pbase = g.mul(part, g.c64(p.dv));
        for (int64_t n = 0; n < nd; ++n) {
          Value col = g.toI64(g.add(twoTq, g.c32(8 * n)));
          Value ptr = g.gep(arg(kOPart), f32T, g.add(pbase, col));
          g.storeGlobal(g.fmul(fin[(mi * nd + n) * 4 + 2 * hf], inv), ptr);
          g.storeGlobal(g.fmul(fin[(mi * nd + n) * 4 + 2 * hf + 1], inv),
                        g.gep(ptr, f32T, g.c32(1)));
        }
        auto lIf = scf::IfOp::create(b, TypeRange{}, firstLane, false);
        b.setInsertionPointToStart(lIf.thenBlock());
        g.storeGlobal(lseV, g.gep(arg(kLsePart), f32T, part));
      }
    }
  gpu::ReturnOp::create(b);
}

void full::buildCombineKernel(gpu::GPUModuleOp module, StringRef name,
                              const FullPlan &p, int64_t threads,
                              Location loc) {
  ImplicitLocOpBuilder b(loc, module.getContext());
  GpuBuilder g(b);
  Type f32T = g.f32();
  gpu::GPUFuncOp fn =
      createKernel(b, module, name, cRows, kNumCombineArgs - cRows, threads);
  auto arg = [&](int i) -> Value { return fn.getArgument(i); };
  Value tid = g.threadId();
  Value row = g.toI64(g.blockId(gpu::Dimension::x));
  Value rows = arg(cRows), nsplit = arg(cNSplit);
  Value negInf = g.negInf(), zeroF = g.f(0.0);

  auto maxLoop =
      scf::ForOp::create(b, g.c64(0), nsplit, g.c64(1), ValueRange{negInf});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(maxLoop.getBody());
    Value idx = g.add(g.mul(maxLoop.getInductionVar(), rows), row);
    Value l = g.loadGlobal(f32T, g.gep(arg(cLsePart), f32T, idx));
    scf::YieldOp::create(b, g.fmax(maxLoop.getRegionIterArgs()[0], l));
  }
  Value mx = maxLoop.getResult(0);
  Value mUse = g.select(g.feq(mx, negInf), zeroF, mx);
  Value active = g.ult(tid, g.c32(p.dv));
  Value col = g.toI64(g.min(tid, g.c32(p.dv - 1)));
  auto sumLoop = scf::ForOp::create(b, g.c64(0), nsplit, g.c64(1),
                                    ValueRange{zeroF, zeroF});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(sumLoop.getBody());
    Value idx = g.add(g.mul(sumLoop.getInductionVar(), rows), row);
    Value l = g.loadGlobal(f32T, g.gep(arg(cLsePart), f32T, idx));
    Value w = g.exp2(g.fmul(g.fsub(l, mUse), g.f(kLog2e)));
    Value o = g.loadGlobal(
        f32T, g.gep(arg(cOPart), f32T, g.add(g.mul(idx, g.c64(p.dv)), col)));
    Value sum = g.fadd(sumLoop.getRegionIterArgs()[0], w);
    Value acc = g.fadd(sumLoop.getRegionIterArgs()[1], g.fmul(w, o));
    scf::YieldOp::create(b, ValueRange{sum, acc});
  }
  Value sum = sumLoop.getResult(0), acc = sumLoop.getResult(1);
  Value pos = g.fgt(sum, zeroF);
  Value out = g.select(pos, g.fdiv(acc, sum), zeroF);
  {
    auto ifOp = scf::IfOp::create(b, TypeRange{}, active, false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    Value o16 = p.elem.isF32() ? out : arith::TruncFOp::create(b, p.elem, out);
    g.storeGlobal(o16,
                  g.gep(arg(cO), p.elem, g.add(g.mul(row, g.c64(p.dv)), col)));
  }
  if (p.lse) {
    auto ifOp = scf::IfOp::create(b, TypeRange{}, g.eq(tid, g.c32(0)), false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    Value lse =
        g.select(pos, g.fadd(mUse, g.fmul(g.log2(sum), g.f(kLn2))), negInf);
    g.storeGlobal(lse, g.gep(arg(cLse), f32T, row));
  }
  gpu::ReturnOp::create(b);
}
