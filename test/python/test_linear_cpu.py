"""attn.ops.linear_attn on the CPU backend against the float64 naive
recurrence: no gate, scalar gate, GLA gate, constant decay."""

import numpy as np
import pytest

import attn
import references as ref

TOL = 1e-5  # f32 against float64: ~2e-7 is typical
SHAPES = [1, 37, 100, 257]


def _inputs(rng, B, T, H, K, V, dtype=np.float32):
    q = rng.standard_normal((B, T, H, K)).astype(dtype) * 0.5
    k = rng.standard_normal((B, T, H, K)).astype(dtype) * 0.5
    v = rng.standard_normal((B, T, H, V)).astype(dtype)
    return q, k, v


def _gate(rng, shape, level):
    if level == "near0":
        return (-1e-3 * rng.random(shape)).astype(np.float32)
    if level == "near-20":
        return (-20.0 + 0.5 * rng.standard_normal(shape)).astype(np.float32)
    return np.log(1.0 / (1.0 + np.exp(-rng.standard_normal(shape) - 2.0))).astype(np.float32)


@pytest.mark.parametrize("T", SHAPES)
def test_plain_with_initial_state(T):
    rng = ref.rng()
    q, k, v = _inputs(rng, 2, T, 2, 16, 32)
    s0 = rng.standard_normal((2, 2, 16, 32)).astype(np.float32)
    o, s = attn.ops.linear_attn(q, k, v, initial_state=s0, output_final_state=True)
    eo, es = ref.linear_attn(q, k, v, initial_state=s0)
    ref.assert_close(o, eo, TOL, "o")
    ref.assert_close(s, es, TOL, "final state")


@pytest.mark.parametrize("T", SHAPES)
@pytest.mark.parametrize("level", ["near0", "moderate", "near-20"])
@pytest.mark.parametrize("per_channel", [False, True])
def test_gated(T, level, per_channel):
    rng = ref.rng()
    q, k, v = _inputs(rng, 2, T, 2, 16, 16)
    g = _gate(rng, (2, T, 2, 16) if per_channel else (2, T, 2), level)
    o, s = attn.ops.linear_attn(q, k, v, g, output_final_state=True)
    eo, es = ref.linear_attn(q, k, v, g)
    ref.assert_close(o, eo, TOL, "o")
    ref.assert_close(s, es, TOL, "final state")


@pytest.mark.parametrize("decay", [-0.05, [-0.5, -0.01, -3.0]])
def test_constant_decay(decay):
    rng = ref.rng()
    q, k, v = _inputs(rng, 1, 100, 3, 16, 16)
    o, s = attn.ops.linear_attn(q, k, v, decay=decay, scale=0.2, output_final_state=True)
    eo, es = ref.linear_attn(q, k, v, decay=decay, scale=0.2)
    ref.assert_close(o, eo, TOL, "o")
    ref.assert_close(s, es, TOL, "final state")


def test_decay_and_gate_together_is_an_error():
    rng = ref.rng()
    q, k, v = _inputs(rng, 1, 4, 1, 16, 16)
    g = _gate(rng, (1, 4, 1), "moderate")
    with pytest.raises(attn.CompilerError, match="both a 'gate' operand and a constant"):
        attn.ops.linear_attn(q, k, v, g, decay=-0.1)


def test_positive_decay_is_an_error():
    rng = ref.rng()
    q, k, v = _inputs(rng, 1, 4, 1, 16, 16)
    with pytest.raises(attn.CompilerError, match="must be finite and <= 0"):
        attn.ops.linear_attn(q, k, v, decay=0.5)


@pytest.mark.parametrize("decay", [[-1.0e38, -0.5], [-1.0e300, -1e-5]])
def test_huge_and_tiny_constant_decay(decay):
    rng = ref.rng()
    q, k, v = _inputs(rng, 1, 70, 2, 16, 16)
    o, s = attn.ops.linear_attn(q, k, v, decay=decay, output_final_state=True)
    eo, es = ref.linear_attn(q, k, v, decay=decay)
    ref.assert_close(o, eo, TOL, "o")
    ref.assert_close(s, es, TOL, "final state")


@pytest.mark.parametrize("per_channel", [False, True])
def test_strong_then_weak_gates(per_channel):
    """A chunk whose first tokens decay to 0 (gate -inf / -190) and whose
    later tokens barely decay: the cumulative gate is large, the later
    differences small; they must keep full precision."""
    rng = ref.rng()
    T = 200
    q, k, v = _inputs(rng, 1, T, 2, 16, 16)
    shape = (1, T, 2, 16) if per_channel else (1, T, 2)
    g = np.full(shape, -0.01, np.float32)
    g[0, :100] = -np.inf
    g[0, :100:3] = -190.0
    o, s = attn.ops.linear_attn(q, k, v, g, output_final_state=True)
    eo, es = ref.linear_attn(q, k, v, g)
    ref.assert_close(o, eo, TOL, "o")
    ref.assert_close(s, es, TOL, "final state")


@pytest.mark.parametrize("gate", ["none", "scalar", "vector"])
def test_gate_scale_and_initial_state(gate):
    """scale and initial_state with every gate form against float64; each
    changes the reference (so a wrapper that dropped one would fail)."""
    rng = ref.rng()
    q, k, v = _inputs(rng, 2, 45, 2, 16, 16)
    g = {"none": None, "scalar": _gate(rng, (2, 45, 2), "moderate"),
         "vector": _gate(rng, (2, 45, 2, 16), "moderate")}[gate]
    s0 = rng.standard_normal((2, 2, 16, 16)).astype(np.float32)
    o, s = attn.ops.linear_attn(q, k, v, g, scale=0.7, initial_state=s0,
                                output_final_state=True)
    eo, es = ref.linear_attn(q, k, v, g, scale=0.7, initial_state=s0)
    ref.assert_close(o, eo, TOL, "o")
    ref.assert_close(s, es, TOL, "final state")
    o2, none = attn.ops.linear_attn(q, k, v, g, scale=0.7, initial_state=s0)
    assert none is None
    ref.assert_close(o2, eo, TOL, "o without the final state")
    assert ref.rel_err(ref.linear_attn(q, k, v, g, initial_state=s0)[0],
                       eo) > 1e-2
    assert ref.rel_err(ref.linear_attn(q, k, v, g, scale=0.7)[0], eo) > 1e-2
