//===- Mutator.h - input mutations of the standalone fuzz driver -*- C++
//-*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The mutation engine of attn's standalone fuzz driver (FuzzDriver.cpp), the
// stand-in for libFuzzer in builds without clang's -fsanitize=fuzzer. It has
// no coverage feedback; its one feedback is the target's verdict (libFuzzer's
// return value: -1 = do not keep this input): mutants start from accepted
// entries four times in five, and accepted mutants join the corpus, so
// mutations accumulate. Each mutant gets a few stacked mutations, byte-level
// (flips, inserts, deletes, copies), line-level (MLIR is line-oriented),
// splices of two corpus entries, and token-level ones from a dictionary
// (libFuzzer's -dict format, plus the tokens of the corpus itself) and a list
// of interesting numbers. Plain C++ (no LLVM), so the driver stays independent
// of what it tests.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_TEST_FUZZ_MUTATOR_H
#define ATTN_TEST_FUZZ_MUTATOR_H

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace attn_fuzz {

/// splitmix64: small, fast and the same on every platform, so a seed names
/// the same mutants everywhere (std:: distributions are not portable).
class Rng {
public:
  explicit Rng(uint64_t seed) : state(seed) {}
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, n); n > 0.
  size_t below(size_t n) { return static_cast<size_t>(next() % n); }
  bool chance(unsigned percent) { return below(100) < percent; }

private:
  uint64_t state;
};

/// Makes mutants of corpus entries.
class Mutator {
public:
  /// `maxLen` bounds every mutant.
  Mutator(std::vector<std::string> corpus, size_t maxLen);

  /// Marks corpus entry `index` as accepted by the target.
  void accept(size_t index) { accepted.push_back(index); }

  /// Adds an input the target accepted to the corpus (up to kMaxAdded,
  /// without duplicates, not nested deeper than kMaxDepth brackets: the
  /// known stack overflow of deep nesting must not build up). Returns
  /// whether it was added.
  bool addAccepted(const std::string &input);

  size_t size() const { return corpus.size(); }
  size_t numAccepted() const { return accepted.size(); }

  static constexpr size_t kMaxAdded = 4096;
  static constexpr size_t kMaxDepth = 200;

  /// Adds the entries of a libFuzzer dictionary file (`name="value"` or
  /// `"value"` per line, `#` comments, \\ \" \xNN escapes). Returns false
  /// with `error` set when the file cannot be read or a line is malformed.
  bool loadDictionary(const std::string &path, std::string &error);

  /// Adds the identifiers, keywords and quoted strings of the corpus
  /// (`#attn.tile`, `kv_heads`, `"layer_types"`, ...) to the dictionary.
  void addCorpusTokens();

  /// Number of dictionary words (files plus corpus tokens).
  size_t dictionarySize() const { return dictionary.size(); }

  /// Mutant number `index` of the run seeded with `seed`: a function of
  /// (seed, index, corpus, accepted entries, dictionary) only.
  std::string mutant(uint64_t seed, uint64_t index);

private:
  void mutateOnce(Rng &rng, std::string &s);
  // Byte level.
  void flipBit(Rng &rng, std::string &s);
  void setByte(Rng &rng, std::string &s);
  void insertBytes(Rng &rng, std::string &s);
  void eraseBytes(Rng &rng, std::string &s);
  void copyPart(Rng &rng, std::string &s);
  // Line level.
  void mutateLines(Rng &rng, std::string &s);
  // Two entries.
  void splice(Rng &rng, std::string &s);
  // Token level.
  void replaceToken(Rng &rng, std::string &s);
  /// Every occurrence of one token replaced by the same word.
  void replaceAll(Rng &rng, std::string &s);
  void insertWord(Rng &rng, std::string &s);
  void replaceNumber(Rng &rng, std::string &s);
  void nest(Rng &rng, std::string &s);

  const std::string &randomWord(Rng &rng);
  /// A word of the same kind (number, quoted string, identifier,
  /// punctuation) as the text [p, p + len) three times in four.
  const std::string &randomWordLike(Rng &rng, const char *p, size_t len);

  std::vector<std::string> corpus;
  std::vector<size_t> accepted;
  std::set<std::string> known;
  size_t added = 0;
  size_t maxLen;
  std::vector<std::string> dictionary;
};

} // namespace attn_fuzz

#endif // ATTN_TEST_FUZZ_MUTATOR_H
