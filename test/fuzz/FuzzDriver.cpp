//===- FuzzDriver.cpp - a small stand-in for libFuzzer's driver -----------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The main() of attn's fuzz targets in builds without clang's
// -fsanitize=fuzzer (the default g++ build, which is what CI runs). It
// calls the target's LLVMFuzzerTestOneInput like libFuzzer does and takes
// libFuzzer's flag spellings, so one command line works with either:
//
//   attn-ir-fuzzer [flags] FILE...       replay each file once (a crash
//                                         file reproduces this way)
//   attn-ir-fuzzer [flags] DIR|FILE...   with at least one directory: load
//                                         the corpus (lit files are split
//                                         into test cases), replay every
//                                         entry, then run mutants
//
// Flags: -runs=N (total executions, corpus included; -1 = no limit),
// -max_total_time=S, -seed=N (0 = from the clock; always printed),
// -max_len=B (mutants and corpus entries are cut to B bytes, default
// 65536), -timeout=S per input (default 1200), -rss_limit_mb=M (default
// 2048, 0 = none), -dict=FILE (repeatable), -artifact_prefix=P,
// -error_exitcode=N (77), -timeout_exitcode=N (70), -help=1.
//
// Unlike libFuzzer it has no coverage feedback and writes no corpus files.
// Mutants are made from the corpus (Mutator.cpp), whose files are split
// into test cases (SplitTestCases.h) without their `//` comment lines (RUN,
// CHECK, expected-*); the target's verdict (0, or -1: do not keep) steers
// it: accepted entries are mutated more, accepted mutants join the corpus
// in memory. A crash
// (SIGSEGV, stack overflow included through an alternate signal stack,
// SIGBUS, SIGFPE, SIGILL, SIGABRT: failed assertions, LLVM fatal errors the
// target turns into aborts), an exit() inside the target, a timeout or an
// RSS above the limit writes the input to <prefix>crash-<hash> (timeout-,
// oom-), prints its path with the seed and the mutant index, and ends the
// run with a non-zero status. SIGINT and SIGTERM end it after the current
// input, with the summary.
//
//===----------------------------------------------------------------------===//

#include "Mutator.h"
#include "SplitTestCases.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <execinfo.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <pthread.h>
#include <set>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int *argc,
                                                          char ***argv);

using namespace attn_fuzz;
namespace fs = std::filesystem;

namespace {

//===----------------------------------------------------------------------===//
// What a crash report needs, readable from a signal handler.
//===----------------------------------------------------------------------===//

const uint8_t *gData = nullptr; // the input being run, if any
size_t gSize = 0;
char gWhat[1024];   // "mutant 12 (seed 7)" or "corpus entry f.mlir #3"
char gPrefix[1024]; // artifact prefix
char gArgv0[1024];
bool gWriteArtifacts = true;
int gErrorExitCode = 77, gTimeoutExitCode = 70;
std::atomic<bool> gRunning{false}; // inside LLVMFuzzerTestOneInput
std::atomic<int> gReporting{0};    // a report is being written
volatile sig_atomic_t gInterrupted =
    0; // SIGINT / SIGTERM: stop after this input

void say(const char *s) { (void)!write(2, s, strlen(s)); }

void sayNumber(uint64_t v) {
  char buf[32];
  int i = sizeof(buf);
  buf[--i] = 0;
  do {
    buf[--i] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  say(buf + i);
}

/// FNV-1a: names the artifact after its content (libFuzzer uses SHA-1;
/// any content hash dedups repeated crashes as well).
uint64_t hashOf(const uint8_t *data, size_t size) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < size; ++i)
    h = (h ^ data[i]) * 0x100000001b3ull;
  return h;
}

