//===- MathToNVVM.cpp - register math of the tile IR ----------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Fragments in registers: fills, elementwise maps (math.exp2 / log2 / tanh
// as the hardware's ex2 / lg2 / tanh approximations), row reductions (a
// thread's columns, then the quad by xor shuffles), masks (evaluated only on
// tiles that need them, a block-uniform test), the online softmax and type
// conversions (f32 pairs to packed bf16 / f16).
//
//===----------------------------------------------------------------------===//

#include "ATileToNVVM.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include <limits>

using namespace mlir;
using namespace mlir::atile;
using namespace mlir::atile::nvvm;

static constexpr double kLog2e = 1.4426950408889634;

/// Element i of a rank-2 fragment's registers -> index of its row's
/// register in a row fragment.
static int64_t rowReg(const FragGeom &gm, int64_t i) {
  const int64_t tileIdx = i / 4, hf = (i % 4) / 2;
  return (tileIdx / gm.nTiles) * 2 + hf;
}

int64_t nvvm::mapSource(const FragGeom &gm, FragType res, FragType in,
                        int64_t i) {
  if (in.getShape() == res.getShape())
    return i;
  if (in.getRank() == 1) // a row, broadcast along the columns
    return gm.simt ? i / 4 : rowReg(gm, i);
  if (gm.simt)
    return i % 4; // a column vector, broadcast along the rows
  // mma layouts: element ((mi nt + ni) 4 + 2 hf + e) reads column 2 ni + e.
  return ((i / 4) % gm.nTiles) * 2 + i % 2;
}

Value nvvm::scalarMath(Lowering &l, Operation &op, Value x) {
  if (!x || !x.getType().isF32())
    return Value();
  if (isa<math::Exp2Op>(op))
    return l.g.exp2(x);
  if (isa<math::Log2Op>(op))
    return l.g.log2(x);
  if (isa<math::TanhOp>(op))
    return l.g.tanh(x);
  if (isa<math::RsqrtOp>(op)) // rsqrt.approx.f32: relative error < 2^-22
    return LLVM::CallIntrinsicOp::create(
               l.b, l.b.getF32Type(),
               l.b.getStringAttr("llvm.nvvm.rsqrt.approx.f"), ValueRange{x})
        .getResult(0);
  return Value();
}

LogicalResult nvvm::lowerFill(Lowering &l, FillOp op) {
  FragType type = op.getResult().getType();
  FailureOr<FragGeom> gm = l.geom(op, type);
  if (failed(gm))
    return failure();
  Value c = l.g.f(op.getValue().convertToDouble());
  l.frags[op.getResult()] = Regs(gm->size(type.getRank() == 1), c);
  return success();
}

LogicalResult nvvm::lowerMap(Lowering &l, MapOp op) {
  auto resType = cast<FragType>(op.getResult(0).getType());
  FailureOr<FragGeom> gm = l.geom(op, resType);
  if (failed(gm))
    return failure();
  for (Value v : op.getInputs())
    if (!cast<FragType>(v.getType()).getElementType().isF32())
      return op.emitOpError() << "maps f32 fragments only for now";
  for (Type t : op.getResultTypes())
    if (!cast<FragType>(t).getElementType().isF32())
      return op.emitOpError() << "maps to f32 fragments only for now";
  for (Operation &inner : op.getBody().front())
    if (isa_and_nonnull<ATileDialect>(inner.getDialect()) &&
        !isa<YieldOp>(inner))
      return op.emitOpError() << "has a tile op in its body; a map's body "
                                 "computes on scalars";
  const bool rowResult = resType.getRank() == 1;
  const int64_t size = gm->size(rowResult);
  SmallVector<Regs> results(op.getNumResults(), Regs(size));
  Block &body = op.getBody().front();
  for (int64_t i = 0; i < size; ++i) {
    IRMapping m;
    for (auto [arg, in] : llvm::zip(body.getArguments(), op.getInputs()))
      m.map(arg, l.frags[in][mapSource(*gm, resType,
                                       cast<FragType>(in.getType()), i)]);
    for (Operation &inner : body.without_terminator()) {
      // Values from above the map (constants hoisted out of it).
      for (Value v : inner.getOperands())
        if (!m.contains(v))
          m.map(v, l.lookup(v));
      Value x = inner.getNumOperands() ? m.lookupOrDefault(inner.getOperand(0))
                                       : Value();
      if (Value y = inner.getNumResults() == 1 ? scalarMath(l, inner, x)
                                               : Value())
        m.map(inner.getResult(0), y);
      else
        l.b.clone(inner, m);
    }
    for (auto [r, v] : llvm::enumerate(body.getTerminator()->getOperands()))
      results[r][i] = m.contains(v) ? m.lookup(v) : l.lookup(v);
  }
  for (auto [res, regs] : llvm::zip(op.getResults(), results))
    l.frags[res] = regs;
  return success();
}

