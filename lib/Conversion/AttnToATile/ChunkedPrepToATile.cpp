//===- ChunkedPrepToATile.cpp - the chunked form's per-chunk prep ---------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The parallel half of the chunked form of attn.linear / attn.delta: one
// block of 4 warps per (chunk of C = 64 tokens, value head hv, batch b),
// every chunk at once, writing the tiles the scan reads
// (ChunkedScanToATile.cpp) to workspaces [B, HV, chunks * C, .]:
//
//   b      = cumsum of the log-gate over the chunk, log2 units (f32)
//   A_kk   = StrictTril(diag(beta) (K K^T . Gamma)),  Gamma_ij = 2^(b_i - b_j)
//   A_qk   = scale Tril(Q K^T . Gamma)                           -> aqk
//   Qg     = scale Q . 2^b,   Kg = K . 2^(b_C - b),   2^(b_C)    -> qg, kg, gc
//   delta: X = (I + A_kk)^-1,  W = X (diag(beta) K . 2^b),
//          U = X diag(beta) V                                    -> w, u
//   linear: U = V, which the scan reads from the input itself
//
// With a per-channel gate (KDA, GLA) the two Gram products are one
// atile.gated_gram; otherwise tensor-core products whose entries a scalar
// or constant decay scales by 2^(min(b_i - b_j, 0)). Shared memory is
// planned for occupancy (the prep runs on latency: one block an SM instead
// of two measured 1.5x slower, bench/RESULTS.md): the delta form copies V
// late, into K's tile once K is spent (the copy runs under the solve), and
// the solve's scratch is the spent gate tile, so that at K = V = 128 three
// blocks fit an SM.
//
//===----------------------------------------------------------------------===//

#include "AttnToATile.h"
#include "attn/Conversion/Passes.h"
#include "attn/Target/GPU/TargetInfo.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::tile_programs;
using namespace mlir::atile;

namespace {
enum Arg { aQ, aK, aV, aBeta, aG, aW, aU, aQg, aKg, aAqk, aGc, kPointers };
enum Size { sB, sT, sH, sHV, kSizes };
constexpr double kLog2e = 1.4426950408889634;
} // namespace

/// Asks ptxas for as many resident blocks an SM as the kernel's shared
/// memory allows, up to 3 (`nvvm.minctasm`: registers capped to fit). The
/// prep runs on latency: one block an SM instead of two measured 1.5x
/// slower on an H200, three instead of two 1.11x faster (bench/RESULTS.md).
/// Three blocks of 128 threads leave 168 registers a thread, which the
/// program fits on sm_90a without spilling (ptxas -v; lit checks it).
static void setOccupancy(gpu::GPUFuncOp fn, gpu::GPUModuleOp module) {
  const attn::target::ChipInfo *chip = getTargetChip(module);
  if (!chip)
    return;
  const unsigned blocks = std::min<unsigned>(
      3, chip->blocksByShared(static_cast<unsigned>(atile::sharedBytes(fn))));
  if (blocks > 1)
    fn->setAttr("nvvm.minctasm",
                Builder(fn.getContext()).getI32IntegerAttr(blocks));
}

const char *const tile_programs::kChunkedPrepArgs[15] = {
    "q",  "k",   "v",  "beta", "g", "w", "u", "qg",
    "kg", "aqk", "gc", "B",    "T", "H", "HV"};

