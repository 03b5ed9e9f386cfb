"""Fill the GPU kernel cache on a machine with the attn compiler.

    python3 -m attn.precompile [--chip sm_90a] [--cache DIR] [--tiles] [--list]

Compiles the standard configurations of the GPU ops (dtypes, head dims,
flags; every kernel is generic in batch, sequence lengths and head counts)
plus those the GPU test suite and bench/gpu_full.py use, into the kernel
cache ($ATTN_KERNEL_CACHE, default <build>/kernel-cache). Copy that directory
to a GPU machine that has no MLIR: attn.ops finds its kernels there.

It takes minutes: it says at the start how many kernel sets it compiles
(per op, with their dtypes) for which chip into which directory, then one
line per kernel set on stderr (``[i/N] name (seconds)``), and at the end a
summary on stdout (exit status 1 if a set failed to compile; the others
are still cached). ``--list`` prints the kernel sets and compiles nothing.
Every entry is written atomically with its integrity record (``_cache``),
so a GPU machine refuses a copy that arrived damaged.
"""

import argparse
import os
import re
import sys
import time

from . import _gpu, ops
from ._errors import AttnError


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
    # Head dims beyond 128: MLA's prefill shape (D = 192, Dv = 128) and 256.
    out.append(((1, 1, 1, 192), (1, 1, 1, 192), (1, 1, 1, 128), ("bf16",) * 3,
                True, None, None, None, None))
    for causal in (False, True):  # (bench/gpu_full.py: both)
        out.append(((1, 1, 1, 256), (1, 1, 1, 256), (1, 1, 1, 256),
                    ("bf16",) * 3, causal, None, None, None, None))
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
    # Head dims off the decode step's row passes and 32-column slices.
    add_form("delta", 1, 1, 1, 100, 24, "f32", True, "scalar", True, True,
             None, True, "recurrent")
    add_form("delta", 1, 1, 1, 48, 40, "bf16", True, "vector", True, False,
             None, True, "recurrent")
    # Head dims the chunked scan runs with mma_sync on every chip (value
    # slices of 48 and 32 columns; 96-byte key rows).
    add_form("delta", 1, 1, 1, 48, 96, "bf16", True, "vector", True, True,
             None, True, "chunked")
    add_form("linear", 1, 1, 1, 64, 32, "bf16", False, "scalar", True, False,
             None, True, "chunked")
    return out


def bench_tiles():
    """Tile variants bench/gpu_full.py --tiles times next to the plan's."""
    return [(64, 64, 4), (128, 64, 8), (128, 32, 8), (64, 32, 4),
            (64, 64, 4, 2), (128, 64, 8, 2), (128, 32, 8, 2), (64, 128, 4, 2)]


def _full_name(qs, vs, el, causal, scale, window, softcap, tile):
    words = ["attn.full", el[0], "D=%d" % qs[3]]
    if vs[3] != qs[3]:
        words.append("Dv=%d" % vs[3])
    words.append("causal" if causal else "non-causal")
    for name, value in (("scale", scale), ("window", window),
                        ("softcap", softcap)):
        if value is not None:
            words.append("%s=%g" % (name, value))
    if tile is not None:
        words.append("tile=" + "x".join(str(n) for n in tile))
    return " ".join(words)


def _recurrent_name(kind, shapes, el, l2, decay, final, form):
    words = ["attn." + kind, el["q"], "K=%d" % shapes["q"][3],
             "V=%d" % shapes["v"][3], form]
    if "g" in shapes:
        words.append("gate=%s" % ("vector" if len(shapes["g"]) == 4
                                  else "scalar"))
    if decay is not None:
        words.append("decay=%d heads" % len(decay))
    if "s0" in shapes:
        words.append("initial_state")
    if l2:
        words.append("l2norm")
    if final:
        words.append("final_state")
    return " ".join(words)


