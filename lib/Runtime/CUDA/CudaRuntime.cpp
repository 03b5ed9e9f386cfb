//===- CudaRuntime.cpp - load and launch attn kernels on CUDA -------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Implements attn-c/CudaRuntime.h over the CUDA driver API, reached through
// dlopen("libcuda.so.1") so that neither building nor running on a machine
// without a GPU needs the CUDA SDK. The driver's types are declared here by
// hand: only the handful of entry points and enums attn uses.
//
//===----------------------------------------------------------------------===//

#include "attn-c/CudaRuntime.h"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <dlfcn.h>
#include <mutex>
#include <string>
#include <vector>

namespace {

using CUresult = int;
using CUdevice = int;
using CUcontext = void *;
using CUmodule = void *;
using CUfunction = void *;
using CUstream = void *;
using CUdeviceptr = unsigned long long;
constexpr CUresult kSuccess = 0;
// CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
constexpr int kMaxDynamicSharedAttr = 8;
// CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES
constexpr int kJitErrorLogBuffer = 5;
constexpr int kJitErrorLogBufferSize = 6;

/// The driver entry points attn uses, resolved once.
struct Driver {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDeviceGetCount)(int *);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetName)(char *, int, CUdevice);
  CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuCtxGetCurrent)(CUcontext *);
  CUresult (*cuCtxSynchronize)();
  CUresult (*cuModuleLoadDataEx)(CUmodule *, const void *, unsigned, int *,
                                 void **);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuFuncSetAttribute)(CUfunction, int, int);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, CUstream, void **,
                             void **);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*cuMemcpyDtoH)(void *, CUdeviceptr, size_t);
  CUresult (*cuGetErrorName)(CUresult, const char **);
  // Optional (a driver without it cannot run TMA kernels; the rest works).
  CUresult (*cuTensorMapEncodeTiled)(void *, int, unsigned, void *,
                                     const uint64_t *, const uint64_t *,
                                     const uint32_t *, const uint32_t *, int,
                                     int, int, int);
  CUresult (*cuGetErrorString)(CUresult, const char **);

  std::string loadError; // empty when the driver is usable
  CUcontext context = nullptr; // device 0's primary context
  int deviceCount = 0;
  /// Primary contexts of the other devices, retained on first use.
  std::mutex contextsMutex;
  std::vector<CUcontext> contexts;
};

char *copyString(const std::string &s) {
  char *out = static_cast<char *>(std::malloc(s.size() + 1));
  std::memcpy(out, s.c_str(), s.size() + 1);
  return out;
}

int fail(char **error, const std::string &msg) {
  if (error)
    *error = copyString(msg);
  return 1;
}

/// "cuLaunchKernel failed: CUDA_ERROR_INVALID_VALUE (invalid argument)".
/// Takes the driver table explicitly: it is also used while driver() is
/// still initialising (calling driver() there would re-enter call_once and
/// deadlock).
std::string describe(const Driver &d, const char *call, CUresult r) {
  const char *name = nullptr, *text = nullptr;
  if (d.cuGetErrorName)
    d.cuGetErrorName(r, &name);
  if (d.cuGetErrorString)
    d.cuGetErrorString(r, &text);
  return std::string(call) + " failed: " + (name ? name : "CUDA error") + " (" +
         (text ? text : std::to_string(r)) + ")";
}

template <typename F>
bool resolve(void *lib, const char *symbol, F &fn, std::string &err) {
  fn = reinterpret_cast<F>(dlsym(lib, symbol));
  if (!fn && err.empty())
    err = std::string("libcuda.so.1 has no symbol ") + symbol;
  return fn != nullptr;
}

