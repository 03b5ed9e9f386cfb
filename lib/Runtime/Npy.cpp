//===- Npy.cpp - read and write NumPy .npy files --------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Implements the .npy reader/writer of Npy.h. Every malformed file is a
// located error naming the file, never a crash; the header dict is parsed
// as strictly as numpy parses it (NpyHeaderParser) and is read and checked
// before the data, so a device such as /dev/zero or a file whose
// size does not match its shape is refused without reading it all.
//
//===----------------------------------------------------------------------===//

#include "attn/Runtime/Npy.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

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

namespace {
/// The header dict of a .npy file, parsed as strictly as numpy's
/// ast.literal_eval plus its key check: exactly one dict literal with the
/// keys 'descr' (a string), 'fortran_order' (True or False) and 'shape' (a
/// tuple of integers), each once, separated by commas (a trailing one
/// allowed), followed by nothing but whitespace.
struct NpyHeader {
  std::string descr;
  bool fortranOrder = false;
  std::vector<llvm::StringRef> dims;
};

class NpyHeaderParser {
public:
  explicit NpyHeaderParser(llvm::StringRef text) : text(text) {}

  /// The parsed header, or what is wrong with it (with its byte offset).
  llvm::Expected<NpyHeader> parse() {
    NpyHeader header;
    bool seenDescr = false, seenOrder = false, seenShape = false;
    skipSpace();
    if (!consume('{'))
      return error("expected '{' (the header is not a dict literal)");
    while (true) {
      skipSpace();
      if (consume('}'))
        break;
      size_t keyAt = pos;
      std::optional<llvm::StringRef> key = string();
      if (!key)
        return error("expected a quoted key or '}'");
      bool *seen = *key == "descr"           ? &seenDescr
                   : *key == "fortran_order" ? &seenOrder
                   : *key == "shape"         ? &seenShape
                                             : nullptr;
      if (!seen)
        return error("unknown key '" + escaped(*key) +
                         "' (expected 'descr', 'fortran_order', 'shape')",
                     keyAt);
      if (*seen)
        return error("key '" + *key + "' given twice", keyAt);
      *seen = true;
      skipSpace();
      if (!consume(':'))
        return error("expected ':' after the key '" + *key + "'");
      skipSpace();
      if (*key == "descr") {
        std::optional<llvm::StringRef> value = string();
        if (!value)
          return error("expected a quoted string for 'descr'");
        header.descr = value->str();
      } else if (*key == "fortran_order") {
        if (consumeWord("True"))
          header.fortranOrder = true;
        else if (consumeWord("False"))
          header.fortranOrder = false;
        else
          return error("expected True or False for 'fortran_order'");
      } else if (llvm::Error err = shape(header.dims)) {
        return std::move(err);
      }
      skipSpace();
      if (consume('}'))
        break;
      if (!consume(','))
        return error("expected ',' or '}' after the value of '" + *key + "'");
    }
    skipSpace();
    if (pos != text.size())
      return error("unexpected '" + escaped(text.substr(pos, 16)) +
                   "' after the header dict");
    for (auto [seen, name] : {std::pair{seenDescr, "descr"},
                              std::pair{seenOrder, "fortran_order"},
                              std::pair{seenShape, "shape"}})
      if (!seen)
        return error("missing the key '" + llvm::Twine(name) + "'", 0);
    return header;
  }

private:
  llvm::Error error(const llvm::Twine &why) { return error(why, pos); }
  llvm::Error error(const llvm::Twine &why, size_t at) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "header byte " + llvm::Twine(at) + ": " +
                                       why);
  }

  void skipSpace() {
    while (pos < text.size() && llvm::StringRef(" \t\r\n").contains(text[pos]))
      ++pos;
  }
  bool consume(char c) {
    if (pos >= text.size() || text[pos] != c)
      return false;
    ++pos;
    return true;
  }
  /// `word` as a whole identifier (True, not Truex).
  bool consumeWord(llvm::StringRef word) {
    if (!text.substr(pos).starts_with(word))
      return false;
    size_t end = pos + word.size();
    if (end < text.size() &&
        (llvm::isAlnum(text[end]) || text[end] == '_'))
      return false;
    pos = end;
    return true;
  }
  /// A '...' or "..." string without escapes (numpy writes none).
  std::optional<llvm::StringRef> string() {
    if (pos >= text.size() || (text[pos] != '\'' && text[pos] != '"'))
      return std::nullopt;
    char quote = text[pos];
    size_t end = text.find_first_of(llvm::StringRef(&quote, 1), pos + 1);
    if (end == llvm::StringRef::npos)
      return std::nullopt;
    llvm::StringRef value = text.slice(pos + 1, end);
    if (value.contains('\\') || value.contains('\n'))
      return std::nullopt;
    pos = end + 1;
    return value;
  }
  /// A tuple of decimal integers: (), (n,), (n, m), (n, m,) ...
  llvm::Error shape(std::vector<llvm::StringRef> &dims) {
    if (!consume('('))
      return error("expected a tuple for 'shape'");
    while (true) {
      skipSpace();
      if (consume(')'))
        break;
      size_t start = pos;
      if (pos < text.size() && text[pos] == '-')
        ++pos;
      while (pos < text.size() && llvm::isDigit(text[pos]))
        ++pos;
      llvm::StringRef digits = text.slice(start, pos).ltrim('-');
      if (digits.empty())
        return error("expected an integer or ')' in 'shape'", start);
      // Python has no leading zeros (016 is a syntax error).
      if (digits.size() > 1 && digits.front() == '0')
        return error("integer with a leading zero in 'shape'", start);
      dims.push_back(text.slice(start, pos));
      skipSpace();
      if (consume(')')) {
        // Python's (n) is an integer, not a tuple.
        if (dims.size() == 1)
          return error("'shape' (n) is not a tuple: write (n,)", pos - 1);
        break;
      }
      if (!consume(','))
        return error("expected ',' or ')' in 'shape'");
    }
    return llvm::Error::success();
  }

  llvm::StringRef text;
  size_t pos = 0;
};
} // namespace

