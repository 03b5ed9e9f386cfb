"""Decode steps (recurrent attn.delta / attn.linear) against FLA's
fused_recurrent kernels, kernel time back to back: 20 calls between two
CUDA events, median of 5, so that host launch time is not in the figure
(bench/gpu_full.py --only step times one synchronised call instead, as
../shared/bench/peers_baseline.py). B=256 H=32 K=V=128, bf16 q/k/v
normalised outside, f32 state read and written; shares of this card's
device-to-device copy; then ours against FLA's outputs, and the KDA
multi-token (MTP) step at T = 4 and 16.

    PYTHONPATH=python:third_party:third_party/einops_shim python3 bench/decode_steps.py

(FLA from a fetched copy in the git-ignored third_party/; bench/RESULTS.md.)"""

import torch, torch.nn.functional as F
import attn.ops as ops
from fla.ops.kda import fused_recurrent_kda
from fla.ops.gated_delta_rule import fused_recurrent_gated_delta_rule
from fla.ops.gla import fused_recurrent_gla
dev = "cuda"
def b2b(fn, n=20, rep=5):
    for _ in range(3): fn()
    torch.cuda.synchronize()
    best = []
    for _ in range(rep):
        s = torch.cuda.Event(enable_timing=True); e = torch.cuda.Event(enable_timing=True)
        s.record()
        for _ in range(n): fn()
        e.record(); torch.cuda.synchronize()
        best.append(s.elapsed_time(e) / n)
    best.sort(); return best[len(best)//2]
x = torch.empty(1 << 28, device=dev); y = torch.empty_like(x)
tc = b2b(lambda: y.copy_(x)); cgbs = 2 * x.numel() * 4 / tc / 1e6
print("copy %.3f ms %.0f GB/s" % (tc, cgbs)); del x, y
B, H, K, V = 256, 32, 128, 128
q = F.normalize(torch.randn(B, 1, H, K, device=dev, dtype=torch.bfloat16), dim=-1)
k = F.normalize(torch.randn_like(q), dim=-1); v = torch.randn_like(q)
beta = torch.rand(B, 1, H, device=dev); gk = -torch.rand(B, 1, H, K, device=dev); gs = -torch.rand(B, 1, H, device=dev)
s0 = torch.randn(B, H, K, V, device=dev) * 0.1
nbytes = 2 * s0.numel() * 4
beta16 = beta.to(q.dtype)
for name, fn in (("kda", lambda: ops.kda(q, k, v, gk, beta, initial_state=s0, output_final_state=True)),
                 ("gdn", lambda: ops.gated_delta_rule(q, k, v, gs, beta, initial_state=s0, output_final_state=True)),
                 ("gla", lambda: ops.linear_attn(q, k, v, gk, initial_state=s0, output_final_state=True)),
                 ("fla kda", lambda: fused_recurrent_kda(q, k, v, gk, beta16, initial_state=s0, output_final_state=True)),
                 ("fla gdn", lambda: fused_recurrent_gated_delta_rule(q, k, v, g=gs, beta=beta, initial_state=s0, output_final_state=True)),
                 ("fla gla", lambda: fused_recurrent_gla(q, k, v, gk=gk, initial_state=s0, output_final_state=True))):
    try:
        with torch.no_grad():
            t = b2b(fn)
    except Exception as e:
        print(name, "failed:", repr(e)[:200]); continue
    print("%-8s back-to-back %.3f ms  %.0f GB/s  %.0f%% of copy" % (name, t, nbytes / t / 1e6, 100 * nbytes / t / 1e6 / cgbs))
# correctness against FLA on this shape
o1, s1 = ops.kda(q, k, v, gk, beta, initial_state=s0, output_final_state=True)
with torch.no_grad():
    o2, s2 = fused_recurrent_kda(q, k, v, gk, beta16, initial_state=s0, output_final_state=True)
print("kda vs FLA: rel o %.2e  rel state %.2e" % (((o1.float()-o2.float()).norm()/o2.float().norm()).item(), ((s1-s2).norm()/s2.norm()).item()))
try:
    o1, s1 = ops.gated_delta_rule(q, k, v, gs, beta, initial_state=s0, output_final_state=True)
    with torch.no_grad():
        o2, s2 = fused_recurrent_gated_delta_rule(q, k, v, g=gs, beta=beta, initial_state=s0, output_final_state=True)
    print("gdn vs FLA: rel o %.2e  rel state %.2e" % (((o1.float()-o2.float()).norm()/o2.float().norm()).item(), ((s1-s2).norm()/s2.norm()).item()))
    o1, s1 = ops.linear_attn(q, k, v, gk, initial_state=s0, output_final_state=True)
    with torch.no_grad():
        o2, s2 = fused_recurrent_gla(q, k, v, gk=gk, initial_state=s0, output_final_state=True)
    print("gla vs FLA: rel o %.2e  rel state %.2e" % (((o1.float()-o2.float()).norm()/o2.float().norm()).item(), ((s1-s2).norm()/s2.norm()).item()))
except Exception as e:
    print("comparison failed:", repr(e)[:200])
# Multi-token (MTP / speculative) steps: T = 4 and 16 tokens per call.
for T in (4, 16):
    qT = F.normalize(torch.randn(B, T, H, K, device=dev, dtype=torch.bfloat16), dim=-1)
    kT = F.normalize(torch.randn_like(qT), dim=-1); vT = torch.randn_like(qT)
    bT = torch.rand(B, T, H, device=dev); gT = -torch.rand(B, T, H, K, device=dev)
    with torch.no_grad():
        t1 = b2b(lambda: ops.kda(qT, kT, vT, gT, bT, initial_state=s0, output_final_state=True))
        t2 = b2b(lambda: fused_recurrent_kda(qT, kT, vT, gT, bT.to(qT.dtype), initial_state=s0, output_final_state=True))
    print("kda T=%d: ours %.3f ms  FLA %.3f ms  ratio %.2fx" % (T, t1, t2, t2 / t1))
