//===- RoundToFormat.cpp - f32 rounded to a narrower float format ---------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// roundTo: the value an f32 takes once converted to bf16, f16, f8E4M3FN or
// f8E5M2, kept in an f32. The CPU backend emulates a #attn.precision plan
// with it; the GPU kernels convert with cvt.rn(.satfinite), whose results
// this reproduces bit for bit.
//
// FP8 has no LLVM type, so the rounding is done on the f32 bits:
//
// - |x| is clamped to the format's largest finite value first (satfinite:
//   +-inf and values past the largest finite one give +-max; every value
//   below it rounds to at most max, so clamping first changes nothing else);
//   NaN stays NaN;
// - normals (|x| >= the smallest normal): round to nearest even at the
//   format's last mantissa bit by integer arithmetic on the f32 pattern,
//   bits += (half ulp - 1) + lsb; bits &= ~(ulp - 1); a mantissa carry
//   moves into the exponent, as it should;
// - subnormals: (|x| + 2^c) - 2^c in f32, where 2^c has an f32 ulp equal to
//   the format's subnormal step, so the FPU rounds to nearest even on that
//   grid; the adds carry no fast-math flags, so nothing folds them away;
// - the sign is restored with copysign (-0 stays -0).
//
// bf16 is rounded on the bits too (RNE at bit 16, NaN kept; overflow
// carries into the exponent and gives inf, as cvt.rn.bf16.f32 does):
// arith.truncf to bf16 lowers to code that flushes f32 subnormals to zero,
// where the GPU's conversion keeps them. f16 uses truncf + extf (f32
// subnormals round to zero in f16 anyway).
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "llvm/Support/ErrorHandling.h"
#include <cmath>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::cpu;

namespace {
/// An FP8 format as roundTo needs it.
struct Fp8Format {
  double maxFinite;  // largest finite value
  double minNormal;  // smallest normal value
  unsigned dropBits; // f32 mantissa bits below the format's last one
  double subnormalC; // 2^c with f32 ulp(2^c) = the subnormal step
};

constexpr Fp8Format kE4M3 = {448.0, 0x1p-6, 20, 0x1p14};
constexpr Fp8Format kE5M2 = {57344.0, 0x1p-14, 21, 0x1p7};
} // namespace

static Value roundFp8(KernelBuilder &kb, Value x, const Fp8Format &f) {
  ImplicitLocOpBuilder &b = kb.builder();
  Type i32 = b.getI32Type();
  auto i32c = [&](int64_t v) {
    return arith::ConstantOp::create(b, b.getI32IntegerAttr(v)).getResult();
  };
  Value isNan = kb.cmpf(arith::CmpFPredicate::UNO, x, x);
  Value mag = kb.min(math::AbsFOp::create(b, x), kb.f32(f.maxFinite));

  // Normals: round to nearest even on the f32 bit pattern.
  Value bits = arith::BitcastOp::create(b, i32, mag);
  Value lsb = arith::AndIOp::create(
      b, arith::ShRUIOp::create(b, bits, i32c(f.dropBits)), i32c(1));
  int64_t ulp = int64_t(1) << f.dropBits;
  Value rounded = arith::AddIOp::create(
      b, bits, arith::AddIOp::create(b, i32c(ulp / 2 - 1), lsb));
  rounded = arith::AndIOp::create(b, rounded, i32c(~(ulp - 1)));
  Value normal = arith::BitcastOp::create(b, b.getF32Type(), rounded);

  // Subnormals: the FPU rounds on the format's subnormal grid.
  Value c = kb.f32(f.subnormalC);
  Value subnormal = kb.sub(kb.add(mag, c), c);

  Value isSub = kb.cmpf(arith::CmpFPredicate::OLT, mag, kb.f32(f.minNormal));
  Value r = kb.select(isSub, subnormal, normal);
  r = math::CopySignOp::create(b, r, x);
  return kb.select(isNan, x, r);
}

Value cpu::roundTo(KernelBuilder &kb, Value x, Type format) {
  assert(x.getType().isF32() && "roundTo takes an f32");
  if (format.isF32())
    return x;
  if (isa<Float8E4M3FNType>(format))
    return roundFp8(kb, x, kE4M3);
  if (isa<Float8E5M2Type>(format))
    return roundFp8(kb, x, kE5M2);
  if (isa<BFloat16Type>(format)) {
    ImplicitLocOpBuilder &b = kb.builder();
    auto i32c = [&](int64_t v) {
      return arith::ConstantOp::create(b, b.getI32IntegerAttr(v)).getResult();
    };
    Value bits = arith::BitcastOp::create(b, b.getI32Type(), x);
    Value lsb = arith::AndIOp::create(
        b, arith::ShRUIOp::create(b, bits, i32c(16)), i32c(1));
    Value rounded = arith::AddIOp::create(
        b, bits, arith::AddIOp::create(b, i32c(0x7FFF), lsb));
    rounded = arith::AndIOp::create(b, rounded, i32c(~0xFFFF));
    Value r = arith::BitcastOp::create(b, b.getF32Type(), rounded);
    return kb.select(kb.cmpf(arith::CmpFPredicate::UNO, x, x), x, r);
  }
  if (isa<Float16Type>(format)) {
    ImplicitLocOpBuilder &b = kb.builder();
    Value narrow = arith::TruncFOp::create(b, format, x);
    return arith::ExtFOp::create(b, b.getF32Type(), narrow);
  }
  llvm_unreachable("roundTo: the verifier admits bf16, f16, f32, f8E4M3FN "
                   "and f8E5M2 only");
}
