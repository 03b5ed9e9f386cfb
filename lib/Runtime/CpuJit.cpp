//===- CpuJit.cpp - compile and run attn modules on the host --------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Implements CpuModule and its C API: parse + verify, the attn-to-cpu
// pipeline, LLVM -O3 and MLIR's ExecutionEngine. Any diagnostic emitted on
// the way fails the compile (some upstream passes report errors without
// failing), and the messages are returned, located, to the caller.
//
//===----------------------------------------------------------------------===//

#include "attn/Runtime/CpuJit.h"
#include "AllocSizeGuard.h"
#include "Frontend.h"
#include "JitAlloc.h"
#include "attn-c/CpuJit.h"
#include "attn/InitAllDialects.h"
#include "attn/InitAllPasses.h"
#include "attn/Pipelines/Pipelines.h"
#include "attn/Support/NestingLimit.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include <cstdlib>
#include <cstring>
#include <mutex>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::frontend;

CpuModule::CpuModule() = default;
CpuModule::~CpuModule() = default;

llvm::Error CpuModule::verifySource(llvm::StringRef source,
                                    llvm::StringRef bufferName) {
  initializeOnce();
  std::unique_ptr<MLIRContext> ctx = makeContext();
  DiagnosticCollector diags(*ctx);
  if (!parseAndVerify(*ctx, source, bufferName, diags))
    return diags.fail("verification");
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<CpuModule>>
CpuModule::compile(llvm::StringRef source, llvm::StringRef bufferName,
                   llvm::StringRef pipelineOptions) {
  initializeOnce();
  AttnToCPUPipelineOptions pipeline;
  if (llvm::Error err =
          parsePipelineOptions(pipeline, pipelineOptions, "attn-to-cpu"))
    return std::move(err);
  std::unique_ptr<CpuModule> result(new CpuModule());
  result->context = makeContext();
  MLIRContext &ctx = *result->context;
  DiagnosticCollector diags(ctx);
  OwningOpRef<ModuleOp> module = parseAndVerify(ctx, source, bufferName, diags);
  if (!module)
    return diags.fail("verification");
  module->walk([&](func::FuncOp f) {
    if (f.isPublic())
      result->signatures[f.getName()] = f.getFunctionType();
  });

  PassManager pm(&ctx);
  buildAttnToCPUPipeline(pm, pipeline);
  if (failed(pm.run(*module)) || diags.sawError())
    return diags.fail("attn-to-cpu");
  // Allocation sizes saturate instead of wrapping, so an overflowing one
  // is an allocation failure the checked allocator reports.
  guardAllocationSizes(*module);

  // Optimise for this host's CPU (its vector units included): without a
  // target machine LLVM's vectorisers see no vector registers.
  auto tmBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!tmBuilder) {
    diags.stream() << llvm::toString(tmBuilder.takeError()) << "\n";
    return diags.fail("host detection");
  }
  tmBuilder->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  auto tm = tmBuilder->createTargetMachine();
  if (!tm) {
    diags.stream() << llvm::toString(tm.takeError()) << "\n";
    return diags.fail("host target machine");
  }
  ExecutionEngineOptions options;
  options.transformer = makeOptimizingTransformer(/*optLevel=*/3,
                                                  /*sizeLevel=*/0, tm->get());
  options.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  auto engine = ExecutionEngine::create(*module, options, std::move(*tm));
  if (!engine) {
    diags.stream() << llvm::toString(engine.takeError()) << "\n";
    return diags.fail("JIT compilation");
  }
  result->engine = std::move(*engine);
  // Before the first lookup: the code's malloc & co. resolve to the checked
  // allocator, so an allocation that fails is an error, not a crash.
  jitalloc::registerCheckedAllocator(*result->engine);
  return result;
}

FunctionType CpuModule::getSignature(llvm::StringRef name) const {
  auto it = signatures.find(name);
  return it == signatures.end() ? FunctionType() : it->second;
}

llvm::Error CpuModule::invoke(llvm::StringRef name, void **args) {
  if (!signatures.count(name))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "no public function named '" + name +
                                       "' in the module");
  std::string entry = ("_mlir_ciface_" + name).str();
  auto fn = engine->lookupPacked(entry);
  if (!fn)
    return fn.takeError();
  return jitalloc::invokeChecked(*fn, args, name);
}

//===----------------------------------------------------------------------===//
// C API
//===----------------------------------------------------------------------===//

struct AttnCpuModule {
  std::unique_ptr<CpuModule> module;
};

extern "C" AttnCpuModule *attnCpuCompile(const char *ir, size_t len,
                                         const char *name, char **error) {
  return attnCpuCompileWithOptions(ir, len, name, nullptr, error);
}

extern "C" AttnCpuModule *attnCpuCompileWithOptions(const char *ir, size_t len,
                                                    const char *name,
                                                    const char *options,
                                                    char **error) {
  if (!ir) {
    if (error)
      *error = copyString("attnCpuCompile: null IR");
    return nullptr;
  }
  // On a large stack: parsing, verifying and lowering recurse per nesting
  // level, and the caller's thread may have a small stack.
  auto compiled =
      runOnLargeStack<llvm::Expected<std::unique_ptr<CpuModule>>>([&] {
        return CpuModule::compile(llvm::StringRef(ir, len),
                                  name ? name : "<input>",
                                  options ? options : "");
      });
  if (!compiled) {
    std::string msg = llvm::toString(compiled.takeError());
    if (error)
      *error = copyString(msg);
    return nullptr;
  }
  return new AttnCpuModule{std::move(*compiled)};
}

extern "C" int attnVerify(const char *ir, size_t len, const char *name,
                          char **error) {
  if (!ir) {
    if (error)
      *error = copyString("attnVerify: null IR");
    return 1;
  }
  if (llvm::Error err = runOnLargeStack<llvm::Error>([&] {
        return CpuModule::verifySource(llvm::StringRef(ir, len),
                                       name ? name : "<input>");
      })) {
    std::string msg = llvm::toString(std::move(err));
    if (error)
      *error = copyString(msg);
    return 1;
  }
  return 0;
}

extern "C" int attnCpuInvoke(AttnCpuModule *module, const char *function,
                             void **args, char **error) {
  if (!module || !function || !args) {
    if (error)
      *error = copyString("attnCpuInvoke: null module, function name or "
                          "args (args is an array of argument pointers, "
                          "even when empty)");
    return 1;
  }
  if (llvm::Error err = module->module->invoke(function, args)) {
    bool outOfMemory = false;
    std::string msg;
    llvm::handleAllErrors(std::move(err), [&](const llvm::ErrorInfoBase &e) {
      outOfMemory |= e.convertToErrorCode() ==
                     std::make_error_code(std::errc::not_enough_memory);
      msg += (msg.empty() ? "" : "\n") + e.message();
    });
    if (error)
      *error = copyString(msg);
    return outOfMemory ? ATTN_CPU_OUT_OF_MEMORY : 1;
  }
  return 0;
}

extern "C" void attnCpuDestroy(AttnCpuModule *module) { delete module; }
extern "C" void attnFreeString(char *s) { std::free(s); }
extern "C" void attnFreeBuffer(void *allocated) { std::free(allocated); }
