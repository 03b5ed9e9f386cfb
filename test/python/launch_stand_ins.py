"""Stand-ins for making launch plans (python/attn/_gpu.py Entry._plan) on
the CPU from real manifests: dtypes, tensors, a device and a CUDA module
without torch or a GPU. Shared by test_launch_plans.py and
bench/plan_cost.py."""

import ctypes

from attn import _cuda, _gpu, ops


class DType:
    def __init__(self, name, itemsize):
        self.name, self.itemsize = name, itemsize


DTYPES = {n: DType(n, s) for n, s in (("bf16", 2), ("f16", 2), ("f32", 4),
                                      ("i32", 4), ("i64", 8), ("u8", 1))}


class Tensor:
    def __init__(self, shape, dtype="bf16"):
        self.shape, self.dtype = tuple(shape), DTYPES[dtype]

    def element_size(self):
        return self.dtype.itemsize


class Device:
    index = 0

    def __str__(self):
        return "cuda:0"


class Module:
    def function(self, kernel, shared_bytes):
        return None


class TensorMap:
    def __init__(self, shape, element_bytes, box, swizzle):
        self.shape = shape
        self.value = ctypes.c_uint64(0)


#: (module, attribute, stand-in) to set before making plans: torch's dtypes,
#: an H100 / H200's 132 SMs, descriptors that are never encoded.
PATCHES = [(_gpu, "torch_dtypes", lambda: DTYPES),
           (_gpu, "_sm_count", lambda device: 132),
           (_cuda, "TensorMap", TensorMap)]


def full_entry(qs, ks, causal=True, options=""):
    """The Entry of attn.full's kernel set for q shape `qs`, k / v shape
    `ks` (bf16; compiled into $ATTN_KERNEL_CACHE) on the stand-in module,
    and stand-in inputs of those shapes."""
    ir = ops.full_module_ir(qs, ks, ks, ["bf16"] * 3, causal)
    _, manifest = _gpu.compile_to_cache(ir, "sm_90a", options=options)
    entry = _gpu.Entry(Module(), manifest["entries"][0])
    return entry, {"q": Tensor(qs), "k": Tensor(ks), "v": Tensor(ks)}
