"""attn-run never crashes on malformed .npy files: mutated headers and
payloads are either accepted (then the run succeeds) or rejected with an
error message and exit status 1."""

import os
import random
import subprocess

import numpy as np
import pytest

from attn import _jit

MODULE = """
func.func @f(%q: tensor<?x?x2x16xf32>) -> tensor<?x?x2x16xf32> {
  return %q : tensor<?x?x2x16xf32>
}
"""


def _mutants(rng, good):
    header_end = good.index(b"\n") + 1
    for _ in range(150):
        data = bytearray(good)
        kind = rng.randrange(5)
        if kind == 0:  # flip bytes in the header
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(header_end)] = rng.randrange(256)
        elif kind == 1:  # truncate anywhere
            data = data[:rng.randrange(len(data))]
        elif kind == 2:  # rewrite the shape
            shape = "(%s)" % ", ".join(str(rng.choice([0, 1, 2, 3, 16, -1, 2**31, 2**63 - 1]))
                                       for _ in range(rng.randint(0, 5)))
            text = data[:header_end].decode("latin-1")
            start = text.index("'shape': ") + len("'shape': ")
            end = text.index(")", start) + 1
            data = bytearray(text[:start] + shape + text[end:], "latin-1") + data[header_end:]
        elif kind == 3:  # wrong dtype / order
            text = data[:header_end].decode("latin-1")
            text = text.replace("<f4", rng.choice(["<f8", "|u1", ">f4", "<c8", "O"]))
            text = text.replace("False", rng.choice(["False", "True", "Fals"]))
            data = bytearray(text, "latin-1") + data[header_end:]
        else:  # extra or missing payload
            data += bytes(rng.randrange(64))
        yield bytes(data)


def test_malformed_npy_never_crashes(tmp_path):
    attn_run = os.path.join(_jit.build_dir(), "bin", "attn-run")
    if not os.path.exists(attn_run):
        pytest.fail("attn-run is not built: " + attn_run)
    mlir = tmp_path / "m.mlir"
    mlir.write_text(MODULE)
    good_path = tmp_path / "good.npy"
    np.save(good_path, np.ones((1, 3, 2, 16), np.float32))
    good = good_path.read_bytes()
    rng = random.Random(20261127)
    for i, data in enumerate(_mutants(rng, good)):
        path = tmp_path / ("m%d.npy" % i)
        path.write_bytes(data)
        proc = subprocess.run([attn_run, str(mlir), "--input=%s" % path,
                               "--output-dir=%s" % tmp_path],
                              capture_output=True, timeout=60)
        proc.stderr = proc.stderr.decode("utf-8", "replace")
        assert proc.returncode in (0, 1), (i, proc.returncode, proc.stderr[-2000:])
        assert "Stack dump" not in proc.stderr, (i, proc.stderr[-2000:])
        if proc.returncode == 1:
            assert "error:" in proc.stderr, (i, proc.stderr)
