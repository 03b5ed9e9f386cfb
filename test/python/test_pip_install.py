"""`pip install ./python` offline into a fresh virtual environment (system
site packages for numpy and setuptools, no index), then the installed
package, imported from elsewhere, compiles and runs an op through the C API
(libAttnC.so of the build tree) and matches float64."""

import os
import shutil
import subprocess
import sys

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def test_pip_install_offline(tmp_path):
    venv = tmp_path / "venv"
    try:
        subprocess.run([sys.executable, "-m", "venv", "--system-site-packages",
                        str(venv)], check=True, capture_output=True)
    except subprocess.CalledProcessError as e:
        pytest.fail("python3 -m venv failed (python3-venv missing?): %s"
                    % e.stderr.decode())
    py = str(venv / "bin" / "python")
    # Build from a copy: pip writes build/ and *.egg-info next to the source.
    src = tmp_path / "src"
    shutil.copytree(os.path.join(REPO, "python"), src,
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info",
                                                  "build"))
    r = subprocess.run([py, "-m", "pip", "install", "--no-index",
                        "--no-build-isolation", "--no-deps", "-q", str(src)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    script = (
        "import attn, numpy as np, os\n"
        "assert 'site-packages' in attn.__file__, attn.__file__\n"
        "from attn import _jit\n"
        "rng = np.random.default_rng(0)\n"
        "q = rng.standard_normal((1, 5, 2, 16)).astype(np.float32)\n"
        "k = rng.standard_normal((1, 5, 1, 16)).astype(np.float32)\n"
        "v = rng.standard_normal((1, 5, 1, 16)).astype(np.float32)\n"
        "o = attn.ops.full_attn(q, k, v, causal=False)\n"
        "s = np.einsum('thd,shd->hts', q[0].astype(np.float64),\n"
        "              np.repeat(k[0], 2, 1).astype(np.float64)) / 4.0\n"
        "p = np.exp(s - s.max(-1, keepdims=True)); p /= p.sum(-1, keepdims=True)\n"
        "ref = np.einsum('hts,shd->thd', p, np.repeat(v[0], 2, 1))\n"
        "err = np.abs(o[0] - ref).max() / np.abs(ref).max()\n"
        "print('library', os.path.basename(_jit._load()._name), 'error', err)\n"
        "assert err < 1e-5\n")
    env = dict(os.environ)
    env["ATTN_BUILD_DIR"] = os.path.abspath(
        os.environ.get("ATTN_BUILD_DIR", os.path.join(REPO, "build")))
    env.pop("PYTHONPATH", None)
    r = subprocess.run([py, "-c", script], capture_output=True, text=True,
                       cwd=str(tmp_path), env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "library libAttnC.so" in r.stdout, r.stdout
