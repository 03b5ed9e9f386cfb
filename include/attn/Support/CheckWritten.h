//===- CheckWritten.h - a tool's output stream, checked ---------*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// A raw_fd_ostream that failed (a full disk, a closed pipe) ends the process
// with "LLVM ERROR: IO failure on output stream" when it is destroyed with
// the error still set. attn's tools flush and check their outputs instead:
// the failure becomes "<tool>: error: cannot write <what>: <reason>" and a
// non-zero exit.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_SUPPORT_CHECKWRITTEN_H
#define ATTN_SUPPORT_CHECKWRITTEN_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::attn {

/// Flushes `os` and turns a write error into "<tool>: error: cannot write
/// <what>: <reason>" on stderr (clearing the error, so the stream's
/// destructor does not abort); true when everything arrived.
inline bool checkWritten(llvm::raw_fd_ostream &os, llvm::StringRef tool,
                         llvm::StringRef what) {
  os.flush();
  if (!os.has_error())
    return true;
  std::error_code ec = os.error();
  os.clear_error();
  llvm::errs() << tool << ": error: cannot write " << what << ": "
               << ec.message() << "\n";
  return false;
}

} // namespace mlir::attn

#endif // ATTN_SUPPORT_CHECKWRITTEN_H
