//===- Passes.td - attn dialect passes ------------------------*- tablegen -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Declarations of the attn passes: flags, options, docs. One pass per file
// under lib/Dialect/Attn/Transforms, named after its flag.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_TD
#define ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def AttnPrintSchedulePass : Pass<"attn-print-schedule", "mlir::ModuleOp"> {
  let summary = "Print a readable summary of every attn.schedule";
  let description = [{
    For each `attn.schedule` in the module, prints to standard output its
    layer count, each layer kind with its count and configuration, the
    layer map (one letter per layer: `F` full, `S` sparse, `L` linear, `D`
    delta) and the 1-based positions of the full/sparse layers, the form in
    which model configs usually state them. The IR is not changed.

    Example output:
    ```
    schedule @kimi_linear: 27 layers, 2 kinds (linear:full = 20:7)
      @kda  x20  delta heads=32 value_heads=32 head_dim=128 value_dim=128 gate=vector conv=4
      @mla  x7   full heads=32 kv_heads=1 head_dim=192 value_dim=128 kv_lora_rank=512
      map: DDDF DDDF DDDF DDDF DDDF DDDF DDF
      softmax layers (1-based): 4, 8, 12, 16, 20, 24, 27
    ```
  }];
}

//===----------------------------------------------------------------------===//
// Planning passes: each decides one thing and records it as an attribute.
// An attribute that is already there (set by hand or by an earlier pass) is
// never overwritten.
//===----------------------------------------------------------------------===//

def AttnSelectFormPass : Pass<"attn-select-form"> {
  let summary = "Choose the recurrent or chunked form of linear/delta ops";
  let description = [{
    Sets `form` on every `attn.linear` and `attn.delta` op that has none:

    - `#attn.form<recurrent>` when the sequence length T (dim 1 of `q`) is
      static and at most `max-recurrent-t`: decode and very short inputs,
      where a token-by-token scan over the f32 state beats the chunkwise
      parallel form, whose chunk setup (the intra-chunk C x C products and,
      for the delta rule, the (I + A)⁻¹ solve) is only repaid over many
      tokens;
    - `#attn.form<chunked>` otherwise, including a dynamic T (prefill: one
      compiled kernel serves every length) and any op that already carries a
      `chunk` plan (a chunk plan needs the chunked form).

    Ops that already have a `form` are left alone. The pass can run on any
    op; it walks everything nested in it.

    Example (`max-recurrent-t = 16`):
    ```mlir
    // T = 1 (decode):     form = #attn.form<recurrent>
    // T = ? (prefill):    form = #attn.form<chunked>
    ```
  }];
  let options = [
    Option<"maxRecurrentT", "max-recurrent-t", "int64_t", /*default=*/"16",
           "Largest static sequence length T computed in the recurrent form "
           "(must not be negative)">
  ];
}

def AttnChunkPass : Pass<"attn-chunk"> {
  let summary = "Choose the chunk plan of chunked linear/delta ops";
  let description = [{
    Sets `chunk = #attn.chunk<size = chunk-size, sub_chunk = S>` on every
    `attn.linear` and `attn.delta` op whose `form` is chunked or unset and
    that has no `chunk` yet; an unset `form` becomes
    `#attn.form<chunked>` (also on ops whose `chunk` was set by hand).
    Ops with `form = #attn.form<recurrent>` are skipped.

    `S` is `sub-chunk` where the gate has one decay per key channel
    (`attn.linear` with a `[B, T, H, K]` gate = GLA, `attn.delta` with a
    `[B, T, HV, K]` gate = KDA): the decay then sits inside the K
    contraction, `(q_i * exp(b_i)) . (k_j * exp(-b_j))`, and over a whole
    chunk the cumulative log-decays `b` span a range whose exponentials
    over- or underflow, so these factors are only formed inside
    sub-chunks. With no gate, a scalar gate or a constant `decay`, `S` is
    0: a per-head decay is a C x C mask `exp(b_i - b_j)` applied after the
    `Q Kᵀ` product, formed from the differences, and needs no sub-chunks.

    The defaults follow FLA's chunked kernels: chunks of 64 tokens, split
    into sub-chunks of 16 for the per-channel gates of GLA and KDA.

    Option values are checked by `#attn.chunk`'s rules (`size` a power of
    two in [16, 256], `sub_chunk` 0 or a power of two dividing `size`) at
    the first op that would get them; an invalid value is an error located
    at that op and the pass fails (`sub-chunk` is only checked where it is
    used, on a per-channel gate).

    Example (defaults):
    ```mlir
    // KDA (attn.delta, gate [B, T, HV, K]):
    //   form = #attn.form<chunked>, chunk = #attn.chunk<size = 64, sub_chunk = 16>
    // Gated DeltaNet (attn.delta, gate [B, T, HV]):
    //   form = #attn.form<chunked>, chunk = #attn.chunk<size = 64>
    ```
  }];
  let options = [
    Option<"chunkSize", "chunk-size", "int64_t", /*default=*/"64",
           "Chunk length C in tokens (a power of two in [16, 256])">,
    Option<"subChunk", "sub-chunk", "int64_t", /*default=*/"16",
           "Sub-chunk length of ops with a per-key-channel gate (GLA, KDA); "
           "0 or a power of two dividing chunk-size">
  ];
}

