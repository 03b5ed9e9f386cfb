"""attn.ops.sparse_attn on the CPU backend against the float64 reference:
DSA token selection and block selection, GQA/MQA, decoding."""

import numpy as np
import pytest

import attn
import references as ref

TOL = 1e-5  # f32 against float64: ~2e-7 is typical


def _inputs(rng, B, T, S, H, Hkv, D, Dv):
    q = rng.standard_normal((B, T, H, D)).astype(np.float32)
    k = rng.standard_normal((B, S, Hkv, D)).astype(np.float32)
    v = rng.standard_normal((B, S, Hkv, Dv)).astype(np.float32)
    return q, k, v


def _token_indices(rng, B, T, S, Hkv, topk, causal=True):
    idx = np.full((B, T, Hkv, topk), -1, np.int32)
    for b in range(B):
        for t in range(T):
            visible = t + S - T + 1 if causal else S
            for h in range(Hkv):
                n = min(topk, visible)
                chosen = rng.choice(visible, size=n, replace=False)
                idx[b, t, h, :n] = chosen
                # some padding in the middle, and an entry past the end
                if n > 2:
                    idx[b, t, h, 1] = -1
    return idx


@pytest.mark.parametrize("T", [1, 37, 100, 257])
@pytest.mark.parametrize("Hkv", [1, 2])
def test_token_topk(T, Hkv):
    rng = ref.rng()
    q, k, v = _inputs(rng, 2, T, T, 4, Hkv, 32, 16)
    idx = _token_indices(rng, 2, T, T, Hkv, 16)
    o = attn.ops.sparse_attn(q, k, v, idx)
    ref.assert_close(o, ref.sparse_attn(q, k, v, idx), TOL)


def test_decode_against_cache_and_out_of_range_entries():
    rng = ref.rng()
    T, S = 3, 200
    q, k, v = _inputs(rng, 1, T, S, 4, 1, 32, 32)
    idx = _token_indices(rng, 1, T, S, 1, 40)
    idx[0, 0, 0, 3] = S + 5      # out of range: skipped
    idx[0, 1, 0, 4] = S - 1      # after query 1's position: dropped (causal)
    o = attn.ops.sparse_attn(q, k, v, idx)
    ref.assert_close(o, ref.sparse_attn(q, k, v, idx), TOL)


@pytest.mark.parametrize("causal", [True, False])
def test_block_selection(causal):
    rng = ref.rng()
    T, bs = 100, 16
    q, k, v = _inputs(rng, 2, T, T, 4, 2, 16, 16)
    nblocks = (T + bs - 1) // bs
    idx = np.stack([rng.permutation(nblocks)[:3] for _ in range(2 * T * 2)]).reshape(2, T, 2, 3)
    idx = idx.astype(np.int32)
    idx[:, :, :, 2] = -1
    o = attn.ops.sparse_attn(q, k, v, idx, block_size=bs, causal=causal)
    ref.assert_close(o, ref.sparse_attn(q, k, v, idx, causal=causal,
                                        block_size=bs), TOL)


def test_all_masked_row_is_zero():
    rng = ref.rng()
    q, k, v = _inputs(rng, 1, 4, 4, 1, 1, 16, 16)
    idx = np.full((1, 4, 1, 2), -1, np.int32)
    o = attn.ops.sparse_attn(q, k, v, idx)
    assert np.all(o == 0.0)


def test_indices_head_mismatch_is_an_error():
    rng = ref.rng()
    q, k, v = _inputs(rng, 1, 4, 4, 4, 2, 16, 16)
    idx = np.zeros((1, 4, 1, 2), np.int32)
    with pytest.raises(attn.CompilerError, match="'indices' has Hkv = 1"):
        attn.ops.sparse_attn(q, k, v, idx)


@pytest.mark.parametrize("block_size", [None, 8])
def test_scale(block_size):
    """sparse_attn(scale=): q.k * scale, token and block selection."""
    rng = ref.rng()
    T = 40
    q, k, v = _inputs(rng, 1, T, T, 4, 2, 16, 16)
    if block_size:
        idx = rng.integers(-1, T // block_size, (1, T, 2, 3)).astype(np.int32)
    else:
        idx = _token_indices(rng, 1, T, T, 2, 12)
    o = attn.ops.sparse_attn(q, k, v, idx, scale=1.3, block_size=block_size)
    expected = ref.sparse_attn(q, k, v, idx, scale=1.3, block_size=block_size)
    default = ref.sparse_attn(q, k, v, idx, block_size=block_size)
    assert ref.rel_err(default, expected) > 1e-2  # the scale matters
    ref.assert_close(o, expected, TOL)


def test_token_selection_not_causal():
    """causal=False with token indices: entries after the query's position
    count (with causal they are dropped)."""
    rng = ref.rng()
    T = 30
    q, k, v = _inputs(rng, 2, T, T, 2, 1, 16, 16)
    idx = _token_indices(rng, 2, T, T, 1, 10, causal=False)
    o = attn.ops.sparse_attn(q, k, v, idx, causal=False)
    expected = ref.sparse_attn(q, k, v, idx, causal=False)
    assert ref.rel_err(ref.sparse_attn(q, k, v, idx), expected) > 1e-2
    ref.assert_close(o, expected, TOL)
