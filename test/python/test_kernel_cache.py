"""The GPU kernel cache checks its entries (issue 14, class 8) and
attn.precompile says what it does.

A truncated or empty .ptx, a flipped byte, a truncated .json, a manifest of
the wrong schema or an entry of an older attn (no integrity record) used to
be served as is (or raise a bare JSONDecodeError). Each is now recompiled
and rewritten where the compiler is built, and refused with an AttnError
naming the file and the problem where it is not (`_gpu._compiler` patched
to say so). CPU only: compile_to_cache needs the compiler, not a GPU."""

import json
import os
import random
import re
import warnings

import pytest

import attn
from attn import _cache, _gpu, ops, precompile

CHIP = "sm_90a"


def _ir(k=4):
    return ops.topk_module_ir((1, 1, 1), k, True)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty kernel cache in tmp_path; needs the compiler library."""
    monkeypatch.setenv("ATTN_KERNEL_CACHE", str(tmp_path))
    if _gpu._compiler() is None:
        pytest.fail("the attn compiler library (with attnGpuCompile"
                    "WithOptions) is not built: these tests need it")
    return tmp_path


def _entry(cache, ir, options=""):
    base = os.path.join(str(cache), _gpu.cache_key(ir, CHIP, options))
    return base + ".ptx", base + ".json"


def _no_compiler(monkeypatch):
    monkeypatch.setattr(_gpu, "_compiler", lambda: None)


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def _truncate_ptx(ptx, js):
    _write(ptx, _read(ptx)[:len(_read(ptx)) // 2])


def _empty_ptx(ptx, js):
    _write(ptx, b"")


def _flip_ptx_byte(ptx, js):
    data = bytearray(_read(ptx))
    i = random.Random(14).randrange(len(data))
    data[i] ^= 0x01
    _write(ptx, bytes(data))


def _truncate_json(ptx, js):
    data = _read(js)
    _write(js, data[:len(data) // 3])


def _empty_json(ptx, js):
    _write(js, b"")


def _wrong_schema(ptx, js):
    """A manifest the launcher cannot read (smem a string), with a
    consistent integrity record: the schema check must catch it."""
    m = json.loads(_read(js))
    m["entries"][0]["launches"][0]["smem"] = "lots"
    record = m.pop(_cache.RECORD)
    record["manifest_sha256"] = _cache._sha256(_cache._canonical(m))
    m[_cache.RECORD] = record
    _write(js, json.dumps(m).encode())


def _no_entries(ptx, js):
    m = json.loads(_read(js))
    del m["entries"]
    record = m.pop(_cache.RECORD)
    record["manifest_sha256"] = _cache._sha256(_cache._canonical(m))
    m[_cache.RECORD] = record
    _write(js, json.dumps(m).encode())


def _edited_manifest(ptx, js):
    """A changed number the schema allows (smem): only the hash sees it."""
    m = json.loads(_read(js))
    m["entries"][0]["launches"][0]["smem"] += 1
    _write(js, json.dumps(m).encode())


def _old_format(ptx, js):
    """What attn wrote before the integrity record: the bare manifest."""
    m = json.loads(_read(js))
    del m[_cache.RECORD]
    _write(js, json.dumps(m).encode())


def _future_format(ptx, js):
    m = json.loads(_read(js))
    m[_cache.RECORD]["format"] = _cache.FORMAT + 1
    _write(js, json.dumps(m).encode())


def _json_not_object(ptx, js):
    _write(js, b"[1, 2]")


def _missing_ptx(ptx, js):
    os.unlink(ptx)


def _missing_json(ptx, js):
    os.unlink(js)


def _wrong_key(ptx, js):
    """An entry copied under another entry's name."""
    m = json.loads(_read(js))
    m[_cache.RECORD]["key"] = "0" * 32
    _write(js, json.dumps(m).encode())


