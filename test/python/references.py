"""float64 references of every attn op, written as the naive definitions.

These are the oracles of the numeric tests: token-by-token recurrences for
the linear / delta families, the full score matrix for softmax attention.
They are deliberately slow and obvious; nothing here is shared with the
compiler. The helpers on top seed each test's generator (rng(): a stable
per-test seed, shifted by ATTN_TEST_SEED) and check results (assert_close:
finite, within a relative error, the seed in the message).
"""

import os
import zlib

import numpy as np


def current_seed():
    """The seed of the running test: a stable hash of its id (file name,
    test name and parameters, from pytest's PYTEST_CURRENT_TEST), plus the
    environment variable ATTN_TEST_SEED (default 0) to draw other inputs.
    The same test always draws the same inputs, whatever else runs."""
    current = os.environ.get("PYTEST_CURRENT_TEST", "")
    test_id = current.rsplit(" (", 1)[0]
    test_id = os.path.basename(test_id)  # independent of the rootdir
    offset = int(os.environ.get("ATTN_TEST_SEED", "0"))
    return (zlib.crc32(test_id.encode()) + offset) % 2**32


def rng():
    """A generator seeded with current_seed(); create one per test."""
    return np.random.default_rng(current_seed())


def seed_note(seed=None):
    """ "(seed S, ATTN_TEST_SEED=N)" for assertion messages: current_seed(),
    or `seed` for a test that seeds its generator itself."""
    if seed is not None:
        return "(seed %d)" % seed
    return "(seed %d, ATTN_TEST_SEED=%s)" % (
        current_seed(), os.environ.get("ATTN_TEST_SEED", "0"))


def assert_close(out, ref, tol, what="result", seed=None):
    """out and ref finite (NaN and inf never pass) and rel_err(out, ref) <
    tol; the message gives the error and the seed (seed_note(seed))."""
    out = np.asarray(out)
    ref = np.asarray(ref)
    assert out.shape == ref.shape, "%s: shape %s, expected %s" % (
        what, out.shape, ref.shape)
    assert np.all(np.isfinite(ref)), "%s: the reference is not finite %s" % (
        what, seed_note(seed))
    assert np.all(np.isfinite(out)), "%s: %d non-finite values %s" % (
        what, np.count_nonzero(~np.isfinite(out)), seed_note(seed))
    err = rel_err(out, ref)
    log = os.environ.get("ATTN_TEST_ERROR_LOG")
    if log:  # what each check achieves, to set tolerances from
        with open(log, "a") as f:
            f.write("%s\t%s\t%.3e\t%.1e\n" % (
                os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0],
                what, err, tol))
    assert err < tol, "%s: relative error %.3g >= %.3g %s" % (
        what, err, tol, seed_note(seed))
    return err


