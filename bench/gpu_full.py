"""attn.full on the GPU side by side with the peers, same run, same card.

    # on a machine with the compiler (fills build/kernel-cache):
    /usr/bin/python3 -m attn.precompile --tiles      (PYTHONPATH=python)
    # on the GPU machine:
    PYTHONPATH=python python3 bench/gpu_full.py [--tiles] [--variants] [--flex] [--fla]
    (--only fp8: FP8 attention against our bf16 kernel, with its errors;
    --fla: PYTHONPATH also holds a fetched FLA, e.g. third_party/ with fla/
    and ../shared/bench/einops_shim, never committed)

Shapes of ../shared/ANCHORS.md: prefill B=1 T=16384 H=16 D=128 and B=4
T=4096 (causal and not), decode B=64 H=32 Hkv=8 L=32768 D=128, DSA top-2048
sparse attention at T=8192; linear / delta-rule chunked prefill (--only
chunk) and decode steps (--only step) against FLA (--fla). Peers: PyTorch SDPA with the flash
(FlashAttention-2) and cuDNN backends, FlexAttention (--flex, compiled with
torch.compile); for the DSA indexer and top-k (no ANCHORS.md figure) the
same math in PyTorch and torch.topk. Every figure is the median of CUDA-
event timings after warm-up (as ../shared/bench/peers_baseline.py). Prints
times, TFLOP/s (4 B H T S D, halved for causal) or GB/s (decode: K and V
read once), and our ratio to each peer. `--tiles` also times the tile
variants of attn.precompile.bench_tiles() (plan overrides).
"""

import argparse
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "python"))
import attn  # noqa: E402
from attn import ops, precompile  # noqa: E402


def bench(fn, warm=5, rep=30):
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(rep):
        s = torch.cuda.Event(enable_timing=True)
        e = torch.cuda.Event(enable_timing=True)
        s.record()
        fn()
        e.record()
        torch.cuda.synchronize()
        ts.append(s.elapsed_time(e))
    ts.sort()
    return ts[len(ts) // 2]


def sdpa(backend, q, k, v, causal, gqa=False):
    from torch.nn.attention import sdpa_kernel
    # SDPA wants [B, H, T, D]; transposed views, no copies.
    qt, kt, vt = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)

    def run():
        with sdpa_kernel(backend):
            return F.scaled_dot_product_attention(qt, kt, vt, is_causal=causal,
                                                  enable_gqa=gqa)
    return run


def fp8_error(o, q, k, v, causal, rows=256):
    """Relative RMS error of the last `rows` queries' outputs against a
    float64 reference (queries at the end of the keys when causal)."""
    import math
    q, k, v = q[:, -rows:].double(), k.double(), v.double()
    T, S, D = q.shape[1], k.shape[1], q.shape[3]
    s = torch.einsum("bthd,bshd->bhts", q, k) / math.sqrt(D)
    if causal:
        t = torch.arange(T, device=q.device)[:, None] + (S - T)
        s = s.masked_fill(torch.arange(S, device=q.device)[None, :] > t,
                          float("-inf"))
    ref = torch.einsum("bhts,bshd->bthd", torch.softmax(s, -1), v)
    o = o[:, -rows:].double()
    assert not torch.isnan(o).any()
    return ((o - ref).norm() / ref.norm()).item()


