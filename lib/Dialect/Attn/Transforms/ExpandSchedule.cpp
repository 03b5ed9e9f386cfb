//===- ExpandSchedule.cpp - attn-expand-schedule --------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Turns each hybrid schedule into code to compile: one func.func per distinct
// layer configuration, computing one layer's attention with batch and
// sequence length dynamic and heads / head dims from the `#attn.layer`
// config, placed right after the schedule. Layers with identical configs
// share a function. The mapping layer -> function is recorded as the
// schedule's `layer_funcs`; a schedule that already has one is left alone.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringMap.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNEXPANDSCHEDULEPASS
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

/// Schedules longer than this are rejected instead of expanded: a real model
/// has at most a few hundred layers, and `layer_funcs` holds one entry each.
static constexpr int64_t kMaxLayers = int64_t{1} << 16;

/// The element type a `dtype` option names, or null.
static Type parseDtype(MLIRContext *ctx, llvm::StringRef name) {
  if (name == "bf16")
    return BFloat16Type::get(ctx);
  if (name == "f16")
    return Float16Type::get(ctx);
  if (name == "f32")
    return Float32Type::get(ctx);
  return {};
}

namespace {
/// The functions generated for one distinct layer configuration.
struct KernelPlan {
  /// The first used layer kind (in declaration order) with this config.
  LayerKindOp kind;
  /// `@S_<kind>`: one layer's attention.
  std::string name;
  /// `@S_<kind>_indexer` for a DSA sparse config, else empty.
  std::string indexerName;
};

/// Builds the body of one generated function: given the entry block
/// arguments, creates the attn op(s) and returns the values to return.
using BodyBuilder =
    llvm::function_ref<SmallVector<Value>(OpBuilder &, ValueRange)>;
} // namespace

/// Creates `func.func @name(args) -> results` at `builder`'s insertion point
/// with the body `body` and a func.return of its values.
static func::FuncOp createFunc(OpBuilder &builder, Location loc,
                               llvm::StringRef name, TypeRange args,
                               TypeRange results, BodyBuilder body) {
  auto func = func::FuncOp::create(builder, loc, name,
                                   builder.getFunctionType(args, results));
  Block *entry = func.addEntryBlock();
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToStart(entry);
  SmallVector<Value> returned = body(builder, entry->getArguments());
  func::ReturnOp::create(builder, loc, returned);
  return func;
}

