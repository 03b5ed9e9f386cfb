//===- TopKToGPU.cpp - attn.topk as a per-query radix select --------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// One CTA of 256 threads per query row (b, t):
//
// 1. Scores map to order-preserving 32-bit keys (sign flipped for
//    positives, all bits for negatives, -0 as +0); masked positions (causal),
//    -inf and NaN get key 0 and are never candidates.
// 2. Radix select, 8 bits per pass from the top: a 256-bin shared histogram
//    of the candidates that match the prefix so far finds the byte of the
//    k-th largest key; after four passes the k-th key K is exact and so is
//    the number of keys above it. With at most k candidates all are taken.
// 3. Keys above K are gathered (any order); keys equal to K are taken in
//    increasing position (a block-wide ballot prefix over the row, in order)
//    until k are selected: ties go to the smaller position, as the op says.
// 4. The selection is sorted (decreasing key, then increasing position) by a
//    bitonic network in shared memory, and written with -1 padding.
//
// Shared memory holds the selection (next power of two >= k entries), so k
// is limited to 4096 here (DSA uses 2048).
//
//===----------------------------------------------------------------------===//

#include "GpuBuilder.h"
#include "Kernels.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::gpu_kernels;

namespace {
constexpr int64_t kThreads = 256, kWarps = kThreads / 32, kMaxK = 4096;
enum TopKArg { tScores, tOut, tB, tT, tS, kNumTopKArgs };
constexpr const char *kTopKArgNames[] = {"scores", "indices", "B", "T", "S"};

/// Shared-memory layout (bytes): scalars, warp totals, histogram, selection.
struct Layout {
  int64_t kp; // selection capacity (power of two >= k)
  static constexpr int64_t scalars = 0;  // 8 x i32
  static constexpr int64_t warpTot = 32; // kWarps x i32
  static constexpr int64_t hist = 64;    // 256 x i32
  int64_t keys() const { return hist + 4 * 256; }
  int64_t idx() const { return keys() + 4 * kp; }
  int64_t bytes() const { return idx() + 4 * kp; }
};
// Scalar slots.
enum { sPrefix, sMask, sRemaining, sAll, sCount, sTies, sDone };
} // namespace