/// Writes the current input to <prefix><kind>-<hash> and reports it; only
/// async-signal-safe calls. Ends the process with `exitCode`.
[[noreturn]] void report(const char *kind, const char *why, int exitCode,
                         bool backtrace) {
  if (gReporting.exchange(1)) // a second fault while reporting
    _exit(exitCode);
  say("\n==attn-fuzz== ERROR: ");
  say(why);
  say(" on ");
  say(gWhat);
  say("\n");
  if (backtrace) {
    void *frames[64];
    int n = ::backtrace(frames, 64);
    backtrace_symbols_fd(frames, n, 2);
  }
  if (gData && gWriteArtifacts) {
    char path[sizeof(gPrefix) + 64];
    size_t len = strlen(gPrefix);
    memcpy(path, gPrefix, len);
    size_t k = strlen(kind);
    memcpy(path + len, kind, k);
    len += k;
    path[len++] = '-';
    uint64_t h = hashOf(gData, gSize);
    for (int i = 60; i >= 0; i -= 4)
      path[len++] = "0123456789abcdef"[(h >> i) & 15];
    path[len] = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    size_t done = 0;
    while (fd >= 0 && done < gSize) {
      ssize_t w = write(fd, gData + done, gSize - done);
      if (w <= 0)
        break;
      done += static_cast<size_t>(w);
    }
    if (fd >= 0)
      close(fd);
    if (fd < 0 || done != gSize) {
      say("==attn-fuzz== could not write the input to ");
      say(path);
      say("\n");
    } else {
      say("==attn-fuzz== input (");
      sayNumber(gSize);
      say(" bytes) written to ");
      say(path);
      say("\n==attn-fuzz== reproduce: ");
      say(gArgv0);
      say(" ");
      say(path);
      say("\n");
    }
  }
  _exit(exitCode);
}

void onDeadlySignal(int sig) {
  const char *name = sig == SIGSEGV  ? "deadly signal SIGSEGV"
                     : sig == SIGBUS ? "deadly signal SIGBUS"
                     : sig == SIGFPE ? "deadly signal SIGFPE"
                     : sig == SIGILL ? "deadly signal SIGILL"
                     : sig == SIGABRT
                         ? "deadly signal SIGABRT (abort, assertion, "
                           "LLVM fatal error)"
                         : "deadly signal";
  report("crash", name, gErrorExitCode, true);
}

void onAlarm(int) {
  if (gRunning)
    report("timeout", "timeout (-timeout)", gTimeoutExitCode, true);
}

void onInterrupt(int) { gInterrupted = 1; }

void onExit() {
  if (gRunning)
    report("crash", "the target called exit()", gErrorExitCode, false);
}

void installHandlers() {
  // Stack overflows fault with no stack left: handle on a stack of our own.
  static std::vector<char> altStack(1 << 16);
  stack_t ss{};
  ss.ss_sp = altStack.data();
  ss.ss_size = altStack.size();
  sigaltstack(&ss, nullptr);
  struct sigaction sa {};
  sa.sa_handler = onDeadlySignal;
  sa.sa_flags = SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT})
    sigaction(sig, &sa, nullptr);
  sa.sa_handler = onAlarm;
  sa.sa_flags = SA_ONSTACK;
  sigaction(SIGALRM, &sa, nullptr);
  sa.sa_handler = onInterrupt;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::atexit(onExit);
  // backtrace() loads libgcc on first use; do it now, not in a handler.
  void *frame;
  ::backtrace(&frame, 1);
}

/// Resident set size in MiB, from /proc/self/statm.
size_t rssMb() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE)) >> 20;
}

//===----------------------------------------------------------------------===//
// Flags.
//===----------------------------------------------------------------------===//

struct Options {
  long long runs = -1;
  long long maxTotalTime = 0;
  uint64_t seed = 0;
  size_t maxLen = 65536;
  unsigned timeout = 1200;
  size_t rssLimitMb = 2048;
  std::vector<std::string> dicts;
  std::string artifactPrefix = "./";
  std::vector<std::string> inputs;
};

