"""Writes .npy files of a (1, 37, 2, 16) float32 array whose headers numpy
refuses (each named after its defect) to DIR, and good.npy, a valid one
written as numpy writes it (npy-header tests)."""
import sys

out = sys.argv[1]
DATA = bytes(1 * 37 * 2 * 16 * 4)
GOOD = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 37, 2, 16), }"


def write(name, header, version=b"\x01\x00"):
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open("%s/%s.npy" % (out, name), "wb") as f:
        f.write(b"\x93NUMPY" + version + len(header).to_bytes(2, "little") +
                header.encode() + DATA)


write("good", GOOD)
write("v1.41", GOOD, b"\x01\x29")
write("v4.0", GOOD, b"\x04\x00")
write("dupkey", GOOD.replace("'<f4', ", "'<f4', 'descr': '<f8', ", 1))
write("nodict", "(" + GOOD[1:])
write("noclose", GOOD[:-1] + "9")
write("nocomma", GOOD.replace("'<f4', ", "'<f4'  "))
write("junk-after", GOOD + " ( junk")
write("two-dicts", GOOD + GOOD)
write("extra-key", GOOD.replace("}", "'x': 1, }"))
write("no-shape", GOOD.replace("'shape': (1, 37, 2, 16), ", ""))
write("bad-order", GOOD.replace("False", "Fals"))
write("shape-not-tuple", GOOD.replace("(1, 37, 2, 16)", "[1, 37, 4, 16]"))
write("shape-nocomma", GOOD.replace("37, 2", "37 2"))
write("shape-leading-zero", GOOD.replace("16)", "016)"))

# The point of these files: numpy refuses every one but good.npy.
if "--check-numpy" in sys.argv[2:]:
    import glob
    import os

    import numpy as np

    for path in sorted(glob.glob(out + "/*.npy")):
        name = os.path.basename(path)
        try:
            np.load(path)
            print("%s: numpy loads it" % name)
        except Exception as e:  # numpy raises several kinds
            print("%s: numpy refuses it (%s)" % (name, type(e).__name__))
