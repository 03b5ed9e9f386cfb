#!/usr/bin/env python3
"""Mutation fuzz test of attn-opt: no input may crash it.

Takes the lit test files and examples as a corpus, splits them at `// -----`,
and makes thousands of mutants (changed numbers, dimensions, element types,
attribute names and keywords, deleted / duplicated / spliced lines, stray
punctuation, truncation). The mutants are fed to attn-opt in batches through
`--split-input-file`, in five modes (plain with --verify-roundtrip, generic
printing, the schedule/plan reports, the whole attn-to-cpu pipeline and the
whole attn-to-nvvm pipeline). A batch passes when attn-opt exits 0 or
1 (diagnostics are expected) and prints no crash marker; a failing batch is
re-run mutant by mutant and every crashing mutant is written out and printed.

Exit status: 0 when no mutant crashed, 1 otherwise. Prints one summary line
`N passed, N failed`.
"""

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile

CRASH_MARKERS = (
    "Stack dump",
    "PLEASE submit a bug report",
    "Assertion",
    "LLVM ERROR",
    "UNREACHABLE",
    "Segmentation fault",
    "terminate called",
)
# A valid module that fails to print and re-parse is a printer/parser bug.
ROUNDTRIP_MARKERS = ("roundTrip", "round-trip", "roundtrip")

MODES = (
    ["--verify-roundtrip"],
    ["--mlir-print-op-generic"],
    ["--attn-print-schedule", "--attn-print-plan"],
    # Planning and the whole CPU lowering on whatever still verifies.
    ["--attn-to-cpu"],
    # The GPU kernel builders and NVPTX code generation (PTX text).
    ["--attn-to-nvvm"],
)

INTS = ["0", "1", "-1", "2", "3", "7", "16", "64", "128", "255", "4096",
        "2147483647", "2147483648", "-2147483648", "9223372036854775807",
        "18446744073709551616", "99999999999999999999999"]
ELEMENT_TYPES = ["bf16", "f16", "f32", "f64", "i32", "i64", "i1", "index",
                 "f8E4M3FN", "f8E5M2", "complex<f32>", "none", "vector<4xf32>",
                 "tensor<2xf32>"]
WORDS = ["causal", "gate", "initial_state", "scale", "window", "softcap",
         "tile", "precision", "chunk", "form", "decay", "use_qk_l2norm",
         "block_size", "k", "kind", "heads", "kv_heads", "value_heads",
         "head_dim", "value_dim", "topk", "index_heads", "index_dim", "conv",
         "kv_lora_rank", "size", "sub_chunk", "q", "kv", "stages", "split_kv",
         "warps", "operands", "accumulator", "granularity", "block",
         "hadamard", "full", "sparse", "linear", "delta", "none", "scalar",
         "vector", "constant", "recurrent", "chunked", "tensor", "head",
         "token", "true", "false", "num_layers", "x", "attn.full",
         "attn.sparse", "attn.indexer", "attn.topk", "attn.linear",
         "attn.delta", "attn.schedule", "attn.layer_kind", "attn.layers",
         "#attn.tile", "#attn.chunk", "#attn.layer", "#attn.precision",
         "#attn.form", "@kda", "@mla", "@nope"]
PUNCT = list("<>(){}[],:=@%#?*x\"-!^") + ["->", "...", "// -----", "\n"]

TOKEN_RE = re.compile(r"-?\d+(\.\d+)?(e[-+]?\d+)?|[A-Za-z_#@%.][\w.$#@%]*|\S")
TENSOR_RE = re.compile(r"tensor<([^<>]*)>")


def load_corpus(dirs):
    chunks = []
    for d in dirs:
        for root, _, files in os.walk(d):
            for name in sorted(files):
                if not name.endswith(".mlir"):
                    continue
                with open(os.path.join(root, name), encoding="utf-8") as f:
                    text = f.read()
                for chunk in re.split(r"^// -----\s*$", text, flags=re.M):
                    # Drop RUN/CHECK lines: they are comments, but keep
                    # mutants small and focused on IR.
                    lines = [l for l in chunk.splitlines()
                             if not re.match(r"\s*//\s*(RUN|CHECK|GENERIC)", l)]
                    body = "\n".join(lines).strip()
                    if body:
                        chunks.append(body)
                    # Each top-level op on its own too: small mutants reach
                    # the verifiers of every op, not only the first one.
                    pieces = re.split(r"^(?=func\.func|attn\.schedule)", body, flags=re.M)
                    if len(pieces) > 2:
                        chunks.extend(p.strip() for p in pieces if p.strip())
    return chunks


def mutate_tensor(rng, text):
    matches = list(TENSOR_RE.finditer(text))
    if not matches:
        return None
    m = rng.choice(matches)
    parts = m.group(1).split("x")
    choice = rng.randrange(6)
    if choice == 0 and len(parts) > 1:
        del parts[rng.randrange(len(parts) - 1)]
    elif choice == 1:
        parts.insert(rng.randrange(len(parts)), rng.choice(["1", "2", "?", "0", "5"]))
    elif choice == 2 and len(parts) > 1:
        parts[rng.randrange(len(parts) - 1)] = rng.choice(["0", "1", "3", "?", "129", "9223372036854775807"])
    elif choice == 3:
        parts[-1] = rng.choice(ELEMENT_TYPES)
    elif choice == 4:
        return text[:m.start()] + "tensor<*x" + parts[-1] + ">" + text[m.end():]
    else:
        return text[:m.start()] + rng.choice(["tensor<f32>", "memref<2x3xf32>", "f32", "i32"]) + text[m.end():]
    return text[:m.start()] + "tensor<" + "x".join(parts) + ">" + text[m.end():]


