//===- AttnScheduleOps.cpp - hybrid schedule ops --------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// attn.schedule, attn.layer_kind and attn.layers: a named list of attention
// layers built from declared layer kinds and repeated patterns, and the
// accessor that flattens it into the per-layer sequence later passes expand.
//
//===----------------------------------------------------------------------===//

#include "VerifyUtils.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::detail;

/// The most layers a schedule may list (as an attn.layers repeat and the HF
/// importer's num_hidden_layers): the per-layer list passes build stays a
/// few MiB.
static constexpr int64_t kMaxScheduleLayers = int64_t{1} << 20;

//===----------------------------------------------------------------------===//
// attn.schedule
//===----------------------------------------------------------------------===//

LogicalResult ScheduleOp::verifyRegions() {
  llvm::SmallVector<llvm::StringRef> known(getAttributeNames());
  known.push_back(::mlir::SymbolTable::getVisibilityAttrName());
  if (failed(verifyNoUnknownAttributes(*this, known)))
    return failure();

  // One symbol map for the whole body: a lookup per pattern entry would
  // scan the body each time (quadratic in a long imported layer list).
  ::mlir::SymbolTable table(*this);
  int64_t total = 0;
  bool anyKind = false;
  for (Operation &child : getBody().front()) {
    if (isa<LayerKindOp>(child)) {
      anyKind = true;
      continue;
    }
    auto layers = dyn_cast<LayersOp>(child);
    if (!layers)
      return child.emitOpError()
             << "is not allowed in 'attn.schedule'; its body holds only "
                "'attn.layer_kind' and 'attn.layers'";
    for (Attribute ref : layers.getPattern()) {
      auto sym = llvm::cast<FlatSymbolRefAttr>(ref);
      Operation *target = table.lookup(sym.getAttr());
      if (!target)
        return layers.emitOpError()
               << "refers to " << sym
               << ", which is not an 'attn.layer_kind' of schedule @"
               << getSymName();
      if (!isa<LayerKindOp>(target))
        return layers.emitOpError()
               << "refers to " << sym << ", which is not an 'attn.layer_kind'";
    }
    // Passes work on the per-layer list (getLayerSequence), so its length
    // is bounded: memory and time stay proportional to a real model's.
    int64_t count = static_cast<int64_t>(layers.getPattern().size()) *
                    static_cast<int64_t>(layers.getRepeat());
    if (count > kMaxScheduleLayers || total > kMaxScheduleLayers - count)
      return layers.emitOpError()
             << "makes the schedule longer than " << kMaxScheduleLayers
             << " layers (" << total << " before it, " << count
             << " in it); no model has this many";
    total += count;
  }
  if (!anyKind)
    return emitOpError() << "declares no 'attn.layer_kind'";
  if (total == 0)
    return emitOpError() << "lists no layers; add 'attn.layers [...]'";
  if (ArrayAttr funcs = getLayerFuncsAttr())
    if (static_cast<int64_t>(funcs.size()) != total)
      return emitOpError() << "has " << funcs.size()
                           << " 'layer_funcs' entries for " << total
                           << " layers";
  if (std::optional<uint64_t> n = getNumLayers())
    if (static_cast<int64_t>(*n) != total)
      return emitOpError() << "says num_layers = " << static_cast<int64_t>(*n)
                           << " but its 'attn.layers' "
                           << "ops add up to " << total << " layers";
  return success();
}

LogicalResult
ScheduleOp::verifySymbolUses(::mlir::SymbolTableCollection &symbolTable) {
  ArrayAttr funcs = getLayerFuncsAttr();
  if (!funcs)
    return success();
  Operation *parentTable =
      ::mlir::SymbolTable::getNearestSymbolTable((*this)->getParentOp());
  for (Attribute ref : funcs) {
    auto sym = llvm::cast<FlatSymbolRefAttr>(ref);
    Operation *target =
        parentTable ? symbolTable.lookupSymbolIn(parentTable, sym) : nullptr;
    if (!target || target->getName().getStringRef() != "func.func")
      return emitOpError() << "'layer_funcs' entry " << sym
                           << " does not name a func.func next to the schedule";
  }
  return success();
}

llvm::SmallVector<LayerKindOp> ScheduleOp::getLayerSequence() {
  llvm::SmallVector<LayerKindOp> layers;
  ::mlir::SymbolTable table(*this);
  for (auto entry : getBody().front().getOps<LayersOp>()) {
    llvm::SmallVector<LayerKindOp> pattern;
    for (Attribute ref : entry.getPattern())
      pattern.push_back(cast<LayerKindOp>(
          table.lookup(llvm::cast<FlatSymbolRefAttr>(ref).getAttr())));
    for (uint64_t r = 0; r < entry.getRepeat(); ++r)
      layers.append(pattern.begin(), pattern.end());
  }
  return layers;
}

