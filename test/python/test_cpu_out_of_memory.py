"""A buffer the compiled CPU code cannot allocate raises MemoryError, like
numpy, and leaves the process usable: the JIT resolves malloc & co. to a
checked allocator that unwinds to the call and frees what it allocated
(lib/Runtime/JitAlloc.cpp). It used to segfault the interpreter (issue 14,
class 2: linear_attn with output_final_state on (1, 1, 2, 2**19) inputs).

The state here is (1, 2, 2**23, 2**23) f32, 2**48 bytes: more than a 47-bit
address space, so the allocation fails whatever the machine's memory and
overcommit policy (2**19 fails only where the memory is under 1 TiB)."""

import os
import subprocess
import sys

import numpy as np
import pytest

import attn
from attn import _jit

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def test_linear_attn_state_too_large_raises_memory_error():
    if not _jit.library_available():
        pytest.fail("libAttnC.so is not built")
    x = np.zeros((1, 1, 2, 2 ** 23), np.float32)
    with pytest.raises(MemoryError, match=r"out of memory: @\w+ could not "
                       r"allocate \d+ bytes"):
        attn.ops.linear_attn(x, x, x, output_final_state=True)
    # The process goes on: the same op on small inputs gives the state of
    # plain linear attention, sum_t k_t v_t^T.
    rng = np.random.default_rng(14)
    q, k, v = (rng.standard_normal((1, 3, 2, 4)).astype(np.float32)
               for _ in range(3))
    o, state = attn.ops.linear_attn(q, k, v, scale=1.0, output_final_state=True)
    want = np.einsum("bthk,bthv->bhkv", k.astype(np.float64), v.astype(np.float64))
    np.testing.assert_allclose(state, want, rtol=1e-5, atol=1e-5)
    assert np.isfinite(o).all()


def test_results_freed_after_copy_when_they_alias():
    """Two results of one buffer are both copied before it is freed."""
    if not _jit.library_available():
        pytest.fail("libAttnC.so is not built")
    ir = """
func.func @f(%q: tensor<?x?x2x16xf32>, %k: tensor<?x?x2x16xf32>,
             %v: tensor<?x?x2x16xf32>) -> (tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>) {
  %o = attn.full %q, %k, %v {causal}
      : (tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>) -> tensor<?x?x2x16xf32>
  return %o, %o : tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>
}
"""
    module = _jit.Module(ir)
    rng = np.random.default_rng(7)
    q, k, v = (rng.standard_normal((1, 64, 2, 16)).astype(np.float32)
               for _ in range(3))
    a, b = module.call("f", [q, k, v], [(4, np.float32), (4, np.float32)])
    np.testing.assert_array_equal(a, b)
    assert np.isfinite(a).all()


_OVERFLOW_SCRIPT = r'''
import numpy as np
from numpy.lib.stride_tricks import as_strided
from attn import _jit
ir = """
func.func @f(%q: tensor<?x?x1x1xf32>, %k: tensor<?x?x1xf32>, %w: tensor<?x?x1xf32>)
    -> tensor<?x?x?xf32> {
  %s = attn.indexer %q, %k, %w
      : (tensor<?x?x1x1xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>) -> tensor<?x?x?xf32>
  return %s : tensor<?x?x?xf32>
}
"""
module = _jit.Module(ir)
big = 2 ** 33
one = np.zeros(1, np.float32)
q = as_strided(one, shape=(1, big, 1, 1), strides=(0, 0, 0, 0))
k = as_strided(one, shape=(1, big, 1), strides=(0, 0, 0))
w = as_strided(one, shape=(1, big, 1), strides=(0, 0, 0))
try:
    module.call("f", [q, k, w], [(3, np.float32)])
    print("no error")
except MemoryError as e:
    print("MemoryError:", e)
'''


def test_allocation_size_that_overflows_is_out_of_memory():
    """T x S = 2**33 x 2**33 indexer scores (2**68 bytes) from stride-0
    inputs of 4 bytes: the size used to wrap to a 16-byte buffer that the
    indexer then wrote 2**66 scores into; it now saturates and fails to
    allocate (lib/Runtime/AllocSizeGuard.cpp). In a subprocess: without
    the guard it crashes."""
    if not _jit.library_available():
        pytest.fail("libAttnC.so is not built")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.join(ROOT, "python"), os.environ.get("PYTHONPATH", "")]),
        ATTN_BUILD_DIR=_jit.build_dir())
    r = subprocess.run([sys.executable, "-c", _OVERFLOW_SCRIPT], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    assert ("MemoryError: out of memory: @f could not allocate a buffer whose "
            "size overflows 64 bits") in r.stdout, r.stdout


def _vm_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return None


def test_failed_call_releases_what_it_allocated():
    """The huge-state linear attention allocates two 32 MiB scratch buffers
    before the state: each failing call releases them, so 20 calls leave
    the address space as they found it (a leak would add 1.25 GiB)."""
    if not _jit.library_available():
        pytest.fail("libAttnC.so is not built")
    if _vm_bytes() is None:
        pytest.skip("no /proc/self/status on this system")
    x = np.zeros((1, 1, 2, 2 ** 23), np.float32)
    for _ in range(2):  # compile and settle the allocator first
        with pytest.raises(MemoryError):
            attn.ops.linear_attn(x, x, x, output_final_state=True)
    before = _vm_bytes()
    for _ in range(20):
        with pytest.raises(MemoryError):
            attn.ops.linear_attn(x, x, x, output_final_state=True)
    grown = _vm_bytes() - before
    assert grown < 256 * 2 ** 20, "address space grew by %d bytes" % grown
