"""Reliability regressions (issue 14): one reproducer per defect class that a
bad-input campaign found, run as a user would run it. Each must end in a
clear, located error and a non-zero exit (or a Python exception) — never a
signal, an LLVM fatal error, a hang, exit 0 with an error, or a silently
different result. The focused tests of each fix live beside the code they
test (lit files named in each test); this file keeps the campaign's own
reproducers from coming back.
"""

import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.abspath(os.environ.get("ATTN_BUILD_DIR",
                                       os.path.join(REPO, "build")))
BIN = os.path.join(BUILD, "bin")
FULL_STATIC = os.path.join(REPO, "test", "Tools", "Inputs", "full-static.mlir")
AXPY = os.path.join(REPO, "test", "Pipelines", "Inputs", "axpy.mlir")

sys.path.insert(0, os.path.join(REPO, "python"))


def tool(name, *args, timeout=120, **kw):
    """Runs a built tool; fails the test on a signal, an LLVM fatal error or
    a hang (the timeout), whatever the exit code."""
    try:
        r = subprocess.run([os.path.join(BIN, name)] + [str(a) for a in args],
                           capture_output=True, text=True, timeout=timeout,
                           **kw)
    except subprocess.TimeoutExpired:
        pytest.fail("%s %s hung (no answer in %d s)" % (name, args, timeout))
    assert r.returncode >= 0, "%s died of signal %s:\n%s" % (
        name, signal.Signals(-r.returncode).name, r.stderr[-2000:])
    assert "LLVM ERROR" not in r.stderr, r.stderr[-2000:]
    assert "Stack dump" not in r.stderr, r.stderr[-2000:]
    return r


def refused(r, *words):
    """A non-zero exit whose first error line holds every word of `words`."""
    assert r.returncode != 0, "exit 0 despite: %s" % r.stderr[-2000:]
    errors = [l for l in r.stderr.splitlines() if "error" in l]
    assert errors, "no error message:\n" + r.stderr[-2000:]
    for w in words:
        assert w in r.stderr, "%r not in:\n%s" % (w, r.stderr[-2000:])


# -- 1. Chips -----------------------------------------------------------------
# (test/Pipelines/chips.mlir checks every kind of chip with ptxas.)

@pytest.mark.parametrize("chip, ptx", [("sm_100a", "8.6"), ("sm_120", "8.7"),
                                        ("sm_121a", "8.8"), ("sm_110a", "9.0")])
def test_blackwell_chips_compile(chip, ptx):
    r = tool("attn-opt", FULL_STATIC, "--attn-to-nvvm=chip=" + chip)
    assert r.returncode == 0, r.stderr[-2000:]
    assert ".version " + ptx in r.stdout and ".target " + chip in r.stdout


@pytest.mark.parametrize("chip", ["sm_99", "sm_88", "sm_130", "sm_75", "gfx90a"])
def test_unknown_or_old_chip_is_refused(chip):
    for path in (FULL_STATIC, AXPY):  # with and without attn ops
        refused(tool("attn-opt", path, "--attn-to-nvvm=chip=" + chip,
                     "-o", os.devnull), "'%s'" % chip)


def test_chips_through_the_c_api():
    """Python names a 10.0 device sm_100: the library compiles for it (the
    interpreter used to die in the NVPTX backend) and refuses what it does
    not know with a CompilerError."""
    import attn
    from attn import _gpu, _jit, ops
    if not _jit.library_available():
        pytest.skip("the compiler library is not built")
    ir = ops.full_module_ir((1, 1, 1, 64), (1, 1, 1, 64), (1, 1, 1, 64),
                            ("bf16",) * 3, True)
    ptx, manifest = _gpu.compile_to_cache(ir, "sm_100", force=True)
    assert ".target sm_100" in ptx and manifest["entries"]
    with pytest.raises(attn.CompilerError, match="unknown chip 'sm_99'"):
        _gpu.compile_to_cache(ir, "sm_99", force=True)


# -- 2. Allocation ------------------------------------------------------------
# (test_cpu_out_of_memory.py and test/Tools/attn-run-out-of-memory.test hold
# the focused tests of the checked allocator.)

def test_huge_state_is_a_memory_error():
    import attn
    x = np.zeros((1, 1, 2, 2 ** 19), np.float32)  # a 2 TiB state
    with pytest.raises(MemoryError):
        attn.ops.linear_attn(x, x, x, output_final_state=True)
    qi = np.zeros((1, 2 ** 17, 4, 16), np.float32)
    ki = np.zeros((1, 2 ** 17, 16), np.float32)
    w = np.zeros((1, 2 ** 17, 4), np.float32)
    with pytest.raises(MemoryError):
        attn.ops.lightning_indexer(qi, ki, w)


