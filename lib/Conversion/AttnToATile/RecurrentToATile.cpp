//===- RecurrentToATile.cpp - linear / delta decode steps as tile programs ===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The recurrent form of attn.linear and attn.delta (the decode step, and
// small T), bandwidth-bound on the f32 state [B, HV, K, V]. One block per
// (slice of `c` value columns, value head hv, batch b) holds its K x c
// slice of the state in registers, in plain-register fragments
// (atile-assign-layouts: simt, 16-byte column vectors, so the state moves
// in 16-byte loads and stores and every block has many of them in flight).
// Per step t:
//
//   q, k  <- q_t, k_t of hv's query / key head h = hv / (HV / H)  (K rows)
//            (L2-normalised when asked: one sum over K each)
//   S     = S * a                a: exp(g_t) per key channel (KDA, GLA),
//                                   exp(g_t) per head (GDN, scalar gates),
//                                   a constant per head (decay), or 1
//   delta:  u = k^T S  (a sum over the rows: one value per column)
//           w = beta_t (v_t - u)
//   linear: w = v_t
//   S     = S + k w^T
//   o_t   = scale q^T S          (a sum over the rows), stored per column
//
// Rows past K read as zeros and stay zero; the state is read once
// (initial_state, or zeros) and written once (final_state).
//
//===----------------------------------------------------------------------===//

#include "AttnToATile.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include <cmath>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::tile_programs;
using namespace mlir::atile;

namespace {
enum Arg { aQ, aK, aV, aBeta, aGate, aInit, aO, aFinal, kPointers };
enum Size { sB, sT, sH, sHV, kSizes };
constexpr double kLog2e = 1.4426950408889634;
} // namespace

int64_t tile_programs::recurrentSliceCols(int64_t v) {
  for (int64_t c : {32, 16, 8, 4})
    if (v % c == 0)
      return c;
  return 0;
}

