"""User-facing attention ops on numpy arrays (CPU backend).

Signatures follow FLA and PyTorch SDPA: layouts ``[B, T, H, D]``, ``g`` is a
natural-log decay (``g <= 0``), the default scale is ``1/sqrt(K)``, recurrent
states are ``[B, HV, K, V]`` float32. Each call is checked by the compiler's
verifiers against the exact shapes given (a bad shape or dtype raises
:class:`attn.CompilerError` with the located diagnostic), then runs a kernel
compiled once per configuration (dtypes, head dims, flags), shape-generic in
batch, sequence length and head counts, and cached for the process.

Every op takes ``precision_policy`` ("off", the default; "auto"; "fp8") and
``error_budget`` (3e-2): the policy and budget of ``attn-assign-precision``,
which plans the operand precision of each contraction (FP8 where its rules
allow). On the CPU the planned precision is emulated exactly (FP8 scales,
rounding and the Hadamard rotation), so results carry the FP8 error; on
CUDA tensors the GPU kernels run the plan (or the compiler says they cannot
lower it yet).

Scalar arguments are checked before any IR is written, on the CPU and the
GPU path alike, and never rounded: integers (``window``, ``block_size``,
``k``) must be ``int`` or numpy integers (numpy's ``operator.index`` rule: a
float such as ``2.9`` or even ``2.0`` is refused, and so is a bool);
numbers (``scale``, ``softcap``, ``error_budget``, ``decay``) must be real
and finite (``scale``, ``softcap`` and ``error_budget`` positive, ``decay``
<= 0); flags (``causal``, ``output_final_state``,
``use_qk_l2norm_in_kernel``) must be ``True`` or ``False``;
``precision_policy`` one of its three names. A wrong type raises a
``TypeError``, a value out of range a ``ValueError``; both are
instances of :class:`attn.CompilerError` and name the op and the argument.
``window``, ``block_size`` and ``k`` must be at least 1 (``k`` at most
2^20; a ``k`` beyond the key count is allowed: the selection is -1
padded, as for the first queries of a causal prefill).
"""

import collections
import threading

import numpy as np

from . import _args, _jit
from ._errors import CompilerError

__all__ = ["kda", "gated_delta_rule", "delta_rule", "linear_attn",
           "full_attn", "sparse_attn", "lightning_indexer", "topk"]

_ELEMENT_TYPES = {
    np.dtype(np.float32): "f32", np.dtype(np.float16): "f16",
    np.dtype(np.float64): "f64", np.dtype(np.int32): "i32",
    np.dtype(np.int64): "i64", np.dtype(np.int16): "i16",
    np.dtype(np.int8): "i8", np.dtype(np.uint8): "ui8",
    np.dtype(np.bool_): "i1",
}

# Compiled kernels by generic IR text (one per configuration), least recently
# used first out: each holds a JIT engine.
_CACHE_SIZE = 64
_cache = collections.OrderedDict()
_cache_lock = threading.Lock()


def _element_type(name, array):
    try:
        return _ELEMENT_TYPES[array.dtype]
    except KeyError:
        raise CompilerError("argument '%s' has dtype %s, which attn cannot take "
                            "(use float32 or float16; int32 for indices)"
                            % (name, array.dtype)) from None


# What the CPU ops take (numpy has no bfloat16): floating operands f32 or
# f16, indices i32, scores and recurrent states f32.
_FLOATS = (np.float32, np.float16)
_I32 = (np.int32,)
_F32 = (np.float32,)


def _as_array(op, name, x, dtypes=_FLOATS):
    """`x` as a C-contiguous numpy array of one of `dtypes`: TypeError for
    anything but an array, CompilerError naming `op` and `name` for another
    dtype (before the verifier's "operand #n" message)."""
    if not isinstance(x, np.ndarray):
        raise TypeError("%s: argument '%s' must be a numpy array, got %s"
                        % (op, name, type(x).__name__))
    _args.dtype(op, name, x, dtypes)
    return np.ascontiguousarray(x)


def _tensor_type(shape, element, static_dims=None):
    dims = [str(n) if static_dims is None or i in static_dims else "?"
            for i, n in enumerate(shape)]
    return "tensor<%s>" % "x".join(dims + [element])


def _fmt_float(x):
    """An MLIR float literal: always with a '.' and an exponent (repr gives
    '1e-05', which MLIR does not parse)."""
    x = float(x)
    if not np.isfinite(x):
        raise CompilerError("expected a finite number, got %r" % x)
    return "%.17e" % x


class _Operand:
    def __init__(self, name, array, static_dims):
        self.name = name
        self.array = array
        self.element = _element_type(name, array)
        self.static_dims = static_dims  # kept static in the cached kernel


class _Result:
    def __init__(self, shape, element, static_dims, dtype):
        self.shape = shape
        self.element = element
        self.static_dims = static_dims
        self.dtype = dtype