static void buildTopKKernel(gpu::GPUModuleOp module, StringRef name, int64_t k,
                            bool causal, Location loc) {
  ImplicitLocOpBuilder b(loc, module.getContext());
  GpuBuilder g(b);
  Type i32T = g.i32(), f32T = g.f32();
  Type i8T = b.getI8Type();
  gpu::GPUFuncOp fn =
      createKernel(b, module, name, tB, kNumTopKArgs - tB, kThreads);
  auto arg = [&](int i) -> Value { return fn.getArgument(i); };
  Layout lay{static_cast<int64_t>(llvm::PowerOf2Ceil(k))};

  Value tid = g.threadId();
  Value lane = g.remu(tid, g.c32(32)), warp = g.divu(tid, g.c32(32));
  Value row = g.toI64(g.blockId(gpu::Dimension::x));
  Value seqT = arg(tT), seqS = arg(tS);
  Value t = g.remu(row, seqT);
  Value limit = seqS;
  if (causal)
    limit = g.min(seqS, g.add(g.add(t, g.sub(seqS, seqT)), g.c64(1)));
  Value limit32 = g.toI32(g.max(limit, g.c64(0)));
  Value rowBase = g.mul(row, seqS);

  Value smem = g.sharedBase(module);
  auto slot = [&](int s) {
    return g.gep(smem, i8T, g.c32(Layout::scalars + 4 * s));
  };
  auto ld = [&](Value p) { return g.loadGlobal(i32T, p); };
  auto st = [&](Value v, Value p) { g.storeGlobal(v, p); };
  Value hist = g.gep(smem, i8T, g.c32(Layout::hist));
  Value warpTot = g.gep(smem, i8T, g.c32(Layout::warpTot));
  Value selKey = g.gep(smem, i8T, g.c32(lay.keys()));
  Value selIdx = g.gep(smem, i8T, g.c32(lay.idx()));
  auto ifThen = [&](Value cond, llvm::function_ref<void()> body) {
    auto op = scf::IfOp::create(b, TypeRange{}, cond, false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(op.thenBlock());
    body();
  };
  // for (s = tid; s < limit; s += kThreads) body(s)
  auto rowLoop = [&](llvm::function_ref<void(Value)> body) {
    auto loop = scf::ForOp::create(b, tid, limit32, g.c32(kThreads));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    body(loop.getInductionVar());
  };
  // The order-preserving key of position s (0: not a candidate).
  auto keyOf = [&](Value s) {
    Value x = g.loadGlobal(
        f32T, g.gep(arg(tScores), f32T, g.add(rowBase, g.toI64(s))));
    x = g.fadd(x, g.f(0.0)); // -0 -> +0
    Value u = arith::BitcastOp::create(b, i32T, x);
    Value neg = g.slt(u, g.c32(0));
    Value key = g.select(neg, g.xorI(u, g.c32(-1)),
                         g.orI(u, g.c32(static_cast<int32_t>(0x80000000u))));
    Value bad = arith::CmpFOp::create(b, arith::CmpFPredicate::UNO, x, x);
    bad = g.orI(bad, g.feq(x, g.negInf()));
    return g.select(bad, g.c32(0), key);
  };
  Value isT0 = g.eq(tid, g.c32(0));

  ifThen(isT0, [&] {
    st(g.c32(0), slot(sPrefix));
    st(g.c32(0), slot(sMask));
    st(g.c32(k), slot(sRemaining));
    st(g.c32(0), slot(sAll));
    st(g.c32(0), slot(sCount));
    st(g.c32(0), slot(sTies));
  });

  // 2. Radix select.
  for (int pass = 0; pass < 4; ++pass) {
    const int shift = 24 - 8 * pass;
    st(g.c32(0), g.gep(hist, i32T, tid)); // 256 threads, 256 bins
    g.barrier();
    Value prefix = ld(slot(sPrefix)), mask = ld(slot(sMask));
    Value all = ld(slot(sAll));
    ifThen(g.eq(all, g.c32(0)), [&] {
      rowLoop([&](Value s) {
        Value key = keyOf(s);
        Value match =
            g.andI(g.ult(g.c32(0), key), g.eq(g.andI(key, mask), prefix));
        ifThen(match, [&] {
          Value bin =
              g.andI(arith::ShRUIOp::create(b, key, g.c32(shift)), g.c32(255));
          LLVM::AtomicRMWOp::create(b, LLVM::AtomicBinOp::add,
                                    g.gep(hist, i32T, bin), g.c32(1),
                                    LLVM::AtomicOrdering::monotonic);
        });
      });
    });
    g.barrier();
    // Thread 0 walks the bins from the top.
    ifThen(g.andI(isT0, g.eq(all, g.c32(0))), [&] {
      Value remaining = ld(slot(sRemaining));
      // total candidates (first pass only decides "take all")
      auto walk = scf::ForOp::create(
          b, g.c32(0), g.c32(256), g.c32(1),
          ValueRange{g.c32(0), g.c32(-1), g.c32(0)}); // cum, bin, above
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(walk.getBody());
        Value i = walk.getInductionVar();
        Value bin = g.sub(g.c32(255), i);
        Value cum = walk.getRegionIterArgs()[0];
        Value found = walk.getRegionIterArgs()[1];
        Value above = walk.getRegionIterArgs()[2];
        Value h = ld(g.gep(hist, i32T, bin));
        Value next = g.add(cum, h);
        Value hit = g.andI(g.slt(found, g.c32(0)), g.sle(remaining, next));
        Value newFound = g.select(hit, bin, found);
        Value newAbove = g.select(hit, cum, above);
        scf::YieldOp::create(b, ValueRange{next, newFound, newAbove});
      }
      Value total = walk.getResult(0), bin = walk.getResult(1);
      Value above = walk.getResult(2);
      Value takeAll = g.slt(bin, g.c32(0)); // fewer candidates than needed
      if (pass == 0)
        st(g.select(g.sle(total, g.c32(k)), g.c32(1), g.c32(0)), slot(sAll));
      ifThen(
          g.andI(arith::XOrIOp::create(b, takeAll,
                                       arith::ConstantIntOp::create(b, 1, 1)),
                 pass == 0 ? g.slt(g.c32(k), total)
                           : arith::ConstantIntOp::create(b, 1, 1).getResult()),
          [&] {
            Value shifted = arith::ShLIOp::create(b, bin, g.c32(shift));
            st(g.orI(ld(slot(sPrefix)), shifted), slot(sPrefix));
            st(g.orI(ld(slot(sMask)), g.c32(255 << shift)), slot(sMask));
            st(g.sub(remaining, above), slot(sRemaining));
          });
    });
    g.barrier();
  }

  // 3. Gather: keys above the k-th (or every candidate), then ties in order.
  Value kth = ld(slot(sPrefix)), all = ld(slot(sAll));
  rowLoop([&](Value s) {
    Value key = keyOf(s);
    Value take =
        g.select(g.eq(all, g.c32(0)), g.ult(kth, key), g.ult(g.c32(0), key));
    ifThen(take, [&] {
      Value pos =
          LLVM::AtomicRMWOp::create(b, LLVM::AtomicBinOp::add, slot(sCount),
                                    g.c32(1), LLVM::AtomicOrdering::monotonic);
      st(key, g.gep(selKey, i32T, pos));
      st(s, g.gep(selIdx, i32T, pos));
    });
  });
  g.barrier();
  Value nAbove = ld(slot(sCount));
  Value need = g.select(g.eq(all, g.c32(0)), ld(slot(sRemaining)), g.c32(0));
  // Ties at the k-th key, in increasing position: chunks of kThreads in
  // order, a ballot prefix inside each warp, warp totals across the block.
  Value nChunks = g.divu(g.add(limit32, g.c32(kThreads - 1)), g.c32(kThreads));
  auto chunks =
      scf::ForOp::create(b, g.c32(0), nChunks, g.c32(1), ValueRange{g.c32(0)});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(chunks.getBody());
    Value taken = chunks.getRegionIterArgs()[0];
    Value s = g.add(g.mul(chunks.getInductionVar(), g.c32(kThreads)), tid);
    // Keys are only read for positions inside the row.
    Value inRow = g.slt(s, limit32);
    Value sSafe = g.select(inRow, s, g.c32(0));
    Value isTie =
        g.andI(g.andI(inRow, g.slt(taken, need)), g.eq(keyOf(sSafe), kth));
    Value ballot = NVVM::VoteSyncOp::create(b, i32T, g.c32(-1), isTie,
                                            NVVM::VoteSyncKind::ballot);
    Value below = g.sub(arith::ShLIOp::create(b, g.c32(1), lane), g.c32(1));
    Value lanePrefix = LLVM::CtPopOp::create(b, i32T, g.andI(ballot, below));
    ifThen(g.eq(lane, g.c32(0)), [&] {
      st(LLVM::CtPopOp::create(b, i32T, ballot), g.gep(warpTot, i32T, warp));
    });
    g.barrier();
    Value before = g.c32(0), chunkTotal = g.c32(0);
    for (int64_t w = 0; w < kWarps; ++w) {
      Value tot = ld(g.gep(warpTot, i32T, g.c32(w)));
      before = g.add(before, g.select(g.ult(g.c32(w), warp), tot, g.c32(0)));
      chunkTotal = g.add(chunkTotal, tot);
    }
    Value pos = g.add(taken, g.add(before, lanePrefix));
    ifThen(g.andI(isTie, g.slt(pos, need)), [&] {
      Value at = g.add(nAbove, pos);
      st(kth, g.gep(selKey, i32T, at));
      st(s, g.gep(selIdx, i32T, at));
    });
    g.barrier();
    scf::YieldOp::create(b, ValueRange{g.add(taken, chunkTotal)});
  }
  Value n = g.add(nAbove, g.min(need, chunks.getResult(0)));

  // 4. Pad to kp and sort: decreasing key, then increasing position.
  for (int64_t i = 0; i < (lay.kp + kThreads - 1) / kThreads; ++i) {
    Value j = g.add(g.c32(i * kThreads), tid);
    ifThen(g.andI(g.slt(j, g.c32(lay.kp)), g.sle(n, j)), [&] {
      st(g.c32(0), g.gep(selKey, i32T, j));
      st(g.c32(INT32_MAX), g.gep(selIdx, i32T, j));
    });
  }
  g.barrier();
  for (int64_t size = 2; size <= lay.kp; size *= 2)
    for (int64_t stride = size / 2; stride >= 1; stride /= 2) {
      for (int64_t i = 0; i < (lay.kp + kThreads - 1) / kThreads; ++i) {
        Value a = g.add(g.c32(i * kThreads), tid);
        Value bIdx = g.xorI(a, g.c32(stride));
        ifThen(g.andI(g.slt(a, g.c32(lay.kp)), g.ult(a, bIdx)), [&] {
          Value ka = ld(g.gep(selKey, i32T, a)),
                kb = ld(g.gep(selKey, i32T, bIdx));
          Value ia = ld(g.gep(selIdx, i32T, a)),
                ib = ld(g.gep(selIdx, i32T, bIdx));
          // "b goes first": larger key, or equal key and smaller position.
          Value bFirst =
              g.orI(g.ult(ka, kb), g.andI(g.eq(ka, kb), g.slt(ib, ia)));
          // Blocks with (a & size) == 0 sort "first" first, others reversed.
          Value forward = g.eq(g.andI(a, g.c32(size)), g.c32(0));
          Value swap =
              g.select(forward, bFirst,
                       g.xorI(bFirst, arith::ConstantIntOp::create(b, 1, 1)));
          ifThen(swap, [&] {
            st(kb, g.gep(selKey, i32T, a));
            st(ka, g.gep(selKey, i32T, bIdx));
            st(ib, g.gep(selIdx, i32T, a));
            st(ia, g.gep(selIdx, i32T, bIdx));
          });
        });
      }
      g.barrier();
    }

  // 5. Write k entries, -1 past the selection.
  Value outBase = g.mul(row, g.c64(k));
  for (int64_t i = 0; i < (k + kThreads - 1) / kThreads; ++i) {
    Value j = g.add(g.c32(i * kThreads), tid);
    ifThen(g.slt(j, g.c32(k)), [&] {
      Value jSafe = g.min(j, g.c32(lay.kp - 1));
      Value v =
          g.select(g.slt(j, n), ld(g.gep(selIdx, i32T, jSafe)), g.c32(-1));
      g.storeGlobal(v, g.gep(arg(tOut), i32T, g.add(outBase, g.toI64(j))));
    });
  }
  gpu::ReturnOp::create(b);
}

