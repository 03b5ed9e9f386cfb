//===- ReadInput.h - a tool's input file, read with a bound -----*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// llvm::MemoryBuffer::getFileOrSTDIN (and MLIR's openInputFile over it)
// reads a device, a pipe or stdin to its end with no bound: `attn-opt
// /dev/zero` grew until "LLVM ERROR: out of memory" or ran forever. attn's
// tools open their source input (IR text, JSON configs: at most a few MiB)
// with readInputFile instead: a regular file is read as before, but refused
// before reading when larger than kMaxInputBytes; anything else (a device,
// a pipe, stdin) is read in chunks and refused as soon as it passes that
// bound. Both refusals read "<tool>: error: '<path>' is larger than N bytes
// (or endless): ...".
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_SUPPORT_READINPUT_H
#define ATTN_SUPPORT_READINPUT_H

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Alignment.h"
#include "llvm/Support/Errc.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

namespace mlir::attn {

/// The largest input file attn's tools read: 256 MiB. Their inputs are IR
/// text and JSON configs of at most a few MiB; anything past this is a
/// mistake (a device, a wrong file) or endless (/dev/zero), and would only
/// run the process out of memory.
constexpr uint64_t kMaxInputBytes = uint64_t{256} << 20;

/// Reads the input file `path` of tool `tool` ("-" is stdin, named
/// "<stdin>" in locations) into a null-terminated buffer aligned to
/// `alignment`. On failure returns null and sets `*errorMessage` to a
/// complete "<tool>: error: ..." line (without the newline): the file
/// cannot be opened or read, or it holds more than `maxBytes` bytes.
inline std::unique_ptr<llvm::MemoryBuffer>
readInputFile(llvm::StringRef tool, llvm::StringRef path,
              std::string *errorMessage,
              std::optional<llvm::Align> alignment = std::nullopt,
              uint64_t maxBytes = kMaxInputBytes) {
  auto error = [&](const llvm::Twine &why) {
    *errorMessage = (tool + ": error: " + why).str();
    return nullptr;
  };
  auto cannot = [&](std::error_code ec) {
    return error("cannot open input file '" + path + "': " + ec.message());
  };
  auto tooLarge = [&] {
    return error("'" + path + "' is larger than " + llvm::Twine(maxBytes) +
                 " bytes (or endless): attn's inputs (IR, JSON configs) are "
                 "at most a few MiB");
  };

  bool isStdin = path == "-";
  llvm::sys::fs::file_t fd;
  if (isStdin) {
    fd = llvm::sys::fs::getStdinHandle();
    (void)llvm::sys::ChangeStdinMode(llvm::sys::fs::OF_None);
  } else {
    llvm::Expected<llvm::sys::fs::file_t> opened =
        llvm::sys::fs::openNativeFileForRead(path);
    if (!opened)
      return cannot(llvm::errorToErrorCode(opened.takeError()));
    fd = *opened;
  }
  llvm::scope_exit closer([&] {
    if (!isStdin)
      llvm::sys::fs::closeFile(fd);
  });
  std::string name = isStdin ? std::string("<stdin>") : path.str();

  llvm::sys::fs::file_status status;
  if (std::error_code ec = llvm::sys::fs::status(fd, status))
    return cannot(ec);
  if (status.type() == llvm::sys::fs::file_type::directory_file)
    return cannot(std::make_error_code(std::errc::is_a_directory));
  if (status.type() == llvm::sys::fs::file_type::regular_file) {
    // As getFileOrSTDIN does (it may map the file), after a size check.
    if (status.getSize() > maxBytes)
      return tooLarge();
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
        llvm::MemoryBuffer::getOpenFile(fd, name, status.getSize(),
                                        /*RequiresNullTerminator=*/true,
                                        /*IsVolatile=*/false, alignment);
    if (!buffer)
      return cannot(buffer.getError());
    return std::move(*buffer);
  }

  // A device, a pipe or a terminal: read in chunks, at most maxBytes + 1.
  llvm::SmallVector<char, 0> bytes;
  constexpr size_t kChunk = size_t{1} << 16;
  while (true) {
    size_t size = bytes.size();
    if (size > maxBytes)
      return tooLarge();
    bytes.resize_for_overwrite(size + kChunk);
    llvm::Expected<size_t> got = llvm::sys::fs::readNativeFile(
        fd, llvm::MutableArrayRef<char>(bytes.data() + size, kChunk));
    if (!got)
      return cannot(llvm::errorToErrorCode(got.takeError()));
    bytes.truncate(size + *got);
    if (*got == 0)
      break;
  }
  std::unique_ptr<llvm::WritableMemoryBuffer> buffer =
      llvm::WritableMemoryBuffer::getNewUninitMemBuffer(bytes.size(), name,
                                                        alignment);
  if (!buffer)
    return cannot(std::make_error_code(std::errc::not_enough_memory));
  if (!bytes.empty())
    std::memcpy(buffer->getBufferStart(), bytes.data(), bytes.size());
  return std::move(buffer);
}

} // namespace mlir::attn

#endif // ATTN_SUPPORT_READINPUT_H
