//===- FuzzTarget.cpp - what attn's fuzz targets share --------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Process setup, diagnostic capture and the outcome checks of the fuzz
// targets. The checks hold attn to its standard for bad input: a clear,
// located error and a failure, never a crash, a silent failure, or an error
// with success (the old subprocess fuzz test checked the same on attn-opt's
// exit status and stderr).
//
//===----------------------------------------------------------------------===//

#include "FuzzTarget.h"
#include "SplitTestCases.h"

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/InitAllDialects.h"
#include "attn/InitAllPasses.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

using namespace mlir;
using namespace attn_fuzz;

namespace {
const char *gTargetName = "attn fuzz target";

/// Stage names in first-seen order, with their counts.
struct StageCounts {
  std::vector<std::string> order;
  llvm::StringMap<unsigned long long> counts;
};

StageCounts &stageCounts() {
  static StageCounts *counts = new StageCounts; // outlives atexit handlers
  return *counts;
}

void printStageCounts() {
  StageCounts &s = stageCounts();
  if (s.order.empty())
    return;
  std::fprintf(stderr, "INFO: %s stages reached:", gTargetName);
  for (const std::string &stage : s.order)
    std::fprintf(stderr, " %s %llu%s", stage.c_str(), s.counts[stage],
                 &stage == &s.order.back() ? "\n" : ",");
}

void onFatalError(void *, const char *reason, bool) {
  // report_fatal_error would exit(1): abort instead, so either driver
  // reports the input that caused it.
  std::fprintf(stderr, "LLVM ERROR: %s\n", reason);
  std::abort();
}

/// Defects found by fuzzing and reported, not fixed yet: a defect whose
/// stage and diagnostics match one is counted as "known: <name>" instead of
/// stopping the run. Remove an entry with its fix.
struct KnownDefect {
  const char *name, *stage, *diagnostic;
};
const KnownDefect kKnownDefects[] = {
    // Upstream finalize-memref-to-llvm reports an unconvertible memory space
    // (gpu.module IR given to attn-to-cpu) at an unknown location and does
    // not fail the pass: attn-opt --attn-to-cpu prints it and exits 0.
    {"memref-memory-space", "cpu", "conversion of memref memory space"},
};

bool hasFilePosition(Location loc) {
  return static_cast<bool>(loc->findInstanceOf<FileLineColRange>());
}
} // namespace

void attn_fuzz::initTarget(const char *name) {
  gTargetName = name;
  mlir::attn::registerAllPasses();
  llvm::install_fatal_error_handler(onFatalError, nullptr);
  // attn-print-schedule, attn-print-plan and attn-plan-memory print their
  // reports to stdout; neither driver writes there (both report on stderr).
  llvm::outs().flush();
  int devNull = open("/dev/null", O_WRONLY);
  if (devNull >= 0) {
    dup2(devNull, STDOUT_FILENO);
    close(devNull);
  }
  std::atexit(printStageCounts);
}

const DialectRegistry &attn_fuzz::targetRegistry() {
  static DialectRegistry *registry = [] {
    auto *r = new DialectRegistry;
    mlir::attn::registerAllDialects(*r);
    return r;
  }();
  return *registry;
}

void attn_fuzz::countStage(llvm::StringRef stage) {
  StageCounts &s = stageCounts();
  auto [it, inserted] = s.counts.try_emplace(stage, 0);
  if (inserted)
    s.order.push_back(stage.str());
  ++it->second;
}

DiagnosticCapture::DiagnosticCapture(MLIRContext *context) : context(context) {
  id = context->getDiagEngine().registerHandler([this](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error) {
      errorTexts.push_back(diag.str());
      errorLocated.push_back(hasFilePosition(diag.getLocation()));
    }
    if (log.size() < 16384) {
      llvm::raw_string_ostream os(log);
      os << diag.getLocation() << ": " << diag << "\n";
      for (Diagnostic &note : diag.getNotes())
        os << "  note: " << note.getLocation() << ": " << note << "\n";
    }
    return success();
  });
}

DiagnosticCapture::~DiagnosticCapture() {
  context->getDiagEngine().eraseHandler(id);
}

std::string DiagnosticCapture::unlocatedError(unsigned since) const {
  for (size_t i = checkLocations ? since : errorTexts.size();
       i < errorTexts.size(); ++i)
    if (!errorLocated[i])
      return errorTexts[i];
  return {};
}

bool DiagnosticCapture::errorContains(llvm::StringRef text,
                                      unsigned since) const {
  for (size_t i = since; i < errorTexts.size(); ++i)
    if (llvm::StringRef(errorTexts[i]).contains(text))
      return true;
  return false;
}

bool attn_fuzz::isKnownDefect(llvm::StringRef stage,
                              const DiagnosticCapture &diags, unsigned since) {
  for (const KnownDefect &known : kKnownDefects)
    if (stage == known.stage && diags.errorContains(known.diagnostic, since)) {
      countStage(std::string("known: ") + known.name);
      return true;
    }
  return false;
}

