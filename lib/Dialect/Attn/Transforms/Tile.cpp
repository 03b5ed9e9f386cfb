//===- Tile.cpp - attn-tile -----------------------------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Decides the FlashAttention-style tiling plan of every attn.full and
// attn.sparse op for one target (cpu or a chip): the query and key tile
// sizes, the K/V load pipeline depth, the warps per block and, for decoding
// against a long KV cache, the number of KV splits. Every number comes from
// the table at the top of this file; the plan is recorded as `#attn.tile`,
// and a plan that is already set is kept.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Target/GPU/TargetInfo.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include <algorithm>

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNTILEPASS
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

//===----------------------------------------------------------------------===//
// The table: every numeric choice of this pass.
//===----------------------------------------------------------------------===//

namespace {
/// The tile of one head-dim range: used for head dims D <= maxHeadDim (the
/// last row of a target also for larger D; a dynamic D uses the D = 128 row).
struct TileRow {
  int64_t maxHeadDim;
  int64_t q, kv, stages, warps;
};

/// Everything attn-tile decides for one target.
struct TargetPlan {
  llvm::StringLiteral name;
  TileRow rows[3]; // D <= 64, D <= 128, larger D
  /// attn.sparse: query rows and selected keys per tile.
  int64_t sparseQ, sparseKv;
  /// attn.full decode: split the KV range when T <= decodeMaxT, one split
  /// per keysPerSplit keys, at most maxSplits.
  int64_t decodeMaxT, keysPerSplit, maxSplits;
  /// A GPU target: its kernels choose the split count at run time (at
  /// most split_kv), so where T or S is dynamic the plan gives the maximum
  /// instead of 1; f32 inputs get the split kernels' tiles.
  bool gpu;
};
} // namespace

// Sparse and decode rules, the same on every target:
// - sparse 16 x 64: the selection (DSA top-k, NSA/MoBA blocks) is per query
//   (per KV group), so a query tile cannot share one K/V stream across many
//   rows; 16 rows is the M of one mma.sync (m16n8k16) tile, 64 selected keys
//   one gathered K/V tile.
// - decode (T <= 16 queries against a static S): FlashDecoding-style
//   split-KV; one split per 2048 keys (32 tiles of 64) keeps each split's
//   work well above the cost of the final log-sum-exp combine; at batch 1,
//   32 splits x H >= 8 heads give >= 256 blocks for the 108/132 SMs of an
//   A100/H100.
//   FA2 (flash_fwd_launch_template.h) likewise decodes with split-KV and
//   combines up to 128 splits; 32 is a conservative cap.
// clang-format off
static constexpr TargetPlan kTargets[] = {
    // CPU: one thread per tile (`warps = 1`), no async copies (`stages = 1`).
    // 64 x 64 keeps the f32 score tile at 16 KiB, so it stays in a 32-48 KiB
    // L1d next to the streamed K/V rows; a larger head dim changes the Q/K/V
    // tiles, not the score tile, so every row is the same.
    {"cpu",
     {{64, 64, 64, 1, 1}, {128, 64, 64, 1, 1}, {256, 64, 64, 1, 1}},
     16, 64, 16, 2048, 32, false},
    // sm_80 and up: the mma.sync kernels of convert-attn-to-gpu
    // (FlashAttention-2's algorithm and one-stage cp.async schedule), 16
    // query rows per warp. FA2's 128-row blocks of 4 warps x 32 rows need
    // more than 255 registers here (ptxas: 452 bytes of spills at D = 128).
    // Measured on an H100 (bench/RESULTS.md, B=1 T=16384 H=16 D=128):
    // 64 x 64 with 4 warps 246 / 228 TFLOP/s (non-causal / causal), ahead
    // of 128 x 64 with 8 warps (233 / 219) and of kv = 32 tiles; kv = 128
    // spills at D = 128. D = 256 needs kv = 32 (spills less; still some).
    // The kernels take the split count at run time, so a dynamic S gets
    // the maximum and the launcher picks per card. attn.sparse: 16 rows (one
    // query's heads) x 32 gathered keys: on an H200 (DSA top-2048, T = 8192,
    // H = 16) 32-key tiles ran 1.92 ms against 2.27 ms for 64 (more CTAs per
    // SM keep more gathers in flight); 16 keys gave no more.
    {"sm_80",
     {{64, 64, 64, 1, 4}, {128, 64, 64, 1, 4}, {256, 64, 32, 1, 4}},
     16, 32, 16, 2048, 32, true},
    // sm_90a (H100, H200): the tile IR's warp-specialised wgmma kernels for
    // bf16 / f16 attn.full (docs/gpu-backend.md): 128 query rows, two
    // consumer warpgroups of 64 (the 8 warps planned here; the TMA producer
    // warpgroup is atile-warp-specialize's), K / V rings of 2 stages.
    // FlashAttention-3's tile for D = 128 is 128 x 128 (the prototype in
    // bench/hopper_proto measured 128 x 128 / 176 / 192 within 5% of each
    // other on an H200); 128 x 64 at D = 256 keeps the consumers' 64 x 256
    // accumulator, scores and probabilities within 240 registers.
    {"sm_90a",
     {{64, 128, 128, 2, 8}, {128, 128, 128, 2, 8}, {256, 128, 64, 2, 8}},
     16, 32, 16, 2048, 32, true},
};
// clang-format on

/// The head dim a dynamic D is planned for.
static constexpr int64_t kDefaultHeadDim = 128;

//===----------------------------------------------------------------------===//
// Decisions
//===----------------------------------------------------------------------===//

