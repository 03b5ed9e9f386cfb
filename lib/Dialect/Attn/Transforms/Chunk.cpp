//===- Chunk.cpp - attn-chunk ---------------------------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Decides the chunk plan of every attn.linear / attn.delta op computed in the
// chunked form: the chunk length C and, for gates with one decay per key
// channel (GLA, KDA), the sub-chunk length inside which the gate products are
// formed. The plan is recorded as `#attn.chunk` (and `form = chunked` where
// the form was unset); plans and forms that are already set are kept.
// Invalid option values are reported at the op that would get them.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNCHUNKPASS
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

/// True when `gate` holds one decay per key channel (`[B, T, H(V), K]`: GLA
/// for attn.linear, KDA for attn.delta), false for no gate or one decay per
/// head.
static bool hasPerChannelGate(Value gate) {
  if (!gate)
    return false;
  auto type = llvm::dyn_cast<RankedTensorType>(gate.getType());
  return type && type.getRank() == 4;
}

namespace {
struct AttnChunkPass : mlir::attn::impl::AttnChunkPassBase<AttnChunkPass> {
  using Base::Base;

  /// Plans one op; fails (with an error at the op) when the options do not
  /// make a valid #attn.chunk.
  template <typename OpTy>
  LogicalResult plan(OpTy op) {
    std::optional<Form> form = op.getForm();
    if (form && *form == Form::recurrent)
      return success();
    MLIRContext *ctx = op.getContext();
    if (!op.getChunkAttr()) {
      int64_t size = chunkSize;
      int64_t sub = hasPerChannelGate(op.getGate()) ? int64_t(subChunk) : 0;
      auto emitError = [&]() -> InFlightDiagnostic {
        return op.emitOpError()
               << "cannot take the chunk plan of attn-chunk (chunk-size = "
               << size << ", sub-chunk = " << int64_t(subChunk) << "): ";
      };
      ChunkAttr chunk = ChunkAttr::getChecked(emitError, ctx, size, sub);
      if (!chunk)
        return failure();
      op.setChunkAttr(chunk);
    }
    if (!form)
      op.setFormAttr(FormAttr::get(ctx, Form::chunked));
    return success();
  }

  void runOnOperation() override {
    WalkResult result = getOperation()->walk([&](Operation *op) {
      LogicalResult planned = success();
      if (auto linear = dyn_cast<LinearOp>(op))
        planned = plan(linear);
      else if (auto delta = dyn_cast<DeltaOp>(op))
        planned = plan(delta);
      // One error is enough: every further op would repeat it.
      return failed(planned) ? WalkResult::interrupt() : WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