const char *const kHelp =
    "usage: %s [-flag=value...] [FILE|DIR...]\n"
    "  FILE... only: run each file once (reproduce a crash file)\n"
    "  with a DIR: load the corpus, run it, then run mutants\n"
    "flags (libFuzzer's spelling):\n"
    "  -runs=N             total executions, corpus included (-1: no limit)\n"
    "  -max_total_time=S   stop mutating after S seconds (0: no limit)\n"
    "  -seed=N             mutant seed (0: from the clock); printed\n"
    "  -max_len=B          cut corpus entries and mutants to B bytes (65536)\n"
    "  -timeout=S          an input running S seconds is a failure (1200)\n"
    "  -rss_limit_mb=M     resident memory above M MiB is a failure (2048)\n"
    "  -dict=FILE          libFuzzer dictionary (repeatable)\n"
    "  -artifact_prefix=P  crash files are P{crash,timeout,oom}-HASH (./)\n"
    "  -error_exitcode=N   exit status after a crash (77)\n"
    "  -timeout_exitcode=N exit status after a timeout (70)\n";

bool parseNumber(const std::string &text, long long &out) {
  char *end = nullptr;
  errno = 0;
  out = std::strtoll(text.c_str(), &end, 10);
  return !text.empty() && *end == 0 && errno == 0;
}

bool parseFlags(int argc, char **argv, Options &o) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.size() < 2 || arg[0] != '-' || arg.find('=') == std::string::npos) {
      if (arg.size() > 1 && arg[0] == '-') {
        std::fprintf(stderr, "WARNING: unrecognized flag '%s'; use -help=1\n",
                     arg.c_str());
        continue;
      }
      o.inputs.push_back(arg);
      continue;
    }
    size_t eq = arg.find('=');
    std::string name =
        arg.substr(arg[1] == '-' ? 2 : 1, eq - (arg[1] == '-' ? 2 : 1));
    std::string value = arg.substr(eq + 1);
    long long n = 0;
    bool numeric = parseNumber(value, n);
    auto needNumber = [&](long long min) {
      if (numeric && n >= min)
        return true;
      std::fprintf(stderr, "ERROR: -%s wants an integer >= %lld, got '%s'\n",
                   name.c_str(), min, value.c_str());
      return false;
    };
    if (name == "help") {
      std::printf(kHelp, argv[0]);
      std::exit(0);
    } else if (name == "runs") {
      if (!needNumber(-1))
        return false;
      o.runs = n;
    } else if (name == "max_total_time") {
      if (!needNumber(0))
        return false;
      o.maxTotalTime = n;
    } else if (name == "seed") {
      if (!needNumber(0))
        return false;
      o.seed = static_cast<uint64_t>(n);
    } else if (name == "max_len") {
      if (!needNumber(1))
        return false;
      o.maxLen = static_cast<size_t>(n);
    } else if (name == "timeout") {
      if (!needNumber(0))
        return false;
      o.timeout = static_cast<unsigned>(n);
    } else if (name == "rss_limit_mb") {
      if (!needNumber(0))
        return false;
      o.rssLimitMb = static_cast<size_t>(n);
    } else if (name == "dict") {
      o.dicts.push_back(value);
    } else if (name == "artifact_prefix") {
      o.artifactPrefix = value;
    } else if (name == "error_exitcode") {
      if (!needNumber(1))
        return false;
      gErrorExitCode = static_cast<int>(n);
    } else if (name == "timeout_exitcode") {
      if (!needNumber(1))
        return false;
      gTimeoutExitCode = static_cast<int>(n);
    } else {
      std::fprintf(stderr, "WARNING: unrecognized flag '%s'; use -help=1\n",
                   arg.c_str());
    }
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Running inputs.
//===----------------------------------------------------------------------===//

bool readFile(const std::string &path, std::string &out) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

/// Runs the target on `input`; returns its verdict (0, or -1: do not keep).
int runOne(const std::string &input, unsigned timeout) {
  // libFuzzer hands the target a buffer of exactly `size` bytes.
  std::vector<uint8_t> copy(input.begin(), input.end());
  gData = copy.data();
  gSize = copy.size();
  if (timeout)
    alarm(timeout);
  gRunning = true;
  int verdict = LLVMFuzzerTestOneInput(copy.data(), copy.size());
  gRunning = false;
  if (timeout)
    alarm(0);
  gData = nullptr;
  return verdict;
}

