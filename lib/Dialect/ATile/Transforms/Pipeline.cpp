//===- Pipeline.cpp - atile-pipeline --------------------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Software pipelining of the copies of a tile loop (see Passes.td): copies of
// later iterations are issued ahead, into the stage their iteration will
// read, and the waits count the copies that may stay in flight.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/ATile/IR/ATileOps.h"
#include "attn/Dialect/ATile/Transforms/Passes.h"
#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <numeric>

namespace mlir::atile {
#define GEN_PASS_DEF_ATILEPIPELINEPASS
#include "attn/Dialect/ATile/Transforms/Passes.h.inc"
} // namespace mlir::atile

using namespace mlir;
using namespace mlir::atile;

static std::optional<int64_t> constantIndex(Value v) {
  if (auto c = v.getDefiningOp<arith::ConstantIndexOp>())
    return c.value();
  return std::nullopt;
}

namespace {
/// One copy of the loop and what pipelining it needs.
struct Stream {
  CopyOp copy;
  /// The ops of the loop body the copy's operands depend on, in order.
  SetVector<Operation *> slice;
  /// Where the copy of iteration j + d goes: after this op of the body,
  /// or at the top when null.
  Operation *after = nullptr;
  CopyOp prefetch;
};
} // namespace

/// The stage count of `copy`'s buffer if its stage is `(iv + c) mod stages`
/// (the tile of iteration iv + c).
static std::optional<int64_t> stagesOf(CopyOp copy, scf::ForOp loop) {
  auto stage = copy.getDst().getDefiningOp<StageOp>();
  if (!stage || stage->getBlock() != loop.getBody() ||
      loop->isAncestor(stage.getBuffer().getParentBlock()->getParentOp()))
    return std::nullopt;
  const int64_t stages = stage.getBuffer().getType().getShape()[0];
  if (stages == 1 && constantIndex(stage.getIndex()) == 0)
    return stages; // `iv mod 1`, folded
  // `(iv + c) mod stages` (c >= 0 a constant) or `iv mod stages`.
  auto rem = stage.getIndex().getDefiningOp<arith::RemSIOp>();
  if (!rem || constantIndex(rem.getRhs()) != stages)
    return std::nullopt;
  Value lhs = rem.getLhs();
  if (auto add = lhs.getDefiningOp<arith::AddIOp>()) {
    std::optional<int64_t> c = constantIndex(add.getRhs());
    if (add.getLhs() != loop.getInductionVar() || !c || *c < 0)
      return std::nullopt;
    return stages;
  }
  if (lhs != loop.getInductionVar())
    return std::nullopt;
  return stages;
}

/// Replays the rewritten loop's issue order (the prologue copies before
/// the loop, then d + 2 iterations of the body) and checks that at every
/// wait the copies it awaits (`awaits`: their streams, this iteration's
/// copies) were issued and are not among the last `pending` copies issued
/// (one commit group per copy, cp.async.wait_group's semantics).
static LogicalResult
checkSchedule(ArrayRef<std::pair<size_t, int64_t>> prologue, Block *body,
              const DenseMap<Operation *, size_t> &prefetchOf,
              const DenseMap<Operation *, SmallVector<size_t>> &awaits,
              int64_t d) {
  SmallVector<std::pair<size_t, int64_t>> issued(prologue); // (stream, iter)
  for (int64_t j = 0; j < d + 2; ++j)
    for (Operation &op : *body) {
      if (auto it = prefetchOf.find(&op); it != prefetchOf.end()) {
        issued.push_back({it->second, j + d});
        continue;
      }
      auto w = dyn_cast<WaitOp>(op);
      auto it = awaits.find(&op);
      if (!w || it == awaits.end())
        continue;
      const int64_t done =
          static_cast<int64_t>(issued.size()) - w.getPending().value_or(0);
      for (size_t s : it->second) {
        auto at = llvm::find(issued, std::make_pair(s, j));
        if (at == issued.end() || at - issued.begin() >= done)
          return failure();
      }
    }
  return success();
}

