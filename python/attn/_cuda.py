"""ctypes binding of the attn CUDA runtime (include/attn-c/CudaRuntime.h).

Loads PTX / cubin and launches kernels through the CUDA driver, which the
runtime opens with dlopen: this module needs neither MLIR nor the CUDA SDK,
so a GPU machine without the compiler can run kernels compiled elsewhere.
Device pointers of torch CUDA tensors (``t.data_ptr()``) can be passed as
kernel parameters directly (the runtime uses the primary context).
"""

import ctypes
import os
import threading

from ._errors import AttnError
from ._jit import build_dir

_lib = None
_lock = threading.Lock()


def _load():
    global _lib
    with _lock:
        if _lib is None:
            path = os.path.join(build_dir(), "lib", "libattn_cuda_runtime.so")
            if not os.path.exists(path):
                raise AttnError("the attn CUDA runtime is missing: %s" % path)
            lib = ctypes.CDLL(path)
            lib.attnCudaProbe.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
            lib.attnCudaLoadModule.restype = ctypes.c_void_p
            lib.attnCudaLoadModule.argtypes = [ctypes.c_char_p, ctypes.c_size_t,
                                               ctypes.POINTER(ctypes.c_void_p)]
            lib.attnCudaUnloadModule.argtypes = [ctypes.c_void_p]
            lib.attnCudaLaunch.argtypes = [
                ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint * 3,
                ctypes.c_uint * 3, ctypes.c_uint, ctypes.c_void_p,
                ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p)]
            lib.attnCudaSynchronize.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
            lib.attnCudaEncodeTensorMap.argtypes = [
                ctypes.c_void_p, ctypes.c_uint, ctypes.c_uint, ctypes.c_uint64,
                ctypes.POINTER(ctypes.c_uint64), ctypes.POINTER(ctypes.c_uint64),
                ctypes.POINTER(ctypes.c_uint32), ctypes.c_uint,
                ctypes.POINTER(ctypes.c_void_p)]
            _lib = lib
        return _lib


def _raise(lib, err):
    msg = ctypes.string_at(err.value).decode("utf-8", "replace") if err.value else "?"
    if err.value:
        ctypes.CDLL(None).free(err)
    raise AttnError(msg)


def probe():
    """(True, device name) or (False, why not)."""
    buf = ctypes.create_string_buffer(512)
    ok = _load().attnCudaProbe(buf, len(buf)) == 0
    return ok, buf.value.decode("utf-8", "replace")


def synchronize():
    lib = _load()
    err = ctypes.c_void_p()
    if lib.attnCudaSynchronize(ctypes.byref(err)):
        _raise(lib, err)


def tensor_map(address, shape, element_bytes, box, swizzle):
    """A TMA descriptor (CUtensorMap) of the row-major, contiguous tensor
    of `shape` at device `address`: `box` innermost first, rows outside the
    tensor read as zeros. Returns a ctypes value to pass as the kernel
    parameter (its 128 bytes, 64-byte aligned)."""
    lib = _load()
    rank = len(shape)
    dims = [max(1, int(d)) for d in reversed(shape)]
    strides, stride = [], element_bytes
    for d in dims[:-1]:
        stride *= d
        strides.append(stride)
    raw = (ctypes.c_uint8 * 192)()
    at = (ctypes.addressof(raw) + 63) // 64 * 64
    value = (ctypes.c_uint8 * 128).from_address(at)
    value._keep = raw  # the storage lives as long as the value
    err = ctypes.c_void_p()
    if lib.attnCudaEncodeTensorMap(
            at, element_bytes, rank, address,
            (ctypes.c_uint64 * rank)(*dims),
            (ctypes.c_uint64 * max(1, rank - 1))(*strides),
            (ctypes.c_uint32 * rank)(*[int(b) for b in box]), swizzle,
            ctypes.byref(err)):
        _raise(lib, err)
    return value


class Module:
    """A loaded PTX / cubin image."""

    def __init__(self, image):
        self._lib = _load()
        if isinstance(image, str):
            image = image.encode("utf-8")
        err = ctypes.c_void_p()
        handle = self._lib.attnCudaLoadModule(image, len(image), ctypes.byref(err))
        if not handle:
            _raise(self._lib, err)
        self._handle = handle

    def __del__(self):
        if getattr(self, "_handle", None):
            self._lib.attnCudaUnloadModule(self._handle)
            self._handle = None

    def launch(self, kernel, grid, block, params, shared_bytes=0, stream=None):
        """Launches `kernel`; `params` are ctypes values (c_float, c_uint64,
        c_int64, ...) in the kernel's parameter order."""
        grid = (ctypes.c_uint * 3)(*(list(grid) + [1, 1, 1])[:3])
        block = (ctypes.c_uint * 3)(*(list(block) + [1, 1, 1])[:3])
        values = list(params)
        pointers = (ctypes.c_void_p * max(1, len(values)))(
            *[ctypes.addressof(v) for v in values])
        err = ctypes.c_void_p()
        if self._lib.attnCudaLaunch(self._handle, kernel.encode(), grid, block,
                                    shared_bytes, stream, pointers,
                                    ctypes.byref(err)):
            _raise(self._lib, err)
