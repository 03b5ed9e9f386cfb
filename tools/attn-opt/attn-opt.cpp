//===- attn-opt.cpp - the attn optimizer driver ---------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// attn-opt: parses, verifies, transforms and prints attn IR. It registers the
// attn dialect and passes plus the upstream dialects and passes the attn
// pipelines use (see lib/Registration), so upstream lowering passes can be
// run on attn output too.
//
// The driver is MlirOptMain's, with what mlir-opt leaves to chance made
// errors: input nested deeper than kMaxIRNesting is refused, located,
// before it is parsed (and the work runs on a large stack,
// attn/Support/NestingLimit.h); the output file and stdout are checked
// after writing, so a full disk is "cannot write" and exit 1, not an LLVM
// fatal error; an error diagnostic of a pass that still succeeded makes
// the exit status 1 too.
//
//===----------------------------------------------------------------------===//

#include "attn/InitAllDialects.h"
#include "attn/InitAllPasses.h"
#include "attn/Support/CheckWritten.h"
#include "attn/Support/NestingLimit.h"
#include "attn/Support/ReadInput.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"
#include <atomic>
#include <cstdio>

using namespace mlir;

/// MlirOptMain(argc, argv, input, output, registry) with the checks above.
static LogicalResult runOpt(llvm::StringRef inputFilename,
                            llvm::StringRef outputFilename,
                            DialectRegistry &registry) {
  MlirOptMainConfig config = MlirOptMainConfig::createFromCLOptions();
  // Some passes report an error and still succeed: note every error
  // diagnostic (and pass it on to the printing handler), so that a printed
  // error always means exit 1. Under -verify-diagnostics errors are
  // expected and the verifier decides.
  std::atomic<bool> sawError{false};
  if (!config.shouldVerifyDiagnostics()) {
    MlirOptMainConfig base = config;
    config.setPassPipelineSetupFn([base, &sawError](PassManager &pm) {
      pm.getContext()->getDiagEngine().registerHandler([&](Diagnostic &diag) {
        if (diag.getSeverity() == DiagnosticSeverity::Error)
          sawError = true;
        return failure();
      });
      return base.setupPassPipeline(pm);
    });
  }
  if (config.shouldShowDialects()) {
    llvm::outs() << "Available Dialects: ";
    llvm::interleave(registry.getDialectNames(), llvm::outs(), ",");
    llvm::outs() << "\n";
    return success();
  }
  if (config.shouldListPasses()) {
    printRegisteredPasses();
    return success();
  }
  if (inputFilename == "-" &&
      llvm::sys::Process::FileDescriptorIsDisplayed(fileno(stdin)))
    llvm::errs() << "(processing input from stdin now, hit ctrl-c/ctrl-d to "
                    "interrupt)\n";

  std::string errorMessage;
  // Bounded: a device such as /dev/zero is refused, not read forever.
  std::unique_ptr<llvm::MemoryBuffer> file =
      attn::readInputFile("attn-opt", inputFilename, &errorMessage);
  if (!file) {
    llvm::errs() << errorMessage << "\n";
    return failure();
  }
  if (llvm::SourceMgr sourceMgr; attn::reportDeepNesting(file, sourceMgr))
    return failure();
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputFilename, &errorMessage);
  if (!output) {
    llvm::errs() << errorMessage << "\n";
    return failure();
  }
  if (failed(MlirOptMain(output->os(), std::move(file), registry, config)) ||
      sawError)
    return failure();
  // Not kept (so removed) when it could not be written in full.
  if (!attn::checkWritten(output->os(), "attn-opt",
                          outputFilename == "-"
                              ? std::string("stdout")
                              : "'" + outputFilename.str() + "'"))
    return failure();
  output->keep();
  return success();
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  attn::registerAllPasses();
  DialectRegistry registry;
  attn::registerAllDialects(registry);
  auto [inputFilename, outputFilename] = registerAndParseCLIOptions(
      argc, argv, "attn optimizer driver: attention variants to kernels\n",
      registry);
  int rc = attn::runOnLargeStack<int>([&] {
    return failed(runOpt(inputFilename, outputFilename, registry)) ? 1 : 0;
  });
  // Passes print to stdout too (attn-print-schedule, attn-plan-memory).
  if (!attn::checkWritten(llvm::outs(), "attn-opt", "stdout"))
    return 1;
  return rc;
}
