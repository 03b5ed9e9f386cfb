//===- Pipelines.h - the attn compilation pipelines -------------*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Pipelines are defined once, here, and reached by name from attn-opt
// (`--attn-to-cpu`), the JIT behind attn-run and Python, and the C API.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_PIPELINES_PIPELINES_H
#define ATTN_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::attn {

/// Options of the attn-to-cpu pipeline.
struct AttnToCPUPipelineOptions
    : public PassPipelineOptions<AttnToCPUPipelineOptions> {
  Option<bool> emitCInterface{
      *this, "emit-c-interface",
      llvm::cl::desc("Give every public function a C interface wrapper "
                     "(_mlir_ciface_<name>) for callers outside MLIR"),
      llvm::cl::init(true)};
  Option<std::string> precision{
      *this, "precision",
      llvm::cl::desc("FP8 policy of attn-assign-precision: off (the default: "
                     "no precision is planned), auto or fp8"),
      llvm::cl::init("off")};
  Option<double> errorBudget{
      *this, "error-budget",
      llvm::cl::desc("Largest acceptable relative error of an op's output "
                     "(attn-assign-precision)"),
      llvm::cl::init(3e-2)};
};

/// Options of the attn-plan pipeline.
struct AttnPlanPipelineOptions
    : public PassPipelineOptions<AttnPlanPipelineOptions> {
  Option<std::string> target{
      *this, "target",
      llvm::cl::desc("Target the tiles are chosen for: cpu or a chip (sm_80, "
                     "sm_90a, sm_100a, ...)"),
      llvm::cl::init("sm_90a")};
  Option<std::string> precision{
      *this, "precision",
      llvm::cl::desc("FP8 policy of attn-assign-precision: off (the default: "
                     "no precision is planned), auto or fp8"),
      llvm::cl::init("off")};
  Option<double> errorBudget{
      *this, "error-budget",
      llvm::cl::desc("Largest acceptable relative error of an op's output "
                     "(attn-assign-precision)"),
      llvm::cl::init(3e-2)};
  Option<std::string> precisionTarget{
      *this, "precision-target",
      llvm::cl::desc("Target attn-assign-precision decides for: a chip "
                     "(sm_90a, sm_89, sm_80, ...) or cpu (default: `target`)"),
      llvm::cl::init("")};
};

/// Decide everything lowering needs, leaving user-set decisions alone:
/// attn-expand-schedule, attn-select-form, attn-chunk,
/// attn-assign-precision{policy = precision, error-budget, target} (only
/// when `precision` is not off), attn-tile{target}.
void buildAttnPlanPipeline(OpPassManager &pm,
                           const AttnPlanPipelineOptions &options);

/// attn ops (planned or not) -> LLVM dialect for the host: plan
/// (attn-plan{target=cpu} with the precision options; FP8 plans are
/// emulated exactly), lower to loop nests (convert-attn-to-cpu),
/// bufferize, insert deallocations, lower to LLVM.
void buildAttnToCPUPipeline(OpPassManager &pm,
                            const AttnToCPUPipelineOptions &options);

/// Options of the attn-to-nvvm pipeline.
struct AttnToNVVMPipelineOptions
    : public PassPipelineOptions<AttnToNVVMPipelineOptions> {
  Option<std::string> chip{*this, "chip",
                           llvm::cl::desc("GPU architecture: sm_90a (H100 / "
                                          "H200, the default) or another chip "
                                          "of attn's target description "
                                          "(sm_80 and newer: sm_86, sm_89, "
                                          "sm_100a, sm_120, ...)"),
                           llvm::cl::init("sm_90a")};
  Option<std::string> features{
      *this, "features",
      llvm::cl::desc("PTX ISA version as +ptxNN (e.g. +ptx84, +ptx88); "
                     "default: the chip's (at least 8.0; 8.4 on sm_89 and "
                     "newer, where FP8 mma needs it; 8.6-9.0 on Blackwell)"),
      llvm::cl::init("")};
  Option<std::string> format{
      *this, "format",
      llvm::cl::desc("isa (PTX text, the default) or bin (cubin via ptxas)"),
      llvm::cl::init("isa")};
  Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit root (libdevice, ptxas); default "
                     "$CUDA_HOME, else /usr/local/cuda"),
      llvm::cl::init("")};
  ListOption<std::string> funcs{
      *this, "funcs",
      llvm::cl::desc("Compile only these functions (default: every function "
                     "holding an attn op)")};
  Option<std::string> precision{
      *this, "precision",
      llvm::cl::desc("FP8 policy of attn-assign-precision: off (the default: "
                     "no precision is planned), auto or fp8"),
      llvm::cl::init("off")};
  Option<double> errorBudget{
      *this, "error-budget",
      llvm::cl::desc("Largest acceptable relative error of an op's output "
                     "(attn-assign-precision)"),
      llvm::cl::init(3e-2)};
  Option<bool> tileOverlap{
      *this, "tile-overlap",
      llvm::cl::desc("attn.full's tile program on sm_90a overlaps a tile's "
                     "softmax with the next products (convert-attn-to-gpu's "
                     "tile-overlap)"),
      llvm::cl::init(true)};
  Option<bool> warpSpecialize{
      *this, "warp-specialize",
      llvm::cl::desc("Tile programs on sm_90a get a TMA producer warpgroup "
                     "and consumer warpgroups (atile-warp-specialize; needs "
                     "wgmma)"),
      llvm::cl::init(true)};
  Option<bool> warpPingpong{
      *this, "warp-pingpong",
      llvm::cl::desc("The two consumer warpgroups take turns issuing their "
                     "products (atile-warp-specialize's pingpong)"),
      llvm::cl::init(true)};
  Option<bool> wgmma{
      *this, "wgmma",
      llvm::cl::desc("Tile programs use wgmma where the chip and the products "
                     "allow it (atile-assign-layouts' wgmma; false: mma.sync)"),
      llvm::cl::init(true)};
};

/// attn ops and gpu.module kernels -> NVVM -> PTX / cubin
/// (gpu-module-to-binary), with the MLIR 22 workarounds attn needs. The
/// plan's precision target is the chip: sm_90* -> sm_90a, sm_89 and newer
/// -> sm_89 (FP8 mma.sync), anything older -> sm_80. Kernel
/// builders for attn ops are not there yet: attn compute ops are errors.
void buildAttnToNVVMPipeline(OpPassManager &pm,
                             const AttnToNVVMPipelineOptions &options);

/// Registers `attn-plan`, `attn-to-cpu` and `attn-to-nvvm` with the pass
/// pipeline registry.
void registerAttnPipelines();

} // namespace mlir::attn

#endif // ATTN_PIPELINES_PIPELINES_H