/// Creates the function computing one layer of config `c` with q/k/v/o of
/// element type `x`.
static func::FuncOp createLayerFunc(OpBuilder &builder, Location loc,
                                    llvm::StringRef name, LayerAttr c, Type x,
                                    int64_t tq) {
  const int64_t dyn = ShapedType::kDynamic;
  Type f32 = builder.getF32Type();
  Type i32 = builder.getI32Type();
  auto tensor = [](llvm::ArrayRef<int64_t> shape, Type elementType) -> Type {
    return RankedTensorType::get(shape, elementType);
  };
  int64_t h = c.getHeads(), d = c.getHeadDim(), dv = c.getValueHeadDim();

  switch (c.getKind()) {
  case LayerKind::delta: {
    int64_t hv = c.getNumValueHeads();
    SmallVector<Type> args = {
        tensor({dyn, tq, h, d}, x), tensor({dyn, tq, h, d}, x),
        tensor({dyn, tq, hv, dv}, x), tensor({dyn, tq, hv}, f32)};
    bool hasGate = c.getGate() != GateKind::none;
    if (c.getGate() == GateKind::vector)
      args.push_back(tensor({dyn, tq, hv, d}, f32));
    else if (hasGate)
      args.push_back(tensor({dyn, tq, hv}, f32));
    Type state = tensor({dyn, hv, d, dv}, f32);
    args.push_back(state);
    Type o = tensor({dyn, tq, hv, dv}, x);
    return createFunc(builder, loc, name, args, {o, state},
                      [&](OpBuilder &b, ValueRange a) -> SmallVector<Value> {
                        Value gate = hasGate ? a[4] : Value();
                        auto op = DeltaOp::create(
                            b, loc, o, state, a[0], a[1], a[2], a[3], gate,
                            a.back(), FloatAttr(), b.getUnitAttr(), FormAttr(),
                            ChunkAttr(), PrecisionAttr());
                        return {op.getO(), op.getFinalState()};
                      });
  }
  case LayerKind::linear: {
    SmallVector<Type> args = {tensor({dyn, tq, h, d}, x),
                              tensor({dyn, tq, h, d}, x),
                              tensor({dyn, tq, h, dv}, x)};
    // The config has no decay values: a constant decay is a scalar gate
    // operand holding the same log-decay at every step.
    bool hasGate = c.getGate() != GateKind::none;
    if (c.getGate() == GateKind::vector)
      args.push_back(tensor({dyn, tq, h, d}, f32));
    else if (hasGate)
      args.push_back(tensor({dyn, tq, h}, f32));
    Type state = tensor({dyn, h, d, dv}, f32);
    args.push_back(state);
    Type o = tensor({dyn, tq, h, dv}, x);
    return createFunc(builder, loc, name, args, {o, state},
                      [&](OpBuilder &b, ValueRange a) -> SmallVector<Value> {
                        Value gate = hasGate ? a[3] : Value();
                        auto op = LinearOp::create(
                            b, loc, o, state, a[0], a[1], a[2], gate, a.back(),
                            DenseF64ArrayAttr(), FloatAttr(), FormAttr(),
                            ChunkAttr(), PrecisionAttr());
                        return {op.getO(), op.getFinalState()};
                      });
  }
  case LayerKind::full:
  case LayerKind::sparse: {
    int64_t hkv = c.getNumKVHeads();
    SmallVector<Type> args = {tensor({dyn, tq, h, d}, x),
                              tensor({dyn, dyn, hkv, d}, x),
                              tensor({dyn, dyn, hkv, dv}, x)};
    bool sparse = c.getKind() == LayerKind::sparse;
    if (sparse)
      args.push_back(tensor({dyn, tq, hkv, c.getTopk()}, i32));
    Type o = tensor({dyn, tq, h, dv}, x);
    return createFunc(
        builder, loc, name, args, {o},
        [&](OpBuilder &b, ValueRange a) -> SmallVector<Value> {
          if (sparse) {
            IntegerAttr blockSize = c.getBlockSize()
                                        ? b.getI64IntegerAttr(c.getBlockSize())
                                        : IntegerAttr();
            auto op = SparseOp::create(b, loc, o, a[0], a[1], a[2], a[3],
                                       b.getUnitAttr(), FloatAttr(), blockSize,
                                       TileAttr(), PrecisionAttr());
            return {op.getO()};
          }
          IntegerAttr window = c.getWindow()
                                   ? b.getI64IntegerAttr(c.getWindow())
                                   : IntegerAttr();
          auto op = FullOp::create(b, loc, o, /*lse=*/Type(), a[0], a[1], a[2],
                                   b.getUnitAttr(), FloatAttr(), window,
                                   FloatAttr(), TileAttr(), PrecisionAttr());
          return {op.getO()};
        });
  }
  }
  llvm_unreachable("unknown layer kind");
}

/// Creates the DSA indexer function of sparse config `c`: indexer scores and
/// the causal top-`topk` selection.
static func::FuncOp createIndexerFunc(OpBuilder &builder, Location loc,
                                      llvm::StringRef name, LayerAttr c, Type x,
                                      int64_t tq) {
  const int64_t dyn = ShapedType::kDynamic;
  Type f32 = builder.getF32Type();
  int64_t hi = c.getIndexHeads(), di = c.getIndexDim();
  SmallVector<Type> args = {RankedTensorType::get({dyn, tq, hi, di}, x),
                            RankedTensorType::get({dyn, dyn, di}, x),
                            RankedTensorType::get({dyn, tq, hi}, f32)};
  Type scores = RankedTensorType::get({dyn, tq, dyn}, f32);
  Type indices =
      RankedTensorType::get({dyn, tq, c.getTopk()}, builder.getI32Type());
  return createFunc(builder, loc, name, args, {indices},
                    [&](OpBuilder &b, ValueRange a) -> SmallVector<Value> {
                      auto s =
                          IndexerOp::create(b, loc, scores, a[0], a[1], a[2],
                                            b.getUnitAttr(), PrecisionAttr());
                      auto top = TopKOp::create(
                          b, loc, indices, s.getScores(),
                          b.getI64IntegerAttr(c.getTopk()), b.getUnitAttr());
                      return {top.getIndices()};
                    });
}

