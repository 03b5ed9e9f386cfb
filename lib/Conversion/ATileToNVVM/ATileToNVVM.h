//===- ATileToNVVM.h - lowering the tile IR to NVVM -------------*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// What the instruction-family files share: the per-thread form of a
// fragment and the lowering state of one kernel. A tile program is lowered
// by walking it in order and emitting, per op, what each thread does
// (ATileToNVVM.cpp); the ops of each instruction family are lowered in their
// own file:
//
//   CopyToNVVM.cpp   atile.copy / wait / load / store / read / put (cp.async,
//                    ldmatrix, global loads and stores)
//   MmaToNVVM.cpp    atile.mma / mma_wait (mma.sync m16n8k16, wgmma)
//   MathToNVVM.cpp   atile.fill / map / reduce / mask / online_softmax /
//                    convert (registers and quad shuffles)
//   RingToNVVM.cpp   atile.acquire / await / release, TMA copies (mbarrier
//                    rings of atile.warp_specialize)
//   SimtToNVVM.cpp   reads, stores, reductions and conversions of simt
//                    fragments (programs without products)
//   ChunkToNVVM.cpp  atile.iota / scan / gated_gram / tril_solve (the
//                    chunked form of linear and delta-rule attention)
//
// A fragment with layout mma_sync is, per thread, the m16n8 accumulator
// layout of PTX's mma.m16n8k16: warp w owns rows [w R/W, (w+1) R/W), in
// m-tiles mi of 16 rows, and in each m-tile x n-tile (ni, 8 columns) a thread
// holds (row gq + 8 hf, column 2 tq + e) for hf, e in {0, 1} (gq = lane / 4,
// tq = lane % 4). f32 fragments keep one f32 per element at index
// ((mi nt + ni) 4 + 2 hf + e); 16-bit fragments keep the two e of one
// (mi, ni, hf) packed in an i32 at index ((mi nt + ni) 2 + hf), which is also
// mma's A operand layout (a k16 step = two n-tiles). An f32 column vector
// (1 x cols) keeps the thread's columns at 2 ni + e. 8-bit fragments (the
// A operand of an e4m3 product) keep the pairs of n-tiles 2 np and 2 np + 1
// of one (mi, hf) in an i32 at index (mi nt / 2 + np) 2 + hf, the first
// n-tile's pair in the low bytes: the A layout of a k32 step (four n-tiles)
// with its columns in the accumulator's order (atile.convert's docs). Row
// fragments keep one f32 per (mi, hf) at index 2 mi + hf, replicated over
// the quad.
//
// A simt fragment (#atile.layout's description) keeps, per row pass i of
// the thread, its 4 columns at 4 i + e (f32) or as two packed pairs at
// 2 i + e / 2 (16-bit); a row fragment one f32 per pass at i; a column
// vector (1 x cols) its 4 columns at e (or 2 packed pairs).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_CONVERSION_ATILETONVVM_ATILETONVVM_H
#define ATTN_LIB_CONVERSION_ATILETONVVM_ATILETONVVM_H

#include "../AttnToGPU/GpuBuilder.h"
#include "attn/Dialect/ATile/IR/ATileOps.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/MapVector.h"

namespace mlir::atile::nvvm {

/// Per-thread registers of a fragment (see the file comment).
using Regs = SmallVector<Value>;

/// Where a fragment's elements sit, for one layout.
struct FragGeom {
  int64_t rows, cols, warps, rowsPerWarp, mTiles, nTiles;
  bool packed; // 16-bit elements, pairs in an i32
  bool bytes;  // 8-bit elements, four in an i32 (see the file comment)
  /// simt: lanes per row, row passes per thread (1 for a column vector).
  bool simt = false, column = false;
  int64_t lanes = 0, passes = 0;
  /// Registers per thread.
  int64_t size(bool rowFrag) const {
    if (simt)
      return rowFrag ? passes : passes * (packed ? 2 : 4);
    if (column) // f32, the thread's columns 8 ni + 2 tq + e
      return 2 * nTiles;
    return rowFrag ? 2 * mTiles
                   : mTiles * nTiles * (bytes ? 1 : packed ? 2 : 4);
  }
};

/// The lowering state of one kernel.
class Lowering {
public:
  Lowering(ImplicitLocOpBuilder &b, gpu::GPUModuleOp module,
           int64_t threads);

