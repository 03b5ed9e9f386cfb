//===- TargetInfo.cpp - what attn knows about each NVIDIA chip ------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The chip table. Sources: the PTX ISA minimums are what LLVM 22's NVPTX
// backend accepts for each processor (llc -mcpu=<chip> -mattr=+ptxNN: the
// lowest NN that does not fail); the shared-memory opt-in limits are the
// CUDA C++ Programming Guide's "maximum amount of shared memory per thread
// block" by compute capability (Technical Specifications table); wgmma is
// PTX ISA's `wgmma.mma_async`, which requires sm_90a. A chip missing here
// (a future one, or one whose limits we have not checked) is refused with a
// located error rather than guessed at.
//
//===----------------------------------------------------------------------===//

#include "attn/Target/GPU/TargetInfo.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include <algorithm>

using namespace mlir::attn::target;

namespace {
constexpr unsigned k163KiB = 163 * 1024; // A100, Orin
constexpr unsigned k99KiB = 99 * 1024;   // Ada, GA10x, consumer Blackwell
constexpr unsigned k227KiB = 227 * 1024; // Hopper, data-centre Blackwell
} // namespace

// clang-format off
static constexpr ChipInfo kChips[] = {
    // name       sm  ptx  smem/block wgmma cards
    {"sm_80",     80, 70, k163KiB, false, "A100, A30"},
    {"sm_86",     86, 71, k99KiB,  false, "RTX 30xx, A10, A40"},
    {"sm_87",     87, 74, k163KiB, false, "Jetson Orin"},
    {"sm_89",     89, 78, k99KiB,  false, "RTX 40xx, L4, L40"},
    {"sm_90",     90, 78, k227KiB, false, "H100, H200 (generic sm_90: no wgmma)"},
    {"sm_90a",    90, 80, k227KiB, true,  "H100, H200"},
    {"sm_100",   100, 86, k227KiB, false, "B200, GB200"},
    {"sm_100a",  100, 86, k227KiB, false, "B200, GB200"},
    {"sm_100f",  100, 88, k227KiB, false, "B200, GB200"},
    {"sm_103",   103, 88, k227KiB, false, "B300, GB300"},
    {"sm_103a",  103, 88, k227KiB, false, "B300, GB300"},
    {"sm_103f",  103, 88, k227KiB, false, "B300, GB300"},
    // Thor (sm_101 before CUDA 13, sm_110 since): its per-block limit is not
    // in the guide we checked; the smallest sm_80+ limit is assumed, so a
    // plan either fits or is refused, never fails at launch.
    {"sm_101",   101, 86, k99KiB,  false, "Jetson Thor (CUDA 12.x name)"},
    {"sm_101a",  101, 86, k99KiB,  false, "Jetson Thor (CUDA 12.x name)"},
    {"sm_110",   110, 90, k99KiB,  false, "Jetson Thor"},
    {"sm_110a",  110, 90, k99KiB,  false, "Jetson Thor"},
    {"sm_110f",  110, 90, k99KiB,  false, "Jetson Thor"},
    {"sm_120",   120, 87, k99KiB,  false, "RTX 50xx, RTX PRO 6000"},
    {"sm_120a",  120, 87, k99KiB,  false, "RTX 50xx, RTX PRO 6000"},
    {"sm_120f",  120, 88, k99KiB,  false, "RTX 50xx, RTX PRO 6000"},
    {"sm_121",   121, 88, k99KiB,  false, "DGX Spark (GB10)"},
    {"sm_121a",  121, 88, k99KiB,  false, "DGX Spark (GB10)"},
    {"sm_121f",  121, 88, k99KiB,  false, "DGX Spark (GB10)"},
};
// clang-format on

/// PTX ISA versions LLVM 22's NVPTX backend knows (its `ptxNN` features).
static constexpr unsigned kLlvmPtxVersions[] = {
    32, 40, 41, 42, 43, 50, 60, 61, 62, 63, 64, 65, 70, 71, 72, 73, 74,
    75, 76, 77, 78, 80, 81, 82, 83, 84, 85, 86, 87, 88, 90};

/// attn's kernels are compiled and checked with PTX ISA 8.0 and later.
constexpr unsigned kKernelsPtx = 80;

unsigned ChipInfo::ptxVersion() const {
  return std::max(minPtx, fp8MmaSync() ? kFp8MmaPtx : kKernelsPtx);
}

std::string ChipInfo::ptxFeature() const {
  return llvm::formatv("+ptx{0}", ptxVersion()).str();
}

const ChipInfo *mlir::attn::target::lookupChip(llvm::StringRef name) {
  for (const ChipInfo &chip : kChips)
    if (chip.name == name)
      return &chip;
  return nullptr;
}

std::string mlir::attn::target::knownChipNames() {
  std::string names;
  for (const ChipInfo &chip : kChips)
    names += (names.empty() ? "" : ", ") + chip.name.str();
  return names;
}

const ChipInfo *mlir::attn::target::lookupSupportedChip(llvm::StringRef name,
                                                     std::string &error) {
  if (const ChipInfo *chip = lookupChip(name))
    return chip;
  // "older" only for a well-formed chip name (sm_<digits> with an optional
  // a / f): sm_8x or sm_9x0a are unknown chips, not old ones.
  llvm::StringRef rest = name;
  unsigned sm = 0;
  bool wellFormed = rest.consume_front("sm_") &&
                    !rest.take_while(llvm::isDigit).empty() &&
                    !rest.take_while(llvm::isDigit).getAsInteger(10, sm);
  rest = rest.drop_while(llvm::isDigit);
  wellFormed &= rest.empty() || rest == "a" || rest == "f";
  if (wellFormed && sm < 80)
    error = llvm::formatv("chip '{0}' is older than sm_80: attn's kernels "
                          "need bf16 tensor cores and cp.async (sm_80 and "
                          "newer)",
                          name)
                .str();
  else
    error = llvm::formatv("unknown chip '{0}'; attn compiles for {1}", name,
                          knownChipNames())
                .str();
  return nullptr;
}

unsigned mlir::attn::target::ptxVersionOf(llvm::StringRef features,
                                          const ChipInfo &chip,
                                          std::string &error) {
  if (features.trim().empty())
    return chip.ptxVersion();
  unsigned version = 0;
  llvm::SmallVector<llvm::StringRef> items;
  features.split(items, ',');
  for (llvm::StringRef item : items) {
    item = item.trim();
    llvm::StringRef digits = item;
    unsigned v = 0;
    if (!digits.consume_front("+ptx") || digits.getAsInteger(10, v)) {
      error = llvm::formatv("features: '{0}' is not a PTX ISA version "
                            "(expected +ptxNN, e.g. {1})",
                            item, chip.ptxFeature())
                  .str();
      return 0;
    }
    if (!llvm::is_contained(kLlvmPtxVersions, v)) {
      error = llvm::formatv("features: PTX ISA {0}.{1} ('{2}') is not one "
                            "LLVM 22's NVPTX backend knows (at most 9.0)",
                            v / 10, v % 10, item)
                  .str();
      return 0;
    }
    version = std::max(version, v);
  }
  unsigned least = std::max(chip.minPtx, kKernelsPtx);
  if (version < least) {
    error = llvm::formatv("features: PTX ISA {0}.{1} is too old for {2}: "
                          "it needs {3}.{4} or later{5}",
                          version / 10, version % 10, chip.name, least / 10,
                          least % 10,
                          least == chip.minPtx ? ""
                                               : " (attn's kernels' baseline)")
                .str();
    return 0;
  }
  return version;
}