void setWhat(const std::string &what) {
  std::snprintf(gWhat, sizeof(gWhat), "%s", what.c_str());
}

/// Replays the files given on the command line (no artifacts: the input
/// already is a file).
int replayFiles(const Options &o) {
  gWriteArtifacts = false;
  for (const std::string &path : o.inputs) {
    std::string text;
    if (!readFile(path, text)) {
      std::fprintf(stderr, "ERROR: cannot read '%s'\n", path.c_str());
      return 1;
    }
    std::fprintf(stderr, "Running: %s\n", path.c_str());
    setWhat(path);
    runOne(text, o.timeout);
    std::fprintf(stderr, "Executed %s in %zu bytes\n", path.c_str(),
                 text.size());
  }
  std::fprintf(stderr, "*** NOTE: fuzzing was not performed, you have only\n"
                       "***       executed the target code on a fixed set "
                       "of inputs.\n");
  return 0;
}

struct CorpusEntry {
  std::string text, origin;
};

/// `text` without its `//` comment lines: in lit files they are RUN, CHECK
/// and expected-* lines, which no target reads; mutations belong to the
/// input proper.
std::string withoutCommentLines(std::string_view text) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    size_t next = eol == std::string_view::npos ? text.size() : eol + 1;
    std::string_view line = text.substr(pos, next - pos);
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line.substr(first, 2) != "//")
      out.append(line);
    pos = next;
  }
  return out;
}

