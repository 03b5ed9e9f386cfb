"""Top-k recall of the FP8 DSA indexer (CPU emulation of the plan
attn-assign-precision makes under policy fp8: e4m3 qi / ki with per-token
scales and a Hadamard rotation) against the exact float64 scores, at
DeepSeek-V3.2's sizes: k = 2048 of S = 8192 keys, 64 index heads of dim 128.

    PYTHONPATH=python /usr/bin/python3 bench/indexer_fp8_recall.py

Scores are computed for the last `--queries` queries (T < S: query t sits
at key t + S - T, so each sees >= S - T keys), which keeps the CPU time to
seconds; recall = |top-k(fp8) & top-k(exact)| / k averaged over them.
Families: i.i.d. N(0, 1) qi, ki, w; the same with three shared outlier
channels (x10) in qi and ki; and keys with a shared offset (as real keys
carry)."""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "python"))
from attn import ops  # noqa: E402


def recall(a, b, k):
    return float(np.mean([len(set(x) & set(y)) / k for x, y in zip(a, b)]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", type=int, default=64)
    ap.add_argument("--keys", type=int, default=8192)
    ap.add_argument("--k", type=int, default=2048)
    args = ap.parse_args()
    T, S, Hi, Di, K = args.queries, args.keys, 64, 128, args.k
    print("indexer top-%d of S = %d, Hi = %d, Di = %d, %d queries"
          % (K, S, Hi, Di, T))
    for family in ("iid", "outliers", "key-offset"):
        rng = np.random.default_rng(0)
        qi = rng.standard_normal((1, T, Hi, Di)).astype(np.float32)
        ki = rng.standard_normal((1, S, Di)).astype(np.float32)
        w = rng.standard_normal((1, T, Hi)).astype(np.float32)
        if family == "outliers":
            ch = rng.choice(Di, 3, replace=False)
            qi[..., ch] *= 10
            ki[..., ch] *= 10
        if family == "key-offset":
            ki += rng.standard_normal(Di).astype(np.float32)
        exact = np.einsum("th,tsh->ts", w[0].astype(np.float64), np.maximum(
            np.einsum("thd,sd->tsh", qi[0].astype(np.float64),
                      ki[0].astype(np.float64)), 0))
        top = np.argsort(-exact, axis=1)[:, :K]
        row = []
        for policy in ("off", "fp8"):
            s = ops.lightning_indexer(qi, ki, w, causal=False,
                                      precision_policy=policy)[0]
            err = np.linalg.norm(s - exact) / np.linalg.norm(exact)
            r = recall(top, np.argsort(-s, axis=1)[:, :K], K)
            row.append("%s: score error %.2e, recall %.4f" % (policy, err, r))
        print("%-10s %s" % (family, " | ".join(row)), flush=True)


if __name__ == "__main__":
    main()
