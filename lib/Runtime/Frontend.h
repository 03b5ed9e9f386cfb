//===- Frontend.h - what the runtime's compile entry points share -*- C++
//-*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Parsing and verifying IR handed over as text, with every diagnostic
// collected into the error message (CpuJit.cpp, GpuCompile.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_RUNTIME_FRONTEND_H
#define ATTN_LIB_RUNTIME_FRONTEND_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"
#include <memory>
#include <string>

namespace mlir::attn::frontend {

/// Registers LLVM targets and attn's passes, once per process.
void initializeOnce();

/// Collects every diagnostic of a context as located text; remembers whether
/// any was an error (some upstream passes report errors without failing).
class DiagnosticCollector {
public:
  explicit DiagnosticCollector(MLIRContext &ctx)
      : os(messages), handler(&ctx, [this](Diagnostic &diag) {
          record(diag);
          return success();
        }) {}

  bool sawError() const { return error; }
  llvm::Error fail(llvm::StringRef stage) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   (stage + " failed:\n" + os.str()).str());
  }
  llvm::raw_ostream &stream() { return os; }

private:
  void record(Diagnostic &diag) {
    DiagnosticSeverity sev = diag.getSeverity();
    if (sev == DiagnosticSeverity::Error)
      error = true;
    if (sev == DiagnosticSeverity::Remark)
      return;
    os << diag.getLocation() << ": "
       << (sev == DiagnosticSeverity::Error     ? "error: "
           : sev == DiagnosticSeverity::Warning ? "warning: "
                                                : "note: ")
       << diag << "\n";
    for (Diagnostic &note : diag.getNotes())
      os << note.getLocation() << ": note: " << note << "\n";
  }

  std::string messages;
  llvm::raw_string_ostream os;
  ScopedDiagnosticHandler handler;
  bool error = false;
};

/// A context with every attn dialect loaded.
std::unique_ptr<MLIRContext> makeContext();

/// Parses and verifies `source`; null (with `diags` holding why) on failure.
OwningOpRef<ModuleOp> parseAndVerify(MLIRContext &ctx, llvm::StringRef source,
                                     llvm::StringRef bufferName,
                                     DiagnosticCollector &diags);

/// Parses a pipeline option string (`name=value ...`, as after
/// `--attn-to-cpu=`) into `options`; the error names the pipeline and says
/// what was wrong.
template <typename Options>
llvm::Error parsePipelineOptions(Options &options, llvm::StringRef text,
                                 llvm::StringRef pipeline) {
  std::string why;
  llvm::raw_string_ostream os(why);
  if (succeeded(options.parseFromString(text, os)))
    return llvm::Error::success();
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      (pipeline + " options '" + text + "' are invalid" +
       (why.empty() ? std::string() : ": " + llvm::StringRef(why).trim().str()))
          .str());
}

/// A malloc'ed copy of `s` (released by attnFreeString).
char *copyString(const std::string &s);

} // namespace mlir::attn::frontend

#endif // ATTN_LIB_RUNTIME_FRONTEND_H