NpyBuffer::NpyBuffer(NpyBuffer &&other) noexcept
    : bytes(other.bytes), length(other.length) {
  other.bytes = nullptr;
  other.length = 0;
}

NpyBuffer &NpyBuffer::operator=(NpyBuffer &&other) noexcept {
  if (this != &other) {
    std::free(bytes);
    bytes = other.bytes;
    length = other.length;
    other.bytes = nullptr;
    other.length = 0;
  }
  return *this;
}

NpyBuffer::~NpyBuffer() { std::free(bytes); }

bool NpyBuffer::tryResize(size_t n) {
  if (n == length)
    return true;
  char *fresh = static_cast<char *>(std::calloc(n ? n : 1, 1));
  if (!fresh)
    return false;
  std::memcpy(fresh, bytes, std::min(n, length));
  std::free(bytes);
  bytes = fresh;
  length = n;
  return true;
}

void NpyBuffer::resize(size_t n) {
  if (!tryResize(n))
    llvm::report_bad_alloc_error("out of memory for an array");
}

/// Reads exactly `n` bytes of `fd` into `out`; the count read when the file
/// ends first.
static llvm::Expected<size_t> readExactly(llvm::sys::fs::file_t fd, char *out,
                                          size_t n) {
  size_t done = 0;
  while (done < n) {
    size_t chunk = std::min<size_t>(n - done, size_t{1} << 30);
    llvm::Expected<size_t> got = llvm::sys::fs::readNativeFile(
        fd, llvm::MutableArrayRef<char>(out + done, chunk));
    if (!got)
      return got.takeError();
    if (*got == 0)
      break;
    done += *got;
  }
  return done;
}