/// Files under the positional paths, split into test cases, deduplicated
/// and cut to -max_len.
bool loadCorpus(const Options &o, std::vector<CorpusEntry> &entries,
                size_t &files) {
  std::vector<std::string> paths;
  for (const std::string &input : o.inputs) {
    std::error_code ec;
    if (fs::is_directory(input, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(input, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file(ec))
          found.push_back(it->path().string());
      std::sort(found.begin(), found.end()); // same order on every machine
      paths.insert(paths.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(input, ec)) {
      paths.push_back(input);
    } else {
      std::fprintf(stderr, "ERROR: no such file or directory: '%s'\n",
                   input.c_str());
      return false;
    }
  }
  std::set<std::string> seen;
  for (const std::string &path : paths) {
    std::string text;
    if (!readFile(path, text)) {
      std::fprintf(stderr, "ERROR: cannot read '%s'\n", path.c_str());
      return false;
    }
    ++files;
    unsigned n = 0;
    for (std::string_view piece : splitTestCases(text)) {
      std::string entry = withoutCommentLines(piece).substr(0, o.maxLen);
      ++n;
      if (entry.find_first_not_of(" \t\r\n") == std::string::npos)
        continue;
      if (seen.insert(entry).second)
        entries.push_back({entry, path + " #" + std::to_string(n)});
    }
  }
  return true;
}

int fuzz(const Options &o, char *argv0) {
  std::vector<CorpusEntry> entries;
  size_t files = 0;
  if (!loadCorpus(o, entries, files))
    return 1;
  if (entries.empty()) {
    std::fprintf(stderr, "ERROR: the corpus is empty\n");
    return 1;
  }
  std::vector<std::string> texts;
  for (const CorpusEntry &e : entries)
    texts.push_back(e.text);
  Mutator mutator(std::move(texts), o.maxLen);
  for (const std::string &dict : o.dicts) {
    std::string error;
    if (!mutator.loadDictionary(dict, error)) {
      std::fprintf(stderr, "ERROR: %s\n", error.c_str());
      return 1;
    }
  }
  size_t fileWords = mutator.dictionarySize();
  mutator.addCorpusTokens();
  uint64_t seed = o.seed;
  if (!seed)
    seed = static_cast<uint64_t>(
               std::chrono::system_clock::now().time_since_epoch().count()) ^
           static_cast<uint64_t>(getpid());
  std::fprintf(stderr,
               "INFO: Seed: %llu\n"
               "INFO: %zu corpus entries from %zu files; dictionary: %zu "
               "words from -dict, %zu from the corpus; -max_len=%zu\n",
               static_cast<unsigned long long>(seed), entries.size(), files,
               fileWords, mutator.dictionarySize() - fileWords, o.maxLen);
  if (!o.artifactPrefix.empty() && o.artifactPrefix.back() == '/') {
    std::error_code ec;
    fs::create_directories(o.artifactPrefix, ec);
  }

  if (o.rssLimitMb) {
    std::thread([limit = o.rssLimitMb] {
      // SIGALRM (-timeout) and the crash signals belong to the main thread.
      sigset_t all;
      sigfillset(&all);
      pthread_sigmask(SIG_BLOCK, &all, nullptr);
      for (;;) {
        std::this_thread::sleep_for(std::chrono::seconds(1));
        if (rssMb() > limit)
          report("oom", "out of memory (-rss_limit_mb)", gErrorExitCode, false);
      }
    }).detach();
  }

  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  };
  unsigned long long runs = 0, nextPulse = 1;
  auto pulse = [&](const char *what) {
    std::fprintf(stderr, "#%llu\t%s corp: %zu exec/s: %.0f rss: %zuMb\n", runs,
                 what, mutator.size(), runs / std::max(elapsed(), 1e-3),
                 rssMb());
  };

  for (size_t i = 0; i < entries.size() && !gInterrupted; ++i) {
    setWhat("corpus entry " + entries[i].origin + " (seed " +
            std::to_string(seed) + ")");
    if (runOne(entries[i].text, o.timeout) == 0)
      mutator.accept(i);
    if (++runs == nextPulse) {
      pulse("pulse");
      nextPulse *= 2;
    }
  }
  pulse("INITED");
  std::fprintf(stderr, "INFO: the target accepted %zu of %zu corpus entries\n",
               mutator.numAccepted(), entries.size());
  size_t corpusSize = mutator.size();

  unsigned long long mutants = 0;
  while ((o.runs < 0 || runs < static_cast<unsigned long long>(o.runs)) &&
         (!o.maxTotalTime || elapsed() < o.maxTotalTime) && !gInterrupted) {
    std::string input = mutator.mutant(seed, mutants);
    setWhat("mutant " + std::to_string(mutants) + " (seed " +
            std::to_string(seed) + ")");
    if (runOne(input, o.timeout) == 0)
      mutator.addAccepted(input);
    ++mutants;
    if (++runs == nextPulse) {
      pulse("pulse");
      nextPulse *= 2;
    }
  }
  if (gInterrupted)
    std::fprintf(stderr, "INFO: interrupted; stopping\n");
  pulse("DONE  ");
  std::fprintf(stderr, "INFO: %zu accepted mutants joined the corpus\n",
               mutator.size() - corpusSize);
  std::fprintf(stderr,
               "Done %llu runs (%zu corpus entries, %llu mutants, seed %llu) "
               "in %.0f second(s)\n",
               runs, entries.size(), mutants,
               static_cast<unsigned long long>(seed), elapsed());
  (void)argv0;
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  std::snprintf(gArgv0, sizeof(gArgv0), "%s", argv[0]);
  std::snprintf(gWhat, sizeof(gWhat), "startup");
  installHandlers();
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(&argc, &argv);
  Options o;
  if (!parseFlags(argc, argv, o))
    return 1;
  std::snprintf(gPrefix, sizeof(gPrefix), "%s", o.artifactPrefix.c_str());
  if (o.inputs.empty()) {
    std::fprintf(stderr, "ERROR: give a corpus directory or input files\n");
    std::fprintf(stderr, kHelp, argv[0]);
    return 1;
  }
  bool anyDir = false;
  for (const std::string &input : o.inputs) {
    std::error_code ec;
    anyDir |= fs::is_directory(input, ec);
  }
  return anyDir ? fuzz(o, argv[0]) : replayFiles(o);
}