def kernel_sets(tiles=False):
    """Every kernel set to precompile, in order: (name, op, dtype, ir,
    options) with `name` what the progress lines and --list show and
    `options` the attn-to-nvvm options ("" = the defaults)."""
    out = []
    fp8 = ops.pipeline_options("fp8")

    def full(cfg, options="", suffix=""):
        qs, ks, vs, el, causal, scale, window, softcap, tile = cfg
        ir = ops.full_module_ir(qs, ks, vs, el, causal, scale, window, tile,
                                softcap=softcap)
        out.append((_full_name(qs, vs, el, causal, scale, window, softcap,
                               tile) + suffix, "attn.full", el[0], ir,
                    options))
    configs = full_configs()
    if tiles:
        for tile in bench_tiles():
            for causal in (False, True):
                configs.append(((1, 1, 1, 128),) * 3 + (("bf16",) * 3, causal,
                                                       None, None, None, tile))
    for cfg in configs:
        full(cfg)
    # attn.full's tile program with mma.sync instead of wgmma (bf16 / f16
    # plans), without the overlapped loop (tile-overlap=false), without the
    # TMA producer warpgroup (warp-specialize=false), without the ping-pong
    # (warp-pingpong=false): what test_full_tile_gpu.py and
    # bench/gpu_full.py --variants compare the default with.
    for cfg in configs:
        if cfg[3][0] != "f32":
            full(cfg, "wgmma=false", " wgmma=false")
            full(cfg, "tile-overlap=false", " tile-overlap=false")
            full(cfg, "warp-specialize=false", " warp-specialize=false")
            full(cfg, "warp-pingpong=false", " warp-pingpong=false")
    for cfg in fp8_full_configs():
        full(cfg, fp8, " precision=fp8")
    # What test_full_fp8_gpu.py's policy and rotation tests compile besides.
    for policy, budget in (("auto", 3e-2), ("auto", 6e-2), ("fp8", 1e-2)):
        full(((1, 1, 1, 128),) * 3 + (("bf16",) * 3, True, None, None, None,
                                      None),
             ops.pipeline_options(policy, budget),
             " precision=%s error_budget=%g" % (policy, budget))
    for qs, ks, vs, ish, el, causal, scale, bs in sparse_configs():
        ir = ops.sparse_module_ir(qs, ks, vs, ish, el, causal, scale, bs)
        name = "attn.sparse %s D=%d %s%s" % (
            el[0], qs[3], "causal" if causal else "non-causal",
            "" if bs is None else " block_size=%d" % bs)
        out.append((name, "attn.sparse", el[0], ir, ""))
    for hi in (16, 32, 64):  # the FP8 indexer (wgmma, Di = 128)
        for el in ("bf16", "f16"):
            for causal in (False, True):
                ir = ops.indexer_module_ir((1, 1, hi, 128), (1, 1, 128),
                                           (1, 1, hi), (el, el, "f32"), causal)
                name = "attn.indexer %s Hi=%d Di=128 %s precision=fp8" % (
                    el, hi, "causal" if causal else "non-causal")
                out.append((name, "attn.indexer", el, ir, fp8))
    for qs, ks, ws, el, causal in indexer_configs():
        ir = ops.indexer_module_ir(qs, ks, ws, el, causal)
        name = "attn.indexer %s Hi=%d Di=%d w=%s %s" % (
            el[0], qs[2], qs[3], el[2], "causal" if causal else "non-causal")
        out.append((name, "attn.indexer", el[0], ir, ""))
    for k, causal in topk_configs():
        ir = ops.topk_module_ir((1, 1, 1), k, causal)
        name = "attn.topk f32 k=%d %s" % (k, "causal" if causal else
                                          "non-causal")
        out.append((name, "attn.topk", "f32", ir, ""))
    for kind, shapes, el, l2, decay, final, form in recurrent_configs():
        ir = ops.recurrent_module_ir(kind, shapes, el, None, l2, decay, final,
                                     form=form)
        name = _recurrent_name(kind, shapes, el, l2, decay, final, form)
        out.append((name, "attn." + kind, el["q"], ir, ""))
        # The chunked scan without its TMA producer (every warp copies, by
        # cp.async): what test_chunked_gpu.py compares the default with.
        if (form == "chunked" and kind == "delta" and shapes["q"][3] == 128
                and "s0" in shapes and l2 and len(shapes.get("g", ())) == 4):
            out.append((name + " warp-specialize=false", "attn." + kind,
                        el["q"], ir, "warp-specialize=false"))
    return out


