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


@pytest.mark.parametrize("n", [64, 41])
def test_chunk_prep_ops(n):
    """test/Conversion/ATileToNVVM/Inputs/chunk.mlir: the chunked prep's
    ops against float64. b = the prefix sums of the log2-gates down the
    rows (atile.scan; rows past n are zeros, so b stays flat there);
    kk[i, j] = qk[i, j] = sum_d k[i, d] k[j, d] 2^(b[i, d] - b[j, d]) for
    j <= i and 0 above (atile.gated_gram, gates down to -20 per token and
    at 0); x = (I + StrictTril(a))^-1 (atile.tril_solve)."""
    torch = cuda_torch()
    module = _module("chunk")
    gen = torch.Generator(device="cpu").manual_seed(7 + n)
    k = (torch.randn(n, 128, generator=gen) / 8).to(torch.bfloat16)
    g = -torch.rand(n, 128, generator=gen, dtype=torch.float64) * 2
    g[:, :8] = -20.0 * 1.4426950408889634  # extreme gates (log2 units)
    g[:, 8:16] = 0.0
    a = torch.randn(64, 64, generator=gen, dtype=torch.float64) * 0.1
    dk, dg, da = k.cuda(), g.float().cuda(), a.float().cuda()
    outs = [torch.full((64, c), 12345.0, device="cuda")
            for c in (64, 64, 64, 128)]
    params = [ctypes.c_uint64(t.data_ptr()) for t in (dk, dg, da, *outs)]
    params.append(ctypes.c_int64(n))
    module.launch("chunk", (1,), (128,), params, shared_bytes=3 * 32768)
    _cuda.synchronize()
    okk, oqk, ox, ob = (t.double().cpu().numpy() for t in outs)

    gz = np.zeros((64, 128))
    gz[:n] = g.float().double().numpy()
    b = np.cumsum(gz, axis=0)
    assert np.isfinite(ob).all()
    np.testing.assert_allclose(ob, b, rtol=1e-5, atol=1e-4)

    kz = np.zeros((64, 128))
    kz[:n] = k.double().numpy()
    # The exponent b_i - b_j is <= 0 for j <= i (gates <= 0).
    e = np.exp2(np.minimum(b[:, None, :] - b[None, :, :], 0.0))
    ref = np.einsum("id,jd,ijd->ij", kz, kz, e)
    ref = np.tril(ref)
    for out in (okk, oqk):
        assert np.isfinite(out).all()
        assert (np.triu(out, 1) == 0).all()
        # bf16 rounding of the anchored factors: per 16 x 16 block, relative
        # to the block's largest entry.
        for I in range(4):
            for J in range(I + 1):
                blk = (slice(16 * I, 16 * I + 16), slice(16 * J, 16 * J + 16))
                scale = max(np.abs(ref[blk]).max(), 1e-6)
                assert np.abs(out[blk] - ref[blk]).max() <= 4e-3 * scale + 1e-6

    x = np.linalg.inv(np.eye(64) + np.tril(a.float().double().numpy(), -1))
    assert np.isfinite(ox).all()
    np.testing.assert_allclose(ox, x, rtol=1e-4, atol=1e-5)
