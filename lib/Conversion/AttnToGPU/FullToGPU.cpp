//===- FullToGPU.cpp - attn.full as FlashAttention-2 style kernels --------===//
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
//
//===----------------------------------------------------------------------===//

#include "GpuBuilder.h"
#include "Kernels.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/ADT/StringExtras.h"
#include <cmath>
#include <functional>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::gpu_kernels;

namespace {
struct FullPlan {
  int64_t d, dv, q, kv, warps, mTiles;
  double scale;
  bool causal;
  std::optional<int64_t> window;
  std::optional<double> softcap;
  Type elem;
  bool lse;
  /// attn.sparse: keys come from `indices` (token entries, or blocks of
  /// `blockSize` keys); a block holds the heads of one query.
  bool sparse = false;
  std::optional<int64_t> blockSize;
  /// f32 inputs: tiles are held as bf16 hi + lo parts (x = hi + lo to 16
  /// mantissa bits) and every product is hi*hi + hi*lo + lo*hi, three
  /// bf16 mma (the "bf16x3" split): near-f32 accuracy on tensor cores.
  bool split() const { return elem.isF32(); }
  /// FP8 (#attn.precision e4m3 for qk and pv, granularity = block): the
  /// kernel reads e4m3 Q, K and V^T made by the quantisation kernels
  /// (QuantizeFp8.cpp) with one scale per `scaleBlock` tokens, and runs
  /// Q K^T and P V as m16n8k32 e4m3 mma with f32 accumulation.
  bool fp8 = false, hadamard = false;
  int64_t scaleBlock = 0;
  /// FP8 on sm_90a with one warpgroup of 64 query rows, kv = 128 and
  /// D = Dv = 128: Q K^T and P V as m64n128k32 wgmma (the operand tiles are
  /// in the 128-byte swizzle already) instead of mma.sync, which sm_90 runs
  /// by converting e4m3 to f16.
  bool wgmma = false;
  Type mmaElem() const {
    return split() ? BFloat16Type::get(elem.getContext()) : elem;
  }
  int64_t threads() const { return 32 * warps; }
  int64_t keyBytes() const { return sparse ? 4 * kv : 0; }
  int64_t tileBytes() const {
    if (fp8)
      return q * d + kv * d + kv * dv;
    return 2 * (q * d + kv * d + kv * dv) * (split() ? 2 : 1);
  }
  int64_t smemBytes() const { return tileBytes() + keyBytes(); }
};

// One ABI for the attn.full and attn.sparse kernels (attn.full passes a
// null `idx` and N = 0).
enum FwdArg {
  kQ,
  kK,
  kV,
  kIdx,
  kO,
  kLse,
  kOPart,
  kLsePart,
  kB,
  kT,
  kS,
  kH,
  kHkv,
  kN,
  kNSplit,
  kNumFwdArgs
};
constexpr const char *kFwdArgNames[] = {
    "q", "k", "v", "idx", "o",   "lse", "o_part", "lse_part",
    "B", "T", "S", "H",   "Hkv", "N",   "nsplit"};
// The FP8 kernel: the quantised tensors and their scales (three more
// pointers before the sizes).
constexpr const char *kFp8FwdArgNames[] = {
    "q8", "k8", "v8t", "idx", "o", "lse", "o_part", "lse_part", "sq",
    "sk", "sv", "B",   "T",   "S", "H",   "Hkv",    "N",        "nsplit"};
constexpr int64_t kFp8Scales = 3;

enum CombineArg { cOPart, cLsePart, cO, cLse, cRows, cNSplit, kNumCombineArgs };
constexpr const char *kCombineArgNames[] = {"o_part", "lse_part", "o",
                                            "lse",    "rows",     "nsplit"};
} // namespace

static constexpr double kLog2e = 1.4426950408889634;
static constexpr double kLn2 = 0.6931471805599453;

