"""One launch of attn GPU kernels for a profiler (kernels from the kernel
cache, as bench/gpu_full.py):

    ncu --section SpeedOfLight ... python3 bench/profile_full.py
    ncu --set full -k regex:full_fwd -c 1 -o rep \\
        python3 bench/profile_full.py --prefill 4 4096 causal --no-decode

Default: the B=1 T=16384 non-causal prefill (H=16, D=128, bf16) and the
B=64 H=32 Hkv=8 L=32768 decode of bench/gpu_full.py."""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "python"))
from attn import ops  # noqa: E402

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--prefill", nargs=3, metavar=("B", "T", "MODE"),
                default=["1", "16384", "full"],
                help="prefill shape: batch, length, 'causal' or 'full'")
ap.add_argument("--D", type=int, default=128, help="head dim of the prefill")
ap.add_argument("--no-decode", action="store_true", help="skip the decode")
ap.add_argument("--fp8", action="store_true",
                help="the prefill with precision_policy='fp8' (quantisation "
                     "kernels, then the FP8 forward kernel)")
args = ap.parse_args()
if args.prefill[2] not in ("causal", "full"):
    ap.error("--prefill MODE must be 'causal' or 'full'")

dev = torch.device("cuda")
B, T = int(args.prefill[0]), int(args.prefill[1])
q = torch.randn(B, T, 16, args.D, device=dev, dtype=torch.bfloat16)
k, v = torch.randn_like(q), torch.randn_like(q)
ops.full_attn(q, k, v, causal=args.prefill[2] == "causal",
              **({"precision_policy": "fp8"} if args.fp8 else {}))
del q, k, v
if not args.no_decode:
    q = torch.randn(64, 1, 32, 128, device=dev, dtype=torch.bfloat16)
    kc = torch.randn(64, 32768, 8, 128, device=dev, dtype=torch.bfloat16)
    ops.full_attn(q, kc, torch.randn_like(kc), causal=False)
torch.cuda.synchronize()