gpu::GPUFuncOp tile_programs::buildChunkedPrepProgram(gpu::GPUModuleOp module,
                                                      StringRef name,
                                                      const LinearDeltaPlan &p,
                                                      int64_t chunk,
                                                      Location loc) {
  MLIRContext *ctx = module.getContext();
  ImplicitLocOpBuilder b(loc, ctx);
  IndexMath ix{b};
  Type f32 = b.getF32Type();
  const int64_t dyn = ShapedType::kDynamic;
  const int64_t C = chunk, K = p.k, V = p.v;
  const bool vec = p.gate == Gate::Vector;
  Type qkT = p.qkElem, vT = p.vElem;

  gpu::GPUFuncOp fn =
      createKernel(b, module, name, kPointers, kSizes, /*maps=*/0, /*warps=*/4);
  auto ptr = [&](int64_t a) { return fn.getArgument(a); };
  auto size = [&](Size s) { return fn.getArgument(kPointers + s); };

  Value chunkIdx = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value hv = gpu::BlockIdOp::create(b, gpu::Dimension::y);
  Value batch = gpu::BlockIdOp::create(b, gpu::Dimension::z);
  Value T = ix.idx(size(sT));
  Value h = ix.div(hv, ix.div(ix.idx(size(sHV)), ix.idx(size(sH))));
  Value t0 = ix.mul(chunkIdx, ix.c(C));
  Value nValid = ix.min(ix.c(C), ix.sub(T, t0));
  Value cC = arith::ConstantIntOp::create(b, C, 64);
  Value nChunks64 = arith::CeilDivSIOp::create(b, size(sT), cC);
  Value padT = arith::MulIOp::create(b, nChunks64, cC);

  auto view = [&](int64_t a, ArrayRef<int64_t> shape, Type elem,
                  ValueRange sizes) -> Value {
    return ViewOp::create(b, ViewType::get(ctx, shape, elem), ptr(a), sizes);
  };
  SmallVector<Value> bth = {size(sB), size(sT), size(sH)};
  SmallVector<Value> bthv = {size(sB), size(sT), size(sHV)};
  SmallVector<Value> ws = {size(sB), size(sHV), padT};
  Value qView = view(aQ, {dyn, dyn, dyn, K}, qkT, bth);
  Value kView = view(aK, {dyn, dyn, dyn, K}, qkT, bth);
  Value vView = view(aV, {dyn, dyn, dyn, V}, vT, bthv);
  auto rowsAttr = [&](ArrayRef<int64_t> d) {
    return b.getDenseI64ArrayAttr(d);
  };
  FloatAttr zeroPad = b.getF32FloatAttr(0.0f);

  auto tileOf = [&](int64_t rows, int64_t cols, Type elem) -> Value {
    const int64_t bytes = cols * elem.getIntOrFloatBitWidth() / 8;
    Value buffer = AllocOp::create(
        b, SmemType::get(ctx, {1, rows, cols}, elem, swizzleFor(bytes)));
    return StageOp::create(b, buffer, ix.c(0));
  };
  Value sQ = tileOf(C, K, qkT), sK = tileOf(C, K, qkT);
  // The gates' cumulative sums (per-channel gates), later the solve's
  // scratch: at least 2 C^2 f32.
  Value sG;
  if (vec)
    sG = tileOf(C, K, f32);
  Value scratch = sG;
  if (p.delta && (!sG || C * K < 2 * C * C))
    scratch = tileOf(C, 2 * C, f32);

  SmallVector<Value> bh = {batch, h}, bhv = {batch, hv};
  SmallVector<Value> tokens;
  tokens.push_back(CopyOp::create(b, qView, bh, t0, sQ, rowsAttr({1})));
  tokens.push_back(CopyOp::create(b, kView, bh, t0, sK, rowsAttr({1})));
  Value gView = vec ? view(aG, {dyn, dyn, dyn, K}, p.gateElem, bthv) : Value();
  if (vec && p.gateElem.isF32())
    tokens.push_back(CopyOp::create(b, gView, bhv, t0, sG, rowsAttr({1})));
  auto rowT = FragType::get({C}, f32);
  auto colT = FragType::get({1, C}, f32);
  auto sqT = FragType::get({C, C}, f32);
  auto chunkKT = FragType::get({C, K}, f32);
  Value beta;
  if (p.delta) {
    Value betaView = view(aBeta, {dyn, dyn, dyn}, p.betaElem, bthv);
    beta = ReadOp::create(b, rowT, betaView, bhv, t0, rowsAttr({1}), zeroPad);
  }
  WaitOp::create(b, tokens);
  if (vec && !p.gateElem.isF32()) {
    // A 16-bit gate, widened into the f32 tile (zeros past T).
    Value gf =
        ReadOp::create(b, chunkKT, gView, bhv, t0, rowsAttr({1}), zeroPad);
    PutOp::create(b, gf, sG);
  }
  // b (log2 units) in the gate tile.
  if (vec)
    ScanOp::create(b, sG, b.getF32FloatAttr(static_cast<float>(kLog2e)),
                   b.getI64IntegerAttr(0));

  auto F = [&](double v) -> Value {
    return arith::ConstantOp::create(b,
                                     b.getF32FloatAttr(static_cast<float>(v)));
  };
  // A constant decay per head: b_i = gamma log2(e) min(i + 1, n), flat past
  // the chunk's last token (a row and, for Gamma_ij, a column).
  Value gammaL2, nValidF;
  Value bRow, bCol, bCs; // rows, columns, b_C (scalar)
  if (p.gate == Gate::Scalar) {
    // A scalar gate (zeros past T) put along a 1 x C tile, summed along it
    // (log2 units): b as rows and as a column vector, and b_C.
    Value gs = view(aG, {dyn, dyn, dyn}, p.gateElem, bthv);
    Value g = ReadOp::create(b, rowT, gs, bhv, t0, rowsAttr({1}), zeroPad);
    Value sB = tileOf(1, C, f32);
    PutOp::create(b, g, sB);
    ScanOp::create(b, sB, b.getF32FloatAttr(static_cast<float>(kLog2e)),
                   b.getI64IntegerAttr(1));
    bRow = LoadOp::create(b, rowT, sB);
    bCol = LoadOp::create(b, colT, sB);
    auto last = LoadOp::create(b, f32, sB);
    last.setCol(C - 1);
    bCs = last;
  }
  if (!p.decay.empty()) {
    gammaL2 = F(p.decay[0] * kLog2e);
    for (size_t i = 1; i < p.decay.size(); ++i)
      gammaL2 = arith::SelectOp::create(
          b,
          arith::CmpIOp::create(b, arith::CmpIPredicate::eq, h,
                                ix.c(static_cast<int64_t>(i))),
          F(p.decay[i] * kLog2e), gammaL2);
    nValidF = arith::SIToFPOp::create(
        b, f32, arith::IndexCastOp::create(b, b.getI32Type(), nValid));
    auto decayAt = [&](ImplicitLocOpBuilder &r, Value i) -> Value {
      Value n = arith::MinimumFOp::create(
          r, arith::AddFOp::create(r, i, F(1.0)), nValidF);
      return arith::MulFOp::create(r, n, gammaL2);
    };
    bRow = map(b, rowT, {IotaOp::create(b, rowT, Value())},
               [&](ImplicitLocOpBuilder &r, ValueRange x) {
                 return decayAt(r, x[0]);
               });
    bCol = map(b, colT, {IotaOp::create(b, colT, Value())},
               [&](ImplicitLocOpBuilder &r, ValueRange x) {
                 return decayAt(r, x[0]);
               });
    bCs = arith::MulFOp::create(b, nValidF, gammaL2);
  }

  // Blocks of 64 key channels (whole 64 x K fragments of q, k, b and b_C
  // live together spilled on sm_90a): the block width, their number and
  // block j of a tile.
  const int64_t cb = K % 64 == 0 ? 64 : K, nb = K / cb;
  auto blockOf = [&](Value tile, int64_t j) -> Value {
    return nb == 1 ? tile : Value(SubtileOp::create(b, tile, ix.c(j), cb));
  };

  // L2 norms of q and k rows, rounded back into their tiles: the sums of
  // squares over the blocks, then each block scaled.
  if (p.l2norm) {
    auto blockF = FragType::get({C, cb}, f32);
    auto blockH = FragType::get({C, cb}, qkT);
    for (Value tile : {sQ, sK}) {
      Value ss;
      for (int64_t j = 0; j < nb; ++j) {
        Value x = ConvertOp::create(
            b, blockF, LoadOp::create(b, blockH, blockOf(tile, j)));
        Value sq =
            map(b, blockF, {x}, [](ImplicitLocOpBuilder &r, ValueRange v) {
              return arith::MulFOp::create(r, v[0], v[0]);
            });
        Value part = ReduceOp::create(b, rowT, ReduceKind::sum, sq, 1);
        ss = !ss ? part
                 : map(b, rowT, {ss, part},
                       [](ImplicitLocOpBuilder &r, ValueRange v) {
                         return arith::AddFOp::create(r, v[0], v[1]);
                       });
      }
      Value inv =
          map(b, rowT, {ss}, [&](ImplicitLocOpBuilder &r, ValueRange v) {
            return math::RsqrtOp::create(
                r, arith::AddFOp::create(r, v[0], F(1e-6)));
          });
      for (int64_t j = 0; j < nb; ++j) {
        Value sub = blockOf(tile, j);
        Value x = ConvertOp::create(b, blockF, LoadOp::create(b, blockH, sub));
        Value y = map(b, blockF, {x, inv},
                      [&](ImplicitLocOpBuilder &r, ValueRange v) -> Value {
                        return arith::MulFOp::create(r, v[0], v[1]);
                      });
        PutOp::create(b, ConvertOp::create(b, blockH, y), sub);
      }
    }
  }

  // Work over the blocks of 64 key channels, one block's fragments at a time.
  auto blockT = FragType::get({C, cb}, f32);
  auto colB = FragType::get({1, cb}, f32);
  auto qkBlockT = FragType::get({C, cb}, qkT);
  // (V's blocks: 64 columns too when V allows.)
  const int64_t cbv = V % 64 == 0 ? 64 : V;
  auto blockView = [&](int64_t a, Type elem, int64_t cols, ValueRange sizes) {
    const int64_t w = cols == K ? cb : cbv;
    return view(a, {dyn, dyn, dyn, cols / w, w}, elem, sizes);
  };
  auto mulAll = [&](ImplicitLocOpBuilder &r, ArrayRef<Value> xs) {
    Value y;
    for (Value x : xs)
      if (x)
        y = y ? Value(arith::MulFOp::create(r, y, x)) : x;
    return y;
  };
  // body(j, sub): block j, `sub` its column block of a tile.
  auto forBlocks =
      [&](int64_t cols,
          function_ref<void(Value, function_ref<Value(Value)>)> body) {
        const int64_t w = cols == K ? cb : cbv, n = cols / w;
        auto loop = scf::ForOp::create(b, ix.c(0), ix.c(n), ix.c(1));
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(loop.getBody()->getTerminator());
        Value j = loop.getInductionVar();
        body(j, [&](Value tile) -> Value {
          return n == 1 ? tile : Value(SubtileOp::create(b, tile, j, w));
        });
      };
  // f(x, 2^e, extra) over a block, e = b (or b_C - b when `fromLast`).
  auto gated =
      [&](Value x, Value bTile, Value bLast, Value extra,
          function_ref<Value(ImplicitLocOpBuilder &, Value, Value, Value)> f) {
        SmallVector<Value> in = {x};
        if (vec) {
          in.push_back(bTile);
          if (bLast)
            in.push_back(bLast);
        } else if (bRow) {
          in.push_back(bRow);
        }
        if (extra)
          in.push_back(extra);
        return map(b, blockT, in, [&](ImplicitLocOpBuilder &r, ValueRange v) {
          Value e;
          size_t n = 1;
          if (vec || bRow) {
            e = v[n++];
            if (bLast)
              e = arith::SubFOp::create(r, v[n++], e);
          }
          Value ex = extra ? v[n] : Value();
          return f(r, v[0], e ? Value(math::Exp2Op::create(r, e)) : Value(),
                   ex);
        });
      };

  // Qg, Kg and 2^(b_C). `staged`: q and k are spent, so each block's rows
  // leave through its own tiles as 16-byte stores (atile.store via).
  auto writeQgKg = [&](bool staged) {
    Value qgView = blockView(aQg, qkT, K, ws),
          kgView = blockView(aKg, qkT, K, ws);
    Value gcView = blockView(aGc, f32, K, {size(sB), size(sHV), nChunks64});
    forBlocks(K, [&](Value j, function_ref<Value(Value)> sub) {
      SmallVector<Value> at = {batch, hv, j};
      Value sGj = vec ? sub(sG) : Value();
      Value bTile = vec ? Value(LoadOp::create(b, blockT, sGj)) : Value();
      Value q =
          ConvertOp::create(b, blockT, LoadOp::create(b, qkBlockT, sub(sQ)));
      Value qg = gated(q, bTile, Value(), Value(),
                       [&](ImplicitLocOpBuilder &r, Value x, Value f, Value) {
                         return mulAll(r, {x, f, F(p.scale)});
                       });
      StoreOp::create(b, ConvertOp::create(b, qkBlockT, qg), qgView, at, t0,
                      rowsAttr({2}), staged ? sub(sQ) : Value());
      Value bLast;
      if (vec) {
        auto last = LoadOp::create(b, colB, sGj);
        last.setRow(C - 1);
        bLast = last;
      }
      Value k =
          ConvertOp::create(b, blockT, LoadOp::create(b, qkBlockT, sub(sK)));
      Value kg;
      if (vec) {
        kg = gated(k, bTile, bLast, Value(),
                   [&](ImplicitLocOpBuilder &r, Value x, Value f, Value) {
                     return mulAll(r, {x, f});
                   });
      } else {
        // 2^(b_C - b_i) per row.
        SmallVector<Value> in = {k};
        if (bRow)
          in.push_back(bRow);
        kg = map(
            b, blockT, in, [&](ImplicitLocOpBuilder &r, ValueRange v) -> Value {
              if (!bRow)
                return v[0];
              return arith::MulFOp::create(
                  r, v[0],
                  math::Exp2Op::create(r, arith::SubFOp::create(r, bCs, v[1])));
            });
      }
      StoreOp::create(b, ConvertOp::create(b, qkBlockT, kg), kgView, at, t0,
                      rowsAttr({2}), staged ? sub(sK) : Value());
      Value gc;
      if (vec) {
        gc = map(b, colB, {bLast}, [](ImplicitLocOpBuilder &r, ValueRange v) {
          return math::Exp2Op::create(r, v[0]);
        });
      } else {
        gc = FillOp::create(b, colB, b.getF32FloatAttr(1.0f));
        if (bCs)
          gc = map(b, colB, {gc}, [&](ImplicitLocOpBuilder &r, ValueRange v) {
            return arith::MulFOp::create(r, v[0], math::Exp2Op::create(r, bCs));
          });
      }
      StoreOp::create(b, gc, gcView, at, chunkIdx, rowsAttr({2}));
    });
  };

  // The delta form needs q and k after these (the Gram products, beta k
  // 2^b); the linear form does not, and writes them last.
  if (p.delta)
    writeQgKg(/*staged=*/false);

  // A_kk and A_qk.
  Value akk, aqk;
  if (vec) {
    auto gram = GatedGramOp::create(b, TypeRange{sqT, sqT}, sK, sQ, sG);
    akk = gram.getKk();
    aqk = gram.getQk();
  } else {
    auto product = [&](Value lhs) {
      return MmaOp::create(b, sqT, lhs, sK, Value(), /*transpose_rhs=*/true,
                           /*async=*/false);
    };
    aqk = product(sQ);
    if (p.delta)
      akk = product(sK);
  }
  Value iRow = IotaOp::create(b, rowT, Value());
  Value jCol = IotaOp::create(b, colT, Value());
  // Gamma (no per-channel gate), the masks, beta and the scale.
  auto finish = [&](Value a, bool strict, Value rowFactor, double scale) {
    SmallVector<Value> in = {a, iRow, jCol};
    if (bRow) {
      in.push_back(bRow);
      in.push_back(bCol);
    }
    if (rowFactor)
      in.push_back(rowFactor);
    return map(b, sqT, in, [&](ImplicitLocOpBuilder &r, ValueRange x) -> Value {
      Value y = x[0];
      size_t at = 3;
      if (bRow) {
        Value d = arith::MinimumFOp::create(
            r, arith::SubFOp::create(r, x[at], x[at + 1]), F(0.0));
        y = arith::MulFOp::create(r, y, math::Exp2Op::create(r, d));
        at += 2;
      }
      if (rowFactor)
        y = arith::MulFOp::create(r, y, x[at]);
      if (scale != 1.0)
        y = arith::MulFOp::create(r, y, F(scale));
      Value keep = arith::CmpFOp::create(
          r, strict ? arith::CmpFPredicate::OLT : arith::CmpFPredicate::OLE,
          x[2], x[1]);
      return arith::SelectOp::create(r, keep, y, F(0.0));
    });
  };
  aqk = finish(aqk, /*strict=*/false, Value(), p.scale);
  // (Delta: through the spent q tile's first 64 columns, 16-byte stores.)
  Value aqkStaging =
      p.delta && K % 64 == 0
          ? (nb == 1 ? sQ : Value(SubtileOp::create(b, sQ, ix.c(0), cb)))
          : Value();
  StoreOp::create(b, ConvertOp::create(b, FragType::get({C, C}, qkT), aqk),
                  view(aAqk, {dyn, dyn, dyn, C}, qkT, ws), bhv, t0,
                  rowsAttr({2}), aqkStaging);

  if (!p.delta) {
    // (U = V: the scan reads V itself.)
    writeQgKg(/*staged=*/true);
    gpu::ReturnOp::create(b);
    setOccupancy(fn, module);
    return fn;
  }
  akk = finish(akk, /*strict=*/true, beta, 1.0);

  // beta k 2^b over the spent q tile.
  forBlocks(K, [&](Value j, function_ref<Value(Value)> sub) {
    Value bTile = vec ? Value(LoadOp::create(b, blockT, sub(sG))) : Value();
    Value k =
        ConvertOp::create(b, blockT, LoadOp::create(b, qkBlockT, sub(sK)));
    Value kb = gated(k, bTile, Value(), beta,
                     [&](ImplicitLocOpBuilder &r, Value x, Value f, Value bt) {
                       return mulAll(r, {x, f, bt});
                     });
    PutOp::create(b, ConvertOp::create(b, qkBlockT, kb), sub(sQ));
  });
  // V into the spent k tile, copied while the solve runs.
  Value sVk = sK;
  if (vT != qkT || V != K)
    sVk = tileOf(C, V, vT);
  Value vTok = CopyOp::create(b, vView, bhv, t0, sVk, rowsAttr({1}));
  // X = (I + A_kk)^-1 (the spent gate tile as scratch).
  Value x = TrilSolveOp::create(b, sqT, akk, scratch);
  WaitOp::create(b, ValueRange{vTok});
  auto vBlockT = FragType::get({C, cbv}, vT);
  auto vBlockF = FragType::get({C, cbv}, f32);
  forBlocks(V, [&](Value, function_ref<Value(Value)> sub) {
    Value tile = sub(sVk);
    Value vb = map(
        b, vBlockF,
        {ConvertOp::create(b, vBlockF, LoadOp::create(b, vBlockT, tile)), beta},
        [](ImplicitLocOpBuilder &r, ValueRange v) {
          return arith::MulFOp::create(r, v[0], v[1]);
        });
    PutOp::create(b, ConvertOp::create(b, vBlockT, vb), tile);
  });
  // W = X Kb and U = X (beta V), a block of columns at a time.
  Value xq = ConvertOp::create(b, FragType::get({C, C}, qkT), x);
  Value xv = vT == qkT
                 ? xq
                 : Value(ConvertOp::create(b, FragType::get({C, C}, vT), x));
  Value wView = blockView(aW, qkT, K, ws), uView = blockView(aU, vT, V, ws);
  forBlocks(K, [&](Value j, function_ref<Value(Value)> sub) {
    Value w = MmaOp::create(b, blockT, xq, sub(sQ), Value(), false, false);
    StoreOp::create(b, ConvertOp::create(b, qkBlockT, w), wView,
                    ValueRange{batch, hv, j}, t0, rowsAttr({2}), sub(sQ));
  });
  forBlocks(V, [&](Value j, function_ref<Value(Value)> sub) {
    Value u = MmaOp::create(b, vBlockF, xv, sub(sVk), Value(), false, false);
    StoreOp::create(b, ConvertOp::create(b, vBlockT, u), uView,
                    ValueRange{batch, hv, j}, t0, rowsAttr({2}), sub(sVk));
  });
  gpu::ReturnOp::create(b);
  setOccupancy(fn, module);
  return fn;
}
