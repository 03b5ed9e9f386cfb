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

#include "attn/Dialect/ATile/IR/ATileOps.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "llvm/ADT/SetVector.h"
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

/// One line for a tile program (a gpu.func holding atile ops): the chip,
/// the warps, and the schedule decisions of the atile passes, read from its
/// layouts, copy engines, staged buffers and waits.
static void printTileProgram(llvm::raw_ostream &os, gpu::GPUFuncOp fn) {
  llvm::SetVector<StringRef> instrs, engines;
  SmallVector<std::string> buffers;
  std::optional<int64_t> pending;
  int64_t async = 0;
  atile::WarpSpecializeOp roles;
  int64_t rings = 0, turns = 0;
  fn.walk([&](Operation *op) {
    if (isa<atile::TurnAcquireOp>(op))
      ++turns;
    if (auto ws = dyn_cast<atile::WarpSpecializeOp>(op))
      roles = ws;
    if (auto acquire = dyn_cast<atile::AcquireOp>(op))
      ++rings;
    for (Type t : op->getResultTypes())
      if (auto frag = dyn_cast<atile::FragType>(t); frag && frag.getLayout())
        instrs.insert(atile::stringifyInstr(frag.getLayout().getInstr()));
    if (auto copy = dyn_cast<atile::CopyOp>(op))
      engines.insert(copy.getEngine()
                         ? atile::stringifyCopyEngine(*copy.getEngine())
                         : StringRef("unassigned"));
    if (auto alloc = dyn_cast<atile::AllocOp>(op)) {
      atile::SmemType t = alloc.getResult().getType();
      std::string s;
      llvm::raw_string_ostream b(s);
      b << t.getShape()[0] << "x" << t.getRows() << "x" << t.getCols()
        << t.getElementType();
      buffers.push_back(s);
    }
    if (auto wait = dyn_cast<atile::WaitOp>(op); wait && wait.getPending())
      pending = std::max<int64_t>(pending.value_or(0), *wait.getPending());
    if (auto mma = dyn_cast<atile::MmaOp>(op); mma && mma.getAsync())
      ++async;
  });
  os << "@" << fn.getName() << ": tile program";
  if (auto target = fn->getParentOfType<gpu::GPUModuleOp>()
                        ->getAttrOfType<atile::TargetAttr>(
                            atile::kTargetAttrName))
    os << " " << target.getChip();
  if (std::optional<ArrayRef<int32_t>> block = fn.getKnownBlockSize())
    os << " warps=" << (*block)[0] / 32;
  os << " -> mma=";
  if (instrs.empty())
    os << "(unassigned)";
  llvm::interleave(instrs, os, ",");
  os << " copies=";
  llvm::interleave(engines, os, ",");
  os << " buffers=";
  llvm::interleave(buffers, os, ",");
  if (pending)
    os << " pipelined (copies in flight <= " << *pending << ")";
  if (async)
    os << " async_products=" << async;
  if (roles)
    os << " warp_specialized (producer " << roles.getProducerWarps() << " warps"
       << (roles.getProducerRegs()
               ? " at " + std::to_string(*roles.getProducerRegs()) +
                     " registers"
               : std::string())
       << ", " << rings << " ring fills; " << roles.getConsumers()
       << " consumer warpgroups"
       << (roles.getConsumerRegs()
               ? " at " + std::to_string(*roles.getConsumerRegs()) +
                     " registers"
               : std::string(", registers not moved"))
       << (turns
               ? ", taking turns: " + std::to_string(turns) + " product issues"
               : std::string())
       << ")";
  os << "\n";
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
    getOperation().walk([&](gpu::GPUFuncOp fn) {
      bool tiled = false;
      fn.walk([&](Operation *op) {
        tiled |= isa_and_nonnull<atile::ATileDialect>(op->getDialect());
      });
      if (tiled)
        printTileProgram(os, fn);
    });
    os.flush();
    markAllAnalysesPreserved();
  }
};
} // namespace