def _module(op_text, operands, results, attrs, static):
    """One func.func @kernel wrapping the attn op; `static` picks exact
    shapes (verification) or the cached kernel's generic ones."""
    def ty(shape, element, dims):
        return _tensor_type(shape, element, None if static else dims)
    arg_types = [ty(o.array.shape, o.element, o.static_dims) for o in operands]
    res_types = [ty(r.shape, r.element, r.static_dims) for r in results]
    args = ", ".join("%%%s: %s" % (o.name, t) for o, t in zip(operands, arg_types))
    res_names = ", ".join("%%r%d" % i for i in range(len(results)))
    res_sig = res_types[0] if len(res_types) == 1 else "(%s)" % ", ".join(res_types)
    attr_text = " {%s}" % ", ".join(attrs) if attrs else ""
    return (
        "func.func @kernel(%s) -> %s {\n"
        "  %s = %s%s\n"
        "      : (%s) -> %s\n"
        "  return %s : %s\n"
        "}\n" % (args, res_sig, res_names, op_text, attr_text,
                 ", ".join(arg_types), res_sig, res_names, ", ".join(res_types)))


POLICIES = ("off", "auto", "fp8")


def pipeline_options(precision_policy="off", error_budget=3e-2):
    """The attn-to-cpu / attn-to-nvvm option text of a precision policy and
    error budget: "" for policy "off" (the pipelines' defaults), otherwise
    "precision=<policy> error-budget=<budget>". A policy other than "off",
    "auto" and "fp8", or a budget that is not a positive finite real
    number, raises CompilerError (a TypeError too for a wrong type)."""
    return _pipeline_options("pipeline_options", precision_policy,
                             error_budget)


def _pipeline_options(op, precision_policy, error_budget):
    policy = _args.choice(op, "precision_policy", precision_policy, POLICIES)
    budget = _args.number(op, "error_budget", error_budget, positive=True)
    if policy == "off":
        return ""
    return "precision=%s error-budget=%.17g" % (policy, budget)


def _scale(op, scale):
    """`scale` checked: None (1/sqrt(D)) or a positive finite f32 value."""
    return _args.optional_number(op, "scale", scale, positive=True,
                                 at_most=_args.F32_MAX)


def _window(op, window):
    return None if window is None else _args.integer(op, "window", window, 1,
                                                     _args.I64_MAX)


def _block_size(op, block_size):
    return None if block_size is None else _args.integer(
        op, "block_size", block_size, 1, 2**31)


def _topk_k(op, k):
    # The upper bound (2^20) is the verifier's, which names 'k' too; here
    # only what keeps the IR well formed.
    return _args.integer(op, "k", k, 1, _args.I64_MAX)


def _full_args(op, causal, scale, window, softcap):
    """attn.full's scalar arguments, checked (window requires causal)."""
    causal = _args.flag(op, "causal", causal)
    scale, window = _scale(op, scale), _window(op, window)
    softcap = _args.optional_number(op, "softcap", softcap, positive=True,
                                    at_most=_args.F32_MAX)
    if window is not None and not causal:
        raise CompilerError("%s: window requires causal=True (a sliding "
                            "window looks back from the query)" % op)
    return causal, scale, window, softcap


def _sparse_args(op, causal, scale, block_size):
    """attn.sparse's scalar arguments, checked."""
    return (_args.flag(op, "causal", causal), _scale(op, scale),
            _block_size(op, block_size))


def _decay(op, decay):
    return None if decay is None else _args.numbers_1d(op, "decay", decay,
                                                       at_most=0.0)


def _run(op_text, operands, results, attrs, options=""):
    _jit.verify(_module(op_text, operands, results, attrs, static=True))
    generic = _module(op_text, operands, results, attrs, static=False)
    key = (generic, options)
    with _cache_lock:
        module = _cache.get(key)
        if module is None:
            module = _jit.compile_module(generic, options=options)
            _cache[key] = module
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
        else:
            _cache.move_to_end(key)
    return module.call("kernel", [o.array for o in operands],
                       [(len(r.shape), r.dtype) for r in results])


def _scale_attr(scale):
    return [] if scale is None else ["scale = %s : f64" % _fmt_float(scale)]


def _output_dtype(v):
    return v.array.dtype if v.array.dtype in (np.float16, np.float32) else np.float32


# The GPU runs the recurrent form (the decode step) up to this many steps and
# the chunked form (prefill kernels, bf16 q/k/v) beyond; f16 / f32 inputs
# and head dims the chunked kernels do not take (K > 128, not multiples of
# 16) run the recurrent form at any T.
GPU_MAX_RECURRENT_T = 16


def gpu_form(T, elements, K, V):
    """'chunked' or 'recurrent': the form the GPU path compiles."""
    if (T > GPU_MAX_RECURRENT_T and all(elements[n] == "bf16" for n in "qkv")
            and K % 16 == 0 and V % 16 == 0 and K <= 128 and V <= 512):
        return "chunked"
    return "recurrent"


