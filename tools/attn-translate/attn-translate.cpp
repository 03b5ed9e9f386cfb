//===- attn-translate.cpp - imports into attn IR --------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// attn-translate: mlir-translate with attn's imports, today
// `--import-hf-config` (Hugging Face model config.json -> attn.schedule).
//
// The driver is mlirTranslateMain's (same flags), with the output checked
// after writing: upstream's driver leaves a write error (a full disk) to
// the output stream's destructor, which ends the process with an LLVM
// fatal error; here it is "cannot write '<file>'" and exit 1. The work runs
// on a large stack (attn/Support/NestingLimit.h).
//
//===----------------------------------------------------------------------===//

#include "attn/Support/NestingLimit.h"
#include "attn/Support/ReadInput.h"
#include "attn/Target/HFConfig.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "mlir/Support/ToolUtilities.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "attn/Support/CheckWritten.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::opt<std::string>
    inputFilename(cl::Positional, cl::desc("<input file>"), cl::init("-"));
static cl::opt<std::string> outputFilename("o", cl::desc("Output filename"),
                                           cl::value_desc("filename"),
                                           cl::init("-"));
static cl::opt<bool> allowUnregisteredDialects(
    "allow-unregistered-dialect",
    cl::desc("Allow operation with no registered dialects (discouraged: "
             "testing only!)"),
    cl::init(false));
static cl::opt<std::string> inputSplitMarker{
    "split-input-file", cl::ValueOptional,
    cl::callback([](const std::string &str) {
      // Implicit value: the default marker when given without one.
      if (str.empty())
        inputSplitMarker.setValue(kDefaultSplitMarker);
    }),
    cl::desc("Split the input file into chunks using the given or default "
             "marker and process each chunk independently"),
    cl::init("")};
static cl::opt<SourceMgrDiagnosticVerifierHandler::Level> verifyDiagnostics{
    "verify-diagnostics", cl::ValueOptional,
    cl::desc("Check that emitted diagnostics match expected-* lines on the "
             "corresponding line"),
    cl::values(
        clEnumValN(SourceMgrDiagnosticVerifierHandler::Level::All, "all",
                   "Check all diagnostics (expected, unexpected, "
                   "near-misses)"),
        clEnumValN(SourceMgrDiagnosticVerifierHandler::Level::All, "",
                   "Check all diagnostics (expected, unexpected, "
                   "near-misses)"),
        clEnumValN(SourceMgrDiagnosticVerifierHandler::Level::OnlyExpected,
                   "only-expected", "Check only expected diagnostics"))};
static cl::opt<bool> errorDiagnosticsOnly(
    "error-diagnostics-only",
    cl::desc("Filter all non-error diagnostics (discouraged: testing only!)"),
    cl::init(false));
static cl::opt<std::string>
    outputSplitMarker("output-split-marker",
                      cl::desc("Split marker to use for merging the ouput"),
                      cl::init(""));

/// The translation `translation` of the input into the output file.
static LogicalResult runTranslate(const Translation &translation) {
  DefaultTimingManager tm;
  applyDefaultTimingManagerCLOptions(tm);
  TimingScope timing = tm.getRootScope();

  std::string errorMessage;
  // Bounded: a device such as /dev/zero is refused, not read forever.
  std::unique_ptr<llvm::MemoryBuffer> input =
      attn::readInputFile("attn-translate", inputFilename, &errorMessage,
                          translation.getInputAlignment());
  if (!input) {
    llvm::errs() << errorMessage << "\n";
    return failure();
  }
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputFilename, &errorMessage);
  if (!output) {
    llvm::errs() << errorMessage << "\n";
    return failure();
  }

  auto processBuffer = [&](std::unique_ptr<llvm::MemoryBuffer> ownedBuffer,
                           raw_ostream &os) -> LogicalResult {
    // Translations expect a null-terminated buffer; a split chunk is not.
    if (!ownedBuffer->getBuffer().ends_with('\0'))
      ownedBuffer = llvm::MemoryBuffer::getMemBufferCopy(
          ownedBuffer->getBuffer(), ownedBuffer->getBufferIdentifier());
    TimingScope translationTiming = timing.nest(translation.getDescription());
    MLIRContext context;
    context.allowUnregisteredDialects(allowUnregisteredDialects);
    context.printOpOnDiagnostic(verifyDiagnostics.getNumOccurrences() == 0);
    auto sourceMgr = std::make_shared<llvm::SourceMgr>();
    sourceMgr->AddNewSourceBuffer(std::move(ownedBuffer), llvm::SMLoc());
    if (verifyDiagnostics.getNumOccurrences()) {
      SourceMgrDiagnosticVerifierHandler handler(*sourceMgr, &context,
                                                 verifyDiagnostics);
      (void)translation(sourceMgr, os, &context);
      return handler.verify();
    }
    SourceMgrDiagnosticHandler handler(*sourceMgr, &context);
    // A printed error is a failure even where the translation went on;
    // with --error-diagnostics-only the others are dropped here.
    bool sawError = false;
    ScopedDiagnosticHandler noteErrors(&context, [&](Diagnostic &diag) {
      bool isError = diag.getSeverity() == DiagnosticSeverity::Error;
      sawError |= isError;
      if (errorDiagnosticsOnly && !isError)
        return success(); // handled: not printed
      return failure();   // on to the printing handler
    });
    LogicalResult result = translation(sourceMgr, os, &context);
    return failure(failed(result) || sawError);
  };
  if (failed(splitAndProcessBuffer(std::move(input), processBuffer,
                                   output->os(), inputSplitMarker,
                                   outputSplitMarker)))
    return failure();
  if (!attn::checkWritten(output->os(), "attn-translate", outputFilename == "-"
                                      ? std::string("stdout")
                                      : "'" + outputFilename + "'"))
    return failure();
  output->keep();
  return success();
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  mlir::attn::registerImportHFConfig();
  cl::opt<const Translation *, false, TranslationParser> translation(
      cl::desc("Translation to perform"), cl::Required);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerTranslationCLOptions();
  registerDefaultTimingManagerCLOptions();
  cl::ParseCommandLineOptions(argc, argv, "attn translation driver\n");
  int rc = mlir::attn::runOnLargeStack<int>(
      [&] { return failed(runTranslate(*translation)) ? 1 : 0; });
  if (!attn::checkWritten(llvm::outs(), "attn-translate", "stdout"))
    return 1;
  return rc;
}
