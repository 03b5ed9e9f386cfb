"""Host cost of making a launch plan (python/attn/_gpu.py Entry._plan: the
manifest's sizes, grids, workspaces and launch parameters for one set of
input shapes), on the CPU: the real manifests of attn.full's decode and
prefill kernel sets (compiled here into a scratch kernel cache) on the
stand-in dtypes, tensors and CUDA module of
test/python/launch_stand_ins.py (no torch, no GPU). A plan is made once
per input shape; a decoding loop whose cache grows by a token per step
makes one per step.

    ATTN_BUILD_DIR=build /usr/bin/python3 bench/plan_cost.py

(bench/host_time.py measures a whole call on a GPU.)"""

import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))
sys.path.insert(0, os.path.join(HERE, "..", "test", "python"))
os.environ.setdefault("ATTN_KERNEL_CACHE",
                      os.path.join(tempfile.gettempdir(), "attn-plan-cost"))

import launch_stand_ins as si  # noqa: E402


def main():
    for module, name, value in si.PATCHES:
        setattr(module, name, value)
    for name, qs, ks in (("decode B=64 H=32/8 L=32768", (64, 1, 32, 128),
                          (64, 32768, 8, 128)),
                         ("prefill B=1 T=16384 H=16", (1, 16384, 16, 128),
                          (1, 16384, 16, 128))):
        entry, inputs = si.full_entry(qs, ks)
        n = 500
        t = time.perf_counter()
        for _ in range(n):
            entry._plan(inputs, None, si.Device())
        print("%-28s a new plan: %.1f us" % (
            name, (time.perf_counter() - t) / n * 1e6))


if __name__ == "__main__":
    main()
