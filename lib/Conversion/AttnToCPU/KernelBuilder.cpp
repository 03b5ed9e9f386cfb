//===- KernelBuilder.cpp - loop-nest toolbox for CPU kernels --------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Implements the CPU kernel toolbox (see KernelBuilder.h) on arith, math,
// memref and scf.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/AttnToCPU/KernelBuilder.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include <limits>

using namespace mlir;
using namespace mlir::attn::cpu;

KernelBuilder::KernelBuilder(OpBuilder &builder, Location loc)
    : b(loc, builder),
      reassoc(arith::FastMathFlagsAttr::get(
          builder.getContext(),
          arith::FastMathFlags::reassoc | arith::FastMathFlags::contract)) {}

Value KernelBuilder::idx(int64_t v) {
  return arith::ConstantIndexOp::create(b, v);
}

Value KernelBuilder::f32(double v) {
  return arith::ConstantOp::create(b, b.getF32FloatAttr(static_cast<float>(v)));
}

Value KernelBuilder::negInf() {
  return f32(-std::numeric_limits<double>::infinity());
}

static bool isIndexLike(Type t) { return t.isIndex() || t.isInteger(); }

Value KernelBuilder::add(Value x, Value y) {
  if (isIndexLike(x.getType()))
    return arith::AddIOp::create(b, x, y);
  return arith::AddFOp::create(b, x, y);
}

Value KernelBuilder::sub(Value x, Value y) {
  if (isIndexLike(x.getType()))
    return arith::SubIOp::create(b, x, y);
  return arith::SubFOp::create(b, x, y);
}

Value KernelBuilder::mul(Value x, Value y) {
  if (isIndexLike(x.getType()))
    return arith::MulIOp::create(b, x, y);
  return arith::MulFOp::create(b, x, y);
}

Value KernelBuilder::div(Value x, Value y) {
  return arith::DivFOp::create(b, x, y);
}

Value KernelBuilder::min(Value x, Value y) {
  if (isIndexLike(x.getType()))
    return arith::MinSIOp::create(b, x, y);
  return arith::MinimumFOp::create(b, x, y);
}

Value KernelBuilder::max(Value x, Value y) {
  if (isIndexLike(x.getType()))
    return arith::MaxSIOp::create(b, x, y);
  return arith::MaximumFOp::create(b, x, y);
}

Value KernelBuilder::exp(Value x) { return math::ExpOp::create(b, x); }
Value KernelBuilder::log(Value x) { return math::LogOp::create(b, x); }
Value KernelBuilder::sqrt(Value x) { return math::SqrtOp::create(b, x); }
Value KernelBuilder::tanh(Value x) { return math::TanhOp::create(b, x); }

Value KernelBuilder::indexToF32(Value x) {
  Value i64 = arith::IndexCastOp::create(b, b.getI64Type(), x);
  return arith::SIToFPOp::create(b, b.getF32Type(), i64);
}

Value KernelBuilder::i32ToIndex(Value x) {
  return arith::IndexCastOp::create(b, b.getIndexType(), x);
}

Value KernelBuilder::cmp(arith::CmpIPredicate pred, Value x, Value y) {
  return arith::CmpIOp::create(b, pred, x, y);
}

Value KernelBuilder::cmpf(arith::CmpFPredicate pred, Value x, Value y) {
  return arith::CmpFOp::create(b, pred, x, y);
}

Value KernelBuilder::select(Value cond, Value x, Value y) {
  return arith::SelectOp::create(b, cond, x, y);
}

Value KernelBuilder::andI(Value x, Value y) {
  return arith::AndIOp::create(b, x, y);
}

Value KernelBuilder::orI(Value x, Value y) {
  return arith::OrIOp::create(b, x, y);
}

Value KernelBuilder::load(Value mem, ValueRange indices) {
  Value v = memref::LoadOp::create(b, mem, indices);
  Type t = v.getType();
  if (!isa<FloatType>(t) || t.isF32())
    return v;
  if (t.getIntOrFloatBitWidth() < 32)
    return arith::ExtFOp::create(b, b.getF32Type(), v);
  return arith::TruncFOp::create(b, b.getF32Type(), v);
}

void KernelBuilder::store(Value value, Value mem, ValueRange indices) {
  Type t = cast<MemRefType>(mem.getType()).getElementType();
  if (t != value.getType() && isa<FloatType>(t)) {
    if (t.getIntOrFloatBitWidth() < 32)
      value = arith::TruncFOp::create(b, t, value);
    else
      value = arith::ExtFOp::create(b, t, value);
  }
  memref::StoreOp::create(b, value, mem, indices);
}

Value KernelBuilder::dim(Value mem, int64_t i) {
  auto type = cast<MemRefType>(mem.getType());
  if (!type.isDynamicDim(i))
    return idx(type.getDimSize(i));
  return memref::DimOp::create(b, mem, i);
}

/// Stack scratch a function may hold in total; larger scratch goes to the
/// heap (a function with dozens of layers, or K = V = 2048, would otherwise
/// overflow an 8 MiB thread stack).
static constexpr int64_t kStackBudgetBytes = 256 * 1024;