/// The max or sum of row (mi, hf) of `x` over this thread's columns and the
/// quad that shares the row.
static Value rowReduce(Lowering &l, const FragGeom &gm, const Regs &x,
                       int64_t mi, int64_t hf, bool max) {
  auto &g = l.g;
  Value acc;
  for (int64_t ni = 0; ni < gm.nTiles; ++ni)
    for (int64_t e = 0; e < 2; ++e) {
      Value v = x[(mi * gm.nTiles + ni) * 4 + 2 * hf + e];
      acc = !acc ? v : max ? g.fmax(acc, v) : g.fadd(acc, v);
    }
  for (int off : {1, 2}) {
    Value other = g.shflXor(acc, off);
    acc = max ? g.fmax(acc, other) : g.fadd(acc, other);
  }
  return acc;
}

LogicalResult nvvm::lowerReduce(Lowering &l, ReduceOp op) {
  FailureOr<FragGeom> gm = l.geom(op, op.getInput().getType());
  if (failed(gm))
    return failure();
  if (gm->simt)
    return lowerSimtReduce(l, op, *gm);
  if (op.getDim() != 1)
    return op.emitOpError() << "reduces over rows (dim = 0) on simt "
                               "fragments only";
  const Regs &x = l.frags[op.getInput()];
  Regs out;
  for (int64_t mi = 0; mi < gm->mTiles; ++mi)
    for (int64_t hf = 0; hf < 2; ++hf)
      out.push_back(
          rowReduce(l, *gm, x, mi, hf, op.getKind() == ReduceKind::max));
  l.frags[op.getResult()] = out;
  return success();
}

/// Scores, statistics and shared-tile loads follow a product's layout.
static LogicalResult needProductLayout(Operation *op, const FragGeom &gm) {
  if (gm.simt)
    return op->emitOpError() << "takes fragments of a tensor-core layout "
                                "(mma_sync or wgmma), not simt";
  return success();
}