def fp8_prefill(dev, report):
    """FP8 attention (precision_policy="fp8") against our bf16 kernel and
    SDPA's flash backend, same run, same inputs; errors of both against
    float64 on two input families: i.i.d. N(0, 1) q, k, v (diffuse softmax
    over zero-mean values: the worst case for a relative error) and the
    same with per-channel offsets N(0, 1) shared by all tokens (as the
    outlier channels of real keys and values)."""
    from torch.nn.attention import SDPBackend
    H, D = 16, 128
    for B, T in ((1, 16384), (4, 4096)):
        for family in ("iid", "offsets"):
            q = torch.randn(B, T, H, D, device=dev, dtype=torch.bfloat16)
            k, v = torch.randn_like(q), torch.randn_like(q)
            if family == "offsets":
                for x in (q, k, v):
                    x += torch.randn(1, 1, H, D, device=dev,
                                     dtype=torch.bfloat16)
            for causal in (False, True):
                fl = 4 * B * H * T * T * D / (2 if causal else 1)
                tag = "B=%d T=%d %s %s" % (B, T, "causal" if causal else
                                           "full", family)
                o16 = ops.full_attn(q, k, v, causal=causal)
                o8 = ops.full_attn(q, k, v, causal=causal,
                                   precision_policy="fp8")
                print("errors %s (rel. RMS, last 256 rows): bf16 %.2e fp8 "
                      "%.2e" % (tag, fp8_error(o16, q, k, v, causal),
                         fp8_error(o8, q, k, v, causal)))
                if family != "iid":
                    continue
                t8 = bench(lambda: ops.full_attn(q, k, v, causal=causal,
                                                 precision_policy="fp8"))
                t16 = bench(lambda: ops.full_attn(q, k, v, causal=causal))
                report("attn fp8 " + tag, t8, fl)
                report("  attn bf16", t16, fl, ours=t8)
                t = bench(sdpa(SDPBackend.FLASH_ATTENTION, q, k, v, causal))
                report("  SDPA flash (bf16)", t, fl, ours=t8)
            del q, k, v
    # The DSA indexer at DeepSeek-V3.2's sizes (T = S = 8192, 64 heads x
    # 128, causal): FP8 (Hadamard, per-token scales, wgmma) against bf16.
    T, Hi, Di = 8192, 64, 128
    qi = torch.randn(1, T, Hi, Di, device=dev, dtype=torch.bfloat16)
    ki = torch.randn(1, T, Di, device=dev, dtype=torch.bfloat16)
    w = torch.randn(1, T, Hi, device=dev)
    fl = 2 * T * T * Hi * Di / 2
    t8 = bench(lambda: ops.lightning_indexer(qi, ki, w,
                                             precision_policy="fp8"))
    t16 = bench(lambda: ops.lightning_indexer(qi, ki, w))
    report("indexer fp8 T=%d Hi=%d Di=%d causal" % (T, Hi, Di), t8, fl)
    report("  indexer bf16", t16, fl, ours=t8)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tiles", action="store_true")
    ap.add_argument("--variants", action="store_true",
                    help="also time attn.full's tile program with mma.sync "
                    "(wgmma=false), not overlapped, without the producer "
                    "warpgroup and without ping-pong next to the default")
    ap.add_argument("--flex", action="store_true")
    ap.add_argument("--fla", action="store_true",
                    help="FLA peers of the linear / delta-rule kernels (fla/ "
                    "on PYTHONPATH)")
    ap.add_argument("--only", choices=["prefill", "fp8", "decode", "sparse",
                                       "dsa", "step", "chunk"])
    args = ap.parse_args()
    from torch.nn.attention import SDPBackend
    dev = torch.device("cuda")
    print("# %s, torch %s, %s" % (torch.cuda.get_device_name(), torch.__version__,
                                  attn.__name__), flush=True)
    print("%-46s %10s %12s %s" % ("case", "ms", "rate", "ratio (ours / peer)"))
    torch.manual_seed(0)

    def report(name, ms, flops=None, nbytes=None, ours=None):
        rate = ("%7.1f TFLOP/s" % (flops / ms / 1e9)) if flops else \
            ("%7.1f GB/s" % (nbytes / ms / 1e6))
        ratio = "" if ours is None else "%.2fx" % (ms / ours)
        print("%-46s %10.3f %12s %s" % (name, ms, rate, ratio), flush=True)

    if args.only in (None, "prefill"):
        for B, T, D in ((1, 16384, 128), (4, 4096, 128), (1, 16384, 64),
                        (1, 16384, 256)):
            H = 16
            q = torch.randn(B, T, H, D, device=dev, dtype=torch.bfloat16)
            k, v = torch.randn_like(q), torch.randn_like(q)
            for causal in (False, True):
                fl = 4 * B * H * T * T * D / (2 if causal else 1)
                tag = "B=%d T=%d H=%d D=%d %s" % (B, T, H, D,
                                                  "causal" if causal else "full")
                ours = bench(lambda: ops.full_attn(q, k, v, causal=causal))
                report("attn " + tag, ours, fl)
                if args.variants and D == 128:
                    t = bench(lambda: ops._gpu_full(q, k, v, causal, None, None,
                                                    options="wgmma=false"))
                    report("  attn tile IR, mma.sync (ratio: it / wgmma)", t,
                           fl, ours=ours)
                    t = bench(lambda: ops._gpu_full(
                        q, k, v, causal, None, None,
                        options="tile-overlap=false"))
                    report("  attn tile IR, not overlapped (ratio: it / default)",
                           t, fl, ours=ours)
                    t = bench(lambda: ops._gpu_full(
                        q, k, v, causal, None, None,
                        options="warp-specialize=false"))
                    report("  attn tile IR, no producer warpgroup "
                           "(ratio: it / default)", t, fl, ours=ours)
                    t = bench(lambda: ops._gpu_full(
                        q, k, v, causal, None, None,
                        options="warp-pingpong=false"))
                    report("  attn tile IR, no ping-pong "
                           "(ratio: it / default)", t, fl, ours=ours)
                if args.tiles:
                    for tile in precompile.bench_tiles():
                        t = bench(lambda: ops._gpu_full(q, k, v, causal, None,
                                                        None, None, tile))
                        report("  attn tile q=%d kv=%d warps=%d" % tile[:3] +
                               (" stages=%d" % tile[3] if len(tile) > 3 else ""),
                               t, fl)
                        if args.variants:
                            t = bench(lambda: ops._gpu_full(
                                q, k, v, causal, None, None, None, tile,
                                options="wgmma=false"))
                            report("    tile IR, mma.sync", t, fl)
                            t = bench(lambda: ops._gpu_full(
                                q, k, v, causal, None, None, None, tile,
                                options="tile-overlap=false"))
                            report("    tile IR, not overlapped", t, fl)
                for be in (SDPBackend.FLASH_ATTENTION, SDPBackend.CUDNN_ATTENTION):
                    try:
                        t = bench(sdpa(be, q, k, v, causal))
                        report("  SDPA %s" % be.name.lower(), t, fl, ours=ours)
                    except RuntimeError as ex:
                        print("  SDPA %s failed: %s" % (be.name, str(ex)[:100]))
                if args.flex and causal:
                    from torch.nn.attention.flex_attention import (
                        flex_attention, create_block_mask)
                    fa = torch.compile(flex_attention)
                    bm = create_block_mask(lambda b, h, qi, ki: qi >= ki, B, H,
                                           T, T, device="cuda")
                    qt, kt, vt = (x.transpose(1, 2) for x in (q, k, v))
                    t = bench(lambda: fa(qt, kt, vt, block_mask=bm))
                    report("  FlexAttention", t, fl, ours=ours)
            del q, k, v

    if args.only in (None, "fp8"):
        fp8_prefill(dev, report)

    if args.only in (None, "sparse"):
        # DSA-style top-k: every query attends to k = 2048 selected keys
        # (causal, random positions up to its own); FLOPs counted on the
        # selected keys, compared with our dense causal kernel.
        B, T, H, Hkv, D, K = 1, 8192, 16, 1, 128, 2048
        q = torch.randn(B, T, H, D, device=dev, dtype=torch.bfloat16)
        k = torch.randn(B, T, Hkv, D, device=dev, dtype=torch.bfloat16)
        v = torch.randn_like(k)
        t = torch.arange(T, device=dev)[:, None]
        idx = (torch.rand(T, K, device=dev) * (t + 1)).long().clamp(max=T - 1)
        idx = torch.where(torch.arange(K, device=dev)[None, :] <= t, idx, -1)
        idx = idx.int().view(B, T, Hkv, K).contiguous()
        fl = 4 * B * H * T * K * D
        sp = bench(lambda: ops.sparse_attn(q, k, v, idx, causal=True))
        report("attn sparse top-k B=%d T=%d H=%d/%d k=%d" % (B, T, H, Hkv, K),
               sp, fl)
        dense = bench(lambda: ops.full_attn(q, k, v, causal=True))
        report("  attn dense causal, same shape", dense,
               4 * B * H * T * T * D / 2)
        print("  sparse TFLOP/s on selected keys / dense: %.2f"
              % ((fl / sp) / (4 * B * H * T * T * D / 2 / dense)))
        del q, k, v, idx

    if args.only in (None, "dsa"):
        # The rest of DSA's selection: the lightning indexer (64 heads x 128,
        # FLOPs 2 B T S Hi Di, causal counted in full) against the same math
        # in PyTorch (bf16 matmul + relu + weighted sum over heads), and the
        # per-query top-2048 against torch.topk on the same scores.
        B, T, Hi, Di, K = 1, 8192, 64, 128, 2048
        qi = torch.randn(B, T, Hi, Di, device=dev, dtype=torch.bfloat16)
        ki = torch.randn(B, T, Di, device=dev, dtype=torch.bfloat16)
        w = torch.randn(B, T, Hi, device=dev)
        fl = 2 * B * T * T * Hi * Di
        ours = bench(lambda: ops.lightning_indexer(qi, ki, w, causal=True))
        report("attn indexer B=%d T=S=%d Hi=%d Di=%d causal" % (B, T, Hi, Di),
               ours, fl)
        mask = torch.ones(T, T, device=dev, dtype=torch.bool).triu(1)

        def torch_indexer():
            s = torch.einsum("bthd,bsd->bths", qi, ki).relu_()
            out = torch.einsum("bth,bths->bts", w.bfloat16(), s).float()
            return out.masked_fill_(mask, float("-inf"))
        t = bench(torch_indexer)
        report("  torch einsum + relu + sum (bf16)", t, fl, ours=ours)
        scores = ops.lightning_indexer(qi, ki, w, causal=True)
        del qi, ki
        ours = bench(lambda: ops.topk(scores, K, causal=True))
        report("attn topk k=%d over [%d, %d, %d]" % (K, B, T, T), ours, None,
               scores.numel() * 4)
        t = bench(lambda: torch.topk(scores, K, dim=-1, sorted=True))
        report("  torch.topk (sorted)", t, None, scores.numel() * 4, ours=ours)
        del scores

    if args.only in (None, "step"):
        # Linear / delta decode steps (ANCHORS.md: FLA fused_recurrent_kda,
        # B=256 H=32 K=V=128, fp32 state read + written): GB/s of state
        # traffic against this card's device-to-device copy in the same run.
        x = torch.empty(1 << 28, device=dev)
        y = torch.empty_like(x)
        copy = bench(lambda: y.copy_(x))
        copy_gbs = 2 * x.numel() * 4 / copy / 1e6
        report("device-to-device copy 1 GiB", copy, None, 2 * x.numel() * 4)
        del x, y
        B, H, K, V = 256, 32, 128, 128
        q = F.normalize(torch.randn(B, 1, H, K, device=dev,
                                    dtype=torch.bfloat16), dim=-1)
        k = F.normalize(torch.randn_like(q), dim=-1)
        v = torch.randn_like(q)
        beta = torch.rand(B, 1, H, device=dev)
        gk = -torch.rand(B, 1, H, K, device=dev)
        gs = -torch.rand(B, 1, H, device=dev)
        s0 = torch.randn(B, H, K, V, device=dev) * 0.1
        nbytes = 2 * s0.numel() * 4
        fla = {}
        if args.fla:
            # FLA from a fetched copy (third_party/, git-ignored; README of
            # bench/RESULTS.md): q, k normalised outside the kernel as in
            # ../shared/bench/peers_baseline.py, so ours runs without the
            # in-kernel L2 norm here too.
            from fla.ops.kda import fused_recurrent_kda
            beta16 = beta.to(q.dtype)  # FLA takes beta in q's dtype
            fla["kda"] = lambda: fused_recurrent_kda(
                q, k, v, gk, beta16, initial_state=s0, output_final_state=True)
            # fused_recurrent_gated_delta_rule faulted (illegal address) with
            # these arguments on an H100: not timed (bench/RESULTS.md).
        l2 = not args.fla
        for label, fn in (
                ("kda", lambda: ops.kda(q, k, v, gk, beta, initial_state=s0,
                                        output_final_state=True,
                                        use_qk_l2norm_in_kernel=l2)),
                ("gated_delta_rule", lambda: ops.gated_delta_rule(
                    q, k, v, gs, beta, initial_state=s0,
                    output_final_state=True, use_qk_l2norm_in_kernel=l2)),
                ("linear_attn (GLA)", lambda: ops.linear_attn(
                    q, k, v, gk, initial_state=s0, output_final_state=True))):
            t = bench(fn)
            report("attn %s decode step B=%d H=%d K=V=%d" % (label, B, H, K),
                   t, None, nbytes)
            print("  %.0f%% of the copy bandwidth" % (100 * nbytes / t / 1e6
                                                      / copy_gbs))
            if label in fla:
                with torch.no_grad():
                    tf = bench(fla[label])
                report("  FLA fused_recurrent_%s" % label, tf, None, nbytes,
                       ours=t)
        del q, k, v, beta, gk, gs, s0

    if args.only in (None, "chunk"):
        # Chunked (prefill) linear / delta-rule forward, ANCHORS.md shapes and
        # inputs as ../shared/bench/peers_baseline.py: q, k L2-normalised
        # outside the kernels, gates logsigmoid(randn) / 16, no initial state.
        for B, T in ((1, 16384), (4, 4096), (2, 32768)):
            H, K, V = 16, 128, 128
            q = F.normalize(torch.randn(B, T, H, K, device=dev,
                                        dtype=torch.bfloat16), dim=-1)
            k = F.normalize(torch.randn_like(q), dim=-1)
            v = torch.randn(B, T, H, V, device=dev, dtype=torch.bfloat16)
            beta16 = torch.rand(B, T, H, device=dev,
                                dtype=torch.bfloat16).sigmoid()
            beta = beta16.float()
            gk = F.logsigmoid(torch.randn(B, T, H, K, device=dev)) / 16
            gs = F.logsigmoid(torch.randn(B, T, H, device=dev)) / 16
            fla = {}
            if args.fla:
                from fla.ops.kda import chunk_kda
                from fla.ops.gated_delta_rule import chunk_gated_delta_rule
                from fla.ops.simple_gla import chunk_simple_gla
                fla = {"kda": lambda: chunk_kda(q, k, v, gk, beta16),
                       "gated_delta_rule": lambda: chunk_gated_delta_rule(
                           q, k, v, gs, beta16),
                       "simple_gla": lambda: chunk_simple_gla(q, k, v, gs)}
            for label, fn in (
                    ("kda", lambda: ops.kda(q, k, v, gk, beta,
                                            output_final_state=True)),
                    ("gated_delta_rule", lambda: ops.gated_delta_rule(
                        q, k, v, gs, beta, output_final_state=True)),
                    ("simple_gla", lambda: ops.linear_attn(
                        q, k, v, gs, output_final_state=True))):
                t = bench(fn)
                report("attn %s chunked B=%d T=%d H=%d K=V=%d"
                       % (label, B, T, H, K), t, None, B * T * H * 2 * 4 * K)
                if label in fla:
                    with torch.no_grad():
                        tf = bench(fla[label])
                    report("  FLA chunk_%s" % label, tf, None,
                           B * T * H * 2 * 4 * K, ours=t)
            del q, k, v, beta, beta16, gk, gs

    if args.only in (None, "decode"):
        B, H, Hkv, D, L = 64, 32, 8, 128, 32768
        q = torch.randn(B, 1, H, D, device=dev, dtype=torch.bfloat16)
        kc = torch.randn(B, L, Hkv, D, device=dev, dtype=torch.bfloat16)
        vc = torch.randn_like(kc)
        nbytes = 2 * kc.numel() * 2
        tag = "decode B=%d H=%d/%d L=%d D=%d" % (B, H, Hkv, L, D)
        ours = bench(lambda: ops.full_attn(q, kc, vc, causal=False))
        report("attn " + tag, ours, None, nbytes)
        for be in (SDPBackend.FLASH_ATTENTION, SDPBackend.CUDNN_ATTENTION):
            try:
                t = bench(sdpa(be, q, kc, vc, False, gqa=True))
                report("  SDPA %s" % be.name.lower(), t, None, nbytes, ours=ours)
            except RuntimeError as ex:
                print("  SDPA %s failed: %s" % (be.name, str(ex)[:100]))


if __name__ == "__main__":
    main()
