//===- AttnToATile.h - tile programs of the attn families -------*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// What the family files (FullToATile.cpp, ...) share: index arithmetic for
// writing tile programs, and each family's entry point, called by the
// convert-attn-to-atile driver (AttnToATile.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_CONVERSION_ATTNTOATILE_ATTNTOATILE_H
#define ATTN_LIB_CONVERSION_ATTNTOATILE_ATTNTOATILE_H

#include "attn/Dialect/ATile/IR/ATileOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::attn {
class FullOp;
} // namespace mlir::attn

namespace mlir::attn::tile_programs {

/// Index arithmetic for the scalar part of a tile program (block
/// coordinates, tile bounds). Sizes arrive as i64 kernel arguments and are
/// turned into `index` once.
struct IndexMath {
  ImplicitLocOpBuilder &b;
  Value c(int64_t v) { return arith::ConstantIndexOp::create(b, v); }
  Value idx(Value i64) {
    return arith::IndexCastOp::create(b, b.getIndexType(), i64);
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, x, y); }
  Value div(Value x, Value y) { return arith::DivSIOp::create(b, x, y); }
  Value rem(Value x, Value y) { return arith::RemSIOp::create(b, x, y); }
  Value ceilDiv(Value x, Value y) { return arith::CeilDivSIOp::create(b, x, y); }
  Value min(Value x, Value y) { return arith::MinSIOp::create(b, x, y); }
  Value max(Value x, Value y) { return arith::MaxSIOp::create(b, x, y); }
};

/// An `atile.map` with one result of type `result`, its body given as a
/// callback over the element scalars.
Value map(ImplicitLocOpBuilder &b, Type result, ValueRange inputs,
          function_ref<Value(ImplicitLocOpBuilder &, ValueRange)> body);

/// A tile program's kernel `name` in `module`: `pointers` global pointers,
/// `sizes` i64 sizes, then `maps` TMA descriptors (by value, listed in
/// attn.tensormap_args), one block of 32 x `warps` threads; the builder is
/// left at the start of its body.
gpu::GPUFuncOp createKernel(ImplicitLocOpBuilder &b, gpu::GPUModuleOp module,
                            StringRef name, int64_t pointers, int64_t sizes,
                            int64_t maps, int64_t warps);

/// What the kernels of an attn.linear / attn.delta op read off it.
enum class Gate { None, Scalar, Vector };
struct LinearDeltaPlan {
  bool delta;
  int64_t k, v;
  Gate gate = Gate::None;
  SmallVector<double> decay; // linear: constant log decays (1 or H values)
  double scale;
  bool l2norm = false;
  bool hasInit = false, hasFinal = false;
  Type qkElem, vElem, oElem, betaElem, gateElem;
};

/// The recurrent (decode-step) tile program of a linear / delta op: the
/// kernel `name` (arguments q k v beta g s0 o final_state, then B T H HV;
/// grid (V / recurrentSliceCols(v), HV, B), 32 x kRecurrentWarps threads).
constexpr int64_t kRecurrentWarps = 4;
int64_t recurrentSliceCols(int64_t v);
gpu::GPUFuncOp buildRecurrentProgram(gpu::GPUModuleOp module, StringRef name,
                                     const LinearDeltaPlan &p, Location loc);

/// The state scan of the chunked form of a linear / delta op (see
/// ChunkedScanToATile.cpp): the kernel `name` (arguments w u qg kg aqk gc
/// s0 o final_state, then B T HV; grid (V / (16 chunkedScanWarps(v)), HV,
/// B), 32 x chunkedScanWarps(v) threads), over chunks of `chunk` rows.
/// With `tensorMaps` (a chip with TMA) and K, V multiples of 64 the kernel
/// also takes TMA descriptors of the workspaces chunkedScanMaps names (by
/// value, after the sizes, in that order; attn.tensormap_args), for
/// atile-warp-specialize.
int64_t chunkedScanWarps(int64_t v);
/// The scan kernel's arguments by manifest name, in order (the pointers,
/// then the sizes; the TMA descriptors follow as `<workspace>_map`).
extern const char *const kChunkedScanArgs[12];
SmallVector<StringRef> chunkedScanMaps(const LinearDeltaPlan &p,
                                       bool tensorMaps);
gpu::GPUFuncOp buildChunkedScanProgram(gpu::GPUModuleOp module, StringRef name,
                                       const LinearDeltaPlan &p, int64_t chunk,
                                       bool tensorMaps, Location loc);

/// The XOR-swizzle span (bytes) for shared rows of `rowBytes` bytes: the
/// widest of 128, 64, 32 that divides them (0 when none does).
/// The chunked form's prep (ChunkedPrepToATile.cpp): one block of 4 warps
/// per (chunk, value head, batch); its arguments by manifest name.
extern const char *const kChunkedPrepArgs[15];
gpu::GPUFuncOp buildChunkedPrepProgram(gpu::GPUModuleOp module, StringRef name,
                                       const LinearDeltaPlan &p, int64_t chunk,
                                       Location loc);

int64_t swizzleFor(int64_t rowBytes);

/// A different block shape than the op's #attn.tile: the one-warp decode
/// kernel (16 query rows) next to the prefill kernel of the same plan.
struct RowBlock {
  int64_t q, kv, stages, warps;
};

/// Writes the forward tile program `<name>` of an attn.full or attn.sparse
/// `op` into `module` (with
/// `rows` instead of the plan's q and warps when given; with `overlap`, the
/// loop rotated so that a tile's softmax overlaps the asynchronous products
/// of the next; with `tensorMaps`, the kernel also takes TMA descriptors of
/// K and V, by value after the sizes, listed in attn.tensormap_args);
/// emits a located error and fails when the op's plan has no tile program
/// yet.
FailureOr<gpu::GPUFuncOp>
buildFullProgram(Operation *op, gpu::GPUModuleOp module, StringRef name,
                 std::optional<RowBlock> rows = std::nullopt,
                 bool overlap = false, bool tensorMaps = false);

} // namespace mlir::attn::tile_programs

#endif // ATTN_LIB_CONVERSION_ATTNTOATILE_ATTNTOATILE_H
