//===- attn-hf-config-fuzzer.cpp - fuzz target: the HF config importer ----===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// libFuzzer-style target for `attn-translate --import-hf-config`, in
// process: the input is a Hugging Face config.json (a split-file lit test
// is split at its `//--- name` lines, so test/Target/import-hf-config.test
// seeds the corpus with its configs). importHFConfig either fails with an
// error located in the config (file:line:col) or returns a schedule module
// that must
//
//   - verify (the attn.schedule verifier) and survive printing and
//     parsing back: the importer must not produce IR attn-opt rejects;
//   - go through attn-print-schedule and attn-plan-memory, and through
//     attn-expand-schedule (prefill, or decode for configs of even length)
//     and attn-plan, succeeding or failing with a located error.
//
// Diagnostics are captured, never printed, except with the report of a
// defect (FuzzTarget.cpp).
//
//===----------------------------------------------------------------------===//

#include "FuzzTarget.h"

#include "attn/Target/HFConfig.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <cstdint>
#include <optional>
#include <string_view>

using namespace mlir;
using namespace attn_fuzz;

/// The importer's schedule of a config with more than kKnownSlowLayers
/// layers takes long to build (FuzzTarget.h): parsed apart to skip it.
static bool isKnownSlow(std::string_view text) {
  llvm::Expected<llvm::json::Value> json =
      llvm::json::parse(llvm::StringRef(text.data(), text.size()));
  if (!json) {
    llvm::consumeError(json.takeError());
    return false;
  }
  const llvm::json::Object *root = json->getAsObject();
  std::optional<int64_t> layers =
      root ? root->getInteger("num_hidden_layers") : std::nullopt;
  if (!layers || *layers <= kKnownSlowLayers)
    return false;
  countStage("known: quadratic-layer-sequence");
  return true;
}

/// Runs one case; returns whether it got past the parser and verifier.
static bool runCase(std::string_view text) {
  if (isKnownSlow(text))
    return false;
  MLIRContext context(targetRegistry(), MLIRContext::Threading::DISABLED);
  DiagnosticCapture diags(&context);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(text.data(), text.size()), "config.json"),
      llvm::SMLoc());
  OwningOpRef<ModuleOp> module =
      mlir::attn::importHFConfig(sourceMgr, &context);
  if (!module) {
    if (!diags.errors())
      defect("import", "the config was rejected without an error", diags);
    if (!diags.unlocatedError().empty())
      defect("import",
             "an error without a location in the config: " +
                 diags.unlocatedError(),
             diags);
    countStage("rejected");
    return false;
  }
  if (diags.errors())
    defect("import", "an error was reported but the import succeeded", diags);
  if (failed(verify(*module)))
    defect("import", "the imported schedule does not verify", diags);
  countStage("imported");
  checkRoundTrip(*module, diags);
  runChecked(*module, "plan-memory", "attn-print-schedule,attn-plan-memory",
             diags);
  // The layer functions of the schedule (prefill and decode) and their
  // plans: what attn.ops and attn-run do with an imported model.
  runChecked(*module, "expand",
             text.size() % 2 ? "attn-expand-schedule,attn-plan{target=cpu}"
                             : "attn-expand-schedule{decode=1 dtype=f16},"
                               "attn-plan{target=sm_90a precision=auto}",
             diags);
  return true;
}

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  initTarget("attn-hf-config-fuzzer");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return runPieces(data, size, runCase);
}