  ImplicitLocOpBuilder &b;
  attn::gpu_kernels::GpuBuilder g;
  gpu::GPUModuleOp module;
  int64_t threads;
  /// Thread geometry (i32): thread, warp, lane, lane / 4, lane % 4.
  Value tid, warp, lane, gq, tq;

  /// Scalars of the original program (indices, sizes) and fragments.
  IRMapping scalars;
  DenseMap<Value, Regs> frags;
  /// Shared tiles: their address (llvm.ptr<3>).
  DenseMap<Value, Value> smem;
  /// Bytes of dynamic shared memory laid out so far, and the base.
  int64_t smemBytes = 0;
  Value smemBase;
  /// cp.async groups committed in the block being lowered, and the group
  /// number of each copy lowered there.
  int64_t groups = 0;
  DenseMap<Value, int64_t> groupOf;
  /// True right after a barrier (no shared tile read since): a copy needs
  /// no barrier to overwrite a buffer then.
  bool fenced = true;

  /// Ring barriers (see RingToNVVM.cpp): per ring buffer the address of
  /// its stages' barriers (llvm.ptr<3>), in placement order (the order the
  /// barriers are initialised in: deterministic PTX).
  llvm::MapVector<Value, Value> rings;
  /// The barrier of the threads running the code being lowered: the whole
  /// block (bar.sync 0) when `syncCount` is 0, else named barrier `syncId`
  /// of `syncCount` threads (a consumer warpgroup).
  Value syncId;
  int64_t syncCount = 0;
  void sync();
  /// Inside a consumer region: the consumer's index (i32).
  Value consumer;