/// True for a sparse config with a DSA lightning indexer.
static bool hasIndexer(LayerAttr c) {
  return c.getKind() == LayerKind::sparse && c.getIndexHeads() != 0;
}

namespace {
struct AttnExpandSchedulePass
    : mlir::attn::impl::AttnExpandSchedulePassBase<AttnExpandSchedulePass> {
  using Base::Base;

  void runOnOperation() override {
    Type elementType = parseDtype(&getContext(), dtype);
    if (!elementType) {
      emitError(getOperation()->getLoc())
          << "attn-expand-schedule: unknown dtype '" << dtype
          << "'; expected one of bf16, f16, f32";
      return signalPassFailure();
    }
    SmallVector<ScheduleOp> schedules;
    getOperation()->walk([&](ScheduleOp s) {
      if (!s.getLayerFuncsAttr())
        schedules.push_back(s);
    });
    for (ScheduleOp schedule : schedules)
      if (failed(expand(schedule, elementType)))
        signalPassFailure();
  }

  /// Expands one schedule; on failure reports an error at it and leaves it
  /// (and its symbol table) unchanged.
  LogicalResult expand(ScheduleOp schedule, Type elementType);
};
} // namespace

LogicalResult AttnExpandSchedulePass::expand(ScheduleOp schedule,
                                             Type elementType) {
  llvm::StringRef scheduleName = schedule.getSymName();
  Operation *table = schedule->getParentOp();
  if (!table || !table->hasTrait<OpTrait::SymbolTable>())
    return schedule.emitOpError()
           << "must sit directly in a symbol table (a module) for "
              "attn-expand-schedule to add its layer functions next to it";

  // Count before materialising the layer list: the verifier admits schedules
  // far longer than any model.
  int64_t total = 0;
  for (LayersOp layers : schedule.getBody().front().getOps<LayersOp>()) {
    total += static_cast<int64_t>(layers.getPattern().size()) *
             static_cast<int64_t>(layers.getRepeat());
    if (total > kMaxLayers)
      return schedule.emitOpError()
             << "has more than " << kMaxLayers
             << " layers; attn-expand-schedule does not expand it";
  }
  SmallVector<LayerKindOp> layers = schedule.getLayerSequence();

  // One plan per distinct config in use, named after the first used kind
  // (declaration order) that has it.
  llvm::SmallPtrSet<Operation *, 8> used;
  for (LayerKindOp kind : layers)
    used.insert(kind);
  llvm::MapVector<LayerAttr, KernelPlan> plans;
  for (LayerKindOp kind : schedule.getBody().front().getOps<LayerKindOp>()) {
    if (!used.contains(kind) || plans.count(kind.getConfig()))
      continue;
    KernelPlan plan;
    plan.kind = kind;
    plan.name =
        (scheduleName + "_" + kind.getSymName() + (decode ? "_step" : ""))
            .str();
    if (hasIndexer(kind.getConfig()))
      plan.indexerName = plan.name + "_indexer";
    plans.insert({kind.getConfig(), std::move(plan)});
  }

  // Every name must be new, in the enclosing table and among themselves.
  std::string stepName = decode ? (scheduleName + "_step").str() : "";
  if (!stepName.empty())
    if (Operation *existing = SymbolTable::lookupSymbolIn(
            table, StringAttr::get(&getContext(), stepName))) {
      InFlightDiagnostic diag = schedule.emitOpError()
                                << "cannot create the decode step @" << stepName
                                << " (attn-expand-schedule): the symbol "
                                   "already exists";
      diag.attachNote(existing->getLoc()) << "existing symbol @" << stepName;
      return diag;
    }
  llvm::StringMap<LayerKindOp> planned;
  for (auto &entry : plans) {
    KernelPlan &plan = entry.second;
    for (const std::string &name : {plan.name, plan.indexerName}) {
      if (name.empty())
        continue;
      if (Operation *existing = SymbolTable::lookupSymbolIn(
              table, StringAttr::get(&getContext(), name))) {
        InFlightDiagnostic diag =
            schedule.emitOpError()
            << "cannot create @" << name << " for layer kind @"
            << plan.kind.getSymName()
            << " (attn-expand-schedule): the symbol already exists";
        diag.attachNote(existing->getLoc()) << "existing symbol @" << name;
        return diag;
      }
      auto [it, inserted] = planned.try_emplace(name, plan.kind);
      if (!inserted)
        return schedule.emitOpError()
               << "cannot create @" << name << " for layer kind @"
               << plan.kind.getSymName()
               << " (attn-expand-schedule): it is also the name generated "
                  "for layer kind @"
               << LayerKindOp(it->second).getSymName();
    }
  }

  // Create the functions right after the schedule, in plan order.
  OpBuilder builder(schedule);
  builder.setInsertionPointAfter(schedule);
  SmallVector<func::FuncOp> created;
  llvm::DenseMap<LayerAttr, FlatSymbolRefAttr> funcOf;
  for (auto &entry : plans) {
    LayerAttr config = entry.first;
    KernelPlan &plan = entry.second;
    Location loc = plan.kind.getLoc();
    const int64_t tq = decode ? 1 : ShapedType::kDynamic;
    created.push_back(
        createLayerFunc(builder, loc, plan.name, config, elementType, tq));
    funcOf[config] = FlatSymbolRefAttr::get(created.back().getSymNameAttr());
    if (!plan.indexerName.empty())
      created.push_back(createIndexerFunc(builder, loc, plan.indexerName,
                                          config, elementType, tq));
  }
  // Decode: the step of the whole schedule, one new token through every
  // layer in order: each layer's arguments (its q, k, v of the token, its
  // caches: the KV cache of a softmax layer including the token, the state
  // of a linear / delta layer) and results, concatenated.
  if (decode) {
    llvm::DenseMap<Attribute, func::FuncOp> byName;
    for (func::FuncOp f : created)
      byName[f.getSymNameAttr()] = f;
    SmallVector<Type> args, results;
    SmallVector<func::FuncOp> callees;
    for (LayerKindOp kind : layers) {
      func::FuncOp f = byName.lookup(funcOf.lookup(kind.getConfig()).getAttr());
      callees.push_back(f);
      llvm::append_range(args, f.getFunctionType().getInputs());
      llvm::append_range(results, f.getFunctionType().getResults());
    }
    created.push_back(
        createFunc(builder, schedule.getLoc(), stepName, args, results,
                   [&](OpBuilder &b, ValueRange a) -> SmallVector<Value> {
                     SmallVector<Value> out;
                     size_t at = 0;
                     for (func::FuncOp f : callees) {
                       size_t n = f.getFunctionType().getNumInputs();
                       auto call = func::CallOp::create(b, schedule.getLoc(), f,
                                                        a.slice(at, n));
                       llvm::append_range(out, call.getResults());
                       at += n;
                     }
                     return out;
                   }));
  }
  // The configs were verified, so the functions should be too; check rather
  // than hand invalid IR on.
  for (func::FuncOp func : created) {
    if (succeeded(verify(func)))
      continue;
    InFlightDiagnostic diag = schedule.emitOpError()
                              << "attn-expand-schedule generated an invalid @"
                              << func.getSymName() << " (a bug in the pass)";
    for (func::FuncOp f : created)
      f.erase();
    return diag;
  }

  SmallVector<Attribute> refs;
  refs.reserve(layers.size());
  for (LayerKindOp kind : layers)
    refs.push_back(funcOf.lookup(kind.getConfig()));
  schedule.setLayerFuncsAttr(builder.getArrayAttr(refs));

  size_t n = layers.size(), k = plans.size();
  // At the schedule's location, without the op dump an op diagnostic adds.
  emitRemark(schedule.getLoc())
      << "schedule @" << scheduleName << ": " << n
      << (n == 1 ? " layer" : " layers") << " -> " << k
      << (k == 1 ? " distinct kernel" : " distinct kernels");
  return success();
}
