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
  // bad policy is attn-assign-precision's located error.
  if (options.precision != "off") {
    AttnAssignPrecisionPassOptions precision;
    precision.policy = options.precision;
    precision.errorBudget = options.errorBudget;
    precision.target = options.precisionTarget.empty()
                           ? std::string(options.target)
                           : std::string(options.precisionTarget);
    pm.addPass(createAttnAssignPrecisionPass(precision));
  }
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
  // Plan for the chip (user-set decisions kept): Hopper gets the sm_90a
  // rows of attn-tile's table, everything else the sm_80 rows.
  AttnPlanPipelineOptions plan;
  llvm::StringRef arch = options.chip;
  bool hopper = arch.starts_with("sm_90");
  plan.target = hopper ? "sm_90a" : "sm_80";
  // Precision is planned for the chip's FP8 tensor cores: Hopper's, Ada's
  // mma.sync FP8 (sm_89, and the newer chips that keep it), none before.
  unsigned smVersion = 0;
  bool ada = !hopper && arch.consume_front("sm_") &&
             !arch.take_while(llvm::isDigit).getAsInteger(10, smVersion) &&
             smVersion >= 89;
  plan.precision = options.precision;
  plan.errorBudget = options.errorBudget;
  plan.precisionTarget = hopper ? "sm_90a" : ada ? "sm_89" : "sm_80";
  buildAttnPlanPipeline(pm, plan);
  ConvertAttnToGPUPassOptions check;
  check.chip = options.chip;
  check.format = options.format;
  check.funcs.assign(options.funcs.begin(), options.funcs.end());
  pm.addPass(createConvertAttnToGPUPass(check));
  addStage(pm, "gpu.module(convert-nvgpu-to-nvvm,convert-vector-to-scf,"
               "convert-scf-to-cf,convert-vector-to-llvm,convert-gpu-to-nvvm,"
               "convert-nvvm-to-llvm,canonicalize,cse,"
               "reconcile-unrealized-casts,"
               "attn-extern-dynamic-shared-memory)");
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.features = options.features;
  if (target.features.empty()) {
    llvm::StringRef chip = options.chip;
    target.features =
        chip == "sm_89" || chip.starts_with("sm_90") ? "+ptx84" : "+ptx80";
  }
  target.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(target));
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