gpu::GPUFuncOp tile_programs::buildRecurrentProgram(gpu::GPUModuleOp module,
                                                    StringRef name,
                                                    const LinearDeltaPlan &p,
                                                    Location loc) {
  MLIRContext *ctx = module.getContext();
  ImplicitLocOpBuilder b(loc, ctx);
  IndexMath ix{b};
  Type f32 = b.getF32Type();
  const int64_t dyn = ShapedType::kDynamic;
  const int64_t c = recurrentSliceCols(p.v), slices = p.v / c;
  // Rows: K rounded up to whole passes of the block (32 / (c / 4) rows per
  // warp and pass).
  const int64_t pass = 32 / (c / 4) * kRecurrentWarps;
  const int64_t rows = (p.k + pass - 1) / pass * pass;

  gpu::GPUFuncOp fn = createKernel(b, module, name, kPointers, kSizes,
                                   /*maps=*/0, kRecurrentWarps);
  auto ptr = [&](int64_t a) { return fn.getArgument(a); };
  auto size = [&](Size s) { return fn.getArgument(kPointers + s); };

  // Block (slice, hv, b); hv's query / key head (GVA).
  Value slice = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value hv = gpu::BlockIdOp::create(b, gpu::Dimension::y);
  Value batch = gpu::BlockIdOp::create(b, gpu::Dimension::z);
  // (In 32 bits: a 64-bit division is a subroutine call.)
  Type i32 = b.getI32Type();
  auto narrow = [&](Value i64) { return arith::TruncIOp::create(b, i32, i64); };
  Value group = arith::DivUIOp::create(b, narrow(size(sHV)), narrow(size(sH)));
  Value h = arith::IndexCastUIOp::create(
      b, b.getIndexType(),
      arith::DivUIOp::create(
          b, arith::IndexCastUIOp::create(b, i32, hv), group));
  Value zero = ix.c(0);

  auto view = [&](int64_t a, ArrayRef<int64_t> shape, Type elem,
                  ValueRange sizes) -> Value {
    return ViewOp::create(b, ViewType::get(ctx, shape, elem), ptr(a), sizes);
  };
  SmallVector<Value> bth = {size(sB), size(sT), size(sH)};
  SmallVector<Value> bthv = {size(sB), size(sT), size(sHV)};
  SmallVector<Value> bhv = {size(sB), size(sHV)};
  Value qView = view(aQ, {dyn, dyn, dyn, p.k}, p.qkElem, bth);
  Value kView = view(aK, {dyn, dyn, dyn, p.k}, p.qkElem, bth);
  // Values and outputs by slices of c columns: [B, T, HV, V / c, c].
  Value vView = view(aV, {dyn, dyn, dyn, slices, c}, p.vElem, bthv);
  Value oView = view(aO, {dyn, dyn, dyn, slices, c}, p.oElem, bthv);
  // States [B, HV, K, V / c, c]: rows over K, this block's slice fixed.
  auto stateView = [&](int64_t a) {
    return view(a, {dyn, dyn, p.k, slices, c}, f32, bhv);
  };
  auto rowsAttr = [&](ArrayRef<int64_t> d) { return b.getDenseI64ArrayAttr(d); };
  FloatAttr zeroPad = b.getF32FloatAttr(0.0f);

  auto stateT = FragType::get({rows, c}, f32);
  auto keysT = FragType::get({rows}, f32);
  auto colT = FragType::get({1, c}, f32);
  Value s0 = p.hasInit
                 ? Value(ReadOp::create(b, stateT, stateView(aInit),
                                        ValueRange{batch, hv, slice}, zero,
                                        rowsAttr({2}), zeroPad))
                 : Value(FillOp::create(b, stateT, b.getF32FloatAttr(0.0f)));

  // A constant decay per head (linear ops with `decay`).
  Value constDecay;
  if (!p.decay.empty()) {
    constDecay = arith::ConstantOp::create(
        b, b.getF32FloatAttr(static_cast<float>(std::exp(p.decay[0]))));
    for (size_t i = 1; i < p.decay.size(); ++i) {
      Value is = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, h,
                                       ix.c(static_cast<int64_t>(i)));
      Value ai = arith::ConstantOp::create(
          b, b.getF32FloatAttr(static_cast<float>(std::exp(p.decay[i]))));
      constDecay = arith::SelectOp::create(b, is, ai, constDecay);
    }
  }
  Value gateView;
  if (p.gate == Gate::Vector)
    gateView = view(aGate, {dyn, dyn, dyn, p.k}, p.gateElem, bthv);
  if (p.gate == Gate::Scalar)
    gateView = view(aGate, {dyn, dyn, dyn}, p.gateElem, bthv);
  Value betaView;
  if (p.delta)
    betaView = view(aBeta, {dyn, dyn, dyn}, p.betaElem, bthv);

  auto fconst = [&](double v) {
    return arith::ConstantOp::create(b, b.getF32FloatAttr(static_cast<float>(v)))
        .getResult();
  };
  Value seqT = ix.idx(size(sT));
  auto loop = scf::ForOp::create(b, zero, seqT, ix.c(1), ValueRange{s0});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value t = loop.getInductionVar();
    Value s = loop.getRegionIterArgs()[0];
    SmallVector<Value> qkAt = {batch, t, h}, at = {batch, t, hv};
    Value q = ReadOp::create(b, keysT, qView, qkAt, zero, rowsAttr({3}), zeroPad);
    Value k = ReadOp::create(b, keysT, kView, qkAt, zero, rowsAttr({3}), zeroPad);
    // Scales of q and k: scale (and 1) or over their L2 norms.
    Value qScale = fconst(p.scale), kScale;
    if (p.l2norm) {
      auto invNorm = [&](Value x) {
        Value sq = map(b, keysT, {x}, [](ImplicitLocOpBuilder &i, ValueRange e) {
          return arith::MulFOp::create(i, e[0], e[0]).getResult();
        });
        Value ss = ReduceOp::create(b, f32, ReduceKind::sum, sq, 0);
        return math::RsqrtOp::create(
                   b, arith::AddFOp::create(b, ss, fconst(1e-6)))
            .getResult();
      };
      qScale = arith::MulFOp::create(b, qScale, invNorm(q));
      kScale = invNorm(k);
    }
    // Decay.
    if (p.gate == Gate::Vector) {
      Value g = ReadOp::create(b, keysT, gateView, at, zero, rowsAttr({3}), zeroPad);
      Value log2e = fconst(kLog2e);
      s = map(b, stateT, {s, g}, [&](ImplicitLocOpBuilder &i, ValueRange e) {
        Value a = math::Exp2Op::create(i, arith::MulFOp::create(i, e[1], log2e));
        return arith::MulFOp::create(i, e[0], a).getResult();
      });
    } else {
      Value a = constDecay;
      if (p.gate == Gate::Scalar) {
        Value g = ReadOp::create(b, f32, gateView, at,
                                 Value(), DenseI64ArrayAttr(), zeroPad);
        a = math::Exp2Op::create(b, arith::MulFOp::create(b, g, fconst(kLog2e)));
      }
      if (a)
        s = map(b, stateT, {s}, [&](ImplicitLocOpBuilder &i, ValueRange e) {
          return arith::MulFOp::create(i, e[0], a).getResult();
        });
    }
    // What each column adds along k: beta (v - k^T S) or v.
    Value v = ReadOp::create(b, colT, vView, at, slice, rowsAttr({3}),
                             zeroPad);
    Value w;
    if (p.delta) {
      Value sk = map(b, stateT, {s, k}, [](ImplicitLocOpBuilder &i, ValueRange e) {
        return arith::MulFOp::create(i, e[0], e[1]).getResult();
      });
      Value u = ReduceOp::create(b, colT, ReduceKind::sum, sk,
                                 0);
      Value beta = ReadOp::create(b, f32, betaView, at,
                                  Value(), DenseI64ArrayAttr(), zeroPad);
      w = map(b, colT, {v, u}, [&](ImplicitLocOpBuilder &i, ValueRange e) {
        Value uk = kScale ? arith::MulFOp::create(i, e[1], kScale).getResult()
                          : e[1];
        Value d = arith::MulFOp::create(i, beta,
                                        arith::SubFOp::create(i, e[0], uk));
        return kScale ? arith::MulFOp::create(i, d, kScale).getResult() : d;
      });
    } else {
      w = kScale ? map(b, colT, {v}, [&](ImplicitLocOpBuilder &i, ValueRange e) {
            return arith::MulFOp::create(i, e[0], kScale).getResult();
          })
                 : v;
    }
    s = map(b, stateT, {s, k, w}, [](ImplicitLocOpBuilder &i, ValueRange e) {
      return math::FmaOp::create(i, e[1], e[2], e[0]).getResult();
    });
    Value sq = map(b, stateT, {s, q}, [](ImplicitLocOpBuilder &i, ValueRange e) {
      return arith::MulFOp::create(i, e[0], e[1]).getResult();
    });
    Value o = ReduceOp::create(b, colT, ReduceKind::sum, sq,
                               0);
    o = map(b, colT, {o}, [&](ImplicitLocOpBuilder &i, ValueRange e) {
      return arith::MulFOp::create(i, e[0], qScale).getResult();
    });
    if (!p.oElem.isF32())
      o = ConvertOp::create(b, colT.withElementType(p.oElem), o);
    StoreOp::create(b, o, oView, at, slice,
                    rowsAttr({3}));
    scf::YieldOp::create(b, ValueRange{s});
  }
  if (p.hasFinal)
    StoreOp::create(b, loop.getResult(0), stateView(aFinal),
                    ValueRange{batch, hv, slice}, zero, rowsAttr({2}));
  gpu::ReturnOp::create(b);
  return fn;
}
