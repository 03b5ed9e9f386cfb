"""Without the compiler's library, the package falls back to the command-line
tools (attn-opt verifies, attn-run compiles and runs): same results as the
library, the same located CompilerError for bad input, and the precision
policy passed on. Run in a subprocess whose $ATTN_BUILD_DIR has no lib/ and
whose PATH holds the build's bin/."""

import os
import subprocess
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.abspath(os.environ.get("ATTN_BUILD_DIR",
                                       os.path.join(REPO, "build")))

SCRIPT = r"""
import numpy as np, attn
from attn import _jit
assert not _jit.library_available()
d = np.load(%(data)r)
o = attn.ops.full_attn(d["q"], d["k"], d["v"], causal=True)
o8 = attn.ops.full_attn(d["q"], d["k"], d["v"], causal=True,
                        precision_policy="fp8")
np.save(%(out)r, o)
np.save(%(out8)r, o8)
try:
    attn.ops.full_attn(d["q"], d["k"][:, :, :1, :3], d["v"], causal=True)
    print("no error")
except attn.CompilerError as e:
    print("CompilerError:", str(e).splitlines()[0])
"""


def test_tools_fallback(tmp_path):
    sys.path.insert(0, os.path.join(REPO, "python"))
    import numpy as np
    from attn import ops
    rng = np.random.default_rng(3)
    q = rng.standard_normal((1, 40, 4, 16)).astype(np.float32)
    k = rng.standard_normal((1, 40, 2, 16)).astype(np.float32)
    v = rng.standard_normal((1, 40, 2, 16)).astype(np.float32)
    data = str(tmp_path / "in.npz")
    np.savez(data, q=q, k=k, v=v)
    out, out8 = str(tmp_path / "o.npy"), str(tmp_path / "o8.npy")
    env = dict(os.environ)
    env["ATTN_BUILD_DIR"] = str(tmp_path / "no-build")  # no lib/ there
    env.pop("ATTN_PREFIX", None)
    env["PATH"] = os.path.join(BUILD, "bin") + os.pathsep + env["PATH"]
    env["PYTHONPATH"] = os.path.join(REPO, "python")
    r = subprocess.run([sys.executable, "-c", SCRIPT % dict(
        data=data, out=out, out8=out8)], capture_output=True, text=True,
        env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "CompilerError: " in r.stdout and "error:" in r.stdout, r.stdout
    lib = ops.full_attn(q, k, v, causal=True)
    lib8 = ops.full_attn(q, k, v, causal=True, precision_policy="fp8")
    np.testing.assert_allclose(np.load(out), lib, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(np.load(out8), lib8, rtol=1e-6, atol=1e-6)
    assert not np.allclose(lib, lib8)