Driver &driver() {
  static Driver d;
  static std::once_flag once;
  std::call_once(once, [] {
    void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char *why = dlerror();
      d.loadError =
          std::string("cannot load the CUDA driver (libcuda.so.1): ") +
          (why ? why : "not found");
      return;
    }
    std::string &e = d.loadError;
    resolve(lib, "cuInit", d.cuInit, e);
    resolve(lib, "cuDeviceGetCount", d.cuDeviceGetCount, e);
    resolve(lib, "cuDeviceGet", d.cuDeviceGet, e);
    resolve(lib, "cuDeviceGetName", d.cuDeviceGetName, e);
    resolve(lib, "cuDeviceGetAttribute", d.cuDeviceGetAttribute, e);
    resolve(lib, "cuDevicePrimaryCtxRetain", d.cuDevicePrimaryCtxRetain, e);
    resolve(lib, "cuCtxSetCurrent", d.cuCtxSetCurrent, e);
    resolve(lib, "cuCtxGetCurrent", d.cuCtxGetCurrent, e);
    resolve(lib, "cuCtxSynchronize", d.cuCtxSynchronize, e);
    resolve(lib, "cuModuleLoadDataEx", d.cuModuleLoadDataEx, e);
    resolve(lib, "cuModuleUnload", d.cuModuleUnload, e);
    resolve(lib, "cuModuleGetFunction", d.cuModuleGetFunction, e);
    resolve(lib, "cuFuncSetAttribute", d.cuFuncSetAttribute, e);
    resolve(lib, "cuLaunchKernel", d.cuLaunchKernel, e);
    resolve(lib, "cuMemAlloc_v2", d.cuMemAlloc, e);
    resolve(lib, "cuMemFree_v2", d.cuMemFree, e);
    resolve(lib, "cuMemcpyHtoD_v2", d.cuMemcpyHtoD, e);
    resolve(lib, "cuMemcpyDtoH_v2", d.cuMemcpyDtoH, e);
    resolve(lib, "cuGetErrorName", d.cuGetErrorName, e);
    resolve(lib, "cuGetErrorString", d.cuGetErrorString, e);
    if (!e.empty())
      return;
    d.cuTensorMapEncodeTiled = reinterpret_cast<decltype(
        d.cuTensorMapEncodeTiled)>(dlsym(lib, "cuTensorMapEncodeTiled"));
    CUresult r = d.cuInit(0);
    if (r != kSuccess) {
      e = describe(d, "cuInit", r);
      return;
    }
    int count = 0;
    if ((r = d.cuDeviceGetCount(&count)) != kSuccess) {
      e = describe(d, "cuDeviceGetCount", r);
      return;
    }
    if (count == 0) {
      e = "the CUDA driver reports no device";
      return;
    }
    CUdevice dev;
    if ((r = d.cuDeviceGet(&dev, 0)) != kSuccess) {
      e = describe(d, "cuDeviceGet", r);
      return;
    }
    if ((r = d.cuDevicePrimaryCtxRetain(&d.context, dev)) != kSuccess) {
      e = describe(d, "cuDevicePrimaryCtxRetain", r);
      return;
    }
    d.deviceCount = count;
    d.contexts.assign(count, nullptr);
    d.contexts[0] = d.context;
  });
  return d;
}

/// The driver; null and *error set when it cannot be used. Leaves the
/// thread's current context alone (see ContextScope).
Driver *ready(char **error) {
  Driver &d = driver();
  if (!d.loadError.empty()) {
    fail(error, d.loadError);
    return nullptr;
  }
  return &d;
}

/// Device `device`'s primary context (retained on first use: the context
/// torch and the CUDA runtime use for that device); false and *error set
/// when there is no such device.
bool contextOf(Driver &d, int device, CUcontext *context, char **error) {
  if (device < 0 || device >= d.deviceCount) {
    fail(error, "no CUDA device " + std::to_string(device) + " (the driver "
                "reports " + std::to_string(d.deviceCount) + ")");
    return false;
  }
  std::lock_guard<std::mutex> lock(d.contextsMutex);
  if (!d.contexts[device]) {
    CUdevice dev;
    if (CUresult r = d.cuDeviceGet(&dev, device); r != kSuccess) {
      fail(error, describe(d, "cuDeviceGet", r));
      return false;
    }
    if (CUresult r = d.cuDevicePrimaryCtxRetain(&d.contexts[device], dev);
        r != kSuccess) {
      fail(error, describe(d, "cuDevicePrimaryCtxRetain", r));
      return false;
    }
  }
  *context = d.contexts[device];
  return true;
}

