//===- AttnToGPU.cpp - convert-attn-to-gpu --------------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The entry of the GPU lowering. Kernel builders per op family land here
// (one file each, like the CPU lowering); until one exists for an op, the op
// is a located error so the attn-to-nvvm pipeline never drops it silently.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/Passes.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Regex.h"

namespace mlir::attn {
#define GEN_PASS_DEF_CONVERTATTNTOGPUPASS
#include "attn/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {
struct ConvertAttnToGPUPass
    : mlir::attn::impl::ConvertAttnToGPUPassBase<ConvertAttnToGPUPass> {
  using ConvertAttnToGPUPassBase::ConvertAttnToGPUPassBase;
  void runOnOperation() override {
    // Target options arrive as text: reject what the upstream passes would
    // crash on or misread (an empty chip, options smuggled into it).
    static const llvm::Regex chipPattern("^sm_[0-9]+[af]?$");
    if (!chipPattern.match(chip)) {
      mlir::emitError(getOperation().getLoc())
          << "attn-to-nvvm: unknown chip '" << chip
          << "'; expected sm_<NN> with an optional 'a' or 'f' (sm_80, sm_90a)";
      return signalPassFailure();
    }
    if (!llvm::is_contained({"isa", "bin", "fatbin", "llvm"}, format)) {
      mlir::emitError(getOperation().getLoc())
          << "attn-to-nvvm: unknown format '" << format
          << "'; expected isa, bin, fatbin or llvm";
      return signalPassFailure();
    }
    bool failedAny = false;
    SmallVector<ScheduleOp> schedules;
    getOperation().walk([&](Operation *op) {
      if (isa<FullOp, SparseOp, IndexerOp, TopKOp, LinearOp, DeltaOp>(op)) {
        op->emitOpError() << "has no GPU kernel builder yet; the CPU backend "
                             "(attn-to-cpu) runs it";
        failedAny = true;
      } else if (auto s = dyn_cast<ScheduleOp>(op)) {
        schedules.push_back(s);
      }
    });
    if (failedAny)
      return signalPassFailure();
    for (ScheduleOp s : schedules)
      s->erase();
  }
};
} // namespace
