//===- attn-run.cpp - run a function of an attn module --------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// attn-run compiles one function of an attn module for a target (the host
// CPU today) and runs it on inputs read from .npy files, or on random
// inputs from a seed, writing every result as .npy.
//
// The function is first specialised to the shapes of the given inputs (its
// dynamic dimensions become the inputs' sizes) and verified again, so every
// inconsistent shape is reported by the op verifiers, located, before any
// code runs.
//
//===----------------------------------------------------------------------===//

#include "attn-c/CudaRuntime.h"
#include "attn/InitAllDialects.h"
#include "attn/Runtime/CpuJit.h"
#include "attn/Runtime/GpuLaunch.h"
#include "attn/Runtime/Npy.h"
#include "attn/Support/CheckWritten.h"
#include "attn/Support/NestingLimit.h"
#include "attn/Support/ReadInput.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>

using namespace mlir;
using namespace mlir::attn;
namespace cl = llvm::cl;

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<module.mlir>"),
                                      cl::init(""));
static cl::opt<bool> probe("probe",
                           cl::desc("Print whether a CUDA device is usable "
                                    "(\"cuda: yes (<device>)\" or \"cuda: no "
                                    "(<reason>)\") and exit"));
static cl::opt<std::string>
    funcName("func", cl::desc("Function to run (default: the only public one)"),
             cl::init(""));
static cl::list<std::string>
    inputs("input", cl::desc("Input .npy files, one per argument, in order"),
           cl::CommaSeparated);
static cl::opt<bool>
    randomInputs("random",
                 cl::desc("Use random inputs in [-1, 1) (static shapes only)"));
static cl::opt<uint64_t> seed("seed", cl::desc("Seed of --random"),
                              cl::init(0));
static cl::opt<std::string>
    outputDir("output-dir", cl::desc("Where results go as <func>.<i>.npy"),
              cl::init("."));
static cl::opt<std::string> target("target", cl::desc("cpu (default) or cuda"),
                                   cl::init("cpu"));
static cl::opt<std::string> precision(
    "precision",
    cl::desc("FP8 policy (attn-assign-precision): off (default), auto or "
             "fp8; the CPU emulates the planned precision exactly"),
    cl::init("off"));
static cl::opt<double>
    errorBudget("error-budget",
                cl::desc("Largest acceptable relative error of an op's output "
                         "(attn-assign-precision; default 3e-2)"),
                cl::init(3e-2));

/// The pipeline options --precision and --error-budget ask for.
static std::string pipelineOptions() {
  char budget[64];
  std::snprintf(budget, sizeof(budget), "%.17g", errorBudget.getValue());
  return "precision=" + precision.getValue() + " error-budget=" + budget;
}

static int fail(const llvm::Twine &msg) {
  llvm::errs() << "attn-run: error: " << msg << "\n";
  return 1;
}

/// The .npy type string of a tensor element type, or "" if unsupported.
static std::string descrOf(Type t) {
  if (t.isF32())
    return "<f4";
  if (t.isF16())
    return "<f2";
  if (t.isBF16())
    return "<u2"; // bfloat16 bit patterns
  if (t.isF64())
    return "<f8";
  if (t.isInteger(32))
    return "<i4";
  if (t.isInteger(64))
    return "<i8";
  return "";
}

/// Bytes of a static tensor, or 0 when it is over `kMaxRandomBytes`.
static constexpr uint64_t kMaxRandomBytes = uint64_t(1) << 34;

/// Random values of `type`; none when the memory is not there.
static std::optional<NpyArray> randomArray(RankedTensorType type,
                                           std::mt19937_64 &rng) {
  NpyArray a;
  a.descr = descrOf(type.getElementType());
  a.shape.assign(type.getShape().begin(), type.getShape().end());
  unsigned size = NpyArray::elementSize(a.descr);
  if (!a.data.tryResize(a.numElements() * size))
    return std::nullopt;
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  Type et = type.getElementType();
  for (int64_t i = 0; i < a.numElements(); ++i) {
    float x = dist(rng);
    char *dst = a.data.data() + i * size;
    if (et.isF32()) {
      std::memcpy(dst, &x, 4);
    } else if (et.isF64()) {
      double y = x;
      std::memcpy(dst, &y, 8);
    } else {
      llvm::APFloat f(x);
      bool lost;
      f.convert(et.isF16() ? llvm::APFloat::IEEEhalf()
                           : llvm::APFloat::BFloat(),
                llvm::APFloat::rmNearestTiesToEven, &lost);
      uint16_t bits = f.bitcastToAPInt().getZExtValue();
      std::memcpy(dst, &bits, 2);
    }
  }
  return a;
}

