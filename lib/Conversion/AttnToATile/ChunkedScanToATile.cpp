//===- ChunkedScanToATile.cpp - the chunked form's state scan -------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The sequential half of the chunked form of attn.linear / attn.delta: one
// block per (slice of `vs` value columns, value head hv, batch b) walks the
// chunks in order, reading the per-chunk tiles the prep kernel wrote
// ([B, HV, chunks * C, .] workspaces: W, U, Qg, Kg, A_qk, and the chunk's
// decay 2^(b_C) per key channel [B, HV, chunks, K]). The state is kept
// transposed, S^T (vs x K, f32), so that it is the register (left) operand
// of every product and the value columns are the fragment's rows:
//
//   V_new^T = U^T - S^T W^T            (delta; linear: U^T, U = V)
//   S'^T    = S^T diag(2^(b_C)) + V_new^T Kg
//   O^T     = S^T Qg^T + V_new^T A_qk^T
//
// with every product on tensor cores (wgmma on sm_90a when the tiles allow
// it, mma_sync otherwise: atile-assign-layouts decides) and the tiles (and
// decays) of the next chunk copied while this one computes, in two stages:
// by a TMA producer warpgroup (atile-warp-specialize) where the kernel
// takes descriptors, by cp.async otherwise (atile-pipeline).
// O^T and the final S^T are written transposed, into o[b, t, hv, v] and
// [B, HV, K, V].
//
//===----------------------------------------------------------------------===//

#include "AttnToATile.h"
#include "attn/Conversion/Passes.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::tile_programs;
using namespace mlir::atile;

namespace {
enum Arg { aW, aU, aQg, aKg, aAqk, aGc, aInit, aO, aFinal, kPointers };
enum Size { sB, sT, sHV, kSizes };
// Stages of the chunk's tiles: 2 measured 2-20% faster than 3 on an H200
// (bench/RESULTS.md, issue 16's scan section).
constexpr int64_t kStages = 2;
} // namespace

const char *const tile_programs::kChunkedScanArgs[12] = {
    "w", "u", "qg", "kg", "aqk", "gc", "s0", "o", "final_state",
    "B", "T", "HV"};

int64_t tile_programs::chunkedScanWarps(int64_t v) {
  for (int64_t w = 4; w > 1; --w)
    if (v % (16 * w) == 0)
      return w;
  return 1;
}

SmallVector<StringRef> tile_programs::chunkedScanMaps(const LinearDeltaPlan &p,
                                                     bool tensorMaps) {
  // Whole 128-byte column blocks in every tile, a 64-column value slice.
  if (!tensorMaps || p.k % 64 || p.v % 64)
    return {};
  SmallVector<StringRef> maps;
  if (p.delta)
    maps.push_back("w");
  maps.append({"u", "qg", "kg", "aqk"});
  if (p.gate != Gate::None || !p.decay.empty())
    maps.push_back("gc");
  return maps;
}

