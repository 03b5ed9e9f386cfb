//===- TargetInfo.h - what attn knows about each NVIDIA chip ----*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The one home of chip facts: which chips attn compiles for, the PTX ISA
// version each needs, the instructions attn's kernels may use on it and its
// shared-memory limit. attn-tile, attn-assign-precision, convert-attn-to-gpu
// and the attn-to-nvvm pipeline ask this table instead of comparing chip
// names; a chip that is not in it is a located error everywhere, never a
// backend abort.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_TARGET_GPU_TARGETINFO_H
#define ATTN_TARGET_GPU_TARGETINFO_H

#include "llvm/ADT/StringRef.h"
#include <string>

namespace mlir::attn::target {

/// One chip (an LLVM NVPTX processor name) as attn's kernels see it.
struct ChipInfo {
  /// The name as LLVM's NVPTX backend and ptxas spell it (sm_90a).
  llvm::StringLiteral name;
  /// Compute capability, major * 10 + minor (90 for sm_90a, 100 for sm_100).
  unsigned sm;
  /// The oldest PTX ISA version (major * 10 + minor) LLVM 22 emits for it.
  unsigned minPtx;
  /// Largest dynamic shared memory one block may opt in to, in bytes.
  unsigned maxSharedPerBlock;
  /// Hopper's warpgroup MMA (wgmma.mma_async): sm_90a only (the `a` chips
  /// of later generations have other instructions instead).
  bool wgmma;
  /// Cards of this chip, for messages and docs.
  llvm::StringLiteral cards;

  /// mma.sync with e4m3 / e5m2 operands (sm_89 and newer).
  bool fp8MmaSync() const { return sm >= 89; }
  /// FP8 mma.sync runs natively, at twice bf16's rate: Ada (sm_89, per its
  /// whitepaper). sm_90 converts the operands to f16 first (SASS F2FP +
  /// HMMA; measured 0.73-0.84x of bf16, bench/RESULTS.md); later chips are
  /// not measured, so they count as not native.
  bool fp8MmaSyncNative() const { return sm == 89; }
  /// Blocks of `bytes` dynamic shared memory each that fit one SM at once:
  /// an SM has the per-block opt-in limit plus 1 KiB, and the runtime
  /// reserves 1 KiB of it per block (CUDA C++ Programming Guide, Technical
  /// Specifications and the Hopper / Ampere tuning guides).
  unsigned blocksByShared(unsigned bytes) const {
    return (maxSharedPerBlock + 1024) / (bytes + 1024);
  }
  /// The PTX ISA version attn compiles for: the chip's minimum, and at least
  /// 8.0 (8.4 where FP8 mma.sync exists: ptxas rejects it under 8.0).
  unsigned ptxVersion() const;
  /// The `+ptxNN` feature string of ptxVersion().
  std::string ptxFeature() const;
};

/// The chip named `name` (exactly as NVPTX spells it), or null when attn
/// does not know it.
const ChipInfo *lookupChip(llvm::StringRef name);

/// The names of the chips attn compiles for, for error messages
/// ("sm_80, sm_86, ..."). Every chip of the table runs attn's kernels (bf16
/// mma.sync, ldmatrix and cp.async: sm_80 and newer).
std::string knownChipNames();

/// The chip named `name` if attn's GPU kernels can be compiled for it; else
/// null, with `error` set to a message that names the chip and what is wrong
/// (not a chip name, a chip older than sm_80, or one attn does not know).
const ChipInfo *lookupSupportedChip(llvm::StringRef name, std::string &error);

/// The PTX ISA version a `features` string (attn-to-nvvm's option: comma
/// separated `+ptxNN` items; empty means the chip's default) asks for on
/// `chip`; 0 with `error` set when an item is not `+ptxNN`, names a version
/// LLVM 22 does not know, or one older than the chip or attn's kernels need
/// (8.0) — versions that would end in an NVPTX backend abort.
unsigned ptxVersionOf(llvm::StringRef features, const ChipInfo &chip,
                      std::string &error);

/// PTX ISA version FP8 mma.sync needs (8.4).
constexpr unsigned kFp8MmaPtx = 84;

} // namespace mlir::attn::target

#endif // ATTN_TARGET_GPU_TARGETINFO_H
