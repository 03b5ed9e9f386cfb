"""The command-line tools as the compiler when its library is missing.

Where libAttnC.so cannot be loaded (a machine with attn's tools installed
but not its libraries, or an install prefix without them) but `attn-opt` and
`attn-run` are found ($ATTN_BUILD_DIR/bin, $ATTN_PREFIX/bin, then PATH),
verification runs `attn-opt` on the IR and a call runs `attn-run` on .npy
files: slower (a process and a compilation per call), same results, except
that attn-run compiles for the exact shapes, so a prefill of T <= 16 tokens
is planned as a decode step (which attn-assign-precision keeps out of
FP8)."""

import os
import shutil
import subprocess
import tempfile

import numpy as np

from ._errors import AttnError, CompilerError


def tool(name):
    """The path of attn tool `name`, or None."""
    from . import _jit
    dirs = [os.path.join(_jit.build_dir(), "bin")]
    prefix = os.environ.get("ATTN_PREFIX")
    if prefix:
        dirs.append(os.path.join(os.path.abspath(prefix), "bin"))
    for d in dirs:
        path = os.path.join(d, name)
        if os.access(path, os.X_OK):
            return path
    return shutil.which(name)


def available():
    return tool("attn-opt") is not None and tool("attn-run") is not None


def verify(ir, name="<attn.ops>"):
    """attn-opt parses and verifies `ir`; CompilerError with its located
    diagnostics otherwise."""
    r = subprocess.run([tool("attn-opt"), "-", "-o", os.devnull], input=ir,
                       capture_output=True, text=True)
    if r.returncode:
        raise CompilerError(r.stderr.replace("<stdin>", name).strip())


def _policy_flags(options):
    """attn-run's flags for a pipeline option string of ops.pipeline_options."""
    flags = []
    for item in options.split():
        key, _, value = item.partition("=")
        if key == "precision":
            flags.append("--precision=" + value)
        elif key == "error-budget":
            flags.append("--error-budget=" + value)
        else:
            raise CompilerError("option '%s' has no attn-run flag" % item)
    return flags


class ToolModule:
    """Module's interface (call) over attn-run."""

    def __init__(self, ir, name="<attn.ops>", options=""):
        verify(ir, name)
        self._ir = ir
        self._flags = _policy_flags(options)

    def call(self, function, inputs, results):
        with tempfile.TemporaryDirectory(prefix="attn-run-") as work:
            src = os.path.join(work, "module.mlir")
            with open(src, "w") as f:
                f.write(self._ir)
            names = []
            for i, a in enumerate(inputs):
                names.append(os.path.join(work, "in%d.npy" % i))
                np.save(names[-1], np.ascontiguousarray(a))
            cmd = [tool("attn-run"), src, "--func=" + function,
                   "--output-dir=" + work] + self._flags
            if names:
                cmd.append("--input=" + ",".join(names))
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode:
                # attn-run's checked allocator: the same MemoryError as the
                # library path (attnCpuInvoke's ATTN_CPU_OUT_OF_MEMORY).
                if "out of memory" in r.stderr:
                    raise MemoryError("attn-run: " + r.stderr.strip())
                raise AttnError("attn-run failed: " + r.stderr.strip())
            out = []
            for i, (ndim, dtype) in enumerate(results):
                a = np.load(os.path.join(work, "%s.%d.npy" % (function, i)))
                if a.ndim != ndim:
                    raise AttnError("attn-run gave result %d rank %d, expected "
                                    "%d" % (i, a.ndim, ndim))
                out.append(a.astype(dtype, copy=False))
            return out
