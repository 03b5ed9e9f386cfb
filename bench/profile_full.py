"""One launch of each attn GPU kernel of bench/gpu_full.py's shapes, for a
profiler: `ncu --section SpeedOfLight ... python3 bench/profile_full.py`
(kernels from the kernel cache, as bench/gpu_full.py)."""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "python"))
from attn import ops  # noqa: E402

dev = torch.device("cuda")
q = torch.randn(1, 16384, 16, 128, device=dev, dtype=torch.bfloat16)
k, v = torch.randn_like(q), torch.randn_like(q)
ops.full_attn(q, k, v, causal=False)
del q, k, v
q = torch.randn(64, 1, 32, 128, device=dev, dtype=torch.bfloat16)
kc = torch.randn(64, 32768, 8, 128, device=dev, dtype=torch.bfloat16)
ops.full_attn(q, kc, torch.randn_like(kc), causal=False)
torch.cuda.synchronize()
