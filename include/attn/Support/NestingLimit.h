//===- NestingLimit.h - bounded recursion for parsing IR --------*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// MLIR's parser, verifier, printer and passes recurse once per nesting
// level of regions, attributes and types, with no bound: IR nested 60k
// levels deep overflowed the stack of attn-opt. Every place attn parses IR
// text (attn-opt, attn-run, the runtime's compile entry points behind the C
// API and Python) first finds the deepest bracket nesting of the text and
// refuses anything deeper than kMaxIRNesting with a located error, and runs
// the work on a thread whose stack holds that depth with room to spare
// (runOnLargeStack), whatever the caller's own stack is.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_SUPPORT_NESTINGLIMIT_H
#define ATTN_SUPPORT_NESTINGLIMIT_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/thread.h"
#include <memory>
#include <optional>
#include <utility>

namespace mlir::attn {

/// The deepest bracket nesting ({, [, ( and <) attn accepts in IR text.
/// Real IR nests a few dozen levels; this leaves a wide margin and keeps
/// every recursive walk of the IR within kLargeStackBytes.
constexpr unsigned kMaxIRNesting = 2048;

/// The stack of the thread runOnLargeStack starts (reserved address space;
/// only what the recursion touches is committed). kMaxIRNesting levels of
/// every construct measured within the default 8 MiB; this is 8 times that.
constexpr unsigned kLargeStackBytes = 64u << 20;

/// Where the bracket nesting of IR text `text` first gets deeper than
/// `limit`: the offset of the bracket that opens level limit + 1, or none.
/// String literals and `//` comments are skipped; `->` and `>=` close
/// nothing.
inline std::optional<size_t> findDeepNesting(llvm::StringRef text,
                                             unsigned limit = kMaxIRNesting) {
  unsigned depth = 0;
  for (size_t i = 0, e = text.size(); i < e; ++i) {
    char c = text[i];
    switch (c) {
    case '"':
      for (++i; i < e && text[i] != '"'; ++i)
        if (text[i] == '\\')
          ++i;
      break;
    case '/':
      if (i + 1 < e && text[i + 1] == '/')
        while (i < e && text[i] != '\n')
          ++i;
      break;
    case '{':
    case '[':
    case '(':
    case '<':
      if (++depth > limit)
        return i;
      break;
    case '>':
      if ((i > 0 && text[i - 1] == '-') || (i + 1 < e && text[i + 1] == '='))
        break;
      [[fallthrough]];
    case '}':
    case ']':
    case ')':
      if (depth)
        --depth;
      break;
    default:
      break;
    }
  }
  return std::nullopt;
}

/// The message of a nesting error at the offset findDeepNesting returned.
inline std::string deepNestingMessage(unsigned limit = kMaxIRNesting) {
  return "the input nests brackets more than " + std::to_string(limit) +
         " levels deep (regions, attributes and types nest this deep in no "
         "real IR; the parser and every pass recurse once per level)";
}

/// When `file` nests deeper than kMaxIRNesting: hands it to `sourceMgr`,
/// prints the located error there and returns true (the tools' check before
/// parsing); else leaves `file` alone and returns false.
inline bool reportDeepNesting(std::unique_ptr<llvm::MemoryBuffer> &file,
                              llvm::SourceMgr &sourceMgr) {
  std::optional<size_t> at = findDeepNesting(file->getBuffer());
  if (!at)
    return false;
  const char *where = file->getBufferStart() + *at;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  sourceMgr.PrintMessage(llvm::SMLoc::getFromPointer(where),
                         llvm::SourceMgr::DK_Error, deepNestingMessage());
  return true;
}

/// Runs `fn` on a thread with a kLargeStackBytes stack and returns what it
/// returned; runs it in place where threads are not available.
template <typename Result>
Result runOnLargeStack(llvm::function_ref<Result()> fn) {
#if LLVM_ENABLE_THREADS
  std::optional<Result> result;
  llvm::thread worker(std::optional<unsigned>(kLargeStackBytes),
                      [&] { result.emplace(fn()); });
  worker.join();
  return std::move(*result);
#else
  return fn();
#endif
}

} // namespace mlir::attn

#endif // ATTN_SUPPORT_NESTINGLIMIT_H
