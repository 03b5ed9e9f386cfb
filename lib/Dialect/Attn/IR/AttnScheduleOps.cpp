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

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::detail;

//===----------------------------------------------------------------------===//
// attn.schedule
//===----------------------------------------------------------------------===//

LogicalResult ScheduleOp::verifyRegions() {
  llvm::SmallVector<llvm::StringRef> known(getAttributeNames());
  known.push_back(::mlir::SymbolTable::getVisibilityAttrName());
  if (failed(verifyNoUnknownAttributes(*this, known)))
    return failure();

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
      Operation *target =
          ::mlir::SymbolTable::lookupSymbolIn(*this, sym.getAttr());
      if (!target)
        return layers.emitOpError()
               << "refers to " << sym
               << ", which is not an 'attn.layer_kind' of schedule @"
               << getSymName();
      if (!isa<LayerKindOp>(target))
        return layers.emitOpError()
               << "refers to " << sym << ", which is not an 'attn.layer_kind'";
    }
    int64_t count = static_cast<int64_t>(layers.getPattern().size()) *
                    static_cast<int64_t>(layers.getRepeat());
    if (total > (int64_t{1} << 40) - count)
      return layers.emitOpError() << "makes the schedule implausibly long";
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
  for (auto entry : getBody().front().getOps<LayersOp>()) {
    llvm::SmallVector<LayerKindOp> pattern;
    for (Attribute ref : entry.getPattern())
      pattern.push_back(cast<LayerKindOp>(::mlir::SymbolTable::lookupSymbolIn(
          *this, llvm::cast<FlatSymbolRefAttr>(ref).getAttr())));
    for (uint64_t r = 0; r < entry.getRepeat(); ++r)
      layers.append(pattern.begin(), pattern.end());
  }
  return layers;
}

/// The best run of `seq` starting at `at`: period p and repeats r >= 2
/// covering the most layers, shortest period first, at least 4 layers or
/// the whole rest; {0, 1} when there is none.
static std::pair<size_t, size_t> bestRun(llvm::ArrayRef<Operation *> seq,
                                         size_t at) {
  size_t bestP = 0, bestR = 1;
  for (size_t p = 1; at + 2 * p <= seq.size(); ++p) {
    size_t r = 1;
    while (at + (r + 1) * p <= seq.size() &&
           std::equal(seq.begin() + at, seq.begin() + at + p,
                      seq.begin() + at + r * p))
      ++r;
    bool enough = r * p >= 4 || at + r * p == seq.size();
    if (r >= 2 && enough && r * p > bestR * bestP) {
      bestP = p;
      bestR = r;
    }
  }
  return {bestP, bestR};
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
  size_t at = 0;
  while (at < seq.size()) {
    auto [p, r] = bestRun(seq, at);
    if (r < 2) {
      size_t end = at + 1;
      while (end < seq.size() && bestRun(seq, end).second < 2)
        ++end;
      emit(at, end - at, 1);
      at = end;
      continue;
    }
    emit(at, p, r);
    at += p * r;
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
  return verifyNoUnknownAttributes(*this, known);
}
