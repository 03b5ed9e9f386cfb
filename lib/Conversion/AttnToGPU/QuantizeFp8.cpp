//===- QuantizeFp8.cpp - block-scaled e4m3 quantisation kernels -----------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The kernels that feed the FP8 attention kernels (#attn.precision with
// e4m3 operands, granularity = block): one CTA per (block of N tokens, head,
// batch) finds amax = max |x| over the block's N x W elements, writes the
// scale amax / 448 (1 for an all-zero block) and x * 448 / amax rounded to
// e4m3 (round to nearest even, saturated). The CPU backend emulates the same
// scheme (lib/Conversion/AttnToCPU), so its errors are these kernels' errors.
//
// - `quant_rows`: x [B, T, Hx, W] -> x8 [B, T, Hx, W] bytes, sx [B, T, Hx]
//   (Q and K; each token's entry holds its block's scale, so that a kernel
//   reads a query row's or a key tile's scale at the row's own index).
// - `quant_tokens`: rows of 128 elements -> bytes and one scale per row (the
//   DSA indexer's per-token scales), after a Hadamard rotation of the row
//   when the plan asks for one (a butterfly across the warp's lanes).
// - `quant_vt`: v [B, S, Hkv, W] -> v8t [B, Hkv, W, cdiv(S, N) N] bytes, the
//   keys of a channel contiguous (what the P V mma reads as its k-major B
//   operand; sm_90 has no ldmatrix.trans for bytes) and zero past S. Within
//   every 32 keys position p holds key 8 ((p & 3) >> 1) + 2 ((p >> 2) & 3) +
//   (p & 1) + 16 (p >> 4): the order in which the f32 accumulator of Q K^T
//   lays P out across a thread's registers, so P becomes an e4m3 A fragment
//   without shuffles.
//
//===----------------------------------------------------------------------===//

#include "GpuBuilder.h"
#include "Kernels.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::gpu_kernels;

namespace {
constexpr int64_t kThreads = 128;
constexpr double kE4m3Max = 448.0;

enum QuantArg { qX, qX8, qScale, qB, qT, qH, kNumQuantArgs };

Value absMax(GpuBuilder &g, Value m, ArrayRef<Value> xs) {
  for (Value x : xs)
    m = g.fmax(m, g.fmax(x, arith::NegFOp::create(g.builder(), x)));
  return m;
}

/// What both kernels share: the CTA's coordinates, the 16-byte chunks of
/// the N x W block, and the block-wide amax -> (inv, scale).
struct QuantBlock {
  GpuBuilder &g;
  gpu::GPUFuncOp fn;
  int64_t width, block;
  Type elem;
  Value tid, blk, head, batch, t0;

  QuantBlock(GpuBuilder &g, gpu::GPUFuncOp fn, int64_t width, int64_t block,
             Type elem)
      : g(g), fn(fn), width(width), block(block), elem(elem) {
    tid = g.threadId();
    blk = g.toI64(g.blockId(gpu::Dimension::x));
    head = g.toI64(g.blockId(gpu::Dimension::y));
    batch = g.toI64(g.blockId(gpu::Dimension::z));
    t0 = g.mul(blk, g.c64(block));
  }
  Value arg(int i) { return fn.getArgument(i); }
  int64_t chunksPerRow() const { return width / 8; }
  int64_t chunks() const { return block * chunksPerRow(); }

  /// Chunk `chunk` (of 8 elements) of the block: its row, its index in the
  /// row, whether it exists, and its element offset in x (and x8).
  struct Chunk {
    Value row, c, valid, off;
  };
  Chunk chunkAt(Value chunk) {
    Chunk k;
    k.row = g.divu(chunk, g.c32(chunksPerRow()));
    k.c = g.remu(chunk, g.c32(chunksPerRow()));
    Value t = g.add(t0, g.toI64(k.row));
    k.valid = g.andI(g.ult(chunk, g.c32(chunks())), g.slt(t, arg(qT)));
    Value tSafe = g.select(k.valid, t, g.c64(0));
    k.off = g.add(
        g.mul(g.add(g.mul(g.add(g.mul(batch, arg(qT)), tSafe), arg(qH)), head),
              g.c64(width)),
        g.toI64(g.mul(k.c, g.c32(8))));
    return k;
  }
  Value iterations() const {
    return g.c32((chunks() + kThreads - 1) / kThreads);
  }

