"""Random inputs for ops-vs-cpu.test (fixed seed; shapes not tile multiples)."""
import os
import sys

import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(1234)


def save(name, a):
    np.save(os.path.join(out, name + ".npy"), a)


B, T, S, H, Hkv = 2, 77, 300, 8, 2
save("q", rng.standard_normal((B, T, H, 64)).astype(np.float16))
save("k", rng.standard_normal((B, S, Hkv, 64)).astype(np.float16))
save("v", rng.standard_normal((B, S, Hkv, 64)).astype(np.float16))
save("idx", rng.integers(-1, S + 2, (B, T, Hkv, 40)).astype(np.int32))
save("qd", rng.standard_normal((3, 1, 16, 128)).astype(np.float16))
save("kd", rng.standard_normal((3, 5000, 2, 128)).astype(np.float16))
save("vd", rng.standard_normal((3, 5000, 2, 128)).astype(np.float16))
save("qi", rng.standard_normal((2, 50, 64, 64)).astype(np.float16))
save("ki", rng.standard_normal((2, 130, 64)).astype(np.float16))
save("w", rng.standard_normal((2, 50, 64)).astype(np.float32))
# Scores with ties (few distinct values) and -inf entries.
s = rng.integers(-5, 6, (2, 40, 700)).astype(np.float32)
s[rng.random(s.shape) < 0.1] = -np.inf
save("scores", s)
