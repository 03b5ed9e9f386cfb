//===- GpuBuilder.h - tile primitives for attn GPU kernels ------*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The toolbox every GPU kernel builder shares (DESIGN.md §3): integer and
// float scalars, global / shared pointers, 16-byte cp.async with zero fill,
// ldmatrix, bf16/f16 mma.sync m16n8k16 (through nvvm.mma.sync: nvgpu's bf16
// path fails in MLIR 22.1), e4m3 mma.sync m16n8k32 and wgmma m64nNk32 and
// the f32 -> e4m3 conversion (inline PTX: no NVVM op takes them in 22.1),
// quad shuffles, ex2/lg2/tanh approximations and the XOR swizzle of
// shared-memory tiles. Kernels are written directly in
// the LLVM/NVVM dialects plus scf loops: bare global pointers and int64 sizes
// are the ABI (docs/gpu-backend.md), and shared memory is one extern,
// 1024-aligned dynamic buffer.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_CONVERSION_ATTNTOGPU_GPUBUILDER_H
#define ATTN_LIB_CONVERSION_ATTNTOGPU_GPUBUILDER_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/Support/LLVM.h"
#include <array>

namespace mlir::attn::gpu_kernels {

/// Four 32-bit registers: an mma A fragment, or two B fragments, as ldmatrix
/// x4 returns them.
using Frag4 = std::array<Value, 4>;
/// An m16n8 f32 accumulator: (row g, cols 2t, 2t+1), (row g+8, same cols).
using Acc4 = std::array<Value, 4>;

class GpuBuilder {
public:
  GpuBuilder(ImplicitLocOpBuilder &b) : b(b) {}
  ImplicitLocOpBuilder &builder() { return b; }

  // Types.
  Type i1() { return b.getI1Type(); }
  Type i32() { return b.getI32Type(); }
  Type i64() { return b.getI64Type(); }
  Type f32() { return b.getF32Type(); }
  Type globalPtr();
  Type sharedPtr();

  // Scalars.
  Value c32(int64_t v);
  Value c64(int64_t v);
  Value f(double v);
  Value negInf();
  Value add(Value x, Value y);
  Value sub(Value x, Value y);
  Value mul(Value x, Value y);
  Value divu(Value x, Value y);
  Value remu(Value x, Value y);
  Value divs(Value x, Value y);
  Value min(Value x, Value y);
  Value max(Value x, Value y);
  /// ceil(x / y) for non-negative x, positive y.
  Value cdiv(Value x, Value y);
  Value ult(Value x, Value y);
  Value slt(Value x, Value y);
  Value sle(Value x, Value y);
  Value eq(Value x, Value y);
  Value andI(Value x, Value y);
  Value orI(Value x, Value y);
  Value xorI(Value x, Value y);
  Value select(Value c, Value x, Value y);
  Value toI64(Value x);
  Value toI32(Value x);
  Value indexToI32(Value x);

  // Floats.
  Value fadd(Value x, Value y);
  Value fsub(Value x, Value y);
  Value fmul(Value x, Value y);
  Value fmax(Value x, Value y);
  Value fmin(Value x, Value y);
  /// x * y + z, fused (one rounding; arith ops are never contracted).
  Value fma(Value x, Value y, Value z);
  Value fdiv(Value x, Value y);
  Value feq(Value x, Value y);
  Value fgt(Value x, Value y);
  /// 2^x (ex2.approx.ftz), log2(x) (lg2.approx), tanh(x) (tanh.approx).
  Value exp2(Value x);
  Value log2(Value x);
  Value tanh(Value x);
  /// Two f32 rounded to a packed pair of `elem` (bf16/f16) in one i32, the
  /// first value in the low half (the mma operand order).
  Value pack2(Value lo, Value hi, Type elem);
  /// The inverse of pack2: the two `elem` halves of an i32 as f32 (low
  /// half first).
  std::pair<Value, Value> unpack2(Value packed, Type elem);

  // Thread geometry.
  Value threadId();
  Value blockId(gpu::Dimension d);