  /// The 16 bytes at `src` as 4 words (zeros where !valid), and those
  /// words as 8 f32 elements.
  Value loadRaw(Value src, Value valid) {
    ImplicitLocOpBuilder &b = g.builder();
    auto v4 = VectorType::get({4}, g.i32());
    auto ifOp = scf::IfOp::create(b, TypeRange{v4}, valid, true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    scf::YieldOp::create(
        b, ValueRange{LLVM::LoadOp::create(b, v4, src, /*alignment=*/16)});
    b.setInsertionPointToStart(ifOp.elseBlock());
    scf::YieldOp::create(
        b, ValueRange{arith::ConstantOp::create(
               b, DenseElementsAttr::get(v4, b.getI32IntegerAttr(0)))});
    return ifOp.getResult(0);
  }
  SmallVector<Value> unpack8(Value raw) {
    SmallVector<Value> out;
    for (int64_t i = 0; i < 4; ++i) {
      auto [lo, hi] = g.unpack2(
          vector::ExtractOp::create(g.builder(), raw, ArrayRef<int64_t>{i}),
          elem);
      out.push_back(lo);
      out.push_back(hi);
    }
    return out;
  }
  SmallVector<Value> load8(Value src, Value valid) {
    return unpack8(loadRaw(src, valid));
  }

  /// max |x| over this thread's chunks, `values(chunk)` giving the elements
  /// of chunk `chunk` (a loop over them).
  Value amaxOver(llvm::function_ref<SmallVector<Value>(Value)> values) {
    ImplicitLocOpBuilder &b = g.builder();
    auto loop = scf::ForOp::create(b, g.c32(0), iterations(), g.c32(1),
                                   ValueRange{g.f(0.0)});
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value chunk = g.add(g.mul(loop.getInductionVar(), g.c32(kThreads)), tid);
    scf::YieldOp::create(b,
                         absMax(g, loop.getRegionIterArgs()[0], values(chunk)));
    return loop.getResult(0);
  }

  /// Block-wide max of `m` (>= 0); returns {inv, scale} and writes the scale
  /// at `scales[(batch * heads + head) * nb + blk]`, or with `perToken` at
  /// `scales[(batch * seq + t) * heads + head]` for each token t of the
  /// block.
  std::pair<Value, Value> finish(Value m, Value smem, Value heads, Value seq,
                                 bool perToken = false) {
    ImplicitLocOpBuilder &b = g.builder();
    for (int off = 16; off >= 1; off /= 2)
      m = g.fmax(m, g.shflXor(m, off));
    Value warp = g.divu(tid, g.c32(32));
    {
      auto lead = scf::IfOp::create(
          b, TypeRange{}, g.eq(g.remu(tid, g.c32(32)), g.c32(0)), false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(lead.thenBlock());
      g.storeGlobal(m, g.gep(smem, g.f32(), warp));
    }
    g.barrier();
    Value amax = g.loadGlobal(g.f32(), smem);
    for (int64_t w = 1; w < kThreads / 32; ++w)
      amax =
          g.fmax(amax, g.loadGlobal(g.f32(), g.gep(smem, g.f32(), g.c32(w))));
    Value ok =
        g.andI(g.fgt(amax, g.f(0.0)),
               g.fgt(g.f(std::numeric_limits<double>::infinity()), amax));
    Value inv = g.select(ok, g.fdiv(g.f(kE4m3Max), amax), g.f(1.0));
    Value scale = g.select(ok, g.fdiv(amax, g.f(kE4m3Max)), g.f(1.0));
    if (perToken) {
      for (int64_t i = 0; i * kThreads < block; ++i) {
        Value within = g.add(g.c32(i * kThreads), tid);
        Value t = g.add(t0, g.toI64(within));
        auto mine = scf::IfOp::create(
            b, TypeRange{},
            g.andI(g.ult(within, g.c32(block)), g.slt(t, seq)), false);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(mine.thenBlock());
        Value idx = g.add(g.mul(g.add(g.mul(batch, seq), t), heads), head);
        g.storeGlobal(scale, g.gep(arg(qScale), g.f32(), idx));
      }
      return {inv, scale};
    }
    auto first = scf::IfOp::create(b, TypeRange{}, g.eq(tid, g.c32(0)), false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(first.thenBlock());
    Value nb = g.cdiv(seq, g.c64(block));
    Value idx = g.add(g.mul(g.add(g.mul(batch, heads), head), nb), blk);
    g.storeGlobal(scale, g.gep(arg(qScale), g.f32(), idx));
    return {inv, scale};
  }
};

/// x H / sqrt(width), H[i][j] = (-1)^popcount(i & j), for a row of `width`
/// elements spread over `lanes` consecutive lanes, `xs` (a power of two) per
/// lane in order; `part` is the lane's index within the row. The butterflies
/// of the low index bits run in the thread, the others across lanes (every
/// lane of the warp must take part).
void hadamard(GpuBuilder &g, SmallVector<Value> &xs, Value part, int64_t lanes,
              int64_t width) {
  const int64_t n = xs.size();
  for (int64_t bit = 1; bit < n; bit *= 2)
    for (int64_t i = 0; i < n; ++i)
      if (!(i & bit)) {
        Value x = xs[i], y = xs[i | bit];
        xs[i] = g.fadd(x, y);
        xs[i | bit] = g.fsub(x, y);
      }
  for (int64_t m = 1; m < lanes; m *= 2) {
    Value upper = g.eq(g.andI(part, g.c32(m)), g.c32(m));
    for (Value &x : xs) {
      Value y = g.shflXor(x, m);
      x = g.select(upper, g.fsub(y, x), g.fadd(x, y));
    }
  }
  for (Value &x : xs)
    x = g.fmul(x, g.f(1.0 / std::sqrt(double(width))));
}

} // namespace

void gpu_kernels::buildQuantRowsKernel(gpu::GPUModuleOp module, StringRef name,
                                       int64_t width, int64_t block, Type elem,
                                       bool rotate, Location loc) {
  ImplicitLocOpBuilder b(loc, module.getContext());
  GpuBuilder g(b);
  gpu::GPUFuncOp fn =
      createKernel(b, module, name, qB, kNumQuantArgs - qB, kThreads);
  QuantBlock q(g, fn, width, block, elem);
  Value smem = g.sharedBase(module);
  // The rows of the block's chunks, loaded (zeros where absent) and rotated
  // if asked (every lane takes part in the rotation's shuffles).
  auto load = [&](const QuantBlock::Chunk &k) {
    SmallVector<Value> xs = q.load8(g.gep(q.arg(qX), elem, k.off), k.valid);
    if (rotate)
      hadamard(g, xs, k.c, q.chunksPerRow(), width);
    return xs;
  };

  Value m = q.amaxOver([&](Value chunk) { return load(q.chunkAt(chunk)); });
  auto [inv, scale] = q.finish(m, smem, q.arg(qH), q.arg(qT),
                               /*perToken=*/true);
  (void)scale;
  auto loop = scf::ForOp::create(b, g.c32(0), q.iterations(), g.c32(1));
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value chunk = g.add(g.mul(loop.getInductionVar(), g.c32(kThreads)), q.tid);
    QuantBlock::Chunk k = q.chunkAt(chunk);
    SmallVector<Value> xs = load(k);
    for (Value &x : xs)
      x = g.fmul(x, inv);
    Value lo = g.packE4m3x4(xs[0], xs[1], xs[2], xs[3]);
    Value hi = g.packE4m3x4(xs[4], xs[5], xs[6], xs[7]);
    auto ifOp = scf::IfOp::create(b, TypeRange{}, k.valid, false);
    b.setInsertionPointToStart(ifOp.thenBlock());
    auto v2 = VectorType::get({2}, g.i32());
    Value pair = vector::FromElementsOp::create(b, v2, ValueRange{lo, hi});
    LLVM::StoreOp::create(b, pair, g.gep(q.arg(qX8), b.getI8Type(), k.off),
                          /*alignment=*/8);
  }
  gpu::ReturnOp::create(b);
}

int64_t gpu_kernels::quantVtSharedBytes(int64_t block, int64_t width) {
  return 2 * block * width + 16;
}

void gpu_kernels::buildQuantVtKernel(gpu::GPUModuleOp module, StringRef name,
                                     int64_t width, int64_t block, Type elem,
                                     Location loc) {
  ImplicitLocOpBuilder b(loc, module.getContext());
  GpuBuilder g(b);
  gpu::GPUFuncOp fn =
      createKernel(b, module, name, qB, kNumQuantArgs - qB, kThreads);
  QuantBlock q(g, fn, width, block, elem);
  Type i8T = b.getI8Type();
  // Shared: the block as 16-bit elements [N][W], then the warp maxima.
  Value smem = g.sharedBase(module);
  Value red = g.gep(smem, i8T, g.c32(2 * block * width));

  // Each chunk is also kept in shared memory (16-bit elements) for the
  // transposed write below.
  Value m = q.amaxOver([&](Value chunk) {
    Value inBlock = g.ult(chunk, g.c32(q.chunks()));
    QuantBlock::Chunk k = q.chunkAt(chunk);
    Value raw = q.loadRaw(g.gep(q.arg(qX), elem, k.off), k.valid);
    auto st = scf::IfOp::create(b, TypeRange{}, inBlock, false);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(st.thenBlock());
      LLVM::StoreOp::create(b, raw, g.gep(smem, i8T, g.mul(chunk, g.c32(16))),
                            /*alignment=*/16);
    }
    return q.unpack8(raw);
  });
  // finish() synchronises the CTA, which also publishes the shared block.
  auto [inv, scale] = q.finish(m, red, q.arg(qH), q.arg(qT));
  (void)scale;

