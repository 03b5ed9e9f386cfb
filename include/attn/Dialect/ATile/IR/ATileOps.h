//===- ATileOps.h - atile operations ----------------------------*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATILE_IR_ATILEOPS_H
#define ATTN_DIALECT_ATILE_IR_ATILEOPS_H

#include "attn/Dialect/ATile/IR/ATileTypes.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/LLVMIR/LLVMTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/RegionKindInterface.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "dialects/atile/ATileOps.h.inc"

namespace mlir::atile {
/// Where the next atile.alloc buffer of `type` starts when `used` bytes of
/// shared memory are taken: 1024-aligned (the 128-byte swizzle's period);
/// `used` moves past it. The NVVM lowering places buffers so, in order.
int64_t placeShared(int64_t &used, SmemType type);
/// The ring barriers of `kernel` (after its buffers, `used` bytes): per
/// buffer an atile.acquire / await / release names, in program order, the
/// offset of its 16 bytes per stage (a "full" and an "empty" mbarrier);
/// `used` moves past them.
SmallVector<std::pair<AllocOp, int64_t>> placeRings(Operation *kernel,
                                                    int64_t &used);
/// Where the scratch of `kernel`'s reductions over rows (atile.reduce
/// dim = 0: one f32 per warp and column) starts when `used` bytes are taken
/// (after the buffers and ring barriers, 16-aligned), and its bytes (0
/// without such reductions); `used` moves past it. The warps are the
/// kernel's known block size / 32.
std::pair<int64_t, int64_t> placeReduceScratch(Operation *kernel,
                                               int64_t &used);
/// Bytes of dynamic shared memory the atile.alloc buffers of `kernel` take
/// (placed by placeShared), ring barriers and reduction scratch included:
/// what launchers reserve.
int64_t sharedBytes(Operation *kernel);
/// Whether TMA boxes of one 128-byte column block can fill `tile`: whole
/// 128-byte column blocks, and either the 128-byte swizzle (which TMA
/// applies by shared address, so the tile's rows must be whole swizzle
/// periods from its 1024-aligned start) or a single unswizzled row (its
/// blocks then lie one after another).
bool tmaFillable(SmemType tile);
} // namespace mlir::atile

#endif // ATTN_DIALECT_ATILE_IR_ATILEOPS_H
