//===- IndexerToGPU.cpp - attn.indexer on tensor cores --------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The DSA lightning indexer, scores[t, s] = sum_j w[t, j] relu(qi[t, j] .
// ki[s]): one CTA per (block of query rows, 64 keys, batch). Query rows are
// packed (t, index head j) like the attention kernels' GQA rows, 16 per warp
// (so one warp's rows share one t: Hi must be a multiple of 16), the block
// holding whole queries (max(64, Hi) rows). Q.K^T by mma.sync m16n8k16 with
// f32 accumulation, then each thread weights and ReLUs its accumulator
// entries, the 16 rows of a warp are summed by xor shuffles, the warps of
// one query meet in shared memory (f32 atomic adds), and the block writes
// its [queries x 64] tile of scores (-inf past the causal bound).
//
//===----------------------------------------------------------------------===//

#include "GpuBuilder.h"
#include "Kernels.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::gpu_kernels;

namespace {
struct IndexerPlan {
  int64_t hi, di, rows, warps, kv = 64;
  bool causal;
  Type elem, wElem;
  int64_t threads() const { return 32 * warps; }
  int64_t queries() const { return rows / hi; }
  /// f32 qi/ki: bf16 hi/lo tiles and three mma per product (as FullToGPU).
  bool split() const { return elem.isF32(); }
  Type mmaElem() const {
    return split() ? BFloat16Type::get(elem.getContext()) : elem;
  }
  /// FP8 (#attn.precision qk = f8E4M3FN, per-token scales): the kernel
  /// reads e4m3 qi / ki rows made by quant_tokens (QuantizeFp8.cpp) and
  /// runs q . k as m64n64k32 e4m3 wgmma (sm_90a, one warpgroup of 64 rows,
  /// Di = 128), each product scaled by its row's and key's scales.
  bool fp8 = false, hadamard = false;
  int64_t tileBytes() const {
    if (fp8)
      return rows * di + kv * di;
    return 2 * (rows * di + kv * di) * (split() ? 2 : 1);
  }
  int64_t smemBytes() const { return tileBytes() + 4 * queries() * kv; }
};
enum IdxArg { iQ, iK, iW, iOut, iB, iT, iS, kNumIdxArgs };
constexpr const char *kIdxArgNames[] = {"qi", "ki", "w", "scores",
                                        "B",  "T",  "S"};
// FP8: the quantised rows and their scales (two more pointers).
constexpr const char *kFp8IdxArgNames[] = {"qi8", "ki8", "w", "scores", "sqi",
                                           "ski", "B",   "T", "S"};
} // namespace