  // 16 output bytes (keys 16u .. 16u + 15 of channel ch) per item.
  const int64_t groups = block / 16, items = width * groups;
  const int64_t iters = (items + kThreads - 1) / kThreads;
  Value nb = g.cdiv(q.arg(qT), g.c64(block));
  Value sPad = g.mul(nb, g.c64(block));
  auto loop = scf::ForOp::create(b, g.c32(0), g.c32(iters), g.c32(1));
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value item = g.add(g.mul(loop.getInductionVar(), g.c32(kThreads)), q.tid);
    auto ifOp =
        scf::IfOp::create(b, TypeRange{}, g.ult(item, g.c32(items)), false);
    b.setInsertionPointToStart(ifOp.thenBlock());
    Value u = g.remu(item, g.c32(groups)), ch = g.divu(item, g.c32(groups));
    SmallVector<Value> xs;
    for (int64_t j = 0; j < 16; ++j) {
      int64_t perm = 8 * ((j & 3) >> 1) + 2 * (j >> 2) + (j & 1);
      Value key = g.add(g.mul(u, g.c32(16)), g.c32(perm));
      Value off = g.mul(g.add(g.mul(key, g.c32(width)), ch), g.c32(2));
      Value h = LLVM::LoadOp::create(b, elem, g.gep(smem, i8T, off));
      xs.push_back(g.fmul(arith::ExtFOp::create(b, g.f32(), h), inv));
    }
    SmallVector<Value> words;
    for (int64_t w = 0; w < 4; ++w)
      words.push_back(
          g.packE4m3x4(xs[4 * w], xs[4 * w + 1], xs[4 * w + 2], xs[4 * w + 3]));
    Value v4 =
        vector::FromElementsOp::create(b, VectorType::get({4}, g.i32()), words);
    Value row =
        g.add(g.mul(g.add(g.mul(q.batch, q.arg(qH)), q.head), g.c64(width)),
              g.toI64(ch));
    Value off =
        g.add(g.add(g.mul(row, sPad), q.t0), g.toI64(g.mul(u, g.c32(16))));
    LLVM::StoreOp::create(b, v4, g.gep(q.arg(qX8), i8T, off),
                          /*alignment=*/16);
  }
  gpu::ReturnOp::create(b);
}

