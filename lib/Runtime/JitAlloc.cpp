//===- JitAlloc.cpp - checked allocation for JIT-compiled code ------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Implements JitAlloc.h: the allocation functions compiled code calls, each
// recording what it handed out in the running invocation's scope and
// unwinding to it when the C library says no.
//
//===----------------------------------------------------------------------===//

#include "JitAlloc.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ExecutionEngine/Orc/Core.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/Support/FormatVariadic.h"
#include <cerrno>
#include <csetjmp>
#include <cstdlib>
#include <system_error>

using namespace mlir;

namespace {
/// One invocation of compiled code on this thread.
struct Scope {
  std::jmp_buf env;
  /// Buffers allocated and not yet freed by the code.
  llvm::DenseSet<void *> live;
  /// The request that failed, for the message.
  uint64_t failedBytes = 0;
};
} // namespace

/// The invocation running on this thread (null outside compiled code).
static thread_local Scope *current = nullptr;

/// Records `p`, or unwinds to the invocation when it is null.
static void *track(void *p, uint64_t bytes) {
  if (!current)
    return p;
  if (!p) {
    current->failedBytes = bytes;
    std::longjmp(current->env, 1);
  }
  current->live.insert(p);
  return p;
}

extern "C" {
static void *attnJitMalloc(size_t n) {
  // malloc(0) may return NULL: ask for one byte so NULL always means failure.
  return track(std::malloc(n ? n : 1), n);
}

static void *attnJitCalloc(size_t count, size_t size) {
  size_t bytes;
  if (__builtin_mul_overflow(count, size, &bytes))
    return track(nullptr, UINT64_MAX);
  return track(std::calloc(bytes ? count : 1, bytes ? size : 1), bytes);
}

static void *attnJitAlignedAlloc(size_t alignment, size_t n) {
  // aligned_alloc wants a size that is a multiple of the alignment.
  size_t rounded;
  if (alignment == 0 || __builtin_add_overflow(n, alignment - 1, &rounded))
    return track(nullptr, n);
  rounded -= rounded % alignment;
  return track(std::aligned_alloc(alignment, rounded ? rounded : alignment), n);
}

static int attnJitPosixMemalign(void **out, size_t alignment, size_t n) {
  int rc = posix_memalign(out, alignment, n ? n : 1);
  if (rc == ENOMEM)
    track(nullptr, n);
  else if (rc == 0)
    track(*out, n);
  return rc;
}

static void *attnJitRealloc(void *p, size_t n) {
  // Forgotten before the call (p is dead once it succeeds), recorded again
  // if it fails and p stays allocated.
  if (current && p)
    current->live.erase(p);
  void *q = std::realloc(p, n ? n : 1);
  if (!q && current && p)
    current->live.insert(p);
  return track(q, n);
}

static void attnJitFree(void *p) {
  if (current)
    current->live.erase(p);
  std::free(p);
}
}

void attn::jitalloc::registerCheckedAllocator(ExecutionEngine &engine) {
  engine.registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap map;
    auto add = [&](llvm::StringRef name, auto *fn) {
      map[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(fn),
                             llvm::JITSymbolFlags::Exported};
    };
    add("malloc", &attnJitMalloc);
    add("calloc", &attnJitCalloc);
    add("aligned_alloc", &attnJitAlignedAlloc);
    add("posix_memalign", &attnJitPosixMemalign);
    add("realloc", &attnJitRealloc);
    add("free", &attnJitFree);
    return map;
  });
}

/// What could not be allocated, for people: "1099511627776 bytes (1024.0
/// GiB) for a buffer".
static std::string describeRequest(uint64_t bytes) {
  if (bytes == UINT64_MAX)
    return "a buffer whose size overflows 64 bits";
  std::string s = std::to_string(bytes) + " bytes";
  if (bytes >= (uint64_t{1} << 30))
    s += llvm::formatv(" ({0:F1} GiB)", double(bytes) / double(1 << 30)).str();
  else if (bytes >= (uint64_t{1} << 20))
    s += llvm::formatv(" ({0:F1} MiB)", double(bytes) / double(1 << 20)).str();
  return s + " for a buffer";
}

llvm::Error attn::jitalloc::invokeChecked(void (*entry)(void **), void **args,
                                          llvm::StringRef function) {
  Scope scope;
  Scope *outer = current;
  current = &scope;
  // Nothing this frame changes between setjmp and longjmp lives in a
  // register: `scope` is reached through `current`, `outer` is not written.
  if (setjmp(scope.env) == 0) {
    entry(args);
    current = outer;
    return llvm::Error::success();
  }
  current = outer;
  for (void *p : scope.live)
    std::free(p);
  return llvm::createStringError(
      std::make_error_code(std::errc::not_enough_memory),
      "out of memory: @" + function + " could not allocate " +
          describeRequest(scope.failedBytes) +
          " (the inputs are too large for this machine's memory)");
}