bool attn_fuzz::hasKnownSlowSchedule(ModuleOp module) {
  bool slow = false;
  module.walk([&](mlir::attn::ScheduleOp schedule) {
    int64_t layers = 0;
    for (auto entry : schedule.getBody().front().getOps<mlir::attn::LayersOp>())
      layers += static_cast<int64_t>(entry.getPattern().size()) *
                std::min<int64_t>(entry.getRepeat(), kKnownSlowLayers + 1);
    slow |= layers > kKnownSlowLayers;
  });
  if (slow)
    countStage("known: quadratic-layer-sequence");
  return slow;
}

int attn_fuzz::runPieces(const uint8_t *data, size_t size,
                         bool (*runCase)(std::string_view)) {
  std::string_view text(reinterpret_cast<const char *>(data), size);
  bool accepted = false;
  for (std::string_view piece : splitTestCases(text))
    accepted |= runCase(piece);
  return accepted ? 0 : -1;
}

void attn_fuzz::defect(llvm::StringRef stage, llvm::StringRef what,
                       const DiagnosticCapture &diags) {
  llvm::errs() << "==attn-fuzz== DEFECT (" << gTargetName << ", " << stage
               << "): " << what << "\n";
  if (!diags.text().empty())
    llvm::errs() << "==attn-fuzz== diagnostics:\n" << diags.text();
  llvm::errs().flush();
  std::abort();
}

bool attn_fuzz::runChecked(ModuleOp module, llvm::StringRef stage,
                           llvm::StringRef pipeline, DiagnosticCapture &diags,
                           OwningOpRef<ModuleOp> *result) {
  MLIRContext *context = module.getContext();
  PassManager pm(context, ModuleOp::getOperationName());
  std::string parseErrors;
  llvm::raw_string_ostream errs(parseErrors);
  if (failed(parsePassPipeline(pipeline, pm, errs)))
    defect(stage, "bad pipeline '" + pipeline.str() + "': " + parseErrors,
           diags);
  OwningOpRef<ModuleOp> clone = module.clone();
  unsigned before = diags.errors();
  bool ok = succeeded(pm.run(*clone));
  std::string unlocated = diags.unlocatedError(before);
  // A pass that checks its own output says "(a bug in the pass)".
  bool internal = diags.errorContains("a bug in", before);
  bool wrong = (ok && diags.errors() != before) ||
               (!ok && diags.errors() == before) || !unlocated.empty() ||
               internal;
  if (wrong && isKnownDefect(stage, diags, before))
    return false;
  if (ok && diags.errors() != before)
    defect(stage,
           "an error was reported but '" + pipeline.str() +
               "' succeeded (a pass that does not signal failure)",
           diags);
  if (!ok && diags.errors() == before)
    defect(stage, "'" + pipeline.str() + "' failed without an error", diags);
  if (!unlocated.empty())
    defect(stage, "an error without a file:line:col location: " + unlocated,
           diags);
  if (internal)
    defect(stage, "a pass reports a bug of its own", diags);
  countStage(ok ? stage.str() + " ok" : stage.str() + " error");
  if (result)
    *result = std::move(clone);
  return ok;
}

static std::string genericText(ModuleOp module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module.print(os, OpPrintingFlags().printGenericOpForm());
  return text;
}

void attn_fuzz::checkIdempotent(ModuleOp planned, llvm::StringRef stage,
                                llvm::StringRef pipeline,
                                DiagnosticCapture &diags) {
  OwningOpRef<ModuleOp> again;
  std::string againStage = stage.str() + " again";
  if (!runChecked(planned, againStage, pipeline, diags, &again))
    defect(againStage,
           "'" + pipeline.str() + "' fails on its own output (see the errors)",
           diags);
  std::string before = genericText(planned), after = genericText(*again);
  if (before != after)
    defect(againStage,
           "'" + pipeline.str() + "' changes its own output:\nonce: " + before +
               "\ntwice: " + after,
           diags);
}

void attn_fuzz::checkRoundTrip(ModuleOp module, DiagnosticCapture &diags) {
  std::string custom, generic, again;
  {
    llvm::raw_string_ostream os(custom);
    module.print(os);
  }
  {
    llvm::raw_string_ostream os(generic);
    module.print(os, OpPrintingFlags().printGenericOpForm());
  }
  MLIRContext *context = module.getContext();
  ParserConfig config(context);
  for (const std::string *text : {&custom, &generic}) {
    unsigned before = diags.errors();
    OwningOpRef<ModuleOp> reparsed =
        parseSourceString<ModuleOp>(*text, config, "roundtrip.mlir");
    if (!reparsed || diags.errors() != before)
      defect("round trip",
             std::string("the verified module does not parse back from its ") +
                 (text == &custom ? "custom" : "generic") + " form:\n" + *text,
             diags);
    again.clear();
    llvm::raw_string_ostream os(again);
    reparsed->print(os, OpPrintingFlags().printGenericOpForm());
    if (again != generic)
      defect("round trip",
             std::string("printing and parsing back the ") +
                 (text == &custom ? "custom" : "generic") +
                 " form changes the module:\nbefore: " + generic +
                 "\nafter: " + again,
             diags);
  }
}
