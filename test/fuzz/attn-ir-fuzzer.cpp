//===- attn-ir-fuzzer.cpp - fuzz target: attn IR through the pipelines ----===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// libFuzzer-style target for attn's IR path, in process: the input is MLIR
// text (a lit test file is split at `// -----` into its cases, like
// attn-opt --split-input-file). Each case is parsed and verified in a fresh
// context with attn-opt's dialects; a module that verifies must survive
// printing and parsing back, then goes through
//
//   1. attn-print-schedule, attn-plan-memory, attn-plan (sm_90a, FP8
//      precision policy auto), attn-print-plan: the verifiers, the
//      schedule passes and every planning pass;
//   2. attn-to-cpu: planning for the CPU and the whole lowering to the LLVM
//      dialect, with the FP8 emulation (precision=fp8) for one case in
//      three (chosen by the case's content, so a crash file reproduces).
//
// Every stage must succeed quietly or fail with a located error
// (FuzzTarget.cpp). Diagnostics are captured, never printed, except with
// the report of a defect. The GPU lowering (attn-to-nvvm) is not run: its
// NVPTX code generation costs ~10x the rest per case; lit's
// test/Conversion/AttnToGPU tests cover it.
//
//===----------------------------------------------------------------------===//

#include "FuzzTarget.h"
#include "SplitTestCases.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <cstdint>
#include <string_view>

using namespace mlir;
using namespace attn_fuzz;

static void runCase(std::string_view text) {
  // A fresh context per case: no state carries over from one input to the
  // next, so every crash reproduces from its input alone.
  MLIRContext context(targetRegistry(), MLIRContext::Threading::DISABLED);
  DiagnosticCapture diags(&context);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(text.data(), text.size()), "input.mlir"),
      llvm::SMLoc());
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(&context));
  if (!module) {
    if (!diags.errors())
      defect("parse", "the input was rejected without an error", diags);
    if (!diags.unlocatedError().empty())
      defect("parse", "an error without a location: " + diags.unlocatedError(),
             diags);
    countStage("rejected");
    return;
  }
  countStage("verified");
  checkRoundTrip(*module, diags);
  runChecked(*module, "plan",
             "attn-print-schedule,attn-plan-memory,"
             "attn-plan{target=sm_90a precision=auto},attn-print-plan",
             diags);
  // One case in three lowers with FP8 emulation; the choice is a function
  // of the text so that replaying a crash file takes the same path.
  uint64_t hash = 0xcbf29ce484222325ull;
  for (char c : text)
    hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  runChecked(*module, "cpu",
             hash % 3 ? "attn-to-cpu" : "attn-to-cpu{precision=fp8}", diags);
  if (hash % 16 == 5)
    runChecked(*module, "gpu", "attn-to-nvvm", diags);
}

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  initTarget("attn-ir-fuzzer");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view text(reinterpret_cast<const char *>(data), size);
  for (std::string_view piece : splitTestCases(text))
    runCase(piece);
  return 0;
}