/// The longest period setLayerSequence looks for: no model repeats a block
/// of more layers, and the search costs O(layers x periods).
static constexpr size_t kMaxRunPeriod = 256;

/// The best run of `seq` at every position: the period p and repeats
/// r >= 2 covering the most layers (shortest period first), of at least 4
/// layers or the whole rest; cover 0 where there is none. For each period
/// p the length L of the match between seq[i..] and seq[i+p..] is counted
/// down from the end (L(i) = L(i+1) + 1 or 0), and r = 1 + L / p: linear in
/// the layer count per period.
static void bestRuns(llvm::ArrayRef<Operation *> seq,
                     llvm::MutableArrayRef<size_t> bestP,
                     llvm::MutableArrayRef<size_t> bestCover) {
  size_t n = seq.size();
  for (size_t p = 1; p <= kMaxRunPeriod && 2 * p <= n; ++p) {
    size_t match = 0;
    for (size_t i = n - p; i-- > 0;) {
      match = seq[i] == seq[i + p] ? match + 1 : 0;
      if (i + 2 * p > n || match < p)
        continue;
      size_t cover = (1 + match / p) * p;
      bool enough = cover >= 4 || i + cover == n;
      if (enough && cover > bestCover[i]) {
        bestP[i] = p;
        bestCover[i] = cover;
      }
    }
  }
}

void ScheduleOp::setLayerSequence(llvm::ArrayRef<LayerKindOp> layers) {
  Block &body = getBody().front();
  for (LayersOp op : llvm::make_early_inc_range(body.getOps<LayersOp>()))
    op.erase();
  llvm::SmallVector<Operation *> seq;
  for (LayerKindOp l : layers)
    seq.push_back(l.getOperation());
  OpBuilder b = OpBuilder::atBlockEnd(&body);
  auto emit = [&](size_t from, size_t len, size_t times) {
    llvm::SmallVector<Attribute> pattern;
    for (size_t i = 0; i < len; ++i)
      pattern.push_back(FlatSymbolRefAttr::get(
          cast<LayerKindOp>(seq[from + i]).getSymNameAttr()));
    LayersOp::create(b, getLoc(), b.getArrayAttr(pattern),
                     b.getI64IntegerAttr(static_cast<int64_t>(times)));
  };
  llvm::SmallVector<size_t> bestP(seq.size(), 0), bestCover(seq.size(), 0);
  bestRuns(seq, bestP, bestCover);
  size_t at = 0;
  while (at < seq.size()) {
    if (!bestCover[at]) {
      size_t end = at + 1;
      while (end < seq.size() && !bestCover[end])
        ++end;
      emit(at, end - at, 1);
      at = end;
      continue;
    }
    emit(at, bestP[at], bestCover[at] / bestP[at]);
    at += bestCover[at];
  }
  setNumLayersAttr(b.getI64IntegerAttr(static_cast<int64_t>(layers.size())));
}

void ScheduleOp::eraseUnusedLayerKinds(llvm::ArrayRef<LayerKindOp> candidates) {
  llvm::SmallPtrSet<Operation *, 8> used;
  for (LayerKindOp l : getLayerSequence())
    used.insert(l);
  for (LayerKindOp k : candidates)
    if (!used.contains(k))
      k.erase();
}

//===----------------------------------------------------------------------===//
// attn.layers
//===----------------------------------------------------------------------===//

LogicalResult LayersOp::verify() {
  if (failed(verifyNoUnknownAttributes(*this, getAttributeNames())))
    return failure();
  if (getPattern().empty())
    return emitOpError() << "has an empty pattern";
  int64_t repeat = static_cast<int64_t>(getRepeat());
  if (repeat < 1 || repeat > (int64_t{1} << 20))
    return emitOpError() << "'repeat' must be in [1, 2^20], got " << repeat;
  return success();
}

//===----------------------------------------------------------------------===//
// attn.layer_kind
//===----------------------------------------------------------------------===//

LogicalResult LayerKindOp::verify() {
  llvm::SmallVector<llvm::StringRef> known(getAttributeNames());
  known.push_back(::mlir::SymbolTable::getVisibilityAttrName());
  if (failed(verifyNoUnknownAttributes(*this, known)))
    return failure();
  // The bounds of the ops a sparse layer expands into (attn.topk's k,
  // attn.sparse's block_size) are #attn.layer's own: its verifier.
  return success();
}