def mutate_token(rng, text):
    tokens = list(TOKEN_RE.finditer(text))
    if not tokens:
        return None
    t = rng.choice(tokens)
    tok = t.group(0)
    if re.fullmatch(r"-?\d+", tok):
        new = rng.choice(INTS)
    elif re.fullmatch(r"-?\d+\.\d+(e[-+]?\d+)?", tok):
        new = rng.choice(["0.0", "-1.0", "1e308", "1e309", "nan", "inf", "0x7FF0000000000000"])
    elif re.fullmatch(r"%[\w.$]+", tok):
        others = [x.group(0) for x in tokens if x.group(0).startswith("%")]
        new = rng.choice(others + ["%undefined"])
    elif rng.random() < 0.7:
        new = rng.choice(WORDS)
    else:
        new = rng.choice(PUNCT)
    return text[:t.start()] + new + text[t.end():]


def mutate_lines(rng, text, corpus):
    lines = text.splitlines()
    if not lines:
        return None
    i = rng.randrange(len(lines))
    op = rng.randrange(5)
    if op == 0:
        del lines[i]
    elif op == 1:
        lines.insert(i, lines[rng.randrange(len(lines))])
    elif op == 2:
        other = rng.choice(corpus).splitlines()
        if other:
            lines.insert(i, rng.choice(other))
    elif op == 3:
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    else:
        return text[: rng.randrange(len(text) + 1)]
    return "\n".join(lines)


def mutate_chars(rng, text):
    if not text:
        return None
    i = rng.randrange(len(text))
    op = rng.randrange(3)
    if op == 0:
        return text[:i] + rng.choice(PUNCT) + text[i:]
    if op == 1:
        j = min(len(text), i + rng.randrange(1, 12))
        return text[:i] + text[j:]
    return text[:i] + text[i:i + 40] + text[i:]


def make_mutant(rng, corpus):
    text = rng.choice(corpus)
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        kind = rng.random()
        if kind < 0.30:
            new = mutate_token(rng, text)
        elif kind < 0.55:
            new = mutate_tensor(rng, text)
        elif kind < 0.80:
            new = mutate_lines(rng, text, corpus)
        else:
            new = mutate_chars(rng, text)
        if new is not None:
            text = new
    # A mutant must not smuggle in a split marker of its own.
    return text.replace("// -----", "// ----")


def run(attn_opt, path, mode, timeout):
    try:
        proc = subprocess.run(
            [attn_opt, path, "--split-input-file", "-o", os.devnull] + mode,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout after %ds" % timeout
    err = proc.stderr.decode("utf-8", "replace") + proc.stdout.decode("utf-8", "replace")
    if proc.returncode < 0:
        return "killed by signal %d" % -proc.returncode
    if proc.returncode not in (0, 1):
        return "exit code %d" % proc.returncode
    for marker in CRASH_MARKERS:
        if marker in err:
            return "printed %r" % marker
    # A pass that reports an error must fail the run (upstream MLIR has
    # passes that do not; ours and our pipelines must).
    if proc.returncode == 0 and "error:" in err:
        return "printed an error but exited 0"
    if mode == ["--verify-roundtrip"]:
        for marker in ROUNDTRIP_MARKERS:
            if marker in err:
                return "round trip failed"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--attn-opt", required=True)
    ap.add_argument("--corpus", action="append", required=True)
    ap.add_argument("--mutants", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--seed", type=int,
                    default=int(os.environ.get("ATTN_FUZZ_SEED", "20261126")))
    ap.add_argument("--timeout", type=int, default=120)
    ap.add_argument("--out", default=None, help="where crashing mutants go")
    args = ap.parse_args()

    corpus = load_corpus(args.corpus)
    if not corpus:
        print("fuzz: empty corpus", file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    rng = random.Random(args.seed)
    mutants = [make_mutant(rng, corpus) for _ in range(args.mutants)]
    print("fuzz: %d corpus chunks, %d mutants, seed %d"
          % (len(corpus), len(mutants), args.seed))

    out_dir = args.out or tempfile.mkdtemp(prefix="attn-fuzz-")
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for start in range(0, len(mutants), args.batch):
            batch = mutants[start:start + args.batch]
            path = os.path.join(tmp, "batch.mlir")
            with open(path, "w", encoding="utf-8") as f:
                f.write("\n// -----\n".join(batch))
            for mode in MODES:
                if run(args.attn_opt, path, mode, args.timeout) is None:
                    continue
                # Find the culprits one by one.
                for i, text in enumerate(batch):
                    one = os.path.join(tmp, "one.mlir")
                    with open(one, "w", encoding="utf-8") as f:
                        f.write(text)
                    why = run(args.attn_opt, one, mode, args.timeout)
                    if why:
                        n = start + i
                        keep = os.path.join(out_dir, "crash-%05d.mlir" % n)
                        with open(keep, "w", encoding="utf-8") as f:
                            f.write(text)
                        failures.append((n, " ".join(mode), why, keep))
    for n, mode, why, keep in failures:
        print("CRASH mutant %d (%s): %s -> %s" % (n, mode, why, keep))
    print("%d passed, %d failed" % (len(mutants) - len({f[0] for f in failures}),
                                    len({f[0] for f in failures})))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