static int64_t bufferBytes(MemRefType type) {
  // index (host pointer width) and other non-numeric elements count as 8.
  Type e = type.getElementType();
  int64_t bytes =
      e.isIntOrFloat()
          ? static_cast<int64_t>(llvm::divideCeil(e.getIntOrFloatBitWidth(), 8))
          : 8;
  return type.getNumElements() * bytes;
}

Value KernelBuilder::stackBuffer(ArrayRef<int64_t> shape, Type elementType) {
  // Scratch lives in the entry block of the enclosing function: allocated
  // once per call even when the kernel sits in the user's loops, and never
  // inside a region that later lowering splits into several blocks.
  auto type = MemRefType::get(shape, elementType);
  // The function itself, not the nearest allocation scope: scf.for is one
  // too, and an alloca in a loop body is not released between iterations
  // once lowered.
  Operation *scope = b.getInsertionBlock()->getParentOp();
  while (scope && !isa<FunctionOpInterface>(scope))
    scope = scope->getParentOp();
  if (!scope || scope->getNumRegions() == 0 || scope->getRegion(0).empty())
    return memref::AllocOp::create(b, type);
  Block &entry = scope->getRegion(0).front();
  int64_t used = 0;
  for (auto existing : entry.getOps<memref::AllocaOp>())
    used += bufferBytes(existing.getType());
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&entry);
  if (used + bufferBytes(type) <= kStackBudgetBytes)
    return memref::AllocaOp::create(b, type);
  // Freed at the end of the function by the buffer-deallocation pipeline.
  return memref::AllocOp::create(b, type);
}

Value KernelBuilder::alloc(MemRefType type, ValueRange dynamicSizes) {
  return memref::AllocOp::create(b, type, dynamicSizes);
}

void KernelBuilder::forLoop(Value lo, Value hi, Value step,
                            llvm::function_ref<void(Value)> body) {
  auto loop = scf::ForOp::create(b, lo, hi, step);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  body(loop.getInductionVar());
}

SmallVector<Value> KernelBuilder::forLoop(
    Value lo, Value hi, Value step, ValueRange init,
    llvm::function_ref<SmallVector<Value>(Value, ValueRange)> body) {
  auto loop = scf::ForOp::create(
      b, lo, hi, step, init,
      [&](OpBuilder &nested, Location loc, Value iv, ValueRange iters) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nested.getInsertionBlock(),
                            nested.getInsertionPoint());
        SmallVector<Value> next = body(iv, iters);
        scf::YieldOp::create(b, next);
      });
  return SmallVector<Value>(loop.getResults());
}

void KernelBuilder::ifThen(Value cond, llvm::function_ref<void()> body) {
  auto ifOp = scf::IfOp::create(b, cond, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  body();
}

Value KernelBuilder::sum(Value lo, Value hi,
                         llvm::function_ref<Value(Value)> term) {
  return sums(lo, hi, 1,
              [&](Value i) -> SmallVector<Value> { return {term(i)}; })
      .front();
}

void KernelBuilder::fill(Value mem, Value value) {
  auto type = cast<MemRefType>(mem.getType());
  Value zero = idx(0);
  if (type.getRank() == 1) {
    forLoop(zero, dim(mem, 0), [&](Value i) { store(value, mem, {i}); });
    return;
  }
  forLoop(zero, dim(mem, 0), [&](Value i) {
    forLoop(zero, dim(mem, 1), [&](Value j) { store(value, mem, {i, j}); });
  });
}

SmallVector<Value>
KernelBuilder::sums(Value lo, Value hi, unsigned count,
                    llvm::function_ref<SmallVector<Value>(Value)> terms) {
  SmallVector<Value> zeros(count, f32(0.0));
  return forLoop(lo, hi, idx(1), zeros,
                 [&](Value i, ValueRange acc) -> SmallVector<Value> {
                   SmallVector<Value> t = terms(i);
                   assert(t.size() == count && "one term per sum");
                   SmallVector<Value> next;
                   for (auto [a, x] : llvm::zip(acc, t))
                     next.push_back(arith::AddFOp::create(b, a, x, reassoc));
                   return next;
                 });
}

Value KernelBuilder::onlineSoftmaxUpdate(Value n, Value valueDim, Value mOld,
                                         Value mNew, Value lOld,
                                         const SoftmaxRow &row) {
  Value zero = idx(0), zeroF = f32(0.0);
  // While the row has seen no key, m stays -inf; subtracting 0 instead keeps
  // exp() away from -inf - -inf = NaN (and gives alpha = p = 0).
  Value empty = cmpf(arith::CmpFPredicate::OEQ, mNew, negInf());
  Value mUse = select(empty, zeroF, mNew);
  Value alpha = exp(sub(mOld, mUse));
  Value pSum = sum(zero, n, [&](Value j) {
    Value p = exp(sub(row.score(j), mUse));
    row.setScore(j, p);
    return p;
  });
  // acc = acc * alpha + P V, with the value column innermost (contiguous).
  forLoop(zero, valueDim,
          [&](Value d) { row.setAcc(d, mul(row.acc(d), alpha)); });
  forLoop(zero, n, [&](Value j) {
    Value p = row.score(j);
    if (row.pvWeight)
      p = row.pvWeight(p);
    forLoop(zero, valueDim, [&](Value d) {
      row.setAcc(d, add(row.acc(d), mul(p, row.value(j, d))));
    });
  });
  return add(mul(lOld, alpha), pSum);
}
