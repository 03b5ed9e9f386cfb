//===- PrintSchedule.cpp - attn-print-schedule ----------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Prints a readable summary of each hybrid schedule: the layer kinds with
// their counts and configurations, a one-letter-per-layer map and the 1-based
// positions of the softmax (full/sparse) layers, so a schedule can be checked
// against a model card at a glance (and by FileCheck).
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNPRINTSCHEDULEPASS
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

static char layerLetter(LayerKind kind) {
  switch (kind) {
  case LayerKind::full:
    return 'F';
  case LayerKind::sparse:
    return 'S';
  case LayerKind::linear:
    return 'L';
  case LayerKind::delta:
    return 'D';
  }
  llvm_unreachable("unknown layer kind");
}

/// The configuration with every default resolved, one `key=value` per field
/// that applies to the kind.
static void printConfig(llvm::raw_ostream &os, LayerAttr c) {
  LayerKind kind = c.getKind();
  bool softmax = kind == LayerKind::full || kind == LayerKind::sparse;
  os << stringifyLayerKind(kind) << " heads=" << c.getHeads();
  if (softmax)
    os << " kv_heads=" << c.getNumKVHeads();
  if (kind == LayerKind::delta)
    os << " value_heads=" << c.getNumValueHeads();
  os << " head_dim=" << c.getHeadDim() << " value_dim=" << c.getValueHeadDim();
  if (!softmax)
    os << " gate=" << stringifyGateKind(c.getGate());
  auto opt = [&](llvm::StringRef name, int64_t v) {
    if (v)
      os << " " << name << "=" << v;
  };
  opt("window", c.getWindow());
  opt("topk", c.getTopk());
  opt("block_size", c.getBlockSize());
  opt("index_heads", c.getIndexHeads());
  opt("index_dim", c.getIndexDim());
  opt("conv", c.getConv());
  opt("kv_lora_rank", c.getKvLoraRank());
}

static void printSchedule(llvm::raw_ostream &os, ScheduleOp schedule) {
  llvm::SmallVector<LayerKindOp> layers = schedule.getLayerSequence();
  llvm::MapVector<Operation *, int64_t> counts;
  for (LayerKindOp kind : schedule.getBody().front().getOps<LayerKindOp>())
    counts[kind] = 0;
  int64_t recurrent = 0, softmax = 0;
  for (LayerKindOp layer : layers) {
    ++counts[layer];
    LayerKind k = layer.getConfig().getKind();
    (k == LayerKind::full || k == LayerKind::sparse) ? ++softmax : ++recurrent;
  }

  os << "schedule @" << schedule.getSymName() << ": " << layers.size()
     << " layers, " << counts.size() << " kinds (linear:full = " << recurrent
     << ":" << softmax << ")\n";
  size_t width = 0;
  for (auto &entry : counts)
    width = std::max(width, cast<LayerKindOp>(entry.first).getSymName().size());
  for (auto &entry : counts) {
    auto kind = cast<LayerKindOp>(entry.first);
    std::string count = "x" + std::to_string(entry.second);
    os << "  @" << llvm::left_justify(kind.getSymName(), width) << "  "
       << llvm::left_justify(count, 5);
    printConfig(os, kind.getConfig());
    os << "\n";
  }

  os << "  map:";
  for (size_t i = 0; i < layers.size(); ++i) {
    if (i % 4 == 0)
      os << " ";
    os << layerLetter(layers[i].getConfig().getKind());
  }
  os << "\n  softmax layers (1-based):";
  llvm::ListSeparator sep(",");
  bool any = false;
  for (size_t i = 0; i < layers.size(); ++i) {
    LayerKind k = layers[i].getConfig().getKind();
    if (k == LayerKind::full || k == LayerKind::sparse) {
      os << sep << " " << (i + 1);
      any = true;
    }
  }
  if (!any)
    os << " none";
  os << "\n";
}

namespace {
struct AttnPrintSchedulePass
    : mlir::attn::impl::AttnPrintSchedulePassBase<AttnPrintSchedulePass> {
  void runOnOperation() override {
    getOperation().walk(
        [](ScheduleOp schedule) { printSchedule(llvm::outs(), schedule); });
    llvm::outs().flush();
    markAllAnalysesPreserved();
  }
};
} // namespace