def recurrent_module_ir(kind, shapes, elements, scale=None, use_qk_l2norm=False,
                        decay=None, output_final_state=False, static=False,
                        form="recurrent"):
    """The one-op module the GPU path compiles for attn.delta / attn.linear
    (`form` recurrent or chunked): `shapes` / `elements` map operand names
    (q, k, v, beta, g, s0) to shapes / element types; B, T and head counts
    dynamic, head dims static."""
    op = "recurrent_module_ir"
    kind = _args.choice(op, "kind", kind, ("delta", "linear"))
    form = _args.choice(op, "form", form, ("recurrent", "chunked"))
    scale, decay = _scale(op, scale), _decay(op, decay)
    use_qk_l2norm = _args.flag(op, "use_qk_l2norm", use_qk_l2norm)
    output_final_state = _args.flag(op, "output_final_state",
                                    output_final_state)
    keep = {"q": {3}, "k": {3}, "v": {3}, "beta": set(), "g": {3},
            "s0": {2, 3}}

    def ty(name):
        return _tensor_type(shapes[name], elements[name],
                            None if static else keep[name])
    names = [n for n in ("q", "k", "v", "beta", "g", "s0") if n in shapes]
    args = ", ".join("%%%s: %s" % (n, ty(n)) for n in names)
    text = "attn.%s %%q, %%k, %%v" % kind
    if "beta" in shapes:
        text += ", %beta"
    if "g" in shapes:
        text += " gate(%g)"
    if "s0" in shapes:
        text += " initial_state(%s0)"
    qs, vs = shapes["q"], shapes["v"]
    o_t = "tensor<%s>" % "x".join(
        [str(n) if static or i == 3 else "?" for i, n in enumerate(vs)]
        + [elements["v"]])
    results = [o_t]
    if output_final_state:
        st = (vs[0], vs[2], qs[3], vs[3])
        results.append("tensor<%s>" % "x".join(
            [str(n) if static or i >= 2 else "?" for i, n in enumerate(st)]
            + ["f32"]))
    attrs = _scale_attr(scale) + ["form = #attn.form<%s>" % form]
    if use_qk_l2norm:
        attrs.append("use_qk_l2norm")
    if decay is not None:
        attrs.append("decay = array<f64: %s>"
                     % ", ".join(_fmt_float(x) for x in decay))
    res_names = ", ".join("%%r%d" % i for i in range(len(results)))
    sig = results[0] if len(results) == 1 else "(%s)" % ", ".join(results)
    return ("func.func @%s(%s) -> %s {\n  %s = %s {%s}\n      : (%s) -> %s\n"
            "  return %s : %s\n}\n" % (
                kind, args, sig, res_names, text, ", ".join(attrs),
                ", ".join(ty(n) for n in names), sig, res_names,
                ", ".join(results)))


def _gpu_recurrent(kind, q, k, v, beta, g, scale, initial_state,
                   output_final_state, use_qk_l2norm, decay, form=None,
                   options=""):
    from . import _gpu
    tensors = {"q": q, "k": k, "v": v}
    if beta is not None:
        tensors["beta"] = beta
    if g is not None:
        tensors["g"] = g
    if initial_state is not None:
        tensors["s0"] = initial_state
    _require_cuda(kind, {n: (t, 4 if n in ("q", "k", "v") else None)
                         for n, t in tensors.items()})
    signature = ("recurrent", kind,
                 tuple((n, tuple(t.shape), t.dtype) for n, t in tensors.items()),
                 scale, output_final_state, use_qk_l2norm,
                 None if decay is None else tuple(decay), form, options,
                 q.device)

    def make():
        elements = {n: _gpu.element_of(t) for n, t in tensors.items()}
        shapes = {n: tuple(t.shape) for n, t in tensors.items()}
        f = form
        if f is None:
            f = gpu_form(q.shape[1], elements, q.shape[3], v.shape[3])
        if _gpu._compiler() is not None:
            _jit.verify(recurrent_module_ir(kind, shapes, elements, scale,
                                            use_qk_l2norm, decay,
                                            output_final_state, static=True,
                                            form=f))
        elif kind == "delta" and (q.shape[2] == 0 or v.shape[2] % q.shape[2]):
            raise CompilerError("%s: HV = %d is not a multiple of H = %d"
                                % (kind, v.shape[2], q.shape[2]))
        return _gpu.entry_for(recurrent_module_ir(
            kind, shapes, elements, scale, use_qk_l2norm, decay,
            output_final_state, form=f), q.device, options)
    entry = _gpu.prepared(signature, make)
    out = entry.run(tensors)
    return out[0], (out[1] if output_final_state else None)


