//===- SelectForm.cpp - attn-select-form ----------------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Decides how each attn.linear / attn.delta op is computed: token by token
// over its recurrent state (decode, very short sequences) or chunkwise
// parallel (prefill, unknown lengths). The decision is recorded as the op's
// `form` attribute; a form that is already set is kept.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNSELECTFORMPASS
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

/// The sequence length T (dim 1 of `q: [B, T, H, K]`), or
/// ShapedType::kDynamic when it is not known statically.
static int64_t staticSeqLen(Value q) {
  auto type = llvm::dyn_cast<RankedTensorType>(q.getType());
  if (!type || type.getRank() < 2)
    return ShapedType::kDynamic;
  return type.getDimSize(1);
}

/// The form for an op without one: chunked when it already has a chunk plan
/// or T is dynamic or longer than `maxRecurrentT`, recurrent otherwise.
static Form chooseForm(Value q, bool hasChunkPlan, int64_t maxRecurrentT) {
  if (hasChunkPlan)
    return Form::chunked;
  int64_t t = staticSeqLen(q);
  if (!ShapedType::isDynamic(t) && t <= maxRecurrentT)
    return Form::recurrent;
  return Form::chunked;
}

namespace {
struct AttnSelectFormPass
    : mlir::attn::impl::AttnSelectFormPassBase<AttnSelectFormPass> {
  using Base::Base;

  void runOnOperation() override {
    if (maxRecurrentT < 0) {
      emitError(getOperation()->getLoc())
          << "attn-select-form: 'max-recurrent-t' must not be negative, got "
          << static_cast<int64_t>(maxRecurrentT);
      return signalPassFailure();
    }
    MLIRContext *ctx = &getContext();
    auto select = [&](auto op) {
      if (op.getFormAttr())
        return;
      Form form = chooseForm(op.getQ(), static_cast<bool>(op.getChunkAttr()),
                             maxRecurrentT);
      op.setFormAttr(FormAttr::get(ctx, form));
    };
    getOperation()->walk([&](Operation *op) {
      if (auto linear = dyn_cast<LinearOp>(op))
        select(linear);
      else if (auto delta = dyn_cast<DeltaOp>(op))
        select(delta);
    });
  }
};
} // namespace
