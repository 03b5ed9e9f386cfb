//===- FullToATile.cpp - attn.full as a tile program ----------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// attn.full forward, FlashAttention style, as one tile program per block:
//
//   block (x, y, z) = (q-row block, KV head hk, batch b). Query rows are
//   packed as (t, g) pairs, g a query head of KV head hk's group, so GQA
//   decoding (T = 1, G = H / Hkv >= 4) fills the rows instead of wasting
//   them; row r is query t = r / G. Causal blocks run heaviest first.
//
//   Q tile  <- Q[b, rows, hk, :, :]                (once)
//   m = -inf, l = 0, O = 0
//   for each KV tile j of the band [kvLo, kvHi) this block's queries see:
//     K_j, V_j <- K[b, kv0 : kv0 + kv, hk], V[...]   (stage j % stages)
//     S   = Q K_j^T                                  (q x kv, f32)
//     S   = softcap * tanh(S * scale / softcap)     (with a soft-cap)
//     S   = mask(S)        (past S keys; causal; sliding window)
//     P, m, l, alpha = online_softmax(S, m, l)       (base 2)
//     O   = O * alpha + P V_j
//   O = O / l (0 for rows that saw no key); LSE = (m + log2 l) ln 2
//
// Split-KV (runtime nsplit > 1, decoding against a long cache): block z is
// (batch, split), each split walks its share of the band's tiles and
// writes its normalised f32 part and LSE for the combine kernel.
//
// FP8 plans (#attn.precision e4m3, granularity = block) read what the
// quantisation kernels made (AttnToGPU/QuantizeFp8.cpp): e4m3 Q and K with a
// scale per token (its block's), V^T in blocks of kv keys (each 32 keys in
// the order the Q K^T accumulator leaves P in a thread's registers,
// atile.convert's docs) with a scale per block. Per tile:
//
//   S   = Q8 K8_j^T;  x = S * scale * sq(row) * sk(j)   (online_softmax's
//                                                         row_scale)
//   P   = 2^8 exp2(x - m')   -> e4m3 (clear of its subnormals; l carries
//                               the 2^8 too)
//   O   = O * alpha + sv(j) (P8 V8t_j^T)   (a fresh f32 accumulator per
//                                            tile, added in f32: Hopper's
//                                            FP8 products accumulate with
//                                            fewer bits, and O summed over
//                                            128 tiles inside them drifted
//                                            by 1.8e-1 with per-channel
//                                            offsets)
//
// The band starts at a multiple of kv (V^T and the scales come in whole
// blocks; the mask handles a window's first tile).
//
// The band: causal blocks stop at the last query's key position, window
// blocks start at the first query's window; tiles outside are never
// visited. The program names no instruction, copy engine or warp role:
// atile-assign-layouts and the pipeline passes decide those.
//
//===----------------------------------------------------------------------===//

#include "AttnToATile.h"
#include "attn/Conversion/Passes.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::tile_programs;
using namespace mlir::atile;

namespace {
/// What the program is specialised on (never B, T, S or head counts).
struct FullShape {
  int64_t d, dv, q, kv, warps, stages;
  Type elem;
  float scale;
  bool causal, lse;
  /// FP8: e4m3 operands and the tokens per quantisation block.
  bool fp8 = false;
  int64_t scaleBlock = 0;
  /// attn.sparse: keys gathered through the index table, `perEntry` keys
  /// per entry.
  bool sparse = false;
  int64_t perEntry = 1;
  /// f32 inputs: the bf16x3 split (hi and lo bf16 halves of Q, K, V made by
  /// AttnToGPU/SplitBf16.cpp; every product hi hi + hi lo + lo hi).
  bool split = false;
  std::optional<int64_t> window;
  std::optional<float> softcap;
};

// The attn.full / attn.sparse kernel ABI (docs/gpu-backend.md): pointers
// (FP8: Q8, K8, V8t in place of Q, K, V and the scales sq, sk, sv after
// them), then sizes, then (with tensor maps) the TMA descriptors of K and V.
enum Arg { aQ, aK, aV, aIdx, aO, aLse, aOPart, aLsePart, kPointers };
enum Fp8Arg { aSq = kPointers, aSk, aSv, kFp8Pointers };
// f32 (bf16x3): Q, K, V are the hi halves, the lo halves follow the
// pointers.
enum SplitArg { aQLo = kPointers, aKLo, aVLo, kSplitPointers };
/// FP8: P = 2^8 exp2(x - m) before its e4m3 rounding.
constexpr int64_t kFp8ProbLog2 = 8;
enum Size { sB, sT, sS, sH, sHkv, sN, sNSplit, kSizes };
enum Map { mK, mV, kMaps };
} // namespace

