#!/usr/bin/env python3
#===- mutate.py - plant known bugs and see whether the tests catch them ---===#
#
# Part of the attn project: an MLIR compiler for attention variants.
#
#===----------------------------------------------------------------------===#
"""Mutation check of the test suite (not run in CI).

Plants a fixed list of plausible bugs (MUTANTS: in the CPU and GPU lowerings,
the verifiers, the passes and the Python package), one at a time, in a scratch
copy of the repository, rebuilds what changed (ninja + ccache, one scratch
build directory reused across mutants), runs the CPU suite (lit, then the CPU
pytest; with --gpu also the GPU pytest, on a GPU machine) and reports for
each mutant whether a test killed it and which. Exit status 1 if any mutant
survived (or could not be built), 0 if all were killed.

Each mutant is a (file, exact original snippet, replacement) triple. Before
anything runs every snippet must occur exactly once in its file: when the code
changes and a snippet no longer matches, the script refuses to run (update
the mutant to the new code, keeping the bug it plants).

Cost on 2 cores: the first run builds the scratch copy (minutes; ccache hits
from a build of the same sources make it cheaper); each C++ mutant then
recompiles one file and relinks. Every suite stops at its first failure, and
the tests named in a mutant's `hint` run first, so a killed mutant is cheap;
a survivor costs a whole CPU suite (lit + pytest-cpu, about 2 minutes here),
and so does the check that the unmutated copy passes (--no-baseline skips
it). Python mutants skip lit.

  scripts/mutate.py --list
  scripts/mutate.py                          # every CPU-visible mutant
  scripts/mutate.py --only cpu-causal-off-by-one,py-full-softcap-dropped
  scripts/mutate.py --gpu                    # also the GPU-only mutants and
                                             # the GPU suite (GPU machine)

--gpu needs a machine with both the compiler's build dependencies (MLIR 22)
and a GPU with torch: the mutated compiler compiles the kernels, into an
empty kernel cache per mutant (ATTN_KERNEL_CACHE), with ATTN_REQUIRE_GPU=1.

Where the compiler and the GPU are on two machines (a GPU machine without
MLIR), split the GPU-only mutants in two steps:

  scripts/mutate.py --gpu-prepare DIR        # compiler machine: per mutant
      (and the unmutated baseline) DIR/<name>/kernel-cache, compiled by the
      mutated compiler (attn.precompile --ops <the mutant's ops>), and
      DIR/mutants.json
  scripts/mutate.py --gpu-run DIR            # GPU machine, with build/lib's
      runtime library: the hinted GPU tests against each cache, with
      ATTN_REQUIRE_GPU=1; the baseline must pass them first
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


@dataclass
class Mutant:
    name: str
    file: str  # relative to the repository root
    original: str  # exact snippet, must occur once
    replacement: str
    why: str  # the bug it stands for
    gpu_only: bool = False  # only a GPU can see it: run with --gpu
    hint: list = field(default_factory=list)  # tests to try first (lit
    # paths under test/, or pytest files / node ids under test/python)
    # GPU-only mutants: attn.precompile's filter of the kernel sets
    # --gpu-prepare compiles (--ops, and a --grep of set names).
    kernels: str = "attn.full,attn.sparse"
    kernel_grep: str = ""

    @property
    def python_only(self):
        return self.file.startswith("python/")


MUTANTS = [
    # --- CPU lowering (lib/Conversion/AttnToCPU) ---------------------------
    Mutant("cpu-causal-off-by-one", "lib/Conversion/AttnToCPU/FullToCPU.cpp",
           "masked = kb.cmp(CmpIPredicate::sgt, key, pos);",
           "masked = kb.cmp(CmpIPredicate::sge, key, pos);",
           "attn.full causal mask hides the diagonal (key == query position)",
           hint=["Conversion/AttnToCPU/full.mlir", "test_full_cpu.py"]),
    Mutant("cpu-window-dropped", "lib/Conversion/AttnToCPU/FullToCPU.cpp",
           "masked = masked ? kb.orI(masked, old) : old;",
           "(void)old;",
           "attn.full ignores `window` inside the first kv tile of the band",
           hint=["test_full_cpu.py"]),
    Mutant("cpu-softcap-dropped", "lib/Conversion/AttnToCPU/FullToCPU.cpp",
           "if (FloatAttr c = op.getSoftcapAttr())\n    softcap = c.getValueAsDouble();",
           "if (FloatAttr c = op.getSoftcapAttr())\n    (void)c;",
           "attn.full ignores `softcap` on the CPU",
           hint=["test_full_cpu.py"]),
    Mutant("cpu-sparse-scale-ignored", "lib/Conversion/AttnToCPU/SparseToCPU.cpp",
           "const double scale = scaleOrDefault(op.getScaleAttr(), *headDim);",
           "const double scale = scaleOrDefault(FloatAttr(), *headDim);",
           "attn.sparse ignores an explicit `scale` (uses 1/sqrt(D))",
           hint=["test_sparse_cpu.py"]),
    Mutant("cpu-sparse-p-unrounded", "lib/Conversion/AttnToCPU/SparseToCPU.cpp",
           "  if (row.p)\n    pvWeight = roundP;",
           "  if (row.p && false)\n    pvWeight = roundP;",
           "FP8 attn.sparse leaves P unrounded before P V",
           hint=["test_fp8_cpu.py"]),
    Mutant("cpu-fp8-token-scales-per-head",
           "lib/Conversion/AttnToCPU/EmulatePrecision.cpp",
           "  case ScaleGranularity::token:\n    groupTokens = one;",
           "  case ScaleGranularity::token:\n    groupTokens = kb.max(seq, one);",
           "per-token FP8 scales computed per head (over all tokens)",
           hint=["test_fp8_cpu.py"]),
    Mutant("cpu-indexer-causal-off-by-one",
           "lib/Conversion/AttnToCPU/IndexerToCPU.cpp",
           "Value visible = kb.sub(kb.add(kb.add(t, offset), one), st);",
           "Value visible = kb.sub(kb.add(t, offset), st);",
           "attn.indexer causal band drops the query's own key",
           hint=["Conversion/AttnToCPU/indexer.mlir", "test_indexer_topk_cpu.py"]),
    Mutant("cpu-gate-sign-swapped", "lib/Conversion/AttnToCPU/ChunkMath.cpp",
           "  return kb.max(g, kb.f32(kMinLogDecay));",
           "  return kb.max(kb.sub(kb.f32(0.0), g), kb.f32(kMinLogDecay));",
           "log-decay gates of attn.linear / attn.delta used with the wrong sign",
           hint=["test_linear_cpu.py", "test_delta_cpu.py"]),
    # --- verifiers (lib/Dialect/Attn/IR) -----------------------------------
    Mutant("verify-window-needs-causal", "lib/Dialect/Attn/IR/AttnSoftmaxOps.cpp",
           "    if (!getCausal())\n      return emitOpError() << \"'window' requires 'causal'",
           "    if (false)\n      return emitOpError() << \"'window' requires 'causal'",
           "verifier accepts a window without causal",
           hint=["Dialect/Attn/invalid.mlir"]),
    Mutant("verify-gqa-multiple", "lib/Dialect/Attn/IR/VerifyUtils.cpp",
           "if (y > 0 && x > 0 && x % y == 0)",
           "if (y > 0 && x > 0)",
           "verifier accepts H not a multiple of Hkv (GQA)",
           hint=["Dialect/Attn/invalid.mlir"]),
    # --- passes (lib/Dialect/Attn/Transforms) -------------------------------
    Mutant("pass-precision-budget-flipped",
           "lib/Dialect/Attn/Transforms/AssignPrecision.cpp",
           "bool overBudget = errorBudget < kFp8Error;",
           "bool overBudget = errorBudget > kFp8Error;",
           "attn-assign-precision compares the error budget the wrong way",
           hint=["Dialect/Attn/assign-precision.mlir"]),
    Mutant("pass-sparsify-topk-unchecked",
           "lib/Dialect/Attn/Transforms/ScheduleSparsify.cpp",
           "if (topk <= 0 || topk > kMaxTopK)",
           "if (topk > kMaxTopK)",
           "attn-schedule-sparsify accepts topk <= 0",
           hint=["Dialect/Attn/schedule-transforms.mlir"]),
    # --- GPU lowering (lib/Conversion/AttnToGPU): only a GPU sees these -----
    Mutant("gpu-causal-off-by-one",
           "lib/Conversion/ATileToNVVM/MathToNVVM.cpp",
           "Value hi = rel(op.getCausal() ? g.min(keys, g.add(pos, g.c32(1)))",
           "Value hi = rel(op.getCausal() ? g.min(keys, g.add(pos, g.c32(2)))",
           "GPU attn.full causal mask lets a query see the next key",
           gpu_only=True, hint=["test_full_gpu.py"]),
    Mutant("gpu-window-dropped", "lib/Conversion/ATileToNVVM/MathToNVVM.cpp",
           "            if (lo)\n              out = g.orI(out, g.slt(k, lo));",
           "            (void)lo;",
           "GPU attn.full ignores `window` inside a tile crossing the band",
           gpu_only=True, hint=["test_full_gpu.py"]),
    Mutant("gpu-scale-no-log2e", "lib/Conversion/ATileToNVVM/MathToNVVM.cpp",
           "const double c = op.getScale().convertToDouble() * kLog2e;",
           "const double c = op.getScale().convertToDouble();",
           "GPU attn.full softmax in base 2 without the log2(e) factor",
           gpu_only=True, hint=["test_full_gpu.py"]),
    # Fresh GPU mutants (added after the test suite was strengthened, so no
    # test was written against them).
    Mutant("gpu-indexer-causal-off-by-one",
           "lib/Conversion/AttnToGPU/IndexerToGPU.cpp",
           "v = g.select(g.sle(sIdx, g.add(t, offset)), v, negInf);",
           "v = g.select(g.slt(sIdx, g.add(t, offset)), v, negInf);",
           "GPU attn.indexer causal band drops the query's own key",
           gpu_only=True, hint=["test_indexer_gpu.py"],
           kernels="attn.indexer"),
    Mutant("gpu-delta-beta-dropped", "lib/Conversion/AttnToGPU/RecurrentToGPU.cpp",
           "add = g.fmul(beta, g.fsub(vt, u));",
           "add = g.fsub(vt, u);",
           "GPU delta-rule step kernel ignores beta",
           gpu_only=True, hint=["test_recurrent_gpu.py"],
           kernels="attn.delta,attn.linear", kernel_grep="recurrent"),
    # A fresh CPU mutant of the same kind.
    Mutant("cpu-gqa-head-map", "lib/Conversion/AttnToCPU/FullToCPU.cpp",
           "Value hk = arith::DivSIOp::create(kb.builder(), h, group);",
           "Value hk = arith::RemSIOp::create(kb.builder(), h, kvHeads);",
           "attn.full maps query head h to KV head h % Hkv instead of h / G",
           hint=["test_full_cpu.py"]),
    # --- Python package (python/attn) ---------------------------------------
    Mutant("py-full-softcap-dropped", "python/attn/ops.py",
           '        attrs.append("softcap = %s : f64" % _fmt_float(softcap))\n'
           '    return _run("attn.full',
           '        pass\n    return _run("attn.full',
           "full_attn(softcap=) ignored on numpy inputs",
           hint=["test_full_cpu.py"]),
    Mutant("py-sparse-scale-dropped", "python/attn/ops.py",
           '    attrs = (["causal"] if causal else []) + _scale_attr(scale)\n'
           '    if block_size is not None:\n'
           '        attrs.append("block_size = %d : i64" % block_size)\n'
           '    return _run(',
           '    attrs = (["causal"] if causal else [])\n'
           '    if block_size is not None:\n'
           '        attrs.append("block_size = %d : i64" % block_size)\n'
           '    return _run(',
           "sparse_attn(scale=) ignored on numpy inputs",
           hint=["test_sparse_cpu.py"]),
    Mutant("py-indexer-causal-ignored", "python/attn/ops.py",
           '["causal"] if causal else [], options)[0]',
           '["causal"], options)[0]',
           "lightning_indexer(causal=False) runs causal on numpy inputs",
           hint=["test_indexer_topk_cpu.py"]),
]


def log(msg):
    print(msg, flush=True)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def last_line(text):
    lines = [l for l in text.splitlines() if l.strip()]
    return lines[-1].strip()[:200] if lines else "no output"


def check_snippets(mutants, root):
    """Every snippet occurs exactly once in its file: the list of problems."""
    problems = []
    for m in mutants:
        path = os.path.join(root, m.file)
        if not os.path.exists(path):
            problems.append("%s: %s does not exist" % (m.name, m.file))
            continue
        n = read(path).count(m.original)
        if n != 1:
            problems.append("%s: the original snippet occurs %d times in %s "
                            "(expected once): %r" % (m.name, n, m.file,
                                                     m.original[:80]))
    return problems


def sync_tree(src, dst):
    """Copies the files git knows in `src` (tracked and untracked, not
    ignored) to `dst`, touching only files whose content changed (so ninja
    rebuilds only those) and removing files git no longer lists."""
    files = subprocess.run(
        ["git", "-C", src, "ls-files", "-z", "--cached", "--others",
         "--exclude-standard"], check=True, capture_output=True).stdout
    wanted = set()
    for rel in files.decode().split("\0"):
        if not rel or not os.path.isfile(os.path.join(src, rel)):
            continue
        wanted.add(rel)
        s, d = os.path.join(src, rel), os.path.join(dst, rel)
        if os.path.exists(d):
            with open(s, "rb") as a, open(d, "rb") as b:
                if a.read() == b.read():
                    continue
        os.makedirs(os.path.dirname(d), exist_ok=True)
        shutil.copy2(s, d)
    listed = os.path.join(dst, ".mutate-files")
    if os.path.exists(listed):
        for rel in read(listed).splitlines():
            if rel not in wanted and os.path.exists(os.path.join(dst, rel)):
                os.remove(os.path.join(dst, rel))
    write(listed, "\n".join(sorted(wanted)))


class Runner:
    def __init__(self, args):
        self.args = args
        self.src = os.path.join(args.scratch, "src")
        self.build = os.path.join(self.src, "build")
        self.env = dict(os.environ)
        self.env.setdefault("CCACHE_DIR", "/work/.ccache")
        self.env.setdefault("CCACHE_BASEDIR", "/work")
        self.env.setdefault("CCACHE_NOHASHDIR", "1")
        self.env["ATTN_BUILD_DIR"] = self.build

    def run(self, cmd, timeout, cwd=None):
        """(exit status or 'timeout', output)."""
        try:
            p = subprocess.run(cmd, cwd=cwd or self.src, env=self.env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, timeout=timeout)
            return p.returncode, p.stdout
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
            return "timeout", out

    def configure(self):
        if os.path.exists(os.path.join(self.build, "build.ninja")):
            return
        cmd = ["cmake", "-G", "Ninja", "-S", self.src, "-B", self.build,
               "-DCMAKE_BUILD_TYPE=Release"]
        if shutil.which("ccache"):
            cmd += ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache",
                    "-DCMAKE_C_COMPILER_LAUNCHER=ccache"]
        rc, out = self.run(cmd, 600)
        if rc != 0:
            sys.exit("mutate.py: cmake failed:\n" + out[-4000:])

    def cache_value(self, key):
        text = read(os.path.join(self.build, "CMakeCache.txt"))
        m = re.search(r"^%s:[A-Z]+=(.*)$" % re.escape(key), text, re.M)
        return m.group(1) if m else None

    def ninja(self):
        """None when the build succeeded, else the compiler's complaint."""
        cmd = ["cmake", "--build", self.build, "--", "-j%d" % self.args.jobs]
        rc, out = self.run(cmd, self.args.build_timeout)
        if rc == 0:
            return None
        errors = [l for l in out.splitlines() if "error" in l.lower()]
        return "\n".join(errors[:5]) or out[-2000:]

    # Each suite: (killed?, the test that failed or why).
    def lit(self, filters):
        lit_bin = self.cache_value("LLVM_EXTERNAL_LIT") or "/usr/lib/llvm-22/bin/lit"
        python = self.cache_value("Python3_EXECUTABLE") or sys.executable
        cmd = [python, lit_bin, "-q", "--max-failures=1",
               os.path.join(self.build, "test")]
        if filters:
            cmd += ["--filter", "|".join(re.escape(f) for f in filters)]
        rc, out = self.run(cmd, self.args.suite_timeout)
        if rc == "timeout":
            return True, "lit: timed out (a hang)"
        if rc == 0:
            return False, None
        failed = re.findall(r"^\s+ATTN :: (\S+)", out, re.M)
        if not failed:
            failed = re.findall(r"^(?:FAIL|UNRESOLVED): ATTN :: (\S+)", out, re.M)
        return True, "lit " + (failed[0] if failed else
                               "(exit %s: %s)" % (rc, last_line(out)))

    def pytest(self, marker, targets):
        python = self.cache_value("Python3_EXECUTABLE") or sys.executable
        tdir = os.path.join(self.src, "test", "python")
        cmd = [python, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
               "-m", marker] + (targets or [tdir])
        rc, out = self.run(cmd, self.args.suite_timeout, cwd=tdir)
        if rc == "timeout":
            return True, "pytest: timed out (a hang)"
        if rc in (0, 5):  # passed, or nothing selected
            return False, None
        if rc == 77:  # conftest: the GPU suite skipped (no GPU)
            return False, "GPU suite skipped: no GPU"
        failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", out, re.M)
        return True, "pytest " + (failed[0] if failed else
                                  "(exit %s: %s)" % (rc, last_line(out)))

    def baseline(self):
        """The unmutated copy must pass every suite a mutant runs: else a
        kill means nothing. None, or the failing test."""
        self.fresh_kernel_cache()
        steps = [lambda: self.lit(None), lambda: self.pytest("not gpu", None)]
        if self.args.gpu:
            steps.append(lambda: self.pytest("gpu", None))
        for step in steps:
            failed, who = step()
            if failed:
                return who
        return None

    def suites(self, m):
        """The suites that apply to `m`, cheapest-to-kill first: its hinted
        tests, then every suite in full."""
        lit_hint = [h for h in m.hint if not h.endswith(".py") and "::" not in h]
        py_hint = [os.path.join(self.src, "test", "python", h) for h in m.hint
                   if h.endswith(".py") or "::" in h]
        cpu_py = "not gpu"
        steps = []
        if lit_hint and not m.python_only:
            steps.append(lambda: self.lit(lit_hint))
        if py_hint:
            steps.append(lambda: self.pytest(cpu_py, py_hint))
            if self.args.gpu:
                steps.append(lambda: self.pytest("gpu", py_hint))
        if not m.python_only:
            steps.append(lambda: self.lit(None))
        steps.append(lambda: self.pytest(cpu_py, None))
        if self.args.gpu:
            steps.append(lambda: self.pytest("gpu", None))
        return steps

    def fresh_kernel_cache(self):
        """An empty GPU kernel cache: its keys are the IR and the options,
        not the compiler, so kernels cached by another build (the unmutated
        one) would hide a mutant of the GPU lowering."""
        cache = os.path.join(self.args.scratch, "kernel-cache")
        shutil.rmtree(cache, ignore_errors=True)
        os.makedirs(cache)
        self.env["ATTN_KERNEL_CACHE"] = cache

    def try_mutant(self, m):
        path = os.path.join(self.src, m.file)
        clean = read(path)
        write(path, clean.replace(m.original, m.replacement, 1))
        self.fresh_kernel_cache()
        try:
            # Also for a Python mutant: the previous C++ mutant's file was
            # restored, and its build must be too (a ccache hit).
            err = self.ninja()
            if err:
                return "error", "does not build:\n" + err
            notes = []
            for step in self.suites(m):
                killed, who = step()
                if killed:
                    return "killed", who
                if who:
                    notes.append(who)
            return "survived", "; ".join(notes)
        finally:
            write(path, clean)