void gpu_kernels::buildQuantTokensKernel(gpu::GPUModuleOp module,
                                         StringRef name, Type elem, bool rotate,
                                         Location loc) {
  // One warp per row of 128 elements, 4 per lane (elements 4 lane .. 4 lane
  // + 3); 4 rows per CTA.
  constexpr int64_t kWidth = 128, kRowsPerCta = 4;
  enum { tX, tX8, tScale, tRows, kNumTokenArgs };
  ImplicitLocOpBuilder b(loc, module.getContext());
  GpuBuilder g(b);
  gpu::GPUFuncOp fn =
      createKernel(b, module, name, tRows, kNumTokenArgs - tRows, kThreads);
  auto arg = [&](int i) -> Value { return fn.getArgument(i); };
  Value tid = g.threadId();
  Value warp = g.divu(tid, g.c32(32)), lane = g.remu(tid, g.c32(32));
  Value row =
      g.add(g.mul(g.toI64(g.blockId(gpu::Dimension::x)), g.c64(kRowsPerCta)),
            g.toI64(warp));
  Value valid = g.slt(row, arg(tRows));
  Value rowSafe = g.select(valid, row, g.c64(0));
  Value off =
      g.add(g.mul(rowSafe, g.c64(kWidth)), g.toI64(g.mul(lane, g.c32(4))));
  auto v2 = VectorType::get({2}, g.i32());
  auto ld = scf::IfOp::create(b, TypeRange{v2}, valid, true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ld.thenBlock());
    scf::YieldOp::create(b, ValueRange{LLVM::LoadOp::create(
                                b, v2, g.gep(arg(tX), elem, off), 8)});
    b.setInsertionPointToStart(ld.elseBlock());
    scf::YieldOp::create(
        b, ValueRange{arith::ConstantOp::create(
               b, DenseElementsAttr::get(v2, b.getI32IntegerAttr(0)))});
  }
  SmallVector<Value> e;
  for (int64_t i = 0; i < 2; ++i) {
    auto [lo, hi] = g.unpack2(
        vector::ExtractOp::create(b, ld.getResult(0), ArrayRef<int64_t>{i}),
        elem);
    e.push_back(lo);
    e.push_back(hi);
  }
  if (rotate)
    hadamard(g, e, lane, 32, kWidth);
  Value m = g.f(0.0);
  for (Value x : e)
    m = g.fmax(m, g.fmax(x, arith::NegFOp::create(b, x)));
  for (int o = 16; o >= 1; o /= 2)
    m = g.fmax(m, g.shflXor(m, o));
  Value ok = g.andI(g.fgt(m, g.f(0.0)),
                    g.fgt(g.f(std::numeric_limits<double>::infinity()), m));
  Value inv = g.select(ok, g.fdiv(g.f(kE4m3Max), m), g.f(1.0));
  Value scale = g.select(ok, g.fdiv(m, g.f(kE4m3Max)), g.f(1.0));
  auto st = scf::IfOp::create(b, TypeRange{}, valid, false);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(st.thenBlock());
    Value packed = g.packE4m3x4(g.fmul(e[0], inv), g.fmul(e[1], inv),
                                g.fmul(e[2], inv), g.fmul(e[3], inv));
    LLVM::StoreOp::create(b, packed, g.gep(arg(tX8), b.getI8Type(), off), 4);
    auto first = scf::IfOp::create(b, TypeRange{}, g.eq(lane, g.c32(0)), false);
    b.setInsertionPointToStart(first.thenBlock());
    g.storeGlobal(scale, g.gep(arg(tScale), g.f32(), row));
  }
  gpu::ReturnOp::create(b);
}
