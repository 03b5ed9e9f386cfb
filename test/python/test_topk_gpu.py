"""attn.topk on the GPU (REQUIRES: a CUDA device and torch): the radix-select
kernel through attn.ops.topk on CUDA tensors, against an exact reference
(stable sort by decreasing score, ties to the smaller position): ties,
-inf / NaN never selected, causal bounds, fewer candidates than k (-1
padding), k = 1 and k = 4096, scores from the GPU indexer (the DSA chain)."""

import zlib

import pytest

import attn
from gpu_env import cuda_torch as _torch


def reference(scores, k, causal):
    torch = _torch()
    s = scores.double().cpu().clone()
    B, T, S = s.shape
    if causal:
        t = torch.arange(T)[:, None] + (S - T)
        s = s.masked_fill(torch.arange(S)[None, :] > t, float("-inf"))
    s = torch.nan_to_num(s, nan=float("-inf"), posinf=float("inf"))
    out = torch.full((B, T, k), -1, dtype=torch.int32)
    for b in range(B):
        for q in range(T):
            row = s[b, q]
            cand = [j for j in range(S) if row[j] != float("-inf")]
            cand.sort(key=lambda j: (-row[j].item(), j))
            cand = cand[:k]
            out[b, q, :len(cand)] = torch.tensor(cand, dtype=torch.int32)
    return out


CASES = [
    # B, T, S, k, causal, kind
    (2, 5, 1000, 64, False, "randn"),
    (1, 7, 300, 64, True, "randn"),
    (1, 3, 5000, 100, False, "ties"),      # few distinct values: ties everywhere
    (1, 4, 50, 64, False, "randn"),        # S < k: -1 padding
    (1, 6, 200, 64, True, "special"),      # -inf, NaN, +-0, +inf
    (1, 2, 9000, 2048, True, "randn"),
    (1, 2, 777, 1, False, "randn"),
    (1, 1, 6000, 4096, False, "ties"),
]


def make(case, gen):
    torch = _torch()
    B, T, S, k, causal, kind = case
    if kind == "ties":
        return torch.randint(-3, 4, (B, T, S), device="cuda", generator=gen).float()
    s = torch.randn(B, T, S, device="cuda", generator=gen)
    if kind == "special":
        m = torch.rand(B, T, S, device="cuda", generator=gen)
        s[m < 0.2] = float("-inf")
        s[(m >= 0.2) & (m < 0.3)] = float("nan")
        s[(m >= 0.3) & (m < 0.35)] = 0.0
        s[(m >= 0.35) & (m < 0.4)] = -0.0
        s[(m >= 0.4) & (m < 0.42)] = float("inf")
    return s


@pytest.mark.parametrize("case", CASES, ids=lambda c: "B%dT%dS%dk%d%s-%s" % (
    c[0], c[1], c[2], c[3], "c" if c[4] else "", c[5]))
def test_topk_matches_reference(case):
    torch = _torch()
    gen = torch.Generator(device="cuda").manual_seed(zlib.crc32(repr(case).encode()))
    scores = make(case, gen)
    B, T, S, k, causal, kind = case
    out = attn.ops.topk(scores, k, causal=causal)
    assert out.shape == (B, T, k) and out.dtype == torch.int32
    assert torch.equal(out.cpu(), reference(scores, k, causal))


def test_dsa_chain_on_gpu():
    """indexer -> topk -> sparse attention, all on the GPU, equals the same
    chain with the exact top-k of the GPU scores."""
    torch = _torch()
    B, T, S, Hi, Di, H, D, k = 1, 64, 300, 64, 128, 16, 128, 64
    g = torch.Generator(device="cuda").manual_seed(7)
    qi = torch.randn(B, T, Hi, Di, device="cuda", generator=g).bfloat16()
    ki = torch.randn(B, S, Di, device="cuda", generator=g).bfloat16()
    w = torch.randn(B, T, Hi, device="cuda", generator=g)
    scores = attn.ops.lightning_indexer(qi, ki, w, causal=True)
    idx = attn.ops.topk(scores, k, causal=True)
    assert torch.equal(idx.cpu(), reference(scores, k, True))