llvm::Expected<NpyArray> mlir::attn::readNpy(const std::string &path) {
  auto cannot = [&](std::error_code ec) {
    return llvm::createStringError(ec, "cannot read '" + path +
                                           "': " + ec.message());
  };
  llvm::Expected<llvm::sys::fs::file_t> opened =
      llvm::sys::fs::openNativeFileForRead(path);
  if (!opened)
    return cannot(llvm::errorToErrorCode(opened.takeError()));
  llvm::sys::fs::file_t fd = *opened;
  llvm::scope_exit closer([&] { llvm::sys::fs::closeFile(fd); });
  llvm::sys::fs::file_status status;
  if (std::error_code ec = llvm::sys::fs::status(fd, status))
    return cannot(ec);
  if (status.type() == llvm::sys::fs::file_type::directory_file)
    return cannot(std::make_error_code(std::errc::is_a_directory));
  // A regular file's size is checked against the header before any data is
  // read; a device or pipe is read up to the size the header implies.
  bool regular = status.type() == llvm::sys::fs::file_type::regular_file;

  // The header first: magic, version, length, then the dict.
  char prefix[12];
  llvm::Expected<size_t> got = readExactly(fd, prefix, 10);
  if (!got)
    return cannot(llvm::errorToErrorCode(got.takeError()));
  if (*got < 10 || !(llvm::StringRef(prefix, 6) == "\x93NUMPY"))
    return bad(path, "missing the \\x93NUMPY magic");
  unsigned major = static_cast<unsigned char>(prefix[6]);
  unsigned minor = static_cast<unsigned char>(prefix[7]);
  // As numpy: versions 1.0, 2.0 and 3.0 only.
  if (minor != 0 || major < 1 || major > 3)
    return bad(path, "unknown format version " + llvm::Twine(major) + "." +
                         llvm::Twine(minor) + " (supported: 1.0, 2.0, 3.0)");
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = static_cast<unsigned char>(prefix[8]) |
                (static_cast<unsigned char>(prefix[9]) << 8);
    headerStart = 10;
  } else { // 2.0 and 3.0: a 4-byte length
    got = readExactly(fd, prefix + 10, 2);
    if (!got)
      return cannot(llvm::errorToErrorCode(got.takeError()));
    if (*got < 2)
      return bad(path, "truncated header");
    headerLen = 0;
    for (int i = 3; i >= 0; --i)
      headerLen = (headerLen << 8) | static_cast<unsigned char>(prefix[8 + i]);
    headerStart = 12;
  }
  // Real headers are a few hundred bytes; a 4 GiB "header" is not one.
  constexpr size_t kMaxHeader = size_t{1} << 20;
  if (headerLen > kMaxHeader)
    return bad(path, "header of " + llvm::Twine(headerLen) +
                         " bytes (at most " + llvm::Twine(kMaxHeader) + ")");
  if (regular && headerStart + headerLen > status.getSize())
    return bad(path, "truncated header");
  std::string headerText(headerLen, '\0');
  got = readExactly(fd, headerText.data(), headerLen);
  if (!got)
    return cannot(llvm::errorToErrorCode(got.takeError()));
  if (*got < headerLen)
    return bad(path, "truncated header");
  llvm::StringRef header = headerText;

  llvm::Expected<NpyHeader> parsed = NpyHeaderParser(header).parse();
  if (!parsed)
    return bad(path, llvm::toString(parsed.takeError()));
  NpyArray array;
  array.descr = parsed->descr;
  if (array.descr == "<f4" || array.descr == "|f4")
    array.descr = "<f4";
  if (!NpyArray::elementSize(array.descr))
    return bad(path, "element type '" + escaped(array.descr) +
                         "' (supported: <f4 <f2 <f8 <i4 <i8 <u2)");
  if (parsed->fortranOrder)
    return bad(path, "Fortran order (save a C-contiguous array)");
  llvm::ArrayRef<llvm::StringRef> dims = parsed->dims;
  // The byte count is computed with overflow checks: a crafted header must
  // not wrap around to a size that matches a short payload.
  uint64_t want = NpyArray::elementSize(array.descr);
  for (llvm::StringRef d : dims) {
    int64_t v;
    if (d.trim().getAsInteger(10, v) || v < 0)
      return bad(path, "shape entry '" + escaped(d.trim()) + "'");
    bool overflow = false;
    want = llvm::SaturatingMultiply(want, static_cast<uint64_t>(v), &overflow);
    if (overflow || want > uint64_t(INT64_MAX))
      return bad(path, "shape too large");
    array.shape.push_back(v);
  }
  if (regular && status.getSize() - headerStart - headerLen != want)
    return bad(path,
               "expected " + llvm::Twine(want) + " data bytes, found " +
                   llvm::Twine(status.getSize() - headerStart - headerLen));
  if (!array.data.tryResize(want))
    return llvm::createStringError(
        std::make_error_code(std::errc::not_enough_memory),
        "out of memory: cannot hold the " + llvm::Twine(want) +
            " data bytes of '" + path + "'");
  got = readExactly(fd, array.data.data(), want);
  if (!got)
    return cannot(llvm::errorToErrorCode(got.takeError()));
  if (*got != want)
    return bad(path, "expected " + llvm::Twine(want) + " data bytes, found " +
                         llvm::Twine(*got));
  char extra;
  got = readExactly(fd, &extra, 1);
  if (!got)
    return cannot(llvm::errorToErrorCode(got.takeError()));
  if (*got)
    return bad(path, "more than the " + llvm::Twine(want) +
                         " data bytes its shape implies");
  return array;
}