/// Makes `context` current on this thread for the scope and then restores
/// the caller's (torch's current device is the current context: a call on
/// another device's tensors must not move it).
class ContextScope {
public:
  ContextScope(Driver &d, CUcontext context) : d(d) {
    if (d.cuCtxGetCurrent(&previous) != kSuccess)
      previous = nullptr;
    if (previous != context) {
      // Restored even when the switch reports an error: cuCtxSetCurrent may
      // return a sticky error of an earlier launch after switching.
      result = d.cuCtxSetCurrent(context);
      changed = true;
    }
  }
  ~ContextScope() {
    if (changed)
      d.cuCtxSetCurrent(previous);
  }
  ContextScope(const ContextScope &) = delete;
  ContextScope &operator=(const ContextScope &) = delete;
  /// False (and *error set) when the context could not be made current.
  bool ok(char **error) const {
    if (result == kSuccess)
      return true;
    fail(error, describe(d, "cuCtxSetCurrent", result));
    return false;
  }

private:
  Driver &d;
  CUcontext previous = nullptr;
  CUresult result = kSuccess;
  bool changed = false;
};

} // namespace

struct AttnCudaFunction {
  AttnCudaFunction(CUfunction function, CUcontext context, std::string name)
      : function(function), context(context), name(std::move(name)) {}
  CUfunction function;
  CUcontext context; // its module's
  std::string name;  // for messages
  /// The dynamic shared memory enabled so far (raised under the module's
  /// lock, read by launches on any thread).
  std::atomic<unsigned> sharedBytes{48 * 1024};
};

struct AttnCudaModule {
  CUmodule module;
  CUcontext context; // the device's primary context it is loaded into
  /// Functions handed out (stable addresses; released with the module).
  std::mutex functionsMutex;
  std::deque<AttnCudaFunction> functions;
};

extern "C" int attnCudaProbe(char *buf, size_t len) {
  char *err = nullptr;
  Driver *d = ready(&err);
  std::string text;
  if (!d) {
    text = err ? err : "unknown error";
    std::free(err);
  } else {
    char name[256] = {0};
    CUdevice dev = 0;
    d->cuDeviceGet(&dev, 0);
    d->cuDeviceGetName(name, sizeof(name) - 1, dev);
    text = name;
  }
  if (buf && len) {
    std::strncpy(buf, text.c_str(), len - 1);
    buf[len - 1] = 0;
  }
  return d ? 0 : 1;
}

extern "C" int attnCudaDeviceInfo(int *ccMajor, int *ccMinor,
                                  int *multiprocessors, char **error) {
  Driver *d = ready(error);
  if (!d)
    return 1;
  CUdevice dev = 0;
  if (CUresult r = d->cuDeviceGet(&dev, 0); r != kSuccess)
    return fail(error, describe(*d, "cuDeviceGet", r));
  // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR / _MINOR,
  // CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT.
  const struct {
    int attr;
    int *out;
  } queries[] = {{75, ccMajor}, {76, ccMinor}, {16, multiprocessors}};
  for (const auto &q : queries) {
    int value = 0;
    if (CUresult r = d->cuDeviceGetAttribute(&value, q.attr, dev);
        r != kSuccess)
      return fail(error, describe(*d, "cuDeviceGetAttribute", r));
    if (q.out)
      *q.out = value;
  }
  return 0;
}

extern "C" AttnCudaModule *attnCudaLoadModuleOn(const void *image, size_t len,
                                                int device, char **error) {
  CUcontext ctx = nullptr;
  Driver *d = ready(error);
  if (!d || !contextOf(*d, device, &ctx, error))
    return nullptr;
  ContextScope scope(*d, ctx);
  if (!scope.ok(error))
    return nullptr;
  // PTX must be NUL-terminated for the driver's JIT.
  std::string copy(static_cast<const char *>(image), len);
  char log[8192] = {0};
  int options[] = {kJitErrorLogBuffer, kJitErrorLogBufferSize};
  void *values[] = {log, reinterpret_cast<void *>(sizeof(log) - 1)};
  CUmodule module = nullptr;
  if (CUresult r =
          d->cuModuleLoadDataEx(&module, copy.c_str(), 2, options, values);
      r != kSuccess) {
    fail(error, describe(*d, "cuModuleLoadDataEx", r) +
                    (log[0] ? std::string(":\n") + log : std::string()));
    return nullptr;
  }
  auto *m = new AttnCudaModule();
  m->module = module;
  m->context = ctx;
  return m;
}

