"""Prints name, dtype, shape and finiteness of .npy files (attn-run test)."""
import os
import sys

import numpy as np

for path in sys.argv[1:]:
    a = np.load(path)
    print(os.path.basename(path), a.dtype, a.shape,
          "finite" if np.all(np.isfinite(a)) else "NOT FINITE")
