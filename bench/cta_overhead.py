"""Per-block fixed cost of attn.full's prefill kernel against cuDNN's, same
run, same card: shapes with the same number of row blocks (B x T / 128 x H
= 2048 blocks of 128 query rows at H = 16, D = 128, bf16) but 8 ... 128 KV
tiles of 128 keys per block (B, T) = (16, 1024) ... (1, 16384). A least-
squares fit of time = waves x (a + b x tiles) (waves = 2048 / SMs) gives
each kernel's fixed cost per block `a` (launch, prologue, pipeline fill,
epilogue) and its cost per KV tile `b`. Two timings of each call: one
synchronised call between CUDA events (as bench/gpu_full.py and
../shared/bench/peers_baseline.py time: the GPU waits while the host issues
the call, so the launcher's host time is in it) and 20 calls issued back to
back between two events (the kernels' own time, nearly); the fit is made on
both.

    # kernel cache from `python3 -m attn.precompile` (PYTHONPATH=python)
    PYTHONPATH=python python3 bench/cta_overhead.py [--causal]

Causal shapes halve the tiles on average (the fit then uses the mean tile
count per block). `--short` runs the same 2048 blocks at T = 128 ... 1024
(1 ... 8 KV tiles per block), where a causal kernel's diagonal tile and its
pipeline fill weigh most."""

import argparse
import os
import sys

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpu_full import bench  # noqa: E402
from attn import ops  # noqa: E402


def back_to_back(fn, calls=20):
    """Milliseconds per call of `calls` calls issued without a
    synchronisation between them."""
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    s = torch.cuda.Event(enable_timing=True)
    e = torch.cuda.Event(enable_timing=True)
    s.record()
    for _ in range(calls):
        fn()
    e.record()
    torch.cuda.synchronize()
    return s.elapsed_time(e) / calls


def fit(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / \
        sum((x - mx) ** 2 for x in xs)
    return my - b * mx, b


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--causal", action="store_true")
    ap.add_argument("--short", action="store_true",
                    help="the same 2048 blocks at T = 128, 256, 512 and "
                    "1024 (1 ... 8 KV tiles per block): where the causal "
                    "diagonal tile's cost shows")
    args = ap.parse_args()
    dev = torch.device("cuda")
    sms = torch.cuda.get_device_properties(dev).multi_processor_count
    print("# %s (%d SMs), torch %s, %s" % (torch.cuda.get_device_name(), sms,
                                           torch.__version__,
                                           "causal" if args.causal else
                                           "non-causal"))
    H, D = 16, 128
    rows = []
    shapes = ((128, 128), (64, 256), (32, 512), (16, 1024)) if args.short \
        else ((16, 1024), (8, 2048), (4, 4096), (2, 8192), (1, 16384))
    for B, T in shapes:
        torch.manual_seed(0)
        q = torch.randn(B, T, H, D, device=dev, dtype=torch.bfloat16)
        k, v = torch.randn_like(q), torch.randn_like(q)
        qt, kt, vt = (x.transpose(1, 2) for x in (q, k, v))
        ours = bench(lambda: ops.full_attn(q, k, v, causal=args.causal))

        def cudnn():
            with sdpa_kernel(SDPBackend.CUDNN_ATTENTION):
                return F.scaled_dot_product_attention(qt, kt, vt,
                                                      is_causal=args.causal)
        peer = bench(cudnn)
        ours2 = back_to_back(lambda: ops.full_attn(q, k, v,
                                                   causal=args.causal))
        peer2 = back_to_back(cudnn)
        tiles = T // 128 if not args.causal else (T // 128 + 1) / 2
        fl = 4 * B * H * T * T * D / (2 if args.causal else 1)
        rows.append((tiles, ours, peer, ours2, peer2))
        print("B=%3d T=%5d: %5.1f tiles/block  synchronised: ours %.3f ms "
              "(%.0f TFLOP/s), cuDNN %.3f ms (%.0f), %.2fx;  back to back: "
              "ours %.3f ms (%.0f), cuDNN %.3f ms (%.0f), %.2fx"
              % (B, T, tiles, ours, fl / ours / 1e9, peer, fl / peer / 1e9,
                 peer / ours, ours2, fl / ours2 / 1e9, peer2,
                 fl / peer2 / 1e9, peer2 / ours2), flush=True)
        del q, k, v, qt, kt, vt
    waves = 2048 / sms
    for name, col in (("ours, synchronised", 1), ("cuDNN, synchronised", 2),
                      ("ours, back to back", 3), ("cuDNN, back to back", 4)):
        a, b = fit([r[0] for r in rows], [r[col] * 1e3 / waves for r in rows])
        print("%-20s: fixed %.2f us per block, %.3f us per KV tile "
              "(time = %.1f waves x (a + b tiles))" % (name, a, b, waves))


if __name__ == "__main__":
    main()
