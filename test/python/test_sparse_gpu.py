"""attn.sparse on the GPU (REQUIRES: a CUDA device and torch): DSA token
top-k and NSA/MoBA block selection through attn.ops.sparse_attn on CUDA
tensors, against a float64 reference on fresh random inputs: unused (-1)
and out-of-range entries, repeated entries, causal dropping of future keys,
queries with an empty set (zero output), split-KV over many entries, GQA."""

import math
import zlib

import pytest

import attn
from gpu_env import cuda_torch as _torch
from test_full_gpu import rel_err


def reference(q, k, v, idx, causal, scale=None, block_size=None):
    torch = _torch()
    q, k, v = q.double().cpu(), k.double().cpu(), v.double().cpu()
    idx = idx.cpu().long()
    B, T, H, D = q.shape
    S, Hkv, Dv = k.shape[1], k.shape[2], v.shape[3]
    g = H // Hkv
    scale = 1.0 / math.sqrt(D) if scale is None else scale
    out = torch.zeros(B, T, H, Dv, dtype=torch.float64)
    for b in range(B):
        for t in range(T):
            pos = t + S - T
            for hk in range(Hkv):
                keys = []
                for e in idx[b, t, hk].tolist():
                    if block_size is None:
                        cand = [e]
                    else:
                        cand = list(range(e * block_size, (e + 1) * block_size)) \
                            if e >= 0 else []
                    for j in cand:
                        if 0 <= j < S and (not causal or j <= pos):
                            keys.append(j)
                if not keys:
                    continue
                kk = k[b, keys, hk]            # [n, D]
                vv = v[b, keys, hk]
                for h in range(hk * g, (hk + 1) * g):
                    p = torch.softmax(kk @ q[b, t, h] * scale, dim=0)
                    out[b, t, h] = p @ vv
    return out.cuda()


CASES = [
    # B, T, S, H, Hkv, D, N, causal, block_size, dtype
    (1, 37, 300, 4, 1, 128, 50, True, None, "bf16"),
    (2, 5, 1000, 16, 2, 64, 200, False, None, "bf16"),
    (1, 1, 5000, 32, 1, 128, 700, True, None, "bf16"),   # decode, split-KV
    (1, 20, 700, 8, 2, 128, 6, True, 64, "bf16"),        # blocks of 64
    (1, 9, 257, 2, 1, 128, 9, False, 16, "bf16"),        # blocks of 16, S not a multiple
    (1, 12, 400, 20, 1, 64, 33, True, None, "f16"),      # G = 20 > 16: two blocks per query
    (1, 30, 500, 4, 2, 64, 90, True, None, "f32"),       # f32: rel. error < 1e-3
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "B%dT%dS%dH%d-%dD%dN%d%s%s%s" % (
    c[0], c[1], c[2], c[3], c[4], c[5], c[6], "c" if c[7] else "",
    "-bs%d" % c[8] if c[8] else "", c[9]))
def test_sparse_matches_float64(case):
    torch = _torch()
    B, T, S, H, Hkv, D, N, causal, bs, dt = case
    dtype = {"bf16": torch.bfloat16, "f16": torch.float16,
             "f32": torch.float32}[dt]
    gen = torch.Generator(device="cuda").manual_seed(zlib.crc32(repr(case).encode()))
    q = torch.randn(B, T, H, D, device="cuda", generator=gen).to(dtype)
    k = torch.randn(B, S, Hkv, D, device="cuda", generator=gen).to(dtype)
    v = torch.randn(B, S, Hkv, D, device="cuda", generator=gen).to(dtype)
    span = S if bs is None else -(-S // bs)
    # Entries: valid positions, plus -1, out-of-range and repeated ones.
    idx = torch.randint(-1, span + 3, (B, T, Hkv, N), device="cuda",
                        generator=gen, dtype=torch.int32)
    idx[..., 1] = idx[..., 0]
    out = attn.ops.sparse_attn(q, k, v, idx, causal=causal, block_size=bs)
    assert out.shape == (B, T, H, D) and out.dtype == dtype
    ref = reference(q, k, v, idx, causal, block_size=bs)
    err = rel_err(out, ref)
    assert err < (1e-3 if dt == "f32" else 1e-2), "relative error %.3g" % err


def test_empty_selection_gives_zero():
    torch = _torch()
    q = torch.randn(1, 4, 2, 128, device="cuda").bfloat16()
    k = torch.randn(1, 64, 1, 128, device="cuda").bfloat16()
    idx = torch.full((1, 4, 1, 8), -1, device="cuda", dtype=torch.int32)
    out = attn.ops.sparse_attn(q, k, k, idx, causal=True)
    assert torch.count_nonzero(out).item() == 0
