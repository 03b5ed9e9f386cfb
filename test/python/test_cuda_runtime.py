"""The attn CUDA runtime: it always answers the probe; on a machine with a
GPU (and torch) it loads attn-generated PTX and launches it correctly, and a
driver failure names the failing call."""

import ctypes
import os

import numpy as np
import pytest

from attn import _cuda, _jit, AttnError
from gpu_env import cuda_torch


_gpu = cuda_torch


def test_probe_answers():
    ok, text = _cuda.probe()
    assert text  # a device name, or why there is none
    if not ok:
        # Either the driver library is missing, or a named driver call failed.
        assert text.startswith("cannot load the CUDA driver") or \
            " failed: " in text or "no device" in text, text


def test_axpy_ptx_runs():
    torch = _gpu()
    path = os.path.join(_jit.build_dir(), "test", "gpu", "smoke.ptx")
    module = _cuda.Module(open(path, "rb").read())
    n = 1000
    x = torch.randn(n, device="cuda", dtype=torch.float32)
    y = torch.randn(n, device="cuda", dtype=torch.float32)
    expected = 2.5 * x.double() + y.double()

    def memref(t):  # allocated, aligned, offset, size, stride
        p = ctypes.c_uint64(t.data_ptr())
        return [p, ctypes.c_uint64(t.data_ptr()), ctypes.c_int64(0),
                ctypes.c_int64(t.numel()), ctypes.c_int64(1)]

    params = [ctypes.c_float(2.5)] + memref(x) + memref(y) + [ctypes.c_int64(n)]
    module.launch("axpy", ((n + 127) // 128,), (128,), params)
    _cuda.synchronize()
    err = (y.double() - expected).abs().max().item()
    assert err < 1e-5


def test_bad_image_names_the_driver_call():
    _gpu()
    with pytest.raises(AttnError, match="cuModuleLoadDataEx failed"):
        _cuda.Module(b"this is not PTX")


def test_unknown_kernel_names_the_driver_call():
    _gpu()
    path = os.path.join(_jit.build_dir(), "test", "gpu", "smoke.ptx")
    module = _cuda.Module(open(path, "rb").read())
    with pytest.raises(AttnError, match="cuModuleGetFunction failed.*'nope'"):
        module.launch("nope", (1,), (1,), [])