static void buildIndexerKernel(gpu::GPUModuleOp module, StringRef name,
                               const IndexerPlan &p, Location loc) {
  ImplicitLocOpBuilder b(loc, module.getContext());
  GpuBuilder g(b);
  Type f32T = g.f32(), i8T = b.getI8Type();
  const int64_t extra = p.fp8 ? 2 : 0;
  gpu::GPUFuncOp fn =
      createKernel(b, module, name, iB + extra, kNumIdxArgs - iB, p.threads());
  auto arg = [&](int i) -> Value {
    return fn.getArgument(i < iB ? i : i + extra);
  };
  const int64_t nk = p.kv / 8, kd = p.di / 16;
  const int64_t cpr = p.fp8 ? p.di / 16 : p.di / 8;
  const int64_t swz = GpuBuilder::swizzleFor(cpr);

  Value tid = g.threadId();
  Value warp = g.divu(tid, g.c32(32)), lane = g.remu(tid, g.c32(32));
  Value gq = g.divu(lane, g.c32(4)), tq = g.remu(lane, g.c32(4));
  Value bIdx = g.toI64(g.blockId(gpu::Dimension::z));
  Value seqT = arg(iT), seqS = arg(iS);
  Value hiC = g.c64(p.hi);
  Value t0 = g.mul(g.toI64(g.blockId(gpu::Dimension::x)), g.c64(p.queries()));
  Value row0 = g.mul(t0, hiC);
  Value s0 = g.mul(g.toI64(g.blockId(gpu::Dimension::y)), g.c64(p.kv));

  Value smem = g.sharedBase(module);
  Value sQ = smem;
  Value sK = g.gep(smem, i8T, g.c32((p.fp8 ? 1 : 2) * p.rows * p.di));
  Value sRed = g.gep(smem, i8T, g.c32(p.tileBytes()));
  const int64_t loOff = 2 * (p.rows * p.di + p.kv * p.di);
  auto lo = [&](Value tile) { return g.gep(tile, i8T, g.c32(loOff)); };
  auto loadTile =
      [&](Value tile, int64_t rows, Value fallback,
          llvm::function_ref<std::pair<Value, Value>(Value, Value)> source) {
        if (p.split())
          splitTile(g, tile, lo(tile), rows, p.di, p.threads(), tid, source);
        else // copyTile counts 16-bit columns
          copyTile(g, tile, rows, p.fp8 ? p.di / 2 : p.di, p.threads(), tid,
                   fallback, source);
      };
  Type me = p.mmaElem();
  const int64_t nRed = p.queries() * p.kv;

  // Zero the per-query score accumulators.
  Value zeroF = g.f(0.0);
  for (int64_t i = 0; i < (nRed + p.threads() - 1) / p.threads(); ++i) {
    Value idx = g.add(g.c32(i * p.threads()), tid);
    auto ifOp =
        scf::IfOp::create(b, TypeRange{}, g.slt(idx, g.c32(nRed)), false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    g.storeGlobal(zeroF, g.gep(sRed, f32T, idx));
  }

  // Causal: a tile wholly after the block's last query is only -inf
  // (written below); its loads and mma are skipped.
  Value computeTile = arith::ConstantIntOp::create(b, 1, 1);
  if (p.causal) {
    Value tLastBlock =
        g.min(g.add(t0, g.c64(p.queries() - 1)), g.sub(seqT, g.c64(1)));
    computeTile = g.sle(s0, g.add(tLastBlock, g.sub(seqS, seqT)));
  }
  auto computeIf = scf::IfOp::create(b, TypeRange{}, computeTile, false);
  {
    OpBuilder::InsertionGuard computeGuard(b);
    b.setInsertionPointToStart(computeIf.thenBlock());
    loadTile(sQ, p.rows, arg(iQ), [&](Value row, Value c) {
      Value r = g.add(row0, g.toI64(row));
      Value t = g.divs(r, hiC), j = g.remu(r, hiC);
      Value valid = g.slt(t, seqT);
      Value off = g.add(
          g.mul(g.add(g.mul(g.add(g.mul(bIdx, seqT), t), hiC), j), g.c64(p.di)),
          g.toI64(g.mul(c, g.c32(p.fp8 ? 16 : 8))));
      return std::make_pair(valid, g.gep(arg(iQ), p.fp8 ? i8T : p.elem, off));
    });
    loadTile(sK, p.kv, arg(iK), [&](Value row, Value c) {
      Value s = g.add(s0, g.toI64(row));
      Value valid = g.slt(s, seqS);
      Value off = g.add(g.mul(g.add(g.mul(bIdx, seqS), s), g.c64(p.di)),
                        g.toI64(g.mul(c, g.c32(p.fp8 ? 16 : 8))));
      return std::make_pair(valid, g.gep(arg(iK), p.fp8 ? i8T : p.elem, off));
    });
    g.cpAsyncCommit();
    g.cpAsyncWait(0);
    if (p.fp8) // wgmma reads shared memory through the async proxy
      g.fenceProxyAsync();
    g.barrier();

    // This warp's 16 rows x 64 keys.
    Value lane15 = g.andI(lane, g.c32(15)), lane7 = g.andI(lane, g.c32(7));
    Value hi16 = g.divu(lane, g.c32(16));
    Value mid8 = g.andI(g.divu(lane, g.c32(8)), g.c32(1));
    Value mask = g.andI(lane, g.c32(swz - 1));
    Value warpRow = g.mul(warp, g.c32(16));
    SmallVector<Acc4> s(nk, Acc4{zeroF, zeroF, zeroF, zeroF});
    if (p.fp8) {
      SmallVector<Value> descQ, descK, zeros(4 * nk, zeroF);
      for (int64_t k = 0; k < p.di / 32; ++k) {
        descQ.push_back(g.wgmmaDesc(g.gep(sQ, i8T, g.c32(32 * k))));
        descK.push_back(g.wgmmaDesc(g.gep(sK, i8T, g.c32(32 * k))));
      }
      SmallVector<Value> r = g.wgmmaFp8SS(descQ, descK, zeros);
      // Dequantise: the row's (token, head) scale times the key's.
      Value rowsAll = g.mul(seqT, hiC);
      SmallVector<Value> sq;
      for (int64_t half = 0; half < 2; ++half) {
        Value rr =
            g.add(row0, g.toI64(g.add(warpRow, g.add(gq, g.c32(8 * half)))));
        Value ok = g.slt(rr, rowsAll);
        Value idx = g.add(g.mul(bIdx, rowsAll), g.select(ok, rr, g.c64(0)));
        sq.push_back(g.loadGlobal(f32T, g.gep(fn.getArgument(iB), f32T, idx)));
      }
      for (int64_t n = 0; n < nk; ++n)
        for (int64_t e = 0; e < 2; ++e) {
          Value col =
              g.add(s0, g.toI64(g.add(g.mul(tq, g.c32(2)), g.c32(8 * n + e))));
          Value ok = g.slt(col, seqS);
          Value idx = g.add(g.mul(bIdx, seqS), g.select(ok, col, g.c64(0)));
          Value sk =
              g.loadGlobal(f32T, g.gep(fn.getArgument(iB + 1), f32T, idx));
          for (int64_t half = 0; half < 2; ++half)
            s[n][2 * half + e] =
                g.fmul(r[4 * n + 2 * half + e], g.fmul(sq[half], sk));
        }
    }
    for (int64_t k = 0; k < kd && !p.fp8; ++k) {
      Value chunkA = g.add(hi16, g.c32(2 * k));
      Value aOff = g.swizzled(g.add(warpRow, lane15), chunkA, mask, cpr);
      Frag4 a = g.ldmatrix4(g.gep(sQ, i8T, aOff), false);
      Frag4 aLo;
      if (p.split())
        aLo = g.ldmatrix4(g.gep(lo(sQ), i8T, aOff), false);
      for (int64_t np = 0; np < nk / 2; ++np) {
        Value row = g.add(g.add(lane7, g.mul(hi16, g.c32(8))), g.c32(16 * np));
        Value chunk = g.add(mid8, g.c32(2 * k));
        Value kOff = g.swizzled(row, chunk, mask, cpr);
        Frag4 kf = g.ldmatrix4(g.gep(sK, i8T, kOff), false);
        Frag4 kfLo;
        if (p.split())
          kfLo = g.ldmatrix4(g.gep(lo(sK), i8T, kOff), false);
        g.mmaPairs(a, p.split() ? &aLo : nullptr, kf,
                   p.split() ? &kfLo : nullptr, s[2 * np], s[2 * np + 1], me);
      }
    }

    // Weight and ReLU, sum the warp's 16 rows (one query), add into shared.
    Value rWarp = g.add(row0, g.toI64(warpRow));
    Value tW = g.divs(rWarp, hiC);
    Value tValid = g.slt(tW, seqT);
    Value tSafe = g.min(tW, g.sub(seqT, g.c64(1)));
    auto weight = [&](int64_t half) {
      Value r = g.add(rWarp, g.toI64(g.add(gq, g.c32(8 * half))));
      Value j = g.remu(r, hiC);
      Value w = g.loadGlobal(
          p.wElem,
          g.gep(arg(iW), p.wElem,
                g.add(g.mul(g.add(g.mul(bIdx, seqT), tSafe), hiC), j)));
      if (p.wElem != f32T)
        w = arith::ExtFOp::create(b, f32T, w);
      return g.select(tValid, w, zeroF);
    };
    Value wA = weight(0), wB = weight(1);
    auto relu = [&](Value v) { return g.fmax(v, zeroF); };
    SmallVector<Value> part;
    for (int64_t n = 0; n < nk; ++n)
      for (int64_t e = 0; e < 2; ++e) {
        Value v =
            g.fadd(g.fmul(wA, relu(s[n][e])), g.fmul(wB, relu(s[n][2 + e])));
        v = g.fadd(v, g.shflXor(v, 4));
        v = g.fadd(v, g.shflXor(v, 8));
        v = g.fadd(v, g.shflXor(v, 16));
        part.push_back(v);
      }
    {
      auto ifOp =
          scf::IfOp::create(b, TypeRange{}, g.slt(lane, g.c32(4)), false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      Value slot = g.mul(g.toI32(g.sub(tW, t0)), g.c32(p.kv));
      for (int64_t n = 0; n < nk; ++n)
        for (int64_t e = 0; e < 2; ++e) {
          Value col = g.add(g.mul(tq, g.c32(2)), g.c32(8 * n + e));
          LLVM::AtomicRMWOp::create(
              b, LLVM::AtomicBinOp::fadd, g.gep(sRed, f32T, g.add(slot, col)),
              part[n * 2 + e], LLVM::AtomicOrdering::monotonic);
        }
    }
  }
  g.barrier();

  // Write the block's scores.
  Value offset = g.sub(seqS, seqT);
  Value negInf = g.negInf();
  for (int64_t i = 0; i < (nRed + p.threads() - 1) / p.threads(); ++i) {
    Value idx = g.add(g.c32(i * p.threads()), tid);
    Value t = g.add(t0, g.toI64(g.divu(idx, g.c32(p.kv))));
    Value sIdx = g.add(s0, g.toI64(g.remu(idx, g.c32(p.kv))));
    Value ok = g.andI(g.slt(idx, g.c32(nRed)),
                      g.andI(g.slt(t, seqT), g.slt(sIdx, seqS)));
    auto ifOp = scf::IfOp::create(b, TypeRange{}, ok, false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    Value v = g.loadGlobal(f32T, g.gep(sRed, f32T, idx));
    if (p.causal)
      v = g.select(g.sle(sIdx, g.add(t, offset)), v, negInf);
    g.storeGlobal(v,
                  g.gep(arg(iOut), f32T,
                        g.add(g.mul(g.add(g.mul(bIdx, seqT), t), seqS), sIdx)));
  }
  gpu::ReturnOp::create(b);
}

FailureOr<DictionaryAttr> gpu_kernels::buildIndexer(IndexerOp op,
                                                    const KernelSite &site) {
  auto qType = cast<RankedTensorType>(op.getQi().getType());
  auto kType = cast<RankedTensorType>(op.getKi().getType());
  auto wType = cast<RankedTensorType>(op.getW().getType());
  IndexerPlan p;
  p.elem = qType.getElementType();
  p.wElem = wType.getElementType();
  if (!(p.elem.isBF16() || p.elem.isF16() || p.elem.isF32()) ||
      kType.getElementType() != p.elem)
    return op.emitOpError() << "GPU kernels take qi and ki both bf16, both "
                               "f16 or both f32; got "
                            << p.elem << ", " << kType.getElementType();
  if (!(p.wElem.isF32() || p.wElem.isBF16() || p.wElem.isF16()))
    return op.emitOpError()
           << "GPU kernels take w as f32, bf16 or f16; got " << p.wElem;
  p.hi = qType.getDimSize(2);
  p.di = qType.getDimSize(3);
  if (ShapedType::isDynamic(p.hi) || ShapedType::isDynamic(p.di))
    return op.emitOpError()
           << "GPU kernels need static index heads Hi and head dim Di";
  p.rows = std::max<int64_t>(64, p.hi);
  p.warps = p.rows / 16;
  if (p.hi % 16 || p.rows % p.hi || p.di % 16 || p.di > 256 || p.rows > 256 ||
      (8 * p.di) % p.threads())
    return op.emitOpError()
           << "GPU kernels take Hi = 16, 32 or a multiple of 16 from 64 to "
              "256 and Di a multiple of 16 up to 256 (with 8 Di a multiple "
              "of 2 Hi); got Hi = "
           << p.hi << ", Di = " << p.di;
  p.causal = op.getCausal();
  if (PrecisionAttr prec = op.getPrecisionAttr(); prec && prec.usesFp8()) {
    auto err = [&]() {
      return op.emitOpError() << "FP8 plan " << prec << ": ";
    };
    if (!llvm::isa_and_nonnull<Float8E4M3FNType>(prec.getOperandType("qk")))
      return err() << "the GPU FP8 indexer takes qk = f8E4M3FN";
    if (prec.getGranularity() != ScaleGranularity::token)
      return err() << "the GPU FP8 indexer takes granularity = token";
    if (!site.chip.wgmma || p.rows != 64 || p.di != 128 ||
        !(p.elem.isBF16() || p.elem.isF16()))
      return err() << "the GPU FP8 indexer runs on sm_90a (wgmma) with Hi = "
                      "16, 32 or 64, Di = 128 and bf16 / f16 inputs; got "
                   << site.chip.name << ", Hi = " << p.hi << ", Di = " << p.di
                   << ", " << p.elem;
    p.fp8 = true;
    p.hadamard = prec.getHadamard();
  }
  if (p.smemBytes() > site.chip.maxSharedPerBlock)
    return op.emitOpError() << "GPU kernel needs " << p.smemBytes()
                            << " bytes of shared memory for Hi = " << p.hi
                            << ", Di = " << p.di << "; " << site.chip.name
                            << " allows at most "
                            << site.chip.maxSharedPerBlock << " per block";

  std::string name = site.prefix + "_indexer";
  std::string quant = site.prefix + "_indexer_quant";
  if (p.fp8)
    buildQuantTokensKernel(site.module, quant, p.elem, p.hadamard, op.getLoc());
  buildIndexerKernel(site.module, name, p, op.getLoc());

  MLIRContext *ctx = op.getContext();
  Builder b(ctx);
  auto strs = [&](ArrayRef<std::string> items) {
    return stringArray(ctx, items);
  };
  std::string hi = std::to_string(p.hi), di = std::to_string(p.di);
  NamedAttrList sizes;
  sizes.append("B", strs({"qi", "0"}));
  sizes.append("T", strs({"qi", "1"}));
  sizes.append("S", strs({"ki", "1"}));
  NamedAttrList launch;
  launch.append("kernel", b.getStringAttr(name));
  launch.append("grid", strs({"cdiv(T, " + std::to_string(p.queries()) + ")",
                              "cdiv(S, " + std::to_string(p.kv) + ")", "B"}));
  launch.append("block", b.getI64ArrayAttr({p.threads(), 1, 1}));
  launch.append("smem", b.getI64IntegerAttr(p.smemBytes()));
  if (p.fp8)
    launch.append("args",
                  strs(SmallVector<std::string>(std::begin(kFp8IdxArgNames),
                                                std::end(kFp8IdxArgNames))));
  else
    launch.append("args",
                  strs(SmallVector<std::string>(std::begin(kIdxArgNames),
                                                std::end(kIdxArgNames))));
  NamedAttrList entry;
  entry.append("op", b.getStringAttr("attn.indexer"));
  entry.append(
      "inputs",
      b.getArrayAttr({tensorEntry(ctx, "qi", p.elem, {"B", "T", hi, di}),
                      tensorEntry(ctx, "ki", p.elem, {"B", "S", di}),
                      tensorEntry(ctx, "w", p.wElem, {"B", "T", hi})}));
  entry.append("outputs",
               b.getArrayAttr({tensorEntry(ctx, "scores", b.getF32Type(),
                                           {"B", "T", "S"})}));
  entry.append("sizes", sizes.getDictionary(ctx));
  if (!p.fp8) {
    entry.append("launches", b.getArrayAttr({launch.getDictionary(ctx)}));
    return entry.getDictionary(ctx);
  }
  // FP8: quantise qi and ki rows (per-token scales) first.
  auto quantLaunch = [&](StringRef x, StringRef x8, StringRef sx,
                         StringRef rows) {
    NamedAttrList l;
    l.append("kernel", b.getStringAttr(quant));
    l.append("grid", strs({"cdiv(" + rows.str() + ", 4)", "1", "1"}));
    l.append("block", b.getI64ArrayAttr({128, 1, 1}));
    l.append("smem", b.getI64IntegerAttr(0));
    l.append("args", strs({x.str(), x8.str(), sx.str(), rows.str()}));
    return l.getDictionary(ctx);
  };
  entry.append("launches",
               b.getArrayAttr({quantLaunch("qi", "qi8", "sqi", "rows_q"),
                               quantLaunch("ki", "ki8", "ski", "rows_k"),
                               launch.getDictionary(ctx)}));
  NamedAttrList values;
  values.append("rows_q", b.getStringAttr("B*T*" + hi));
  values.append("rows_k", b.getStringAttr("B*S"));
  entry.append("values", values.getDictionary(ctx));
  auto workspace = [&](StringRef wname, StringRef dtype, StringRef elements) {
    NamedAttrList w;
    w.append("name", b.getStringAttr(wname));
    w.append("dtype", b.getStringAttr(dtype));
    w.append("elements", b.getStringAttr(elements));
    return w.getDictionary(ctx);
  };
  entry.append("workspaces",
               b.getArrayAttr({workspace("qi8", "u8", "B*T*" + hi + "*" + di),
                               workspace("ki8", "u8", "B*S*" + di),
                               workspace("sqi", "f32", "B*T*" + hi),
                               workspace("ski", "f32", "B*S")}));
  entry.append("precision",
               b.getStringAttr(std::string("e4m3 qi and ki, scales per "
                                           "token") +
                               (p.hadamard ? ", Hadamard rotation" : "")));
  return entry.getDictionary(ctx);
}
