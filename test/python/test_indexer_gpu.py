"""attn.indexer on the GPU (REQUIRES: a CUDA device and torch): the DSA
lightning indexer through attn.ops.lightning_indexer on CUDA tensors against
a float64 reference: S not a multiple of the 64-key tile, T = 1, T < S,
16 / 64 / 128 index heads, bf16 and f16 with f32 or bf16 weights, causal
-inf exactly where the definition puts it."""

import zlib

import pytest

import attn
from gpu_env import cuda_torch as _torch


def reference(qi, ki, w, causal):
    torch = _torch()
    s = torch.einsum("bthd,bsd->bths", qi.double(), ki.double()).clamp(min=0)
    out = torch.einsum("bth,bths->bts", w.double(), s)
    if causal:
        T, S = qi.shape[1], ki.shape[1]
        t = torch.arange(T, device=qi.device)[:, None] + (S - T)
        j = torch.arange(S, device=qi.device)[None, :]
        out = out.masked_fill(j > t, float("-inf"))
    return out


CASES = [
    # B, T, S, Hi, Di, causal, dtype, wdtype
    (1, 100, 100, 64, 128, True, "bf16", "f32"),
    (2, 37, 300, 64, 128, False, "bf16", "f32"),
    (1, 1, 1000, 64, 128, True, "f16", "f32"),
    (1, 77, 200, 16, 64, True, "bf16", "bf16"),
    (2, 50, 130, 128, 64, False, "f16", "f32"),
    (1, 60, 200, 64, 128, True, "f32", "f32"),        # f32: rel. error < 1e-3
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "B%dT%dS%dHi%dDi%d%s-%s-%s" % (
    c[0], c[1], c[2], c[3], c[4], "c" if c[5] else "", c[6], c[7]))
def test_indexer_matches_float64(case):
    torch = _torch()
    B, T, S, Hi, Di, causal, dt, wdt = case
    dtypes = {"bf16": torch.bfloat16, "f16": torch.float16, "f32": torch.float32}
    gen = torch.Generator(device="cuda").manual_seed(zlib.crc32(repr(case).encode()))
    qi = torch.randn(B, T, Hi, Di, device="cuda", generator=gen).to(dtypes[dt])
    ki = torch.randn(B, S, Di, device="cuda", generator=gen).to(dtypes[dt])
    w = torch.randn(B, T, Hi, device="cuda", generator=gen).to(dtypes[wdt])
    out = attn.ops.lightning_indexer(qi, ki, w, causal=causal)
    assert out.shape == (B, T, S) and out.dtype == torch.float32
    ref = reference(qi, ki, w, causal)
    finite = torch.isfinite(ref)
    assert torch.equal(torch.isfinite(out), finite), "-inf pattern differs"
    assert not torch.isnan(out).any()
    err = ((out.double() - ref)[finite].abs().max()
           / ref[finite].abs().max()).item()
    assert err < (1e-3 if dt == "f32" else 1e-2), "relative error %.3g" % err