  // Memory.
  /// `base + offset` elements of `elem` (offset i64 or i32).
  Value gep(Value base, Type elem, Value offset);
  /// The kernel's dynamic shared-memory buffer (extern, 1024-aligned).
  Value sharedBase(gpu::GPUModuleOp module);
  Value loadGlobal(Type type, Value ptr);
  /// An f32 (or i32: `fallback`'s type) from global `ptr` where `valid`
  /// (i1), else `fallback`, without
  /// a branch and without touching memory where not valid (a predicated
  /// ld.global).
  Value loadGlobalIf(Value ptr, Value valid, Value fallback);
  /// 8 f32 at `src` (16-byte aligned) as a vector<8xf32>: two 16-byte loads.
  Value loadF32x8(Value src);
  /// The bf16x3 split of a vector<8xf32> x: (hi, lo) vector<8xbf16> with
  /// hi = bf16(x), lo = bf16(x - hi).
  std::pair<Value, Value> splitBf16(Value x);
  void storeGlobal(Value value, Value ptr);
  /// 16-byte cp.async.cg global -> shared; zero-fills the 16 bytes (and
  /// reads nothing, from a known-valid `fallback` address) where `valid` is
  /// false.
  void cpAsync16(Value dst, Value src, Value valid, Value fallback);
  void cpAsyncCommit();
  void cpAsyncWait(int n);
  void barrier();
  /// ldmatrix .x4 (.trans) of 16-bit elements.
  Frag4 ldmatrix4(Value sharedAddr, bool trans);
  /// acc += a * b for one m16n8k16 tile of bf16 or f16 operands.
  Acc4 mma(const Frag4 &a, Value b0, Value b1, const Acc4 &acc, Type elem);
  /// acc0, acc1 += a * the two n-tiles of an ldmatrix x4 B fragment `b`;
  /// with lo parts (f32 inputs split into bf16 hi + lo) also a * bLo +
  /// aLo * b: the three products of the bf16x3 scheme.
  /// D = A B + C, m16n8k32 with e4m3 operands (sm_89+): A four i32 of 4
  /// e4m3 each (the byte layout of the bf16 m16n8k16 A fragment), B two.
  Acc4 mmaFp8(const Frag4 &a, Value b0, Value b1, const Acc4 &acc);
  // Hopper warpgroup MMA (sm_90a), f32 accumulation (N = 2 x the
  // accumulators per thread; inline asm: MLIR 22.1's nvgpu.warpgroup.mma is
  // wrong for K-major B). Operands in shared memory are tiles of 128-byte
  // rows in the 128-byte swizzle (16-byte chunk c of row r stored at chunk
  // c ^ (r & 7)), 1024-aligned.
  /// The matrix descriptor of such a tile starting at `addr` (+32 bytes per
  /// k-step of 32): leading and stride byte offsets `lbo`, `sbo` (MN-major
  /// tiles: lbo = the distance between 64-column halves).
  Value wgmmaDesc(Value addr, int64_t lbo = 16, int64_t sbo = 1024);
  /// The same in two steps, for the k-steps of one tile: the descriptor's
  /// low word (start address, leading byte offset; i32) once, then the
  /// descriptor of `low`'s address + `offset` bytes (a multiple of 16).
  /// Shared addresses stay below 2^18, so the start field never carries
  /// into the leading offset: each step costs one add.
  Value wgmmaDescLow(Value addr, int64_t lbo = 16);
  Value wgmmaDescAt(Value low, int64_t offset, int64_t sbo = 1024);
  /// `x` (i32) through an opaque move that compilers may not hoist or
  /// fold: values computed from it stay where they are used (a loop does
  /// not keep loop-invariant wgmma descriptors live in registers).
  Value opaque(Value x);
  /// One warpgroup's chain of `wgmma.mma_async.sync.aligned.<instr>` over
  /// the k-steps of `bDesc` (`instr` e.g. "m64n128k16.f32.bf16.bf16"; the
  /// accumulator holds N / 2 f32 per thread, the m64nN layout: per warp the
  /// m16n8 layout of Acc4, n-tile j in acc[4j .. 4j + 3]), A from a
  /// descriptor a step (`aRegs` false) or 4 registers a step, the
  /// accumulators tied through; `immediates` follow the scale-d predicate
  /// (imm-scale-a, imm-scale-b[, imm-trans-a], imm-trans-b for 16-bit
  /// types; "1, 1" for FP8). Fenced and committed in one block; with `wait`
  /// also waited for (the results are ready when it returns), otherwise
  /// ready only after a wgmma.wait_group.
  SmallVector<Value> wgmmaChain(StringRef instr, StringRef immediates,
                                ArrayRef<Value> acc, ArrayRef<Value> a,
                                bool aRegs, ArrayRef<Value> bDesc, bool wait);
  /// acc += sum over the k-steps of A(descA[k]) B(descB[k])^T: an e4m3
  /// m64nNk32 chain, waited for.
  SmallVector<Value> wgmmaFp8SS(ArrayRef<Value> descA, ArrayRef<Value> descB,
                                ArrayRef<Value> acc);
  /// fence.proxy.async.shared::cta: this thread's generic-proxy shared
  /// stores (cp.async included) become visible to wgmma after a barrier.
  void fenceProxyAsync();
  /// Four f32 rounded to e4m3 (round to nearest even, saturated to +-448)
  /// packed into one i32, `x0` in the lowest byte (cvt.rn.satfinite, sm_89+).
  Value packE4m3x4(Value x0, Value x1, Value x2, Value x3);
  void mmaPairs(const Frag4 &a, const Frag4 *aLo, const Frag4 &b,
                const Frag4 *bLo, Acc4 &acc0, Acc4 &acc1, Type elem);
  /// xor shuffle within the warp.
  Value shflXor(Value v, int offset);