extern "C" AttnCudaModule *attnCudaLoadModule(const void *image, size_t len,
                                              char **error) {
  return attnCudaLoadModuleOn(image, len, 0, error);
}

extern "C" void attnCudaUnloadModule(AttnCudaModule *module) {
  if (!module)
    return;
  if (Driver *d = ready(nullptr)) {
    ContextScope scope(*d, module->context);
    if (scope.ok(nullptr))
      d->cuModuleUnload(module->module);
  }
  delete module;
}

extern "C" AttnCudaFunction *attnCudaGetFunction(AttnCudaModule *module,
                                                 const char *kernel,
                                                 unsigned dynamicSharedBytes,
                                                 char **error) {
  Driver *d = ready(error);
  if (!d)
    return nullptr;
  if (!module || !kernel) {
    fail(error, "attnCudaGetFunction: null module or kernel name");
    return nullptr;
  }
  ContextScope scope(*d, module->context);
  if (!scope.ok(error))
    return nullptr;
  std::lock_guard<std::mutex> lock(module->functionsMutex);
  AttnCudaFunction *f = nullptr;
  for (AttnCudaFunction &known : module->functions)
    if (known.name == kernel)
      f = &known;
  if (!f) {
    CUfunction fn = nullptr;
    if (CUresult r = d->cuModuleGetFunction(&fn, module->module, kernel);
        r != kSuccess) {
      fail(error, describe(*d, "cuModuleGetFunction", r) + " for kernel '" +
                      kernel + "'");
      return nullptr;
    }
    f = &module->functions.emplace_back(fn, module->context, kernel);
  }
  // The limit belongs to the CUfunction, which every handle of the kernel
  // shares: only ever raised.
  if (dynamicSharedBytes > f->sharedBytes) {
    if (CUresult r = d->cuFuncSetAttribute(
            f->function, kMaxDynamicSharedAttr,
            static_cast<int>(dynamicSharedBytes));
        r != kSuccess) {
      fail(error, describe(*d, "cuFuncSetAttribute", r) + " for kernel '" +
                      kernel + "'");
      return nullptr;
    }
    f->sharedBytes = dynamicSharedBytes;
  }
  return f;
}

extern "C" int attnCudaLaunchFunction(AttnCudaFunction *function,
                                      const unsigned grid[3],
                                      const unsigned block[3],
                                      unsigned dynamicSharedBytes,
                                      void *stream, void **params,
                                      char **error) {
  Driver *d = ready(error);
  if (!d)
    return 1;
  if (!function)
    return fail(error, "attnCudaLaunchFunction: null function");
  if (unsigned got = function->sharedBytes; dynamicSharedBytes > got)
    return fail(error, "attnCudaLaunchFunction: kernel '" + function->name +
                           "' was got for " + std::to_string(got) +
                           " bytes of dynamic shared memory, launched with " +
                           std::to_string(dynamicSharedBytes));
  ContextScope scope(*d, function->context);
  if (!scope.ok(error))
    return 1;
  if (CUresult r = d->cuLaunchKernel(
          function->function, grid[0], grid[1], grid[2],
          block[0], block[1], block[2], dynamicSharedBytes, stream, params,
          nullptr);
      r != kSuccess)
    return fail(error, describe(*d, "cuLaunchKernel", r) + " for kernel '" +
                           function->name + "'");
  return 0;
}

extern "C" int attnCudaLaunch(AttnCudaModule *module, const char *kernel,
                              const unsigned grid[3], const unsigned block[3],
                              unsigned dynamicSharedBytes, void *stream,
                              void **params, char **error) {
  AttnCudaFunction *fn =
      attnCudaGetFunction(module, kernel, dynamicSharedBytes, error);
  if (!fn)
    return 1;
  return attnCudaLaunchFunction(fn, grid, block, dynamicSharedBytes, stream,
                                params, error);
}

extern "C" int attnCudaSynchronize(char **error) {
  Driver *d = ready(error);
  if (!d)
    return 1;
  ContextScope scope(*d, d->context);
  if (!scope.ok(error))
    return 1;
  if (CUresult r = d->cuCtxSynchronize(); r != kSuccess)
    return fail(error, describe(*d, "cuCtxSynchronize", r));
  return 0;
}

