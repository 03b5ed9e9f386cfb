"""attn.ops.lightning_indexer and attn.ops.topk on the CPU backend against
float64 references, and the DSA chain indexer -> top-k -> sparse."""

import numpy as np
import pytest

import attn
import references as ref

TOL = 1e-5  # f32 against float64: ~2e-7 is typical


def _indexer_inputs(rng, B, T, S, Hi, Di):
    qi = rng.standard_normal((B, T, Hi, Di)).astype(np.float32)
    ki = rng.standard_normal((B, S, Di)).astype(np.float32)
    w = rng.standard_normal((B, T, Hi)).astype(np.float32)
    return qi, ki, w


def _check_scores(out, expected, tol=TOL):
    """-inf exactly where the reference masks, finite and within `tol`
    elsewhere (NaN fails both)."""
    mask = np.isfinite(expected)
    assert out.shape == expected.shape
    assert np.array_equal(np.isfinite(out), mask), \
        "finite where the reference is not, or the reverse %s" % (
            ref.seed_note(),)
    assert np.all(out[~mask] == -np.inf), ref.seed_note()
    ref.assert_close(out[mask], expected[mask], tol)


@pytest.mark.parametrize("T", [1, 37, 100, 257])
def test_indexer(T):
    rng = ref.rng()
    qi, ki, w = _indexer_inputs(rng, 2, T, T, 4, 32)
    s = attn.ops.lightning_indexer(qi, ki, w)
    assert s.dtype == np.float32 and s.shape == (2, T, T)
    _check_scores(s, ref.lightning_indexer(qi, ki, w))


def test_indexer_decoding():
    rng = ref.rng()
    qi, ki, w = _indexer_inputs(rng, 1, 4, 300, 8, 16)
    s = attn.ops.lightning_indexer(qi, ki, w)
    _check_scores(s, ref.lightning_indexer(qi, ki, w))


@pytest.mark.parametrize("T,S", [(20, 50), (50, 20), (33, 33)])
def test_indexer_not_causal(T, S):
    """lightning_indexer(causal=False): every key scored, T > S allowed."""
    rng = ref.rng()
    qi, ki, w = _indexer_inputs(rng, 2, T, S, 4, 16)
    s = attn.ops.lightning_indexer(qi, ki, w, causal=False)
    expected = ref.lightning_indexer(qi, ki, w, causal=False)
    assert s.shape == (2, T, S)
    _check_scores(s, expected)
    assert np.all(np.isfinite(expected))  # nothing masked, unlike causal


@pytest.mark.parametrize("T,k", [(1, 4), (37, 8), (100, 16), (257, 64)])
def test_topk_causal_with_padding(T, k):
    rng = ref.rng()
    scores = rng.standard_normal((2, T, T)).astype(np.float32)
    out = attn.ops.topk(scores, k)
    assert out.dtype == np.int32 and out.shape == (2, T, k)
    assert np.array_equal(out, ref.topk(scores, k))  # early rows are -1 padded


def test_topk_non_causal_and_masked_entries():
    rng = ref.rng()
    scores = rng.standard_normal((1, 20, 50)).astype(np.float32)
    scores[0, :, ::3] = -np.inf
    out = attn.ops.topk(scores, 40, causal=False)
    assert np.array_equal(out, ref.topk(scores, 40, causal=False))


def test_topk_ties_prefer_smaller_index():
    scores = np.zeros((1, 1, 10), np.float32)
    scores[0, 0, [7, 2, 5]] = 1.0
    out = attn.ops.topk(scores, 4, causal=False)
    assert out[0, 0].tolist() == [2, 5, 7, 0]


def test_dsa_chain():
    rng = ref.rng()
    B, T, H, D, Hi, Di, k = 1, 100, 4, 32, 4, 16, 24
    qi, ki, w = _indexer_inputs(rng, B, T, T, Hi, Di)
    idx = attn.ops.topk(attn.ops.lightning_indexer(qi, ki, w), k)
    q = rng.standard_normal((B, T, H, D)).astype(np.float32)
    kk = rng.standard_normal((B, T, 1, D)).astype(np.float32)
    v = rng.standard_normal((B, T, 1, D)).astype(np.float32)
    o = attn.ops.sparse_attn(q, kk, v, idx[:, :, None, :])
    expected_idx = ref.topk(ref.lightning_indexer(qi, ki, w), k)
    expected = ref.sparse_attn(q, kk, v, expected_idx[:, :, None, :])
    ref.assert_close(o, expected, TOL)


def test_dsa_chain_in_one_function():
    """indexer -> top-k -> sparse as ONE compiled function: several kernels,
    intermediate buffers, a reshape between them."""
    from attn import _jit
    rng = ref.rng()
    B, T, H, D, Hi, Di, k = 1, 77, 4, 16, 4, 16, 12
    qi, ki, w = _indexer_inputs(rng, B, T, T, Hi, Di)
    q = rng.standard_normal((B, T, H, D)).astype(np.float32)
    kk = rng.standard_normal((B, T, 1, D)).astype(np.float32)
    v = rng.standard_normal((B, T, 1, D)).astype(np.float32)
    module = _jit.Module("""
func.func @dsa(%qi: tensor<1x?x4x16xf32>, %ki: tensor<1x?x16xf32>, %w: tensor<1x?x4xf32>,
               %q: tensor<1x?x4x16xf32>, %k: tensor<1x?x1x16xf32>, %v: tensor<1x?x1x16xf32>)
    -> tensor<1x?x4x16xf32> {
  %s = attn.indexer %qi, %ki, %w {causal}
      : (tensor<1x?x4x16xf32>, tensor<1x?x16xf32>, tensor<1x?x4xf32>) -> tensor<1x?x?xf32>
  %i = attn.topk %s {k = 12 : i64, causal} : (tensor<1x?x?xf32>) -> tensor<1x?x12xi32>
  %c1 = arith.constant 1 : index
  %t = tensor.dim %i, %c1 : tensor<1x?x12xi32>
  %i4 = tensor.expand_shape %i [[0], [1], [2, 3]] output_shape [1, %t, 1, 12]
      : tensor<1x?x12xi32> into tensor<1x?x1x12xi32>
  %o = attn.sparse %q, %k, %v, %i4 {causal}
      : (tensor<1x?x4x16xf32>, tensor<1x?x1x16xf32>, tensor<1x?x1x16xf32>, tensor<1x?x1x12xi32>)
      -> tensor<1x?x4x16xf32>
  return %o : tensor<1x?x4x16xf32>
}
""")
    (o,) = module.call("dsa", [qi, ki, w, q, kk, v], [(4, np.float32)])
    expected_idx = ref.topk(ref.lightning_indexer(qi, ki, w), k)
    expected = ref.sparse_attn(q, kk, v, expected_idx[:, :, None, :])
    ref.assert_close(o, expected, TOL)


def test_topk_bad_k():
    scores = np.zeros((1, 2, 4), np.float32)
    with pytest.raises(attn.CompilerError, match="k must be at least 1"):
        attn.ops.topk(scores, 0)
    with pytest.raises(attn.CompilerError, match=r"'k' must be in \[1, 1048576\]"):
        attn.ops.topk(scores, 2**31)