/// The rows for `name` (cpu, or any chip of the target description: Hopper
/// takes the sm_90a rows, every other chip the sm_80 rows), or null with
/// `error` set.
static const TargetPlan *lookupTarget(llvm::StringRef name,
                                      const target::ChipInfo *&chip,
                                      std::string &error) {
  chip = nullptr;
  llvm::StringRef row = name;
  if (name != "cpu") {
    chip = target::lookupSupportedChip(name, error);
    if (!chip)
      return nullptr;
    row = chip->sm == 90 ? "sm_90a" : "sm_80";
  }
  for (const TargetPlan &plan : kTargets)
    if (plan.name == row)
      return &plan;
  error = ("no tile rows for '" + name + "'").str();
  return nullptr;
}

/// Dimension `i` of `value`'s ranked tensor type, or kDynamic.
static int64_t dimOf(Value value, unsigned i) {
  auto type = llvm::dyn_cast<RankedTensorType>(value.getType());
  if (!type || type.getRank() <= i)
    return ShapedType::kDynamic;
  return type.getDimSize(i);
}

/// The row of `plan` for head dim `d` (dynamic: the D = 128 row).
static const TileRow &rowFor(const TargetPlan &plan, int64_t d) {
  if (ShapedType::isDynamic(d))
    d = kDefaultHeadDim;
  for (const TileRow &row : plan.rows)
    if (d <= row.maxHeadDim)
      return row;
  return std::end(plan.rows)[-1];
}

/// KV splits of a full-attention op: more than one only for a few static
/// queries (decode) against a static KV length.
static int64_t splitKvFor(const TargetPlan &plan, int64_t t, int64_t s) {
  if (!ShapedType::isDynamic(t) && t > plan.decodeMaxT)
    return 1;
  if (ShapedType::isDynamic(t) || ShapedType::isDynamic(s))
    return plan.gpu ? plan.maxSplits : 1;
  return std::clamp<int64_t>(s / plan.keysPerSplit, 1, plan.maxSplits);
}

namespace {
struct AttnTilePass : mlir::attn::impl::AttnTilePassBase<AttnTilePass> {
  using Base::Base;

  void runOnOperation() override {
    const target::ChipInfo *chip;
    std::string error;
    const TargetPlan *plan = lookupTarget(target, chip, error);
    if (!plan) {
      emitError(getOperation()->getLoc())
          << "attn-tile: " << error << " (or target=cpu)";
      return signalPassFailure();
    }

    WalkResult result = getOperation()->walk([&](Operation *op) {
      TileAttr tile;
      auto tileError = [&]() { return op->emitOpError() << "attn-tile: "; };
      if (auto full = dyn_cast<FullOp>(op)) {
        if (full.getTileAttr())
          return WalkResult::advance();
        const TileRow &row = rowFor(*plan, dimOf(full.getQ(), 3));
        int64_t split =
            splitKvFor(*plan, dimOf(full.getQ(), 1), dimOf(full.getK(), 1));
        // f32 inputs on a GPU run the bf16x3 split kernels (hi and lo
        // tiles, three mma per product): above D = 64 a 64-key tile spills
        // (ptxas, sm_90a), a 32-key tile does not.
        int64_t kv = row.kv;
        auto qType = dyn_cast<RankedTensorType>(full.getQ().getType());
        int64_t d = dimOf(full.getQ(), 3);
        const bool splitF32 =
            plan->gpu && qType && qType.getElementType().isF32();
        if (splitF32 && (ShapedType::isDynamic(d) || d > 64))
          kv = std::min<int64_t>(kv, 32);
        // FP8 on sm_90a at D = Dv = 128: the bf16 row's tile (128 x 128,
        // two consumer warpgroups; the warp-specialised e4m3 wgmma tile
        // program). Elsewhere FP8 keeps the builder's one-warpgroup tiles
        // (64 rows, 64 keys; 32 above D = 128): its mma.sync kernel is not
        // a tile program and its FP8 emulation checks are per 64-key tile.
        PrecisionAttr prec = full.getPrecisionAttr();
        int64_t q = row.q, stages = row.stages, warps = row.warps;
        bool wgmmaFp8 = d == 128 && dimOf(full.getV(), 3) == 128;
        if (prec && prec.usesFp8() && chip && chip->wgmma && !wgmmaFp8) {
          q = 64;
          kv = (!ShapedType::isDynamic(d) && d <= 128) ? 64 : 32;
          stages = 1;
          warps = 4;
        }
        // f32 above D = 128: 64 query rows (the hi and lo Q tiles of 128
        // rows and the K / V rings need 256 KiB of shared memory at D =
        // 256).
        if (splitF32 && (ShapedType::isDynamic(d) || d > 128) && q > 64) {
          q = 64;
          warps = std::max<int64_t>(1, warps / 2);
        }
        tile = TileAttr::getChecked(tileError, op->getContext(), q, kv,
                                    stages, split, warps);
        if (!tile)
          return WalkResult::interrupt();
        full.setTileAttr(tile);
      } else if (auto sparse = dyn_cast<SparseOp>(op)) {
        if (sparse.getTileAttr())
          return WalkResult::advance();
        const TileRow &row = rowFor(*plan, dimOf(sparse.getQ(), 3));
        // One warp per 16 query rows (a block holds the heads of one query;
        // the GPU kernels need q = 16 x warps).
        int64_t warps = std::max<int64_t>(1, plan->sparseQ / 16);
        // GPU kernels split the selected keys of a query at run time.
        int64_t split = plan->gpu ? splitKvFor(*plan, dimOf(sparse.getQ(), 1),
                                               ShapedType::kDynamic)
                                  : 1;
        // (One stage: the gathered K / V tiles are loaded per tile.)
        tile = TileAttr::getChecked(tileError, op->getContext(), plan->sparseQ,
                                    plan->sparseKv, int64_t(1), split, warps);
        if (!tile)
          return WalkResult::interrupt();
        sparse.setTileAttr(tile);
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
