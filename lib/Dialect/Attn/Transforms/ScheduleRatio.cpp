//===- ScheduleRatio.cpp - attn-schedule-ratio ----------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Re-spaces the full-attention layers of a hybrid schedule: N linear /
// delta layers before each full layer (3:1 <-> 7:1 ...), the layer count
// unchanged (the pass description in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNSCHEDULERATIOPASS
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {
struct AttnScheduleRatioPass
    : mlir::attn::impl::AttnScheduleRatioPassBase<AttnScheduleRatioPass> {
  using Base::Base;

  LogicalResult respace(ScheduleOp schedule) {
    if (schedule.getLayerFuncs())
      return schedule.emitOpError()
             << "is already expanded (layer_funcs is set): run "
                "attn-schedule-ratio before attn-expand-schedule";
    LayerKindOp full, linear;
    SmallVector<LayerKindOp> all;
    for (LayerKindOp k : schedule.getBody().front().getOps<LayerKindOp>()) {
      all.push_back(k);
      LayerKind kind = k.getConfig().getKind();
      bool softmax = kind == LayerKind::full || kind == LayerKind::sparse;
      if (softmax && !full)
        full = k;
      if (!softmax && !linear)
        linear = k;
    }
    SmallVector<LayerKindOp> layers = schedule.getLayerSequence();
    int64_t n = layers.size(), period = linearPerFull + 1;
    if (!full)
      return schedule.emitOpError()
             << "has no full or sparse attention layer kind to place every "
             << period << "th layer";
    if (!linear && linearPerFull > 0)
      return schedule.emitOpError()
             << "has no linear or delta layer kind for linear-per-full = "
             << int64_t(linearPerFull);
    SmallVector<LayerKindOp> next;
    for (int64_t i = 0; i < n; ++i) {
      bool isFull = (i + 1) % period == 0 || (lastFull && i == n - 1);
      next.push_back(isFull ? full : linear);
    }
    schedule.setLayerSequence(next);
    schedule.eraseUnusedLayerKinds(all);
    return success();
  }

  void runOnOperation() override {
    if (linearPerFull < 0) {
      getOperation().emitError()
          << "attn-schedule-ratio: set linear-per-full (linear / delta "
             "layers per full-attention layer, >= 0), got "
          << int64_t(linearPerFull);
      return signalPassFailure();
    }
    // The period linear-per-full + 1 must not overflow; no schedule has
    // more layers than 2^20 (attn.schedule's bound), so no longer period
    // means anything.
    constexpr int64_t kMaxLinearPerFull = int64_t{1} << 20;
    if (linearPerFull > kMaxLinearPerFull) {
      getOperation().emitError()
          << "attn-schedule-ratio: 'linear-per-full' must be in [0, "
          << kMaxLinearPerFull << "] (a schedule has at most that many "
          << "layers), got " << int64_t(linearPerFull);
      return signalPassFailure();
    }
    for (ScheduleOp s :
         llvm::make_early_inc_range(getOperation().getOps<ScheduleOp>()))
      if (failed(respace(s)))
        return signalPassFailure();
  }
};
} // namespace
