"""Writes random q, k, v .npy files: DIR B T H D Hkv [S] (attn-run test)."""
import sys

import numpy as np

out, B, T, H, D, Hkv = sys.argv[1], *map(int, sys.argv[2:7])
S = int(sys.argv[7]) if len(sys.argv) > 7 else T
rng = np.random.default_rng(0)
np.save(out + "/q.npy", rng.standard_normal((B, T, H, D)).astype(np.float32))
np.save(out + "/k.npy", rng.standard_normal((B, S, Hkv, D)).astype(np.float32))
np.save(out + "/v.npy", rng.standard_normal((B, S, Hkv, D)).astype(np.float32))
