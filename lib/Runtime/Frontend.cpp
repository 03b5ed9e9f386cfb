//===- Frontend.cpp - what the runtime's compile entry points share -------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//

#include "Frontend.h"
#include "attn/InitAllDialects.h"
#include "attn/InitAllPasses.h"
#include "attn/Support/NestingLimit.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include <cstdlib>
#include <cstring>
#include <mutex>

using namespace mlir;
using namespace mlir::attn;

void frontend::initializeOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    attn::registerAllPasses();
  });
}

char *frontend::copyString(const std::string &s) {
  char *out = static_cast<char *>(std::malloc(s.size() + 1));
  std::memcpy(out, s.c_str(), s.size() + 1);
  return out;
}

std::unique_ptr<MLIRContext> frontend::makeContext() {
  DialectRegistry registry;
  attn::registerAllDialects(registry);
  auto ctx = std::make_unique<MLIRContext>(registry);
  ctx->loadAllAvailableDialects();
  // The located message is enough; dumping the op in generic form would
  // bury it.
  ctx->printOpOnDiagnostic(false);
  return ctx;
}

OwningOpRef<ModuleOp> frontend::parseAndVerify(MLIRContext &ctx,
                                               llvm::StringRef source,
                                               llvm::StringRef bufferName,
                                               DiagnosticCollector &diags) {
  // The parser recurses once per nesting level: refuse what would run it
  // out of stack, located (attn/Support/NestingLimit.h).
  if (std::optional<size_t> at = findDeepNesting(source)) {
    llvm::StringRef before = source.take_front(*at);
    size_t nl = before.rfind('\n');
    unsigned line = before.count('\n') + 1;
    unsigned col = *at - (nl == llvm::StringRef::npos ? 0 : nl + 1) + 1;
    emitError(FileLineColLoc::get(&ctx, bufferName, line, col))
        << deepNestingMessage();
    return nullptr;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(source, bufferName), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &ctx);
  if (!module || diags.sawError() || failed(verify(*module)) ||
      diags.sawError())
    return nullptr;
  return module;
}
