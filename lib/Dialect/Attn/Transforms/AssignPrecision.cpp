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
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"
#include <cstdio>

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNASSIGNPRECISIONPASS
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {
/// FA3 Table 3 (arXiv 2407.08608): relative error of FP8 attention on
/// inputs with outlier features, per-tensor / per-block scales without a
/// rotation, and per-block scales with a Hadamard rotation.
constexpr double kFp8Error = 2.4e-2;
constexpr double kFp8HadamardError = 9.1e-3;
constexpr int64_t kMaxDecodeT = 16;
/// Why `auto` keeps attn.sparse out of FP8 (`fp8` takes it like attn.full).
constexpr const char *kNoSparseKernel =
    "no FP8 sparse GPU kernel yet (gathered K/V tiles, rule 4)";

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

/// Why rows of Q / K (qi / ki) cannot take a Hadamard rotation, or "" when
/// they can: the head dim (last dimension of `q`) must be a static power of
/// two.
std::string noHadamard(Value q) {
  auto t = llvm::cast<RankedTensorType>(q.getType());
  int64_t d = t.getDimSize(t.getRank() - 1);
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
  bool fp8Cores = true;

  /// The decision for `op` with contractions `names`; `fp8Ok(name)` says
  /// whether the policy and rules admit FP8 for it, `why` collects reasons.
  LogicalResult decide(Operation *op, Type input,
                       ArrayRef<std::pair<StringRef, StringRef>> plan,
                       bool softmax, bool indexer, StringRef noRotation,
                       Decision &d) {
    MLIRContext *ctx = op->getContext();
    Type f8 = Float8E4M3FNType::get(ctx), f32 = Float32Type::get(ctx);
    bool budgetOk = errorBudget >= kFp8HadamardError;
    for (auto [name, rule] : plan) {
      // rule: "fp8" (admitted), "solve" (f32), or the reason it stays.
      Type t = input;
      std::string why;
      if (rule == "solve") {
        t = f32;
        why = "the triangular solve stays f32 (rule 2)";
      } else if (rule != "fp8") {
        why = rule.str();
      } else if (!fp8Cores) {
        why = "no FP8 tensor cores on " + std::string(target) + " (rule 6)";
      } else if (!budgetOk) {
        why = llvm::formatv("error budget {0} is below FP8's estimated "
                            "{1} (FA3 Table 3, rule 5)",
                            num(errorBudget), num(kFp8HadamardError))
                  .str();
      } else {
        t = f8;
        why = softmax   ? "compute-bound prefill: FP8 doubles tensor-core peak "
                          "(rule 4)"
              : indexer ? "the DSA indexer runs in FP8 (DeepSeek-V3.2, rule 4)"
                        : "policy fp8";
      }
      d.operands.push_back({name.str(), t});
      d.reasons.push_back((name + " = ").str() +
                          (llvm::isa<Float8E4M3FNType>(t) ? "f8E4M3FN"
                           : t.isF32()                    ? "f32"
                           : t.isBF16()                   ? "bf16"
                                                          : "f16") +
                          ": " + why);
    }
    if (pol == Policy::fp8 && !d.anyFp8()) {
      bool wanted =
          llvm::any_of(plan, [](auto &p) { return p.second == "fp8"; });
      if (wanted && !fp8Cores)
        return op->emitOpError()
               << "attn-assign-precision: policy fp8 needs FP8 tensor cores, "
                  "which "
               << target << " does not have (sm_89 and later)";
      if (wanted && !budgetOk)
        return op->emitOpError()
               << "attn-assign-precision: policy fp8 cannot meet error budget "
               << double(errorBudget)
               << ": FP8 attention's estimated relative error is "
               << kFp8HadamardError << " at best (FA3 Table 3)";
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
    } else {
      d.granularity = ScaleGranularity::block;
      d.block = 128;
      bool wantRotation = errorBudget < kFp8Error;
      d.hadamard = wantRotation && noRotation.empty();
      std::string rotation;
      if (d.hadamard)
        rotation = llvm::formatv(", Hadamard rotation of Q and K: budget {0} "
                                 "< {1} without it",
                                 num(errorBudget), num(kFp8Error))
                       .str();
      else if (wantRotation)
        rotation = llvm::formatv(", {0} (budget {1} < {2} asks for one)",
                                 noRotation, num(errorBudget), num(kFp8Error))
                       .str();
      d.reasons.push_back(llvm::formatv("scales per block of {0} tokens{1} "
                                        "(rule 5)",
                                        d.block, rotation)
                              .str());
    }
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
    using P = std::pair<StringRef, StringRef>;
    SmallVector<P> plan;
    bool softmax = false, indexer = false;
    const char *stateRule = "contracts the f32 recurrent state (rule 3)";
    if constexpr (std::is_same_v<OpT, FullOp> ||
                  std::is_same_v<OpT, SparseOp>) {
      softmax = true;
      if (isDecode(q))
        plan = {P("qk", "decode is bandwidth-bound: FP8 pays in storage, not "
                        "MMA (rule 4)"),
                P("pv", "decode is bandwidth-bound (rule 4)")};
      else if (std::is_same_v<OpT, SparseOp> && pol == Policy::automatic)
        plan = {P("qk", kNoSparseKernel), P("pv", kNoSparseKernel)};
      else
        plan = {P("qk", "fp8"), P("pv", "fp8")};
    } else if constexpr (std::is_same_v<OpT, IndexerOp>) {
      indexer = true;
      plan = {P("qk", "fp8")};
    } else {
      // Never FP8, under any policy.
      StringRef intra = "the chunked kernels are latency-bound on the state "
                        "scan; FP8 intra-chunk products are not lowered "
                        "(rule 4)";
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
    if (failed(decide(op, input, plan, softmax, indexer, noHadamard(q), d)))
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
    if (policy == "off")
      return;
    if (policy == "auto")
      pol = Policy::automatic;
    else if (policy == "fp8")
      pol = Policy::fp8;
    else {
      getOperation()->emitError() << "attn-assign-precision: unknown policy '"
                                  << policy << "' (off, auto, fp8)";
      return signalPassFailure();
    }
    if (target == "sm_80")
      fp8Cores = false;
    else if (target != "sm_90a" && target != "sm_89" && target != "cpu") {
      getOperation()->emitError() << "attn-assign-precision: unknown target '"
                                  << target << "' (sm_90a, sm_89, sm_80, cpu)";
      return signalPassFailure();
    }
    if (!(errorBudget > 0)) {
      getOperation()->emitError()
          << "attn-assign-precision: error-budget must be positive, got "
          << double(errorBudget);
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
