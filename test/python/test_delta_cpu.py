"""attn.ops.kda / gated_delta_rule / delta_rule on the CPU backend against
the float64 naive recurrence."""

import numpy as np
import pytest

import attn
from attn import _jit
import references as ref

TOL = 1e-5  # f32 against float64: ~2e-7 is typical
SHAPES = [1, 37, 100, 257]


def _unit(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _inputs(rng, B, T, H, HV, K, V, gate, gate_level="moderate", dtype=np.float32):
    q = rng.standard_normal((B, T, H, K))
    k = _unit(rng.standard_normal((B, T, H, K)))  # the delta rule wants unit keys
    v = rng.standard_normal((B, T, HV, V))
    beta = 1.0 / (1.0 + np.exp(-rng.standard_normal((B, T, HV))))
    shape = {"none": None, "scalar": (B, T, HV), "vector": (B, T, HV, K)}[gate]
    g = None
    if shape is not None:
        if gate_level == "near0":
            g = -1e-3 * rng.random(shape)
        elif gate_level == "near-20":
            g = -20.0 + 0.5 * rng.standard_normal(shape)
        else:
            g = np.log(1.0 / (1.0 + np.exp(-rng.standard_normal(shape) - 2.0)))
        g = g.astype(np.float32)
    cast = lambda x: x.astype(dtype)
    return cast(q), cast(k), cast(v), beta.astype(np.float32), g


def _check(o, s, expected_o, expected_s, tol=TOL):
    ref.assert_close(o, expected_o, tol, "o")
    if expected_s is not None:
        assert s.dtype == np.float32
        ref.assert_close(s, expected_s, tol, "final state")


@pytest.mark.parametrize("T", SHAPES)
@pytest.mark.parametrize("gate_level", ["near0", "moderate", "near-20"])
def test_kda_gva_initial_state(T, gate_level):
    rng = ref.rng()
    q, k, v, beta, g = _inputs(rng, 2, T, 2, 4, 32, 16, "vector", gate_level)
    s0 = rng.standard_normal((2, 4, 32, 16)).astype(np.float32)
    o, s = attn.ops.kda(q, k, v, g, beta, initial_state=s0, output_final_state=True)
    eo, es = ref.delta_rule(q, k, v, beta, g, initial_state=s0)
    _check(o, s, eo, es)


@pytest.mark.parametrize("T", SHAPES)
@pytest.mark.parametrize("gate_level", ["near0", "moderate", "near-20"])
def test_gated_delta_rule(T, gate_level):
    rng = ref.rng()
    q, k, v, beta, g = _inputs(rng, 2, T, 2, 2, 16, 32, "scalar", gate_level)
    o, s = attn.ops.gated_delta_rule(q, k, v, g, beta, output_final_state=True)
    eo, es = ref.delta_rule(q, k, v, beta, g)
    _check(o, s, eo, es)


@pytest.mark.parametrize("T", SHAPES)
def test_delta_rule_gva(T):
    rng = ref.rng()
    q, k, v, beta, _ = _inputs(rng, 2, T, 1, 3, 16, 16, "none")
    s0 = rng.standard_normal((2, 3, 16, 16)).astype(np.float32)
    o, s = attn.ops.delta_rule(q, k, v, beta, initial_state=s0, output_final_state=True)
    eo, es = ref.delta_rule(q, k, v, beta, None, initial_state=s0)
    _check(o, s, eo, es)


@pytest.mark.parametrize("T", [1, 100])
def test_qk_l2norm_in_kernel_and_scale(T):
    rng = ref.rng()
    q, _, v, beta, g = _inputs(rng, 1, T, 2, 2, 32, 32, "vector")
    k = rng.standard_normal(q.shape).astype(np.float32) * 3.0  # not unit
    o, s = attn.ops.kda(q, k, v, g, beta, scale=0.3, output_final_state=True,
                        use_qk_l2norm_in_kernel=True)
    eo, es = ref.delta_rule(q, k, v, beta, g, scale=0.3, use_qk_l2norm=True)
    _check(o, s, eo, es)


def test_no_final_state_returns_none():
    rng = ref.rng()
    q, k, v, beta, g = _inputs(rng, 1, 5, 1, 1, 16, 16, "vector")
    o, s = attn.ops.kda(q, k, v, g, beta)
    assert s is None and o.shape == (1, 5, 1, 16)


def test_float16_inputs():
    rng = ref.rng()
    q, k, v, beta, g = _inputs(rng, 1, 100, 2, 2, 32, 32, "scalar", dtype=np.float16)
    o, s = attn.ops.gated_delta_rule(q, k, v, g, beta, output_final_state=True)
    eo, es = ref.delta_rule(q, k, v, beta, g)
    assert o.dtype == np.float16
    ref.assert_close(o, eo, 1e-3, "o")  # f16 output: ~2e-4
    ref.assert_close(s, es, TOL, "final state")  # f32


def _delta_module(form, chunk, T, H, HV, K, V):
    plan = "form = #attn.form<%s>" % form
    if chunk:
        plan += ", chunk = #attn.chunk<size = %d>" % chunk
    t = lambda *d: "tensor<%s>" % "x".join(map(str, d))
    args = [t(1, T, H, K, "f32"), t(1, T, H, K, "f32"), t(1, T, HV, V, "f32"),
            t(1, T, HV, "f32"), t(1, T, HV, K, "f32"), t(1, HV, K, V, "f32")]
    res = "(%s, %s)" % (t(1, T, HV, V, "f32"), t(1, HV, K, V, "f32"))
    return _jit.Module(
        "func.func @f(%%q: %s, %%k: %s, %%v: %s, %%b: %s, %%g: %s, %%s: %s) -> %s {\n"
        "  %%o, %%fs = attn.delta %%q, %%k, %%v, %%b gate(%%g) initial_state(%%s) {%s}\n"
        "      : (%s) -> %s\n"
        "  return %%o, %%fs : %s\n}\n"
        % (*args, res, plan, ", ".join(args), res, res[1:-1]))


@pytest.mark.parametrize("chunk", [16, 64])
def test_recurrent_and_chunked_forms_agree(chunk):
    rng = ref.rng()
    T, H, HV, K, V = 100, 1, 2, 16, 16
    q, k, v, beta, g = _inputs(rng, 1, T, H, HV, K, V, "vector")
    s0 = rng.standard_normal((1, HV, K, V)).astype(np.float32)
    inputs = [q, k, v, beta, g, s0]
    res = [(4, np.float32), (4, np.float32)]
    rec = _delta_module("recurrent", None, T, H, HV, K, V).call("f", inputs, res)
    chk = _delta_module("chunked", chunk, T, H, HV, K, V).call("f", inputs, res)
    for a, b, what in zip(rec, chk, ("o", "final state")):
        ref.assert_close(b, a, TOL, what)
    eo, es = ref.delta_rule(q, k, v, beta, g, initial_state=s0)
    _check(rec[0], rec[1], eo, es)


def test_gate_shape_error_carries_the_diagnostic():
    rng = ref.rng()
    q, k, v, beta, g = _inputs(rng, 1, 8, 2, 4, 16, 16, "vector")
    with pytest.raises(attn.CompilerError, match="'gate' has HV = 2"):
        attn.ops.kda(q, k, v, g[:, :, :2], beta)


def test_gva_rule_error():
    rng = ref.rng()
    q, k, v, beta, g = _inputs(rng, 1, 8, 2, 3, 16, 16, "scalar")
    with pytest.raises(attn.CompilerError, match="multiple of query/key heads"):
        attn.ops.gated_delta_rule(q, k, v, g, beta)


@pytest.mark.parametrize("T", [17, 100])
def test_minus_inf_gates_are_exact_zeros(T):
    """A gate of -inf (decay exactly 0) must not turn the chunked form's
    cumulative-gate differences into NaN."""
    rng = ref.rng()
    q, k, v, beta, g = _inputs(rng, 1, T, 1, 2, 16, 16, "vector")
    g[0, ::7, 0, :] = -np.inf
    g[0, 3::11, 1, ::2] = -np.inf
    s0 = rng.standard_normal((1, 2, 16, 16)).astype(np.float32)
    o, s = attn.ops.kda(q, k, v, g, beta, initial_state=s0, output_final_state=True)
    eo, es = ref.delta_rule(q, k, v, beta, g, initial_state=s0)
    _check(o, s, eo, es)


@pytest.mark.parametrize("op", ["kda", "gated_delta_rule", "delta_rule"])
def test_every_argument(op):
    """scale, initial_state, output_final_state and use_qk_l2norm_in_kernel
    of each delta-rule op against float64; each of them changes the
    reference (so a wrapper that dropped one would fail)."""
    rng = ref.rng()
    gate = {"kda": "vector", "gated_delta_rule": "scalar",
            "delta_rule": "none"}[op]
    q, _, v, beta, g = _inputs(rng, 2, 45, 1, 2, 16, 16, gate)
    k = rng.standard_normal(q.shape).astype(np.float32) * 2.0  # not unit
    s0 = rng.standard_normal((2, 2, 16, 16)).astype(np.float32)
    fn = getattr(attn.ops, op)
    args = (q, k, v, g, beta) if g is not None else (q, k, v, beta)
    kw = dict(scale=0.3, initial_state=s0, use_qk_l2norm_in_kernel=True)
    o, s = fn(*args, output_final_state=True, **kw)
    eo, es = ref.delta_rule(q, k, v, beta, g, scale=0.3, initial_state=s0,
                            use_qk_l2norm=True)
    _check(o, s, eo, es)
    o2, none = fn(*args, **kw)
    assert none is None
    _check(o2, None, eo, None)
    for drop in ({"scale": None}, {"initial_state": None},
                 {"use_qk_l2norm": False}):
        full = dict(scale=0.3, initial_state=s0, use_qk_l2norm=True)
        full.update(drop)
        assert ref.rel_err(ref.delta_rule(q, k, v, beta, g, **full)[0],
                           eo) > 1e-2, drop