def rel_err(out, ref):
    """||out - ref|| / ||ref||, with NaN/Inf in `out` reported as inf."""
    out = np.asarray(out, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if not np.all(np.isfinite(out)):
        return float("inf")
    denom = np.linalg.norm(ref)
    return float(np.linalg.norm(out - ref) / (denom if denom > 0 else 1.0))


def full_attn(q, k, v, causal=True, scale=None, window=None, softcap=None):
    q, k, v = (np.asarray(x, np.float64) for x in (q, k, v))
    B, T, H, D = q.shape
    S, Hkv = k.shape[1], k.shape[2]
    G = H // Hkv
    scale = 1.0 / np.sqrt(D) if scale is None else scale
    o = np.zeros((B, T, H, v.shape[3]))
    lse = np.full((B, T, H), -np.inf)
    for b in range(B):
        for h in range(H):
            s = scale * q[b, :, h] @ k[b, :, h // G].T  # [T, S]
            if softcap:
                s = softcap * np.tanh(s / softcap)
            pos = np.arange(T)[:, None] + S - T
            keys = np.arange(S)[None, :]
            mask = np.zeros((T, S), bool)
            if causal:
                mask |= keys > pos
            if window:
                mask |= keys <= pos - window
            s = np.where(mask, -np.inf, s)
            for t in range(T):
                if np.all(mask[t]):
                    continue
                m = s[t].max()
                p = np.exp(s[t] - m)
                o[b, t, h] = p @ v[b, :, h // G] / p.sum()
                lse[b, t, h] = m + np.log(p.sum())
    return o, lse


def sparse_attn(q, k, v, indices, causal=True, scale=None, block_size=None):
    q, k, v = (np.asarray(x, np.float64) for x in (q, k, v))
    B, T, H, D = q.shape
    S, Hkv = k.shape[1], k.shape[2]
    G = H // Hkv
    scale = 1.0 / np.sqrt(D) if scale is None else scale
    o = np.zeros((B, T, H, v.shape[3]))
    for b in range(B):
        for t in range(T):
            pos = t + S - T
            for h in range(H):
                keys = []
                for e in indices[b, t, h // G]:
                    e = int(e)
                    span = [e] if block_size is None else range(e * block_size, (e + 1) * block_size)
                    for j in span:
                        if e < 0 or j < 0 or j >= S or (causal and j > pos):
                            continue
                        keys.append(j)
                if not keys:
                    continue
                s = scale * k[b, keys, h // G] @ q[b, t, h]
                p = np.exp(s - s.max())
                o[b, t, h] = p @ v[b, keys, h // G] / p.sum()
    return o


def lightning_indexer(qi, ki, w, causal=True):
    qi, ki, w = (np.asarray(x, np.float64) for x in (qi, ki, w))
    B, T, Hi, Di = qi.shape
    S = ki.shape[1]
    dots = np.einsum("bthd,bsd->bths", qi, ki)
    scores = np.einsum("bth,bths->bts", w, np.maximum(dots, 0.0))
    if causal:
        pos = np.arange(T)[:, None] + S - T
        scores = np.where(np.arange(S)[None, :] > pos, -np.inf, scores)
    return scores


def topk(scores, k, causal=True):
    B, T, S = scores.shape
    out = np.full((B, T, k), -1, np.int64)
    for b in range(B):
        for t in range(T):
            limit = t + S - T if causal else S - 1
            cand = [(-scores[b, t, s], s) for s in range(min(S, limit + 1))
                    if np.isfinite(scores[b, t, s]) or scores[b, t, s] > 0]
            cand.sort()
            sel = [s for _, s in cand[:k]]
            out[b, t, :len(sel)] = sel
    return out


def _l2norm(x):
    return x / np.sqrt((x * x).sum(-1, keepdims=True) + 1e-6)


def delta_rule(q, k, v, beta, g=None, scale=None, initial_state=None,
               use_qk_l2norm=False):
    """Naive recurrence. g None (DeltaNet), [B,T,HV] (GDN) or [B,T,HV,K]
    (KDA). Returns (o [B,T,HV,V], final state [B,HV,K,V])."""
    q, k, v, beta = (np.asarray(x, np.float64) for x in (q, k, v, beta))
    B, T, H, K = q.shape
    HV, V = v.shape[2], v.shape[3]
    G = HV // H
    if use_qk_l2norm:
        q, k = _l2norm(q), _l2norm(k)
    scale = 1.0 / np.sqrt(K) if scale is None else scale
    S = np.zeros((B, HV, K, V)) if initial_state is None else \
        np.array(initial_state, np.float64)
    o = np.zeros((B, T, HV, V))
    for t in range(T):
        for hv in range(HV):
            h = hv // G
            if g is not None:
                gt = np.asarray(g[:, t, hv], np.float64)
                decay = np.exp(gt)
                S[:, hv] *= decay[:, :, None] if decay.ndim == 2 else decay[:, None, None]
            kt, vt, qt = k[:, t, h], v[:, t, hv], q[:, t, h] * scale
            u = beta[:, t, hv][:, None] * (vt - np.einsum("bkv,bk->bv", S[:, hv], kt))
            S[:, hv] += np.einsum("bk,bv->bkv", kt, u)
            o[:, t, hv] = np.einsum("bkv,bk->bv", S[:, hv], qt)
    return o, S


def linear_attn(q, k, v, g=None, scale=None, initial_state=None, decay=None):
    """Naive recurrence. g None, [B,T,H] or [B,T,H,K]; or a constant
    per-head log `decay`. Returns (o [B,T,H,V], final state [B,H,K,V])."""
    q, k, v = (np.asarray(x, np.float64) for x in (q, k, v))
    B, T, H, K = q.shape
    V = v.shape[3]
    scale = 1.0 / np.sqrt(K) if scale is None else scale
    S = np.zeros((B, H, K, V)) if initial_state is None else \
        np.array(initial_state, np.float64)
    o = np.zeros((B, T, H, V))
    if decay is not None:
        decay = np.broadcast_to(np.asarray(decay, np.float64), (H,))
    for t in range(T):
        for h in range(H):
            if g is not None:
                a = np.exp(np.asarray(g[:, t, h], np.float64))
                S[:, h] *= a[:, :, None] if a.ndim == 2 else a[:, None, None]
            elif decay is not None:
                S[:, h] *= np.exp(decay[h])
            S[:, h] += np.einsum("bk,bv->bkv", k[:, t, h], v[:, t, h])
            o[:, t, h] = np.einsum("bkv,bk->bv", S[:, h], q[:, t, h] * scale)
    return o, S
