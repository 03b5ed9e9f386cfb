#!/usr/bin/env python3
"""CPU backend report: accuracy over the test shapes and time at one
mid-size shape, for every attn.ops op, next to a numpy naive recurrence.

  PYTHONPATH=python /usr/bin/python3 bench/cpu_ops.py [--repeat N]

Accuracy: worst ||out - ref|| / ||ref|| against the float64 references of
test/python/references.py over T in {1, 37, 100, 257} (B = 2, GQA / GVA,
initial states, gates near 0 and near -20). Time: median of N calls at
B=1, T=1024, H=4, D=64 after one warm-up call (which compiles), next to the
float64 numpy reference (the naive recurrence / full score matrix).
This is a report, not a test: the tests assert the tolerances.
"""

import argparse
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))
sys.path.insert(0, os.path.join(HERE, "..", "test", "python"))

import attn  # noqa: E402
import references as ref  # noqa: E402


def unit(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def gate(rng, shape, level):
    if level == "near0":
        return (-1e-3 * rng.random(shape)).astype(np.float32)
    if level == "near-20":
        return (-20.0 + 0.5 * rng.standard_normal(shape)).astype(np.float32)
    return np.log(1 / (1 + np.exp(-rng.standard_normal(shape) - 2))).astype(np.float32)


def make_delta(rng, B, T, H, HV, K, V, gshape, level):
    f = np.float32
    q = rng.standard_normal((B, T, H, K)).astype(f)
    k = unit(rng.standard_normal((B, T, H, K))).astype(f)
    v = rng.standard_normal((B, T, HV, V)).astype(f)
    beta = (1 / (1 + np.exp(-rng.standard_normal((B, T, HV))))).astype(f)
    g = None if gshape is None else gate(rng, gshape(B, T, HV, K), level)
    s0 = rng.standard_normal((B, HV, K, V)).astype(f)
    return q, k, v, beta, g, s0


def case_kda(rng, B, T, H, D, level="moderate"):
    q, k, v, beta, g, s0 = make_delta(rng, B, T, H, 2 * H if B > 1 else H, D, D,
                                      lambda B, T, HV, K: (B, T, HV, K), level)
    ours = lambda: attn.ops.kda(q, k, v, g, beta, initial_state=s0, output_final_state=True)
    theirs = lambda: ref.delta_rule(q, k, v, beta, g, initial_state=s0)
    return ours, theirs


def case_gdn(rng, B, T, H, D, level="moderate"):
    q, k, v, beta, g, s0 = make_delta(rng, B, T, H, 2 * H if B > 1 else H, D, D,
                                      lambda B, T, HV, K: (B, T, HV), level)
    ours = lambda: attn.ops.gated_delta_rule(q, k, v, g, beta, initial_state=s0,
                                             output_final_state=True)
    theirs = lambda: ref.delta_rule(q, k, v, beta, g, initial_state=s0)
    return ours, theirs


def case_delta(rng, B, T, H, D, level=None):
    q, k, v, beta, _, s0 = make_delta(rng, B, T, H, 2 * H if B > 1 else H, D, D, None, None)
    ours = lambda: attn.ops.delta_rule(q, k, v, beta, initial_state=s0, output_final_state=True)
    theirs = lambda: ref.delta_rule(q, k, v, beta, None, initial_state=s0)
    return ours, theirs


def case_linear(rng, B, T, H, D, level="moderate"):
    f = np.float32
    q, k = (0.5 * rng.standard_normal((B, T, H, D))).astype(f), (0.5 * rng.standard_normal((B, T, H, D))).astype(f)
    v = rng.standard_normal((B, T, H, D)).astype(f)
    g = gate(rng, (B, T, H, D), level)
    s0 = rng.standard_normal((B, H, D, D)).astype(f)
    ours = lambda: attn.ops.linear_attn(q, k, v, g, initial_state=s0, output_final_state=True)
    theirs = lambda: ref.linear_attn(q, k, v, g, initial_state=s0)
    return ours, theirs


def case_full(rng, B, T, H, D, level=None):
    f = np.float32
    q = rng.standard_normal((B, T, H, D)).astype(f)
    k = rng.standard_normal((B, T, max(1, H // 2), D)).astype(f)
    v = rng.standard_normal((B, T, max(1, H // 2), D)).astype(f)
    ours = lambda: (attn.ops.full_attn(q, k, v),)
    theirs = lambda: ref.full_attn(q, k, v)[:1]
    return ours, theirs


def case_sparse(rng, B, T, H, D, level=None, topk=64):
    f = np.float32
    q = rng.standard_normal((B, T, H, D)).astype(f)
    k = rng.standard_normal((B, T, 1, D)).astype(f)
    v = rng.standard_normal((B, T, 1, D)).astype(f)
    idx = np.full((B, T, 1, topk), -1, np.int32)
    for b in range(B):
        for t in range(T):
            n = min(topk, t + 1)
            idx[b, t, 0, :n] = rng.choice(t + 1, n, replace=False)
    ours = lambda: (attn.ops.sparse_attn(q, k, v, idx),)
    theirs = lambda: (ref.sparse_attn(q, k, v, idx),)
    return ours, theirs


def case_indexer(rng, B, T, H, D, level=None):
    f = np.float32
    qi = rng.standard_normal((B, T, H, D)).astype(f)
    ki = rng.standard_normal((B, T, D)).astype(f)
    w = rng.standard_normal((B, T, H)).astype(f)
    exp = ref.lightning_indexer(qi, ki, w)
    mask = np.isfinite(exp)
    ours = lambda: (np.where(mask, attn.ops.lightning_indexer(qi, ki, w), 0),)
    theirs = lambda: (np.where(mask, ref.lightning_indexer(qi, ki, w), 0),)
    return ours, theirs


def case_topk(rng, B, T, H, D, level=None, k=64):
    s = rng.standard_normal((B, T, T)).astype(np.float32)
    ours = lambda: (attn.ops.topk(s, k).astype(np.float64),)
    theirs = lambda: (ref.topk(s, k).astype(np.float64),)
    return ours, theirs


CASES = {
    "kda": (case_kda, ["near0", "moderate", "near-20"]),
    "gated_delta_rule": (case_gdn, ["near0", "moderate", "near-20"]),
    "delta_rule": (case_delta, [None]),
    "linear_attn (GLA gate)": (case_linear, ["near0", "moderate", "near-20"]),
    "full_attn (causal, GQA)": (case_full, [None]),
    "sparse_attn (topk 64)": (case_sparse, [None]),
    "lightning_indexer": (case_indexer, [None]),
    "topk (k 64)": (case_topk, [None]),
}


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(20261126)
    print("| op | worst rel. error (T = 1, 37, 100, 257) | attn CPU, B=1 T=1024 H=4 D=64 | numpy naive float64 | speed-up |")
    print("|---|---|---|---|---|")
    for name, (make, levels) in CASES.items():
        worst = 0.0
        for T in (1, 37, 100, 257):
            for level in levels:
                ours, theirs = make(rng, 2, T, 2, 32, level) if level else make(rng, 2, T, 2, 32)
                for a, b in zip(ours(), theirs()):
                    worst = max(worst, ref.rel_err(a, b))
        ours, theirs = make(rng, 1, 1024, 4, 64)
        ours()  # compile
        t_ours = timed(ours, args.repeat)
        t_ref = timed(theirs, 1)
        print("| %s | %.1e | %.1f ms | %.1f ms | %.0fx |"
              % (name, worst, t_ours * 1e3, t_ref * 1e3, t_ref / t_ours))


if __name__ == "__main__":
    main()