template <typename OpT>
static FailureOr<FullShape> shapeOf(OpT op) {
  TileAttr tile = op.getTileAttr();
  if (!tile)
    return op.emitOpError() << "has no #attn.tile; run attn-tile (or the "
                               "attn-plan pipeline) before convert-attn-to-atile";
  auto qType = cast<RankedTensorType>(op.getQ().getType());
  auto vType = cast<RankedTensorType>(op.getV().getType());
  FullShape s;
  s.elem = qType.getElementType();
  if (!(s.elem.isBF16() || s.elem.isF16() || s.elem.isF32()))
    return op.emitOpError() << "tile programs take bf16, f16 or f32 inputs; "
                               "got "
                            << s.elem;
  s.split = s.elem.isF32();
  s.d = qType.getDimSize(3);
  s.dv = vType.getDimSize(3);
  if (ShapedType::isDynamic(s.d) || ShapedType::isDynamic(s.dv) || s.d % 16 ||
      s.dv % 16)
    return op.emitOpError() << "tile programs need static head dims that are "
                               "multiples of 16; got D = "
                            << s.d << ", Dv = " << s.dv;
  s.q = tile.getQ();
  s.kv = tile.getKv();
  s.warps = tile.getWarps();
  s.stages = tile.getStages();
  s.scale = 1.0f / std::sqrt(static_cast<float>(s.d));
  if (FloatAttr a = op.getScaleAttr())
    s.scale = static_cast<float>(a.getValueAsDouble());
  s.causal = op.getCausal();
  if constexpr (std::is_same_v<OpT, FullOp>) {
    if (std::optional<uint64_t> w = op.getWindow())
      s.window = static_cast<int64_t>(
          std::min<uint64_t>(*w, static_cast<uint64_t>(INT64_MAX / 4)));
    if (FloatAttr c = op.getSoftcapAttr())
      s.softcap = static_cast<float>(c.getValueAsDouble());
    s.lse = static_cast<bool>(op.getLse());
  } else {
    s.sparse = true;
    s.lse = false;
    if (std::optional<uint64_t> bs = op.getBlockSize())
      s.perEntry = static_cast<int64_t>(*bs);
  }
  if (PrecisionAttr prec = op.getPrecisionAttr(); prec && prec.usesFp8()) {
    if (s.sparse)
      return op.emitOpError() << "has no FP8 tile program (gathered K / V "
                                 "tiles); plan it with attn-assign-precision "
                                 "policy=auto or off";
    auto e4m3 = [&](StringRef name) {
      return isa_and_nonnull<Float8E4M3FNType>(prec.getOperandType(name));
    };
    if (!e4m3("qk") || !e4m3("pv") ||
        prec.getGranularity() != ScaleGranularity::block ||
        prec.getBlock() % s.kv || s.d % 32 || s.kv % 32)
      return op.emitOpError()
             << "FP8 tile programs take qk and pv in f8E4M3FN with block "
                "scales, the block a multiple of #attn.tile kv and D and kv "
                "multiples of 32; got "
             << prec << ", D = " << s.d << ", kv = " << s.kv;
    s.fp8 = true;
    s.scaleBlock = static_cast<int64_t>(prec.getBlock());
  }
  return s;
}

