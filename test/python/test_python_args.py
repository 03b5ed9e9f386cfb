"""Scalar arguments of attn.ops are checked, never rounded (issue 14, class 7).

`full_attn(..., window=2.9)` used to run as window 2 and `topk(s, 2.7)` to
return 2 indices: every integer, number, flag and choice argument of every
op (and of the module builders the GPU path and attn.precompile share) now
goes through attn._args, which refuses a wrong type with a TypeError and a
bad value with a ValueError (both attn.CompilerErrors) naming the op and the
argument, on the CPU and the GPU path alike. CPU only: the checks run
before any compilation, and the accepted forms (numpy integers, numpy
floats, numpy bools) are compared with the plain Python ones on the CPU."""

import math

import numpy as np
import pytest

import attn
from attn import ops

F = np.float32


def _rng(seed):
    return np.random.default_rng(seed)


def _full_inputs(seed=0, T=6, S=6, D=8):
    r = _rng(seed)
    return tuple(r.standard_normal(s).astype(F)
                 for s in ((1, T, 2, D), (1, S, 1, D), (1, S, 1, D)))


def _recurrent_inputs(seed=0, T=5, H=2, K=8, V=8):
    r = _rng(seed)
    q = r.standard_normal((1, T, H, K)).astype(F)
    k = r.standard_normal((1, T, H, K)).astype(F) * F(0.3)
    v = r.standard_normal((1, T, H, V)).astype(F)
    g = -np.abs(r.standard_normal((1, T, H, K))).astype(F) * F(0.1)
    gs = -np.abs(r.standard_normal((1, T, H))).astype(F) * F(0.1)
    beta = r.uniform(0.1, 0.9, (1, T, H)).astype(F)
    s0 = r.standard_normal((1, H, K, V)).astype(F) * F(0.1)
    return q, k, v, g, gs, beta, s0


def _indexer_inputs(seed=0):
    r = _rng(seed)
    return (r.standard_normal((1, 6, 2, 8)).astype(F),
            r.standard_normal((1, 6, 8)).astype(F),
            r.standard_normal((1, 6, 2)).astype(F))


def _sparse_inputs(seed=0):
    q, k, v = _full_inputs(seed)
    idx = np.tile(np.arange(3, dtype=np.int32), (1, 6, 1, 1))
    return q, k, v, idx


def _calls():
    """op name -> a function running that op on small valid inputs with
    extra keyword arguments."""
    q, k, v = _full_inputs()
    rq, rk, rv, g, gs, beta, s0 = _recurrent_inputs()
    qi, ki, w = _indexer_inputs()
    sq, sk, sv, idx = _sparse_inputs()
    scores = _rng(3).standard_normal((1, 4, 6)).astype(F)
    return {
        "full_attn": lambda **kw: ops.full_attn(q, k, v, **kw),
        "sparse_attn": lambda **kw: ops.sparse_attn(sq, sk, sv, idx, **kw),
        "lightning_indexer": lambda **kw: ops.lightning_indexer(qi, ki, w,
                                                                **kw),
        "topk": lambda k=2, **kw: ops.topk(scores, k, **kw),
        "kda": lambda **kw: ops.kda(rq, rk, rv, g, beta, **kw),
        "gated_delta_rule": lambda **kw: ops.gated_delta_rule(rq, rk, rv, gs,
                                                              beta, **kw),
        "delta_rule": lambda **kw: ops.delta_rule(rq, rk, rv, beta, **kw),
        "linear_attn": lambda **kw: ops.linear_attn(rq, rk, rv, **kw),
    }


CALLS = _calls()
ALL_OPS = sorted(CALLS)
RECURRENT = ["kda", "gated_delta_rule", "delta_rule", "linear_attn"]

# (op, argument) of every scalar argument of every op, by kind.
INTEGERS = [("full_attn", "window"), ("sparse_attn", "block_size"),
            ("topk", "k")]
SCALES = [(op, "scale") for op in ["full_attn", "sparse_attn"] + RECURRENT]
FLAGS = ([(op, "causal") for op in ("full_attn", "sparse_attn",
                                    "lightning_indexer", "topk")]
         + [(op, "output_final_state") for op in RECURRENT]
         + [(op, "use_qk_l2norm_in_kernel") for op in RECURRENT[:3]])


