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
            lib.attnCudaLoadModuleOn.restype = ctypes.c_void_p
            lib.attnCudaLoadModuleOn.argtypes = [
                ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int,
                ctypes.POINTER(ctypes.c_void_p)]
            lib.attnCudaUnloadModule.argtypes = [ctypes.c_void_p]
            lib.attnCudaLaunch.argtypes = [
                ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint * 3,
                ctypes.c_uint * 3, ctypes.c_uint, ctypes.c_void_p,
                ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p)]
            lib.attnCudaGetFunction.restype = ctypes.c_void_p
            lib.attnCudaGetFunction.argtypes = [
                ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint,
                ctypes.POINTER(ctypes.c_void_p)]
            lib.attnCudaLaunchFunction.argtypes = [
                ctypes.c_void_p, ctypes.c_uint * 3, ctypes.c_uint * 3,
                ctypes.c_uint, ctypes.c_void_p,
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


class TensorMap:
    """Storage for the TMA descriptor of a row-major, contiguous tensor of
    a fixed `shape`, `element_bytes`, `box` (innermost first) and
    `swizzle`, re-encoded (only) when the tensor's address changes:
    `value` is the kernel parameter (128 bytes, 64-byte aligned)."""

    def __init__(self, shape, element_bytes, box, swizzle):
        self._lib = _load()
        rank = len(shape)
        dims = [max(1, int(d)) for d in reversed(shape)]
        strides, stride = [], element_bytes
        for d in dims[:-1]:
            stride *= d
            strides.append(stride)
        self._raw = (ctypes.c_uint8 * 192)()
        self._at = (ctypes.addressof(self._raw) + 63) // 64 * 64
        self.value = (ctypes.c_uint8 * 128).from_address(self._at)
        self.value._keep = self._raw  # the storage lives as long as the value
        self._args = (element_bytes, rank)
        self._dims = (ctypes.c_uint64 * rank)(*dims)
        self._strides = (ctypes.c_uint64 * max(1, rank - 1))(*strides)
        self._box = (ctypes.c_uint32 * rank)(*[int(b) for b in box])
        self._swizzle = swizzle
        self._address = None

    def encode(self, address):
        if address == self._address:
            return
        err = ctypes.c_void_p()
        if self._lib.attnCudaEncodeTensorMap(
                self._at, self._args[0], self._args[1], address, self._dims,
                self._strides, self._box, self._swizzle, ctypes.byref(err)):
            self._address = None
            _raise(self._lib, err)
        self._address = address


class Module:
    """A loaded PTX / cubin image, on CUDA device `device` (its primary
    context, the one torch uses): its kernels run there."""

    def __init__(self, image, device=0):
        self._lib = _load()
        if isinstance(image, str):
            image = image.encode("utf-8")
        err = ctypes.c_void_p()
        handle = self._lib.attnCudaLoadModuleOn(image, len(image), int(device),
                                                ctypes.byref(err))
        if not handle:
            _raise(self._lib, err)
        self._handle = handle

    def __del__(self):
        if getattr(self, "_handle", None):
            self._lib.attnCudaUnloadModule(self._handle)
            self._handle = None

    def function(self, kernel, shared_bytes=0):
        """`kernel`'s handle for Function.launch, dynamic shared memory up
        to `shared_bytes` enabled (the runtime keeps one per kernel until
        the module is unloaded)."""
        err = ctypes.c_void_p()
        fn = self._lib.attnCudaGetFunction(self._handle, kernel.encode(),
                                           shared_bytes, ctypes.byref(err))
        if not fn:
            _raise(self._lib, err)
        return Function(self, fn, shared_bytes)

    def launch(self, kernel, grid, block, params, shared_bytes=0, stream=None):
        """Launches `kernel`; `params` are ctypes values (c_float, c_uint64,
        c_int64, ...) in the kernel's parameter order."""
        values = list(params)
        pointers = (ctypes.c_void_p * max(1, len(values)))(
            *[ctypes.addressof(v) for v in values])
        self.function(kernel, shared_bytes).launch(grid, block, pointers,
                                                   stream)


class Function:
    """A kernel of a loaded Module (which it keeps alive), launched again
    and again without a lookup by name."""

    def __init__(self, module, handle, shared_bytes):
        self._module = module  # the function lives as long as its module
        self._lib = module._lib
        self._handle = handle
        self.shared_bytes = shared_bytes

    def launch(self, grid, block, pointers, stream=None):
        """cuLaunchKernel: `grid` / `block` (sequences, or ctypes c_uint * 3
        arrays made once), `pointers` a ctypes array of the parameters'
        addresses, `stream` a CUstream value (None = the legacy stream)."""
        if not isinstance(grid, ctypes.Array):
            grid = dims3(grid)
        if not isinstance(block, ctypes.Array):
            block = dims3(block)
        err = ctypes.c_void_p()
        if self._lib.attnCudaLaunchFunction(self._handle, grid, block,
                                            self.shared_bytes, stream,
                                            pointers, ctypes.byref(err)):
            _raise(self._lib, err)


def dims3(dims):
    """A launch's grid or block as the runtime takes it (c_uint * 3)."""
    return (ctypes.c_uint * 3)(*(list(dims) + [1, 1, 1])[:3])
