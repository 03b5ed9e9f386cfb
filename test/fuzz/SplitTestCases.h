//===- SplitTestCases.h - lit test files as fuzz inputs ---------*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The corpus of attn's fuzz targets is the lit test suite, whose files hold
// many test cases each. This splits a file the way lit's tools do, so that
// the standalone driver makes one corpus entry per case and a target given
// a whole file (libFuzzer, or a replayed file) runs every case.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_TEST_FUZZ_SPLITTESTCASES_H
#define ATTN_TEST_FUZZ_SPLITTESTCASES_H

#include <string_view>
#include <vector>

namespace attn_fuzz {

/// The test cases of `text`, split at lit's markers: a line `// -----`
/// (attn-opt --split-input-file) or a line starting with `//--- ` (split-file:
/// the marker line and the text before the first marker are dropped, so
/// each piece is one file's text). Pieces holding only blanks are skipped;
/// text without markers is one piece.
std::vector<std::string_view> splitTestCases(std::string_view text);

} // namespace attn_fuzz

#endif // ATTN_TEST_FUZZ_SPLITTESTCASES_H