  FailureOr<FragGeom> geom(Operation *op, FragType type);
  Value lookup(Value v) { return scalars.lookupOrDefault(v); }
  Value toI64(Value index);
  /// The extents of a view (i64): static ones as constants, the others its
  /// size operands.
  SmallVector<Value> extents(ViewOp view);
  /// The element offset of (offsets, linear row `lin`, column `col`) in a
  /// view and whether the row exists (`lin` < the row dims' extent).
  std::pair<Value, Value> rowAddress(ViewOp view, ArrayRef<int64_t> rowDims,
                                     ValueRange offsets, Value lin);
  /// Position `n` (i32, >= 0) of a gathered view: the source row along the
  /// gather's dimension (i64) and whether it is present (i1). Reads one
  /// entry of the index table (predicated: no access past its end).
  std::pair<Value, Value> gatheredRow(GatherOp gather, Value n);
  /// Entry `e` (i32, >= 0) of a gather's index table (i32; -1 past the
  /// table's end, read predicated).
  Value gatheredEntry(GatherOp gather, Value e);
  /// Row `within` (i32; null: 0) of index-table entry `entry`: the source
  /// row (i64) and whether it is present.
  std::pair<Value, Value> gatheredKey(GatherOp gather, Value entry,
                                      Value within);
  /// Warp-relative row of this thread for (mi, hf), as i32.
  Value threadRow(const FragGeom &gm, int64_t mi, int64_t hf);
  /// Byte offset of 16-byte chunk `chunk` of row `row` (i32) in a shared
  /// tile (see tileChunkOffset).
  Value chunkOffset(SmemType tile, Value row, Value chunk);
  /// Byte offset of element (`row`, `col`) (i32) in a shared tile.
  Value elemOffset(SmemType tile, Value row, Value col);
  /// simt: the block-relative row of this thread in pass `i`, and its
  /// first column (i32).
  Value simtRow(const FragGeom &gm, int64_t i);
  Value simtCol(const FragGeom &gm);
  /// The scratch of reductions over rows (llvm.ptr<3>; null without
  /// them): one f32 per warp and column.
  Value reduceScratch;
  /// Some product of the kernel reads shared memory through the async proxy
  /// (wgmma): waits fence the generic proxy's writes (cp.async) for it.
  bool asyncProxyReads = false;
};

/// The shared-tile layout of a swizzle span S (bytes; 0: none): rows are
/// cut into column blocks of S bytes, block b of a `rows`-row tile at
/// b * rows * S, row r of a block at r * S, and 16-byte chunk c of it at
/// chunk c ^ (r mod S / 16). This is the layout TMA writes with
/// CU_TENSOR_MAP_SWIZZLE_<S>B boxes of S-byte rows and the canonical
/// K-major / MN-major layout wgmma descriptors describe; ldmatrix reads 8
/// rows of one chunk column from 8 distinct bank groups. Without a swizzle,
/// rows are plain.

// One entry per instruction family.
LogicalResult lowerCopy(Lowering &l, CopyOp op);
LogicalResult lowerWait(Lowering &l, WaitOp op);
LogicalResult lowerTmaCopy(Lowering &l, CopyOp op, ViewOp view);
LogicalResult lowerAcquire(Lowering &l, AcquireOp op);
LogicalResult lowerAwait(Lowering &l, AwaitOp op);
LogicalResult lowerRelease(Lowering &l, ReleaseOp op);
LogicalResult lowerTurnAcquire(Lowering &l, TurnAcquireOp op);
LogicalResult lowerTurnRelease(Lowering &l, TurnReleaseOp op);
/// Named barrier of consumer c's turn (ping-pong) and the turn protocol's
/// start (consumer 1 lets consumer 0 go first) and end (consumer 0 takes
/// the last turn consumer 1 handed over, so that both barriers end
/// balanced).
constexpr int64_t kFirstTurnBarrier = 3;
void beginTurns(Lowering &l);
void endTurns(Lowering &l);
LogicalResult lowerLoad(Lowering &l, LoadOp op);
LogicalResult lowerStore(Lowering &l, StoreOp op);
LogicalResult lowerRead(Lowering &l, ReadOp op);
LogicalResult lowerPut(Lowering &l, PutOp op);
// The chunked form's ops (ChunkToNVVM.cpp).
LogicalResult lowerIota(Lowering &l, IotaOp op);
LogicalResult lowerScan(Lowering &l, ScanOp op);
LogicalResult lowerGatedGram(Lowering &l, GatedGramOp op);
LogicalResult lowerTrilSolve(Lowering &l, TrilSolveOp op);
LogicalResult lowerMma(Lowering &l, MmaOp op);
LogicalResult lowerMmaWait(Lowering &l, MmaWaitOp op);
LogicalResult lowerFill(Lowering &l, FillOp op);
LogicalResult lowerMap(Lowering &l, MapOp op);
LogicalResult lowerReduce(Lowering &l, ReduceOp op);
LogicalResult lowerMask(Lowering &l, MaskOp op);
LogicalResult lowerOnlineSoftmax(Lowering &l, OnlineSoftmaxOp op);
LogicalResult lowerConvert(Lowering &l, ConvertOp op);
// simt fragments (SimtToNVVM.cpp).
LogicalResult lowerSimtRead(Lowering &l, ReadOp op, ViewOp view,
                            const FragGeom &gm);
LogicalResult lowerSimtStore(Lowering &l, StoreOp op, ViewOp view,
                             const FragGeom &gm);
LogicalResult lowerSimtReduce(Lowering &l, ReduceOp op, const FragGeom &gm);
LogicalResult lowerSimtConvert(Lowering &l, ConvertOp op, const FragGeom &gin);
/// math.exp2 / log2 / tanh / rsqrt of `x` as the hardware's approximations;
/// null for other ops.
Value scalarMath(Lowering &l, Operation &op, Value x);
/// `n` (1 or 4) elements of `elem` (f32, bf16, f16) at `ptr` as f32 values
/// when `valid`, else `pad`: one predicated load (n x elem bytes, aligned
/// to them; no branch, no access when not valid), widened.
SmallVector<Value> loadWidened(Lowering &l, Type elem, Value ptr, Value valid,
                               Value pad, int64_t n);
/// The register of input fragment `in` that element register `i` of a
/// map's result of type `res` reads (broadcasts of rows and columns).
int64_t mapSource(const FragGeom &gm, FragType res, FragType in, int64_t i);

} // namespace mlir::atile::nvvm

#endif // ATTN_LIB_CONVERSION_ATILETONVVM_ATILETONVVM_H
