//===- GpuCompile.cpp - attn ops to PTX and a JSON launch manifest --------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//

#include "attn-c/GpuCompile.h"
#include "Frontend.h"
#include "attn/Pipelines/Pipelines.h"
#include "attn/Runtime/GpuLaunch.h"
#include "attn/Support/NestingLimit.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/JSON.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::frontend;

/// The manifest attribute as JSON: dictionaries, arrays, strings, integers,
/// floats and booleans (all the manifest holds).
static llvm::json::Value toJson(Attribute attr) {
  if (auto dict = dyn_cast<DictionaryAttr>(attr)) {
    llvm::json::Object obj;
    for (NamedAttribute entry : dict)
      obj[entry.getName().strref()] = toJson(entry.getValue());
    return obj;
  }
  if (auto array = dyn_cast<ArrayAttr>(attr)) {
    llvm::json::Array out;
    for (Attribute a : array)
      out.push_back(toJson(a));
    return out;
  }
  if (auto dense = dyn_cast<DenseI64ArrayAttr>(attr)) {
    llvm::json::Array out;
    for (int64_t v : dense.asArrayRef())
      out.push_back(v);
    return out;
  }
  if (auto s = dyn_cast<StringAttr>(attr))
    return s.str();
  if (auto b = dyn_cast<BoolAttr>(attr))
    return b.getValue();
  if (auto i = dyn_cast<IntegerAttr>(attr))
    return i.getInt();
  if (auto f = dyn_cast<FloatAttr>(attr))
    return f.getValueAsDouble();
  if (isa<UnitAttr>(attr))
    return true;
  std::string text;
  llvm::raw_string_ostream os(text);
  attr.print(os);
  return text;
}

llvm::Error mlir::attn::compileForGpu(llvm::StringRef source,
                                      llvm::StringRef name,
                                      llvm::StringRef chip, std::string &ptx,
                                      std::string &manifest,
                                      llvm::StringRef pipelineOptions) {
  initializeOnce();
  AttnToNVVMPipelineOptions options;
  if (llvm::Error err =
          parsePipelineOptions(options, pipelineOptions, "attn-to-nvvm"))
    return err;
  options.chip = chip.str();
  // The C API hands back a NUL-terminated string with no length: PTX text
  // fits, a cubin / fatbin / bitcode would arrive cut at its first NUL byte.
  if (options.format != "isa")
    return llvm::createStringError(
        "attn-to-nvvm: format=" + options.format +
        " is binary; the C API returns PTX text only (format=isa): compile "
        "binaries with attn-opt --attn-to-nvvm=format=" + options.format);
  std::unique_ptr<MLIRContext> ctx = makeContext();
  DiagnosticCollector diags(*ctx);
  OwningOpRef<ModuleOp> module = parseAndVerify(*ctx, source, name, diags);
  if (!module)
    return diags.fail("verification");
  PassManager pm(ctx.get());
  buildAttnToNVVMPipeline(pm, options);
  if (failed(pm.run(*module)) || diags.sawError())
    return diags.fail("attn-to-nvvm");
  auto entries = (*module)->getAttrOfType<ArrayAttr>("attn.manifest");
  if (!entries)
    return llvm::createStringError(
        "attn-to-nvvm produced no kernels: the module holds no attn op");
  SmallVector<gpu::BinaryOp> binaries(module->getOps<gpu::BinaryOp>());
  if (binaries.size() != 1)
    return llvm::createStringError("expected one gpu.binary, found " +
                                   std::to_string(binaries.size()));
  auto objects = binaries.front().getObjects();
  if (objects.size() != 1)
    return llvm::createStringError("expected one object in the gpu.binary");
  ptx = cast<gpu::ObjectAttr>(objects[0]).getObject().str();
  llvm::json::Object root;
  root["chip"] = chip.str();
  root["entries"] = toJson(entries);
  manifest = llvm::formatv("{0:2}", llvm::json::Value(std::move(root)));
  return llvm::Error::success();
}

extern "C" int attnGpuCompile(const char *ir, size_t len, const char *name,
                              const char *chip, char **ptx, char **manifest,
                              char **error) {
  return attnGpuCompileWithOptions(ir, len, name, chip, nullptr, ptx, manifest,
                                   error);
}

extern "C" int attnGpuCompileWithOptions(const char *ir, size_t len,
                                         const char *name, const char *chip,
                                         const char *options, char **ptx,
                                         char **manifest, char **error) {
  std::string ptxText, manifestText;
  if (!ir || !chip || !ptx || !manifest) {
    if (error)
      *error = copyString("attnGpuCompile: null argument");
    return 1;
  }
  // On a large stack, as attnCompileModule: parsing, verifying and lowering
  // recurse per nesting level, and the caller's thread (Python's) may have a
  // small stack.
  if (llvm::Error err = runOnLargeStack<llvm::Error>([&] {
        return compileForGpu(llvm::StringRef(ir, len),
                             name ? name : "<input>", chip, ptxText,
                             manifestText, options ? options : "");
      })) {
    if (error)
      *error = copyString(llvm::toString(std::move(err)));
    return 1;
  }
  *ptx = copyString(ptxText);
  *manifest = copyString(manifestText);
  return 0;
}