LogicalResult nvvm::lowerMask(Lowering &l, MaskOp op) {
  FragType type = op.getScores().getType();
  FailureOr<FragGeom> gm = l.geom(op, type);
  if (failed(gm) || failed(needProductLayout(op, *gm)))
    return failure();
  auto &g = l.g;
  const Regs &x = l.frags[op.getScores()];
  // 32-bit positions (packed rows T x G and keys below 2^31): 64-bit
  // division is a long sequence whose registers the overlapped loop does
  // not have.
  auto i32 = [&](Value index) { return g.toI32(l.toI64(index)); };
  Value row0 = i32(op.getRow()), col0 = i32(op.getCol());
  Value keys = i32(op.getKeys()), group = i32(op.getGroup());
  Value offset = i32(op.getOffset());
  std::optional<int64_t> window = op.getWindow();
  if (auto gather = op.getGathered() ? op.getGathered().getDefiningOp<GatherOp>()
                                     : GatherOp()) {
    // Gathered keys: a column is valid where its position is present (the
    // same for every row); every tile is masked.
    Regs masked(x);
    Value negInf = g.negInf(), twoTq = g.mul(l.tq, g.c32(2));
    for (int64_t ni = 0; ni < gm->nTiles; ++ni)
      for (int64_t e = 0; e < 2; ++e) {
        Value n = g.add(col0, g.add(twoTq, g.c32(8 * ni + e)));
        Value ok = g.andI(l.gatheredRow(gather, n).second, g.slt(n, keys));
        for (int64_t mi = 0; mi < gm->mTiles; ++mi)
          for (int64_t hf = 0; hf < 2; ++hf) {
            Value &v = masked[(mi * gm->nTiles + ni) * 4 + 2 * hf + e];
            v = g.select(ok, v, negInf);
          }
      }
    l.frags[op.getResult()] = masked;
    return success();
  }
  // Does any element of the tile need the mask? (Block-uniform.)
  Value tileEnd = g.add(col0, g.c32(gm->cols));
  Value need = g.slt(keys, tileEnd);
  if (op.getCausal()) {
    Value firstPos = g.add(g.divs(row0, group), offset);
    need = g.orI(need, g.slt(firstPos, g.sub(tileEnd, g.c32(1))));
  }
  if (window) {
    Value lastRow = g.add(row0, g.c32(gm->rows - 1));
    Value lastPos = g.add(g.divs(lastRow, group), offset);
    need = g.orI(need, g.slt(col0, g.add(g.sub(lastPos, g.c32(*window)),
                                         g.c32(1))));
  }
  SmallVector<Type> types(x.size(), l.b.getF32Type());
  auto ifOp = scf::IfOp::create(l.b, types, need, /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard guard(l.b);
    l.b.setInsertionPointToStart(ifOp.thenBlock());
    Regs masked(x);
    Value negInf = g.negInf();
    // Per row, the band of valid columns relative to the tile, clamped to
    // [-1, cols + 1].
    Value twoTq = g.mul(l.tq, g.c32(2));
    auto rel = [&](Value key) {
      return g.max(g.min(g.sub(key, col0), g.c32(gm->cols + 1)), g.c32(-1));
    };
    for (int64_t mi = 0; mi < gm->mTiles; ++mi)
      for (int64_t hf = 0; hf < 2; ++hf) {
        Value r = g.add(row0, l.threadRow(*gm, mi, hf));
        Value pos = g.add(g.divs(r, group), offset);
        Value hi = rel(op.getCausal() ? g.min(keys, g.add(pos, g.c32(1)))
                                      : keys);
        Value lo;
        if (window)
          lo = rel(g.add(g.sub(pos, g.c32(*window)), g.c32(1)));
        for (int64_t ni = 0; ni < gm->nTiles; ++ni)
          for (int64_t e = 0; e < 2; ++e) {
            Value k = g.add(twoTq, g.c32(8 * ni + e));
            Value out = g.sle(hi, k);
            if (lo)
              out = g.orI(out, g.slt(k, lo));
            Value &v = masked[(mi * gm->nTiles + ni) * 4 + 2 * hf + e];
            v = g.select(out, negInf, v);
          }
      }
    scf::YieldOp::create(l.b, masked);
    l.b.setInsertionPointToStart(ifOp.elseBlock());
    scf::YieldOp::create(l.b, x);
  }
  l.frags[op.getResult()] =
      Regs(ifOp.getResults().begin(), ifOp.getResults().end());
  return success();
}