extern "C" int attnCudaMalloc(uint64_t *devicePtr, size_t bytes, char **error) {
  Driver *d = ready(error);
  if (!d)
    return 1;
  ContextScope scope(*d, d->context);
  if (!scope.ok(error))
    return 1;
  CUdeviceptr p = 0;
  if (CUresult r = d->cuMemAlloc(&p, bytes); r != kSuccess)
    return fail(error, describe(*d, "cuMemAlloc", r));
  *devicePtr = p;
  return 0;
}

extern "C" int attnCudaFree(uint64_t devicePtr, char **error) {
  Driver *d = ready(error);
  if (!d)
    return 1;
  ContextScope scope(*d, d->context);
  if (!scope.ok(error))
    return 1;
  if (CUresult r = d->cuMemFree(devicePtr); r != kSuccess)
    return fail(error, describe(*d, "cuMemFree", r));
  return 0;
}

extern "C" int attnCudaCopyToDevice(uint64_t dst, const void *src, size_t bytes,
                                    char **error) {
  Driver *d = ready(error);
  if (!d)
    return 1;
  ContextScope scope(*d, d->context);
  if (!scope.ok(error))
    return 1;
  if (CUresult r = d->cuMemcpyHtoD(dst, src, bytes); r != kSuccess)
    return fail(error, describe(*d, "cuMemcpyHtoD", r));
  return 0;
}

extern "C" int attnCudaCopyToHost(void *dst, uint64_t src, size_t bytes,
                                  char **error) {
  Driver *d = ready(error);
  if (!d)
    return 1;
  ContextScope scope(*d, d->context);
  if (!scope.ok(error))
    return 1;
  if (CUresult r = d->cuMemcpyDtoH(dst, src, bytes); r != kSuccess)
    return fail(error, describe(*d, "cuMemcpyDtoH", r));
  return 0;
}

extern "C" int attnCudaEncodeTensorMap(void *map, unsigned elementBytes,
                                       unsigned rank, uint64_t global,
                                       const uint64_t *dims,
                                       const uint64_t *strides,
                                       const uint32_t *box, unsigned swizzle,
                                       char **error) {
  Driver *d = ready(error);
  if (!d)
    return 1;
  // The driver documents an invalid-context error for the encoding: it
  // runs with device 0's primary context current (as attn-run's launches).
  ContextScope scope(*d, d->context);
  if (!scope.ok(error))
    return 1;
  if (!d->cuTensorMapEncodeTiled)
    return fail(error, "the CUDA driver has no cuTensorMapEncodeTiled (TMA "
                       "needs CUDA 12 and an sm_90 device)");
  // CU_TENSOR_MAP_DATA_TYPE_UINT8 / UINT16 / UINT32: raw bits.
  int type = elementBytes == 1 ? 0 : elementBytes == 2 ? 1 : elementBytes == 4 ? 2 : -1;
  // CU_TENSOR_MAP_SWIZZLE_NONE / 32B / 64B / 128B.
  int sw = swizzle == 0 ? 0 : swizzle == 32 ? 1 : swizzle == 64 ? 2 : swizzle == 128 ? 3 : -1;
  if (type < 0 || sw < 0 || rank < 1 || rank > 5 ||
      reinterpret_cast<uintptr_t>(map) % 64)
    return fail(error, "attnCudaEncodeTensorMap: element bytes " +
                           std::to_string(elementBytes) + ", swizzle " +
                           std::to_string(swizzle) + ", rank " +
                           std::to_string(rank) +
                           " or an unaligned map are not supported");
  const uint32_t ones[5] = {1, 1, 1, 1, 1};
  // INTERLEAVE_NONE, L2_PROMOTION_L2_256B, FLOAT_OOB_FILL_NONE (zeros).
  if (CUresult r = d->cuTensorMapEncodeTiled(
          map, type, rank, reinterpret_cast<void *>(global), dims, strides,
          box, ones, 0, sw, 3, 0);
      r != kSuccess)
    return fail(error, describe(*d, "cuTensorMapEncodeTiled", r));
  return 0;
}
