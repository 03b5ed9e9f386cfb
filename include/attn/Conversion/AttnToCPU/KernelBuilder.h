//===- KernelBuilder.h - loop-nest toolbox for CPU kernels ------*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The small toolbox every CPU kernel builder is written against: constants,
// arithmetic that dispatches on index / float types, f32 loads and stores
// from buffers of any attn element type, scf loops with and without carried
// values, fp32 dot products and the online-softmax row update. Kernels read
// like the algorithm they implement; each primitive is written (and tested)
// once.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_CONVERSION_ATTNTOCPU_KERNELBUILDER_H
#define ATTN_CONVERSION_ATTNTOCPU_KERNELBUILDER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mlir::attn::cpu {

/// Builds loop-nest kernels over memrefs at an insertion point. All float
/// arithmetic is f32: loads widen, stores narrow to the buffer's type.
class KernelBuilder {
public:
  KernelBuilder(OpBuilder &builder, Location loc);

  ImplicitLocOpBuilder &builder() { return b; }
  Location loc() const { return b.getLoc(); }

  //===--- constants ------------------------------------------------------===//
  Value idx(int64_t v);
  Value f32(double v);
  Value negInf();

  //===--- arithmetic (index or f32 by operand type) ----------------------===//
  Value add(Value x, Value y);
  Value sub(Value x, Value y);
  Value mul(Value x, Value y);
  /// f32 division.
  Value div(Value x, Value y);
  Value min(Value x, Value y);
  Value max(Value x, Value y);
  Value exp(Value x);
  Value log(Value x);
  Value sqrt(Value x);
  Value tanh(Value x);
  /// Index -> f32.
  Value indexToF32(Value x);
  /// i32 -> index (sign-extending).
  Value i32ToIndex(Value x);

  //===--- comparisons and selection --------------------------------------===//
  Value cmp(arith::CmpIPredicate pred, Value x, Value y);
  Value cmpf(arith::CmpFPredicate pred, Value x, Value y);
  Value select(Value cond, Value x, Value y);
  Value andI(Value x, Value y);
  Value orI(Value x, Value y);

  //===--- memory ---------------------------------------------------------===//
  /// Loads `mem[indices]` and widens it to f32 (integers are returned as is).
  Value load(Value mem, ValueRange indices);
  /// Narrows the f32 `value` to the element type of `mem` and stores it.
  void store(Value value, Value mem, ValueRange indices);
  /// Size of dimension `i` of a memref (a constant when static).
  Value dim(Value mem, int64_t i);
  /// A scratch buffer of static shape, allocated in the entry block of the
  /// enclosing function (automatic allocation scope): once per call. On the
  /// stack while the function's stack scratch stays under 256 KiB, on the
  /// heap (freed at function exit) beyond.
  Value stackBuffer(ArrayRef<int64_t> shape, Type elementType);
  /// A heap buffer with the given dynamic sizes (for results).
  Value alloc(MemRefType type, ValueRange dynamicSizes);

  //===--- control flow ---------------------------------------------------===//
  /// for (i = lo; i < hi; i += step) body(i)
  void forLoop(Value lo, Value hi, Value step,
               llvm::function_ref<void(Value)> body);
  void forLoop(Value lo, Value hi, llvm::function_ref<void(Value)> body) {
    forLoop(lo, hi, idx(1), body);
  }
  /// A loop carrying values: returns the values after the last iteration.
  SmallVector<Value>
  forLoop(Value lo, Value hi, Value step, ValueRange init,
          llvm::function_ref<SmallVector<Value>(Value, ValueRange)> body);
  /// if (cond) body()
  void ifThen(Value cond, llvm::function_ref<void()> body);

  //===--- reductions and attention primitives ----------------------------===//
  /// sum_{i in [lo, hi)} term(i), accumulated in f32 (reassociation allowed,
  /// so the loop vectorises).
  Value sum(Value lo, Value hi, llvm::function_ref<Value(Value)> term);
  /// Fills a static f32 buffer of rank 1 or 2 with `value`.
  void fill(Value mem, Value value);
  /// Several sums over one loop: `sum_{i in [lo, hi)} terms(i)[j]` for each
  /// j < count, accumulated in f32 (reassociation allowed, as in sum).
  /// `terms` returns `count` values per iteration.
  SmallVector<Value> sums(Value lo, Value hi, unsigned count,
                          llvm::function_ref<SmallVector<Value>(Value)> terms);

  /// One row of an online softmax (FlashAttention), as accessors: the new
  /// scores of this step (s_j, overwritten by p_j), the f32 output
  /// accumulator, and the value rows the scores weigh.
  struct SoftmaxRow {
    llvm::function_ref<Value(Value j)> score;
    llvm::function_ref<void(Value j, Value p)> setScore;
    llvm::function_ref<Value(Value d)> acc;
    llvm::function_ref<void(Value d, Value x)> setAcc;
    llvm::function_ref<Value(Value j, Value d)> value;
    /// The weight p_j takes in P V (a precision plan rounds it); null: p_j
    /// itself. The row sum always adds the unrounded p_j.
    llvm::function_ref<Value(Value p)> pvWeight = nullptr;
  };
  /// Folds n new scores (scaled and masked: -inf where masked) into a row
  /// whose running max is `mOld` and sum `lOld`; `mNew` = max(mOld, new
  /// scores). Rescales the accumulator by exp(mOld - mNew), replaces each
  /// score by p_j = exp(s_j - mNew), adds sum_j p_j * value(j, :) for the
  /// `valueDim` columns and returns the new sum. A row that has seen only
  /// masked keys (mNew = -inf) stays empty and never computes -inf - -inf.
  Value onlineSoftmaxUpdate(Value n, Value valueDim, Value mOld, Value mNew,
                            Value lOld, const SoftmaxRow &row);

private:
  ImplicitLocOpBuilder b;
  arith::FastMathFlagsAttr reassoc;
};

} // namespace mlir::attn::cpu

#endif // ATTN_CONVERSION_ATTNTOCPU_KERNELBUILDER_H