def test_huge_state_through_the_tools_is_a_memory_error(tmp_path):
    """The same through the tools fallback (no library: attn-run)."""
    env = dict(os.environ, ATTN_BUILD_DIR=str(tmp_path / "no-build"),
               PYTHONPATH=os.path.join(REPO, "python"),
               PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    env.pop("ATTN_PREFIX", None)
    r = subprocess.run([sys.executable, "-c", """
import numpy as np, attn
from attn import _jit
assert not _jit.library_available()
x = np.zeros((1, 1, 2, 2 ** 19), np.float32)
try:
    attn.ops.linear_attn(x, x, x, output_final_state=True)
except MemoryError as e:
    print("MemoryError:", str(e).splitlines()[0])
"""], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.startswith("MemoryError: attn-run"), r.stdout + r.stderr


# -- 3. Input parsing ----------------------------------------------------------

def deep(tmp_path, kind, depth):
    path = tmp_path / ("deep-%s.%s" % (kind, "json" if kind == "json" else "mlir"))
    subprocess.run([sys.executable, os.path.join(REPO, "test", "Tools", "Inputs",
                                                 "make_deep.py"),
                    kind, str(depth), str(path)], check=True)
    return path


def test_deep_nesting_is_refused(tmp_path):
    refused(tool("attn-translate", "--import-hf-config",
                 deep(tmp_path, "json", 200000), "-o", os.devnull), ":1:")
    refused(tool("attn-opt", "--allow-unregistered-dialect",
                 deep(tmp_path, "region", 60000), "-o", os.devnull), ":")


def test_npy_input_header_first():
    r = tool("attn-run", os.path.join(REPO, "test", "Tools", "Inputs",
                                      "return-paths.mlir"),
             "--func=passthrough", "--input=/dev/zero", "--output-dir",
             os.devnull, timeout=30)
    refused(r, "/dev/zero")


def test_long_layer_list_imports_in_linear_time(tmp_path):
    cfg = tmp_path / "long.json"
    subprocess.run([sys.executable, os.path.join(
        REPO, "test", "Target", "Inputs", "make_long_config.py"), "200000",
        str(cfg), "random"], check=True)
    r = tool("attn-translate", "--import-hf-config", cfg, "-o", os.devnull,
             timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]


# -- 4. I/O ----------------------------------------------------------------------

@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_full_disk_is_an_error():
    refused(tool("attn-opt", FULL_STATIC, "-o", "/dev/full"), "cannot write")
    refused(tool("attn-opt", os.path.join(REPO, "examples", "kimi_linear.mlir"),
                 "--attn-plan-memory=json-out=/dev/full", "-o", os.devnull),
            "cannot write")
    refused(tool("attn-translate", "--import-hf-config", os.path.join(
        REPO, "examples", "configs", "kimi_linear.json"), "-o", "/dev/full"),
        "cannot write")


# -- 5. Exit codes -----------------------------------------------------------

def test_missing_toolkit_exits_non_zero(tmp_path):
    for path in (FULL_STATIC, AXPY):
        refused(tool("attn-opt", path, "--attn-to-nvvm=toolkit=%s" %
                     (tmp_path / "nonexistent"), "-o", os.devnull),
                "is not a directory")


def test_bad_ptx_features_are_refused():
    refused(tool("attn-opt", FULL_STATIC,
                 "--attn-to-nvvm=chip=sm_100a features=+ptx80", "-o",
                 os.devnull), "too old for sm_100a")


# -- 6. Silent divergence ----------------------------------------------------

def test_hand_set_precision_is_honoured_or_refused(tmp_path):
    """A non-FP8 plan the GPU kernels do not compute (qk = f16 on f32 inputs)
    is refused by the GPU lowering; the CPU backend emulates it."""
    src = tmp_path / "plan.mlir"
    src.write_text("""
func.func @f(%q: tensor<1x?x4x64xf32>, %k: tensor<1x?x4x64xf32>,
             %v: tensor<1x?x4x64xf32>) -> tensor<1x?x4x64xf32> {
  %o = attn.full %q, %k, %v {causal, precision = #attn.precision<operands = {qk = f16, pv = f32}>}
      : (tensor<1x?x4x64xf32>, tensor<1x?x4x64xf32>, tensor<1x?x4x64xf32>) -> tensor<1x?x4x64xf32>
  return %o : tensor<1x?x4x64xf32>
}
""")
    refused(tool("attn-opt", src, "--attn-to-nvvm", "-o", os.devnull),
            "plans qk = f16", "do not emulate")
    r = tool("attn-opt", src, "--attn-to-cpu", "-o", os.devnull)
    assert r.returncode == 0, r.stderr[-2000:]


# -- 7. Silent acceptance (Python) -------------------------------------------

def test_python_float_arguments_are_not_truncated():
    import attn
    rng = np.random.default_rng(7)
    q = rng.standard_normal((1, 8, 2, 16)).astype(np.float32)
    with pytest.raises(TypeError, match="window"):
        attn.ops.full_attn(q, q, q, causal=True, window=2.9)
    s = rng.standard_normal((1, 8, 8)).astype(np.float32)
    with pytest.raises(TypeError, match="k"):
        attn.ops.topk(s, 2.7)


def test_two_schedule_sources_are_refused(tmp_path):
    cfg = tmp_path / "two.json"
    cfg.write_text(json.dumps({
        "num_hidden_layers": 4, "num_attention_heads": 8, "head_dim": 64,
        "num_key_value_heads": 2,
        "layer_types": ["full_attention"] * 4,
        "attn_type_list": [0, 1, 0, 1]}))
    refused(tool("attn-translate", "--import-hf-config", cfg, "-o",
                 os.devnull), "layer_types", "attn_type_list")


def test_schedule_transform_options_are_checked():
    refused(tool("attn-opt", os.path.join(REPO, "examples", "kimi_linear.mlir"),
                 "--attn-schedule-sparsify=topk=2000000", "-o", os.devnull),
            "topk")


# -- 8. Kernel cache ---------------------------------------------------------

def test_truncated_cache_entry_is_not_served(tmp_path, monkeypatch):
    """A .ptx cut short on its way to a GPU machine is recompiled where the
    compiler exists and refused with a clear error where it does not."""
    import attn
    from attn import _gpu, _jit, ops
    if not _jit.library_available():
        pytest.skip("the compiler library is not built")
    monkeypatch.setenv("ATTN_KERNEL_CACHE", str(tmp_path))
    ir = ops.full_module_ir((1, 1, 1, 64), (1, 1, 1, 64), (1, 1, 1, 64),
                            ("bf16",) * 3, True)
    ptx, _ = _gpu.compile_to_cache(ir, "sm_90a")
    entry = os.path.join(str(tmp_path), _gpu.cache_key(ir, "sm_90a"))
    with open(entry + ".ptx", "r+") as f:
        f.truncate(len(ptx) // 2)
    with pytest.warns(RuntimeWarning):
        again, _ = _gpu.compile_to_cache(ir, "sm_90a")
    assert again == ptx
    with open(entry + ".ptx", "r+") as f:
        f.truncate(len(ptx) // 2)
    monkeypatch.setattr(_gpu, "_compiler", lambda: None)
    with pytest.raises(attn.AttnError, match=r"\.ptx"):
        _gpu.compile_to_cache(ir, "sm_90a")


# -- The second campaign's findings (after the fixes above) ------------------

def test_schedule_transforms_without_a_schedule():
    """attn-schedule-sparsify on a module with no attn op used to segfault
    (the attn dialect was not loaded when it checked its options)."""
    r = tool("attn-opt", os.devnull, "--attn-schedule-sparsify")
    assert r.returncode == 0, r.stderr[-2000:]


def test_c_api_null_args_and_binary_formats():
    """attnCpuInvoke with NULL args used to segfault; a binary format through
    the string API used to come back cut at its first NUL byte."""
    import ctypes
    from attn import _jit
    if not _jit.library_available():
        pytest.skip("the compiler library is not built")
    # A handle of our own: the package's ctypes signatures stay as they are.
    path = next(os.path.join(d, n) for d in _jit.library_dirs()
                for n in _jit._LIB_NAMES if os.path.exists(os.path.join(d, n)))
    lib = ctypes.CDLL(path)
    lib.attnCpuCompile.restype = ctypes.c_void_p
    lib.attnCpuCompile.argtypes = [ctypes.c_char_p, ctypes.c_size_t,
                                   ctypes.c_char_p,
                                   ctypes.POINTER(ctypes.c_char_p)]
    ir = open(FULL_STATIC).read().encode()
    err = ctypes.c_char_p()
    module = lib.attnCpuCompile(ir, len(ir), b"full-static.mlir",
                                ctypes.byref(err))
    assert module, err.value
    lib.attnCpuInvoke.restype = ctypes.c_int
    lib.attnCpuInvoke.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                  ctypes.c_void_p,
                                  ctypes.POINTER(ctypes.c_char_p)]
    assert lib.attnCpuInvoke(module, b"attn", None, ctypes.byref(err)) == 1
    assert b"null" in err.value
    lib.attnGpuCompileWithOptions.restype = ctypes.c_int
    ptx, manifest = ctypes.c_char_p(), ctypes.c_char_p()
    for fmt in (b"bin", b"fatbin", b"llvm"):
        rc = lib.attnGpuCompileWithOptions(
            ir, len(ir), b"full-static.mlir", b"sm_90a", b"format=" + fmt,
            ctypes.byref(ptx), ctypes.byref(manifest), ctypes.byref(err))
        assert rc == 1 and b"PTX text only" in err.value, (fmt, err.value)
