"""Two builds of attn.full's GPU kernels compared by kernel duration at
locked clocks (Nsight Compute, `--clock-control base`): the way to tell
versions of our kernel apart on a power-capped card, where CUDA-event
timings of identical kernels move about +-10% between processes
(bench/RESULTS.md, issue 15).

    # on a compiler machine, once per version (kernel caches, one directory
    # each; the bench shapes' sets):
    ATTN_BUILD_DIR=build ATTN_KERNEL_CACHE=$PWD/build/kc-A PYTHONPATH=python \\
        python3 -m attn.precompile --tiles \\
        --grep '^attn.full bf16 D=(64|128|256) (causal|non-causal)$'
    # on the GPU machine:
    ATTN_BUILD_DIR=build PYTHONPATH=python python3 bench/ab_full.py \\
        build/kc-A build/kc-B [--shape 4 4096 causal 128 ...] [--repeats 2]

Each (shape, cache) pair runs bench/profile_full.py under
`ncu --clock-control base -k regex:full_fwd -c 1 --metrics
gpu__time_duration.sum`, the caches alternating, `--repeats` times; the
table gives the median duration per cache and the ratio first / other
(> 1: the other is faster)."""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SHAPES = [("4", "4096", "causal", "128"), ("4", "4096", "full", "128"),
                  ("1", "16384", "causal", "128"),
                  ("1", "16384", "full", "128")]
UNITS = {"ns": 1e-3, "us": 1.0, "usecond": 1.0, "ms": 1e3, "msecond": 1e3,
         "s": 1e6, "second": 1e6}


def duration_us(text):
    """The kernel duration (microseconds) in ncu's output, or None."""
    for line in text.splitlines():
        if "gpu__time_duration.sum" not in line:
            continue
        m = re.search(r"(\w+)\s+([0-9][0-9,]*\.?[0-9]*)\s*$", line)
        if m and m.group(1) in UNITS:
            return float(m.group(2).replace(",", "")) * UNITS[m.group(1)]
    return None


def measure(ncu, cache, shape):
    B, T, mode, D = shape
    env = dict(os.environ, ATTN_KERNEL_CACHE=os.path.abspath(cache))
    cmd = [ncu, "--clock-control", "base", "-k", "regex:full_fwd", "-c", "1",
           "--metrics", "gpu__time_duration.sum", sys.executable,
           os.path.join(HERE, "profile_full.py"), "--prefill", B, T, mode,
           "--D", D, "--no-decode"]
    run = subprocess.run(cmd, env=env, capture_output=True, text=True)
    us = duration_us(run.stdout)
    if run.returncode or us is None:
        raise SystemExit("ab_full: %s failed (exit %d):\n%s%s"
                         % (" ".join(cmd), run.returncode, run.stdout[-2000:],
                            run.stderr[-2000:]))
    return us


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("caches", nargs=2, help="two kernel cache directories")
    ap.add_argument("--shape", nargs=4, action="append",
                    metavar=("B", "T", "MODE", "D"),
                    help="prefill shape (MODE 'causal' or 'full'); repeat "
                    "for several (default: B=4 T=4096 and B=1 T=16384, both "
                    "modes, D=128)")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--ncu", default=shutil.which("ncu")
                    or "/usr/local/cuda/bin/ncu")
    args = ap.parse_args(argv)
    for c in args.caches:
        if not os.path.isdir(c):
            ap.error("no kernel cache directory %r" % c)
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")
    if not os.path.exists(args.ncu):
        ap.error("Nsight Compute not found at %r (pass --ncu)" % args.ncu)
    shapes = [tuple(s) for s in args.shape] if args.shape else DEFAULT_SHAPES
    for s in shapes:
        if s[2] not in ("causal", "full") or not all(
                x.isdigit() for x in (s[0], s[1], s[3])):
            ap.error("bad --shape %s (B T causal|full D)" % " ".join(s))
    a, b = args.caches
    print("| shape | %s | %s | ratio |" % (a, b))
    print("|---|---|---|---|")
    for s in shapes:
        times = {a: [], b: []}
        for _ in range(args.repeats):
            for c in (a, b):
                times[c].append(measure(args.ncu, c, s))
        ta, tb = statistics.median(times[a]), statistics.median(times[b])
        print("| B=%s T=%s D=%s %s | %.1f us | %.1f us | %.3fx |"
              % (s[0], s[1], s[3], s[2], ta, tb, ta / tb), flush=True)


if __name__ == "__main__":
    main()
