"""compare.py REF.npy OUT.npy (TOL | exact): fails unless OUT matches REF
(relative error max|out - ref| / max|ref| over finite entries below TOL,
identical -inf positions, no NaN; or bit-identical with `exact`)."""
import sys

import numpy as np

ref = np.load(sys.argv[1]).astype(np.float64)
out = np.load(sys.argv[2]).astype(np.float64)
if ref.shape != out.shape:
    sys.exit("shape %s != %s" % (out.shape, ref.shape))
if sys.argv[3] == "exact":
    if not np.array_equal(ref, out):
        sys.exit("%d entries differ" % int((ref != out).sum()))
    print("identical")
    sys.exit(0)
if np.isnan(out).any():
    sys.exit("NaN in the output")
fin = np.isfinite(ref)
if not np.array_equal(fin, np.isfinite(out)):
    sys.exit("the non-finite entries differ")
err = np.abs(out - ref)[fin].max() / np.abs(ref[fin]).max()
print("relative error %.3g" % err)
sys.exit(0 if err < float(sys.argv[3]) else 1)
