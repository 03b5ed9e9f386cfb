"""Tile-IR kernels run on the GPU against float64 references, one kernel
per set of op lowerings (the kernels' PTX is compiled at build time from
the lit inputs named below into <build>/test/gpu/ops/<name>/: the GPU
machine has no MLIR). The lit tests check the PTX's instructions; these
check what they compute."""

import ctypes
import os

import numpy as np
import pytest

from attn import _cuda, _jit
from gpu_env import cuda_torch


def _module(name):
    path = os.path.join(_jit.build_dir(), "test", "gpu", "ops", name,
                        "attn_kernels.ptx")
    with open(path, "rb") as f:
        return _cuda.Module(f.read())


@pytest.mark.parametrize("n", [64, 50, 1])
def test_transposed_traffic(n):
    """test/Conversion/ATileToNVVM/Inputs/transposed.mlir on mma_sync
    layouts: out[j, i] = (U[j, i] + S[j, i]) * g[j] for the first 64 rows
    j < n (U bf16 loaded transposed from shared memory by ldmatrix.trans,
    S f32 read transposed from global memory, g a column vector broadcast
    over the fragment's rows, the result stored transposed); rows past n
    read as zeros and are not written."""
    torch = cuda_torch()
    module = _module("transposed")
    gen = torch.Generator(device="cpu").manual_seed(n)
    u = torch.randn(n, 32, generator=gen).to(torch.bfloat16)
    s = torch.randn(n, 32, generator=gen, dtype=torch.float64)
    g = torch.randn(n, 64, generator=gen, dtype=torch.float64)
    sentinel = 12345.0
    du = u.cuda()
    ds = s.float().cuda()
    dg = g.float().cuda()
    do = torch.full((max(n, 64), 32), sentinel, device="cuda")
    params = [ctypes.c_uint64(t.data_ptr()) for t in (du, ds, dg, do)]
    params.append(ctypes.c_int64(n))
    module.launch("transposed", (1,), (64,), params, shared_bytes=4096)
    _cuda.synchronize()
    out = do.double().cpu().numpy()

    rows = min(n, 64)
    uf = u.double().numpy()[:rows]
    sf = s.float().double().numpy()[:rows]  # (the kernel reads f32)
    gf = g.float().double().numpy()[0, :rows]
    expected = (uf + sf) * gf[:, None]
    assert np.isfinite(out[:rows]).all()
    # f32 arithmetic on exactly representable inputs: one rounding each.
    np.testing.assert_allclose(out[:rows], expected, rtol=1e-6, atol=1e-6)
    # Rows past the view's end are not written.
    assert (out[rows:] == sentinel).all()


@pytest.mark.parametrize("n", [64, 37])
def test_column_vector_load(n):
    """test/Conversion/ATileToNVVM/Inputs/column.mlir: out[r, c] = x[r, c] *
    d[0, c] for the first 64 rows r < n (d's row copied by cp.async into an
    unswizzled 1-row shared tile and loaded as a column vector: the
    chunked scan's decays); rows past n read as zeros and are not
    written."""
    torch = cuda_torch()
    module = _module("column")
    gen = torch.Generator(device="cpu").manual_seed(100 + n)
    x = torch.randn(n, 128, generator=gen)
    d = torch.randn(n, 128, generator=gen)
    sentinel = 12345.0
    dx, dd = x.cuda(), d.cuda()
    do = torch.full((64, 128), sentinel, device="cuda")
    params = [ctypes.c_uint64(t.data_ptr()) for t in (dx, dd, do)]
    params.append(ctypes.c_int64(n))
    module.launch("column", (1,), (128,), params, shared_bytes=1024)
    _cuda.synchronize()
    out = do.double().cpu().numpy()

    rows = min(n, 64)
    expected = x.double().numpy()[:rows] * d.double().numpy()[0][None, :]
    assert np.isfinite(out[:rows]).all()
    # One f32 product of f32 inputs: correctly rounded.
    np.testing.assert_allclose(out[:rows], expected, rtol=1e-7, atol=0)
    assert (out[rows:] == sentinel).all()
