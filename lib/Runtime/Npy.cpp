//===- Npy.cpp - read and write NumPy .npy files --------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Implements the .npy reader/writer of Npy.h. Every malformed file is a
// located error naming the file, never a crash.
//
//===----------------------------------------------------------------------===//

#include "attn/Runtime/Npy.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir::attn;

int64_t NpyArray::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

unsigned NpyArray::elementSize(const std::string &descr) {
  if (descr == "<f4" || descr == "<i4")
    return 4;
  if (descr == "<f2" || descr == "<u2")
    return 2;
  if (descr == "<f8" || descr == "<i8")
    return 8;
  return 0;
}

static llvm::Error bad(const std::string &path, const llvm::Twine &why) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 path + ": not a supported .npy file: " + why);
}

/// `text` with non-printable bytes escaped, for messages about file content.
static std::string escaped(llvm::StringRef text) {
  std::string out;
  llvm::raw_string_ostream os(out);
  llvm::printEscapedString(text, os);
  return out;
}

/// The value of `key` in the header dict, e.g. 'descr': '<f4' -> <f4.
static llvm::StringRef headerValue(llvm::StringRef header,
                                   llvm::StringRef key) {
  size_t at = header.find(("'" + key + "'").str());
  if (at == llvm::StringRef::npos)
    return {};
  llvm::StringRef rest = header.drop_front(at + key.size() + 2).ltrim();
  if (!rest.consume_front(":"))
    return {};
  rest = rest.ltrim();
  if (rest.consume_front("'"))
    return rest.take_until([](char c) { return c == '\''; });
  if (rest.consume_front("("))
    return rest.take_until([](char c) { return c == ')'; });
  return rest.take_until([](char c) { return c == ',' || c == '}'; }).trim();
}

llvm::Expected<NpyArray> mlir::attn::readNpy(const std::string &path) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return llvm::createStringError(buffer.getError(),
                                   "cannot read '" + path +
                                       "': " + buffer.getError().message());
  llvm::StringRef bytes = (*buffer)->getBuffer();
  if (bytes.size() < 10 || !bytes.starts_with("\x93NUMPY"))
    return bad(path, "missing the \\x93NUMPY magic");
  unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = static_cast<unsigned char>(bytes[8]) |
                (static_cast<unsigned char>(bytes[9]) << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return bad(path, "truncated header");
    headerLen = 0;
    for (int i = 3; i >= 0; --i)
      headerLen = (headerLen << 8) | static_cast<unsigned char>(bytes[8 + i]);
    headerStart = 12;
  } else {
    return bad(path, "unknown format version " + llvm::Twine(major));
  }
  if (headerStart + headerLen > bytes.size())
    return bad(path, "truncated header");
  llvm::StringRef header = bytes.substr(headerStart, headerLen);

  NpyArray array;
  array.descr = headerValue(header, "descr").str();
  if (array.descr == "<f4" || array.descr == "|f4")
    array.descr = "<f4";
  if (!NpyArray::elementSize(array.descr))
    return bad(path, "element type '" + escaped(array.descr) +
                         "' (supported: <f4 <f2 <f8 <i4 <i8 <u2)");
  if (headerValue(header, "fortran_order") != "False")
    return bad(path, "Fortran order (save a C-contiguous array)");
  llvm::SmallVector<llvm::StringRef> dims;
  headerValue(header, "shape").split(dims, ',', -1, /*KeepEmpty=*/false);
  // The byte count is computed with overflow checks: a crafted header must
  // not wrap around to a size that matches a short payload.
  uint64_t want = NpyArray::elementSize(array.descr);
  for (llvm::StringRef d : dims) {
    int64_t v;
    if (d.trim().getAsInteger(10, v) || v < 0)
      return bad(path, "shape entry '" + escaped(d.trim()) + "'");
    bool overflow = false;
    want = llvm::SaturatingMultiply(want, static_cast<uint64_t>(v), &overflow);
    if (overflow)
      return bad(path, "shape too large");
    array.shape.push_back(v);
  }
  llvm::StringRef payload = bytes.drop_front(headerStart + headerLen);
  if (payload.size() != want)
    return bad(path, "expected " + llvm::Twine(want) + " data bytes, found " +
                         llvm::Twine(payload.size()));
  array.data.assign(payload.begin(), payload.end());
  return array;
}

llvm::Error mlir::attn::writeNpy(const std::string &path,
                                 const NpyArray &array) {
  std::string shape;
  for (int64_t d : array.shape)
    shape += std::to_string(d) + ", ";
  if (array.shape.size() > 1)
    shape.erase(shape.size() - 2);
  else if (array.shape.size() == 1)
    shape.erase(shape.size() - 1);
  std::string header = "{'descr': '" + array.descr +
                       "', 'fortran_order': False, 'shape': (" + shape + "), }";
  // Pad with spaces so magic + length + header + '\n' is a multiple of 64.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return llvm::createStringError(ec, "cannot write '" + path +
                                           "': " + ec.message());
  os << "\x93NUMPY" << char(1) << char(0) << char(header.size() & 0xff)
     << char((header.size() >> 8) & 0xff) << header;
  os.write(array.data.data(), array.data.size());
  return llvm::Error::success();
}
