"""ctypes binding of the attn CPU JIT (include/attn-c/CpuJit.h).

Compiles attn IR for the host and calls its functions on numpy arrays through
MLIR memref descriptors. Result buffers are allocated by the compiled code and
copied into numpy arrays, then released.
"""

import ctypes
import os
import threading

import numpy as np

from ._errors import AttnError, CompilerError

# The C API library (include/attn-c/Attn.h, which also reaches the
# CpuJit / GpuCompile functions of the runtime it links), else the runtime
# library of older build trees.
_LIB_NAMES = ("libAttnC.so", "libAttnCpuRuntime.so")


def build_dir():
    """The attn build tree: $ATTN_BUILD_DIR, else <repo>/build."""
    env = os.environ.get("ATTN_BUILD_DIR")
    if env:
        return os.path.abspath(env)
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.abspath(os.path.join(here, "..", "..", "build"))


def library_dirs():
    """Where the compiler's libraries are looked for, in order: the build
    tree's lib/ ($ATTN_BUILD_DIR or <repo>/build), then $ATTN_PREFIX/lib
    (a `cmake --install` prefix, for a pip-installed package)."""
    dirs = [os.path.join(build_dir(), "lib")]
    prefix = os.environ.get("ATTN_PREFIX")
    if prefix:
        dirs.append(os.path.join(os.path.abspath(prefix), "lib"))
    return dirs


_lib = None
_lib_lock = threading.Lock()


def _load():
    global _lib
    with _lib_lock:
        if _lib is not None:
            return _lib
        candidates = [os.path.join(d, n) for d in library_dirs()
                      for n in _LIB_NAMES]
        path = next((c for c in candidates if os.path.exists(c)), None)
        if path is None:
            raise AttnError(
                "attn is not built: none of %s exists. Build it (bash "
                "scripts/setup.sh), point ATTN_BUILD_DIR at a build tree or "
                "ATTN_PREFIX at an install prefix." % ", ".join(candidates))
        lib = ctypes.CDLL(path)
        lib.attnCpuCompile.restype = ctypes.c_void_p
        lib.attnCpuCompile.argtypes = [ctypes.c_char_p, ctypes.c_size_t,
                                       ctypes.c_char_p,
                                       ctypes.POINTER(ctypes.c_void_p)]
        lib.attnCpuCompileWithOptions.restype = ctypes.c_void_p
        lib.attnCpuCompileWithOptions.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_char_p,
            ctypes.POINTER(ctypes.c_void_p)]
        lib.attnVerify.restype = ctypes.c_int
        lib.attnVerify.argtypes = [ctypes.c_char_p, ctypes.c_size_t,
                                   ctypes.c_char_p,
                                   ctypes.POINTER(ctypes.c_void_p)]
        lib.attnCpuInvoke.restype = ctypes.c_int
        lib.attnCpuInvoke.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                      ctypes.POINTER(ctypes.c_void_p),
                                      ctypes.POINTER(ctypes.c_void_p)]
        lib.attnCpuDestroy.argtypes = [ctypes.c_void_p]
        lib.attnFreeString.argtypes = [ctypes.c_void_p]
        lib.attnFreeBuffer.argtypes = [ctypes.c_void_p]
        _lib = lib
        return lib


def _take_error(lib, err):
    msg = ctypes.string_at(err.value).decode("utf-8", "replace") if err.value else ""
    if err.value:
        lib.attnFreeString(err)
    return msg


def library_available():
    """Whether the compiler's library loads (else: the tools, _tools.py)."""
    try:
        _load()
        return True
    except AttnError:
        return False


def compile_module(ir, name="<attn.ops>", options=""):
    """A compiled module: through the library, or (library missing, tools
    found) through attn-run."""
    from . import _tools
    if not library_available() and _tools.available():
        return _tools.ToolModule(ir, name, options)
    return Module(ir, name, options)


def verify(ir, name="<attn.ops>"):
    """Parses and verifies `ir`; raises CompilerError with the diagnostics."""
    from . import _tools
    if not library_available() and _tools.available():
        return _tools.verify(ir, name)
    lib = _load()
    data = ir.encode("utf-8")
    err = ctypes.c_void_p()
    if lib.attnVerify(data, len(data), name.encode(), ctypes.byref(err)):
        raise CompilerError(_take_error(lib, err))


# attnCpuInvoke's status for a failed allocation (ATTN_CPU_OUT_OF_MEMORY).
_OUT_OF_MEMORY = 2

_DESC_TYPES = {}


