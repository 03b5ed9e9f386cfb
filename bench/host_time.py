"""Host time of one attn.ops call against its peer's, same run, same card
(full_attn against SDPA's cuDNN / flash; with --op kda / gdn / gla the
chunked linear / delta-rule ops against FLA's chunk kernels, FLA in
PYTHONPATH as bench/profile_chunked.py says): calls at a shape whose kernels take a few
microseconds, issued back to back without synchronisation, so the wall
time per call is the host's. Then a cProfile of our calls (the functions
taking the most own time) and the cost of the launcher's parts one by one
(output / workspace allocation, TMA descriptors, the driver launch).

    # kernel cache from `python3 -m attn.precompile` (PYTHONPATH=python)
    PYTHONPATH=python python3 bench/host_time.py [--shape B T H D] [--causal]
        [--op full|kda|gdn|gla]

The host time is what a synchronised timing between CUDA events (as
bench/gpu_full.py and ../shared/bench/peers_baseline.py time) adds to the
kernel's when the GPU waits for the call to be issued."""

import argparse
import cProfile
import os
import pstats
import sys
import time

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "python"))
from attn import ops, _gpu, _cuda  # noqa: E402


def per_call_us(fn, calls=2000):
    for _ in range(20):
        fn()
    torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(calls):
        fn()
    host = (time.perf_counter() - t) / calls * 1e6
    torch.cuda.synchronize()
    return host


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shape", type=int, nargs=4, default=(1, 128, 16, 128),
                    metavar=("B", "T", "H", "D"))
    ap.add_argument("--causal", action="store_true")
    ap.add_argument("--op", choices=("full", "kda", "gdn", "gla"),
                    default="full")
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--growing", action="store_true",
                    help="also a decoding loop whose cache grows a token "
                    "per call (B=1 H=32 Hkv=8 D=128 from S=4096): a new "
                    "launch plan every step")
    args = ap.parse_args()
    B, T, H, D = args.shape
    dev = torch.device("cuda")
    print("# %s, torch %s, B=%d T=%d H=%d D=%d %s" % (
        torch.cuda.get_device_name(), torch.__version__, B, T, H, D,
        "causal" if args.causal else "non-causal"))
    torch.manual_seed(0)
    q = torch.randn(B, T, H, D, device=dev, dtype=torch.bfloat16)
    k, v = torch.randn_like(q), torch.randn_like(q)
    qt, kt, vt = (x.transpose(1, 2) for x in (q, k, v))

    def ours():
        return ops.full_attn(q, k, v, causal=args.causal)

    if args.op != "full":
        return chunked(args, q, k, v)

    def sdpa(backend):
        def call():
            with sdpa_kernel(backend):
                return F.scaled_dot_product_attention(qt, kt, vt,
                                                      is_causal=args.causal)
        return call

    def sdpa_bare():  # the backend chosen outside the timed call
        return F.scaled_dot_product_attention(qt, kt, vt,
                                              is_causal=args.causal)

    print("host us/call: ours %.1f" % per_call_us(ours, args.calls))
    for name, backend in (("cudnn", SDPBackend.CUDNN_ATTENTION),
                          ("flash", SDPBackend.FLASH_ATTENTION)):
        print("host us/call: sdpa %s (inside sdpa_kernel) %.1f"
              % (name, per_call_us(sdpa(backend), args.calls)))
    with sdpa_kernel(SDPBackend.CUDNN_ATTENTION):
        print("host us/call: sdpa cudnn (bare call) %.1f"
              % per_call_us(sdpa_bare, args.calls))

    if args.growing:
        steps = min(args.calls, 1000)
        qd = torch.randn(1, 1, 32, D, device=dev, dtype=torch.bfloat16)
        kc = torch.randn(1, 4096 + steps, 8, D, device=dev,
                         dtype=torch.bfloat16)
        vc = torch.randn_like(kc)
        ks = [kc[:, :4096 + i] for i in range(steps)]  # views: no copies
        vs = [vc[:, :4096 + i] for i in range(steps)]
        ops.full_attn(qd, ks[0], vs[0], causal=True)
        torch.cuda.synchronize()
        t = time.perf_counter()
        for i in range(steps):
            ops.full_attn(qd, ks[i], vs[i], causal=True)
        host = (time.perf_counter() - t) / steps * 1e6
        torch.cuda.synchronize()
        print("host us/call: ours, decoding with a growing cache %.1f" % host)

    st = profiled(ours, args.calls)
    st.sort_stats("tottime").print_stats(25)
    st.sort_stats("cumulative").print_stats(30)

    launcher_parts(args, q, k, v, dev)