def _recurrent(op, kind, q, k, v, beta, g, scale, initial_state,
               output_final_state, use_qk_l2norm=False, decay=None,
               precision_policy="off", error_budget=3e-2):
    """attn.delta (kind == 'delta') or attn.linear (kind == 'linear') for
    the public op `op` (its name in messages)."""
    scale, decay = _scale(op, scale), _decay(op, decay)
    output_final_state = _args.flag(op, "output_final_state",
                                    output_final_state)
    use_qk_l2norm = _args.flag(op, "use_qk_l2norm_in_kernel", use_qk_l2norm)
    options = _pipeline_options(op, precision_policy, error_budget)
    _check_state(op, initial_state)
    if _is_torch(q):
        return _gpu_recurrent(kind, q, k, v, beta, g, scale, initial_state,
                              output_final_state, use_qk_l2norm, decay,
                              options=options)
    q = _Operand("q", _as_array(op, "q", q), {3})
    k = _Operand("k", _as_array(op, "k", k), {3})
    v = _Operand("v", _as_array(op, "v", v), {3})
    operands = [q, k, v]
    text = "attn.%s %%q, %%k, %%v" % kind
    if beta is not None:
        operands.append(_Operand("beta", _as_array(op, "beta", beta),
                                 set()))
        text += ", %beta"
    if g is not None:
        g = _Operand("g", _as_array(op, "g", g), {3})
        operands.append(g)
        text += " gate(%g)"
    if initial_state is not None:
        operands.append(_Operand("s0", _as_array(op, "initial_state",
                                                 initial_state, _F32), {2, 3}))
        text += " initial_state(%s0)"
    shape_o = v.array.shape
    results = [_Result(shape_o, v.element if v.element in ("f16", "f32") else "f32",
                       {3}, _output_dtype(v))]
    if output_final_state:
        if v.array.ndim == 4 and q.array.ndim == 4:
            s_shape = (v.array.shape[0], v.array.shape[2], q.array.shape[3],
                       v.array.shape[3])
        else:
            s_shape = (1, 1, 1, 1)
        results.append(_Result(s_shape, "f32", {2, 3}, np.float32))
    attrs = _scale_attr(scale)
    if use_qk_l2norm:
        attrs.append("use_qk_l2norm")
    if decay is not None:
        attrs.append("decay = array<f64: %s>"
                     % ", ".join(_fmt_float(x) for x in decay))
    out = _run(text, operands, results, attrs, options)
    return out[0], (out[1] if output_final_state else None)


def kda(q, k, v, g, beta, *, scale=None, initial_state=None,
        output_final_state=False, use_qk_l2norm_in_kernel=False,
        precision_policy="off", error_budget=3e-2):
    """Kimi Delta Attention: delta rule with a per-key-channel decay.

    q, k [B,T,H,K]; v [B,T,HV,V] (HV a multiple of H); g [B,T,HV,K] (log
    decay); beta [B,T,HV]. Returns (o [B,T,HV,V], final state [B,HV,K,V]
    float32 or None). The delta rule never takes FP8 (attn-assign-precision
    keeps its contractions in bf16 / f32); the policy is still checked.
    `precision_policy` / `error_budget`: see the module docstring."""
    return _recurrent("kda", "delta", q, k, v, beta, g, scale,
                      initial_state, output_final_state,
                      use_qk_l2norm_in_kernel,
                      precision_policy=precision_policy,
                      error_budget=error_budget)


def gated_delta_rule(q, k, v, g, beta, *, scale=None, initial_state=None,
                     output_final_state=False, use_qk_l2norm_in_kernel=False,
                     precision_policy="off", error_budget=3e-2):
    """Gated DeltaNet: delta rule with one log decay per head and step,
    g [B,T,HV]. Returns (o, final state or None).
    `precision_policy` / `error_budget`: see the module docstring."""
    return _recurrent("gated_delta_rule", "delta", q, k, v, beta, g, scale,
                      initial_state, output_final_state,
                      use_qk_l2norm_in_kernel,
                      precision_policy=precision_policy,
                      error_budget=error_budget)


def delta_rule(q, k, v, beta, *, scale=None, initial_state=None,
               output_final_state=False, use_qk_l2norm_in_kernel=False,
               precision_policy="off", error_budget=3e-2):
    """DeltaNet: the delta rule without decay. Returns (o, final state or
    None).
    `precision_policy` / `error_budget`: see the module docstring."""
    return _recurrent("delta_rule", "delta", q, k, v, beta, None, scale,
                      initial_state, output_final_state,
                      use_qk_l2norm_in_kernel,
                      precision_policy=precision_policy,
                      error_budget=error_budget)


def linear_attn(q, k, v, g=None, *, scale=None, initial_state=None,
                output_final_state=False, decay=None, precision_policy="off",
                error_budget=3e-2):
    """Linear attention: no decay (g None), a log decay per head and step
    (g [B,T,H]), per key channel (GLA, g [B,T,H,K]), or a constant log decay
    per head (`decay`: a float or one per head; RetNet / Lightning). Returns
    (o [B,T,H,V], final state [B,H,K,V] float32 or None).
    `precision_policy` / `error_budget`: see the module docstring."""
    return _recurrent("linear_attn", "linear", q, k, v, None, g, scale,
                      initial_state, output_final_state, decay=decay,
                      precision_policy=precision_policy,
                      error_budget=error_budget)


