#!/usr/bin/env python3
"""Registers and spills of every kernel in a GPU kernel cache, by ptxas.

    ATTN_BUILD_DIR=build PYTHONPATH=python python3 -m attn.precompile \\
        --cache build/kc
    python3 scripts/ptxas-report.py build/kc [--all] [--fail-on-spill]

Runs `ptxas -arch=<the PTX's .target> -v` on each cached PTX file (the
kernel cache of attn.precompile / the Python GPU path: <key>.ptx beside
<key>.mlir, the one-op module it was compiled from) and prints one line per
kernel that spills (with --all: every kernel): spill stores / loads in
bytes, registers, the kernel and its op. The last line counts the kernel
sets with a spilling kernel. ptxas: $PTXAS, PATH, $CUDA_HOME/bin or
/usr/local/cuda/bin. Exit status 1 with --fail-on-spill when a kernel
spills, 2 on a usage error or when ptxas fails."""

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys


def find_ptxas():
    for cand in (os.environ.get("PTXAS"), shutil.which("ptxas")):
        if cand and os.path.isfile(cand):
            return cand
    for root in (os.environ.get("CUDA_HOME"), "/usr/local/cuda"):
        if root and os.path.isfile(os.path.join(root, "bin", "ptxas")):
            return os.path.join(root, "bin", "ptxas")
    return None


def describe(mlir_path):
    """The op line of the cached module, shortened ("attn.full {causal} :
    (tensor<?x?x?x128xbf16>, ...")."""
    try:
        with open(mlir_path) as f:
            text = f.read()
    except OSError:
        return "?"
    m = re.search(r"=\s*(attn\.\w+)[^{:]*(\{[^}]*\})?\s*:\s*\((tensor<[^>]*>)",
                  text)
    if not m:
        return "?"
    text = " ".join(x for x in (m.group(1), m.group(2), m.group(3)) if x)
    # (Pipeline options are not in the cache; an FP8 plan shows in its
    # quantisation kernels.)
    try:
        with open(mlir_path[:-len(".mlir")] + ".json") as f:
            kernels = [l.get("kernel", "") for e in json.load(f)["entries"]
                       for l in e.get("launches", [])]
        if any("quant" in k for k in kernels):
            text += " [FP8 plan]"
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return text


def report(ptxas, path):
    """[(kernel, registers, spill stores, spill loads)] of one PTX file."""
    target = "sm_90a"
    with open(path) as f:
        for line in f:
            if line.startswith(".target"):
                target = line.split()[1].rstrip(",")
                break
    run = subprocess.run([ptxas, "-arch=" + target, "-v", path, "-o",
                          os.devnull], capture_output=True, text=True)
    if run.returncode:
        raise RuntimeError("ptxas failed on %s:\n%s" % (path, run.stderr))
    kernels, name = [], None
    for line in run.stderr.splitlines():
        m = re.search(r"Compiling entry function '(\w+)'", line)
        if m:
            name = m.group(1)
            kernels.append([name, 0, 0, 0])
            continue
        m = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads",
                      line)
        if m and kernels and kernels[-1][0] == name:
            kernels[-1][2:] = [int(m.group(1)), int(m.group(2))]
        m = re.search(r"Used (\d+) registers", line)
        if m and kernels and kernels[-1][0] == name:
            kernels[-1][1] = int(m.group(1))
    return [tuple(k) for k in kernels]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cache", help="kernel cache directory (*.ptx)")
    ap.add_argument("--all", action="store_true",
                    help="every kernel, not only those that spill")
    ap.add_argument("--fail-on-spill", action="store_true",
                    help="exit 1 when any kernel spills")
    args = ap.parse_args(argv)
    ptxas = find_ptxas()
    if ptxas is None:
        print("ptxas-report: no ptxas ($PTXAS, PATH, $CUDA_HOME/bin, "
              "/usr/local/cuda/bin)", file=sys.stderr)
        return 2
    files = sorted(glob.glob(os.path.join(args.cache, "*.ptx")))
    if not files:
        print("ptxas-report: no .ptx files in %s" % args.cache,
              file=sys.stderr)
        return 2
    spilling_sets = 0
    for path in files:
        try:
            kernels = report(ptxas, path)
        except RuntimeError as e:
            print("ptxas-report: %s" % e, file=sys.stderr)
            return 2
        op = describe(path[:-len(".ptx")] + ".mlir")
        spills = False
        for name, regs, stores, loads in kernels:
            spills |= bool(stores or loads)
            if args.all or stores or loads:
                print("%4d / %4d bytes spilled, %3d registers  %-28s %s"
                      % (stores, loads, regs, name, op))
        spilling_sets += spills
    print("%d of %d kernel sets have a kernel that spills"
          % (spilling_sets, len(files)))
    return 1 if args.fail_on_spill and spilling_sets else 0


if __name__ == "__main__":
    sys.exit(main())