def profiled(fn, calls):
    """pstats of `calls` calls of fn."""
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(calls):
        fn()
    prof.disable()
    torch.cuda.synchronize()
    return pstats.Stats(prof)


def chunked(args, q, k, v):
    """--op kda / gdn / gla (final state written, FLA's Triton path)."""
    B, T, H, D = args.shape
    q, k = F.normalize(q, dim=-1), F.normalize(k, dim=-1)
    beta16 = torch.rand(B, T, H, device=q.device, dtype=torch.bfloat16)
    beta = beta16.float()
    gk = F.logsigmoid(torch.randn(B, T, H, D, device=q.device)) / 16
    gs = F.logsigmoid(torch.randn(B, T, H, device=q.device)) / 16
    ours = {"kda": lambda: ops.kda(q, k, v, gk, beta, output_final_state=True),
            "gdn": lambda: ops.gated_delta_rule(q, k, v, gs, beta,
                                                output_final_state=True),
            "gla": lambda: ops.linear_attn(q, k, v, gs,
                                           output_final_state=True)}[args.op]
    print("host us/call: ours %.1f" % per_call_us(ours, args.calls))
    try:
        from fla.ops.kda import chunk_kda
        from fla.ops.gated_delta_rule import chunk_gated_delta_rule
        from fla.ops.simple_gla import chunk_simple_gla
        fla = {"kda": lambda: chunk_kda(q, k, v, gk, beta16,
                                        output_final_state=True),
               "gdn": lambda: chunk_gated_delta_rule(
                   q, k, v, gs, beta16, output_final_state=True),
               "gla": lambda: chunk_simple_gla(q, k, v, gs,
                                               output_final_state=True)}
        print("host us/call: FLA %.1f" % per_call_us(fla[args.op],
                                                      args.calls))
    except ImportError as e:
        print("# FLA not importable (%s)" % e)
    profiled(ours, args.calls).sort_stats("tottime").print_stats(25)
    launcher_parts(args, q, k, v, q.device)


def launcher_parts(args, q, k, v, dev):
    """The launcher's parts, one by one."""
    entry = next(iter(_gpu._loaded.values()))
    plan = next(iter(entry._plans.values()))
    outputs_spec, (pool_bytes, workspaces), launches = plan
    print("# plan: outputs %s; workspaces (name, offset, bytes) %s in %d "
          "bytes; launches %s" % (
              [(n, s) for n, s, _ in outputs_spec], workspaces, pool_bytes,
              [(l.kernel, l.grid, l.block, l.smem) for l in launches]))
    parts = {}
    parts["torch.empty outputs"] = lambda: [
        torch.empty(s, dtype=d, device=dev) for _, s, d in outputs_spec]
    parts["torch.empty workspace pool"] = lambda: torch.empty(
        pool_bytes, dtype=torch.uint8, device=dev)
    parts["current_stream"] = lambda: torch.cuda.current_stream(dev).cuda_stream
    parts["_gpu._current_stream"] = lambda: _gpu._current_stream(dev)

    def device_ctx():
        with torch.cuda.device(dev):
            pass
    parts["torch.cuda.device ctx"] = device_ctx
    parts["TensorMap (encode)"] = lambda: _cuda.TensorMap(
        list(q.shape), 2, [64, 1, 64, 1], 128).encode(q.data_ptr())
    parts["_compiler()"] = _gpu._compiler
    if args.op == "full":
        parts["full_module_ir"] = lambda: ops.full_module_ir(
            tuple(q.shape), tuple(k.shape), tuple(v.shape), ["bf16"] * 3,
            args.causal)
    for launch in launches:
        for name, m in launch._maps:
            parts["encode %s of %s" % (name, launch.kernel[-12:])] = (
                lambda m=m: m.encode(q.data_ptr()))
    for name, fn in parts.items():
        t = time.perf_counter()
        for _ in range(args.calls):
            fn()
        print("part us/call: %-24s %.2f" % (
            name, (time.perf_counter() - t) / args.calls * 1e6))
    torch.cuda.synchronize()


if __name__ == "__main__":
    main()
