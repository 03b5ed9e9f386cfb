//===- CpuCompile.cpp - attn modules to LLVM IR for the host --------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//

#include "attn/Runtime/CpuCompile.h"
#include "AllocSizeGuard.h"
#include "Frontend.h"
#include "attn/Pipelines/Pipelines.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::frontend;

llvm::Error mlir::attn::compileForCpuToLLVMIR(llvm::StringRef source,
                                              llvm::StringRef bufferName,
                                              std::string &llvmIR,
                                              llvm::StringRef pipelineOptions) {
  initializeOnce();
  AttnToCPUPipelineOptions pipeline;
  if (llvm::Error err =
          parsePipelineOptions(pipeline, pipelineOptions, "attn-to-cpu"))
    return err;
  std::unique_ptr<MLIRContext> ctx = makeContext();
  DiagnosticCollector diags(*ctx);
  OwningOpRef<ModuleOp> module =
      parseAndVerify(*ctx, source, bufferName, diags);
  if (!module)
    return diags.fail("verification");
  PassManager pm(ctx.get());
  buildAttnToCPUPipeline(pm, pipeline);
  if (failed(pm.run(*module)) || diags.sawError())
    return diags.fail("attn-to-cpu");
  // Allocation sizes saturate instead of wrapping (AllocSizeGuard.h): an
  // overflowing size reaches malloc as 2^64 - 1, which fails.
  guardAllocationSizes(*module);
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, llvmContext, bufferName);
  if (!llvmModule || diags.sawError())
    return diags.fail("translation to LLVM IR");
  llvm::raw_string_ostream os(llvmIR);
  llvmModule->print(os, nullptr);
  return llvm::Error::success();
}