def _is_torch(x):
    return type(x).__module__.split(".")[0] == "torch" and hasattr(x, "is_cuda")


def _check_state(op, state):
    """initial_state: None or a 4-D float32 array / tensor [B, HV, K, V]
    (the verifier checks its sizes against q and v)."""
    if state is None:
        return
    if _is_torch(state):
        shape, f32 = tuple(state.shape), str(state.dtype) == "torch.float32"
    elif isinstance(state, np.ndarray):
        shape, f32 = state.shape, state.dtype == np.float32
    else:
        raise _args.ArgumentTypeError(
            "%s: initial_state must be a numpy array or a CUDA torch tensor "
            "(float32 [B, HV, K, V]), got %s" % (op, type(state).__name__))
    if len(shape) != 4:
        raise CompilerError("%s: initial_state must be 4-D [B, HV, K, V], got "
                            "shape %s" % (op, list(shape)))
    if not f32:
        raise CompilerError("%s: initial_state must be float32 (the state is "
                            "kept in f32), got %s" % (op, state.dtype))


def _require_cuda(op, tensors):
    """Each of `tensors` (name -> (tensor, rank or None)) must be a CUDA torch
    tensor of that rank, or CompilerError naming the argument."""
    for name, (t, rank) in tensors.items():
        if not _is_torch(t) or not t.is_cuda:
            raise CompilerError("%s on the GPU: '%s' must be a CUDA torch "
                                "tensor like the first argument" % (op, name))
        if rank is not None and t.dim() != rank:
            raise CompilerError("%s: '%s' must be %d-D, got shape %s"
                                % (op, name, rank, list(t.shape)))


def full_module_ir(qshape, kshape, vshape, elements, causal=True, scale=None,
                   window=None, tile=None, static=False, softcap=None):
    """The one-op module the GPU path compiles for attn.full: B, T, S and
    the head counts dynamic (one kernel set serves prefill and decoding),
    head dims static; `static` gives exact shapes (for verification).
    `tile` = (q, kv, warps) or (q, kv, warps, stages) overrides the plan."""
    op = "full_module_ir"
    causal, scale, window, softcap = _full_args(op, causal, scale, window,
                                                softcap)
    if tile is not None:
        if not isinstance(tile, (tuple, list)) or len(tile) not in (3, 4):
            raise _args.ArgumentTypeError(
                "%s: tile must be (q, kv, warps) or (q, kv, warps, stages), "
                "got %r" % (op, tile))
        tile = tuple(_args.integer(op, "tile[%d]" % i, n, 1, 2**31 - 1)
                     for i, n in enumerate(tile))
    B, T, H, _ = qshape
    Dv = vshape[3]
    keep = {3}

    def ty(shape, e, keep):
        return _tensor_type(shape, e, None if static else keep)
    tq = ty(qshape, elements[0], keep)
    tk, tv = ty(kshape, elements[1], {3}), ty(vshape, elements[2], {3})
    to = ty((B, T, H, Dv), elements[2], keep)
    attrs = (["causal"] if causal else []) + _scale_attr(scale)
    if window is not None:
        attrs.append("window = %d : i64" % window)
    if softcap is not None:
        attrs.append("softcap = %s : f64" % _fmt_float(softcap))
    if tile is not None:
        stages = "" if len(tile) == 3 else ", stages = %d" % tile[3]
        attrs.append("tile = #attn.tile<q = %d, kv = %d%s, warps = %d>"
                     % (tile[0], tile[1], stages, tile[2]))
    attr_text = " {%s}" % ", ".join(attrs) if attrs else ""
    return ("func.func @full(%%q: %s, %%k: %s, %%v: %s) -> %s {\n"
            "  %%o = attn.full %%q, %%k, %%v%s : (%s, %s, %s) -> %s\n"
            "  return %%o : %s\n}\n" % (tq, tk, tv, to, attr_text, tq, tk, tv,
                                          to, to))


def _softmax_elements(op, q, k, v):
    """The element types of q, k and v for the GPU softmax kernels (all
    bf16, all f16 or all f32), or CompilerError."""
    from . import _gpu
    el = [_gpu.element_of(t) for t in (q, k, v)]
    if el[0] not in ("bf16", "f16", "f32") or el.count(el[0]) != 3:
        raise CompilerError("%s on the GPU takes q, k and v all bfloat16, all "
                            "float16 or all float32; got %s"
                            % (op, ", ".join(str(t.dtype) for t in (q, k, v))))
    return el