  /// Byte offset of 16-byte chunk `chunk` of row `row` in a shared tile of
  /// `chunksPerRow` chunks per row, chunks XOR-swizzled with the row inside
  /// groups of `swizzle` (1, 2, 4 or 8) chunks so that ldmatrix of 8
  /// consecutive rows hits 8 distinct bank groups. `rowMask` = row & (swizzle
  /// - 1) is passed in: it is a per-thread constant in every use.
  Value swizzled(Value row, Value chunk, Value rowMask, int64_t chunksPerRow);
  static int64_t swizzleFor(int64_t chunksPerRow);

private:
  ImplicitLocOpBuilder &b;
};

/// A kernel `name` of `threads` threads at the end of `module` taking the
/// attn ABI: `pointers` global pointers, then `sizes` int64 values; `b` is
/// left at the start of its body.
gpu::GPUFuncOp createKernel(ImplicitLocOpBuilder &b, gpu::GPUModuleOp module,
                            StringRef name, int64_t pointers, int64_t sizes,
                            int64_t threads);

/// Issues the cp.async copies of a `rows` x `cols` tile (16-bit elements)
/// into swizzled shared memory; `source(row, chunk)` gives (valid, global
/// address) of a 16-byte chunk. rows x cols / 8 must be a multiple of
/// `threads`.
void copyTile(GpuBuilder &g, Value smem, int64_t rows, int64_t cols,
              int64_t threads, Value tid, Value fallback,
              llvm::function_ref<std::pair<Value, Value>(Value, Value)> source);

/// The f32 counterpart of copyTile: `source` gives (valid, address of 8
/// f32); each is loaded (zeros where invalid), split into bf16 hi = round(x)
/// and lo = round(x - hi), and stored into the swizzled `hiTile` / `loTile`.
void splitTile(
    GpuBuilder &g, Value hiTile, Value loTile, int64_t rows, int64_t cols,
    int64_t threads, Value tid,
    llvm::function_ref<std::pair<Value, Value>(Value, Value)> source);

} // namespace mlir::attn::gpu_kernels

#endif // ATTN_LIB_CONVERSION_ATTNTOGPU_GPUBUILDER_H