def _coverage(sets):
    """'attn.full 40 (bf16, f16, f32), ...': ops with counts and dtypes."""
    ops_seen = {}
    for _, op, dtype, _, _ in sets:
        count, dtypes = ops_seen.setdefault(op, [0, []])
        ops_seen[op][0] = count + 1
        if dtype not in dtypes:
            dtypes.append(dtype)
    return ", ".join("%s %d (%s)" % (op, n, ", ".join(dts))
                     for op, (n, dts) in ops_seen.items())


def main(argv=None):
    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Progress goes to stderr (one line per kernel set), the "
               "summary to stdout.")
    ap.add_argument("--chip", default="sm_90a",
                    help="the chip to compile for (default sm_90a)")
    ap.add_argument("--cache", help="cache directory (sets ATTN_KERNEL_CACHE)")
    ap.add_argument("--tiles", action="store_true",
                    help="also the tile variants of bench/gpu_full.py --tiles")
    ap.add_argument("--list", action="store_true",
                    help="print the kernel sets that would be compiled, one "
                         "a line, and compile nothing")
    ap.add_argument("--ops", default="",
                    help="only the sets of these ops, comma-separated "
                         "(attn.full,attn.sparse; default: every op)")
    ap.add_argument("--grep", default="",
                    help="only the sets whose name matches this regular "
                         "expression (e.g. 'recurrent', 'bf16 D=128')")
    args = ap.parse_args(argv)
    # The compiler's target description is the authority on chips (an
    # unknown sm_NN fails on the first set); a name that is no sm_NN at all
    # is refused before --list says anything about it.
    if not re.fullmatch(r"sm_[0-9]+[af]?", args.chip):
        ap.error("--chip: '%s' is not an NVIDIA chip name (sm_80, sm_90a, "
                 "sm_100a, ...)" % args.chip)
    if args.cache:
        os.environ["ATTN_KERNEL_CACHE"] = args.cache
    sets = kernel_sets(args.tiles)
    if args.ops:
        wanted = [o.strip() for o in args.ops.split(",") if o.strip()]
        known = sorted({op for _, op, _, _, _ in sets})
        unknown = [o for o in wanted if o not in known]
        if unknown:
            ap.error("--ops: unknown op(s) %s (known: %s)"
                     % (", ".join(unknown), ", ".join(known)))
        sets = [s for s in sets if s[1] in wanted]
    if args.grep:
        try:
            pattern = re.compile(args.grep)
        except re.error as e:
            ap.error("--grep: %s" % e)
        sets = [s for s in sets if pattern.search(s[0])]
    if not sets:
        ap.error("no kernel set matches --ops / --grep")
    if args.list:
        for name, _, _, _, _ in sets:
            print(name)
        print("%d kernel sets for %s: %s" % (len(sets), args.chip,
                                              _coverage(sets)))
        return 0
    log = sys.stderr
    try:
        os.makedirs(_gpu.cache_dir(), exist_ok=True)
    except OSError as e:
        print("attn.precompile: cannot create the cache directory %s: %s"
              % (_gpu.cache_dir(), e), file=log)
        return 2
    print("attn.precompile: %d kernel sets for %s into %s\n  %s"
          % (len(sets), args.chip, _gpu.cache_dir(), _coverage(sets)),
          file=log, flush=True)
    width = len(str(len(sets)))
    failed = []
    start = time.monotonic()
    for i, (name, _, _, ir, options) in enumerate(sets, 1):
        t0 = time.monotonic()
        try:
            _gpu.compile_to_cache(ir, args.chip, force=True, options=options)
        except AttnError as e:
            failed.append(name)
            print("[%*d/%d] %s: FAILED: %s" % (width, i, len(sets), name,
                                               str(e).strip()),
                  file=log, flush=True)
            if i == 1:  # the chip, the options or the build, not this set
                print("attn.precompile: stopping: the first kernel set "
                      "failed", file=log)
                return 1
            continue
        print("[%*d/%d] %s (%.1f s)" % (width, i, len(sets), name,
                                        time.monotonic() - t0),
              file=log, flush=True)
    total = time.monotonic() - start
    print("%d kernel sets for %s in %s (%.0f s)%s"
          % (len(sets) - len(failed), args.chip, _gpu.cache_dir(), total,
             "; %d failed: %s" % (len(failed), "; ".join(failed))
             if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
