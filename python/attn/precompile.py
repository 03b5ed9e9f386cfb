"""Fill the GPU kernel cache on a machine with the attn compiler.

    python3 -m attn.precompile [--chip sm_90a] [--cache DIR]

Compiles the standard configurations of the GPU ops (dtypes, head dims,
flags; every kernel is generic in batch, sequence lengths and head counts)
plus those the GPU test suite and bench/gpu_full.py use, into the kernel
cache ($ATTN_KERNEL_CACHE, default <build>/kernel-cache). Copy that directory
to a GPU machine that has no MLIR: attn.ops finds its kernels there.
"""

import argparse
import os
import sys

from . import _gpu, ops


def _standard_full(elements):
    """The standard attn.full kernel sets of each dtype in `elements`: head
    dims 64 and 128, causal and not (window, scale, softcap, tile unset)."""
    return [((1, 1, 1, d), (1, 1, 1, d), (1, 1, 1, d), (el,) * 3, causal,
             None, None, None, None)
            for el in elements for d in (64, 128) for causal in (False, True)]


# The FP8 tests' window-100 configuration (compiled bf16 and FP8).
_WINDOW_100 = ((1, 1, 1, 128), (1, 1, 1, 128), (1, 1, 1, 128), ("bf16",) * 3,
               True, None, 100, None, None)


def full_configs():
    """(qshape, kshape, vshape, elements, causal, scale, window, softcap,
    tile) of every attn.full kernel set to precompile. Shapes only fix the
    head dims (the rest is dynamic in the compiled IR)."""
    out = _standard_full(("bf16", "f16", "f32"))
    # What the GPU tests use beyond the standard set.
    out.append(((1, 1, 1, 64), (1, 1, 1, 64), (1, 1, 1, 64), ("bf16",) * 3,
                True, None, 64, None, None))
    out.append(((1, 1, 1, 128), (1, 1, 1, 128), (1, 1, 1, 128), ("bf16",) * 3,
                True, None, None, 30.0, None))
    out.append(((1, 1, 1, 64), (1, 1, 1, 64), (1, 1, 1, 64), ("f16",) * 3,
                False, 0.1, None, None, None))
    out.append(((1, 1, 1, 128), (1, 1, 1, 128), (1, 1, 1, 64), ("bf16",) * 3,
                True, None, None, None, None))
    out.append(_WINDOW_100)
    return out


def fp8_full_configs():
    """attn.full kernel sets compiled with precision_policy="fp8" (FP8
    attention, bf16 / f16 inputs): D = 128 (wgmma on sm_90a) and D = 64,
    and what test_full_fp8_gpu.py uses."""
    return _standard_full(("bf16", "f16")) + [_WINDOW_100]


def sparse_configs():
    """(qshape, kshape, vshape, ishape, elements, causal, scale, block_size)
    of the attn.sparse kernel sets to precompile."""
    out = []
    for el in ("bf16", "f16"):
        for d in (64, 128):
            for causal in (False, True):
                for bs in (None, 64):
                    out.append(((1, 1, 1, d), (1, 1, 1, d), (1, 1, 1, d),
                                (1, 1, 1, 1), (el,) * 3, causal, None, bs))
    out.append(((1, 1, 1, 128), (1, 1, 1, 128), (1, 1, 1, 128), (1, 1, 1, 1),
                ("bf16",) * 3, False, None, 16))  # test: block size 16
    out.append(((1, 1, 1, 64), (1, 1, 1, 64), (1, 1, 1, 64), (1, 1, 1, 1),
                ("f32",) * 3, True, None, None))
    return out


def indexer_configs():
    """(qshape, kshape, wshape, elements, causal) of the attn.indexer kernels
    to precompile: DSA's 64 heads x 128, and what the GPU tests use."""
    out = []
    for el in ("bf16", "f16"):
        for causal in (False, True):
            out.append(((1, 1, 64, 128), (1, 1, 128), (1, 1, 64),
                        (el, el, "f32"), causal))
    out.append(((1, 1, 16, 64), (1, 1, 64), (1, 1, 16), ("bf16",) * 3, True))
    out.append(((1, 1, 128, 64), (1, 1, 64), (1, 1, 128), ("f16", "f16", "f32"),
                False))
    out.append(((1, 1, 64, 128), (1, 1, 128), (1, 1, 64), ("f32",) * 3, True))
    return out


def topk_configs():
    """(k, causal) of the attn.topk kernels to precompile: DSA's 2048 and
    what the GPU tests use."""
    return [(2048, True), (2048, False), (64, True), (64, False), (1, False),
            (100, False), (4096, False)]