def _softmax_sizes(op, q, k, causal):
    """Where the compiler is not built: what the verifier would say about
    the sizes the kernels leave dynamic (head grouping, causal T <= S)."""
    H, T, S, Hkv = q.shape[2], q.shape[1], k.shape[1], k.shape[2]
    if Hkv == 0 or H % Hkv:
        raise CompilerError("%s: H = %d is not a multiple of Hkv = %d"
                            % (op, H, Hkv))
    if causal and T > S:
        raise CompilerError("%s: causal attention needs T <= S, got T = %d, "
                            "S = %d" % (op, T, S))


def _gpu_full(q, k, v, causal, scale, window, softcap=None, tile=None,
              options=""):
    from . import _gpu
    _require_cuda("full_attn", {"q": (q, 4), "k": (k, 4), "v": (v, 4)})
    shapes = (tuple(q.shape), tuple(k.shape), tuple(v.shape))
    signature = ("full", shapes, q.dtype, k.dtype, v.dtype, causal, scale,
                 window, softcap, tile, options, q.device)

    def make():
        el = _softmax_elements("full_attn", q, k, v)
        if _gpu._compiler() is not None:
            _jit.verify(full_module_ir(*shapes, el, causal, scale, window,
                                       tile, static=True, softcap=softcap))
        else:
            _softmax_sizes("full_attn", q, k, causal)
            if window is not None and not causal:
                raise CompilerError("full_attn: window requires causal")
        return _gpu.entry_for(full_module_ir(*shapes, el, causal, scale,
                                             window, tile, softcap=softcap),
                              q.device, options)
    return _gpu.prepared(signature, make).run({"q": q, "k": k, "v": v})[0]


def full_attn(q, k, v, *, causal=True, scale=None, window=None, softcap=None,
              precision_policy="off", error_budget=3e-2):
    """Softmax attention. q [B,T,H,D]; k [B,S,Hkv,D]; v [B,S,Hkv,Dv] with
    T <= S when causal (the queries are the last T positions). `window`
    keeps the `window` most recent keys (causal only); `softcap` caps the
    scores at +-softcap (softcap * tanh(s / softcap)). Returns o
    [B,T,H,Dv]. numpy arrays run on the CPU; CUDA torch tensors (bf16, f16,
    or f32 through a bf16x3 split on tensor cores) run the GPU kernels and
    return a torch tensor on their device. `precision_policy="fp8"` (or
    "auto" for prefill) plans Q K^T and P V in e4m3 with per-128-token
    block scales (and a Hadamard rotation of Q and K under an
    `error_budget` below 2.4e-2); the CPU emulates it exactly."""
    op = "full_attn"
    causal, scale, window, softcap = _full_args(op, causal, scale, window,
                                                softcap)
    options = _pipeline_options(op, precision_policy, error_budget)
    if _is_torch(q):
        return _gpu_full(q, k, v, causal, scale, window, softcap,
                         options=options)
    q = _Operand("q", _as_array(op, "q", q), {3})
    k = _Operand("k", _as_array(op, "k", k), {3})
    v = _Operand("v", _as_array(op, "v", v), {3})
    o_shape = q.array.shape[:3] + v.array.shape[3:4] \
        if q.array.ndim == 4 and v.array.ndim == 4 else q.array.shape
    results = [_Result(o_shape, v.element if v.element in ("f16", "f32") else "f32",
                       {3}, _output_dtype(v))]
    attrs = (["causal"] if causal else []) + _scale_attr(scale)
    if window is not None:
        attrs.append("window = %d : i64" % window)
    if softcap is not None:
        attrs.append("softcap = %s : f64" % _fmt_float(softcap))
    return _run("attn.full %q, %k, %v", [q, k, v], results, attrs,
                options)[0]


def sparse_module_ir(qshape, kshape, vshape, ishape, elements, causal=True,
                     scale=None, block_size=None, static=False):
    """The one-op module the GPU path compiles for attn.sparse (B, T, S,
    head counts and the index count dynamic; head dims static)."""
    causal, scale, block_size = _sparse_args("sparse_module_ir", causal,
                                             scale, block_size)
    B, T, H, _ = qshape
    Dv = vshape[3]

    def ty(shape, e, keep):
        return _tensor_type(shape, e, None if static else keep)
    tq, tk = ty(qshape, elements[0], {3}), ty(kshape, elements[1], {3})
    tv, ti = ty(vshape, elements[2], {3}), ty(ishape, "i32", set())
    to = ty((B, T, H, Dv), elements[2], {3})
    attrs = (["causal"] if causal else []) + _scale_attr(scale)
    if block_size is not None:
        attrs.append("block_size = %d : i64" % block_size)
    attr_text = " {%s}" % ", ".join(attrs) if attrs else ""
    return ("func.func @sparse(%%q: %s, %%k: %s, %%v: %s, %%idx: %s) -> %s {\n"
            "  %%o = attn.sparse %%q, %%k, %%v, %%idx%s : (%s, %s, %s, %s) -> %s\n"
            "  return %%o : %s\n}\n" % (tq, tk, tv, ti, to, attr_text, tq, tk,
                                          tv, ti, to, to))


