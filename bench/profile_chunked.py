"""Per-kernel times of the chunked linear / delta-rule kernels (and FLA's,
with --fla) from torch.profiler (CUPTI sees driver-API launches too):
where the time of each op goes. Beside the kernels' sum, the synchronised
time of one call between CUDA events (bench/gpu_full.py's method, host
time included): the difference is what the GPU waits for the host.

    PYTHONPATH=python[:third_party:third_party/einops_shim] \\
        python3 bench/profile_chunked.py [--fla] [--B 1 --T 16384]
"""

import argparse
import os
import sys

import torch
import torch.nn.functional as F
from torch.profiler import ProfilerActivity, profile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "python"))
from attn import ops  # noqa: E402
from gpu_full import bench as wall_ms  # noqa: E402  (the synchronised call)


def kernel_times(fn, reps=10):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(reps):
            fn()
        torch.cuda.synchronize()
    rows = []
    for e in prof.key_averages():
        if e.device_type.name == "CUDA" and e.count:
            us = getattr(e, "device_time_total", None) or e.cuda_time_total
            rows.append((us / reps / 1000.0, e.key))
    return sorted(rows, reverse=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fla", action="store_true")
    ap.add_argument("--B", type=int, default=1)
    ap.add_argument("--T", type=int, default=16384)
    args = ap.parse_args()
    dev = torch.device("cuda")
    B, T, H, K = args.B, args.T, 16, 128
    torch.manual_seed(0)
    q = F.normalize(torch.randn(B, T, H, K, device=dev, dtype=torch.bfloat16), dim=-1)
    k = F.normalize(torch.randn_like(q), dim=-1)
    v = torch.randn_like(q)
    beta16 = torch.rand(B, T, H, device=dev, dtype=torch.bfloat16).sigmoid()
    beta = beta16.float()
    gk = F.logsigmoid(torch.randn(B, T, H, K, device=dev)) / 16
    gs = F.logsigmoid(torch.randn(B, T, H, device=dev)) / 16
    cases = [("attn kda", lambda: ops.kda(q, k, v, gk, beta, output_final_state=True)),
             ("attn gdn", lambda: ops.gated_delta_rule(q, k, v, gs, beta, output_final_state=True)),
             ("attn simple_gla", lambda: ops.linear_attn(q, k, v, gs, output_final_state=True))]
    if args.fla:
        from fla.ops.kda import chunk_kda
        from fla.ops.gated_delta_rule import chunk_gated_delta_rule
        from fla.ops.simple_gla import chunk_simple_gla
        cases += [("FLA chunk_kda", lambda: chunk_kda(q, k, v, gk, beta16)),
                  ("FLA chunk_gated_delta_rule", lambda: chunk_gated_delta_rule(q, k, v, gs, beta16)),
                  ("FLA chunk_simple_gla", lambda: chunk_simple_gla(q, k, v, gs))]
    print("# %s, B=%d T=%d H=%d K=V=%d" % (torch.cuda.get_device_name(), B, T, H, K))
    with torch.no_grad():
        for name, fn in cases:
            rows = kernel_times(fn)
            print("%s: %.3f ms in kernels, %.3f ms a synchronised call"
                  % (name, sum(r[0] for r in rows), wall_ms(fn)))
            for ms, key in rows[:8]:
                print("    %8.3f ms  %s" % (ms, key[:90]))


if __name__ == "__main__":
    main()
