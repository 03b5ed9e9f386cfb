"""attn: an MLIR compiler for attention variants, from Python.

``attn.ops`` holds the user-facing ops (FLA / SDPA conventions, layouts
``[B, T, H, D]``). numpy arrays run on the CPU backend: each op's IR is
compiled once per configuration by the attn-to-cpu pipeline and JIT, then
cached. Bad shapes raise :class:`attn.CompilerError` carrying the
compiler's located diagnostic; scalar arguments and operand dtypes are
checked before any IR is written (a wrong type raises a ``TypeError``, a
bad value a ``ValueError``, both instances of ``CompilerError`` naming
the op and the argument; floats are never rounded to integers).

The package reaches the compiler through its C API (``libAttnC.so``, loaded
with ctypes); it finds the library in the build tree (``$ATTN_BUILD_DIR`` or
``<repo>/build``) or an install prefix (``$ATTN_PREFIX``). ``pip install
./python`` installs the package on its own (offline: nothing to download).
"""

from ._errors import AttnError, CompilerError
from . import ops

__all__ = ["AttnError", "CompilerError", "ops"]
__version__ = "0.1.0"