def _raises(kind, op, name, call):
    """Runs `call`; it must raise `kind` (and be a CompilerError) with a
    message naming `op` and `name`."""
    with pytest.raises(kind) as info:
        call()
    assert isinstance(info.value, attn.CompilerError)
    msg = str(info.value)
    assert msg.startswith(op + ":") and name in msg, msg
    assert "attn." not in msg.split(":")[0]  # not an IR diagnostic
    return msg


# --- integers ---------------------------------------------------------------

# None is "unset" for window and block_size, and a non-integer for topk's k.
@pytest.mark.parametrize("op,name,bad", [
    (op, name, bad) for op, name in INTEGERS
    for bad in [2.9, 2.7, 2.0, np.float64(3.0), np.float32(2.5), True,
                np.bool_(True), "2", [2]]] + [("topk", "k", None)])
def test_integer_arguments_refuse_non_integers(op, name, bad):
    msg = _raises(TypeError, op, name, lambda: CALLS[op](**{name: bad}))
    assert "must be an integer" in msg and type(bad).__name__ in msg


@pytest.mark.parametrize("op,name,bad", [
    ("full_attn", "window", 0), ("full_attn", "window", -1),
    ("full_attn", "window", 2**63), ("full_attn", "window", -2**70),
    ("sparse_attn", "block_size", 0), ("sparse_attn", "block_size", -4),
    ("sparse_attn", "block_size", 2**31 + 1),
    ("topk", "k", 0), ("topk", "k", -3), ("topk", "k", np.int64(-1)),
    ("topk", "k", 2**64)])
def test_integer_arguments_out_of_range(op, name, bad):
    msg = _raises(ValueError, op, name, lambda: CALLS[op](**{name: bad}))
    assert str(int(bad)) in msg


def test_reported_truncations_are_refused():
    """The issue's reproducers: window=2.9 ran as 2, topk(s, 2.7) gave 2."""
    q, k, v = _full_inputs()
    with pytest.raises(TypeError, match="full_attn: window must be an "
                                        "integer, got float 2.9"):
        ops.full_attn(q, k, v, window=2.9)
    s = _rng(1).standard_normal((1, 3, 5)).astype(F)
    with pytest.raises(TypeError, match="topk: k must be an integer, got "
                                        "float 2.7"):
        ops.topk(s, 2.7)