def _gpu_sparse(q, k, v, indices, scale, causal, block_size, options=""):
    from . import _gpu
    _require_cuda("sparse_attn", {"q": (q, 4), "k": (k, 4), "v": (v, 4),
                                  "indices": (indices, 4)})
    shapes = (tuple(q.shape), tuple(k.shape), tuple(v.shape),
              tuple(indices.shape))
    signature = ("sparse", shapes, q.dtype, k.dtype, v.dtype, indices.dtype,
                 causal, scale, block_size, options, q.device)

    def make():
        el = _softmax_elements("sparse_attn", q, k, v)
        if _gpu.element_of(indices) != "i32":
            raise CompilerError("sparse_attn: indices must be int32, got %s"
                                % indices.dtype)
        if _gpu._compiler() is not None:
            _jit.verify(sparse_module_ir(*shapes, el, causal, scale,
                                         block_size, static=True))
        else:
            _softmax_sizes("sparse_attn", q, k, causal)
        return _gpu.entry_for(sparse_module_ir(*shapes, el, causal, scale,
                                               block_size), q.device, options)
    return _gpu.prepared(signature, make).run(
        {"q": q, "k": k, "v": v, "idx": indices})[0]


def sparse_attn(q, k, v, indices, *, scale=None, causal=True, block_size=None,
                precision_policy="off", error_budget=3e-2):
    """Softmax attention over selected keys. indices [B,T,Hkv,topk] int32
    (-1 = unused): key positions, or with `block_size` block numbers.
    Returns o [B,T,H,Dv]. CUDA torch tensors (bf16/f16, int32 indices) run
    the GPU kernels. `precision_policy="fp8"` plans FP8 like full_attn
    ("auto" keeps sparse attention in the inputs' type).
    `precision_policy` / `error_budget`: see the module docstring."""
    op = "sparse_attn"
    causal, scale, block_size = _sparse_args(op, causal, scale, block_size)
    options = _pipeline_options(op, precision_policy, error_budget)
    if _is_torch(q):
        return _gpu_sparse(q, k, v, indices, scale, causal, block_size,
                           options=options)
    q = _Operand("q", _as_array(op, "q", q), {3})
    k = _Operand("k", _as_array(op, "k", k), {3})
    v = _Operand("v", _as_array(op, "v", v), {3})
    idx = _Operand("idx", _as_array(op, "indices", indices, _I32), set())
    o_shape = q.array.shape[:3] + v.array.shape[3:4] \
        if q.array.ndim == 4 and v.array.ndim == 4 else q.array.shape
    results = [_Result(o_shape, v.element if v.element in ("f16", "f32") else "f32",
                       {3}, _output_dtype(v))]
    attrs = (["causal"] if causal else []) + _scale_attr(scale)
    if block_size is not None:
        attrs.append("block_size = %d : i64" % block_size)
    return _run("attn.sparse %q, %k, %v, %idx", [q, k, v, idx], results, attrs,
                options)[0]


def indexer_module_ir(qshape, kshape, wshape, elements, causal=True,
                      static=False):
    """The one-op module the GPU path compiles for attn.indexer (B, T, S
    dynamic; index heads and head dim static)."""
    causal = _args.flag("indexer_module_ir", "causal", causal)

    def ty(shape, e, keep):
        return _tensor_type(shape, e, None if static else keep)
    tq, tk = ty(qshape, elements[0], {2, 3}), ty(kshape, elements[1], {2})
    tw = ty(wshape, elements[2], {2})
    to = ty((qshape[0], qshape[1], kshape[1]), "f32", set())
    attr_text = " {causal}" if causal else ""
    return ("func.func @indexer(%%qi: %s, %%ki: %s, %%w: %s) -> %s {\n"
            "  %%s = attn.indexer %%qi, %%ki, %%w%s : (%s, %s, %s) -> %s\n"
            "  return %%s : %s\n}\n" % (tq, tk, tw, to, attr_text, tq, tk, tw,
                                          to, to))


def _gpu_indexer(qi, ki, w, causal, options=""):
    from . import _gpu
    _require_cuda("lightning_indexer", {"qi": (qi, 4), "ki": (ki, 3),
                                        "w": (w, 3)})
    shapes = (tuple(qi.shape), tuple(ki.shape), tuple(w.shape))
    signature = ("indexer", shapes, qi.dtype, ki.dtype, w.dtype, causal,
                 options, qi.device)

    def make():
        el = [_gpu.element_of(t) for t in (qi, ki, w)]
        if el[0] not in ("bf16", "f16", "f32") or el[1] != el[0] or \
                el[2] not in ("f32", "bf16", "f16"):
            raise CompilerError(
                "lightning_indexer on the GPU takes qi and ki both bfloat16, "
                "float16 or float32 and w floating point; got %s"
                % ", ".join(str(t.dtype) for t in (qi, ki, w)))
        if _gpu._compiler() is not None:
            _jit.verify(indexer_module_ir(*shapes, el, causal, static=True))
        elif causal and qi.shape[1] > ki.shape[1]:
            raise CompilerError("lightning_indexer: causal needs T <= S")
        return _gpu.entry_for(indexer_module_ir(*shapes, el, causal),
                              qi.device, options)
    return _gpu.prepared(signature, make).run({"qi": qi, "ki": ki,
                                               "w": w})[0]


