//===- Pipelines.cpp - the attn pipelines ---------------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The one definition of each attn pipeline: attn-plan (attn ops -> planned
// attn ops) and attn-to-cpu (planned attn ops -> loop nests over buffers ->
// LLVM dialect, ready for the ExecutionEngine).
//
//===----------------------------------------------------------------------===//

#include "attn/Pipelines/Pipelines.h"
#include "attn/Conversion/Passes.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Target/GPU/TargetInfo.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FileSystem.h"
#include <cstdlib>
#include <string>

using namespace mlir;

static constexpr const char *kLowerStage =
    "convert-attn-to-cpu,canonicalize,cse,"
    "one-shot-bufferize{bufferize-function-boundaries "
    "allow-return-allocs-from-loops "
    "function-boundary-type-conversion=identity-layout-map},"
    "buffer-deallocation-pipeline,convert-bufferization-to-memref,"
    "canonicalize";
static constexpr const char *kLLVMStage =
    "convert-scf-to-cf,expand-strided-metadata,lower-affine,"
    "finalize-memref-to-llvm,convert-math-to-llvm,convert-math-to-libm,"
    "convert-arith-to-llvm,convert-index-to-llvm,convert-cf-to-llvm,"
    "convert-func-to-llvm,reconcile-unrealized-casts,canonicalize,cse";

static void addStage(OpPassManager &pm, const char *stage) {
  if (failed(parsePassPipeline(stage, pm)))
    llvm::report_fatal_error(llvm::Twine("attn pipelines: bad stage ") + stage);
}

// Planning fills in whatever the user did not decide; lowering consumes it.
void mlir::attn::buildAttnPlanPipeline(OpPassManager &pm,
                                       const AttnPlanPipelineOptions &options) {
  addStage(pm, "attn-expand-schedule,attn-select-form,attn-chunk");
  // Options go in as values, not pasted into pipeline text: a target like
  // "cpu}" must be an error of attn-tile, not a broken pipeline string. A
  // bad policy, budget or precision target is attn-assign-precision's
  // located error, under policy off too (the pass then decides nothing).
  AttnAssignPrecisionPassOptions precision;
  precision.policy = options.precision;
  precision.errorBudget = options.errorBudget;
  precision.target = options.precisionTarget.empty()
                         ? std::string(options.target)
                         : std::string(options.precisionTarget);
  pm.addPass(createAttnAssignPrecisionPass(precision));
  AttnTilePassOptions tile;
  tile.target = options.target;
  pm.addPass(createAttnTilePass(tile));
}

void mlir::attn::buildAttnToCPUPipeline(
    OpPassManager &pm, const AttnToCPUPipelineOptions &options) {
  AttnPlanPipelineOptions plan;
  plan.target = "cpu";
  plan.precision = options.precision;
  plan.errorBudget = options.errorBudget;
  buildAttnPlanPipeline(pm, plan);
  addStage(pm, kLowerStage);
  if (options.emitCInterface)
    addStage(pm, "attn-emit-c-interface");
  addStage(pm, kLLVMStage);
}

