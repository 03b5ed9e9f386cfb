//===- GpuLaunch.cpp - launch a manifest entry through the CUDA runtime ---===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//

#include "attn/Runtime/GpuLaunch.h"
#include "attn-c/CudaRuntime.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/MathExtras.h"
#include <cstdlib>

using namespace mlir;
using namespace mlir::attn;

static llvm::Error err(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

namespace {
class ExprParser {
public:
  ExprParser(llvm::StringRef text, const llvm::StringMap<int64_t> &env)
      : text(text), rest(text), env(env) {}

  llvm::Expected<int64_t> parse() {
    int64_t v = compare();
    skip();
    if (!error.empty() || !rest.empty())
      return err("manifest expression '" + text + "': " +
                 (error.empty() ? "unexpected '" + rest.str() + "'" : error));
    return v;
  }

private:
  void skip() { rest = rest.ltrim(); }
  bool eat(llvm::StringRef tok) {
    skip();
    return rest.consume_front(tok);
  }
  void fail(const std::string &why) {
    if (error.empty())
      error = why;
  }
  int64_t compare() {
    int64_t a = sum();
    for (llvm::StringRef op : {"<=", ">=", "==", "!=", "<", ">"})
      if (eat(op)) {
        int64_t b = sum();
        if (op == "<=")
          return a <= b;
        if (op == ">=")
          return a >= b;
        if (op == "==")
          return a == b;
        if (op == "!=")
          return a != b;
        if (op == "<")
          return a < b;
        return a > b;
      }
    return a;
  }
  int64_t sum() {
    int64_t v = term();
    while (error.empty()) {
      if (eat("+"))
        v += term();
      else if (eat("-"))
        v -= term();
      else
        break;
    }
    return v;
  }
  int64_t term() {
    int64_t v = factor();
    while (error.empty()) {
      if (eat("*")) {
        v *= factor();
      } else if (eat("/")) {
        int64_t d = factor();
        if (d == 0) {
          fail("division by zero");
          return 0;
        }
        v /= d;
      } else {
        break;
      }
    }
    return v;
  }
  int64_t factor() {
    skip();
    if (eat("(")) {
      int64_t v = compare();
      if (!eat(")"))
        fail("missing ')'");
      return v;
    }
    if (!rest.empty() && llvm::isDigit(rest.front())) {
      size_t n = rest.find_if_not(llvm::isDigit);
      int64_t v = 0;
      if (rest.take_front(n).getAsInteger(10, v))
        fail("bad integer");
      rest = rest.drop_front(n);
      return v;
    }
    size_t n =
        rest.find_if_not([](char c) { return llvm::isAlnum(c) || c == '_'; });
    llvm::StringRef name = rest.take_front(n);
    if (name.empty()) {
      fail("expected a number, a name or '('");
      return 0;
    }
    rest = rest.drop_front(n);
    if (eat("(")) {
      llvm::SmallVector<int64_t> args;
      do
        args.push_back(compare());
      while (eat(","));
      if (!eat(")"))
        fail("missing ')'");
      if (name == "cdiv" && args.size() == 2) {
        if (args[1] == 0) {
          fail("division by zero");
          return 0;
        }
        return (args[0] + args[1] - 1) / args[1];
      }
      if (name == "select" && args.size() == 3)
        return args[0] ? args[1] : args[2];
      fail("unknown function '" + name.str() + "'");
      return 0;
    }
    auto it = env.find(name);
    if (it == env.end()) {
      fail("unknown name '" + name.str() + "'");
      return 0;
    }
    return it->second;
  }

  llvm::StringRef text, rest;
  const llvm::StringMap<int64_t> &env;
  std::string error;
};
} // namespace

llvm::Expected<int64_t>
mlir::attn::evaluateManifestExpr(llvm::StringRef expr,
                                 const llvm::StringMap<int64_t> &env) {
  return ExprParser(expr, env).parse();
}

//===----------------------------------------------------------------------===//
// Launching
//===----------------------------------------------------------------------===//

static std::string descrOf(llvm::StringRef dtype) {
  return llvm::StringSwitch<std::string>(dtype)
      .Case("f16", "<f2")
      .Case("f32", "<f4")
      .Case("i32", "<i4")
      .Case("i64", "<i8")
      .Default("");
}

namespace {
/// Device buffers, freed on every path out.
struct DeviceBuffers {
  std::vector<uint64_t> ptrs;
  ~DeviceBuffers() {
    for (uint64_t p : ptrs)
      attnCudaFree(p, nullptr);
  }
  llvm::Expected<uint64_t> alloc(size_t bytes) {
    uint64_t p = 0;
    char *e = nullptr;
    if (attnCudaMalloc(&p, std::max<size_t>(bytes, 1), &e))
      return runtimeError(e);
    ptrs.push_back(p);
    return p;
  }
  static llvm::Error runtimeError(char *e) {
    std::string msg = e ? e : "unknown CUDA runtime error";
    std::free(e);
    return err(msg);
  }
};
} // namespace

static llvm::Expected<int64_t> dimOf(llvm::StringRef spec,
                                     const llvm::StringMap<int64_t> &env) {
  int64_t v;
  if (!spec.getAsInteger(10, v))
    return v;
  auto it = env.find(spec);
  if (it == env.end())
    return err("manifest names unknown size '" + spec + "'");
  return it->second;
}

namespace {
/// A CUtensorMap's 128 bytes, aligned as the driver requires.
struct alignas(64) TensorMap {
  unsigned char bytes[128];
};
} // namespace

/// The manifest's `tensormaps` entry named `name`, or null.
static const llvm::json::Object *tensorMapSpec(const llvm::json::Object &entry,
                                               llvm::StringRef name) {
  if (const llvm::json::Array *maps = entry.getArray("tensormaps"))
    for (const llvm::json::Value &v : *maps)
      if (const llvm::json::Object *m = v.getAsObject())
        if (m->getString("name") == name)
          return m;
  return nullptr;
}

/// Encodes the TMA descriptor `spec` (its `tensor`, row-major and
/// contiguous, with `box` innermost first and `swizzle` bytes) for the
/// tensor's device buffer: an input's or output's shape and element size,
/// or for a workspace (flat) the spec's `shape` and the workspace's dtype.
static llvm::Error
encodeTensorMap(const llvm::json::Object &entry, const llvm::json::Object &spec,
                const llvm::StringMap<const NpyArray *> &byName,
                const llvm::StringMap<uint64_t> &buffers,
                const llvm::StringMap<int64_t> &env, TensorMap &out) {
  llvm::StringRef tensor = spec.getString("tensor").value_or("");
  const llvm::json::Array *box = spec.getArray("box");
  auto malformed = [&] {
    return err("malformed manifest tensormap '" +
               spec.getString("name").value_or("?") + "'");
  };
  if (!box || !buffers.count(tensor))
    return malformed();
  std::vector<int64_t> shape;
  uint64_t eb = 0;
  if (const llvm::json::Array *given = spec.getArray("shape")) {
    for (const llvm::json::Value &s : *given) {
      auto d = evaluateManifestExpr(s.getAsString().value_or(""), env);
      if (!d)
        return d.takeError();
      shape.push_back(*d);
    }
    if (const llvm::json::Array *ws = entry.getArray("workspaces"))
      for (const llvm::json::Value &v : *ws)
        if (const llvm::json::Object *w = v.getAsObject();
            w && w->getString("name") == tensor)
          eb = llvm::StringSwitch<uint64_t>(
                   w->getString("dtype").value_or(""))
                   .Case("u8", 1)
                   .Cases({"f16", "bf16"}, 2)
                   .Cases({"f32", "i32"}, 4)
                   .Default(0);
  } else if (auto it = byName.find(tensor); it != byName.end()) {
    shape = it->second->shape;
    eb = NpyArray::elementSize(it->second->descr);
  }
  if (!eb)
    return malformed();
  const size_t rank = shape.size();
  if (box->size() != rank)
    return err("manifest tensormap '" + spec.getString("name").value_or("?") +
               "' has a box of rank " + llvm::Twine(box->size()) +
               " for a tensor of rank " + llvm::Twine(rank));
  std::vector<uint64_t> dims, strides;
  std::vector<uint32_t> boxDims;
  uint64_t stride = eb;
  for (size_t i = 0; i < rank; ++i) {
    const uint64_t d =
        static_cast<uint64_t>(std::max<int64_t>(shape[rank - 1 - i], 0));
    dims.push_back(std::max<uint64_t>(d, 1));
    if (i)
      strides.push_back(stride);
    stride *= std::max<uint64_t>(d, 1);
    boxDims.push_back(
        static_cast<uint32_t>((*box)[i].getAsInteger().value_or(1)));
  }
  char *e = nullptr;
  if (attnCudaEncodeTensorMap(
          out.bytes, static_cast<unsigned>(eb), static_cast<unsigned>(rank),
          buffers.lookup(tensor), dims.data(), strides.data(), boxDims.data(),
          static_cast<unsigned>(spec.getInteger("swizzle").value_or(0)), &e))
    return DeviceBuffers::runtimeError(e);
  return llvm::Error::success();
}

llvm::Expected<std::vector<NpyArray>>
mlir::attn::launchOnCuda(const llvm::json::Object &entry, llvm::StringRef ptx,
                         const std::vector<NpyArray> &args) {
  const llvm::json::Array *inputs = entry.getArray("inputs");
  const llvm::json::Array *outputs = entry.getArray("outputs");
  const llvm::json::Array *launches = entry.getArray("launches");
  const llvm::json::Object *sizes = entry.getObject("sizes");
  if (!inputs || !outputs || !launches || !sizes)
    return err("malformed manifest entry: inputs, outputs, sizes and launches "
               "are required");

  // Inputs by role name -> argument.
  llvm::StringMap<const NpyArray *> byName;
  for (const llvm::json::Value &v : *inputs) {
    const llvm::json::Object *in = v.getAsObject();
    std::optional<int64_t> argNo = in ? in->getInteger("arg") : std::nullopt;
    std::optional<llvm::StringRef> name =
        in ? in->getString("name") : std::nullopt;
    if (!argNo || !name || *argNo < 0 ||
        *argNo >= static_cast<int64_t>(args.size()))
      return err("malformed manifest input");
    byName[*name] = &args[*argNo];
  }
  llvm::StringMap<int64_t> env;
  for (const auto &kv : *sizes) {
    const llvm::json::Array *src = kv.second.getAsArray();
    if (!src || src->size() != 2)
      return err("malformed manifest size '" + kv.first.str() + "'");
    std::optional<llvm::StringRef> tensor = (*src)[0].getAsString();
    std::optional<llvm::StringRef> dimText = (*src)[1].getAsString();
    unsigned dim = 0;
    if (!tensor || !dimText || dimText->getAsInteger(10, dim) ||
        !byName.count(*tensor) || dim >= byName[*tensor]->shape.size())
      return err("malformed manifest size '" + kv.first.str() + "'");
    env[kv.first.str()] = byName[*tensor]->shape[dim];
  }
  // Every input's dtype and shape.
  for (const llvm::json::Value &v : *inputs) {
    const llvm::json::Object *in = v.getAsObject();
    llvm::StringRef name = *in->getString("name");
    const NpyArray &a = *byName[name];
    std::string descr = descrOf(in->getString("dtype").value_or(""));
    if (descr.empty())
      return err("input '" + name + "' is " +
                 in->getString("dtype").value_or("?") +
                 ", which .npy files cannot hold (use f16 inputs)");
    if (a.descr != descr)
      return err("input '" + name + "' holds '" + a.descr + "', expected '" +
                 descr + "'");
    const llvm::json::Array *shape = in->getArray("shape");
    if (!shape || shape->size() != a.shape.size())
      return err("input '" + name + "' has rank " +
                 llvm::Twine(a.shape.size()) + ", the kernel expects " +
                 llvm::Twine(shape ? shape->size() : 0));
    for (auto [d, s] : llvm::enumerate(*shape)) {
      auto want = dimOf(s.getAsString().value_or(""), env);
      if (!want)
        return want.takeError();
      if (*want != a.shape[d])
        return err("input '" + name + "' has size " + llvm::Twine(a.shape[d]) +
                   " in dimension " + llvm::Twine(d) + ", the kernel expects " +
                   llvm::Twine(*want));
    }
  }

  int ccMajor = 0, ccMinor = 0, sms = 0;
  char *e = nullptr;
  if (attnCudaDeviceInfo(&ccMajor, &ccMinor, &sms, &e))
    return DeviceBuffers::runtimeError(e);
  if (const llvm::json::Object *params = entry.getObject("params"))
    for (const auto &kv : *params) {
      const llvm::json::Object *p = kv.second.getAsObject();
      if (kv.first != "nsplit" || !p)
        return err("unknown runtime parameter '" + kv.first.str() + "'");
      // Enough CTAs for ctas_per_sm per SM, at most `max`, one per tile
      // (the rule of python/attn/_gpu.py choose_nsplit).
      auto blocks =
          evaluateManifestExpr(p->getString("blocks").value_or(""), env);
      if (!blocks)
        return blocks.takeError();
      auto tiles =
          evaluateManifestExpr(p->getString("tiles").value_or(""), env);
      if (!tiles)
        return tiles.takeError();
      int64_t perSm = p->getInteger("ctas_per_sm").value_or(4);
      int64_t want = (perSm * sms + std::max<int64_t>(*blocks, 1) - 1) /
                     std::max<int64_t>(*blocks, 1);
      env["nsplit"] =
          std::max<int64_t>(1, std::min({want, p->getInteger("max").value_or(1),
                                         std::max<int64_t>(*tiles, 1)}));
    }
  if (const llvm::json::Object *values = entry.getObject("values"))
    for (const auto &kv : *values) {
      auto v = evaluateManifestExpr(kv.second.getAsString().value_or(""), env);
      if (!v)
        return v.takeError();
      env[kv.first.str()] = *v;
    }
  // Sizes the kernels cannot take (python/attn/_gpu.py check_limits).
  if (const llvm::json::Array *limits = entry.getArray("limits"))
    for (const llvm::json::Value &lv : *limits) {
      const llvm::json::Object *lim = lv.getAsObject();
      std::optional<int64_t> below = lim ? lim->getInteger("below") : std::nullopt;
      llvm::StringRef expr = lim ? lim->getString("expr").value_or("") : "";
      if (!below || expr.empty())
        return err("malformed manifest limit");
      auto v = evaluateManifestExpr(expr, env);
      if (!v)
        return v.takeError();
      if (*v >= *below) {
        std::string bound = llvm::isPowerOf2_64(*below)
                                ? "2^" + std::to_string(llvm::Log2_64(*below))
                                : std::to_string(*below);
        return err(lim->getString("what").value_or(expr) + " = " +
                   llvm::Twine(*v) + ": the kernels take " + expr + " below " +
                   bound);
      }
    }

  DeviceBuffers dev;
  llvm::StringMap<uint64_t> buffers;
  for (const auto &kv : byName) {
    const NpyArray &a = *kv.second;
    auto p = dev.alloc(a.data.size());
    if (!p)
      return p.takeError();
    if (attnCudaCopyToDevice(*p, a.data.data(), a.data.size(), &e))
      return DeviceBuffers::runtimeError(e);
    buffers[kv.first()] = *p;
  }
  std::vector<NpyArray> results;
  std::vector<uint64_t> resultPtrs;
  for (const llvm::json::Value &v : *outputs) {
    const llvm::json::Object *out = v.getAsObject();
    NpyArray r;
    r.descr = descrOf(out->getString("dtype").value_or(""));
    if (r.descr.empty())
      return err("output '" + out->getString("name").value_or("?") + "' is " +
                 out->getString("dtype").value_or("?") +
                 ", which .npy files cannot hold");
    for (const llvm::json::Value &s : *out->getArray("shape")) {
      auto d = dimOf(s.getAsString().value_or(""), env);
      if (!d)
        return d.takeError();
      r.shape.push_back(*d);
    }
    if (!r.data.tryResize(r.numElements() * NpyArray::elementSize(r.descr)))
      return err("out of memory for output '" +
                 out->getString("name").value_or("?").str() + "' (" +
                 std::to_string(r.numElements()) + " elements)");
    auto p = dev.alloc(r.data.size());
    if (!p)
      return p.takeError();
    buffers[*out->getString("name")] = *p;
    resultPtrs.push_back(*p);
    results.push_back(std::move(r));
  }
  // Workspaces a TMA descriptor describes need an address even when empty.
  llvm::StringSet<> mapped;
  if (const llvm::json::Array *maps = entry.getArray("tensormaps"))
    for (const llvm::json::Value &v : *maps)
      if (const llvm::json::Object *m = v.getAsObject())
        mapped.insert(m->getString("tensor").value_or(""));
  if (const llvm::json::Array *ws = entry.getArray("workspaces"))
    for (const llvm::json::Value &v : *ws) {
      const llvm::json::Object *w = v.getAsObject();
      llvm::StringRef name = w->getString("name").value_or("");
      auto n = evaluateManifestExpr(w->getString("elements").value_or(""), env);
      if (!n)
        return n.takeError();
      if (*n <= 0 && !mapped.contains(name)) { // not needed: a null pointer
        buffers[name] = 0;
        continue;
      }
      auto p = dev.alloc(std::max<int64_t>(*n, 1) * 4);
      if (!p)
        return p.takeError();
      buffers[name] = *p;
    }

  std::string image = ptx.str();
  AttnCudaModule *module =
      attnCudaLoadModule(image.c_str(), image.size() + 1, &e);
  if (!module)
    return DeviceBuffers::runtimeError(e);
  llvm::scope_exit unload([&] { attnCudaUnloadModule(module); });
  for (const llvm::json::Value &v : *launches) {
    const llvm::json::Object *l = v.getAsObject();
    if (std::optional<llvm::StringRef> when = l->getString("when")) {
      auto c = evaluateManifestExpr(*when, env);
      if (!c)
        return c.takeError();
      if (!*c)
        continue;
    }
    unsigned grid[3], block[3];
    const llvm::json::Array *g = l->getArray("grid");
    const llvm::json::Array *bl = l->getArray("block");
    if (!g || !bl || g->size() != 3 || bl->size() != 3)
      return err("malformed manifest launch");
    bool empty = false;
    for (int i = 0; i < 3; ++i) {
      auto x = evaluateManifestExpr((*g)[i].getAsString().value_or(""), env);
      if (!x)
        return x.takeError();
      if (*x <= 0)
        empty = true;
      // CUDA's grid limits: 2^31 - 1 blocks in x, 65535 in y and z.
      const int64_t most = i == 0 ? 0x7fffffff : 65535;
      if (*x > most)
        return err("grid dimension " + llvm::Twine(i) + " of " +
                   l->getString("kernel").value_or("?") + " is " +
                   llvm::Twine(*x) + ", above the CUDA limit " +
                   llvm::Twine(most));
      grid[i] = static_cast<unsigned>(std::max<int64_t>(*x, 0));
      block[i] = static_cast<unsigned>((*bl)[i].getAsInteger().value_or(1));
    }
    if (empty)
      continue; // an empty batch or sequence: nothing to do
    // Parameter values live in `storage` (TMA descriptors in `maps`);
    // `params` points at them.
    const llvm::json::Array *names = l->getArray("args");
    std::vector<uint64_t> storage;
    std::vector<TensorMap> maps;
    storage.reserve(names->size());
    maps.reserve(names->size());
    std::vector<int> mapOf; // index into maps, or -1
    for (const llvm::json::Value &n : *names) {
      llvm::StringRef name = n.getAsString().value_or("");
      mapOf.push_back(-1);
      if (const llvm::json::Object *spec = tensorMapSpec(entry, name)) {
        maps.emplace_back();
        if (auto e = encodeTensorMap(entry, *spec, byName, buffers, env,
                                     maps.back()))
          return std::move(e);
        mapOf.back() = static_cast<int>(maps.size()) - 1;
        storage.push_back(0);
      } else if (buffers.count(name))
        storage.push_back(buffers[name]);
      else if (env.count(name))
        storage.push_back(static_cast<uint64_t>(env[name]));
      else
        storage.push_back(0); // an optional output that was not requested
    }
    std::vector<void *> params;
    for (size_t i = 0; i < storage.size(); ++i)
      params.push_back(mapOf[i] >= 0 ? static_cast<void *>(maps[mapOf[i]].bytes)
                                     : static_cast<void *>(&storage[i]));
    std::string kernel = l->getString("kernel").value_or("").str();
    if (attnCudaLaunch(module, kernel.c_str(), grid, block,
                       static_cast<unsigned>(l->getInteger("smem").value_or(0)),
                       nullptr, params.data(), &e))
      return DeviceBuffers::runtimeError(e);
  }
  if (attnCudaSynchronize(&e))
    return DeviceBuffers::runtimeError(e);
  for (auto [r, p] : llvm::zip(results, resultPtrs))
    if (attnCudaCopyToHost(r.data.data(), p, r.data.size(), &e))
      return DeviceBuffers::runtimeError(e);
  return results;
}
