"""attn-translate --import-hf-config never crashes: the bundled configs with
keys removed, values of the wrong type (string, list, object, null, float,
negative, huge), entries mutated inside the layer lists, and truncated text
either import (exit 0, a schedule attn-opt accepts) or fail with a located
`error:` and exit 1."""

import glob
import json
import os
import random
import subprocess

import pytest

from attn import _jit

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONFIGS = sorted(glob.glob(os.path.join(ROOT, "examples", "configs", "*.json")))
ODD = ["x", [], {}, None, 1.5, -3, 0, 2 ** 62, True, [1, "a"], "linear_attention"]


def _tool(name):
    path = os.path.join(_jit.build_dir(), "bin", name)
    if not os.path.exists(path):
        pytest.fail("%s is not built: %s" % (name, path))
    return path


def _mutants(cfg, rng, n):
    keys = [k for k in cfg if not k.startswith("_")]
    for _ in range(n):
        c = json.loads(json.dumps(cfg))
        how = rng.randrange(4)
        k = rng.choice(keys)
        if how == 0:
            del c[k]
        elif how == 1:
            c[k] = rng.choice(ODD)
        elif how == 2 and isinstance(c[k], (list, dict)):
            target = c[k]
            if isinstance(target, dict) and target:
                kk = rng.choice(list(target))
                target[kk] = rng.choice(ODD + [[rng.randrange(-2, 40)]])
            elif isinstance(target, list) and target:
                target[rng.randrange(len(target))] = rng.choice(
                    ODD + [rng.randrange(-2, 100)])
        else:
            c[k] = rng.randrange(-5, 200)
        yield json.dumps(c)


def test_mutated_configs_import_or_fail_cleanly(tmp_path):
    translate, opt = _tool("attn-translate"), _tool("attn-opt")
    rng = random.Random(20261127)
    n = 0
    for path in CONFIGS:
        cfg = json.load(open(path))
        texts = list(_mutants(cfg, rng, 40))
        raw = open(path).read()
        texts += [raw[:rng.randrange(len(raw))] for _ in range(5)]
        for text in texts:
            f = tmp_path / "m.json"
            f.write_text(text)
            r = subprocess.run([translate, "--import-hf-config", str(f)],
                               capture_output=True, text=True, timeout=60)
            assert r.returncode in (0, 1), (text, r.returncode, r.stderr)
            if r.returncode:
                assert "m.json:" in r.stderr and "error:" in r.stderr, \
                    (text, r.stderr)
            else:
                v = subprocess.run([opt, "--attn-plan-memory", "-o",
                                    os.devnull], input=r.stdout,
                                   capture_output=True, text=True, timeout=60)
                assert v.returncode == 0, (text, v.stderr)
            n += 1
    assert n >= 4 * 45