/// A rank-N memref descriptor as 3 + 2N 64-bit words.
static void appendDescriptor(std::vector<int64_t> &words, void *data,
                             llvm::ArrayRef<int64_t> shape) {
  words.push_back(reinterpret_cast<int64_t>(data));
  words.push_back(reinterpret_cast<int64_t>(data));
  words.push_back(0);
  words.insert(words.end(), shape.begin(), shape.end());
  int64_t stride = 1;
  std::vector<int64_t> strides(shape.size());
  for (int64_t i = static_cast<int64_t>(shape.size()) - 1; i >= 0; --i) {
    strides[i] = stride;
    stride *= shape[i];
  }
  words.insert(words.end(), strides.begin(), strides.end());
}

/// Writes result #i as <output-dir>/<func>.<i>.npy and says so.
static int writeResult(llvm::StringRef func, size_t i, Type elem,
                       const NpyArray &out) {
  if (std::error_code ec = llvm::sys::fs::create_directories(outputDir))
    return fail("cannot create '" + outputDir + "': " + ec.message());
  llvm::SmallString<256> path(outputDir);
  llvm::sys::path::append(path, func + "." + std::to_string(i) + ".npy");
  if (llvm::Error err = writeNpy(std::string(path), out))
    return fail(llvm::toString(std::move(err)));
  llvm::outs() << "result #" << i << ": " << elem << " [";
  llvm::interleaveComma(out.shape, llvm::outs());
  llvm::outs() << "] -> " << path << "\n";
  return 0;
}

/// --target=cuda: attn-to-nvvm for the device's chip, then the manifest's
/// launches through the CUDA runtime (attn/Runtime/GpuLaunch.h).
static int runOnCuda(llvm::StringRef source, llvm::StringRef func,
                     FunctionType type, const std::vector<NpyArray> &arrays) {
  int major = 0, minor = 0, sms = 0;
  char *e = nullptr;
  if (attnCudaDeviceInfo(&major, &minor, &sms, &e)) {
    std::string msg = e ? e : "unknown error";
    std::free(e);
    return fail("--target=cuda: no usable CUDA device: " + msg);
  }
  std::string chip = "sm_" + std::to_string(major) + std::to_string(minor);
  if (major == 9 && minor == 0)
    chip += "a";
  std::string ptx, manifestText;
  if (llvm::Error err = compileForGpu(source, inputFile, chip, ptx,
                                      manifestText, pipelineOptions()))
    return fail(llvm::toString(std::move(err)));
  llvm::Expected<llvm::json::Value> manifest = llvm::json::parse(manifestText);
  if (!manifest)
    return fail("bad manifest: " + llvm::toString(manifest.takeError()));
  const llvm::json::Object *entry = nullptr;
  if (const llvm::json::Array *entries =
          manifest->getAsObject()->getArray("entries"))
    for (const llvm::json::Value &v : *entries)
      if (v.getAsObject() && v.getAsObject()->getString("name") == func)
        entry = v.getAsObject();
  if (!entry)
    return fail("the manifest has no entry for @" + func);
  auto results = launchOnCuda(*entry, ptx, arrays);
  if (!results)
    return fail(llvm::toString(results.takeError()));
  for (auto [i, r] : llvm::enumerate(*results)) {
    auto t = cast<RankedTensorType>(type.getResult(i));
    if (int rc = writeResult(func, i, t.getElementType(), r))
      return rc;
  }
  return 0;
}

static int run();

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv,
                              "attn-run: run a function of an attn module\n");
  // On a large stack: parsing, verifying and lowering recurse per nesting
  // level.
  int rc = runOnLargeStack<int>(run);
  // What went to stdout (the result lines, --probe's answer) must have
  // arrived: a full or closed stdout is an error, not an LLVM fatal error
  // when the stream is destroyed.
  if (!checkWritten(llvm::outs(), "attn-run", "to stdout"))
    return 1;
  return rc;
}