FailureOr<gpu::GPUFuncOp>
tile_programs::buildFullProgram(Operation *op, gpu::GPUModuleOp module,
                                StringRef name, std::optional<RowBlock> rows,
                                bool overlap, bool tensorMaps) {
  FailureOr<FullShape> shape =
      isa<SparseOp>(op) ? shapeOf(cast<SparseOp>(op)) : shapeOf(cast<FullOp>(op));
  if (failed(shape))
    return failure();
  FullShape p = *shape;
  if (p.sparse && tensorMaps)
    return op->emitOpError() << "gathers its K / V rows: no TMA descriptors";
  if (p.split && (tensorMaps || overlap))
    return op->emitOpError() << "f32 (bf16x3) tile programs run the serial "
                                "loop on cp.async copies (no tensor maps, no "
                                "overlap)";
  if (rows) {
    p.q = rows->q;
    p.kv = rows->kv;
    p.stages = rows->stages;
    p.warps = rows->warps;
  }
  MLIRContext *ctx = op->getContext();
  ImplicitLocOpBuilder b(op->getLoc(), ctx);
  IndexMath ix{b};
  Type f32 = b.getF32Type();
  const int64_t dyn = ShapedType::kDynamic;

  // The kernel: pointers (global), then sizes; one block of 32 x warps.
  const int64_t nPointers = p.fp8     ? int64_t(kFp8Pointers)
                            : p.split ? int64_t(kSplitPointers)
                                      : int64_t(kPointers);
  // (The descriptors in Map order: K's, V's.)
  gpu::GPUFuncOp fn = createKernel(b, module, name, nPointers, kSizes,
                                   tensorMaps ? kMaps : 0, p.warps);
  auto ptr = [&](int64_t a) { return fn.getArgument(a); };
  auto size = [&](Size s) { return fn.getArgument(nPointers + s); };

  // Sizes and the block's coordinates.
  Value groupI64 = arith::DivSIOp::create(b, size(sH), size(sHkv));
  Value seqT = ix.idx(size(sT)), seqS = ix.idx(size(sS));
  Value group = ix.idx(groupI64);
  // The grid is (row blocks, KV heads, batch x split). Causal blocks run
  // heaviest (latest) row blocks first, across every head and batch: the
  // block scheduler starts blocks roughly in linear order, so the linear
  // index runs over heads and batches fastest and the last wave holds the
  // lightest blocks (longest-processing-time first; on an H200 at locked
  // clocks 0.8% faster at B=4 T=4096, 3.6% at B=2 T=8192, bench/RESULTS.md).
  Value bx = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value hk = gpu::BlockIdOp::create(b, gpu::Dimension::y);
  Value bz = gpu::BlockIdOp::create(b, gpu::Dimension::z);
  Value gx = gpu::GridDimOp::create(b, gpu::Dimension::x);
  if (p.causal && !p.sparse) {
    Value gy = gpu::GridDimOp::create(b, gpu::Dimension::y);
    Value gz = gpu::GridDimOp::create(b, gpu::Dimension::z);
    Value lin = ix.add(bx, ix.mul(gx, ix.add(hk, ix.mul(gy, bz))));
    Value inner = ix.mul(gy, gz);
    Value rest = ix.rem(lin, inner);
    bx = ix.div(lin, inner);
    hk = ix.rem(rest, gy);
    bz = ix.div(rest, gy);
  }
  if (p.causal)
    bx = ix.sub(ix.sub(gx, ix.c(1)), bx);
  // Split-KV (runtime nsplit): block z is (batch, split).
  Value nsplit = ix.idx(size(sNSplit));
  Value batch = ix.div(bz, nsplit), split = ix.rem(bz, nsplit);
  Value offset = ix.sub(seqS, seqT); // query t sits at key t + S - T
  // Sparse: one query per block (its selection is its own), block x = (t,
  // block of the query's group rows), rows within the group; otherwise rows
  // packed over (t, g).
  Value row0, tFirst, tLast, tQuery;
  if (p.sparse) {
    Value perT = ix.ceilDiv(group, ix.c(p.q));
    tQuery = tFirst = tLast = ix.div(bx, perT);
    row0 = ix.mul(ix.rem(bx, perT), ix.c(p.q));
  } else {
    row0 = ix.mul(bx, ix.c(p.q));
    Value rowEnd = ix.min(ix.add(row0, ix.c(p.q)), ix.mul(seqT, group));
    tFirst = ix.div(row0, group);
    tLast = ix.div(ix.sub(rowEnd, ix.c(1)), group);
  }
  // Query rows: flattened over (T, G), or (sparse) within t's G.
  SmallVector<Value> qOffsets = {batch, hk};
  SmallVector<int64_t> qRows = {1, 3};
  if (p.sparse) {
    qOffsets = {batch, tQuery, hk};
    qRows = {3};
  }

  // The band of keys this block's queries see (sparse: the gathered
  // positions of the query's entries).
  Value kvHi = seqS, kvLo = ix.c(0);
  if (p.sparse)
    kvHi = ix.mul(ix.idx(size(sN)), ix.c(p.perEntry));
  else if (p.causal)
    kvHi = ix.min(seqS, ix.add(ix.add(tLast, offset), ix.c(1)));
  if (p.window)
    kvLo = ix.max(ix.c(0), ix.add(ix.sub(ix.add(tFirst, offset),
                                         ix.c(*p.window)),
                                  ix.c(1)));
  if (p.window && p.fp8) // whole V^T blocks
    kvLo = ix.mul(ix.div(kvLo, ix.c(p.kv)), ix.c(p.kv));
  Value nTiles = ix.ceilDiv(ix.max(ix.sub(kvHi, kvLo), ix.c(0)), ix.c(p.kv));
  // This split's share of the band's tiles.
  Value perSplit = ix.ceilDiv(nTiles, nsplit);
  Value tBeg = ix.mul(split, perSplit);
  Value nIter =
      ix.max(ix.sub(ix.min(nTiles, ix.add(tBeg, perSplit)), tBeg), ix.c(0));
  Value kvBeg = ix.add(kvLo, ix.mul(tBeg, ix.c(p.kv)));
  // Keys at or past this are masked (sparse: positions past the entries).
  Value keyEnd = p.sparse ? kvHi : seqS;

  // Global views: Q and O as [B, T, Hkv, G, D] (GQA rows), K and V as
  // [B, S, Hkv, D], LSE as [B, T, Hkv, G].
  // The operands' element type: the inputs', or e4m3 bytes.
  Type opElem = p.fp8     ? Type(Float8E4M3FNType::get(ctx))
                : p.split ? Type(BFloat16Type::get(ctx))
                          : p.elem;
  auto view = [&](int64_t a, ArrayRef<int64_t> shape, Type elem,
                  ValueRange sizes) -> Value {
    return ViewOp::create(b, ViewType::get(ctx, shape, elem), ptr(a), sizes);
  };
  auto mapped = [&](int64_t a, Map m, ArrayRef<int64_t> shape,
                    ValueRange sizes) -> Value {
    if (!tensorMaps)
      return view(a, shape, opElem, sizes);
    return ViewOp::create(b, ViewType::get(ctx, shape, opElem), ptr(a),
                          sizes, fn.getArgument(nPointers + kSizes + m));
  };
  SmallVector<Value> bthg = {size(sB), size(sT), size(sHkv), groupI64};
  SmallVector<Value> bsh = {size(sB), size(sS), size(sHkv)};
  Value qView = view(aQ, {dyn, dyn, dyn, dyn, p.d}, opElem, bthg);
  Value kView = mapped(aK, mK, {dyn, dyn, dyn, p.d}, bsh);
  // f32: the lo halves (null otherwise).
  Value qLoView, kLoView, vLoView;
  if (p.split) {
    qLoView = view(aQLo, {dyn, dyn, dyn, dyn, p.d}, opElem, bthg);
    kLoView = view(aKLo, {dyn, dyn, dyn, p.d}, opElem, bsh);
    vLoView = view(aVLo, {dyn, dyn, dyn, p.dv}, opElem, bsh);
  }
  // Sparse: K and V rows through the query's entries of the index table
  // [B, T, Hkv, N]; keys past S (causal: past the query) are absent.
  Value table, bound;
  if (p.sparse) {
    table = view(aIdx, {dyn, dyn, dyn, dyn}, b.getI32Type(),
                 {size(sB), size(sT), size(sHkv), size(sN)});
    bound = p.causal ? ix.min(seqS, ix.add(ix.add(tQuery, offset), ix.c(1)))
                     : seqS;
  }
  auto gathered = [&](Value kv) -> Value {
    if (!p.sparse)
      return kv;
    return GatherOp::create(b, kv, table, ValueRange{batch, tQuery, hk}, bound,
                            1, p.perEntry);
  };
  kView = gathered(kView);
  if (p.split) {
    kLoView = gathered(kLoView);
    vLoView = gathered(vLoView);
  }
  // FP8: V^T [B, Hkv, Dv, blocks, kv] (keys padded to whole quantisation
  // blocks), a tile is the Dv rows of one block of kv keys.
  Value vView;
  if (p.fp8) {
    Value perBlock = arith::ConstantIntOp::create(b, p.scaleBlock, 64);
    Value blocks = arith::MulIOp::create(
        b,
        arith::CeilDivSIOp::create(b, size(sS), perBlock),
        arith::ConstantIntOp::create(b, p.scaleBlock / p.kv, 64));
    vView = mapped(aV, mV, {dyn, dyn, p.dv, dyn, p.kv},
                   {size(sB), size(sHkv), blocks});
  } else {
    vView = gathered(mapped(aV, mV, {dyn, dyn, dyn, p.dv}, bsh));
  }
  Value oView = view(aO, {dyn, dyn, dyn, dyn, p.dv}, p.elem, bthg);

  // Shared buffers: Q once, K and V one tile per stage (FP8: V^T tiles,
  // Dv x kv).
  auto alloc = [&](int64_t stages, int64_t rows, int64_t cols,
                   Type elem) -> Value {
    const int64_t eb = elem.getIntOrFloatBitWidth() / 8;
    return AllocOp::create(
        b, SmemType::get(ctx, {stages, rows, cols}, elem,
                         swizzleFor(cols * eb)));
  };
  auto stage = [&](Value buffer, Value i) -> Value {
    return StageOp::create(b, buffer, i);
  };
  Value sQ = alloc(1, p.q, p.d, opElem),
        sK = alloc(p.stages, p.kv, p.d, opElem),
        sV = p.fp8 ? alloc(p.stages, p.dv, p.kv, opElem)
                   : alloc(p.stages, p.kv, p.dv, opElem);
  auto rowsAttr = [&](ArrayRef<int64_t> dims) {
    return b.getDenseI64ArrayAttr(dims);
  };
  Value qTile = stage(sQ, ix.c(0));
  Value qCopy = CopyOp::create(b, qView, qOffsets, row0, qTile, qRows);
  // f32: the lo halves' tiles.
  Value sKLo, sVLo, qLoTile;
  if (p.split) {
    sKLo = alloc(p.stages, p.kv, p.d, opElem);
    sVLo = alloc(p.stages, p.kv, p.dv, opElem);
    qLoTile = stage(alloc(1, p.q, p.d, opElem), ix.c(0));
    Value qLoCopy =
        CopyOp::create(b, qLoView, qOffsets, row0, qLoTile, qRows);
    WaitOp::create(b, ValueRange{qCopy, qLoCopy});
  } else {
    WaitOp::create(b, ValueRange{qCopy});
  }

  // Running statistics and the output accumulator.
  auto rowsT = FragType::get({p.q}, f32);
  auto scoresT = FragType::get({p.q, p.kv}, f32);
  auto outT = FragType::get({p.q, p.dv}, f32);
  const float negInf = -std::numeric_limits<float>::infinity();
  Value m0 = FillOp::create(b, rowsT, b.getF32FloatAttr(negInf));
  Value l0 = FillOp::create(b, rowsT, b.getF32FloatAttr(0.0f));
  Value o0 = FillOp::create(b, outT, b.getF32FloatAttr(0.0f));

  // FP8 scales: Q's per packed row (1 past the rows), K's and V's per tile
  // (read where the tile starts; 1 past the keys).
  Value sqRows, skView, svView;
  FloatAttr one = b.getF32FloatAttr(1.0f);
  if (p.fp8) {
    Value sqView = view(aSq, {dyn, dyn, dyn, dyn}, f32, bthg);
    sqRows = ReadOp::create(b, rowsT, sqView, qOffsets, row0,
                            rowsAttr(qRows), one);
    skView = view(aSk, {dyn, dyn, dyn}, f32, bsh);
    Value nbS = arith::CeilDivSIOp::create(
        b, size(sS), arith::ConstantIntOp::create(b, p.scaleBlock, 64));
    svView = view(aSv, {dyn, dyn, dyn}, f32, {size(sB), size(sHkv), nbS});
  }
  // (Read at the top of an iteration, so that their latency passes while
  // the tile's copies and products are awaited.)
  auto skAt = [&](Value kv0) -> Value {
    if (!p.fp8)
      return Value();
    return ReadOp::create(b, f32, skView, ValueRange{batch, kv0, hk}, Value(),
                          DenseI64ArrayAttr(), one);
  };
  auto svAt = [&](Value kv0) -> Value {
    if (!p.fp8)
      return Value();
    return ReadOp::create(b, f32, svView,
                          ValueRange{batch, hk, ix.div(kv0, ix.c(p.scaleBlock))},
                          Value(), DenseI64ArrayAttr(), one);
  };

  // One tile of scores -> the online softmax step: soft-cap, mask (keys
  // past `keys` are masked), softmax.
  IntegerAttr window =
      p.window ? b.getI64IntegerAttr(*p.window) : IntegerAttr();
  auto scoreStep = [&](Value s, Value kv0, Value keys, Value m, Value l,
                       Value sk) {
    // FP8: the dequantisation factor of each row, sq(row) sk(tile).
    Value rowScale;
    if (p.fp8) {
      rowScale = map(b, rowsT, {sqRows},
                     [&](ImplicitLocOpBuilder &r, ValueRange x) -> Value {
                       return arith::MulFOp::create(r, x[0], sk);
                     });
    }
    if (p.softcap) { // logit soft-cap, on the scaled scores
      SmallVector<Value> in = {s};
      if (rowScale)
        in.push_back(rowScale);
      s = map(b, scoresT, in,
              [&](ImplicitLocOpBuilder &r, ValueRange x) -> Value {
                Value v = x.size() > 1 ? arith::MulFOp::create(r, x[0], x[1])
                                       : x[0];
                Value in = arith::MulFOp::create(
                    r, v,
                    arith::ConstantOp::create(
                        r, r.getF32FloatAttr(p.scale / *p.softcap)));
                return arith::MulFOp::create(
                    r, math::TanhOp::create(r, in),
                    arith::ConstantOp::create(r,
                                              r.getF32FloatAttr(*p.softcap)));
              });
      rowScale = Value();
    }
    // (Sparse: the gathered view says which keys are present.)
    s = MaskOp::create(b, s.getType(), s, row0, kv0, keys, group, offset,
                       p.causal && !p.sparse ? b.getUnitAttr() : UnitAttr(),
                       window, p.sparse ? kView : Value());
    return OnlineSoftmaxOp::create(b, s, m, l, p.softcap ? 1.0f : p.scale,
                                   rowScale, p.fp8 ? kFp8ProbLog2 : 0);
  };
  auto rescale = [&](Value acc, Value alpha) {
    return map(b, outT, {acc, alpha},
               [](ImplicitLocOpBuilder &r, ValueRange x) -> Value {
                 return arith::MulFOp::create(r, x[0], x[1]);
               });
  };
  auto copyRows = [&](Value view, Value rows, Value tile) -> Value {
    return CopyOp::create(b, view, ValueRange{batch, hk}, rows, tile, {1});
  };
  auto probsOf = [&](OnlineSoftmaxOp sm) -> Value {
    return ConvertOp::create(b, FragType::get({p.q, p.kv}, opElem),
                             sm.getProbs());
  };
  auto kvAt = [&](Value j) { return ix.add(kvBeg, ix.mul(j, ix.c(p.kv))); };
  // The V tile of keys kv0 .. kv0 + kv (FP8: a block of V^T).
  auto copyV = [&](Value kv0, Value tile) -> Value {
    if (!p.fp8)
      return copyRows(vView, kv0, tile);
    return CopyOp::create(b, vView,
                          ValueRange{batch, hk, ix.div(kv0, ix.c(p.kv))},
                          ix.c(0), tile, {2});
  };
  // acc + P V_j as one product, or for FP8 P V_j alone (V^T tiles,
  // K-major; a fresh accumulator that `addPv` scales by sv(j) and adds).
  auto pv = [&](Value probs, Value vTile, Value acc, bool async) -> Value {
    if (p.fp8)
      return MmaOp::create(b, outT, probs, vTile, Value(),
                           /*transpose_rhs=*/true, async);
    return MmaOp::create(b, outT, probs, vTile, acc, /*transpose_rhs=*/false,
                         async);
  };
  // After the product `pvOut` of a tile (V scale `sv`): bf16 / f16 pvOut *
  // alpha (acc is in it); FP8 (acc + sv pvOut) * alpha. A null alpha is 1.
  auto addPv = [&](Value acc, Value pvOut, Value sv, Value alpha) -> Value {
    if (!p.fp8)
      return alpha ? rescale(pvOut, alpha) : pvOut;
    SmallVector<Value> in = {acc, pvOut};
    if (alpha)
      in.push_back(alpha);
    return map(b, outT, in,
               [&](ImplicitLocOpBuilder &r, ValueRange x) -> Value {
                 Value o = math::FmaOp::create(r, x[1], sv, x[0]);
                 return x.size() > 2 ? arith::MulFOp::create(r, o, x[2]) : o;
               });
  };
  Value acc, m, l;
  if (!overlap) {
    auto loop = scf::ForOp::create(b, ix.c(0), nIter, ix.c(1),
                                   ValueRange{o0, m0, l0});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value j = loop.getInductionVar();
      Value kv0 = kvAt(j);
      Value sk = skAt(kv0), sv = svAt(kv0);
      Value st = ix.rem(j, ix.c(p.stages));
      Value kTile = stage(sK, st), vTile = stage(sV, st);
      Value kCopy = copyRows(kView, kv0, kTile);
      Value vCopy = copyV(kv0, vTile);
      // f32: the lo halves of the K and V tiles.
      Value kLoTile, vLoTile, kLoCopy, vLoCopy;
      if (p.split) {
        kLoTile = stage(sKLo, st);
        vLoTile = stage(sVLo, st);
        kLoCopy = copyRows(kLoView, kv0, kLoTile);
        vLoCopy = copyRows(vLoView, kv0, vLoTile);
        WaitOp::create(b, ValueRange{kCopy, kLoCopy});
      } else {
        WaitOp::create(b, ValueRange{kCopy});
      }
      // (Each product issued asynchronously and waited for at once: the
      // issue is what two consumers take turns at, so that one's softmax
      // runs while the other's products do.)
      auto now = [&](Value product) {
        return MmaWaitOp::create(b, TypeRange{product.getType()},
                                 ValueRange{product}, b.getI64IntegerAttr(0))
            .getResult(0);
      };
      auto product = [&](Value lhs, Value rhs, Value acc, bool transposed) {
        return now(MmaOp::create(b, acc ? acc.getType() : Type(scoresT), lhs,
                                 rhs, acc, transposed, /*async=*/true));
      };
      Value s = product(qTile, kTile, Value(), /*transposed=*/true);
      if (p.split) { // + Q_hi K_lo^T + Q_lo K_hi^T
        s = product(qTile, kLoTile, s, true);
        s = product(qLoTile, kTile, s, true);
      }
      auto softmax = scoreStep(s, kv0, keyEnd, loop.getRegionIterArg(1),
                               loop.getRegionIterArg(2), sk);
      Value scaled = rescale(loop.getRegionIterArg(0), softmax.getAlpha());
      Value next;
      if (p.split) {
        // P_hi (V_hi + V_lo) + P_lo V_hi, P_lo = bf16(P - P_hi).
        WaitOp::create(b, ValueRange{vCopy, vLoCopy});
        Value probs = softmax.getProbs();
        Value pHi = probsOf(softmax);
        Value rest =
            map(b, scoresT, {probs},
                [&](ImplicitLocOpBuilder &r, ValueRange x) -> Value {
                  Value h = arith::TruncFOp::create(r, r.getBF16Type(), x[0]);
                  return arith::SubFOp::create(
                      r, x[0], arith::ExtFOp::create(r, r.getF32Type(), h));
                });
        Value pLo = ConvertOp::create(b, FragType::get({p.q, p.kv}, opElem),
                                      rest);
        next = product(pHi, vTile, scaled, false);
        next = product(pHi, vLoTile, next, false);
        next = product(pLo, vTile, next, false);
      } else {
        WaitOp::create(b, ValueRange{vCopy});
        next = now(pv(probsOf(softmax), vTile, scaled, /*async=*/true));
      }
      if (p.fp8)
        next = addPv(scaled, next, sv, Value());
      scf::YieldOp::create(
          b, ValueRange{next, softmax.getNewMax(), softmax.getNewSum()});
    }
    acc = loop.getResult(0);
    m = loop.getResult(1);
    l = loop.getResult(2);
  } else {
    // FlashAttention-3's intra-warpgroup overlap: tile j's softmax runs
    // while the products of tiles j + 1 (Q K^T) and j (P V) are in flight.
    // Tile 0's scores before the loop (all masked when this block has no
    // tile: keys bound 0), tile j + 1's scores and tile j's P V in
    // iteration j, the last tile's P V after it.
    Value sk0 = skAt(kvBeg);
    Value k0Tile = stage(sK, ix.c(0));
    Value k0Copy = copyRows(kView, kvBeg, k0Tile);
    WaitOp::create(b, ValueRange{k0Copy});
    // (Issued asynchronously and waited for at once: the issue is what two
    // consumers take turns at.)
    Value s0 = MmaWaitOp::create(
                   b, TypeRange{scoresT},
                   ValueRange{MmaOp::create(b, scoresT, qTile, k0Tile, Value(),
                                            /*transpose_rhs=*/true,
                                            /*async=*/true)},
                   b.getI64IntegerAttr(0))
                   .getResult(0);
    Value any = arith::CmpIOp::create(b, arith::CmpIPredicate::sgt, nIter,
                                      ix.c(0));
    Value keys0 = arith::SelectOp::create(b, any, keyEnd, ix.c(0));
    auto first = scoreStep(s0, kvBeg, keys0, m0, l0, sk0);
    Value rest = ix.max(ix.sub(nIter, ix.c(1)), ix.c(0));
    auto loop = scf::ForOp::create(
        b, ix.c(0), rest, ix.c(1),
        ValueRange{o0, first.getNewMax(), first.getNewSum(), probsOf(first)});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value j = loop.getInductionVar();
      Value jNext = ix.add(j, ix.c(1));
      Value kvK = kvAt(jNext), kvV = kvAt(j);
      Value sk = skAt(kvK), sv = svAt(kvV);
      Value kTile = stage(sK, ix.rem(jNext, ix.c(p.stages)));
      Value vTile = stage(sV, ix.rem(j, ix.c(p.stages)));
      Value kCopy = copyRows(kView, kvK, kTile);
      Value vCopy = copyV(kvV, vTile);
      WaitOp::create(b, ValueRange{kCopy, vCopy});
      Value sAsync = MmaOp::create(b, scoresT, qTile, kTile, Value(),
                                   /*transpose_rhs=*/true, /*async=*/true);
      Value oAsync = pv(loop.getRegionIterArg(3), vTile,
                        loop.getRegionIterArg(0), /*async=*/true);
      Value s = MmaWaitOp::create(b, TypeRange{scoresT}, ValueRange{sAsync},
                                  b.getI64IntegerAttr(1))
                    .getResult(0);
      auto softmax = scoreStep(s, kvK, keyEnd, loop.getRegionIterArg(1),
                               loop.getRegionIterArg(2), sk);
      Value o = MmaWaitOp::create(b, TypeRange{outT}, ValueRange{oAsync},
                                  b.getI64IntegerAttr(0))
                    .getResult(0);
      scf::YieldOp::create(b, ValueRange{addPv(loop.getRegionIterArg(0), o,
                                               sv, softmax.getAlpha()),
                                         softmax.getNewMax(),
                                         softmax.getNewSum(),
                                         probsOf(softmax)});
    }
    // The last tile's P V (P = 0 when the block had no tile).
    Value last = rest;
    Value svLast = svAt(kvAt(last));
    Value vTile = stage(sV, ix.rem(last, ix.c(p.stages)));
    Value vCopy = copyV(kvAt(last), vTile);
    WaitOp::create(b, ValueRange{vCopy});
    acc = MmaWaitOp::create(b, TypeRange{outT},
                            ValueRange{pv(loop.getResult(3), vTile,
                                          loop.getResult(0), /*async=*/true)},
                            b.getI64IntegerAttr(0))
              .getResult(0);
    if (p.fp8)
      acc = addPv(loop.getResult(0), acc, svLast, Value());
    m = loop.getResult(1);
    l = loop.getResult(2);
  }


  // O = acc (1 / l) (rows that saw no key: 0; one division per row, not
  // per element); LSE = (m + log2 l) ln 2.
  Value inv = map(b, rowsT, {l},
                  [&](ImplicitLocOpBuilder &r, ValueRange x) -> Value {
                    Value zero = arith::ConstantOp::create(
                        r, r.getF32FloatAttr(0.0f));
                    Value one = arith::ConstantOp::create(
                        r, r.getF32FloatAttr(1.0f));
                    Value seen = arith::CmpFOp::create(
                        r, arith::CmpFPredicate::OGT, x[0], zero);
                    Value q = arith::DivFOp::create(r, one, x[0]);
                    return arith::SelectOp::create(r, seen, q, zero);
                  });
  Value out = map(b, outT, {acc, inv},
                  [](ImplicitLocOpBuilder &r, ValueRange x) -> Value {
                    return arith::MulFOp::create(r, x[0], x[1]);
                  });
  // (FP8: O and l both carry P's 2^8; the LSE takes it out.)
  Value lse = map(b, rowsT, {m, l},
                  [&](ImplicitLocOpBuilder &r, ValueRange x) -> Value {
                    Value ln2 = arith::ConstantOp::create(
                        r, r.getF32FloatAttr(0.6931471805599453f));
                    Value lg = math::Log2Op::create(r, x[1]);
                    if (p.fp8)
                      lg = arith::SubFOp::create(
                          r, lg,
                          arith::ConstantOp::create(
                              r, r.getF32FloatAttr(float(kFp8ProbLog2))));
                    return arith::MulFOp::create(
                        r, arith::AddFOp::create(r, x[0], lg), ln2);
                  });
  // One split: O in the input type (and LSE). Several: each writes its
  // normalised f32 part and LSE, [nsplit, B, T, H, ...], for the combine
  // kernel.
  Value oneSplit = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, nsplit,
                                         ix.c(1));
  auto modeIf = scf::IfOp::create(b, TypeRange{}, oneSplit,
                                  /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(modeIf.thenBlock());
    // Through the query tile, which no product reads any more: whole rows
    // in 16-byte chunks.
    // (f32: O as it is.)
    Value o16 = p.split ? out
                        : ConvertOp::create(
                              b, FragType::get({p.q, p.dv}, p.elem), out);
    // (FP8: the query tile holds bytes; O leaves from registers.)
    StoreOp::create(b, o16, oView, qOffsets, row0, rowsAttr(qRows),
                    p.dv <= p.d && !p.fp8 && !p.split ? qTile : Value());
    if (p.lse) {
      Value lseView = view(aLse, {dyn, dyn, dyn, dyn}, f32, bthg);
      StoreOp::create(b, lse, lseView, qOffsets, row0, rowsAttr(qRows));
    }
    b.setInsertionPointToStart(modeIf.elseBlock());
    SmallVector<Value> sbthg = {size(sNSplit), size(sB), size(sT), size(sHkv),
                                groupI64};
    Value oPart = view(aOPart, {dyn, dyn, dyn, dyn, dyn, p.dv}, f32, sbthg);
    Value lsePart = view(aLsePart, {dyn, dyn, dyn, dyn, dyn}, f32, sbthg);
    SmallVector<Value> partOffsets = {split};
    partOffsets.append(qOffsets);
    SmallVector<int64_t> partRows;
    for (int64_t r : qRows)
      partRows.push_back(r + 1);
    StoreOp::create(b, out, oPart, partOffsets, row0, rowsAttr(partRows));
    StoreOp::create(b, lse, lsePart, partOffsets, row0, rowsAttr(partRows));
  }
  gpu::ReturnOp::create(b);
  return fn;
}