def test_numpy_integers_are_integers():
    q, k, v = _full_inputs(seed=5)
    for n in (np.int8(3), np.int32(3), np.int64(3), np.uint16(3)):
        assert np.array_equal(ops.full_attn(q, k, v, window=n),
                              ops.full_attn(q, k, v, window=3))
    s = _rng(2).standard_normal((1, 3, 7)).astype(F)
    out = ops.topk(s, np.int64(4), causal=False)
    assert out.shape == (1, 3, 4) and np.array_equal(out, ops.topk(s, 4,
                                                                   causal=False))
    sq, sk, sv, idx = _sparse_inputs(seed=6)
    assert np.array_equal(ops.sparse_attn(sq, sk, sv, idx // 2,
                                          block_size=np.int32(2)),
                          ops.sparse_attn(sq, sk, sv, idx // 2, block_size=2))


def test_topk_k_beyond_the_key_count_is_padded():
    """A k larger than S is allowed (DSA selects 2048 keys from shorter
    prompts too): the selection is -1 padded, never read out of range."""
    s = _rng(4).standard_normal((1, 2, 3)).astype(F)
    out = ops.topk(s, 5, causal=False)
    assert out.shape == (1, 2, 5)
    assert (out[..., 3:] == -1).all()
    assert sorted(out[0, 0, :3].tolist()) == [0, 1, 2]


# --- numbers ----------------------------------------------------------------

NON_FINITE = [math.nan, math.inf, -math.inf, np.float32("nan"),
              np.float64("inf")]


@pytest.mark.parametrize("op,name", SCALES + [("full_attn", "softcap")])
@pytest.mark.parametrize("bad", NON_FINITE + [0.0, -1.0, -0.5, 0, 1e39,
                                 10**400, -10**400])
def test_scale_and_softcap_must_be_positive_finite_f32(op, name, bad):
    msg = _raises(ValueError, op, name, lambda: CALLS[op](**{name: bad}))
    assert "must be finite and > 0" in msg


@pytest.mark.parametrize("op,name", SCALES + [("full_attn", "softcap")])
@pytest.mark.parametrize("bad", ["0.5", True, np.bool_(False), [0.5],
                                 np.array([0.5]), 1j])
def test_scale_and_softcap_must_be_real_numbers(op, name, bad):
    msg = _raises(TypeError, op, name, lambda: CALLS[op](**{name: bad}))
    assert "must be a real number" in msg


@pytest.mark.parametrize("op", ALL_OPS)
@pytest.mark.parametrize("bad,kind", [(math.nan, ValueError),
                                      (math.inf, ValueError),
                                      (0.0, ValueError), (-1e-3, ValueError),
                                      ("0.1", TypeError), (None, TypeError),
                                      (False, TypeError)])
def test_error_budget_of_every_op(op, bad, kind):
    _raises(kind, op, "error_budget",
            lambda: CALLS[op](precision_policy="fp8", error_budget=bad))


@pytest.mark.parametrize("op", ALL_OPS)
@pytest.mark.parametrize("bad,kind", [("FP8", ValueError), ("", ValueError),
                                      (None, TypeError), (8, TypeError),
                                      (b"fp8", TypeError)])
def test_precision_policy_of_every_op(op, bad, kind):
    msg = _raises(kind, op, "precision_policy",
                  lambda: CALLS[op](precision_policy=bad))
    assert "'off', 'auto', 'fp8'" in msg


def test_pipeline_options_takes_no_strings_for_numbers():
    """float("0.1") used to accept a string budget."""
    with pytest.raises(TypeError, match="error_budget must be a real number"):
        ops.pipeline_options("fp8", "0.1")
    assert ops.pipeline_options("fp8", np.float32(0.5)) == \
        "precision=fp8 error-budget=0.5"
    assert ops.pipeline_options("auto", 1) == "precision=auto error-budget=1"


@pytest.mark.parametrize("bad,kind,text", [
    (math.nan, ValueError, "decay must be finite and <= 0"),
    (-math.inf, ValueError, "decay must be finite and <= 0"),
    (0.5, ValueError, "decay must be finite and <= 0"),
    ([-0.1, math.nan], ValueError, r"decay\[1\] must be finite"),
    (np.array([-0.1, 0.2]), ValueError, r"decay\[1\] must be finite"),
    ([], ValueError, "non-empty 1-D"),
    (np.zeros((2, 1)), ValueError, "non-empty 1-D"),
    ([[-0.1], [-0.2]], TypeError, r"decay\[0\] must be a real number"),
    ("-0.1", TypeError, "decay must be a real number"),
    (True, TypeError, "decay must be a real number")])
def test_decay_values(bad, kind, text):
    with pytest.raises(kind, match=text) as info:
        CALLS["linear_attn"](decay=bad)
    assert isinstance(info.value, attn.CompilerError)
    assert str(info.value).startswith("linear_attn: ")


def test_numpy_numbers_are_numbers():
    q, k, v = _full_inputs(seed=7)
    base = ops.full_attn(q, k, v, scale=0.25, softcap=3.0)
    for scale, cap in ((np.float32(0.25), np.float64(3.0)), (0.25, 3),
                       (np.float64(0.25), np.int32(3))):
        assert np.array_equal(ops.full_attn(q, k, v, scale=scale,
                                            softcap=cap), base)
    rq, rk, rv, _, _, _, _ = _recurrent_inputs(seed=8)
    o1, _ = ops.linear_attn(rq, rk, rv, decay=[-0.1, -0.2])
    for decay in (np.array([-0.1, -0.2]), (np.float32(-0.1), -0.2)):
        o2, _ = ops.linear_attn(rq, rk, rv, decay=decay)
        assert np.allclose(o1, o2, rtol=1e-6, atol=1e-7)


# --- flags ------------------------------------------------------------------

@pytest.mark.parametrize("op,name", FLAGS)
@pytest.mark.parametrize("bad", [1, 0, None, "yes", 1.0, np.int64(1)])
def test_flags_must_be_bool(op, name, bad):
    msg = _raises(TypeError, op, name, lambda: CALLS[op](**{name: bad}))
    assert "must be True or False" in msg


def test_numpy_bools_are_flags():
    q, k, v = _full_inputs(seed=9)
    assert np.array_equal(ops.full_attn(q, k, v, causal=np.bool_(False)),
                          ops.full_attn(q, k, v, causal=False))
    rq, rk, rv, _, _, beta, _ = _recurrent_inputs(seed=10)
    o, s = ops.delta_rule(rq, rk, rv, beta, output_final_state=np.bool_(True),
                          use_qk_l2norm_in_kernel=np.bool_(True))
    assert s is not None and s.shape == (1, 2, 8, 8)


def test_window_requires_causal_is_named():
    q, k, v = _full_inputs()
    with pytest.raises(ValueError, match="full_attn: window requires "
                                         "causal=True"):
        ops.full_attn(q, k, v, causal=False, window=3)


# --- initial_state ----------------------------------------------------------

@pytest.mark.parametrize("op", RECURRENT)
@pytest.mark.parametrize("bad,kind,text", [
    (np.zeros((1, 2, 8, 8), np.float16), ValueError, "must be float32"),
    (np.zeros((1, 2, 8, 8), np.float64), ValueError, "must be float32"),
    (np.zeros((2, 8, 8), np.float32), ValueError, "must be 4-D"),
    ([[0.0]], TypeError, "numpy array or a CUDA torch tensor")])
def test_initial_state_dtype_and_rank(op, bad, kind, text):
    msg = _raises(kind, op, "initial_state",
                  lambda: CALLS[op](initial_state=bad))
    assert text in msg


# --- the GPU path is checked before it is taken ----------------------------

class _FakeCudaTensor:
    """Looks like a torch CUDA tensor to attn.ops._is_torch; any use beyond
    that fails the test."""
    __module__ = "torch.fake"
    is_cuda = True

    def __getattr__(self, name):
        raise AssertionError("the GPU path was taken (%s)" % name)


@pytest.mark.parametrize("op,kw,kind", [
    ("full_attn", dict(window=2.9), TypeError),
    ("full_attn", dict(scale=math.nan), ValueError),
    ("full_attn", dict(causal=1), TypeError),
    ("sparse_attn", dict(block_size=0), ValueError),
    ("topk", dict(k=2.7), TypeError),
    ("lightning_indexer", dict(causal=None), TypeError),
    ("linear_attn", dict(decay=0.5), ValueError),
    ("kda", dict(output_final_state="yes"), TypeError)])
def test_gpu_path_arguments_checked_first(op, kw, kind):
    t = _FakeCudaTensor()
    call = {"full_attn": lambda: ops.full_attn(t, t, t, **kw),
            "sparse_attn": lambda: ops.sparse_attn(t, t, t, t, **kw),
            "topk": lambda: ops.topk(t, **kw),
            "lightning_indexer": lambda: ops.lightning_indexer(t, t, t, **kw),
            "linear_attn": lambda: ops.linear_attn(t, t, t, **kw),
            "kda": lambda: ops.kda(t, t, t, t, t, **kw)}[op]
    _raises(kind, op, list(kw)[0], call)


# --- the module builders (GPU path, attn.precompile) ------------------------

def test_module_builders_check_their_arguments():
    sh = (1, 1, 1, 64)
    el = ("bf16",) * 3
    with pytest.raises(TypeError, match="full_module_ir: window must be an "
                                        "integer"):
        ops.full_module_ir(sh, sh, sh, el, True, window=64.0)
    with pytest.raises(TypeError, match=r"full_module_ir: tile\[1\] must be "
                                        "an integer"):
        ops.full_module_ir(sh, sh, sh, el, True, tile=(64, 32.0, 4))
    with pytest.raises(ValueError, match=r"full_module_ir: tile\[2\] must be "
                                         "in"):
        ops.full_module_ir(sh, sh, sh, el, True, tile=(64, 32, 0))
    with pytest.raises(TypeError, match=r"full_module_ir: tile must be \(q, kv, "
                                        r"warps\)"):
        ops.full_module_ir(sh, sh, sh, el, True, tile=(64, 32))
    with pytest.raises(ValueError, match="full_module_ir: softcap must be "
                                         "finite"):
        ops.full_module_ir(sh, sh, sh, el, True, softcap=math.inf)
    with pytest.raises(ValueError, match="sparse_module_ir: block_size must"):
        ops.sparse_module_ir(sh, sh, sh, (1, 1, 1, 1), el, block_size=-1)
    with pytest.raises(TypeError, match="topk_module_ir: k must be an "
                                        "integer"):
        ops.topk_module_ir((1, 1, 1), 64.0)
    with pytest.raises(TypeError, match="indexer_module_ir: causal must be"):
        ops.indexer_module_ir((1, 1, 16, 64), (1, 1, 64), (1, 1, 16),
                              ("bf16",) * 3, causal=1)
    shapes = {"q": sh, "k": sh, "v": sh}
    els = {"q": "bf16", "k": "bf16", "v": "bf16"}
    with pytest.raises(ValueError, match=r"recurrent_module_ir: decay\[0\] "
                                         "must be finite and <= 0"):
        ops.recurrent_module_ir("linear", shapes, els, decay=[0.1])
    with pytest.raises(ValueError, match="recurrent_module_ir: form must be"):
        ops.recurrent_module_ir("linear", shapes, els, form="fast")
    # What the builders write is the checked value, never a rounded one.
    assert "window = 64 : i64" in ops.full_module_ir(sh, sh, sh, el, True,
                                                     window=np.int16(64))
    assert "k = 7 : i64" in ops.topk_module_ir((1, 1, 1), np.uint8(7))


# --- operand dtypes ---------------------------------------------------------

@pytest.mark.parametrize("op,name,dtype,text", [
    ("full_attn", "q", np.float64, "float32 or float16"),
    ("full_attn", "v", np.int32, "float32 or float16"),
    ("sparse_attn", "indices", np.float32, "int32"),
    ("sparse_attn", "indices", np.int64, "int32"),
    ("lightning_indexer", "w", np.int32, "float32 or float16"),
    ("lightning_indexer", "qi", np.bool_, "float32 or float16"),
    ("topk", "scores", np.float64, "float32"),
    ("topk", "scores", np.float16, "float32"),
    ("delta_rule", "beta", np.int32, "float32 or float16"),
    ("gated_delta_rule", "g", np.float64, "float32 or float16"),
    ("linear_attn", "k", np.complex64, "float32 or float16")])
def test_operand_dtypes_are_named(op, name, dtype, text):
    """A numpy operand of a dtype the op cannot take is refused naming it,
    not with the verifier's "operand #3 must be ranked tensor of ..."."""
    q, k, v = _full_inputs()
    rq, rk, rv, g, gs, beta, _ = _recurrent_inputs()
    qi, ki, w = _indexer_inputs()
    sq, sk, sv, idx = _sparse_inputs()
    scores = _rng(3).standard_normal((1, 4, 6)).astype(F)
    args = {"full_attn": dict(q=q, k=k, v=v),
            "sparse_attn": dict(q=sq, k=sk, v=sv, indices=idx),
            "lightning_indexer": dict(qi=qi, ki=ki, w=w),
            "topk": dict(scores=scores, k=2),
            "delta_rule": dict(q=rq, k=rk, v=rv, beta=beta),
            "gated_delta_rule": dict(q=rq, k=rk, v=rv, g=gs, beta=beta),
            "linear_attn": dict(q=rq, k=rk, v=rv)}[op]
    args[name] = args[name].astype(dtype)
    msg = _raises(ValueError, op, name, lambda: getattr(ops, op)(**args))
    assert "%s must be ranked tensor of %s values, got %s" % (
        name, text, np.dtype(dtype).name) in msg
    assert "operand #" not in msg