/// Pipelines `loop`: true; false: left as it is (a loop of another shape);
/// failure: an error was emitted.
static FailureOr<bool> pipelineLoop(scf::ForOp loop) {
  Block *body = loop.getBody();
  if (constantIndex(loop.getLowerBound()) != 0 ||
      constantIndex(loop.getStep()) != 1)
    return false;
  SmallVector<Stream> streams;
  std::optional<int64_t> stages;
  for (Operation &op : *body) {
    auto copy = dyn_cast<CopyOp>(op);
    if (!copy)
      continue;
    std::optional<int64_t> s = stagesOf(copy, loop);
    if (!s || (stages && *s != *stages))
      return false;
    stages = s;
    for (Operation *user : copy.getToken().getUsers())
      if (!isa<WaitOp>(user) || user->getBlock() != body)
        return false;
    Stream st{copy, {}, nullptr, nullptr};
    BackwardSliceOptions opts;
    opts.filter = [&](Operation *o) { return o->getBlock() == body; };
    opts.omitBlockArguments = true;
    if (failed(getBackwardSlice(copy.getOperation(), &st.slice, opts)))
      return false;
    for (Operation *o : st.slice)
      if (!isMemoryEffectFree(o) || o->getNumRegions())
        return false;
    streams.push_back(std::move(st));
  }
  if (streams.empty())
    return false;
  DenseMap<Value, size_t> streamOf; // a copy's token -> its stream
  for (size_t i = 0; i < streams.size(); ++i)
    streamOf[streams[i].copy.getToken()] = i;
  // Waits of the body await the loop's copies only (a copy issued before
  // the loop, e.g. the queries', is awaited before it).
  for (Operation &op : *body)
    if (auto w = dyn_cast<WaitOp>(op))
      for (Value t : w.getTokens())
        if (!streamOf.count(t))
          return false;
  const int64_t d = std::max<int64_t>(1, *stages - 1);

  // With one stage, the copy of j + 1 waits for the last reader of j's
  // tile (a top-level op of the body).
  if (d == *stages) {
    for (Stream &st : streams) {
      Value tile = st.copy.getDst();
      auto consider = [&](Operation *reader) {
        Operation *top = body->findAncestorOpInBlock(*reader);
        if (top && (!st.after || st.after->isBeforeInBlock(top)))
          st.after = top;
      };
      for (Operation *user : tile.getUsers()) {
        if (user == st.copy)
          continue;
        consider(user);
        // An asynchronous product reads its tiles until its wait.
        if (auto mma = dyn_cast<MmaOp>(user); mma && mma.getAsync())
          for (Operation *wait : mma.getResult().getUsers())
            consider(wait);
      }
    }
  }

  auto cloneAt = [&](OpBuilder &b, Stream &st, Value iteration) {
    IRMapping m;
    m.map(loop.getInductionVar(), iteration);
    for (Operation *o : st.slice)
      b.clone(*o, m);
    return cast<CopyOp>(b.clone(*st.copy, m));
  };
  Location loc = loop.getLoc();
  // In the body: the copy of iteration j + d. Copies placed at the same
  // point keep their original order (each goes after the one before).
  DenseMap<Operation *, Operation *> lastAt; // placement -> last copy there
  for (Stream &st : streams) {
    OpBuilder b(loop.getContext());
    if (Operation *previous = lastAt.lookup(st.after))
      b.setInsertionPointAfter(previous);
    else if (st.after)
      b.setInsertionPointAfter(st.after);
    else
      b.setInsertionPointToStart(body);
    Value ahead = arith::AddIOp::create(
        b, loc, loop.getInductionVar(),
        arith::ConstantIndexOp::create(b, loc, d));
    st.prefetch = cloneAt(b, st, ahead);
    lastAt[st.after] = st.prefetch;
  }
  // Waits: copies issued after the awaited one's issue (iteration j - d)
  // and before the wait (iteration j).
  DenseMap<Operation *, int64_t> position;
  int64_t pos = 0;
  SmallVector<int64_t> issueAt;
  for (Operation &op : *body)
    position[&op] = pos++;
  for (Stream &st : streams)
    issueAt.push_back(position[st.prefetch]);
  // Prologue: the copies of iterations 0 .. d - 1 in the steady state's
  // issue order (the prefetches' order in the body, which need not be the
  // copies' original order), which the waits' counts below assume.
  SmallVector<std::pair<size_t, int64_t>> prologue; // (stream, iteration)
  SmallVector<size_t> order(streams.size());
  std::iota(order.begin(), order.end(), size_t(0));
  llvm::sort(order, [&](size_t a, size_t c) { return issueAt[a] < issueAt[c]; });
  {
    OpBuilder b(loop);
    for (int64_t i = 0; i < d; ++i)
      for (size_t s : order) {
        cloneAt(b, streams[s], arith::ConstantIndexOp::create(b, loc, i));
        prologue.push_back({s, i});
      }
  }
  const int64_t perIter = static_cast<int64_t>(streams.size());
  SmallVector<WaitOp> waits;
  for (Operation &op : *body)
    if (auto w = dyn_cast<WaitOp>(op); w && !w.getTokens().empty())
      waits.push_back(w);
  DenseMap<Operation *, SmallVector<size_t>> awaits; // new wait -> streams
  for (WaitOp w : waits) {
    std::optional<int64_t> pending;
    SmallVector<size_t> awaited;
    for (Value t : w.getTokens()) {
      const size_t s = streamOf.lookup(t); // (every token is a stream's)
      awaited.push_back(s);
      const int64_t q = issueAt[s], p = position[w];
      int64_t after = llvm::count_if(issueAt, [&](int64_t x) { return x > q; }) +
                      (d - 1) * perIter +
                      llvm::count_if(issueAt, [&](int64_t x) { return x < p; });
      pending = pending ? std::min(*pending, after) : after;
    }
    OpBuilder b(w);
    awaits[WaitOp::create(b, w.getLoc(), *pending)] = std::move(awaited);
    w.erase();
  }
  DenseMap<Operation *, size_t> prefetchOf;
  for (size_t i = 0; i < streams.size(); ++i)
    prefetchOf[streams[i].prefetch] = i;
  if (failed(checkSchedule(prologue, body, prefetchOf, awaits, d)))
    return loop.emitOpError()
           << "atile-pipeline: a wait of the pipelined loop would let a copy "
              "it awaits stay in flight (a bug in the pass)";
  for (Stream &st : streams)
    st.copy.erase();
  // Drain the copies of iterations past the end before anything else
  // reuses the shared memory.
  OpBuilder b(loop->getContext());
  b.setInsertionPointAfter(loop);
  WaitOp::create(b, loc, int64_t(0));
  return true;
}

namespace {
struct ATilePipelinePass
    : public mlir::atile::impl::ATilePipelinePassBase<ATilePipelinePass> {
  void runOnOperation() override {
    SmallVector<scf::ForOp> loops;
    getOperation().walk([&](scf::ForOp loop) {
      bool copies = llvm::any_of(loop.getBody()->getOperations(),
                                 [](Operation &op) { return isa<CopyOp>(op); });
      // A producer's loops are pipelined by their rings.
      if (copies && !loop->getParentOfType<WarpSpecializeOp>())
        loops.push_back(loop);
    });
    for (scf::ForOp loop : loops) // loops of another shape stay unpipelined
      if (failed(pipelineLoop(loop)))
        return signalPassFailure();
  }
};
} // namespace