def recurrent_configs():
    """(kind, shapes, elements, use_qk_l2norm, decay, output_final_state,
    form) of the linear / delta-rule kernels: the recurrent (decode-step)
    form for every dtype, the chunked (prefill) form for bf16; FLA's shapes
    and what the GPU tests use."""
    out = []
    def add(kind, B, H, HV, K, V, dt, beta, gate, init, l2, decay=None,
            final=True):
        forms = ["recurrent"] + (["chunked"] if dt == "bf16" else [])
        for form in forms:
            add_form(kind, B, H, HV, K, V, dt, beta, gate, init, l2, decay,
                     final, form)
    def add_form(kind, B, H, HV, K, V, dt, beta, gate, init, l2, decay, final,
                 form):
        shapes = {"q": (B, 1, H, K), "k": (B, 1, H, K), "v": (B, 1, HV, V)}
        el = {"q": dt, "k": dt, "v": dt}
        if beta:
            shapes["beta"], el["beta"] = (B, 1, HV), "f32"
        if gate == "scalar":
            shapes["g"], el["g"] = (B, 1, HV), "f32"
        elif gate == "vector":
            shapes["g"], el["g"] = (B, 1, HV, K), "f32"
        if init:
            shapes["s0"], el["s0"] = (B, HV, K, V), "f32"
        out.append((kind, shapes, el, l2, decay, final, form))
    for dt in ("bf16", "f16", "f32"):
        for d in (64, 128):
            for init in (False, True):
                for l2 in (False, True):
                    add("delta", 1, 1, 1, d, d, dt, True, "vector", init, l2)
                    add("delta", 1, 1, 1, d, d, dt, True, "scalar", init, l2)
                    add("delta", 1, 1, 1, d, d, dt, True, None, init, l2)
                for gate in (None, "scalar", "vector"):
                    add("linear", 1, 1, 1, d, d, dt, False, gate, init, False)
    for dt in ("f32", "bf16"):
        add("linear", 1, 3, 3, 64, 64, dt, False, None, True, False,
            decay=[-0.1, -0.5, -1.0])
    return out


def bench_tiles():
    """Tile variants bench/gpu_full.py --tiles times next to the plan's."""
    return [(64, 64, 4), (128, 64, 8), (128, 32, 8), (64, 32, 4)]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chip", default="sm_90a")
    ap.add_argument("--cache", help="cache directory (sets ATTN_KERNEL_CACHE)")
    ap.add_argument("--tiles", action="store_true",
                    help="also the tile variants of bench/gpu_full.py --tiles")
    args = ap.parse_args(argv)
    if args.cache:
        os.environ["ATTN_KERNEL_CACHE"] = args.cache
    n = 0
    configs = full_configs()
    if args.tiles:
        for tile in bench_tiles():
            for causal in (False, True):
                configs.append(((1, 1, 1, 128),) * 3 + (("bf16",) * 3, causal,
                                                       None, None, None, tile))
    for qs, ks, vs, el, causal, scale, window, softcap, tile in configs:
        ir = ops.full_module_ir(qs, ks, vs, el, causal, scale, window, tile,
                                softcap=softcap)
        _gpu.compile_to_cache(ir, args.chip, force=True)
        n += 1
    fp8 = ops.pipeline_options("fp8")
    for qs, ks, vs, el, causal, scale, window, softcap, tile in \
            fp8_full_configs():
        ir = ops.full_module_ir(qs, ks, vs, el, causal, scale, window, tile,
                                softcap=softcap)
        _gpu.compile_to_cache(ir, args.chip, force=True, options=fp8)
        n += 1
    # What test_full_fp8_gpu.py's policy and rotation tests compile besides.
    for policy, budget in (("auto", 3e-2), ("auto", 6e-2), ("fp8", 1e-2)):
        ir = ops.full_module_ir((1, 1, 1, 128), (1, 1, 1, 128),
                                (1, 1, 1, 128), ("bf16",) * 3, True)
        _gpu.compile_to_cache(ir, args.chip, force=True,
                              options=ops.pipeline_options(policy, budget))
        n += 1
    for qs, ks, vs, ish, el, causal, scale, bs in sparse_configs():
        ir = ops.sparse_module_ir(qs, ks, vs, ish, el, causal, scale, bs)
        _gpu.compile_to_cache(ir, args.chip, force=True)
        n += 1
    for hi in (16, 32, 64):  # the FP8 indexer (wgmma, Di = 128)
        for el in ("bf16", "f16"):
            for causal in (False, True):
                ir = ops.indexer_module_ir((1, 1, hi, 128), (1, 1, 128),
                                           (1, 1, hi), (el, el, "f32"), causal)
                _gpu.compile_to_cache(ir, args.chip, force=True, options=fp8)
                n += 1
    for qs, ks, ws, el, causal in indexer_configs():
        ir = ops.indexer_module_ir(qs, ks, ws, el, causal)
        _gpu.compile_to_cache(ir, args.chip, force=True)
        n += 1
    for k, causal in topk_configs():
        ir = ops.topk_module_ir((1, 1, 1), k, causal)
        _gpu.compile_to_cache(ir, args.chip, force=True)
        n += 1
    for kind, shapes, el, l2, decay, final, form in recurrent_configs():
        ir = ops.recurrent_module_ir(kind, shapes, el, None, l2, decay, final,
                                     form=form)
        _gpu.compile_to_cache(ir, args.chip, force=True)
        n += 1
    print("%d kernel sets for %s in %s" % (n, args.chip, _gpu.cache_dir()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
