"""Host cost of making a launch plan (python/attn/_gpu.py Entry._plan: the
manifest's sizes, grids, workspaces and launch parameters for one set of
input shapes), on the CPU: a stand-in torch (dtypes only) and CUDA module,
the real manifests of attn.full's decode and prefill kernel sets (compiled
here into a scratch kernel cache). A plan is made once per input shape; a
decoding loop whose cache grows by a token per step makes one per step.

    ATTN_BUILD_DIR=build /usr/bin/python3 bench/plan_cost.py

(bench/host_time.py measures a whole call on a GPU.)"""

import ctypes
import os
import sys
import tempfile
import time
import types

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "python"))
os.environ.setdefault("ATTN_KERNEL_CACHE",
                      os.path.join(tempfile.gettempdir(), "attn-plan-cost"))


class _DType:
    def __init__(self, name, itemsize):
        self.name, self.itemsize = name, itemsize

    def __repr__(self):
        return self.name


torch = types.ModuleType("torch")  # the dtypes the launcher names
for _n, _size in (("bfloat16", 2), ("float16", 2), ("float32", 4),
                  ("int32", 4), ("int64", 8), ("uint8", 1)):
    setattr(torch, _n, _DType(_n, _size))
sys.modules.setdefault("torch", torch)

from attn import _cuda, _gpu, ops  # noqa: E402


class _Tensor:
    def __init__(self, shape, dtype):
        self.shape, self.dtype = tuple(shape), dtype

    def element_size(self):
        return self.dtype.itemsize


class _Device:
    index = 0

    def __str__(self):
        return "cuda:0"


class _Module:
    def function(self, kernel, shared_bytes):
        return None


class _TensorMap:
    def __init__(self, *args):
        self.value = ctypes.c_uint64(0)


def main():
    _gpu._sm_count = lambda device: 132  # an H100 / H200
    _cuda.TensorMap = _TensorMap
    bf16 = sys.modules["torch"].bfloat16
    for name, qs, ks in (("decode B=64 H=32/8 L=32768", (64, 1, 32, 128),
                          (64, 32768, 8, 128)),
                         ("prefill B=1 T=16384 H=16", (1, 16384, 16, 128),
                          (1, 16384, 16, 128))):
        ir = ops.full_module_ir(qs, ks, ks, ["bf16"] * 3, True)
        _, manifest = _gpu.compile_to_cache(ir, "sm_90a")
        entry = _gpu.Entry(_Module(), manifest["entries"][0])
        inputs = {"q": _Tensor(qs, bf16), "k": _Tensor(ks, bf16),
                  "v": _Tensor(ks, bf16)}
        n = 500
        t = time.perf_counter()
        for _ in range(n):
            entry._plan(inputs, None, _Device())
        print("%-28s a new plan: %.1f us" % (
            name, (time.perf_counter() - t) / n * 1e6))


if __name__ == "__main__":
    main()
