//===- AssignPrecision.cpp - attn-assign-precision ------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Decides the operand precision of every contraction of every attn op
// (policy off / auto / fp8, an error budget, the target), records it as
// `#attn.precision` and reports each decision with its reason. The rules and
// their sources are the pass description in Passes.td.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Target/GPU/TargetInfo.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"
#include <cmath>
#include <cstdio>

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNASSIGNPRECISIONPASS
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {
/// FP8 attention's relative RMS error ||o - ref|| / ||ref|| against float64,
/// measured (bench/RESULTS.md, test_full_fp8_gpu.py, test_fp8_cpu.py; the
/// GPU kernels and the CPU emulation agree): up to 5.3e-2 on i.i.d. N(0, 1)
/// q, k, v, the worst case seen (diffuse softmax over zero-mean values:
/// e4m3's ~2.6% rounding per element does not average out), 3e-3 to
/// 1.2e-2 on inputs with per-channel structure. `auto` compares the budget
/// with the worst case.
constexpr double kFp8Error = 5.5e-2;
constexpr double kFp8StructuredError = 1.2e-2;
constexpr int64_t kMaxDecodeT = 16;

enum class Policy { off, automatic, fp8 };

struct Decision {
  SmallVector<std::pair<std::string, Type>> operands;
  SmallVector<std::string> reasons;
  ScaleGranularity granularity = ScaleGranularity::tensor;
  int64_t block = 0;
  bool hadamard = false;
  bool anyFp8() const {
    return llvm::any_of(operands, [](auto &o) {
      return llvm::isa<Float8E4M3FNType>(o.second);
    });
  }
};

/// `x` in the shortest of %g's forms (formatv's default keeps two decimals:
/// 2.4e-2 would read "0.02").
std::string num(double x) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", x);
  return text;
}

/// Static T <= 16: a decode step (bandwidth-bound).
bool isDecode(Value q) {
  auto t = llvm::cast<RankedTensorType>(q.getType());
  return !t.isDynamicDim(1) && t.getDimSize(1) <= kMaxDecodeT;
}

/// Static size of the last dimension of `v` (kDynamic if not).
int64_t lastDim(Value v) {
  auto t = llvm::cast<RankedTensorType>(v.getType());
  return t.getDimSize(t.getRank() - 1);
}

/// Why rows of Q / K (qi / ki) cannot take a Hadamard rotation, or "" when
/// they can: the head dim (last dimension of `q`) must be a static power of
/// two.
std::string noHadamard(Value q) {
  int64_t d = lastDim(q);
  if (ShapedType::isDynamic(d))
    return "no Hadamard rotation: the head dim is dynamic";
  if (!llvm::isPowerOf2_64(static_cast<uint64_t>(d)))
    return llvm::formatv("no Hadamard rotation: head dim {0} is not a power "
                         "of two",
                         d)
        .str();
  return "";
}

