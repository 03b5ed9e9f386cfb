"""FP8 DSA indexer on the GPU (REQUIRES: a CUDA device and torch):
`lightning_indexer(..., precision_policy="fp8")` runs the quant_tokens
kernel (Hadamard rotation, e4m3 rows with one scale per token and head) and
the m64n64k32 e4m3 wgmma indexer (sm_90a). Checked against

- a float64 emulation of the same scheme in torch: the kernels must sit far
  closer to it than to the exact scores (a wrong rotation, scale or byte
  order shows);
- float64 exact scores: the FP8 score error (printed) and, at DSA's sizes
  (k = 2048 of 8192 keys, 64 heads x 128), the top-k recall against the
  exact top-k, through attn's own GPU top-k (printed: 0.98 on i.i.d. inputs,
  0.99+ with outlier channels, bench/RESULTS.md).

Causal -inf patterns must match exactly; NaN never passes. Kernels come from
the kernel cache (attn.precompile has these configurations)."""

import math

import pytest

from attn import ops
from gpu_env import cuda_torch as _torch
from test_indexer_gpu import reference


def hadamard(n, device):
    torch = _torch()
    h = torch.ones(1, 1, dtype=torch.float64, device=device)
    while h.shape[0] < n:
        h = torch.cat([torch.cat([h, h], 1), torch.cat([h, -h], 1)], 0)
    return h / math.sqrt(n)


def quantise_rows(x):
    """Rows (last dim) rotated and rounded to e4m3 with one scale each."""
    torch = _torch()
    x = (x.double() @ hadamard(x.shape[-1], x.device)).float()
    amax = x.abs().amax(-1, keepdim=True)
    ok = amax > 0
    inv = torch.where(ok, 448.0 / amax, torch.ones_like(amax))
    scale = torch.where(ok, amax / 448.0, torch.ones_like(amax))
    return (x * inv).to(torch.float8_e4m3fn).double() * scale.double()


def scores(qi, ki, w, causal, fp8=False):
    """float64 scores (test_indexer_gpu's reference), of the e4m3 rows when
    `fp8`."""
    if fp8:
        qi, ki = quantise_rows(qi), quantise_rows(ki)
    return reference(qi, ki, w, causal)


def rel(out, ref):
    torch = _torch()
    finite = torch.isfinite(ref)
    assert torch.equal(torch.isfinite(out), finite), "-inf pattern differs"
    assert not torch.isnan(out).any()
    d = (out.double() - ref)[finite]
    return (d.norm() / ref[finite].norm()).item()


CASES = [
    # B, T, S, Hi, causal, dtype
    (1, 100, 100, 64, True, "bf16"),
    (2, 37, 300, 64, False, "bf16"),
    (1, 1, 1000, 64, True, "f16"),
    (1, 77, 200, 16, True, "bf16"),
    (1, 129, 129, 32, False, "bf16"),
]


@pytest.mark.parametrize("B,T,S,Hi,causal,dtype", CASES)
def test_fp8_indexer_against_emulation(B, T, S, Hi, causal, dtype):
    torch = _torch()
    torch.manual_seed(T + S + Hi)
    dt = torch.bfloat16 if dtype == "bf16" else torch.float16
    qi = torch.randn(B, T, Hi, 128, device="cuda", dtype=dt)
    ki = torch.randn(B, S, 128, device="cuda", dtype=dt)
    w = torch.randn(B, T, Hi, device="cuda", dtype=torch.float32)
    out = ops.lightning_indexer(qi, ki, w, causal=causal,
                                precision_policy="fp8")
    exact = scores(qi, ki, w, causal)
    err = rel(out, exact)
    to_emu = rel(out, scores(qi, ki, w, causal, fp8=True))
    print("fp8 indexer: score error %.3e, distance to the emulation %.3e"
          % (err, to_emu))
    assert 1e-2 < err < 6e-2
    assert to_emu < 0.1 * err


@pytest.mark.parametrize("outliers", [False, True])
def test_fp8_indexer_topk_recall(outliers):
    """k = 2048 of S = 8192 keys for the last 256 queries (64 heads x 128),
    selected by attn's GPU top-k from the FP8 scores, against the exact
    top-k of float64 scores."""
    torch = _torch()
    torch.manual_seed(11)
    T, S, Hi, Di, K = 256, 8192, 64, 128, 2048
    qi = torch.randn(1, T, Hi, Di, device="cuda")
    ki = torch.randn(1, S, Di, device="cuda")
    w = torch.randn(1, T, Hi, device="cuda")
    if outliers:
        ch = torch.randperm(Di, device="cuda")[:3]
        qi[..., ch] *= 10
        ki[..., ch] *= 10
    qi, ki = qi.bfloat16(), ki.bfloat16()
    out = ops.lightning_indexer(qi, ki, w, causal=False,
                                precision_policy="fp8")
    exact = scores(qi, ki, w, False)
    top8 = ops.topk(out, K, causal=False)[0].long()
    top = exact[0].topk(K, dim=-1).indices
    hits = torch.zeros(T, S, dtype=torch.bool, device="cuda")
    hits.scatter_(1, top, True)
    recall = hits.gather(1, top8).float().mean().item()
    print("fp8 indexer top-%d recall (outliers=%s): %.4f" % (K, outliers,
                                                             recall))
    assert recall >= (0.99 if outliers else 0.97)