def gpu_prepare(runner, mutants, outdir):
    """Per GPU-only mutant and the baseline, the kernel sets of its ops
    compiled by the (mutated) compiler into OUTDIR/<name>/kernel-cache."""
    python = runner.cache_value("Python3_EXECUTABLE") or sys.executable
    entries = []
    for m in [None] + mutants:
        name = m.name if m else "baseline"
        # The baseline compiles what every mutant compiles.
        selections = sorted({(x.kernels, x.kernel_grep)
                             for x in ([m] if m else mutants)})
        cache = os.path.join(outdir, name, "kernel-cache")
        shutil.rmtree(os.path.join(outdir, name), ignore_errors=True)
        path = os.path.join(runner.src, m.file) if m else None
        clean = read(path) if m else None
        if m:
            write(path, clean.replace(m.original, m.replacement, 1))
        try:
            err = runner.ninja()
            if err:
                sys.exit("mutate.py: %s does not build:\n%s" % (name, err))
            t0 = time.time()
            for ops_, grep in selections:
                rc, out = runner.run(
                    [python, "-m", "attn.precompile", "--cache", cache,
                     "--ops", ops_] + (["--grep", grep] if grep else []),
                    runner.args.suite_timeout,
                    cwd=os.path.join(runner.src, "python"))
                if rc != 0:
                    sys.exit("mutate.py: precompile for %s failed:\n%s"
                             % (name, out[-3000:]))
            ops_ = "; ".join(o + (" /%s/" % g if g else "")
                             for o, g in selections)
            log("%-32s kernels of %s compiled (%.0f s)" % (name, ops_,
                                                          time.time() - t0))
        finally:
            if m:
                write(path, clean)
        entries.append({"name": name, "why": m.why if m else "unmutated",
                        "hint": [h for h in (m.hint if m else sorted(
                            {h for x in mutants for h in x.hint}))
                                 if h.endswith(".py") or "::" in h]})
    runner.ninja()  # the scratch build matches the sources again
    with open(os.path.join(outdir, "mutants.json"), "w") as f:
        json.dump(entries, f, indent=1)
    log("mutate.py: %d GPU mutants + baseline prepared in %s: run "
        "scripts/mutate.py --gpu-run %s on the GPU machine"
        % (len(mutants), outdir, outdir))
    return 0