# corruption -> what the refusal must say
DAMAGE = {
    _truncate_ptx: r"\.ptx has \d+ bytes, its manifest records \d+",
    _empty_ptx: r"\.ptx has 0 bytes, its manifest records \d+",
    _flip_ptx_byte: r"\.ptx does not match the sha256",
    _truncate_json: r"\.json is not valid JSON .*truncated\?",
    _empty_json: r"\.json is not valid JSON \(empty file",
    _wrong_schema: r"\.json: entries\[0\]\.launches\[0\]\.smem must be an "
                   r"integer, got str",
    _no_entries: r"\.json: manifest has no 'entries'",
    _edited_manifest: r"\.json: the manifest does not match the sha256",
    _old_format: r"\.json has no integrity record: it was made by an older "
                 r"attn; re-run attn\.precompile",
    _future_format: r"\.json has cache format %d; this attn reads format %d"
                    % (_cache.FORMAT + 1, _cache.FORMAT),
    _json_not_object: r"\.json is not a manifest",
    _missing_ptx: r"\.json has no kernels: \w+\.ptx is missing",
    _missing_json: r"\.ptx has no manifest \w+\.json",
    _wrong_key: r"\.json was written for key 0{32}",
}


@pytest.mark.parametrize("damage", list(DAMAGE), ids=lambda f: f.__name__[1:])
def test_bad_entry_is_recompiled_with_the_compiler(cache, damage):
    ir = _ir()
    good_ptx, good_manifest = _gpu.compile_to_cache(ir, CHIP)
    ptx, js = _entry(cache, ir)
    good_files = _read(ptx), _read(js)
    damage(ptx, js)
    with pytest.warns(RuntimeWarning, match="kernel cache: .*" +
                      DAMAGE[damage] + ".*; recompiled it"):
        got_ptx, got_manifest = _gpu.compile_to_cache(ir, CHIP)
    assert got_ptx == good_ptx and got_manifest == good_manifest
    # Rewritten whole: the same files as the first compile, no temporaries.
    assert (_read(ptx), _read(js)) == good_files
    assert not [n for n in os.listdir(str(cache)) if n.endswith(".tmp")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _gpu.compile_to_cache(ir, CHIP) == (good_ptx, good_manifest)


@pytest.mark.parametrize("damage", list(DAMAGE), ids=lambda f: f.__name__[1:])
def test_bad_entry_is_refused_without_the_compiler(cache, monkeypatch,
                                                   damage):
    ir = _ir()
    _gpu.compile_to_cache(ir, CHIP)
    ptx, js = _entry(cache, ir)
    damage(ptx, js)
    _no_compiler(monkeypatch)
    with pytest.raises(attn.AttnError) as info:
        _gpu.compile_to_cache(ir, CHIP)
    msg = str(info.value)
    assert re.search(DAMAGE[damage], msg), msg
    assert str(cache) in msg  # the file, with its directory
    assert "no attn compiler here" in msg and "attn.precompile" in msg
    assert not isinstance(info.value, json.JSONDecodeError)


def test_good_entry_is_served_without_the_compiler(cache, monkeypatch):
    ir = _ir(5)
    ptx, manifest = _gpu.compile_to_cache(ir, CHIP, options="")
    _no_compiler(monkeypatch)
    assert _gpu.compile_to_cache(ir, CHIP) == (ptx, manifest)
    assert _cache.RECORD not in manifest and len(manifest["entries"]) == 1


def test_missing_entry_without_the_compiler(cache, monkeypatch):
    _no_compiler(monkeypatch)
    with pytest.raises(attn.AttnError, match="no cached kernel for this "
                                             "configuration"):
        _gpu.compile_to_cache(_ir(6), CHIP)


def test_entry_records_size_hash_and_format(cache):
    ir = _ir(7)
    ptx_text, _ = _gpu.compile_to_cache(ir, CHIP)
    ptx, js = _entry(cache, ir)
    record = json.loads(_read(js))[_cache.RECORD]
    data = _read(ptx)
    assert data == ptx_text.encode()
    assert record["format"] == _cache.FORMAT
    assert record["ptx_bytes"] == len(data)
    assert record["ptx_sha256"] == _cache._sha256(data)
    assert record["key"] == os.path.basename(js)[:-len(".json")]


def test_interrupted_write_leaves_no_half_entry(cache, monkeypatch):
    """A write that dies before its rename leaves the previous entry whole
    (and no temporary file behind); the .json is renamed last, so new PTX
    under an old manifest is caught by the hash."""
    ir = _ir(8)
    good = _gpu.compile_to_cache(ir, CHIP)
    ptx, js = _entry(cache, ir)
    before = _read(ptx), _read(js)
    real_replace = os.replace
    calls = []

    def dying_replace(src, dst):
        calls.append(dst)
        if dst.endswith(".ptx"):
            raise KeyboardInterrupt  # the copy / write is interrupted
        real_replace(src, dst)
    monkeypatch.setattr(os, "replace", dying_replace)
    with pytest.raises(KeyboardInterrupt):
        _gpu.compile_to_cache(ir, CHIP, force=True)
    monkeypatch.setattr(os, "replace", real_replace)
    assert calls == [ptx]
    assert (_read(ptx), _read(js)) == before
    assert not [n for n in os.listdir(str(cache)) if n.endswith(".tmp")]
    _no_compiler(monkeypatch)
    assert _gpu.compile_to_cache(ir, CHIP) == good
    # New PTX with the old manifest (dying at the .json rename instead).
    data = bytearray(_read(ptx))
    data[-2:] = b"//"
    _write(ptx, bytes(data))
    with pytest.raises(attn.AttnError, match="does not match the sha256"):
        _gpu.compile_to_cache(ir, CHIP)


def test_schema_check_names_the_field():
    good = {"entries": [{
        "sizes": {"B": ["q", "0"]},
        "inputs": [{"name": "q", "dtype": "bf16", "shape": ["B"]}],
        "outputs": [{"name": "o", "dtype": "bf16", "shape": ["B"]}],
        "params": {"nsplit": {"blocks": "B", "tiles": "1", "ctas_per_sm": 4,
                              "max": 8}},
        "values": {"n": "B*2"},
        "limits": [{"expr": "B*2", "below": 64, "what": "rows"}],
        "workspaces": [{"name": "w", "elements": "B", "dtype": "f32"}],
        "tensormaps": [{"name": "w_map", "tensor": "w", "box": [8, 1],
                        "swizzle": 128, "shape": ["B", "1"]}],
        "launches": [{"kernel": "k", "grid": ["B", "1", "1"],
                      "block": [128, 1, 1], "smem": 0, "args": ["q", "o"],
                      "when": "B > 0"}]}]}
    _cache.check_manifest(good)
    cases = [
        (("entries",), [], "manifest.entries is empty"),
        (("entries", 0, "sizes", "B"), ["q"], r"sizes\.B must be"),
        (("entries", 0, "inputs"), [], r"inputs is empty"),
        (("entries", 0, "inputs", 0, "dtype"), "f8", r"dtype 'f8' is not one"),
        (("entries", 0, "outputs", 0, "shape"), ["B", 1],
         r"outputs\[0\]\.shape\[1\] must be a string, got int"),
        (("entries", 0, "params", "nsplit", "max"), "8",
         r"nsplit\.max must be an integer"),
        (("entries", 0, "values", "n"), 2, r"values\.n must be a string"),
        (("entries", 0, "limits", 0, "below"), "64",
         r"limits\[0\]\.below must be an integer"),
        (("entries", 0, "workspaces", 0, "elements"), None,
         r"workspaces\[0\]\.elements must be a string"),
        (("entries", 0, "tensormaps", 0, "box"), [8, "1"],
         r"tensormaps\[0\]\.box\[1\] must be an integer"),
        (("entries", 0, "tensormaps", 0, "shape"), ["B", 1],
         r"tensormaps\[0\]\.shape\[1\] must be a string"),
        (("entries", 0, "tensormaps", 0, "tensor"), None,
         r"tensormaps\[0\]\.tensor must be a string"),
        (("entries", 0, "launches", 0, "block"), [128, True, 1],
         r"block\[1\] must be an integer, got bool"),
        (("entries", 0, "launches", 0, "when"), 1,
         r"launches\[0\]\.when must be a string"),
    ]
    for path, value, text in cases:
        m = json.loads(json.dumps(good))
        target = m
        for p in path[:-1]:
            target = target[p]
        target[path[-1]] = value
        with pytest.raises(ValueError, match=text):
            _cache.check_manifest(m)
    for field in ("sizes", "inputs", "outputs", "launches"):
        m = json.loads(json.dumps(good))
        del m["entries"][0][field]
        with pytest.raises(ValueError, match=r"entries\[0\] has no '%s'"
                                             % field):
            _cache.check_manifest(m)


def test_limits_are_errors_naming_the_size():
    entry = {"limits": [{"expr": "T*(H/Hkv)", "below": 2**31,
                         "what": "query rows T x H/Hkv"},
                        {"expr": "S", "below": 100, "what": "keys S"}]}
    _gpu.check_limits(entry, {"T": 2**28 - 1, "H": 8, "Hkv": 1, "S": 99})
    with pytest.raises(attn.CompilerError,
                       match=r"query rows T x H/Hkv = 2147483648: the "
                       r"kernels take T\*\(H/Hkv\) below 2\^31"):
        _gpu.check_limits(entry, {"T": 2**28, "H": 8, "Hkv": 1, "S": 1})
    with pytest.raises(attn.CompilerError,
                       match=r"keys S = 100: the kernels take S below 100$"):
        _gpu.check_limits(entry, {"T": 1, "H": 8, "Hkv": 1, "S": 100})
    _gpu.check_limits({}, {})  # no limits


def test_real_manifests_pass_the_schema(cache):
    """Every op family's manifest as the compiler writes it passes."""
    sh = (1, 1, 1, 64)
    irs = [ops.full_module_ir(sh, sh, sh, ("bf16",) * 3, True),
           ops.sparse_module_ir(sh, sh, sh, (1, 1, 1, 1), ("bf16",) * 3,
                                True, None, 64),
           ops.indexer_module_ir((1, 1, 16, 64), (1, 1, 64), (1, 1, 16),
                                 ("bf16",) * 3, True),
           ops.recurrent_module_ir("delta", {
               "q": sh, "k": sh, "v": sh, "beta": (1, 1, 1),
               "g": (1, 1, 1, 64), "s0": (1, 1, 64, 64)},
               {"q": "bf16", "k": "bf16", "v": "bf16", "beta": "f32",
                "g": "f32", "s0": "f32"}, output_final_state=True,
               form="chunked")]
    for ir in irs:
        _, manifest = _gpu.compile_to_cache(ir, CHIP)
        _cache.check_manifest(manifest)
        ptx, js = _entry(cache, ir)
        assert _cache.load(os.path.splitext(js)[0],
                           os.path.basename(js)[:-5]) is not None


# --- attn.precompile ---------------------------------------------------------

def test_precompile_list_compiles_nothing(monkeypatch, capsys):
    monkeypatch.setattr(_gpu, "compile_to_cache",
                        lambda *a, **k: pytest.fail("--list compiled"))
    assert precompile.main(["--list", "--chip", "sm_80"]) == 0
    out = capsys.readouterr().out.splitlines()
    sets = precompile.kernel_sets()
    assert out[:-1] == [name for name, _, _, _, _ in sets]
    assert len(set(out[:-1])) == len(sets)  # names tell the sets apart
    assert out[-1].startswith("%d kernel sets for sm_80: attn.full " %
                              len(sets))
    for op in ("attn.full", "attn.sparse", "attn.indexer", "attn.topk",
               "attn.delta", "attn.linear"):
        assert op in out[-1]


def test_precompile_progress_and_summary(tmp_path, monkeypatch, capsys):
    """One [i/N] line per kernel set on stderr, what it covers at the
    start, a summary naming the cache at the end; a failed set is reported
    and makes the exit status 1 without stopping the others."""
    compiled = []
    sets = precompile.kernel_sets()
    bad = sets[3][3:]  # (ir, options)

    def fake(ir, chip, force=False, options=""):
        assert force and chip == "sm_90a"
        compiled.append((ir, options))
        if (ir, options) == bad:
            raise attn.CompilerError("<attn.ops>:1:1: error: planted")
        return "", {}
    monkeypatch.setattr(_gpu, "compile_to_cache", fake)
    monkeypatch.setenv("ATTN_KERNEL_CACHE", "restored after the test")
    rc = precompile.main(["--cache", str(tmp_path)])
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    n = len(sets)
    assert rc == 1 and len(compiled) == n
    assert compiled == [(ir, o) for _, _, _, ir, o in sets]
    assert err[0] == "attn.precompile: %d kernel sets for sm_90a into %s" \
        % (n, tmp_path)
    assert "attn.full" in err[1] and "bf16, f16, f32" in err[1]
    progress = err[2:]
    assert len(progress) == n
    width = len(str(n))
    for i, (line, (name, _, _, _, _)) in enumerate(zip(progress, sets), 1):
        prefix = "[%*d/%d] %s" % (width, i, n, name)
        assert line.startswith(prefix), line
        if i == 4:
            assert line == prefix + ": FAILED: <attn.ops>:1:1: error: planted"
        else:
            assert re.fullmatch(re.escape(prefix) + r" \(\d+\.\d s\)", line)
    assert re.fullmatch(r"%d kernel sets for sm_90a in %s \(\d+ s\); 1 failed: "
                        r"%s\n" % (n - 1, re.escape(str(tmp_path)),
                                   re.escape(sets[3][0])), captured.out)


def test_precompile_fills_a_cache_that_serves_without_compiler(
        tmp_path, monkeypatch, capsys):
    """The real thing on two kernel sets: what precompile writes passes the
    checks on a machine without the compiler."""
    sets = precompile.kernel_sets()[:1] + [
        s for s in precompile.kernel_sets() if s[1] == "attn.topk"][:1]
    monkeypatch.setattr(precompile, "kernel_sets", lambda tiles=False: sets)
    if _gpu._compiler() is None:
        pytest.fail("the attn compiler library is not built")
    monkeypatch.setenv("ATTN_KERNEL_CACHE", "restored after the test")
    assert precompile.main(["--cache", str(tmp_path)]) == 0
    assert "2 kernel sets for sm_90a in %s" % tmp_path in capsys.readouterr().out
    _no_compiler(monkeypatch)
    for _, _, _, ir, options in sets:
        ptx, manifest = _gpu.compile_to_cache(ir, "sm_90a", options=options)
        assert ptx.startswith("//") and manifest["entries"]


def test_precompile_stops_when_the_first_set_fails(tmp_path, monkeypatch,
                                                   capsys):
    """A failing first set means the chip, options or build are wrong: one
    error, not one per kernel set."""
    calls = []

    def fake(ir, chip, force=False, options=""):
        calls.append(ir)
        raise attn.CompilerError("error: attn-to-nvvm: unknown chip 'sm_99'")
    monkeypatch.setattr(_gpu, "compile_to_cache", fake)
    monkeypatch.setenv("ATTN_KERNEL_CACHE", str(tmp_path))
    assert precompile.main(["--chip", "sm_99"]) == 1
    err = capsys.readouterr().err
    assert len(calls) == 1 and "unknown chip 'sm_99'" in err
    assert err.rstrip().endswith("stopping: the first kernel set failed")


def test_unwritable_cache_is_a_clear_error(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    bad = str(blocker / "cache")
    monkeypatch.setenv("ATTN_KERNEL_CACHE", bad)
    if _gpu._compiler() is None:
        pytest.fail("the attn compiler library is not built")
    with pytest.raises(attn.AttnError, match="cannot write the kernel cache "
                                             "entry .*a-file/cache/.*"
                                             "ATTN_KERNEL_CACHE"):
        _gpu.compile_to_cache(_ir(9), CHIP)
    assert precompile.main(["--cache", bad]) == 2
    assert "cannot create the cache directory %s" % bad in \
        capsys.readouterr().err


@pytest.mark.parametrize("kw,name", [
    (dict(ir=b"func.func", chip=CHIP), "ir"),
    (dict(ir="x", chip=90), "chip"),
    (dict(ir="x", chip=CHIP, options=None), "options"),
    (dict(ir="x", chip=CHIP, force=1), "force")])
def test_compile_to_cache_argument_types(kw, name):
    with pytest.raises(TypeError, match="compile_to_cache: %s must be" % name):
        _gpu.compile_to_cache(**kw)
