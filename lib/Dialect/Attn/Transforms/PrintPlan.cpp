//===- PrintPlan.cpp - attn-print-plan ------------------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Prints, one line per attn op, what the planning passes (or the user)
// decided for it: form, chunking, tiling and precision, next to the facts a
// kernel is specialised on. This is the "what was decided" report of the
// main job; the decisions themselves live in the IR as attributes.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNPRINTPLANPASS
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

static void printDim(llvm::raw_ostream &os, llvm::StringRef name, Value v,
                     unsigned dim) {
  int64_t size = cast<RankedTensorType>(v.getType()).getDimSize(dim);
  os << " " << name << "=";
  if (ShapedType::isDynamic(size))
    os << "?";
  else
    os << size;
}

static void printElementType(llvm::raw_ostream &os, Value v) {
  os << " " << cast<RankedTensorType>(v.getType()).getElementType();
}

static void printPlan(llvm::raw_ostream &os, Operation *op) {
  bool any = false;
  auto sep = [&]() -> llvm::raw_ostream & {
    os << (any ? " " : " -> ");
    any = true;
    return os;
  };
  if (auto form = op->getAttrOfType<FormAttr>("form"))
    sep() << "form=" << stringifyForm(form.getValue());
  if (auto chunk = op->getAttrOfType<ChunkAttr>("chunk")) {
    sep() << "chunk=" << chunk.getSize();
    if (chunk.getSubChunk())
      os << " sub_chunk=" << chunk.getSubChunk();
  }
  if (auto tile = op->getAttrOfType<TileAttr>("tile"))
    sep() << "tile q=" << tile.getQ() << " kv=" << tile.getKv()
          << " stages=" << tile.getStages() << " split_kv=" << tile.getSplitKv()
          << " warps=" << tile.getWarps();
  if (auto precision = op->getAttrOfType<PrecisionAttr>("precision")) {
    sep() << "precision";
    for (NamedAttribute entry : precision.getOperands())
      os << " " << entry.getName().strref() << "="
         << cast<TypeAttr>(entry.getValue()).getValue();
    os << " scales=" << stringifyScaleGranularity(precision.getGranularity());
  }
  if (!any)
    os << " -> (unplanned)";
}

static void describe(llvm::raw_ostream &os, Operation *op) {
  llvm::TypeSwitch<Operation *>(op)
      .Case([&](FullOp o) {
        os << (o.getCausal() ? " causal" : " non-causal");
        if (std::optional<uint64_t> w = o.getWindow())
          os << " window=" << *w;
        printDim(os, "H", o.getQ(), 2);
        printDim(os, "Hkv", o.getK(), 2);
        printDim(os, "D", o.getQ(), 3);
        printDim(os, "Dv", o.getV(), 3);
        printElementType(os, o.getQ());
      })
      .Case([&](SparseOp o) {
        os << (o.getBlockSize() ? " block" : " token");
        printDim(os, "H", o.getQ(), 2);
        printDim(os, "Hkv", o.getK(), 2);
        printDim(os, "D", o.getQ(), 3);
        printDim(os, "topk", o.getIndices(), 3);
        printElementType(os, o.getQ());
      })
      .Case([&](IndexerOp o) {
        printDim(os, "Hi", o.getQi(), 2);
        printDim(os, "Di", o.getQi(), 3);
        printElementType(os, o.getQi());
      })
      .Case([&](TopKOp o) { os << " k=" << o.getK(); })
      .Case([&](LinearOp o) {
        Value g = o.getGate();
        os << (o.getDecay() ? " constant-decay"
               : !g         ? " plain"
               : cast<RankedTensorType>(g.getType()).getRank() == 4
                   ? " GLA"
                   : " scalar-decay");
        printDim(os, "H", o.getQ(), 2);
        printDim(os, "K", o.getQ(), 3);
        printDim(os, "V", o.getV(), 3);
        printElementType(os, o.getQ());
      })
      .Case([&](DeltaOp o) {
        GateKind kind = o.getGateKind();
        os << (kind == GateKind::vector   ? " KDA"
               : kind == GateKind::scalar ? " GatedDeltaNet"
                                          : " DeltaNet");
        printDim(os, "H", o.getQ(), 2);
        printDim(os, "HV", o.getV(), 2);
        printDim(os, "K", o.getQ(), 3);
        printDim(os, "V", o.getV(), 3);
        printElementType(os, o.getQ());
      });
}

namespace {
struct AttnPrintPlanPass
    : mlir::attn::impl::AttnPrintPlanPassBase<AttnPrintPlanPass> {
  void runOnOperation() override {
    llvm::raw_ostream &os = llvm::outs();
    getOperation().walk([&](Operation *op) {
      if (!isa<FullOp, SparseOp, IndexerOp, TopKOp, LinearOp, DeltaOp>(op))
        return;
      auto fn = op->getParentOfType<func::FuncOp>();
      os << "@" << (fn ? fn.getName() : StringRef("<module>")) << ": "
         << op->getName().getStringRef();
      describe(os, op);
      printPlan(os, op);
      os << "\n";
    });
    os.flush();
    markAllAnalysesPreserved();
  }
};
} // namespace
