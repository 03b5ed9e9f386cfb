"""scripts/plot-memory.py draws attn-plan-memory's JSON: a PNG for a schedule
and its 7:1 transform next to the all-full counterpart; bad input is a clear
error with a non-zero exit."""

import json
import os
import struct
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("ATTN_BUILD_DIR", os.path.join(ROOT, "build"))
OPT = os.path.join(BUILD, "bin", "attn-opt")
SCRIPT = os.path.join(ROOT, "scripts", "plot-memory.py")
EXAMPLE = os.path.join(ROOT, "examples", "kimi_linear.mlir")


def _plan(tmp_path, name, *passes):
    out = tmp_path / (name + ".json")
    subprocess.run([OPT, EXAMPLE, *passes,
                    "--attn-plan-memory=json-out=%s" % out, "-o", os.devnull],
                   check=True, stdout=subprocess.DEVNULL)
    return out


def test_plot_of_a_schedule_and_its_transform(tmp_path):
    pytest.importorskip("matplotlib")
    a = _plan(tmp_path, "kimi")
    b = _plan(tmp_path, "kimi7", "--attn-schedule-ratio=linear-per-full=7")
    curve = json.loads(a.read_text())["curve"]
    assert curve["context"][0] == 1024 and curve["context"][-1] == 1 << 20
    # The hybrid's cache grows 4x slower than the all-full one: at 1M it is
    # below a third of it.
    assert curve["cache_bytes"][-1] * 3 < curve["all_full_cache_bytes"][-1]
    png = tmp_path / "memory.png"
    r = subprocess.run([sys.executable, SCRIPT, str(a), str(b), "-o", str(png),
                        "--label", "3:1", "--label", "7:1"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 800 and height >= 300


def test_bad_input_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"schedule": "x"}')
    r = subprocess.run([sys.executable, SCRIPT, str(bad), "-o",
                        str(tmp_path / "x.png")], capture_output=True, text=True)
    assert r.returncode != 0
    assert "has no 'curve'" in r.stderr or "matplotlib is missing" in r.stderr
