//===- Npy.h - read and write NumPy .npy files ------------------*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Minimal .npy (format 1.0 - 3.0) reader and writer for attn-run: C-order
// little-endian arrays of float32, float16, float64, int32, int64 and
// uint16 (bfloat16 bit patterns).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_RUNTIME_NPY_H
#define ATTN_RUNTIME_NPY_H

#include "llvm/Support/Error.h"
#include <cstdint>
#include <string>
#include <vector>

namespace mlir::attn {

struct NpyArray {
  /// NumPy type string, e.g. "<f4".
  std::string descr;
  std::vector<int64_t> shape;
  std::vector<char> data;

  int64_t numElements() const;
  /// Bytes per element of `descr`, or 0 if unsupported.
  static unsigned elementSize(const std::string &descr);
};

llvm::Expected<NpyArray> readNpy(const std::string &path);
llvm::Error writeNpy(const std::string &path, const NpyArray &array);

} // namespace mlir::attn

#endif // ATTN_RUNTIME_NPY_H