static void buildFwdKernel(gpu::GPUModuleOp module, StringRef name,
                           const FullPlan &p, Location loc) {
  ImplicitLocOpBuilder b(loc, module.getContext());
  GpuBuilder g(b);
  Type f32T = g.f32(), i8T = b.getI8Type();
  const int64_t extra = p.fp8 ? kFp8Scales : 0;
  gpu::GPUFuncOp fn =
      createKernel(b, module, name, kB + extra, kNumFwdArgs - kB, p.threads());
  auto arg = [&](int i) -> Value {
    return fn.getArgument(i < kB ? i : i + extra);
  };
  // FP8: the scale pointers sq, sk, sv.
  auto scaleArg = [&](int j) -> Value { return fn.getArgument(kB + j); };

  // FP8 tiles hold bytes: a k-step is 32 elements (one m16n8k32 mma), the
  // V tile is V^T (channels x keys), and 16-byte chunks hold 16 elements.
  const int64_t kStep = p.fp8 ? 32 : 16;
  const int64_t mw = p.q / p.warps, mt = p.mTiles;
  const int64_t nk = p.kv / 8, kd = p.d / kStep, nd = p.dv / 8,
                kk = p.kv / kStep;
  const int64_t cprD = p.fp8 ? p.d / 16 : p.d / 8;
  const int64_t cprV = p.fp8 ? p.kv / 16 : p.dv / 8;
  Type ldElem = p.fp8 ? i8T : p.elem;
  const int64_t chunkElems = p.fp8 ? 16 : 8;
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
  // FP8: tiles start at multiples of kv, so each lies in one scale block
  // (the window mask covers the keys below the band).
  if (p.window && p.fp8)
    kvLo = g.mul(g.divs(kvLo, g.c64(p.kv)), g.c64(p.kv));
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
  const int64_t eb = p.fp8 ? 1 : 2; // bytes per tile element
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
          copyTile(g, tile, rows, p.fp8 ? cols / 2 : cols, p.threads(), tid,
                   fallback, source);
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
    if (p.fp8 && !keys) {
      // V^T [B, Hkv, Dv, Spad]: row = channel, chunk = 16 keys from kv0
      // (in the padded range: zeros past S).
      return [&, kv0](Value row, Value c) {
        Value sPad =
            g.mul(g.cdiv(seqS, g.c64(p.scaleBlock)), g.c64(p.scaleBlock));
        Value ch = g.add(g.mul(g.add(g.mul(bIdx, kvHeads), hk), g.c64(p.dv)),
                         g.toI64(row));
        Value key = g.add(kv0, g.toI64(g.mul(c, g.c32(16))));
        Value valid = g.slt(key, sPad);
        return std::make_pair(valid,
                              g.gep(vPtr, i8T, g.add(g.mul(ch, sPad), key)));
      };
    }
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
  // wgmma reads shared memory through the async proxy.
  auto waitTiles = [&]() {
    g.cpAsyncWait(0);
    if (p.wgmma)
      g.fenceProxyAsync();
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

  // FP8: the Q scale of each of this thread's rows (1 for padding rows) and
  // where this (batch, KV head)'s K / V scales start.
  SmallVector<Value> rowScale;
  Value kvScaleBase;
  if (p.fp8) {
    Value nbT = g.cdiv(seqT, g.c64(p.scaleBlock));
    for (Value r : rowIdx) {
      Value t = g.divs(r, rowsPerT), gi = g.remu(r, rowsPerT);
      Value valid = g.andI(g.slt(t, seqT), g.slt(gi, group));
      Value h = g.add(hkG, gi);
      Value idx = g.add(g.mul(g.add(g.mul(bIdx, heads), h), nbT),
                        g.divs(t, g.c64(p.scaleBlock)));
      Value sq = g.loadGlobal(
          f32T, g.gep(scaleArg(0), f32T, g.select(valid, idx, g.c64(0))));
      rowScale.push_back(g.select(valid, sq, g.f(1.0)));
    }
    kvScaleBase = g.mul(g.add(g.mul(bIdx, kvHeads), hk),
                        g.cdiv(seqS, g.c64(p.scaleBlock)));
  }

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
  // FP8: O accumulates in units of the current V block's scale, carried.
  const int64_t svIdx = lBase + mt * 2;
  if (p.fp8)
    init.push_back(g.f(1.0));

  auto loop = scf::ForOp::create(b, g.c64(0), nIter, g.c64(1), init);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value it = loop.getInductionVar();
    SmallVector<Value> st(loop.getRegionIterArgs().begin(),
                          loop.getRegionIterArgs().end());
    Value kv0 = g.add(kvBeg, g.mul(it, g.c64(p.kv)));

    waitTiles();
    if (p.fp8)
      loadTile(sV, p.dv, p.kv, vPtr, kvSource(false, kv0));
    else
      loadTile(sV, p.kv, p.dv, vPtr, kvSource(false, kv0));
    g.cpAsyncCommit();

    // S = Q K^T for this warp's rows.
    SmallVector<Acc4> s(mt * nk, Acc4{zeroF, zeroF, zeroF, zeroF});
    if (p.wgmma) {
      SmallVector<Value> descQ, descK, zeros(64, zeroF);
      for (int64_t k = 0; k < kd; ++k) {
        descQ.push_back(g.wgmmaDesc(g.gep(sQ, i8T, g.c32(32 * k))));
        descK.push_back(g.wgmmaDesc(g.gep(sK, i8T, g.c32(32 * k))));
      }
      SmallVector<Value> r = g.wgmmaFp8SS(descQ, descK, zeros);
      for (int64_t n = 0; n < nk; ++n)
        s[n] = Acc4{r[4 * n], r[4 * n + 1], r[4 * n + 2], r[4 * n + 3]};
    }
    for (int64_t k = 0; k < kd && !p.wgmma; ++k) {
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
          if (p.fp8) {
            Acc4 &s0 = s[mi * nk + 2 * np], &s1 = s[mi * nk + 2 * np + 1];
            s0 = g.mmaFp8(a[mi], kf[0], kf[1], s0);
            s1 = g.mmaFp8(a[mi], kf[2], kf[3], s1);
            continue;
          }
          g.mmaPairs(a[mi], p.split() ? &aLo[mi] : nullptr, kf,
                     p.split() ? &kfLo : nullptr, s[mi * nk + 2 * np],
                     s[mi * nk + 2 * np + 1], me);
        }
      }
    }

    // Scores in log2 units (FP8: dequantised by the row's Q scale and the
    // tile's K scale, folded into the one multiply).
    Value kvBlock = g.divs(kv0, g.c64(p.scaleBlock));
    SmallVector<Value> factor, capIn;
    Value svCur;
    if (p.fp8) {
      Value sk = g.loadGlobal(
          f32T, g.gep(scaleArg(1), f32T, g.add(kvScaleBase, kvBlock)));
      svCur = g.loadGlobal(
          f32T, g.gep(scaleArg(2), f32T, g.add(kvScaleBase, kvBlock)));
      for (Value sq : rowScale) {
        Value qk = g.fmul(sq, sk);
        factor.push_back(g.fmul(qk, g.f(scaleLog2)));
        capIn.push_back(g.fmul(qk, g.f(p.softcap ? p.scale / *p.softcap : 0)));
      }
    }
    SmallVector<Value> x;
    for (auto [ai, acc] : llvm::enumerate(s))
      for (auto [e, v] : llvm::enumerate(acc)) {
        int64_t ri = (ai / nk) * 2 + e / 2;
        if (p.softcap) {
          Value th =
              g.tanh(g.fmul(v, p.fp8 ? capIn[ri] : g.f(p.scale / *p.softcap)));
          x.push_back(g.fmul(th, g.f(*p.softcap * kLog2e)));
        } else {
          x.push_back(g.fmul(v, p.fp8 ? factor[ri] : g.f(scaleLog2)));
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
        // FP8: P is taken as 256 p (in [0, 256], inside e4m3's range and
        // clear of its subnormals); l carries the same factor.
        Value mP = p.fp8 ? g.fsub(mUse, g.f(8.0)) : mUse;
        Value sum = zeroF;
        for (int64_t n = 0; n < nk; ++n)
          for (int64_t e = 0; e < 2; ++e) {
            Value &v = at(n, e);
            v = g.exp2(g.fsub(v, mP));
            sum = g.fadd(sum, v);
          }
        next[mBase + ri] = mNew;
        next[lBase + ri] = g.fadd(g.fmul(alpha, st[lBase + ri]), sum);
        // FP8: O moves from the previous V block's scale to this one's.
        Value oAlpha = p.fp8 ? g.fmul(alpha, g.fdiv(st[svIdx], svCur)) : alpha;
        for (int64_t n = 0; n < nd; ++n)
          for (int64_t e = 0; e < 2; ++e) {
            Value &o = next[(mi * nd + n) * 4 + 2 * hf + e];
            o = g.fmul(o, oAlpha);
          }
      }

    if (p.fp8)
      next[svIdx] = svCur;

    // P as mma A fragments (the accumulator layout of two n-tiles is the A
    // layout of one k16 step; FP8: four n-tiles make one k32 step, keys in
    // the order quant_vt stores V^T).
    SmallVector<Frag4> pf, pfLo;
    for (int64_t mi = 0; mi < mt && p.fp8; ++mi)
      for (int64_t k = 0; k < kk; ++k) {
        auto el = [&](int64_t n, int64_t e) {
          return x[(mi * nk + 4 * k + n) * 4 + e];
        };
        pf.push_back(
            Frag4{g.packE4m3x4(el(0, 0), el(0, 1), el(1, 0), el(1, 1)),
                  g.packE4m3x4(el(0, 2), el(0, 3), el(1, 2), el(1, 3)),
                  g.packE4m3x4(el(2, 0), el(2, 1), el(3, 0), el(3, 1)),
                  g.packE4m3x4(el(2, 2), el(2, 3), el(3, 2), el(3, 3))});
      }
    for (int64_t mi = 0; mi < mt && !p.fp8; ++mi)
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
    if (p.wgmma) {
      // A fresh accumulator per tile, added to O in f32: Hopper's FP8
      // wgmma keeps fewer accumulator bits than f32 (DeepSeek-V3 report,
      // section 3.3.2), so O is not summed over the whole sequence inside
      // it (no change in the measured errors up to T = 16384; the adds
      // cost nothing measurable).
      SmallVector<Value> descV, zeros(64, zeroF);
      for (int64_t k = 0; k < kk; ++k)
        descV.push_back(g.wgmmaDesc(g.gep(sV, i8T, g.c32(32 * k))));
      SmallVector<Value> r = g.wgmmaFp8RS(pf, descV, zeros);
      for (int64_t i = 0; i < 64; ++i)
        next[i] = g.fadd(next[i], r[i]);
    }
    for (int64_t k = 0; k < kk && p.fp8 && !p.wgmma; ++k)
      for (int64_t dp = 0; dp < nd / 2; ++dp) {
        // V^T rows are channels: loaded like K.
        Value row = g.add(g.add(lane7, g.mul(hi16, g.c32(8))), g.c32(16 * dp));
        Value chunk = g.add(mid8, g.c32(2 * k));
        Value off = g.swizzled(row, chunk, maskV, cprV);
        Frag4 vf = g.ldmatrix4(g.gep(sV, i8T, off), false);
        for (int64_t mi = 0; mi < mt; ++mi)
          for (int64_t h = 0; h < 2; ++h) {
            Acc4 o;
            for (int e = 0; e < 4; ++e)
              o[e] = next[(mi * nd + 2 * dp + h) * 4 + e];
            o = g.mmaFp8(pf[mi * kk + k], vf[2 * h], vf[2 * h + 1], o);
            for (int e = 0; e < 4; ++e)
              next[(mi * nd + 2 * dp + h) * 4 + e] = o[e];
          }
      }
    for (int64_t k = 0; k < kk && !p.fp8; ++k)
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
      // FP8: O is in units of the last V block's scale; l is 256 sum(p).
      Value inv = g.select(pos, g.fdiv(p.fp8 ? fin[svIdx] : one, l), zeroF);
      Value log2L = g.log2(l);
      if (p.fp8)
        log2L = g.fsub(log2L, g.f(8.0));
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

static void buildCombineKernel(gpu::GPUModuleOp module, StringRef name,
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

//===----------------------------------------------------------------------===//
// Plan checks and the manifest entry
//===----------------------------------------------------------------------===//

/// The FP8 plan of an op whose #attn.precision asks for FP8, or a located
/// error saying what the FP8 kernels take.
static LogicalResult planFp8(Operation *op, PrecisionAttr prec, FullPlan &p) {
  auto e4m3 = [&](StringRef name) {
    return llvm::isa_and_nonnull<Float8E4M3FNType>(prec.getOperandType(name));
  };
  auto err = [&]() { return op->emitOpError() << "FP8 plan " << prec << ": "; };
  if (isa<SparseOp>(op))
    return err() << "the GPU has no FP8 sparse kernel (gathered K/V tiles); "
                    "plan it with attn-assign-precision policy=auto or off";
  if (!e4m3("qk") || !e4m3("pv"))
    return err() << "the GPU FP8 kernel takes qk and pv both f8E4M3FN";
  if (prec.getGranularity() != ScaleGranularity::block)
    return err() << "the GPU FP8 kernel takes granularity = block";
  if (prec.getHadamard() && !llvm::isPowerOf2_64(p.d))
    return err() << "the Hadamard rotation needs a power-of-two head dim, got "
                 << p.d;
  if (!(p.elem.isBF16() || p.elem.isF16()))
    return err() << "the GPU FP8 kernel quantises bf16 or f16 inputs, got "
                 << p.elem;
  if (p.d % 32 || p.kv % 32 || prec.getBlock() % p.kv)
    return err() << "the GPU FP8 kernel needs D and #attn.tile kv multiples "
                    "of 32 (one e4m3 mma k-step) and the scale block a "
                    "multiple of kv; got D = "
                 << p.d << ", kv = " << p.kv << ", block = " << prec.getBlock();
  const int64_t threads = p.threads();
  if ((p.q * p.d / 16) % threads || (p.kv * p.d / 16) % threads ||
      (p.dv * p.kv / 16) % threads)
    return err() << "the GPU FP8 kernel copies tiles in 16-byte chunks, an "
                    "equal number per thread: #attn.tile q = "
                 << p.q << ", kv = " << p.kv << " with " << threads
                 << " threads does not divide D = " << p.d << " / Dv = " << p.dv
                 << " tiles evenly";
  p.fp8 = true;
  p.hadamard = prec.getHadamard();
  p.scaleBlock = prec.getBlock();
  return success();
}

template <typename OpT>
static FailureOr<FullPlan> planFor(OpT op) {
  TileAttr tile = op.getTileAttr();
  if (!tile)
    return op.emitOpError()
           << "has no #attn.tile; run attn-tile{target=sm_80|sm_90a} (or the "
              "attn-plan pipeline) before convert-attn-to-gpu";
  auto qType = cast<RankedTensorType>(op.getQ().getType());
  auto kType = cast<RankedTensorType>(op.getK().getType());
  auto vType = cast<RankedTensorType>(op.getV().getType());
  Type elem = qType.getElementType();
  if (!(elem.isBF16() || elem.isF16() || elem.isF32()) ||
      kType.getElementType() != elem || vType.getElementType() != elem)
    return op.emitOpError()
           << "GPU kernels take q, k and v all bf16, all f16 or all f32; got "
           << qType.getElementType() << ", " << kType.getElementType() << ", "
           << vType.getElementType();
  FullPlan p;
  p.elem = elem;
  p.d = qType.getDimSize(3);
  p.dv = vType.getDimSize(3);
  if (ShapedType::isDynamic(p.d) || ShapedType::isDynamic(p.dv))
    return op.emitOpError() << "GPU kernels need static head dims D and Dv";
  if (p.d % 16 || p.dv % 16 || p.d > 256 || p.dv > 256)
    return op.emitOpError() << "GPU kernels take head dims that are multiples "
                               "of 16 up to 256; got D = "
                            << p.d << ", Dv = " << p.dv;
  p.q = tile.getQ();
  p.kv = tile.getKv();
  p.warps = tile.getWarps();
  if (p.kv % 16 || p.q % (16 * p.warps))
    return op.emitOpError()
           << "GPU kernels need #attn.tile kv a multiple of 16 and q a "
              "multiple of 16 x warps (16 rows per mma tile); got q = "
           << p.q << ", kv = " << p.kv << ", warps = " << p.warps;
  p.mTiles = p.q / (16 * p.warps);
  const int64_t threads = p.threads();
  if ((p.q * p.d / 8) % threads || (p.kv * p.d / 8) % threads ||
      (p.kv * p.dv / 8) % threads)
    return op.emitOpError()
           << "GPU kernels copy tiles in 16-byte chunks, an equal number per "
              "thread: #attn.tile q = "
           << p.q << ", kv = " << p.kv << " with " << threads
           << " threads does not divide D = " << p.d << " / Dv = " << p.dv
           << " tiles evenly";
  if (PrecisionAttr prec = op.getPrecisionAttr(); prec && prec.usesFp8()) {
    if (failed(planFp8(op, prec, p)))
      return failure();
  }
  if (p.smemBytes() > 227 * 1024)
    return op.emitOpError() << "tile needs " << p.smemBytes()
                            << " bytes of shared memory; at most 232448";
  p.scale = 1.0 / std::sqrt(static_cast<double>(p.d));
  if (FloatAttr s = op.getScaleAttr())
    p.scale = s.getValueAsDouble();
  p.causal = op.getCausal();
  if constexpr (std::is_same_v<OpT, FullOp>) {
    if (std::optional<uint64_t> w = op.getWindow())
      p.window = static_cast<int64_t>(
          std::min<uint64_t>(*w, static_cast<uint64_t>(INT64_MAX / 4)));
    if (FloatAttr c = op.getSoftcapAttr())
      p.softcap = c.getValueAsDouble();
    p.lse = static_cast<bool>(op.getLse());
  } else {
    p.sparse = true;
    p.lse = false;
    if (std::optional<uint64_t> bs = op.getBlockSize())
      p.blockSize = static_cast<int64_t>(*bs);
  }
  return p;
}

static StringAttr str(MLIRContext *ctx, const Twine &t) {
  return StringAttr::get(ctx, t);
}

/// The kernels and manifest entry of attn.full (`kind` "full") or
/// attn.sparse ("sparse").
static DictionaryAttr buildSoftmax(Operation *op, const FullPlan &p,
                                   int64_t splitKv, StringRef kind,
                                   const KernelSite &site) {
  MLIRContext *ctx = op->getContext();
  std::string base = site.prefix + "_" + kind.str();
  std::string fwd = base + "_fwd", decode = base + "_decode";
  std::string combine = base + "_combine";
  const int64_t combineThreads = (p.dv + 31) / 32 * 32;
  // Decoding (at most 16 packed query rows: T x H/Hkv) gets a one-warp
  // variant of the same kernel: one mma row tile, no idle warps, more CTAs
  // per SM to keep loads in flight.
  // (Sparse blocks serve one query each already: no decode variant.)
  FullPlan pd = p;
  pd.q = 16;
  pd.warps = 1;
  pd.mTiles = 1;
  pd.wgmma = false;
  // FP8 decoding runs mma.sync; a 128-key tile spills there.
  if (pd.fp8)
    pd.kv = std::min<int64_t>(pd.kv, 64);
  std::string quantRows = base + "_quant_rows", quantVt = base + "_quant_vt";
  if (p.fp8) {
    buildQuantRowsKernel(site.module, quantRows, p.d, p.scaleBlock, p.elem,
                         p.hadamard, op->getLoc());
    buildQuantVtKernel(site.module, quantVt, p.dv, p.scaleBlock, p.elem,
                       op->getLoc());
  }
  buildFwdKernel(site.module, fwd, p, op->getLoc());
  if (!p.sparse)
    buildFwdKernel(site.module, decode, pd, op->getLoc());
  buildCombineKernel(site.module, combine, p, combineThreads, op->getLoc());

  Builder b(ctx);
  auto i64 = [&](int64_t v) { return b.getI64IntegerAttr(v); };
  std::string d = std::to_string(p.d), dv = std::to_string(p.dv);
  std::string elem = dtypeName(p.elem);
  SmallVector<Attribute> inputs = {
      tensorEntry(ctx, "q", p.elem, {"B", "T", "H", d}),
      tensorEntry(ctx, "k", p.elem, {"B", "S", "Hkv", d}),
      tensorEntry(ctx, "v", p.elem, {"B", "S", "Hkv", dv})};
  if (p.sparse)
    inputs.push_back(tensorEntry(ctx, "idx", IntegerType::get(ctx, 32),
                                 {"B", "T", "Hkv", "N"}));
  SmallVector<Attribute> outputs = {
      tensorEntry(ctx, "o", p.elem, {"B", "T", "H", dv})};
  if (p.lse)
    outputs.push_back(tensorEntry(ctx, "lse", b.getF32Type(), {"B", "T", "H"}));

  NamedAttrList sizes;
  sizes.append("B", stringArray(ctx, {"q", "0"}));
  sizes.append("T", stringArray(ctx, {"q", "1"}));
  sizes.append("H", stringArray(ctx, {"q", "2"}));
  sizes.append("S", stringArray(ctx, {"k", "1"}));
  sizes.append("Hkv", stringArray(ctx, {"k", "2"}));
  if (p.sparse)
    sizes.append("N", stringArray(ctx, {"idx", "3"}));

  // nsplit: chosen by the launcher for the card it runs on (docs/gpu-
  // backend.md): enough CTAs for `ctas_per_sm` waves of the SMs, at most
  // the plan's split_kv and one split per KV tile.
  std::string q = std::to_string(p.q), kv = std::to_string(p.kv);
  std::string rowBlocks =
      p.sparse ? "T*cdiv(H/Hkv, " + q + ")" : "cdiv(T*(H/Hkv), " + q + ")";
  std::string decodeBlocks = "cdiv(T*(H/Hkv), 16)";
  const char *isDecode = "T*(H/Hkv) <= 16";
  NamedAttrList nsplit;
  nsplit.append("max", i64(splitKv));
  nsplit.append("blocks",
                str(ctx, p.sparse ? rowBlocks + "*Hkv*B"
                                  : "select(" + std::string(isDecode) + ", " +
                                        decodeBlocks + ", " + rowBlocks +
                                        ")*Hkv*B"));
  nsplit.append(
      "tiles",
      str(ctx, p.sparse ? "cdiv(N*" + std::to_string(p.blockSize.value_or(1)) +
                              ", " + kv + ")"
                        : "cdiv(S, " + kv + ")"));
  nsplit.append("ctas_per_sm", i64(4));
  NamedAttrList params;
  params.append("nsplit", nsplit.getDictionary(ctx));

  auto workspace = [&](StringRef name, StringRef elements) {
    NamedAttrList w;
    w.append("name", str(ctx, name));
    w.append("dtype", str(ctx, "f32"));
    w.append("elements", str(ctx, elements));
    return w.getDictionary(ctx);
  };
  SmallVector<Attribute> workspaces = {
      workspace("o_part", "nsplit*B*T*H*" + dv),
      workspace("lse_part", "nsplit*B*T*H")};
  std::string nbT = "cdiv(T, " + std::to_string(p.scaleBlock) + ")";
  std::string nbS = "cdiv(S, " + std::to_string(p.scaleBlock) + ")";
  if (p.fp8) {
    auto bytes = [&](StringRef name, const std::string &elements) {
      NamedAttrList w;
      w.append("name", str(ctx, name));
      w.append("dtype", str(ctx, "u8"));
      w.append("elements", str(ctx, elements));
      return w.getDictionary(ctx);
    };
    workspaces.push_back(bytes("q8", "B*T*H*" + d));
    workspaces.push_back(bytes("k8", "B*S*Hkv*" + d));
    workspaces.push_back(bytes("v8t", "B*Hkv*" + dv + "*" + nbS + "*" +
                                          std::to_string(p.scaleBlock)));
    workspaces.push_back(workspace("sq", "B*H*" + nbT));
    workspaces.push_back(workspace("sk", "B*Hkv*" + nbS));
    workspaces.push_back(workspace("sv", "B*Hkv*" + nbS));
  }

  auto launch = [&](StringRef kernel, ArrayRef<std::string> grid,
                    int64_t threads, int64_t smem, ArrayRef<const char *> args,
                    StringRef when) {
    NamedAttrList l;
    l.append("kernel", str(ctx, kernel));
    l.append("grid", stringArray(ctx, grid));
    l.append("block", b.getI64ArrayAttr({threads, 1, 1}));
    l.append("smem", i64(smem));
    SmallVector<std::string> names(args.begin(), args.end());
    l.append("args", stringArray(ctx, names));
    if (!when.empty())
      l.append("when", str(ctx, when));
    return l.getDictionary(ctx);
  };
  SmallVector<Attribute> launches;
  ArrayRef<const char *> fwdArgs = kFwdArgNames;
  if (p.fp8) {
    // Quantise Q, K (rows) and V (transposed) first.
    const char *qArgs[] = {"q", "q8", "sq", "B", "T", "H"};
    const char *kArgs[] = {"k", "k8", "sk", "B", "S", "Hkv"};
    const char *vArgs[] = {"v", "v8t", "sv", "B", "S", "Hkv"};
    launches.push_back(launch(quantRows, {nbT, "H", "B"}, 128, 16, qArgs, ""));
    launches.push_back(
        launch(quantRows, {nbS, "Hkv", "B"}, 128, 16, kArgs, ""));
    launches.push_back(launch(quantVt, {nbS, "Hkv", "B"}, 128,
                              2 * p.scaleBlock * p.dv + 16, vArgs, ""));
    fwdArgs = kFp8FwdArgNames;
  }
  if (p.sparse) {
    launches.push_back(launch(fwd, {rowBlocks, "Hkv", "B*nsplit"}, p.threads(),
                              p.smemBytes(), kFwdArgNames, ""));
  } else {
    launches.push_back(launch(fwd, {rowBlocks, "Hkv", "B*nsplit"}, p.threads(),
                              p.smemBytes(), fwdArgs, "T*(H/Hkv) > 16"));
    launches.push_back(launch(decode, {decodeBlocks, "Hkv", "B*nsplit"},
                              pd.threads(), pd.smemBytes(), fwdArgs, isDecode));
  }
  launches.push_back(launch(combine, {"B*T*H", "1", "1"}, combineThreads, 0,
                            kCombineArgNames, "nsplit > 1"));

  NamedAttrList tile;
  tile.append("q", i64(p.q));
  tile.append("kv", i64(p.kv));
  tile.append("warps", i64(p.warps));

  NamedAttrList entry;
  entry.append("op", str(ctx, op->getName().getStringRef()));
  entry.append("inputs", ArrayAttr::get(ctx, inputs));
  entry.append("outputs", ArrayAttr::get(ctx, outputs));
  entry.append("sizes", sizes.getDictionary(ctx));
  entry.append("params", params.getDictionary(ctx));
  entry.append("values", [&] {
    NamedAttrList v;
    v.append("rows", str(ctx, "B*T*H"));
    return v.getDictionary(ctx);
  }());
  entry.append("workspaces", ArrayAttr::get(ctx, workspaces));
  entry.append("launches", ArrayAttr::get(ctx, launches));
  entry.append("tile", tile.getDictionary(ctx));
  if (p.fp8)
    entry.append(
        "precision",
        str(ctx, "e4m3 qk and pv, scales per " + std::to_string(p.scaleBlock) +
                     " tokens" +
                     (p.hadamard ? ", Hadamard rotation of Q and K" : "")));
  return entry.getDictionary(ctx);
}

FailureOr<DictionaryAttr> gpu_kernels::buildFull(FullOp op,
                                                 const KernelSite &site) {
  FailureOr<FullPlan> plan = planFor(op);
  if (failed(plan))
    return failure();
  plan->wgmma = plan->fp8 && site.chip == "sm_90a" && plan->d == 128 &&
                plan->dv == 128 && plan->kv == 128 && plan->q == 64 &&
                plan->warps == 4;
  return buildSoftmax(op, *plan, op.getTileAttr().getSplitKv(), "full", site);
}

FailureOr<DictionaryAttr> gpu_kernels::buildSparse(SparseOp op,
                                                   const KernelSite &site) {
  FailureOr<FullPlan> plan = planFor(op);
  if (failed(plan))
    return failure();
  return buildSoftmax(op, *plan, op.getTileAttr().getSplitKv(), "sparse", site);
}