def AttnTilePass : Pass<"attn-tile"> {
  let summary = "Choose the tiling plan of full and sparse attention ops";
  let description = [{
    Sets `tile = #attn.tile<...>` on every `attn.full` and `attn.sparse` op
    that has none, from one table of per-target choices (at the top of
    `lib/Dialect/Attn/Transforms/Tile.cpp`, with the source of each
    number):

    | target | D <= 64 | D <= 128 (and dynamic D) | D > 128 |
    |---|---|---|---|
    | `cpu` | 64 x 64, 1 stage, 1 warp | 64 x 64, 1, 1 | 64 x 64, 1, 1 |
    | GPU chips (the mma.sync kernels: FlashAttention-2's algorithm) | 64 x 64, 1, 4 | 64 x 64, 1, 4 | 64 x 32, 1, 4 |

    (`q` x `kv`, `stages`, `warps`; D is the head dim, dim 3 of `q`.) A GPU
    target is any chip of attn's target description
    (`include/attn/Target/GPU/TargetInfo.h`: sm_80, sm_86, sm_87, sm_89,
    sm_90, sm_90a, sm_100a, sm_103a, sm_110a, sm_120a, sm_121a and their
    plain / `f` variants); Hopper (sm_90, sm_90a) and the other chips have
    rows of their own, today equal. f32 inputs on a GPU take kv = 32 above
    D = 64 (the bf16x3 split kernels), and an FP8 plan on a chip with wgmma
    (sm_90a) at D = Dv = 128 takes kv = 128 (the wgmma kernel's tile).

    - `attn.full`: `q`, `kv`, `stages`, `warps` from the row of its head
      dim. `split_kv` is 1, except for decoding against a long KV cache:
      when T (dim 1 of `q`) is static and at most 16 and S (dim 1 of `k`)
      is static, `split_kv = clamp(S / 2048, 1, 32)`, so that the few query
      rows still spread over many thread blocks.
    - `attn.sparse`: `q = 16`, `kv = 64` on every target (the key selection
      is per query, so query tiles are small and a KV tile is a gather of
      selected keys); `stages` and `warps` from the row of its head dim;
      `split_kv = 1`.

    An unknown `target` is an error and the pass fails.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"cpu\"",
           "Code generation target: cpu or a chip (sm_80, sm_89, sm_90a, "
           "sm_100a, ...)">
  ];
}

def AttnPlanMemoryPass : Pass<"attn-plan-memory", "mlir::ModuleOp"> {
  let summary = "Cache memory, state and FLOPs of every attn.schedule";
  let description = [{
    For each `attn.schedule`, prints to standard output a table of what its
    layers cost at a context length `context` and batch `batch`, per layer
    kind (with its layer count) and in total, and the same totals for the
    schedule's all-full counterpart (every linear / delta layer replaced by
    the schedule's first full-attention kind, or by full attention with the
    layer's own heads and dims where it has none; sparse layers attend to
    every key). The IR is not changed.

    Figures (b = bytes of `kv-dtype`, C = 64, sums exact):
    - full / sparse layers, KV cache: `batch * tokens * Hkv * (D + Dv) * b`
      (`2 * context * Hkv * D * b * batch` when Dv = D); an MLA layer
      (`kv_lora_rank`) caches the latent, `kv_lora_rank * b` per token; a
      sliding window caches `min(context, window)` tokens; a DSA layer adds
      the indexer's keys, `index_dim * b` per token.
    - linear / delta layers, state: `batch * HV * K * V * 4` (f32), plus the
      short-conv state `batch * (conv - 1) * (2 H K + HV V) * b`.
    - prefill FLOPs (a causal prompt of `context` tokens): softmax layers
      `2 H (D + Dv)` per (query, visible key) pair — keys within the window,
      the top-k for sparse layers, whose indexer adds `2 Hi Di` per pair
      over all keys; linear layers `HV (4 K V + C (K + V))` and delta layers
      `HV (6 K V + 1.5 C (K + V) + C^2)` per token (the chunked form;
      Kimi Linear report eq. 13 for K = V).
    - per decoded token at `context`: FLOPs as one more query; bytes read
      and written: the whole KV cache (sparse: the top-k entries plus the
      indexer keys), twice the state.
    - the context at which the schedule's state equals the KV cache its
      linear / delta layers would hold as full layers.

    With `json-out`, the same figures go to that file as JSON: top-level
    integer fields `kv_cache_bytes` and `state_bytes`, the other totals,
    `layers` (one entry per layer, in order), `all_full`, and `curve`: cache
    bytes and decode bytes per token at contexts 1k, 2k, ... 1M for the
    schedule and its all-full counterpart (scripts/plot-memory.py draws
    it). A module with more than one schedule cannot use `json-out`.
    Unknown `kv-dtype` values and non-positive sizes are errors.

    Example (`examples/kimi_linear.mlir`, `context=131072`):
    ```
    memory plan @kimi_linear: context 131072, batch 1, kv-dtype bf16
      @kda  x20  delta  state 2.00 MiB + conv 0.09 MiB per layer
      @mla  x7   full   KV cache 128.00 MiB per layer (MLA latent 512)
      ...
    ```
  }];
  let options = [
    Option<"context", "context", "int64_t", /*default=*/"131072",
           "Context length in tokens (KV cache size, prompt length)">,
    Option<"batch", "batch", "int64_t", /*default=*/"1", "Sequences">,
    Option<"kvDtype", "kv-dtype", "std::string", /*default=*/"\"bf16\"",
           "Element type of the KV cache and conv state: bf16, f16, f32, fp8 "
           "(e4m3 / e5m2: 1 byte)">,
    Option<"jsonOut", "json-out", "std::string", /*default=*/"\"\"",
           "Also write the figures as JSON to this path">
  ];
}

def AttnScheduleRatioPass : Pass<"attn-schedule-ratio", "mlir::ModuleOp"> {
  let summary = "Re-space the full-attention layers of every attn.schedule";
  let description = [{
    Rewrites the layer sequence of each `attn.schedule` (same number of
    layers) so that `linear-per-full` linear / delta layers come before each
    full-attention layer: layer i (0-based) is full when
    `(i + 1) % (linear-per-full + 1) == 0`, and with `last-full` (default)
    the last layer is full too, as in Kimi-Linear. The full layers take the
    schedule's first softmax (full or sparse) kind, the others its first
    linear / delta kind; kinds no layer uses any more are removed. 3:1 <->
    7:1 is `linear-per-full=3` / `=7`; `=0` makes every layer full.

    Errors: `linear-per-full` unset, negative or over 2^20 (no schedule has
    more layers), a schedule without a
    softmax kind or without a linear / delta kind (unless every layer
    becomes full), a schedule already expanded (`layer_funcs` set: run the
    transforms before attn-expand-schedule).

    Example: Kimi-Linear (27 layers, 3:1) with `linear-per-full=7` becomes
    `attn.layers [@kda x 7, @mla] x 3` then 2 KDA layers and `@mla`.
  }];
  let options = [
    Option<"linearPerFull", "linear-per-full", "int64_t", /*default=*/"-1",
           "Linear / delta layers before each full-attention layer">,
    Option<"lastFull", "last-full", "bool", /*default=*/"true",
           "Make the last layer full attention">
  ];
  // Its options are checked as #attn.layer configs even in a module
  // without attn ops, so the dialect must be loaded.
  let dependentDialects = ["mlir::attn::AttnDialect"];
}

def AttnScheduleSparsifyPass : Pass<"attn-schedule-sparsify", "mlir::ModuleOp"> {
  let summary = "Turn the full-attention layers of every attn.schedule into DSA sparse layers";
  let description = [{
    Every layer of a `kind = full` layer kind becomes a layer of a new kind
    `@<kind>_dsa`: the same heads and dims (and MLA latent), `kind = sparse`
    with DeepSeek-style top-k selection by a lightning indexer (`topk`,
    `index-heads`, `index-dim`; `block-size` > 0 selects blocks of keys),
    the direction hybrid research is heading (replace the full layers of a
    hybrid by sparse ones). The replaced kinds are removed when no layer
    uses them. attn-plan-memory then shows the cache (the indexer keys are
    added) and FLOP consequences (top-k keys per query instead of all).

    Every option is checked before any schedule is touched, with the rules
    the IR applies later, and the error names the option: `topk` in
    [1, 2^20] (`attn.topk`'s k), `block-size` in [0, 2^31] (`attn.sparse`),
    `index-heads` and `index-dim` in [1, 2^20] for token selection
    (`block-size=0`, the DSA indexer) and both 0 with `block-size` > 0 (block
    selection has no indexer), plus `#attn.layer`'s own rules. Other errors:
    a schedule already expanded (`layer_funcs` set), a new kind name already
    taken.
  }];
  let options = [
    Option<"topk", "topk", "int64_t", /*default=*/"2048",
           "Keys (or blocks) selected per query">,
    Option<"indexHeads", "index-heads", "int64_t", /*default=*/"64",
           "Indexer heads">,
    Option<"indexDim", "index-dim", "int64_t", /*default=*/"128",
           "Indexer head dim">,
    Option<"blockSize", "block-size", "int64_t", /*default=*/"0",
           "Selection block size (0: single tokens)">
  ];
  // Its options are checked as #attn.layer configs even in a module
  // without attn ops, so the dialect must be loaded.
  let dependentDialects = ["mlir::attn::AttnDialect"];
}

def AttnAssignPrecisionPass : Pass<"attn-assign-precision"> {
  let summary = "Choose the operand precision of every contraction (FP8 decisions)";
  let description = [{
    Sets `precision = #attn.precision<...>` on every attn op that computes
    contractions and has none (a precision set by hand is kept), and
    reports each decision with its reason as a remark at the op. `policy`:

    - `off` (default): nothing is set; contractions run in the inputs'
      type.
    - `fp8`: every contraction the rules allow and the target's backend
      lowers takes `f8E4M3FN`, whatever the budget (the remark says when
      the error estimate is above it).
    - `auto`: FP8 only where the cost model says it pays and the error
      budget admits FP8's measured error.

    Rules (each cites its source; ../shared/research/
    sparse-hybrid-fp8-anchors.md §5 summarises them):
    1. Accumulation, softmax statistics and recurrent states stay f32
       (`accumulator = f32`; FA3, arXiv 2407.08608; SGLang's default f32
       Mamba/linear state).
    2. The delta rule's triangular solve (`solve`) stays f32, and `kk`,
       which builds the matrix it inverts, stays bf16: (I + A)^-1 amplifies
       rounding (DeltaNet's WY/UT transform, arXiv 2406.06484 App. B).
    3. Contractions with the recurrent state (`qs`, `ws`, `kv`) stay bf16:
       rounding the f32 state to e4m3 every chunk compounds (research §5.5
       item 6).
    4. Cost model: FP8 pays where a contraction is compute-bound and attn
       has an FP8 kernel that beats its bf16 one: softmax prefill (`qk`,
       `pv` of attn.full with T dynamic or T > 16). On sm_90a that is the
       wgmma kernel, which takes D = Dv = 128 (1.50x-2.16x our bf16 kernel
       on an H100, bench/RESULTS.md); other head dims run mma.sync e4m3,
       which sm_90 executes as f16 (0.73x-0.84x), so `auto` keeps them. On
       sm_89 mma.sync e4m3 is native (not measured here). Decode (static
       T <= 16) is bandwidth-bound: FP8 pays in KV storage, not in MMA
       (FlashMLA keeps BF16 MMA), so it stays under every policy. The DSA
       indexer (`qk`; DeepSeek-V3.2 runs it in FP8) has an FP8 wgmma kernel
       on sm_90a for Hi = 16, 32 or 64 and Di = 128 (1.50x the bf16 one at
       T = 8192, 64 heads); other shapes and targets stay. attn.sparse
       (gathered K / V tiles) has no FP8 GPU kernel yet: it stays for GPU
       targets. The CPU emulates all three under `fp8`. The chunked linear / delta kernels are
       latency-bound on their state scan (bench/RESULTS.md) and no backend
       lowers FP8 intra-chunk products, so attn.linear / attn.delta never
       take FP8.
    5. Error budget (`error-budget`): the relative RMS error
       ||o - ref|| / ||ref|| of the op's output against float64. attn's FP8
       attention (e4m3 Q, K, V with one scale per 128 tokens, P as
       round(256 p) in e4m3) measures up to 5.3e-2 on i.i.d. N(0, 1) inputs
       (diffuse softmax over zero-mean values: e4m3's ~2.6% rounding per
       element does not average out; GPU kernels and CPU emulation agree)
       and 3e-3 to 1.2e-2 on inputs with per-channel structure
       (bench/RESULTS.md). `auto` takes FP8 only when the budget is at
       least the worst case, 5.5e-2. Softmax ops get block scales of 128
       tokens (FA3); a budget below 1.2e-2 adds a Hadamard rotation of Q and
       K (FA3's incoherent processing), which spreads outlier channels. The indexer gets per-token
       scales and a Hadamard rotation (DeepSeek-V3.2). The rotation needs
       the head dim to be a static power of two; otherwise there is none
       and the remark says why.
    6. `target` (a chip of attn's target description, or `cpu`): chips
       before sm_89 (sm_80, sm_86, sm_87) have no FP8 tensor cores (`fp8`
       is an error there, `auto` keeps the inputs' type); on chips with FP8
       mma.sync but neither wgmma nor a native FP8 mma.sync (sm_90 without
       `a`, Blackwell: not measured) `auto` keeps the inputs' type and `fp8`
       plans FP8; `cpu` has no FP8 arithmetic: `auto`
       keeps the inputs' type (emulation costs time and only adds error)
       and `fp8` plans what the CPU backend emulates exactly
       (convert-attn-to-cpu: scales per group, e4m3 / e5m2 rounding to
       nearest even with saturation, the rotation, P rounded before P V),
       to measure the FP8 error of a model on its own data.
  }];
  let options = [
    Option<"policy", "policy", "std::string", /*default=*/"\"off\"",
           "off, auto or fp8">,
    Option<"errorBudget", "error-budget", "double", /*default=*/"3e-2",
           "Largest acceptable relative RMS error of an op's output (against float64)">,
    Option<"target", "target", "std::string", /*default=*/"\"sm_90a\"",
           "A chip (sm_90a, sm_89, sm_80, sm_100a, ...) or cpu">
  ];
}

def AttnExpandSchedulePass : Pass<"attn-expand-schedule", "mlir::ModuleOp"> {
  let summary = "Create one attention function per distinct layer of each schedule";
  let description = [{
    For every `attn.schedule @S` whose `layer_funcs` is not set yet, creates
    right after the schedule one public `func.func @S_<kind>` per distinct
    layer configuration used by its layers, computing one layer's attention
    with batch B and sequence length T dynamic and head counts and head
    dims static from the `#attn.layer` config. Layer kinds with identical
    configs share one function, named after the first of them in
    declaration order; kinds no layer uses get none. Then sets the
    schedule's `layer_funcs` (one symbol per layer, in order) and emits the
    remark `schedule @S: N layers -> K distinct kernels`.

    Signatures (`x` is `dtype`; H heads, Hkv KV heads, HV value heads, K/D
    head dim, V/Dv value head dim):

    - delta: `(q, k: [?,?,H,K] x, v: [?,?,HV,V] x, beta: [?,?,HV] f32,
      [gate: [?,?,HV] f32 (scalar) | [?,?,HV,K] f32 (vector)],
      initial_state: [?,HV,K,V] f32) -> (o: [?,?,HV,V] x, final_state)`,
      `attn.delta` with `use_qk_l2norm`;
    - linear: `(q, k: [?,?,H,K] x, v: [?,?,H,V] x, [gate],
      initial_state: [?,H,K,V] f32) -> (o, final_state)`, gate `[?,?,H]`
      f32 for `scalar` and for `constant` (the config does not carry the
      per-head decay values, so a constant decay is passed as a scalar
      gate holding the same log-decay at every step), `[?,?,H,K]` f32 for
      `vector`, none for `none`;
    - full: `(q: [?,?,H,D] x, k: [?,?,Hkv,D] x, v: [?,?,Hkv,Dv] x) ->
      o: [?,?,H,Dv] x`, `causal`, plus `window` if the config has one (an
      MLA layer is given in its decompressed form: per-head K and V);
    - sparse: as full plus `indices: [?,?,Hkv,topk] i32`, `causal`, plus
      `block_size` if set. A DSA config (`index_heads`/`index_dim`) also
      gets `@S_<kind>_indexer(qi: [?,?,Hi,Di] x, ki: [?,?,Di] x,
      w: [?,?,Hi] f32) -> indices: [?,?,topk] i32` (`attn.indexer` +
      `attn.topk`, both causal); it is not a `layer_funcs` entry and not
      counted in K.

    A generated name that is already a symbol of the enclosing symbol table
    (or that two generated functions would share) is an error; the
    schedule is left unchanged. An unknown `dtype` is an error. A module
    without schedules is unchanged.

    With `decode`, the functions compute one decode step instead: the query
    length T is 1 (static), so attn-select-form picks the recurrent form of
    linear / delta layers and attn-tile the split-KV decode plan of softmax
    layers, whose K / V are the cache including the new token. They are
    named `@S_<kind>_step`, and `@S_step` chains every layer's step in
    order: its arguments and results are the layers' own, concatenated (a
    sparse layer's step takes its selected indices; its indexer function
    stays separate).

    Example: Kimi-Linear (`@kda` x 20, `@mla` x 7) gets `@kimi_linear_kda`
    and `@kimi_linear_mla` and the remark
    `schedule @kimi_linear: 27 layers -> 2 distinct kernels`.
  }];
  let options = [
    Option<"dtype", "dtype", "std::string", /*default=*/"\"bf16\"",
           "Element type of q, k, v and o: bf16, f16 or f32">,
    Option<"decode", "decode", "bool", /*default=*/"false",
           "Decode step instead of prefill: one new token (T = 1) per layer "
           "function (named @S_<kind>_step; softmax layers take the KV cache "
           "including the token), plus @S_step calling every layer in order">
  ];
  let dependentDialects = ["mlir::func::FuncDialect"];
}

def AttnPrintPlanPass : Pass<"attn-print-plan", "mlir::ModuleOp"> {
  let summary = "Print the plan of every attn op: what was decided";
  let description = [{
    One line per attn op, prefixed by its enclosing function: the variant
    (for example KDA, Gated DeltaNet, causal GQA), the static shape facts
    kernels are specialised on (heads, head dims, element type) and every
    decision recorded on the op (`form`, `#attn.chunk`, `#attn.tile`,
    `#attn.precision`), or `(unplanned)`. Then one line per tile program
    (a `gpu.func` holding atile ops, after convert-attn-to-gpu) with the
    decisions of the atile passes: the chip, warps, the product instruction
    of its layouts (wgmma / mma_sync), the copy engines, the staged buffers
    and whether atile-pipeline ran. Printed to standard output; the IR is
    not changed.

    Example output:
    ```
    @kimi_linear_kda: attn.delta KDA H=32 HV=32 K=128 V=128 bf16 -> form=chunked chunk=64 sub_chunk=16
    @kimi_linear_mla: attn.full causal H=32 Hkv=32 D=192 Dv=128 bf16 -> tile q=128 kv=64 stages=2 split_kv=1 warps=8
    @prefill_full_fwd: tile program sm_90a warps=4 -> mma=wgmma copies=cp_async buffers=1x64x128bf16,1x64x128bf16,1x64x128bf16 pipelined (copies in flight <= 1)
    ```
  }];
}

#endif // ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_TD