def lightning_indexer(qi, ki, w, *, causal=True, precision_policy="off",
                      error_budget=3e-2):
    """DeepSeek DSA lightning indexer. qi [B,T,Hi,Di], ki [B,S,Di], w [B,T,Hi]
    -> scores [B,T,S] float32, I[t,s] = sum_j w[t,j] relu(qi[t,j] . ki[s]);
    masked (causal) entries are -inf. CUDA torch tensors (qi, ki bf16/f16;
    Hi a multiple of 16) run the GPU kernel. `precision_policy` "auto" or
    "fp8" plans qi . ki in e4m3 with per-token scales and a Hadamard
    rotation (DeepSeek-V3.2); w, relu and the head sum stay f32.
    `precision_policy` / `error_budget`: see the module docstring."""
    op = "lightning_indexer"
    causal = _args.flag(op, "causal", causal)
    options = _pipeline_options(op, precision_policy, error_budget)
    if _is_torch(qi):
        return _gpu_indexer(qi, ki, w, causal, options=options)
    qi = _Operand("qi", _as_array(op, "qi", qi), {3})
    ki = _Operand("ki", _as_array(op, "ki", ki), {2})
    w = _Operand("w", _as_array(op, "w", w), set())
    shape = (qi.array.shape[:2] + ki.array.shape[1:2]
             if qi.array.ndim == 4 and ki.array.ndim == 3 else (1, 1, 1))
    results = [_Result(shape, "f32", set(), np.float32)]
    return _run("attn.indexer %qi, %ki, %w", [qi, ki, w], results,
                ["causal"] if causal else [], options)[0]


def topk_module_ir(sshape, k, causal=True, static=False):
    """The one-op module the GPU path compiles for attn.topk (B, T, S
    dynamic; k static)."""
    k = _topk_k("topk_module_ir", k)
    causal = _args.flag("topk_module_ir", "causal", causal)
    ts = "tensor<%s>" % "x".join([str(n) if static else "?" for n in sshape]
                                 + ["f32"])
    to = "tensor<%s>" % "x".join([str(n) if static else "?" for n in sshape[:2]]
                                 + [str(k), "i32"])
    attrs = "k = %d : i64" % k + (", causal" if causal else "")
    return ("func.func @topk(%%s: %s) -> %s {\n"
            "  %%i = attn.topk %%s {%s} : (%s) -> %s\n"
            "  return %%i : %s\n}\n" % (ts, to, attrs, ts, to, to))


def _gpu_topk(scores, k, causal, options=""):
    from . import _gpu
    _require_cuda("topk", {"scores": (scores, 3)})
    shape = tuple(scores.shape)
    signature = ("topk", shape, scores.dtype, k, causal, options,
                 scores.device)

    def make():
        if _gpu.element_of(scores) != "f32":
            raise CompilerError("topk: scores must be float32, got %s"
                                % scores.dtype)
        if _gpu._compiler() is not None:
            _jit.verify(topk_module_ir(shape, k, causal, static=True))
        return _gpu.entry_for(topk_module_ir(shape, k, causal),
                              scores.device, options)
    return _gpu.prepared(signature, make).run({"scores": scores})[0]


def topk(scores, k, *, causal=True, precision_policy="off", error_budget=3e-2):
    """Per query, the indices of the k largest scores (sorted, ties to the
    smaller index), -1 padded. scores [B,T,S] float32 -> [B,T,k] int32.
    A CUDA torch tensor runs the GPU kernel (k <= 4096). Selection has no
    contraction: the precision policy is checked and passed on, and plans
    nothing.
    `precision_policy` / `error_budget`: see the module docstring."""
    op = "topk"
    k = _topk_k(op, k)
    causal = _args.flag(op, "causal", causal)
    options = _pipeline_options(op, precision_policy, error_budget)
    if _is_torch(scores):
        return _gpu_topk(scores, k, causal, options=options)
    scores = _Operand("s", _as_array(op, "scores", scores, _F32), set())
    shape = scores.array.shape[:2] + (k,) if scores.array.ndim == 3 else (1, 1, k)
    results = [_Result(shape, "i32", {2}, np.int32)]
    attrs = ["k = %d : i64" % k] + (["causal"] if causal else [])
    return _run("attn.topk %s", [scores], results, attrs, options)[0]