gpu::GPUFuncOp tile_programs::buildChunkedScanProgram(gpu::GPUModuleOp module,
                                                      StringRef name,
                                                      const LinearDeltaPlan &p,
                                                      int64_t chunk,
                                                      bool tensorMaps,
                                                      Location loc) {
  MLIRContext *ctx = module.getContext();
  ImplicitLocOpBuilder b(loc, ctx);
  IndexMath ix{b};
  Type f32 = b.getF32Type(), bf16 = b.getBF16Type(), i64 = b.getI64Type();
  const int64_t dyn = ShapedType::kDynamic;
  const int64_t warps = chunkedScanWarps(p.v), vs = 16 * warps,
                slices = p.v / vs, C = chunk, K = p.k;
  const bool decays = p.gate != Gate::None || !p.decay.empty();

  SmallVector<StringRef> maps = chunkedScanMaps(p, tensorMaps);
  gpu::GPUFuncOp fn =
      createKernel(b, module, name, kPointers, kSizes, maps.size(), warps);
  auto ptr = [&](int64_t a) { return fn.getArgument(a); };
  auto size = [&](Size s) { return fn.getArgument(kPointers + s); };

  Value slice = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value hv = gpu::BlockIdOp::create(b, gpu::Dimension::y);
  Value batch = gpu::BlockIdOp::create(b, gpu::Dimension::z);
  Value zero = ix.c(0);
  // Chunks, and the workspaces' padded rows per head.
  Value cC = arith::ConstantIntOp::create(b, C, 64);
  Value nChunks64 = arith::CeilDivSIOp::create(b, size(sT), cC);
  Value padT = arith::MulIOp::create(b, nChunks64, cC);
  Value nChunks = ix.idx(nChunks64);

  // A workspace's view, with its TMA descriptor when the kernel takes one.
  auto view = [&](int64_t a, ArrayRef<int64_t> shape, Type elem,
                  ValueRange sizes) -> Value {
    Value map;
    for (auto [i, m] : llvm::enumerate(maps))
      if (m == kChunkedScanArgs[a])
        map = fn.getArgument(kPointers + kSizes + i);
    return ViewOp::create(b, ViewType::get(ctx, shape, elem), ptr(a), sizes,
                          map);
  };
  SmallVector<Value> ws = {size(sB), size(sHV), padT};
  Value wView = p.delta ? view(aW, {dyn, dyn, dyn, K}, bf16, ws) : Value();
  Value qgView = view(aQg, {dyn, dyn, dyn, K}, bf16, ws);
  Value kgView = view(aKg, {dyn, dyn, dyn, K}, bf16, ws);
  Value aqkView = view(aAqk, {dyn, dyn, dyn, C}, bf16, ws);
  // U by slices of vs value columns: [B, HV, chunks * C, V / vs, vs]; the
  // linear form's U is V itself, read from the input [B, T, HV, V / vs, vs]
  // (rows past T read as zeros).
  Value uView = p.delta ? view(aU, {dyn, dyn, dyn, slices, vs}, bf16, ws)
                        : view(aU, {dyn, dyn, dyn, slices, vs}, bf16,
                               {size(sB), size(sT), size(sHV)});
  Value gcView = decays ? view(aGc, {dyn, dyn, dyn, K}, f32,
                               {size(sB), size(sHV), nChunks64})
                        : Value();
  // o [B, T, HV, V / vs, vs] and the states [B, HV, K, V / vs, vs]: rows
  // over T (and K), this block's slice fixed.
  Value oView = view(aO, {dyn, dyn, dyn, slices, vs}, p.oElem,
                     {size(sB), size(sT), size(sHV)});
  auto stateView = [&](int64_t a) {
    return view(a, {dyn, dyn, K, slices, vs}, f32, {size(sB), size(sHV)});
  };
  auto rowsAttr = [&](ArrayRef<int64_t> d) { return b.getDenseI64ArrayAttr(d); };
  FloatAttr zeroPad = b.getF32FloatAttr(0.0f);

  auto alloc = [&](int64_t rows, int64_t cols) -> Value {
    return AllocOp::create(
        b, SmemType::get(ctx, {kStages, rows, cols}, bf16, swizzleFor(cols * 2)));
  };
  Value sW = p.delta ? alloc(C, K) : Value();
  Value sQg = alloc(C, K), sKg = alloc(C, K), sAqk = alloc(C, C),
        sU = alloc(C, vs);
  // The chunk's decay per key channel: an f32 row, unswizzled (TMA
  // swizzles by shared address: a swizzled 1-row tile lands permuted).
  Value sGc = decays ? Value(AllocOp::create(
                           b, SmemType::get(ctx, {kStages, 1, K}, f32, 0)))
                     : Value();

  // S^T: vs x K, value columns as rows.
  auto stateT = FragType::get({vs, K}, f32);
  auto chunkT = FragType::get({vs, C}, f32);
  auto unit = b.getUnitAttr();
  SmallVector<Value> bhvAt = {batch, hv, slice};
  Value s0;
  if (p.hasInit) {
    auto read = ReadOp::create(b, stateT, stateView(aInit), bhvAt, zero,
                               rowsAttr({2}), zeroPad);
    read.setTransposeAttr(unit);
    s0 = read;
  } else {
    s0 = FillOp::create(b, stateT, b.getF32FloatAttr(0.0f));
  }

  auto loop = scf::ForOp::create(b, zero, nChunks, ix.c(1), ValueRange{s0});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value c = loop.getInductionVar();
    Value s = loop.getRegionIterArgs()[0];
    Value row0 = ix.mul(c, ix.c(C));
    Value st = ix.rem(c, ix.c(kStages));
    SmallVector<Value> bh = {batch, hv};
    auto copy = [&](Value view, ValueRange offsets, Value buffer,
                    SmallVector<Value> &tokens, Value row, int64_t rowDim = 2) {
      Value tile = StageOp::create(b, buffer, st);
      tokens.push_back(
          CopyOp::create(b, view, offsets, row, tile, rowsAttr({rowDim})));
      return tile;
    };
    SmallVector<Value> tokens;
    Value tW = p.delta ? copy(wView, bh, sW, tokens, row0) : Value();
    Value tU = copy(uView, bhvAt, sU, tokens, row0, p.delta ? 2 : 1);
    Value tKg = copy(kgView, bh, sKg, tokens, row0);
    Value tQg = copy(qgView, bh, sQg, tokens, row0);
    Value tAqk = copy(aqkView, bh, sAqk, tokens, row0);
    // The chunk's decay per key channel (row c), a column of S^T, staged
    // like the tiles (read from global memory each chunk, its latency was
    // 30% of the scan at B = 1, T = 16384 on an H200).
    Value tGc = decays ? copy(gcView, bh, sGc, tokens, c) : Value();
    WaitOp::create(b, tokens);

    Value s16 = ConvertOp::create(b, stateT.withElementType(bf16), s);
    // The chunk's decays as a column vector (applied to S^T just before
    // the state update: earlier, ptxas spilled on sm_90a and sm_80).
    Value gc = decays
                   ? Value(LoadOp::create(b, FragType::get({1, K}, f32), tGc))
                   : Value();
    // Products in asynchronous rounds (wgmma; mma_sync computes them in
    // place), each waited for at once (8% faster than one wait per product
    // on an H200): S^T W^T (V_new needs it), then the
    // state update (the chain to the next chunk) with S^T Qg^T, then
    // V_new^T A_qk^T onto the latter. (S^T Qg^T in the first round keeps
    // one more 64 x 64 accumulator live there: 255 registers and spills on
    // sm_90a.)
    auto product = [&](FragType type, Value lhs, Value rhs, Value acc,
                       bool transposed) -> Value {
      return MmaOp::create(b, type, lhs, rhs, acc, transposed,
                           /*async=*/true);
    };
    auto wait = [&](ArrayRef<Value> products) -> SmallVector<Value> {
      SmallVector<Value> values(products.begin(), products.end());
      SmallVector<Type> types;
      for (Value v : values)
        types.push_back(v.getType());
      auto w = MmaWaitOp::create(b, types, values, b.getI64IntegerAttr(0));
      return SmallVector<Value>(w.getResults());
    };
    Value ws = p.delta ? product(chunkT, s16, tW, Value(), true) : Value();
    // (U^T read from shared memory while it runs.)
    auto load = LoadOp::create(b, chunkT, tU);
    load.setTransposeAttr(unit);
    Value vNew = load;
    if (p.delta)
      vNew = map(b, chunkT, {vNew, wait({ws})[0]},
                 [](ImplicitLocOpBuilder &r, ValueRange x) -> Value {
                   return arith::SubFOp::create(r, x[0], x[1]);
                 });
    Value v16 = ConvertOp::create(b, chunkT.withElementType(bf16), vNew);
    Value decayed =
        decays ? map(b, stateT, {s, gc},
                     [](ImplicitLocOpBuilder &r, ValueRange x) -> Value {
                       return arith::MulFOp::create(r, x[0], x[1]);
                     })
               : s;
    auto second = wait({product(stateT, v16, tKg, decayed, false),
                        product(chunkT, s16, tQg, Value(), true)});
    Value next = second[0];
    Value o = wait({product(chunkT, v16, tAqk, second[1], true)})[0];
    if (!p.oElem.isF32())
      o = ConvertOp::create(b, chunkT.withElementType(p.oElem), o);
    // (Two-byte stores straight from registers: through a shared staging
    // tile, 16-byte rows out, the scan took 25% longer on an H200, its two
    // barriers a chunk on the critical path; so did storing each chunk's
    // O^T during the next chunk's first product.)
    auto store = StoreOp::create(b, o, oView, bhvAt, row0, rowsAttr({1}));
    store.setTransposeAttr(unit);
    scf::YieldOp::create(b, ValueRange{next});
  }
  if (p.hasFinal) {
    auto store = StoreOp::create(b, loop.getResult(0), stateView(aFinal),
                                 bhvAt, zero, rowsAttr({2}));
    store.setTransposeAttr(unit);
  }
  gpu::ReturnOp::create(b);
  return fn;
}