def _desc_type(rank):
    if rank not in _DESC_TYPES:
        class Desc(ctypes.Structure):
            _fields_ = [("allocated", ctypes.c_void_p),
                        ("aligned", ctypes.c_void_p),
                        ("offset", ctypes.c_int64),
                        ("sizes", ctypes.c_int64 * rank),
                        ("strides", ctypes.c_int64 * rank)]
        _DESC_TYPES[rank] = Desc
    return _DESC_TYPES[rank]


def _descriptor(array):
    desc = _desc_type(array.ndim)()
    ptr = array.ctypes.data
    desc.allocated = ptr
    desc.aligned = ptr
    desc.offset = 0
    for i, (n, s) in enumerate(zip(array.shape, array.strides)):
        desc.sizes[i] = n
        desc.strides[i] = s // array.itemsize
    return desc


class Module:
    """A compiled attn module; call its functions with numpy arrays.
    `options` are attn-to-cpu pipeline options ("precision=fp8
    error-budget=0.02"; "" = the defaults)."""

    def __init__(self, ir, name="<attn.ops>", options=""):
        self._lib = _load()
        data = ir.encode("utf-8")
        err = ctypes.c_void_p()
        handle = self._lib.attnCpuCompileWithOptions(
            data, len(data), name.encode(), options.encode(),
            ctypes.byref(err))
        if not handle:
            raise CompilerError(_take_error(self._lib, err))
        self._handle = handle

    def __del__(self):
        handle = getattr(self, "_handle", None)
        if handle:
            self._lib.attnCpuDestroy(handle)
            self._handle = None

    def call(self, function, inputs, results):
        """Calls `function` on C-contiguous numpy `inputs`; `results` lists
        (ndim, numpy dtype) of each result. Returns the results as arrays."""
        descs = [_descriptor(a) for a in inputs]
        res_types = [_desc_type(ndim) for ndim, _ in results]
        if len(res_types) == 1:
            res_struct = res_types[0]()
            res_descs = [res_struct]
        else:
            class Results(ctypes.Structure):
                _fields_ = [("r%d" % i, t) for i, t in enumerate(res_types)]
            res_struct = Results()
            res_descs = [getattr(res_struct, "r%d" % i) for i in range(len(res_types))]
        pointers = []
        if results:
            pointers.append(ctypes.c_void_p(ctypes.addressof(res_struct)))
        pointers += [ctypes.c_void_p(ctypes.addressof(d)) for d in descs]
        packed = (ctypes.c_void_p * len(pointers))(
            *[ctypes.addressof(p) for p in pointers])
        err = ctypes.c_void_p()
        rc = self._lib.attnCpuInvoke(self._handle, function.encode(), packed,
                                     ctypes.byref(err))
        if rc == _OUT_OF_MEMORY:
            # The compiled code could not allocate a buffer (and released
            # what it had): numpy's answer to the same request.
            raise MemoryError(_take_error(self._lib, err))
        if rc:
            raise AttnError(_take_error(self._lib, err))
        spans = [(a.ctypes.data, a.ctypes.data + a.nbytes) for a in inputs]
        try:
            return [self._copy_out(desc, ndim, dtype)
                    for desc, (ndim, dtype) in zip(res_descs, results)]
        finally:
            # Free each buffer of the compiled code once, after every result
            # is copied (results may alias each other or an input), also
            # when a copy fails (numpy's MemoryError).
            freed = set()
            for desc in res_descs:
                ptr = desc.allocated or 0
                if ptr and ptr not in freed and \
                        not any(lo <= ptr < hi for lo, hi in spans):
                    freed.add(ptr)
                    self._lib.attnFreeBuffer(desc.allocated)

    @staticmethod
    def _copy_out(desc, ndim, dtype):
        """A numpy copy of the result `desc` describes."""
        dtype = np.dtype(dtype)
        shape = tuple(desc.sizes[i] for i in range(ndim))
        strides = tuple(desc.strides[i] * dtype.itemsize for i in range(ndim))
        count = int(np.prod(shape)) if shape else 1
        base = desc.aligned + desc.offset * dtype.itemsize
        if count == 0:
            return np.zeros(shape, dtype)
        span = max((n - 1) * s for n, s in zip(shape, strides)) + dtype.itemsize \
            if shape else dtype.itemsize
        raw = (ctypes.c_char * span).from_address(base)
        view = np.lib.stride_tricks.as_strided(
            np.frombuffer(raw, dtype=np.uint8).view(dtype),
            shape=shape, strides=strides)
        return np.array(view, copy=True)
