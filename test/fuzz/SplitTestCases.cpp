//===- SplitTestCases.cpp - lit test files as fuzz inputs -----------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Splits a lit test file at `// -----` and `//--- name` lines. Plain C++:
// the standalone driver uses it without LLVM.
//
//===----------------------------------------------------------------------===//

#include "SplitTestCases.h"

using namespace attn_fuzz;

static bool isBlank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

std::vector<std::string_view> attn_fuzz::splitTestCases(std::string_view text) {
  std::vector<std::string_view> pieces;
  size_t start = 0, pos = 0;
  bool splitFile = false; // seen a `//--- ` marker
  auto close = [&](size_t end, bool splitFileMarker) {
    std::string_view piece = text.substr(start, end - start);
    // split-file ignores the text before the first `//--- ` marker (the
    // RUN and CHECK lines).
    bool header = splitFileMarker && !splitFile;
    if (!isBlank(piece) && !header)
      pieces.push_back(piece);
  };
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    size_t next = eol == std::string_view::npos ? text.size() : eol + 1;
    std::string_view line = text.substr(pos, next - pos);
    // `// -----` alone on its line (trailing blanks allowed), as MLIR's
    // splitAndProcessBuffer wants it; `//--- ` as split-file wants it.
    std::string_view trimmed =
        line.substr(0, line.find_last_not_of(" \t\r\n") + 1);
    bool splitFileMarker = line.rfind("//--- ", 0) == 0;
    if (trimmed == "// -----" || splitFileMarker) {
      close(pos, splitFileMarker);
      splitFile |= splitFileMarker;
      start = next;
    }
    pos = next;
  }
  close(text.size(), false);
  return pieces;
}
