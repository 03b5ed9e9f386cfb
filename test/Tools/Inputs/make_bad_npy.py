"""Writes .npy files whose headers lie about their size (attn-run test)."""
import sys

out = sys.argv[1]
for name, shape in (("wrap", "(1, 4294967296, 4294967296, 16)"),
                    ("huge", "(4611686018427387904, 1, 2, 16)")):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % shape
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open("%s/%s.npy" % (out, name), "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode())