FailureOr<DictionaryAttr> gpu_kernels::buildTopK(TopKOp op,
                                                 const KernelSite &site) {
  int64_t k = static_cast<int64_t>(op.getK());
  if (k > kMaxK)
    return op.emitOpError() << "GPU kernel selects at most " << kMaxK
                            << " keys per query (the selection is sorted in "
                               "shared memory); got k = "
                            << k;
  std::string name = site.prefix + "_topk";
  buildTopKKernel(site.module, name, k, op.getCausal(), op.getLoc());
  MLIRContext *ctx = op.getContext();
  Builder b(ctx);
  auto strs = [&](ArrayRef<std::string> items) {
    return stringArray(ctx, items);
  };
  NamedAttrList sizes;
  sizes.append("B", strs({"scores", "0"}));
  sizes.append("T", strs({"scores", "1"}));
  sizes.append("S", strs({"scores", "2"}));
  Layout lay{static_cast<int64_t>(llvm::PowerOf2Ceil(k))};
  NamedAttrList launch;
  launch.append("kernel", b.getStringAttr(name));
  launch.append("grid", strs({"B*T", "1", "1"}));
  launch.append("block", b.getI64ArrayAttr({kThreads, 1, 1}));
  launch.append("smem", b.getI64IntegerAttr(lay.bytes()));
  launch.append("args",
                strs(SmallVector<std::string>(std::begin(kTopKArgNames),
                                              std::end(kTopKArgNames))));
  NamedAttrList entry;
  entry.append("op", b.getStringAttr("attn.topk"));
  entry.append("inputs", b.getArrayAttr({tensorEntry(
                             ctx, "scores", b.getF32Type(), {"B", "T", "S"})}));
  entry.append("outputs",
               b.getArrayAttr({tensorEntry(ctx, "indices", b.getI32Type(),
                                           {"B", "T", std::to_string(k)})}));
  entry.append("sizes", sizes.getDictionary(ctx));
  entry.append("launches", b.getArrayAttr({launch.getDictionary(ctx)}));
  return entry.getDictionary(ctx);
}