struct AttnAssignPrecisionPass
    : mlir::attn::impl::AttnAssignPrecisionPassBase<AttnAssignPrecisionPass> {
  using Base::Base;

  Policy pol = Policy::off;
  bool cpu = false;
  /// The chip decided for (null for cpu).
  const target::ChipInfo *chip = nullptr;

  /// The decision for `op`: `plan` maps each contraction to "fp8" (FP8 is
  /// lowered for it on the target and, under `auto`, pays), "solve" (f32) or
  /// the reason it keeps the input type.
  LogicalResult decide(Operation *op, Type input,
                       ArrayRef<std::pair<StringRef, std::string>> plan,
                       bool indexer, StringRef noRotation, Decision &d) {
    MLIRContext *ctx = op->getContext();
    Type f8 = Float8E4M3FNType::get(ctx), f32 = Float32Type::get(ctx);
    bool overBudget = errorBudget < kFp8Error;
    for (auto &[name, rule] : plan) {
      Type t = input;
      std::string why;
      if (rule == "solve") {
        t = f32;
        why = "the triangular solve stays f32 (rule 2)";
      } else if (rule != "fp8") {
        why = rule;
      } else if (pol == Policy::automatic && overBudget) {
        why = "FP8's relative error reaches " + num(kFp8Error) +
              " (i.i.d. inputs, measured), above the budget " +
              num(errorBudget) + "; " + num(kFp8StructuredError) +
              " or less on channel-structured inputs (rule 5)";
      } else {
        t = f8;
        why = pol == Policy::fp8 ? "policy fp8"
              : indexer ? "the DSA indexer runs in FP8 (DeepSeek-V3.2, "
                          "rule 4)"
                        : "compute-bound prefill with an FP8 kernel "
                          "(rule 4)";
        if (pol == Policy::fp8 && overBudget)
          why += " (its error reaches " + num(kFp8Error) +
                 " on i.i.d. inputs, above the budget " + num(errorBudget) +
                 ", rule 5)";
      }
      d.operands.push_back({name.str(), t});
      d.reasons.push_back((name + " = ").str() +
                          (llvm::isa<Float8E4M3FNType>(t) ? "f8E4M3FN"
                           : t.isF32()                    ? "f32"
                           : t.isBF16()                   ? "bf16"
                                                          : "f16") +
                          ": " + why);
    }
    if (!d.anyFp8())
      return success();
    if (indexer) {
      d.granularity = ScaleGranularity::token;
      d.hadamard = noRotation.empty();
      d.reasons.push_back(
          d.hadamard ? std::string("scales per token with a Hadamard rotation "
                                   "(DeepSeek-V3.2's indexer, rule 5)")
                     : "scales per token, " + noRotation.str() + " (rule 5)");
      return success();
    }
    d.granularity = ScaleGranularity::block;
    d.block = 128;
    // The rotation only helps inputs with outlier channels: taken when the
    // budget is below the structured-input error.
    std::string rotation;
    if (errorBudget < kFp8StructuredError) {
      if (!noRotation.empty())
        rotation = ", " + noRotation.str();
      else {
        d.hadamard = true;
        rotation = ", Hadamard rotation of Q and K (budget " +
                   num(errorBudget) + " < " + num(kFp8StructuredError) +
                   ": spreads outlier channels)";
      }
    }
    d.reasons.push_back(llvm::formatv("scales per block of {0} tokens{1} "
                                      "(rule 5)",
                                      d.block, rotation)
                            .str());
    return success();
  }

  template <typename OpT>
  LogicalResult assign(OpT op) {
    if (op.getPrecisionAttr())
      return success();
    Value q;
    if constexpr (std::is_same_v<OpT, IndexerOp>)
      q = op.getQi();
    else
      q = op.getQ();
    Type input = llvm::cast<RankedTensorType>(q.getType()).getElementType();
    using P = std::pair<StringRef, std::string>;
    SmallVector<P> plan;
    bool indexer = false;
    const char *stateRule = "contracts the f32 recurrent state (rule 3)";
    // Whether FP8 is lowered for this op on the target (rule 4, 6).
    std::string noKernel;
    if (chip && !chip->fp8MmaSync())
      noKernel = "no FP8 tensor cores on " + std::string(target) + " (rule 6)";
    else if (chip && !chip->wgmma && !chip->fp8MmaSyncNative() &&
             pol == Policy::automatic)
      noKernel = "FP8 mma.sync is not known to beat bf16 on " + std::string(target) +
                 " (measured only on sm_89 and sm_90a; policy fp8 plans it, "
                 "rule 4)";
    else if (cpu && pol == Policy::automatic)
      noKernel = "the CPU only emulates FP8 (slower, and it adds error): "
                 "policy fp8 emulates it to measure the error (rule 6)";
    if constexpr (std::is_same_v<OpT, FullOp> ||
                  std::is_same_v<OpT, SparseOp>) {
      std::string why = noKernel;
      if (isDecode(q))
        why = "decode is bandwidth-bound: FP8 pays in storage, not MMA "
              "(rule 4)";
      else if (std::is_same_v<OpT, SparseOp> && !cpu && why.empty())
        why = "no FP8 sparse GPU kernel yet (gathered K/V tiles, rule 4)";
      else if (std::is_same_v<OpT, FullOp> && chip && chip->wgmma &&
               why.empty() &&
               (lastDim(q) != 128 || lastDim(op.getV()) != 128)) {
        // The wgmma kernel takes D = Dv = 128; mma.sync e4m3 runs as f16
        // on sm_90 (bench/RESULTS.md: 0.73x-0.84x of bf16).
        if (pol == Policy::automatic)
          why = "on sm_90a FP8 pays through wgmma, which attn's FP8 kernel "
                "uses at D = Dv = 128 only (mma.sync e4m3 runs as f16 there, "
                "rule 4)";
      }
      if (why.empty())
        why = "fp8";
      plan = {P("qk", why), P("pv", why)};
    } else if constexpr (std::is_same_v<OpT, IndexerOp>) {
      indexer = true;
      std::string why = noKernel;
      // The GPU FP8 indexer is a wgmma kernel: sm_90a, one warpgroup of
      // index heads (Hi = 16, 32 or 64), Di = 128.
      int64_t hi = llvm::cast<RankedTensorType>(q.getType()).getDimSize(2);
      if (!cpu && why.empty() &&
          (!chip || !chip->wgmma || lastDim(q) != 128 ||
           !(hi == 16 || hi == 32 || hi == 64)))
        why = "attn's FP8 indexer GPU kernel is a wgmma kernel: sm_90a with "
              "Hi = 16, 32 or 64 and Di = 128 (rule 4)";
      plan = {P("qk", why.empty() ? "fp8" : why)};
    } else {
      // Never FP8, under any policy.
      std::string intra = "the chunked kernels are latency-bound on the "
                          "state scan; FP8 intra-chunk products are not "
                          "lowered (rule 4)";
      if constexpr (std::is_same_v<OpT, DeltaOp>)
        plan = {P("kk", "builds the matrix the solve inverts (rule 2)"),
                P("qk", intra),
                P("av", intra),
                P("ws", stateRule),
                P("qs", stateRule),
                P("kv", stateRule),
                P("solve", "solve")};
      else
        plan = {P("qk", intra), P("av", intra), P("qs", stateRule),
                P("kv", stateRule)};
    }
    Decision d;
    if (failed(decide(op, input, plan, indexer, noHadamard(q), d)))
      return failure();
    MLIRContext *ctx = op.getContext();
    SmallVector<NamedAttribute> entries;
    for (auto &[name, t] : d.operands)
      entries.push_back(
          NamedAttribute(StringAttr::get(ctx, name), TypeAttr::get(t)));
    auto attr = PrecisionAttr::get(ctx, DictionaryAttr::get(ctx, entries),
                                   Float32Type::get(ctx), d.granularity,
                                   d.block, d.hadamard);
    op.setPrecisionAttr(attr);
    InFlightDiagnostic r = emitRemark(op.getLoc())
                           << "attn-assign-precision (" << policy << "): ";
    if (auto fn = op->template getParentOfType<func::FuncOp>())
      r << "@" << fn.getSymName() << ": ";
    r << llvm::join(d.reasons, "; ");
    r << "; accumulator f32 (rule 1)";
    return success();
  }

  void runOnOperation() override {
    // Every option is checked, also under policy off, where none is used: a
    // bad value is a mistake whatever the policy (attn-run and Python refuse
    // the same values).
    if (policy == "off")
      pol = Policy::off;
    else if (policy == "auto")
      pol = Policy::automatic;
    else if (policy == "fp8")
      pol = Policy::fp8;
    else {
      getOperation()->emitError() << "attn-assign-precision: unknown policy '"
                                  << policy << "' (off, auto, fp8)";
      return signalPassFailure();
    }
    if (!(errorBudget > 0) || !std::isfinite(double(errorBudget))) {
      getOperation()->emitError()
          << "attn-assign-precision: error-budget must be a positive finite "
             "number, got "
          << double(errorBudget);
      return signalPassFailure();
    }
    cpu = target == "cpu";
    chip = nullptr;
    if (!cpu) {
      std::string error;
      chip = target::lookupSupportedChip(target, error);
      if (!chip) {
        getOperation()->emitError()
            << "attn-assign-precision: " << error << " (or target=cpu)";
        return signalPassFailure();
      }
    }
    if (pol == Policy::off)
      return;
    if (pol == Policy::fp8 && chip && !chip->fp8MmaSync()) {
      getOperation()->emitError()
          << "attn-assign-precision: policy fp8 needs FP8 tensor cores "
             "(sm_89 and later); target "
          << target << " has none";
      return signalPassFailure();
    }
    WalkResult w = getOperation()->walk([&](Operation *op) {
      LogicalResult ok = success();
      if (auto o = dyn_cast<FullOp>(op))
        ok = assign(o);
      else if (auto o = dyn_cast<SparseOp>(op))
        ok = assign(o);
      else if (auto o = dyn_cast<IndexerOp>(op))
        ok = assign(o);
      else if (auto o = dyn_cast<LinearOp>(op))
        ok = assign(o);
      else if (auto o = dyn_cast<DeltaOp>(op))
        ok = assign(o);
      return failed(ok) ? WalkResult::interrupt() : WalkResult::advance();
    });
    if (w.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
