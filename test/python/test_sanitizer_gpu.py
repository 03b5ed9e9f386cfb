"""attn's GPU kernels under NVIDIA compute-sanitizer (REQUIRES: a CUDA
device, torch and the toolkit's compute-sanitizer; skipped, saying so,
without the tool): racecheck (shared-memory hazards, e.g. a tile read
before its cp.async landed), synccheck (barriers) and memcheck (out of
bounds or misaligned accesses) find no error in any kernel family at small
shapes (test/python/sanitize_cases.py). A numerics test can pass while a
race loses only some runs: test_sparse_gpu's f32 case failed once in a
full suite run before atile-pipeline's prologue order was fixed, and
racecheck caught the hazard every time."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from gpu_env import cuda_torch

HERE = os.path.dirname(os.path.abspath(__file__))


def _sanitizer():
    found = shutil.which("compute-sanitizer")
    if found:
        return found
    for root in (os.environ.get("CUDA_HOME"), "/usr/local/cuda"):
        if root and os.path.isfile(os.path.join(root, "bin",
                                                "compute-sanitizer")):
            return os.path.join(root, "bin", "compute-sanitizer")
    return None


TOOLS = {"racecheck": ["--tool", "racecheck", "--racecheck-report", "hazard"],
         "synccheck": ["--tool", "synccheck"],
         "memcheck": ["--tool", "memcheck"]}


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_no_sanitizer_errors(tool):
    """Every case of sanitize_cases.py in one process per tool (the report
    names the kernel of each finding)."""
    cuda_torch()
    exe = _sanitizer()
    if exe is None:
        pytest.skip("compute-sanitizer not found (PATH, $CUDA_HOME/bin, "
                    "/usr/local/cuda/bin)")
    cmd = [exe, "--error-exitcode", "99", "--print-limit", "20"] + \
        TOOLS[tool] + [sys.executable, os.path.join(HERE, "sanitize_cases.py")]
    # (Without torch's caching allocator, an access past a tensor's end is
    # outside any allocation, which memcheck reports.)
    env = dict(os.environ, PYTORCH_NO_CUDA_MEMORY_CACHING="1")
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=1800,
                         env=env)
    text = run.stdout + run.stderr
    from sanitize_cases import CASES
    for case in CASES:
        assert "ran " + case in text, \
            "case %s did not run:\n%s" % (case, text[-4000:])
    # (racecheck ends with its RACECHECK SUMMARY only.)
    summary = re.search(r"(?:ERROR|RACECHECK) SUMMARY: (\d+) (?:error|hazard)",
                        text)
    assert summary, "no sanitizer summary:\n" + text[-4000:]
    hazards = [line for line in text.splitlines()
               if re.search(r"hazard detected|Invalid|Barrier error", line)]
    race = re.search(r"RACECHECK SUMMARY: .*\((\d+) errors, (\d+) warnings\)",
                     text)
    if race and (race.group(1) != "0" or race.group(2) != "0"):
        hazards.append(race.group(0))
    assert summary.group(1) == "0" and not hazards and run.returncode == 0, \
        "%s: %s errors, exit %d\n%s" % (tool, summary.group(1), run.returncode,
                                       "\n".join(hazards[:20]) or text[-4000:])