def gpu_run(outdir):
    """On the GPU machine: each prepared mutant's hinted GPU tests against
    its kernel cache (the baseline first: it must pass)."""
    with open(os.path.join(outdir, "mutants.json")) as f:
        entries = json.load(f)
    tdir = os.path.join(ROOT, "test", "python")
    results = []
    for e in entries:
        env = dict(os.environ, ATTN_REQUIRE_GPU="1",
                   ATTN_KERNEL_CACHE=os.path.abspath(
                       os.path.join(outdir, e["name"], "kernel-cache")))
        env.setdefault("ATTN_BUILD_DIR", os.path.join(ROOT, "build"))
        cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p",
               "no:cacheprovider", "-m", "gpu"] + [
                   os.path.join(tdir, h) for h in e["hint"]]
        t0 = time.time()
        p = subprocess.run(cmd, cwd=tdir, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", p.stdout, re.M)
        if e["name"] == "baseline":
            if p.returncode != 0:
                log(p.stdout[-4000:])
                sys.exit("mutate.py: the baseline fails its GPU tests (%s): "
                         "fix that first" % (failed[:1] or last_line(p.stdout)))
            log("%-32s passes (%s; %.0f s)" % ("baseline",
                                               last_line(p.stdout),
                                               time.time() - t0))
            continue
        status = "killed" if p.returncode != 0 else "survived"
        who = ("pytest " + failed[0]) if failed else last_line(p.stdout)
        results.append((e["name"], status))
        log("%-32s %-8s %s (%.0f s)" % (e["name"], status, who,
                                        time.time() - t0))
    survivors = [n for n, s in results if s == "survived"]
    log("mutate.py: %d killed, %d survived (GPU suite)" % (
        len(results) - len(survivors), len(survivors)))
    return 1 if survivors else 0


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--list", action="store_true", help="list the mutants")
    ap.add_argument("--only", default="",
                    help="comma-separated mutant names (or name prefixes)")
    ap.add_argument("--gpu", action="store_true",
                    help="also the GPU-only mutants and the GPU pytest suite "
                         "(on a GPU machine; sets ATTN_REQUIRE_GPU=1)")
    ap.add_argument("--scratch", default=os.environ.get(
        "ATTN_MUTANT_DIR", "/work/wt/mutants" if os.path.isdir("/work/wt")
        else os.path.join("/tmp", "attn-mutants")),
        help="scratch directory (a copy of the repository and its build "
             "under SCRATCH/src, reused across runs)")
    ap.add_argument("--gpu-prepare", metavar="DIR",
                    help="compile each GPU-only mutant's kernels into "
                         "DIR/<name>/kernel-cache for --gpu-run on a GPU "
                         "machine without the compiler")
    ap.add_argument("--gpu-run", metavar="DIR",
                    help="run the GPU tests of the mutants --gpu-prepare "
                         "left in DIR (GPU machine)")
    ap.add_argument("--no-baseline", action="store_true",
                    help="skip checking that the unmutated copy passes")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--build-timeout", type=int, default=1800)
    ap.add_argument("--suite-timeout", type=int, default=1200)
    args = ap.parse_args()

    if args.gpu_run:
        return gpu_run(args.gpu_run)
    problems = check_snippets(MUTANTS, ROOT)
    if problems:
        sys.exit("mutate.py: refusing to run, snippets no longer match the "
                 "code:\n  " + "\n  ".join(problems))
    chosen = MUTANTS
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        chosen = [m for m in MUTANTS if any(m.name.startswith(n) for n in names)]
        unknown = [n for n in names if not any(m.name.startswith(n) for m in MUTANTS)]
        if unknown:
            sys.exit("mutate.py: unknown mutant(s): %s (see --list)" % ", ".join(unknown))
    if args.list:
        for m in chosen:
            log("%-32s %s%s\n%32s   %s" % (m.name, m.why,
                                           " [GPU only]" if m.gpu_only else "",
                                           "", m.file))
        return 0

    runner = Runner(args)
    if args.gpu_prepare:
        os.makedirs(runner.src, exist_ok=True)
        sync_tree(ROOT, runner.src)
        runner.configure()
        err = runner.ninja()
        if err:
            sys.exit("mutate.py: the unmutated copy does not build:\n" + err)
        return gpu_prepare(runner, [m for m in chosen if m.gpu_only],
                           os.path.abspath(args.gpu_prepare))
    if args.gpu:
        runner.env["ATTN_REQUIRE_GPU"] = "1"
    os.makedirs(runner.src, exist_ok=True)
    log("mutate.py: copying %s to %s" % (ROOT, runner.src))
    sync_tree(ROOT, runner.src)
    runner.configure()
    t0 = time.time()
    log("mutate.py: building the unmutated copy")
    err = runner.ninja()
    if err:
        sys.exit("mutate.py: the unmutated copy does not build:\n" + err)
    log("mutate.py: built in %.0f s" % (time.time() - t0))
    if not args.no_baseline:
        t0 = time.time()
        who = runner.baseline()
        if who:
            sys.exit("mutate.py: the unmutated copy fails: %s (fix that first, "
                     "or --no-baseline)" % who)
        log("mutate.py: the unmutated copy passes (%.0f s)" % (time.time() - t0))

    results = []
    for m in chosen:
        if m.gpu_only and not args.gpu:
            results.append((m, "not run", "GPU only: run with --gpu on a GPU machine"))
            log("%-32s not run (GPU only; --gpu)" % m.name)
            continue
        t0 = time.time()
        status, who = runner.try_mutant(m)
        results.append((m, status, who))
        log("%-32s %-8s %s (%.0f s)" % (m.name, status, who or "", time.time() - t0))
    # Leave the scratch build matching the unmutated sources.
    runner.ninja()

    log("")
    log("mutant                           result    by")
    for m, status, who in results:
        log("%-32s %-9s %s" % (m.name, status, (who or "").splitlines()[0] if who else ""))
    survivors = [m for m, s, _ in results if s == "survived"]
    errors = [m for m, s, _ in results if s == "error"]
    killed = sum(1 for _, s, _ in results if s == "killed")
    not_run = sum(1 for _, s, _ in results if s == "not run")
    log("mutate.py: %d killed, %d survived%s%s" % (
        killed, len(survivors),
        ", %d did not build" % len(errors) if errors else "",
        ", %d not run (GPU only)" % not_run if not_run else ""))
    if survivors:
        log("survivors: " + ", ".join(m.name for m in survivors))
    return 1 if survivors or errors else 0


if __name__ == "__main__":
    sys.exit(main())
