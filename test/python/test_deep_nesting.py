"""IR nested deeper than kMaxIRNesting is a CompilerError naming the place
through the C API (attnVerify, attnCpuCompile, attnCompileModule), never a
stack overflow of the interpreter; nesting under the limit compiles, on
the large stack the library runs the compiler on (issue 14, class 3).
attn-opt / attn-run / attn-translate: test/Tools/deep-nesting.test."""

import ctypes

import pytest

import attn
from attn import _jit


def _deep_array_ir(depth):
    return ("func.func @f() attributes {a = " + "[" * depth + "]" * depth +
            "} {\n  return\n}\n")


@pytest.fixture(autouse=True)
def _library():
    if not _jit.library_available():
        pytest.fail("libAttnC.so is not built")


def test_deep_ir_is_a_located_error():
    ir = _deep_array_ir(200000)
    with pytest.raises(attn.CompilerError, match=r"\"<deep>\":1:\d+\): error: the "
                       r"input nests brackets more than 2048 levels deep"):
        _jit.verify(ir, "<deep>")
    with pytest.raises(attn.CompilerError, match="more than 2048 levels deep"):
        _jit.Module(ir, "<deep>")


def test_deep_ir_through_attn_compile_module():
    lib = _jit._load()
    lib.attnCompileModule.restype = ctypes.c_int
    lib.attnCompileModule.argtypes = [
        ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_char_p,
        ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p),
        ctypes.POINTER(ctypes.c_void_p)]
    data = _deep_array_ir(200000).encode()
    out, manifest, diags = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
    rc = lib.attnCompileModule(data, len(data), b"cpu", None, ctypes.byref(out),
                               ctypes.byref(manifest), ctypes.byref(diags))
    assert rc != 0
    msg = _jit._take_error(lib, diags)
    assert "more than 2048 levels deep" in msg, msg


def test_nesting_under_the_limit_compiles():
    ir = _deep_array_ir(2040)
    _jit.verify(ir, "<deep>")
    module = _jit.Module(ir, "<deep>")
    assert module.call("f", [], []) == []