void mlir::attn::buildAttnToNVVMPipeline(
    OpPassManager &pm, const AttnToNVVMPipelineOptions &options) {
  // Without a toolkit gpu-module-to-binary silently leaves libdevice calls
  // unresolved (research/mlir22-gpu-feasibility.md, item 1): always pass one.
  std::string toolkit = options.toolkit;
  if (toolkit.empty()) {
    const char *env = std::getenv("CUDA_HOME");
    toolkit = env && *env ? env : "/usr/local/cuda";
    // No toolkit directory at all: PTX text still comes out (only libdevice
    // calls and format=bin need one, and those then fail with a clear
    // error). A toolkit given without nvvm/libdevice is an error too.
    if (!llvm::sys::fs::is_directory(toolkit))
      toolkit.clear();
  }
  // 32-bit shared-memory pointers: NVPTX makes addrspace(3) pointers 64-bit
  // unless `nvptx-short-ptr` is set, which costs the kernels a register per
  // shared address (measured on an H100: +7% on the B=4 T=4096 attention
  // kernels, bench/RESULTS.md). The option is process-wide in LLVM; attn's
  // GPU kernels always want it.
  if (llvm::cl::Option *shortPtr =
          llvm::cl::getRegisteredOptions().lookup("nvptx-short-ptr"))
    if (shortPtr->getNumOccurrences() == 0)
      shortPtr->addOccurrence(0, "nvptx-short-ptr", "true");
  // Plan for the chip (user-set decisions kept): attn-tile and
  // attn-assign-precision ask the target description what the chip has. An
  // unknown chip is their located error (and convert-attn-to-gpu's).
  AttnPlanPipelineOptions plan;
  plan.target = options.chip;
  plan.precision = options.precision;
  plan.errorBudget = options.errorBudget;
  plan.precisionTarget = options.chip;
  buildAttnPlanPipeline(pm, plan);
  ConvertAttnToGPUPassOptions check;
  check.chip = options.chip;
  check.format = options.format;
  check.features = options.features;
  check.toolkit = toolkit;
  check.funcs.assign(options.funcs.begin(), options.funcs.end());
  check.tileOverlap = options.tileOverlap;
  check.tensorMaps = options.warpSpecialize && options.wgmma;
  pm.addPass(createConvertAttnToGPUPass(check));
  // Tile programs (the softmax kernels): instructions, warp roles, the
  // copy pipeline, then per-thread code; the manifest takes the kernels'
  // final block and shared memory.
  std::string tiles = "gpu.module(atile-assign-layouts";
  if (!options.wgmma)
    tiles += "{wgmma=false}";
  if (options.warpSpecialize && options.wgmma)
    tiles += options.warpPingpong ? ",atile-warp-specialize"
                                  : ",atile-warp-specialize{pingpong=false}";
  tiles += ",atile-pipeline,convert-atile-to-nvvm)";
  addStage(pm, tiles.c_str());
  pm.addPass(createAttnLaunchSizesPass());
  addStage(pm, "gpu.module(convert-nvgpu-to-nvvm,convert-vector-to-scf,"
               "convert-scf-to-cf,convert-vector-to-llvm,convert-gpu-to-nvvm,"
               "convert-nvvm-to-llvm,canonicalize,cse,"
               "reconcile-unrealized-casts,"
               "attn-extern-dynamic-shared-memory,attn-grid-constant-args)");
  GpuNVVMAttachTargetOptions attach;
  attach.chip = options.chip;
  attach.features = options.features;
  // The chip's PTX ISA version (an unknown chip never gets here:
  // convert-attn-to-gpu refuses it first).
  if (attach.features.empty())
    if (const target::ChipInfo *chip = target::lookupChip(options.chip))
      attach.features = chip->ptxFeature();
  attach.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(attach));
  GpuModuleToBinaryPassOptions binary;
  binary.toolkitPath = toolkit;
  binary.compilationTarget = options.format;
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

void mlir::attn::registerAttnPipelines() {
  PassPipelineRegistration<AttnToNVVMPipelineOptions>(
      "attn-to-nvvm",
      "Compile attn kernels for NVIDIA GPUs: gpu.module -> NVVM -> PTX "
      "(format=isa) or cubin (format=bin)",
      buildAttnToNVVMPipeline);
  PassPipelineRegistration<AttnPlanPipelineOptions>(
      "attn-plan",
      "Decide what lowering needs (expand schedules, form, chunking, tiling "
      "for a target), keeping user-set decisions",
      buildAttnPlanPipeline);
  PassPipelineRegistration<AttnToCPUPipelineOptions>(
      "attn-to-cpu",
      "Compile attn ops for the host CPU: plan, lower to loop nests, "
      "bufferize, lower to the LLVM dialect",
      buildAttnToCPUPipeline);
}