/// The .npy header of an array of `descr` and `shape`, padded so that
/// magic + length + header is a multiple of 64 bytes.
static std::string npyHeader(const std::string &descr,
                             llvm::ArrayRef<int64_t> shape) {
  std::string dims;
  for (int64_t d : shape)
    dims += std::to_string(d) + ", ";
  if (shape.size() > 1)
    dims.erase(dims.size() - 2);
  else if (shape.size() == 1)
    dims.erase(dims.size() - 1);
  std::string header = "{'descr': '" + descr +
                       "', 'fortran_order': False, 'shape': (" + dims + "), }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += char(1);
  out += char(0);
  out += char(header.size() & 0xff);
  out += char((header.size() >> 8) & 0xff);
  return out + header;
}

llvm::Error mlir::attn::writeNpy(const std::string &path,
                                 const std::string &descr,
                                 llvm::ArrayRef<int64_t> shape,
                                 const char *data,
                                 llvm::ArrayRef<int64_t> strides) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return llvm::createStringError(ec, "cannot write '" + path +
                                           "': " + ec.message());
  os << npyHeader(descr, shape);
  size_t es = NpyArray::elementSize(descr);
  int64_t count = 1, rank = shape.size();
  for (int64_t d : shape)
    count *= d;
  // C-contiguous (the usual result) in one write, else element by element.
  bool contiguous = true;
  for (int64_t d = rank - 1, stride = 1; d >= 0; --d) {
    contiguous &= shape[d] == 1 || strides[d] == stride;
    stride *= shape[d];
  }
  if (count > 0 && contiguous) {
    os.write(data, count * es);
  } else if (count > 0) {
    std::vector<int64_t> index(rank, 0);
    for (int64_t n = 0; n < count && !os.has_error(); ++n) {
      int64_t src = 0;
      for (int64_t d = 0; d < rank; ++d)
        src += index[d] * strides[d];
      os.write(data + src * static_cast<int64_t>(es), es);
      for (int64_t d = rank - 1; d >= 0; --d) {
        if (++index[d] < shape[d])
          break;
        index[d] = 0;
      }
    }
  }
  // A full disk shows only when the buffer is flushed: check after close,
  // and clear the error so the stream does not end the process over it.
  os.close();
  if (os.has_error()) {
    std::error_code err = os.error();
    os.clear_error();
    return llvm::createStringError(err, "cannot write '" + path +
                                            "': " + err.message());
  }
  return llvm::Error::success();
}

llvm::Error mlir::attn::writeNpy(const std::string &path,
                                 const NpyArray &array) {
  std::vector<int64_t> strides(array.shape.size());
  int64_t stride = 1;
  for (int64_t d = static_cast<int64_t>(array.shape.size()) - 1; d >= 0; --d) {
    strides[d] = stride;
    stride *= array.shape[d];
  }
  return writeNpy(path, array.descr, array.shape, array.data.data(), strides);
}
