//===- Mutator.cpp - input mutations of the standalone fuzz driver --------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Byte, line, splice and token mutations of text inputs (MLIR modules and
// JSON configs). Without coverage feedback the mutants must stay close to
// valid input to get past the parsers, so most mutations are token-level
// (a dictionary word or an interesting number in place of a token) and each
// mutant stacks only a few of them on one corpus entry.
//
//===----------------------------------------------------------------------===//

#include "Mutator.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

using namespace attn_fuzz;

namespace {
/// Integers at the edges of what verifiers and passes compute with: sizes,
/// powers of two and their neighbours, the int32 / int64 limits.
const char *const kIntegers[] = {
    "0",
    "1",
    "-1",
    "2",
    "3",
    "7",
    "15",
    "16",
    "17",
    "31",
    "64",
    "127",
    "128",
    "255",
    "256",
    "4096",
    "65536",
    "1048576",
    "1048577",
    "2147483647",
    "2147483648",
    "-2147483648",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "18446744073709551616",
    "99999999999999999999999999",
};

/// Floats at the edges: signed zero, overflow to infinity, denormals, NaN.
const char *const kFloats[] = {
    "0.0",
    "-0.0",
    "0.5",
    "-1.0",
    "1e308",
    "1e309",
    "-1e309",
    "1e-320",
    "nan",
    "inf",
    "0x7FF0000000000000",
    "0x7FF8000000000000",
};

template <size_t N>
const char *pick(Rng &rng, const char *const (&list)[N]) {
  return list[rng.below(N)];
}

/// Bytes that matter to MLIR and JSON syntax.
const char kPunctuation[] = "<>(){}[],:=@%#?*x\"-!^.\n ";

bool isWordChar(unsigned char c) {
  return std::isalnum(c) || c == '_' || c == '.' || c == '$';
}

bool isWordStart(unsigned char c) {
  return isWordChar(c) || c == '#' || c == '@' || c == '%' || c == '!' ||
         c == '^' || c == '-';
}

/// A token of `s`: [begin, end).
struct Token {
  size_t begin, end;
};

/// Tokens: numbers, words (identifiers, `#attn.tile`, `%arg0`), quoted
/// strings, and single punctuation bytes; a shape `2x16xf32` is `2`, `x`,
/// `16`, `xf32`. Blanks are not tokens.
std::vector<Token> tokenize(const std::string &s) {
  std::vector<Token> tokens;
  size_t i = 0, n = s.size();
  while (i < n) {
    unsigned char c = s[i];
    if (std::isspace(c)) {
      ++i;
      continue;
    }
    size_t j = i + 1;
    if (c == '"') {
      while (j < n && s[j] != '"' && s[j] != '\n')
        j += s[j] == '\\' ? 2 : 1;
      j = std::min(n, j + 1);
    } else if (std::isdigit(c) ||
               (c == '-' && j < n && std::isdigit((unsigned char)s[j]))) {
      // A number ends where the `x` of a shape (`16x64xf32`) begins.
      if (c == '0' && j < n && (s[j] == 'x' || s[j] == 'X') && j + 1 < n &&
          std::isxdigit((unsigned char)s[j + 1]))
        for (j += 1; j < n && std::isxdigit((unsigned char)s[j]);)
          ++j;
      while (j < n && std::isdigit((unsigned char)s[j]))
        ++j;
      if (j + 1 < n && s[j] == '.' && std::isdigit((unsigned char)s[j + 1]))
        for (++j; j < n && std::isdigit((unsigned char)s[j]);)
          ++j;
      if (j + 1 < n && (s[j] == 'e' || s[j] == 'E')) {
        size_t k = j + 1 + (s[j + 1] == '-' || s[j + 1] == '+');
        if (k < n && std::isdigit((unsigned char)s[k]))
          for (j = k; j < n && std::isdigit((unsigned char)s[j]);)
            ++j;
      }
    } else if (c == 'x' && j < n &&
               (std::isdigit((unsigned char)s[j]) || s[j] == '?')) {
      // The `x` between two dimensions of a shape.
    } else if (isWordStart(c)) {
      while (j < n && isWordChar(s[j]))
        ++j;
    }
    tokens.push_back({i, j});
    i = j;
  }
  return tokens;
}

/// What a token or a dictionary word is: a replacement of the same class
/// keeps the syntax more often.
/// Words are told apart by their sigil: `#attn.tile` (attribute), `@kda`
/// (symbol), `%q` (value), `^bb0`, `!type`, or a bare keyword.
enum WordClass {
  kNumberClass,
  kStringClass,
  kKeywordClass,
  kAttributeClass,
  kSymbolClass,
  kValueClass,
  kOtherWordClass,
  kPunctClass
};

WordClass classify(const char *p, size_t len) {
  if (!len)
    return kPunctClass;
  size_t i = p[0] == '-' && len > 1 ? 1 : 0;
  if (std::isdigit(static_cast<unsigned char>(p[i])))
    return kNumberClass;
  switch (p[0]) {
  case '"':
    return kStringClass;
  case '#':
    return kAttributeClass;
  case '@':
    return kSymbolClass;
  case '%':
    return kValueClass;
  case '^':
  case '!':
    return kOtherWordClass;
  default:
    break;
  }
  if (std::isalpha(static_cast<unsigned char>(p[0])) || p[0] == '_')
    return kKeywordClass;
  return isWordStart(p[0]) ? kOtherWordClass : kPunctClass;
}

bool isNumber(const std::string &s, Token t) {
  size_t i = t.begin;
  if (i < t.end && s[i] == '-')
    ++i;
  return i < t.end && std::isdigit(static_cast<unsigned char>(s[i]));
}

/// An integer for an integer token (a float one time in ten), a float for a
/// float token (an integer three times in ten).
std::string interestingNumber(Rng &rng, const std::string &s, Token t) {
  std::string old = s.substr(t.begin, t.end - t.begin);
  bool isFloat = old.find_first_of(".eE") != std::string::npos &&
                 old.find_first_of("xX") == std::string::npos;
  return rng.chance(isFloat ? 70 : 10) ? pick(rng, kFloats)
                                       : pick(rng, kIntegers);
}

/// Decodes one quoted dictionary value; false when malformed.
bool unquote(const std::string &line, size_t open, std::string &out) {
  size_t close = line.rfind('"');
  if (close == std::string::npos || close <= open)
    return false;
  for (size_t i = open + 1; i < close; ++i) {
    char c = line[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= close)
      return false;
    if (line[i] == 'x') {
      if (i + 2 >= close || !std::isxdigit((unsigned char)line[i + 1]) ||
          !std::isxdigit((unsigned char)line[i + 2]))
        return false;
      out += static_cast<char>(std::stoi(line.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += line[i];
    }
  }
  return true;
}
} // namespace

Mutator::Mutator(std::vector<std::string> corpus, size_t maxLen)
    : corpus(std::move(corpus)),
      known(this->corpus.begin(), this->corpus.end()), maxLen(maxLen) {}

bool Mutator::addAccepted(const std::string &input) {
  if (added >= kMaxAdded || known.count(input))
    return false;
  size_t depth = 0, deepest = 0;
  for (char c : input) {
    if (c == '[' || c == '{' || c == '(' || c == '<')
      deepest = std::max(deepest, ++depth);
    else if ((c == ']' || c == '}' || c == ')' || c == '>') && depth)
      --depth;
  }
  if (deepest > kMaxDepth)
    return false;
  known.insert(input);
  accepted.push_back(corpus.size());
  corpus.push_back(input);
  ++added;
  return true;
}

bool Mutator::loadDictionary(const std::string &path, std::string &error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read dictionary '" + path + "'";
    return false;
  }
  std::string line;
  for (unsigned lineNo = 1; std::getline(in, line); ++lineNo) {
    size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#')
      continue;
    size_t open = line.find('"');
    std::string word;
    if (open == std::string::npos || !unquote(line, open, word)) {
      error = path + ":" + std::to_string(lineNo) +
              ": expected name=\"value\" or \"value\"";
      return false;
    }
    // libFuzzer refuses words over 64 bytes; so do we, so that a
    // dictionary that works here works there.
    if (word.size() > 64) {
      error = path + ":" + std::to_string(lineNo) +
              ": a word is at most 64 bytes (libFuzzer's limit)";
      return false;
    }
    if (!word.empty())
      dictionary.push_back(word);
  }
  return true;
}

void Mutator::addCorpusTokens() {
  std::set<std::string> seen(dictionary.begin(), dictionary.end());
  for (const std::string &entry : corpus)
    for (Token t : tokenize(entry)) {
      size_t len = t.end - t.begin;
      // Words worth reusing elsewhere; skip numbers (kIntegers and kFloats have
      // the interesting ones), SSA names and single bytes.
      if (len < 2 || len > 48 || isNumber(entry, t) || entry[t.begin] == '%')
        continue;
      std::string word = entry.substr(t.begin, len);
      if (seen.insert(word).second)
        dictionary.push_back(word);
    }
}

const std::string &Mutator::randomWord(Rng &rng) {
  static const std::string kNone = "x";
  return dictionary.empty() ? kNone : dictionary[rng.below(dictionary.size())];
}

const std::string &Mutator::randomWordLike(Rng &rng, const char *p,
                                           size_t len) {
  if (rng.chance(25))
    return randomWord(rng);
  // Rejection sampling: dictionaries hold words of every class.
  WordClass cls = classify(p, len);
  for (int tries = 0; tries < 16; ++tries) {
    const std::string &word = randomWord(rng);
    if (classify(word.data(), word.size()) == cls)
      return word;
  }
  return randomWord(rng);
}

std::string Mutator::mutant(uint64_t seed, uint64_t index) {
  Rng rng(seed * 0x9e3779b97f4a7c15ull ^ (index + 1) * 0xd1b54a32d192ed03ull);
  std::string s;
  if (!accepted.empty() && rng.chance(80))
    s = corpus[accepted[rng.below(accepted.size())]];
  else if (!corpus.empty())
    s = corpus[rng.below(corpus.size())];
  // 1 mutation 60% of the time, up to 5 (stacked ones reach states a
  // single one cannot, e.g. a new attribute with an odd value).
  unsigned count = 1;
  while (count < 5 && rng.chance(40))
    ++count;
  for (unsigned i = 0; i < count; ++i)
    mutateOnce(rng, s);
  if (s.size() > maxLen)
    s.resize(maxLen);
  return s;
}

void Mutator::mutateOnce(Rng &rng, std::string &s) {
  // Weights: most mutations keep the syntax (a number or a word for a
  // token), and a third keep the types consistent too (every occurrence of
  // a token replaced: a dimension in every tensor type, a symbol at its
  // definition and its uses), so that mutants reach the verifiers and the
  // passes, not only the parser's error paths.
  switch (rng.below(30)) {
  case 0:
    return flipBit(rng, s);
  case 1:
    return setByte(rng, s);
  case 2:
    return insertBytes(rng, s);
  case 3:
    return eraseBytes(rng, s);
  case 4:
    return copyPart(rng, s);
  case 5:
  case 6:
  case 7:
    return mutateLines(rng, s);
  case 8:
  case 9:
    return splice(rng, s);
  case 10:
  case 11:
  case 12:
  case 13:
    return replaceToken(rng, s);
  case 14:
  case 15:
    return insertWord(rng, s);
  case 16:
  case 17:
  case 18:
  case 19:
  case 20:
  case 21:
    return replaceNumber(rng, s);
  case 22:
  case 23:
  case 24:
  case 25:
  case 26:
  case 27:
  case 28:
    return replaceAll(rng, s);
  default:
    return nest(rng, s);
  }
}

void Mutator::flipBit(Rng &rng, std::string &s) {
  if (!s.empty())
    s[rng.below(s.size())] ^= static_cast<char>(1u << rng.below(8));
}

void Mutator::setByte(Rng &rng, std::string &s) {
  if (s.empty())
    return;
  char c = rng.chance(70) ? kPunctuation[rng.below(sizeof(kPunctuation) - 1)]
                          : static_cast<char>(rng.below(256));
  s[rng.below(s.size())] = c;
}

void Mutator::insertBytes(Rng &rng, std::string &s) {
  size_t at = rng.below(s.size() + 1), n = 1 + rng.below(4);
  std::string bytes;
  for (size_t i = 0; i < n; ++i)
    bytes += rng.chance(70) ? kPunctuation[rng.below(sizeof(kPunctuation) - 1)]
                            : static_cast<char>(rng.below(256));
  s.insert(at, bytes);
}

void Mutator::eraseBytes(Rng &rng, std::string &s) {
  if (s.empty())
    return;
  size_t at = rng.below(s.size());
  size_t n = rng.chance(80) ? 1 + rng.below(16) : 1 + rng.below(s.size() - at);
  s.erase(at, n);
}

void Mutator::copyPart(Rng &rng, std::string &s) {
  if (s.empty())
    return;
  size_t from = rng.below(s.size());
  size_t n = 1 + rng.below(std::min<size_t>(s.size() - from, 128));
  std::string part = s.substr(from, n);
  s.insert(rng.below(s.size() + 1), part);
}

void Mutator::mutateLines(Rng &rng, std::string &s) {
  std::vector<std::string> lines;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  if (lines.empty())
    return;
  size_t i = rng.below(lines.size());
  switch (rng.below(5)) {
  case 0:
    lines.erase(lines.begin() + i);
    break;
  case 1:
    lines.insert(lines.begin() + i, lines[rng.below(lines.size())]);
    break;
  case 2:
    std::swap(lines[i], lines[rng.below(lines.size())]);
    break;
  case 3: {
    // A line of another test case: an op or a key that belongs elsewhere.
    const std::string &other = corpus[rng.below(corpus.size())];
    std::vector<size_t> starts{0};
    for (size_t p = other.find('\n'); p != std::string::npos;
         p = other.find('\n', p + 1))
      starts.push_back(p + 1);
    size_t b = starts[rng.below(starts.size())];
    size_t e = other.find('\n', b);
    lines.insert(lines.begin() + i,
                 other.substr(b, e == std::string::npos ? e : e - b));
    break;
  }
  default:
    lines.resize(i + 1);
    break;
  }
  s.clear();
  for (const std::string &line : lines)
    s += line + "\n";
}

void Mutator::splice(Rng &rng, std::string &s) {
  const std::string &other = corpus[rng.below(corpus.size())];
  if (other.empty())
    return;
  if (rng.chance(50)) {
    // Crossover: a prefix of this entry, a suffix of the other.
    s = s.substr(0, rng.below(s.size() + 1)) +
        other.substr(rng.below(other.size()));
  } else {
    // A piece of the other entry inside this one.
    size_t from = rng.below(other.size());
    size_t n = 1 + rng.below(std::min<size_t>(other.size() - from, 512));
    s.insert(rng.below(s.size() + 1), other.substr(from, n));
  }
}

void Mutator::replaceToken(Rng &rng, std::string &s) {
  std::vector<Token> tokens = tokenize(s);
  if (tokens.empty())
    return insertWord(rng, s);
  Token t = tokens[rng.below(tokens.size())];
  std::string word;
  if (isNumber(s, t) && rng.chance(70))
    word = interestingNumber(rng, s, t);
  else if (rng.chance(80))
    word = randomWordLike(rng, s.data() + t.begin, t.end - t.begin);
  else {
    Token u = tokens[rng.below(tokens.size())];
    word = s.substr(u.begin, u.end - u.begin);
  }
  s.replace(t.begin, t.end - t.begin, word);
}

void Mutator::replaceAll(Rng &rng, std::string &s) {
  // Numbers (a dimension in every type, a size in every attribute) seven
  // times in ten, else a word of two bytes or more (a symbol at its
  // definition and uses, an element type); never the `x` of a shape or
  // punctuation.
  std::vector<Token> tokens = tokenize(s), numbers, words;
  for (Token t : tokens) {
    if (isNumber(s, t))
      numbers.push_back(t);
    else if (t.end - t.begin >= 2 &&
             classify(s.data() + t.begin, t.end - t.begin) != kPunctClass)
      words.push_back(t);
  }
  bool number = !numbers.empty() && (words.empty() || rng.chance(70));
  if (!number && words.empty())
    return;
  Token t = number ? numbers[rng.below(numbers.size())]
                   : words[rng.below(words.size())];
  std::string old = s.substr(t.begin, t.end - t.begin);
  std::string word;
  if (number && old.find_first_of(".eExX") == std::string::npos)
    word = pick(rng, kIntegers); // an integer stays an integer
  else if (number)
    word = interestingNumber(rng, s, t);
  else
    word = randomWordLike(rng, old.data(), old.size());
  // Back to front, so that earlier offsets stay valid.
  for (size_t i = tokens.size(); i-- > 0;)
    if (s.compare(tokens[i].begin, tokens[i].end - tokens[i].begin, old) == 0)
      s.replace(tokens[i].begin, tokens[i].end - tokens[i].begin, word);
}

void Mutator::insertWord(Rng &rng, std::string &s) {
  std::vector<Token> tokens = tokenize(s);
  size_t at = tokens.empty() ? 0 : tokens[rng.below(tokens.size())].begin;
  std::string word = randomWord(rng);
  if (rng.chance(50))
    word = rng.chance(50) ? word + " " : ", " + word + " ";
  s.insert(at, word);
}

void Mutator::replaceNumber(Rng &rng, std::string &s) {
  std::vector<Token> tokens = tokenize(s), numbers;
  for (Token t : tokens)
    if (isNumber(s, t))
      numbers.push_back(t);
  if (numbers.empty())
    return replaceToken(rng, s);
  Token t = numbers[rng.below(numbers.size())];
  std::string word;
  if (rng.chance(60)) {
    word = interestingNumber(rng, s, t);
  } else {
    // A near miss of the old value: off by one, doubled, halved, negated.
    long long v = std::strtoll(s.c_str() + t.begin, nullptr, 10);
    switch (rng.below(5)) {
    case 0:
      v += 1;
      break;
    case 1:
      v -= 1;
      break;
    case 2:
      v = static_cast<long long>(static_cast<unsigned long long>(v) * 2);
      break;
    case 3:
      v /= 2;
      break;
    default:
      v = -v;
      break;
    }
    word = std::to_string(v);
  }
  s.replace(t.begin, t.end - t.begin, word);
}

void Mutator::nest(Rng &rng, std::string &s) {
  // Brackets nested 2 to 100 levels, closed or not (up to 500 in a mutant
  // of 5 mutations). Thousands of levels overflow the stack of the
  // recursive-descent parsers (MLIR's, llvm::json's): a known class (issue
  // 14, class 3) handled apart, which the fuzzer must not die on.
  static const char *const kOpen[] = {"[",       "{",         "(",          "<",
                                      "tensor<", "{\"a\": [", "#attn.tile<"};
  static const char *const kClose[] = {"]", "}", ")", ">", "xf32>", "]}", ">"};
  static const size_t kDepth[] = {2, 3, 8, 32, 100};
  size_t which = rng.below(sizeof(kOpen) / sizeof(*kOpen));
  size_t depth = kDepth[rng.below(sizeof(kDepth) / sizeof(*kDepth))];
  std::string open, close;
  for (size_t i = 0; i < depth; ++i) {
    open += kOpen[which];
    close += kClose[which];
  }
  size_t at = rng.below(s.size() + 1);
  s.insert(at, rng.chance(60) ? open + close : open);
}
