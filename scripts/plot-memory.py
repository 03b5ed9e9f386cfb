#!/usr/bin/env python3
"""Draws what attn-plan-memory's JSON says: cache memory and bytes moved per
decoded token against context length (1k .. 1M), for each schedule given
and the all-full counterpart of the first.

    attn-opt model.mlir --attn-plan-memory=json-out=a.json -o /dev/null
    attn-opt model.mlir --attn-schedule-ratio=linear-per-full=7 \\
        --attn-plan-memory=json-out=b.json -o /dev/null
    python3 scripts/plot-memory.py a.json b.json -o memory.png

Needs matplotlib (Debian: python3-matplotlib)."""

import argparse
import json
import sys


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json", nargs="+", help="attn-plan-memory json-out files")
    ap.add_argument("-o", "--output", default="memory.png")
    ap.add_argument("--label", action="append", default=[],
                    help="legend label per file (default: schedule name)")
    args = ap.parse_args(argv)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot-memory: matplotlib is missing (apt install "
              "python3-matplotlib)", file=sys.stderr)
        return 1
    plans = []
    for path in args.json:
        try:
            with open(path) as f:
                plans.append(json.load(f))
        except (OSError, ValueError) as ex:
            print("plot-memory: %s: %s" % (path, ex), file=sys.stderr)
            return 1
        if "curve" not in plans[-1]:
            print("plot-memory: %s has no 'curve' (not attn-plan-memory "
                  "json-out?)" % path, file=sys.stderr)
            return 1
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    gib = float(1 << 30)
    for i, plan in enumerate(plans):
        c = plan["curve"]
        label = args.label[i] if i < len(args.label) else plan["schedule"]
        ax1.plot(c["context"], [x / gib for x in c["cache_bytes"]],
                 marker="o", label=label)
        ax2.plot(c["context"], [x / gib for x in c["decode_bytes_per_token"]],
                 marker="o", label=label)
    c = plans[0]["curve"]
    ax1.plot(c["context"], [x / gib for x in c["all_full_cache_bytes"]], "k--",
             label="all full attention")
    ax2.plot(c["context"], [x / gib for x in c["all_full_decode_bytes_per_token"]],
             "k--", label="all full attention")
    batch, dtype = plans[0]["batch"], plans[0]["kv_dtype"]
    for ax, title in ((ax1, "KV cache + recurrent state"),
                      (ax2, "bytes read/written per decoded token")):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("context length (tokens)")
        ax.set_ylabel("GiB")
        ax.set_title("%s (batch %d, %s cache)" % (title, batch, dtype))
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(args.output, dpi=100)
    print("wrote %s" % args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