LogicalResult nvvm::lowerOnlineSoftmax(Lowering &l, OnlineSoftmaxOp op) {
  FailureOr<FragGeom> gm = l.geom(op, op.getScores().getType());
  if (failed(gm) || failed(needProductLayout(op, *gm)))
    return failure();
  auto &g = l.g;
  const Regs &s = l.frags[op.getScores()];
  const Regs &m = l.frags[op.getMax()], &sum = l.frags[op.getSum()];
  const double c = op.getScale().convertToDouble() * kLog2e;
  Value negInf = g.negInf(), zero = g.f(0.0);
  // p = exp2(x - m' + log2_prob_scale): the power of two in the exponent.
  Value shift = g.f(static_cast<double>(op.getLog2ProbScale()));
  const Regs *rowScale =
      op.getRowScale() ? &l.frags[op.getRowScale()] : nullptr;
  Regs p(s.size()), mNew, lNew, alpha;
  for (int64_t mi = 0; mi < gm->mTiles; ++mi)
    for (int64_t hf = 0; hf < 2; ++hf) {
      const int64_t ri = 2 * mi + hf;
      Value cv = rowScale ? g.fmul((*rowScale)[ri], g.f(c)) : g.f(c);
      // max(s) c = max(s c) exactly for c > 0 (rounding is monotone).
      Value mx = g.fmul(rowReduce(l, *gm, s, mi, hf, /*max=*/true), cv);
      Value mn = g.fmax(m[ri], mx);
      Value mUse = g.select(g.feq(mn, negInf), zero, mn);
      Value negM = g.fsub(op.getLog2ProbScale() ? shift : zero, mUse);
      Value a = g.exp2(g.fsub(m[ri], mUse));
      Value part;
      for (int64_t ni = 0; ni < gm->nTiles; ++ni)
        for (int64_t e = 0; e < 2; ++e) {
          const int64_t i = (mi * gm->nTiles + ni) * 4 + 2 * hf + e;
          p[i] = g.exp2(g.fma(s[i], cv, negM));
          part = part ? g.fadd(part, p[i]) : p[i];
        }
      for (int off : {1, 2})
        part = g.fadd(part, g.shflXor(part, off));
      mNew.push_back(mn);
      alpha.push_back(a);
      lNew.push_back(g.fma(sum[ri], a, part));
    }
  l.frags[op.getProbs()] = p;
  l.frags[op.getNewMax()] = mNew;
  l.frags[op.getNewSum()] = lNew;
  l.frags[op.getAlpha()] = alpha;
  return success();
}

LogicalResult nvvm::lowerConvert(Lowering &l, ConvertOp op) {
  FragType in = op.getInput().getType(), out = op.getResult().getType();
  FailureOr<FragGeom> gin = l.geom(op, in), gout = l.geom(op, out);
  if (failed(gin) || failed(gout))
    return failure();
  if (gin->simt)
    return lowerSimtConvert(l, op, *gin);
  auto &g = l.g;
  const Regs &x = l.frags[op.getInput()];
  Type from = in.getElementType(), to = out.getElementType();
  if (from == to) {
    l.frags[op.getResult()] = x;
    return success();
  }
  if (in.getRank() != 2)
    return op.emitOpError() << "converts rank-2 fragments only";
  const int64_t tiles = gin->mTiles * gin->nTiles;
  Regs y;
  if (gout->bytes) { // f32 -> e4m3, the pairs of two n-tiles per register
    if (!from.isF32() || gin->bytes)
      return op.emitOpError() << "makes 8-bit fragments from f32 only";
    for (int64_t mi = 0; mi < gin->mTiles; ++mi)
      for (int64_t np = 0; np < gin->nTiles / 2; ++np)
        for (int64_t hf = 0; hf < 2; ++hf) {
          auto at = [&](int64_t ni, int64_t e) {
            return x[(mi * gin->nTiles + ni) * 4 + 2 * hf + e];
          };
          y.push_back(g.packE4m3x4(at(2 * np, 0), at(2 * np, 1),
                                   at(2 * np + 1, 0), at(2 * np + 1, 1)));
        }
    l.frags[op.getResult()] = y;
    return success();
  }
  if (gin->bytes)
    return op.emitOpError() << "does not read 8-bit fragments";
  if (from.isF32()) { // f32 pairs -> packed 16-bit
    for (int64_t t = 0; t < tiles; ++t)
      for (int64_t hf = 0; hf < 2; ++hf)
        y.push_back(g.pack2(x[t * 4 + 2 * hf], x[t * 4 + 2 * hf + 1], to));
  } else { // packed 16-bit -> f32 (-> packed again for another 16-bit type)
    Regs wide;
    for (int64_t t = 0; t < tiles; ++t)
      for (int64_t hf = 0; hf < 2; ++hf) {
        auto [lo, hi] = g.unpack2(x[t * 2 + hf], from);
        wide.push_back(lo);
        wide.push_back(hi);
      }
    if (to.isF32()) {
      y = wide;
    } else {
      for (size_t i = 0; i < wide.size(); i += 2)
        y.push_back(g.pack2(wide[i], wide[i + 1], to));
    }
  }
  l.frags[op.getResult()] = y;
  return success();
}
