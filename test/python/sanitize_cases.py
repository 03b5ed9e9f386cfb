"""Every family of attn's GPU kernels once, at small shapes that are not
multiples of the tiles, for test_sanitizer_gpu.py to run under NVIDIA's
compute-sanitizer (racecheck, synccheck, memcheck). Prints one line per
case; the sanitizer's report is what the test reads.

    python3 test/python/sanitize_cases.py [NAME ...]   (default: all)"""

import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "python"))
import attn  # noqa: E402


def _rand(gen, *shape, dtype=torch.bfloat16, scale=1.0):
    return (torch.randn(*shape, device="cuda", generator=gen) * scale).to(dtype)


def full_prefill(gen):  # sm_90a: the warp-specialised TMA / wgmma kernel
    q = _rand(gen, 2, 300, 8, 128)
    k, v = _rand(gen, 2, 300, 2, 128), _rand(gen, 2, 300, 2, 128)
    attn.ops.full_attn(q, k, v, causal=True)
    attn.ops.full_attn(q, k, v, causal=False)


def full_decode(gen):  # one query per row block, split-KV and its combine
    q = _rand(gen, 3, 1, 8, 128)
    k, v = _rand(gen, 3, 700, 2, 128), _rand(gen, 3, 700, 2, 128)
    attn.ops.full_attn(q, k, v, causal=True)


def full_f32(gen):  # the bf16x3 split (four copy streams per tile)
    q = _rand(gen, 1, 100, 4, 64, dtype=torch.float32)
    k = _rand(gen, 1, 300, 2, 64, dtype=torch.float32)
    v = _rand(gen, 1, 300, 2, 64, dtype=torch.float32)
    attn.ops.full_attn(q, k, v, causal=False)


def full_fp8(gen):  # quantisation kernels and the FP8 forward kernel
    q = _rand(gen, 1, 300, 4, 128)
    k, v = _rand(gen, 1, 300, 4, 128), _rand(gen, 1, 300, 4, 128)
    attn.ops.full_attn(q, k, v, causal=True, precision_policy="fp8")


def sparse(gen):  # gathered cp.async copies, bf16 and f32
    for dtype, D in ((torch.bfloat16, 128), (torch.float32, 64)):
        q = _rand(gen, 1, 30, 4, D, dtype=dtype)
        k = _rand(gen, 1, 500, 2, D, dtype=dtype)
        v = _rand(gen, 1, 500, 2, D, dtype=dtype)
        idx = torch.randint(-1, 503, (1, 30, 2, 90), device="cuda",
                            generator=gen, dtype=torch.int32)
        attn.ops.sparse_attn(q, k, v, idx, causal=True)


def indexer_topk(gen):
    qi = _rand(gen, 1, 64, 64, 128)
    ki = _rand(gen, 1, 300, 128)
    w = _rand(gen, 1, 64, 64, dtype=torch.float32)
    scores = attn.ops.lightning_indexer(qi, ki, w, causal=True)
    attn.ops.topk(scores, 64, causal=True)


def chunked(gen):  # the chunkwise delta rule (KDA) and GLA
    B, T, H, K = 1, 100, 2, 128
    q, k = _rand(gen, B, T, H, K, scale=0.5), _rand(gen, B, T, H, K, scale=0.5)
    v = _rand(gen, B, T, H, K)
    beta = torch.rand(B, T, H, device="cuda", generator=gen)
    g = -torch.rand(B, T, H, K, device="cuda", generator=gen) * 0.5
    attn.ops.kda(q, k, v, g, beta, output_final_state=True,
                 use_qk_l2norm_in_kernel=True)
    attn.ops.linear_attn(q, k, v, g * 0.6, output_final_state=True)


def recurrent(gen):  # decode steps: the state in registers, sums over K
    # through the reduction scratch (K = 100: rows past K padded).
    B, T, H, HV = 2, 3, 2, 4
    q = _rand(gen, B, T, H, 100, dtype=torch.float32, scale=0.5)
    k = _rand(gen, B, T, H, 100, dtype=torch.float32, scale=0.5)
    v = _rand(gen, B, T, HV, 24, dtype=torch.float32)
    beta = torch.rand(B, T, HV, device="cuda", generator=gen)
    g = -torch.rand(B, T, HV, device="cuda", generator=gen)
    s0 = _rand(gen, B, HV, 100, 24, dtype=torch.float32, scale=0.1)
    attn.ops.gated_delta_rule(q, k, v, g, beta, initial_state=s0,
                              output_final_state=True,
                              use_qk_l2norm_in_kernel=True)


CASES = {f.__name__: f for f in (full_prefill, full_decode, full_f32,
                                 full_fp8, sparse, indexer_topk, chunked,
                                 recurrent)}

if __name__ == "__main__":
    names = sys.argv[1:] or list(CASES)
    gen = torch.Generator(device="cuda").manual_seed(0)
    for name in names:
        CASES[name](gen)
        torch.cuda.synchronize()
        print("ran", name, flush=True)
