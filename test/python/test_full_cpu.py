"""attn.ops.full_attn on the CPU backend against the float64 reference."""

import numpy as np
import pytest

import attn
import references as ref

TOL = 1e-5  # f32 against float64: ~2e-7 is typical


def _inputs(rng, B, T, S, H, Hkv, D, Dv, dtype=np.float32):
    q = rng.standard_normal((B, T, H, D)).astype(dtype)
    k = rng.standard_normal((B, S, Hkv, D)).astype(dtype)
    v = rng.standard_normal((B, S, Hkv, Dv)).astype(dtype)
    return q, k, v


@pytest.mark.parametrize("T", [1, 37, 100, 257])
@pytest.mark.parametrize("causal", [True, False])
def test_prefill_gqa(T, causal):
    rng = ref.rng()
    q, k, v = _inputs(rng, 2, T, T, 4, 2, 32, 16)
    o = attn.ops.full_attn(q, k, v, causal=causal)
    expected, _ = ref.full_attn(q, k, v, causal=causal)
    assert o.shape == expected.shape and o.dtype == np.float32
    ref.assert_close(o, expected, TOL)


@pytest.mark.parametrize("T,S", [(1, 300), (5, 129), (64, 200)])
def test_decode_against_kv_cache(T, S):
    rng = ref.rng()
    q, k, v = _inputs(rng, 2, T, S, 8, 1, 64, 64)
    o = attn.ops.full_attn(q, k, v, causal=True)
    expected, _ = ref.full_attn(q, k, v, causal=True)
    ref.assert_close(o, expected, TOL)


@pytest.mark.parametrize("window", [1, 16, 70])
def test_sliding_window(window):
    rng = ref.rng()
    q, k, v = _inputs(rng, 1, 257, 257, 2, 2, 16, 16)
    o = attn.ops.full_attn(q, k, v, causal=True, window=window)
    expected, _ = ref.full_attn(q, k, v, causal=True, window=window)
    ref.assert_close(o, expected, TOL)


def test_scale_and_large_logits():
    rng = ref.rng()
    q, k, v = _inputs(rng, 1, 100, 100, 2, 1, 16, 16)
    q *= 30.0  # logits in the thousands: the online max must keep exp finite
    o = attn.ops.full_attn(q, k, v, causal=True, scale=0.5)
    expected, _ = ref.full_attn(q, k, v, causal=True, scale=0.5)
    ref.assert_close(o, expected, TOL)


def test_float16_inputs():
    rng = ref.rng()
    q, k, v = _inputs(rng, 1, 37, 37, 2, 2, 16, 16, np.float16)
    o = attn.ops.full_attn(q, k, v)
    expected, _ = ref.full_attn(q, k, v)
    assert o.dtype == np.float16
    ref.assert_close(o, expected, 1e-3)  # f16 output: ~2e-4


def test_one_kernel_serves_every_length():
    rng = ref.rng()
    before = len(attn.ops._cache)
    for T in (3, 40, 65):
        q, k, v = _inputs(rng, 1, T, T, 2, 1, 24, 8)
        attn.ops.full_attn(q, k, v)
    assert len(attn.ops._cache) - before == 1


def test_bad_head_dim_is_a_compiler_error():
    rng = ref.rng()
    q, k, v = _inputs(rng, 1, 8, 8, 2, 1, 16, 16)
    with pytest.raises(attn.CompilerError, match=r"'k' has D = 8.*expected 16"):
        attn.ops.full_attn(q, k[..., :8], v)


def test_gqa_rule_is_a_compiler_error():
    rng = ref.rng()
    q, k, v = _inputs(rng, 1, 8, 8, 3, 2, 16, 16)
    with pytest.raises(attn.CompilerError, match="multiple of key/value heads"):
        attn.ops.full_attn(q, k, v)


def test_causal_needs_t_le_s():
    rng = ref.rng()
    q, k, v = _inputs(rng, 1, 9, 8, 2, 1, 16, 16)
    with pytest.raises(attn.CompilerError, match="last T of S"):
        attn.ops.full_attn(q, k, v, causal=True)


