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

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include <cstdint>
#include <string>
#include <vector>

namespace mlir::attn {

/// A malloc'ed byte buffer whose allocation failure is an error the caller
/// sees (tryResize), not a fatal one: the data of an array can be as large
/// as the machine's memory.
class NpyBuffer {
public:
  NpyBuffer() = default;
  NpyBuffer(NpyBuffer &&other) noexcept;
  NpyBuffer &operator=(NpyBuffer &&other) noexcept;
  NpyBuffer(const NpyBuffer &) = delete;
  NpyBuffer &operator=(const NpyBuffer &) = delete;
  ~NpyBuffer();

  /// Makes the buffer `bytes` long, zero-filled; false (and unchanged) when
  /// the memory is not there.
  [[nodiscard]] bool tryResize(size_t bytes);
  /// tryResize; a failure is a fatal out-of-memory error.
  void resize(size_t bytes);

  char *data() { return bytes; }
  const char *data() const { return bytes; }
  size_t size() const { return length; }

private:
  char *bytes = nullptr;
  size_t length = 0;
};

struct NpyArray {
  /// NumPy type string, e.g. "<f4".
  std::string descr;
  std::vector<int64_t> shape;
  NpyBuffer data;

  int64_t numElements() const;
  /// Bytes per element of `descr`, or 0 if unsupported.
  static unsigned elementSize(const std::string &descr);
};

/// Reads `path`: the header first, checked as strictly as numpy does
/// (format 1.0, 2.0 or 3.0; one dict literal with exactly the keys 'descr',
/// 'fortran_order' and 'shape'; nothing but whitespace after it), then
/// exactly the data bytes its shape implies; a file with fewer or more bytes, or a payload larger than the
/// memory available, is an error naming the file (never an endless read of
/// a device or pipe).
llvm::Expected<NpyArray> readNpy(const std::string &path);

/// Writes `array`; every write error (a full disk, an unwritable place) is
/// an error naming the file.
llvm::Error writeNpy(const std::string &path, const NpyArray &array);

/// Writes an array of `descr` and `shape` whose element at C-order index
/// (i0, ..., in) is at `data + (sum_d i_d * strides[d]) * elementSize`
/// (strides in elements, as in a memref descriptor) without copying it
/// first.
llvm::Error writeNpy(const std::string &path, const std::string &descr,
                     llvm::ArrayRef<int64_t> shape, const char *data,
                     llvm::ArrayRef<int64_t> strides);

} // namespace mlir::attn

#endif // ATTN_RUNTIME_NPY_H
