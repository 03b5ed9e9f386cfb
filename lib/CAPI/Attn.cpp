//===- Attn.cpp - the attn C API ------------------------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// include/attn-c/Attn.h over the C++ libraries: the dialect handle, dialect
// and pass registration, and attnCompileModule over the same compile paths
// the tools use (attn::compileForGpu, attn::compileForCpuToLLVMIR).
//
//===----------------------------------------------------------------------===//

#include "attn-c/Attn.h"
#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/InitAllDialects.h"
#include "attn/InitAllPasses.h"
#include "attn/Runtime/CpuCompile.h"
#include "attn/Runtime/GpuLaunch.h"
#include "attn/Support/NestingLimit.h"
#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Registration.h"
#include "llvm/Support/Error.h"
#include <cstdlib>
#include <cstring>
#include <mutex>

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(Attn, attn, mlir::attn::AttnDialect)

static char *copyString(const std::string &s) {
  char *out = static_cast<char *>(std::malloc(s.size() + 1));
  std::memcpy(out, s.c_str(), s.size() + 1);
  return out;
}

extern "C" int attnGetApiVersion(void) { return ATTN_C_API_VERSION; }

extern "C" void attnRegisterDialects(MlirDialectRegistry registry) {
  mlir::attn::registerAllDialects(*unwrap(registry));
}

extern "C" void attnRegisterPasses(void) {
  static std::once_flag once;
  std::call_once(once, [] { mlir::attn::registerAllPasses(); });
}

extern "C" int attnCompileModule(const char *ir, size_t len, const char *target,
                                 const char *options, char **out,
                                 char **manifest, char **diagnostics) {
  auto fail = [&](const std::string &msg) {
    if (diagnostics)
      *diagnostics = copyString(msg);
    return 1;
  };
  if (!ir || !target || !out)
    return fail("attnCompileModule: null argument (ir, target and out are "
                "required)");
  llvm::StringRef t(target);
  bool cpu = t == "cpu";
  if (!cpu && !t.starts_with("sm_"))
    return fail(std::string("attnCompileModule: unknown target '") + target +
                "' (cpu, or a chip: sm_80, sm_89, sm_90a, sm_100a, ...)");
  if (!cpu && !manifest)
    return fail("attnCompileModule: a GPU target needs `manifest`");
  std::string text, manifestText;
  llvm::StringRef source(ir, len), opts(options ? options : "");
  // On a large stack: parsing, verifying and lowering recurse per nesting
  // level, and the caller's thread may have a small stack.
  llvm::Error err = mlir::attn::runOnLargeStack<llvm::Error>([&] {
    return cpu ? mlir::attn::compileForCpuToLLVMIR(
                     source, "<attnCompileModule>", text, opts)
               : mlir::attn::compileForGpu(source, "<attnCompileModule>",
                                           target, text, manifestText, opts);
  });
  if (err)
    return fail(llvm::toString(std::move(err)));
  *out = copyString(text);
  if (manifest)
    *manifest = cpu ? nullptr : copyString(manifestText);
  return 0;
}