def test_float64_is_rejected_by_the_compiler():
    rng = ref.rng()
    q, k, v = _inputs(rng, 1, 8, 8, 2, 1, 16, 16, np.float64)
    with pytest.raises(attn.CompilerError, match="must be ranked tensor of"):
        attn.ops.full_attn(q, k, v)


def test_large_value_dim_uses_heap_scratch():
    # A 64 x 20000 f32 accumulator (5 MB) cannot live on the stack.
    rng = ref.rng()
    q, k, v = _inputs(rng, 1, 3, 3, 2, 1, 16, 20000)
    o = attn.ops.full_attn(q, k, v)
    expected, _ = ref.full_attn(q, k, v)
    ref.assert_close(o, expected, TOL)


@pytest.mark.parametrize("T,S", [(37, 37), (5, 100)])
def test_softcap_window_and_lse(T, S):
    """Logit soft-cap, window and the log-sum-exp result (not exposed by
    attn.ops.full_attn) through a module of our own."""
    from attn import _jit
    rng = ref.rng()
    q, k, v = _inputs(rng, 2, T, S, 4, 2, 16, 8)
    q *= 4.0  # large logits, so the cap matters
    module = _jit.Module("""
func.func @f(%q: tensor<?x?x4x16xf32>, %k: tensor<?x?x2x16xf32>, %v: tensor<?x?x2x8xf32>)
    -> (tensor<?x?x4x8xf32>, tensor<?x?x4xf32>) {
  %o, %lse = attn.full %q, %k, %v {causal, softcap = 5.0 : f64, window = 20 : i64}
      : (tensor<?x?x4x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x8xf32>)
      -> (tensor<?x?x4x8xf32>, tensor<?x?x4xf32>)
  return %o, %lse : tensor<?x?x4x8xf32>, tensor<?x?x4xf32>
}
""")
    o, lse = module.call("f", [q, k, v], [(4, np.float32), (3, np.float32)])
    eo, else_ = ref.full_attn(q, k, v, causal=True, window=20, softcap=5.0)
    ref.assert_close(o, eo, TOL)
    ref.assert_close(lse, else_, TOL)


def test_huge_window_and_tiny_scale():
    # window = 2^63 - 1 must mean "no window" (no overflow in the mask), and
    # scale = 1e-5 must reach the compiler as a valid literal.
    rng = ref.rng()
    q, k, v = _inputs(rng, 1, 20, 20, 2, 1, 16, 16)
    o = attn.ops.full_attn(q, k, v, window=2**63 - 1, scale=1e-5)
    expected, _ = ref.full_attn(q, k, v, scale=1e-5)
    ref.assert_close(o, expected, TOL)


def _differs(a, b, margin=1e-2):
    """The argument under test matters: the references with and without it
    differ by far more than the tolerance (else dropping it would pass)."""
    assert ref.rel_err(a, b) > margin, ref.rel_err(a, b)


@pytest.mark.parametrize("causal,window", [(True, None), (False, None),
                                           (True, 9)])
def test_softcap_through_ops(causal, window):
    """full_attn(softcap=) on numpy arrays, with a scale: the cap applies to
    the scaled scores, softcap * tanh(scale q.k / softcap)."""
    rng = ref.rng()
    q, k, v = _inputs(rng, 2, 40, 40, 4, 2, 16, 8)
    q *= 3.0  # scores of a few tens: a cap of 4 bends them
    o = attn.ops.full_attn(q, k, v, causal=causal, window=window,
                           scale=0.4, softcap=4.0)
    expected, _ = ref.full_attn(q, k, v, causal=causal, window=window,
                                scale=0.4, softcap=4.0)
    _differs(ref.full_attn(q, k, v, causal=causal, window=window,
                           scale=0.4)[0], expected)
    ref.assert_close(o, expected, TOL)