static int run() {
  if (probe) {
    char text[512];
    bool ok = attnCudaProbe(text, sizeof(text)) == 0;
    llvm::outs() << "cuda: " << (ok ? "yes" : "no") << " (" << text << ")\n";
    return 0;
  }
  if (inputFile.empty())
    return fail("no input file (attn-run <module.mlir> --func=... or "
                "attn-run --probe)");
  if (target != "cpu" && target != "cuda")
    return fail("unknown --target '" + target + "' (cpu or cuda)");
  if (randomInputs && !inputs.empty())
    return fail("give either --input files or --random, not both");
  if (precision != "off" && precision != "auto" && precision != "fp8")
    return fail("unknown --precision '" + precision + "' (off, auto or fp8)");
  if (!(errorBudget > 0) || !std::isfinite(errorBudget))
    return fail("--error-budget must be a positive number, got " +
                std::to_string(errorBudget.getValue()));

  DialectRegistry registry;
  attn::registerAllDialects(registry);
  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &ctx);
  // Bounded: a device such as /dev/zero is refused, not read forever.
  std::string readError;
  std::unique_ptr<llvm::MemoryBuffer> file =
      readInputFile("attn-run", inputFile, &readError);
  if (!file) {
    llvm::errs() << readError << "\n";
    return 1;
  }
  // The parser recurses once per nesting level: refuse what would run it
  // out of stack, located (attn/Support/NestingLimit.h).
  if (reportDeepNesting(file, sourceMgr))
    return 1;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(&ctx));
  if (!module)
    return 1;

  // Pick the function: the one named, or the only public one.
  SmallVector<func::FuncOp> publicFuncs;
  std::string candidates;
  for (auto f : module->getOps<func::FuncOp>())
    if (f.isPublic() && !f.isExternal()) {
      publicFuncs.push_back(f);
      candidates += " @" + f.getName().str();
    }
  func::FuncOp fn;
  if (!funcName.empty()) {
    for (func::FuncOp f : publicFuncs)
      if (f.getName() == funcName)
        fn = f;
    if (!fn)
      return fail("no public function @" + funcName +
                  "; public functions:" + candidates);
  } else if (publicFuncs.size() == 1) {
    fn = publicFuncs.front();
  } else {
    return fail("give --func=<name>; public functions:" + candidates);
  }
  FunctionType type = fn.getFunctionType();

  // Inputs: read or make, check against the signature, specialise.
  std::vector<NpyArray> arrays;
  std::mt19937_64 rng(seed);
  if (!randomInputs && inputs.size() != type.getNumInputs())
    return fail("@" + fn.getName() + " takes " +
                llvm::Twine(type.getNumInputs()) + " arguments, got " +
                llvm::Twine(inputs.size()) + " --input files");
  SmallVector<Type> specialised;
  for (auto [i, argType] : llvm::enumerate(type.getInputs())) {
    auto tensor = dyn_cast<RankedTensorType>(argType);
    std::string descr = tensor ? descrOf(tensor.getElementType()) : "";
    if (!tensor || descr.empty())
      return fail("argument #" + llvm::Twine(i) + " of @" + fn.getName() +
                  " has type that attn-run cannot feed");
    if (randomInputs) {
      if (!tensor.hasStaticShape() || !isa<FloatType>(tensor.getElementType()))
        return fail("--random needs static float arguments; argument #" +
                    llvm::Twine(i) + " is of another type; give --input files");
      uint64_t bytes = NpyArray::elementSize(descr);
      for (int64_t d : tensor.getShape())
        if ((bytes = llvm::SaturatingMultiply(
                 bytes, static_cast<uint64_t>(d))) > kMaxRandomBytes)
          return fail("argument #" + llvm::Twine(i) +
                      " is too large for --random (over 16 GiB)");
      std::optional<NpyArray> random = randomArray(tensor, rng);
      if (!random)
        return fail("out of memory: cannot hold the " + llvm::Twine(bytes) +
                    " bytes of random argument #" + llvm::Twine(i));
      arrays.push_back(std::move(*random));
    } else {
      auto array = readNpy(inputs[i]);
      if (!array)
        return fail(llvm::toString(array.takeError()));
      arrays.push_back(std::move(*array));
    }
    const NpyArray &a = arrays.back();
    std::string where = "argument #" + std::to_string(i) + " (" +
                        (randomInputs ? "random" : inputs[i]) + ")";
    if (a.descr != descr)
      return fail(where + " holds '" + a.descr + "' data but @" + fn.getName() +
                  " expects '" + descr + "' for its " + llvm::Twine(i) +
                  "th argument");
    if (static_cast<int64_t>(a.shape.size()) != tensor.getRank())
      return fail(where + " has rank " + llvm::Twine(a.shape.size()) +
                  ", expected " + llvm::Twine(tensor.getRank()));
    for (auto [d, size] : llvm::enumerate(tensor.getShape()))
      if (!ShapedType::isDynamic(size) && size != a.shape[d])
        return fail(where + " has size " + llvm::Twine(a.shape[d]) +
                    " in dimension " + llvm::Twine(d) + ", expected " +
                    llvm::Twine(size));
    specialised.push_back(
        RankedTensorType::get(a.shape, tensor.getElementType()));
  }
  // The arguments take the inputs' exact types, so the attn op verifiers
  // check every shape relation; other users keep the declared type through
  // a tensor.cast, so the rest of the function stays valid.
  fn.setFunctionType(FunctionType::get(&ctx, specialised, type.getResults()));
  OpBuilder builder(&ctx);
  builder.setInsertionPointToStart(&fn.getBody().front());
  for (auto [arg, t] : llvm::zip(fn.getArguments(), specialised)) {
    Type declared = arg.getType();
    arg.setType(t);
    if (declared == t)
      continue;
    Value cast;
    for (OpOperand &use : llvm::make_early_inc_range(arg.getUses())) {
      if (use.getOwner()->getDialect() &&
          use.getOwner()->getDialect()->getNamespace() == "attn")
        continue;
      if (!cast)
        cast = tensor::CastOp::create(builder, arg.getLoc(), declared, arg);
      use.set(cast);
    }
  }
  if (failed(verify(*module)))
    return 1;

  // The GPU path compiles only the chosen function (the others may hold ops
  // it has no kernels for).
  if (target == "cuda")
    for (auto other :
         llvm::make_early_inc_range(module->getOps<func::FuncOp>()))
      if (other != fn)
        other->erase();
  std::string text;
  llvm::raw_string_ostream os(text);
  // Keep the source locations, so diagnostics of later stages point at the
  // user's file.
  module->print(os, OpPrintingFlags().enableDebugInfo());
  if (target == "cuda")
    return runOnCuda(os.str(), fn.getName(), type, arrays);
  auto compiled = CpuModule::compile(os.str(), inputFile, pipelineOptions());
  if (!compiled)
    return fail(llvm::toString(compiled.takeError()));

  // Descriptors: results first (one block of words), then the arguments.
  std::vector<int64_t> resultWords;
  for (Type r : type.getResults()) {
    auto t = dyn_cast<RankedTensorType>(r);
    if (!t)
      return fail("result type " + llvm::Twine(descrOf(r)) +
                  " is not a ranked tensor");
    resultWords.resize(resultWords.size() + 3 + 2 * t.getRank());
  }
  std::vector<std::vector<int64_t>> argWords(arrays.size());
  std::vector<void *> descPtrs;
  void *resultPtr = resultWords.data();
  std::vector<void *> packed;
  if (type.getNumResults())
    packed.push_back(&resultPtr);
  for (size_t i = 0; i < arrays.size(); ++i) {
    appendDescriptor(argWords[i], arrays[i].data.data(), arrays[i].shape);
    descPtrs.push_back(argWords[i].data());
  }
  for (void *&p : descPtrs)
    packed.push_back(&p);
  if (llvm::Error err = (*compiled)->invoke(fn.getName(), packed.data()))
    return fail(llvm::toString(std::move(err)));

  // Results: written straight from the buffers the code returned
  // (honouring strides), then each buffer freed once: results may alias
  // each other or an input.
  if (std::error_code ec = llvm::sys::fs::create_directories(outputDir))
    return fail("cannot create '" + outputDir + "': " + ec.message());
  size_t at = 0;
  llvm::SmallPtrSet<void *, 4> toFree;
  int rc = 0;
  for (auto [i, r] : llvm::enumerate(type.getResults())) {
    auto t = cast<RankedTensorType>(r);
    int64_t rank = t.getRank();
    char *allocated = reinterpret_cast<char *>(resultWords[at]);
    char *aligned = reinterpret_cast<char *>(resultWords[at + 1]);
    int64_t offset = resultWords[at + 2];
    std::vector<int64_t> sizes(resultWords.begin() + at + 3,
                               resultWords.begin() + at + 3 + rank);
    std::vector<int64_t> strides(resultWords.begin() + at + 3 + rank,
                                 resultWords.begin() + at + 3 + 2 * rank);
    at += 3 + 2 * rank;
    bool aliasesInput = false;
    for (const NpyArray &a : arrays)
      aliasesInput |= allocated >= a.data.data() &&
                      allocated < a.data.data() + a.data.size();
    if (!aliasesInput)
      toFree.insert(allocated);
    if (rc)
      continue;
    std::string descr = descrOf(t.getElementType());
    llvm::SmallString<256> path(outputDir);
    llvm::sys::path::append(path,
                            fn.getName() + "." + std::to_string(i) + ".npy");
    if (llvm::Error err =
            writeNpy(std::string(path), descr, sizes,
                     aligned + offset * int64_t(NpyArray::elementSize(descr)),
                     strides)) {
      rc = fail(llvm::toString(std::move(err)));
      continue;
    }
    llvm::outs() << "result #" << i << ": " << t.getElementType() << " [";
    llvm::interleaveComma(sizes, llvm::outs());
    llvm::outs() << "] -> " << path << "\n";
  }
  for (void *p : toFree)
    std::free(p);
  return rc;
}
