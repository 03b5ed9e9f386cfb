//===- AttnToCPU.cpp - convert-attn-to-cpu --------------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The convert-attn-to-cpu pass: dispatches every attn op to its family's
// kernel builder and implements the tensor <-> buffer bridging they share.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"
#include "attn/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/ADT/TypeSwitch.h"
#include <cmath>

namespace mlir::attn {
#define GEN_PASS_DEF_CONVERTATTNTOCPUPASS
#include "attn/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::cpu;

Value cpu::toBuffer(KernelBuilder &kb, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
  return bufferization::ToBufferOp::create(kb.builder(), memrefType, tensor);
}

Value cpu::allocResult(KernelBuilder &kb, RankedTensorType type,
                       ArrayRef<Value> sizes) {
  auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
  SmallVector<Value> dynamic;
  for (auto [i, size] : llvm::enumerate(type.getShape()))
    if (ShapedType::isDynamic(size))
      dynamic.push_back(sizes[i]);
  return kb.alloc(memrefType, dynamic);
}

Value cpu::toTensor(KernelBuilder &kb, Value buffer, RankedTensorType type) {
  return bufferization::ToTensorOp::create(kb.builder(), type, buffer,
                                           /*restrict=*/true,
                                           /*writable=*/true);
}

FailureOr<int64_t> cpu::staticDim(Operation *op, Value value, int64_t dim,
                                  StringRef what) {
  auto type = cast<ShapedType>(value.getType());
  if (type.isDynamicDim(dim))
    return op->emitOpError() << "needs a static " << what
                             << " to be lowered (kernels are specialised on "
                                "head dimensions), got "
                             << type;
  return type.getDimSize(dim);
}

LogicalResult cpu::requireTile(Operation *op, TileAttr tile) {
  if (tile)
    return success();
  return op->emitOpError()
         << "has no 'tile' plan; run attn-tile (or the "
            "attn-to-cpu pipeline) before convert-attn-to-cpu";
}

LogicalResult cpu::requireForm(Operation *op, std::optional<Form> form,
                               ChunkAttr chunk) {
  if (!form)
    return op->emitOpError()
           << "has no 'form' plan; run attn-select-form (or the attn-to-cpu "
              "pipeline) before convert-attn-to-cpu";
  if (*form == Form::chunked && !chunk)
    return op->emitOpError()
           << "has 'form = chunked' but no 'chunk' plan; run attn-chunk (or "
              "the attn-to-cpu pipeline) before convert-attn-to-cpu";
  return success();
}

double cpu::scaleOrDefault(FloatAttr scale, int64_t headDim) {
  return scale ? scale.getValueAsDouble()
               : 1.0 / std::sqrt(static_cast<double>(headDim));
}

namespace {
struct ConvertAttnToCPUPass
    : mlir::attn::impl::ConvertAttnToCPUPassBase<ConvertAttnToCPUPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    SmallVector<ScheduleOp> schedules;
    getOperation().walk([&](Operation *op) {
      if (isa<FullOp, SparseOp, IndexerOp, TopKOp, LinearOp, DeltaOp>(op))
        ops.push_back(op);
      else if (auto s = dyn_cast<ScheduleOp>(op))
        schedules.push_back(s);
    });
    for (Operation *op : ops) {
      // attn.full / attn.sparse / attn.indexer emulate their precision plan
      // (EmulatePrecision.cpp); the chunked and recurrent kernels have no
      // FP8 path (attn-assign-precision never plans one for them).
      if (auto p = op->getAttrOfType<PrecisionAttr>("precision");
          p && p.usesFp8() && !isa<FullOp, SparseOp, IndexerOp>(op)) {
        op->emitOpError() << "plans FP8 contractions (" << p
                          << "); the CPU backend has no FP8 path for "
                          << op->getName() << " (FP8 is emulated for "
                          << "attn.full, attn.sparse and attn.indexer)";
        return signalPassFailure();
      }
      OpBuilder builder(op);
      KernelBuilder kb(builder, op->getLoc());
      FailureOr<SmallVector<Value>> results =
          llvm::TypeSwitch<Operation *, FailureOr<SmallVector<Value>>>(op)
              .Case([&](FullOp o) { return lowerFull(kb, o); })
              .Case([&](SparseOp o) { return lowerSparse(kb, o); })
              .Case([&](IndexerOp o) { return lowerIndexer(kb, o); })
              .Case([&](TopKOp o) { return lowerTopK(kb, o); })
              .Case([&](LinearOp o) { return lowerLinear(kb, o); })
              .Case([&](DeltaOp o) { return lowerDelta(kb, o); });
      if (failed(results))
        return signalPassFailure();
      op->replaceAllUsesWith(*results);
      op->erase();
    }
    // Schedules only declare layers; their code comes from expanded ops.
    for (ScheduleOp s : schedules)
      s->erase();
  }
};
} // namespace
