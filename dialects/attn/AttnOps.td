//===- AttnOps.td - attn operations ---------------------------*- tablegen -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The attn ops: one op per attention family (full, sparse, indexer, topk,
// linear, delta) plus the hybrid schedule ops. Each op documents its math, its
// shapes and an example; the verifiers in lib/Dialect/Attn/IR check every rule
// stated here.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_OPS_TD
#define ATTN_OPS_TD

include "dialects/attn/AttnBase.td"
include "dialects/attn/AttnEnums.td"
include "dialects/attn/AttnAttrs.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/RegionKindInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Softmax family
//===----------------------------------------------------------------------===//

def Attn_FullOp : Attn_Op<"full", [Pure]> {
  let summary = "softmax attention (causal, GQA, sliding window, soft-cap)";
  let description = [{
    Scaled dot-product attention. With `q: [B, T, H, D]`,
    `k: [B, S, Hkv, D]`, `v: [B, S, Hkv, Dv]`, `G = H / Hkv` and query `t`
    sitting at key position `p(t) = t + S - T` (the queries are the last T
    positions: decoding against a KV cache when T < S):

    ```
    s[b,t,h,j] = scale * (q[b,t,h,:] . k[b,j,h/G,:])
    s          = softcap * tanh(s / softcap)                     if softcap
    s[b,t,h,j] = -inf  if causal and j > p(t)
                       or window and j <= p(t) - window
    o[b,t,h,:] = sum_j softmax_j(s[b,t,h,:]) * v[b,j,h/G,:]
    lse[b,t,h] = log(sum_j exp(s[b,t,h,j]))                  (natural log)
    ```

    `scale` defaults to `1/sqrt(D)`; `scale` and `softcap` must be positive
    and within f32 range (kernels compute in f32). `window` (> 0) keeps the
    `window` most
    recent keys up to and including the query's own position; it requires
    `causal`. The optional second result is the log-sum-exp, f32. Causal
    attention requires T <= S. The output has v's element type (bf16 when v
    is FP8).

    Example:
    ```mlir
    %o = attn.full %q, %k, %v {causal, window = 1024 : i64}
        : (tensor<1x?x32x128xbf16>, tensor<1x?x8x128xbf16>, tensor<1x?x8x128xbf16>)
        -> tensor<1x?x32x128xbf16>
    ```
  }];
  let arguments = (ins
    Attn_InputTensor:$q, Attn_InputTensor:$k, Attn_InputTensor:$v,
    UnitAttr:$causal,
    OptionalAttr<F64Attr>:$scale,
    OptionalAttr<I64Attr>:$window,
    OptionalAttr<F64Attr>:$softcap,
    OptionalAttr<Attn_TileAttr>:$tile,
    OptionalAttr<Attn_PrecisionAttr>:$precision);
  let results = (outs Attn_FloatTensor:$o, Optional<Attn_F32Tensor>:$lse);
  let assemblyFormat = [{
    $q `,` $k `,` $v attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Attn_SparseOp : Attn_Op<"sparse", [Pure]> {
  let summary = "softmax attention over selected keys (DSA top-k, NSA/MoBA blocks)";
  let description = [{
    Softmax attention restricted to a per-query set of keys. Shapes as in
    `attn.full` (`q: [B, T, H, D]`, `k: [B, S, Hkv, D]`,
    `v: [B, S, Hkv, Dv]`) plus `indices: [B, T, Hkv, N]` i32, shared by the
    query heads of one KV group:

    - token selection (no `block_size`; DeepSeek DSA): each entry is a key
      position in `[0, S)`;
    - block selection (`block_size = Bs`; NSA selection, MoBA): each entry
      selects keys `[e * Bs, (e + 1) * Bs)`, clipped to S.

    Entries equal to -1 (or outside `[0, S)`) are unused. The selected keys
    of query `t` are the entries of `indices[b,t,h/G,:]`; with `causal`, keys
    after the query position `p(t) = t + S - T` are dropped. A repeated entry
    counts once per occurrence (top-k selections never repeat). Then

    ```
    o[b,t,h,:] = sum_{j in J(t)} softmax_j(scale * q[b,t,h,:] . k[b,j,h/G,:]) * v[b,j,h/G,:]
    ```

    A query whose set is empty gets a zero output. `scale` defaults to
    `1/sqrt(D)`.

    Example:
    ```mlir
    %o = attn.sparse %q, %k, %v, %idx {causal}
        : (tensor<1x?x16x128xbf16>, tensor<1x?x1x128xbf16>, tensor<1x?x1x128xbf16>,
           tensor<1x?x1x2048xi32>) -> tensor<1x?x16x128xbf16>
    ```
  }];
  let arguments = (ins
    Attn_InputTensor:$q, Attn_InputTensor:$k, Attn_InputTensor:$v,
    Attn_I32Tensor:$indices,
    UnitAttr:$causal,
    OptionalAttr<F64Attr>:$scale,
    OptionalAttr<I64Attr>:$block_size,
    OptionalAttr<Attn_TileAttr>:$tile,
    OptionalAttr<Attn_PrecisionAttr>:$precision);
  let results = (outs Attn_FloatTensor:$o);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $indices attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Attn_IndexerOp : Attn_Op<"indexer", [Pure]> {
  let summary = "DeepSeek DSA lightning indexer scores";
  let description = [{
    The lightning indexer of DeepSeek Sparse Attention: a cheap multi-head
    ReLU score between every query and every key, used to pick the keys an
    `attn.sparse` op attends to. `qi: [B, T, Hi, Di]`, `ki: [B, S, Di]` (one
    key head shared by all indexer heads), `w: [B, T, Hi]`:

    ```
    scores[b,t,s] = sum_j w[b,t,j] * relu(qi[b,t,j,:] . ki[b,s,:])
    scores[b,t,s] = -inf   if causal and s > t + S - T
    ```

    The result is `[B, T, S]` f32.

    Example:
    ```mlir
    %s = attn.indexer %qi, %ki, %w {causal}
        : (tensor<1x?x64x128xbf16>, tensor<1x?x128xbf16>, tensor<1x?x64xf32>)
        -> tensor<1x?x?xf32>
    ```
  }];
  let arguments = (ins
    Attn_InputTensor:$qi, Attn_InputTensor:$ki, Attn_FloatTensor:$w,
    UnitAttr:$causal,
    OptionalAttr<Attn_PrecisionAttr>:$precision);
  let results = (outs Attn_F32Tensor:$scores);
  let assemblyFormat = [{
    $qi `,` $ki `,` $w attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Attn_TopKOp : Attn_Op<"topk", [Pure]> {
  let summary = "per-query top-k key selection";
  let description = [{
    Selects, for every query, the `k` keys with the largest scores.
    `scores: [B, T, S]` f32 -> `indices: [B, T, k]` i32, sorted by
    decreasing score (ties: the smaller key position first). With `causal`,
    only keys `s <= t + S - T` are candidates. Entries of -inf (and NaN)
    are never selected; when fewer than `k` candidates remain the tail is
    padded with -1. `k` is at most 2^20.

    Example:
    ```mlir
    %idx = attn.topk %s {k = 2048 : i64, causal}
        : (tensor<1x?x?xf32>) -> tensor<1x?x2048xi32>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$scores, I64Attr:$k, UnitAttr:$causal);
  let results = (outs Attn_I32Tensor:$indices);
  let assemblyFormat = [{
    $scores attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Linear family
//===----------------------------------------------------------------------===//

def Attn_LinearOp : Attn_Op<"linear", [Pure, AttrSizedOperandSegments]> {
  let summary = "linear attention: plain, scalar decay (RetNet/Lightning), GLA";
  let description = [{
    Linear attention with a `K x V` f32 state per (batch, head).
    `q, k: [B, T, H, K]`, `v: [B, T, H, V]`; the decay is one of

    - none: plain linear attention, `a_t = 1`;
    - `gate: [B, T, H]`: log-space scalar decay per step (simple GLA),
      `a_t = exp(g_t)` times the identity;
    - `gate: [B, T, H, K]`: log-space decay per key channel (GLA),
      `a_t = Diag(exp(g_t))`;
    - `decay = array<f64: ...>`: a constant log-space decay per head (RetNet,
      Lightning / MiniMax), one value or one per head.

    ```
    S_t = a_t S_{t-1} + k_t v_tᵀ          S_0 = initial_state (or 0)
    o_t = S_tᵀ (scale * q_t)
    ```

    Gates are natural-log decays, `g <= 0`. `scale` defaults to `1/sqrt(K)`.
    `initial_state` and the optional second result `final_state` are
    `[B, H, K, V]` f32. `form` (`recurrent | chunked`) and `chunk` record how
    the op is computed.

    Example:
    ```mlir
    %o, %s = attn.linear %q, %k, %v gate(%g) initial_state(%s0)
        : (tensor<2x?x4x64xf32>, tensor<2x?x4x64xf32>, tensor<2x?x4x64xf32>,
           tensor<2x?x4xf32>, tensor<2x4x64x64xf32>)
        -> (tensor<2x?x4x64xf32>, tensor<2x4x64x64xf32>)
    ```
  }];
  let arguments = (ins
    Attn_InputTensor:$q, Attn_InputTensor:$k, Attn_InputTensor:$v,
    Optional<Attn_FloatTensor>:$gate,
    Optional<Attn_F32Tensor>:$initial_state,
    OptionalAttr<DenseF64ArrayAttr>:$decay,
    OptionalAttr<F64Attr>:$scale,
    OptionalAttr<Attn_FormAttr>:$form,
    OptionalAttr<Attn_ChunkAttr>:$chunk,
    OptionalAttr<Attn_PrecisionAttr>:$precision);
  let results = (outs Attn_FloatTensor:$o, Optional<Attn_F32Tensor>:$final_state);
  let assemblyFormat = [{
    $q `,` $k `,` $v (`gate` `(` $gate^ `)`)?
    (`initial_state` `(` $initial_state^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Attn_DeltaOp : Attn_Op<"delta", [Pure, AttrSizedOperandSegments]> {
  let summary = "delta-rule attention: DeltaNet, Gated DeltaNet, Kimi Delta Attention";
  let description = [{
    The delta rule with a `K x V` f32 state per (batch, value head).
    `q, k: [B, T, H, K]`, `v: [B, T, HV, V]` with `HV % H == 0` (GVA: value
    head `hv` reads query/key head `hv / (HV / H)`), `beta: [B, T, HV]`. The
    gate operand (log-space, `g <= 0`) selects the variant:

    - no gate: DeltaNet, `a_t = I`;
    - `gate: [B, T, HV]`: Gated DeltaNet, `a_t = exp(g_t) I`;
    - `gate: [B, T, HV, K]`: Kimi Delta Attention, `a_t = Diag(exp(g_t))`.

    ```
    k_t, q_t  <- k_t / ||k_t||, q_t / ||q_t||                 if use_qk_l2norm
    S'_t = a_t S_{t-1}                                      S_0 = initial_state (or 0)
    S_t  = S'_t + beta_t k_t (v_t - S'_tᵀ k_t)ᵀ
    o_t  = S_tᵀ (scale * q_t)
    ```

    `scale` defaults to `1/sqrt(K)`. `initial_state` and the optional second
    result `final_state` are `[B, HV, K, V]` f32; `o` is `[B, T, HV, V]`.
    The chunked form is the WY/UT transform: per chunk of C tokens
    `A = StrictTril(diag(beta) (K Kᵀ ⊙ decay))`, `(I + A)⁻¹` by blocked
    forward substitution, and an fp32 state scan across chunks.

    Example (KDA with GVA and an initial state):
    ```mlir
    %o, %s = attn.delta %q, %k, %v, %beta gate(%g) initial_state(%s0) {use_qk_l2norm}
        : (tensor<1x?x16x128xbf16>, tensor<1x?x16x128xbf16>, tensor<1x?x32x128xbf16>,
           tensor<1x?x32xf32>, tensor<1x?x32x128xf32>, tensor<1x32x128x128xf32>)
        -> (tensor<1x?x32x128xbf16>, tensor<1x32x128x128xf32>)
    ```
  }];
  let arguments = (ins
    Attn_InputTensor:$q, Attn_InputTensor:$k, Attn_InputTensor:$v,
    Attn_FloatTensor:$beta,
    Optional<Attn_FloatTensor>:$gate,
    Optional<Attn_F32Tensor>:$initial_state,
    OptionalAttr<F64Attr>:$scale,
    UnitAttr:$use_qk_l2norm,
    OptionalAttr<Attn_FormAttr>:$form,
    OptionalAttr<Attn_ChunkAttr>:$chunk,
    OptionalAttr<Attn_PrecisionAttr>:$precision);
  let results = (outs Attn_FloatTensor:$o, Optional<Attn_F32Tensor>:$final_state);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $beta (`gate` `(` $gate^ `)`)?
    (`initial_state` `(` $initial_state^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The variant the gate operand selects.
    ::mlir::attn::GateKind getGateKind();
  }];
}

//===----------------------------------------------------------------------===//
// Hybrid schedules
//===----------------------------------------------------------------------===//

def Attn_ScheduleOp : Attn_Op<"schedule", [
    Symbol, SymbolTable, IsolatedFromAbove, NoTerminator, SingleBlock,
    NoRegionArguments, HasOnlyGraphRegion, RegionKindInterface,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "a named hybrid layer schedule";
  let description = [{
    The attention layers of a model, in order. The body declares each layer
    kind once (`attn.layer_kind`, a symbol carrying an `#attn.layer` config)
    and then lists the layers as patterns of kinds, each repeated
    (`attn.layers [@a, @b] x 3`); an explicit list is a pattern repeated once.
    `num_layers`, when given, must equal the number of layers listed. Layer
    `i` (0-based) is the i-th entry of the concatenated patterns.

    `layer_funcs`, set by `attn-expand-schedule`, names for every layer the
    `func.func` (in the enclosing symbol table) that computes its attention;
    layers with identical configurations share one function.

    Example (Kimi-Linear: 27 layers, full attention at 1-based 4, 8, ..., 24
    and 27, KDA elsewhere):
    ```mlir
    attn.schedule @kimi_linear attributes {num_layers = 27 : i64} {
      attn.layer_kind @kda = #attn.layer<kind = delta, heads = 32, head_dim = 128, gate = vector, conv = 4>
      attn.layer_kind @mla = #attn.layer<kind = full, heads = 32, kv_heads = 1, head_dim = 192, value_dim = 128, kv_lora_rank = 512>
      attn.layers [@kda, @kda, @kda, @mla] x 6
      attn.layers [@kda, @kda, @mla]
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       OptionalAttr<I64Attr>:$num_layers,
                       OptionalAttr<FlatSymbolRefArrayAttr>:$layer_funcs);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$sym_name attr-dict-with-keyword $body";
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// The layer kinds of every layer, in order (layer 0 first).
    ::llvm::SmallVector<LayerKindOp> getLayerSequence();
    /// Replaces the `attn.layers` ops by `layers` written as runs: at each
    /// position the repeated pattern covering the most layers (shortest
    /// period first; at least 4 layers or the rest of the schedule), the
    /// layers before the next run as one list. Sets `num_layers`.
    void setLayerSequence(::llvm::ArrayRef<LayerKindOp> layers);
    /// Erases those of `candidates` that no layer uses.
    void eraseUnusedLayerKinds(::llvm::ArrayRef<LayerKindOp> candidates);
  }];
}

def Attn_LayerKindOp : Attn_Op<"layer_kind", [
    Symbol, HasParent<"ScheduleOp">]> {
  let summary = "one layer kind of a hybrid schedule";
  let description = [{
    Names a layer configuration inside an `attn.schedule`; `attn.layers`
    refers to it by symbol.

    Example:
    ```mlir
    attn.layer_kind @gdn = #attn.layer<kind = delta, heads = 16, value_heads = 32, head_dim = 128, gate = scalar, conv = 4>
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, Attn_LayerAttr:$config);
  let assemblyFormat = "$sym_name `=` qualified($config) attr-dict";
  let hasVerifier = 1;
}

def Attn_LayersOp : Attn_Op<"layers", [HasParent<"ScheduleOp">]> {
  let summary = "a pattern of layer kinds, repeated";
  let description = [{
    Appends `repeat` copies of `pattern` to the enclosing schedule's layer
    list. `repeat` defaults to 1 and must be positive; `pattern` is a
    non-empty list of `attn.layer_kind` symbols of the same schedule.

    Example (Qwen3-Next: 3 Gated DeltaNet : 1 full, 48 layers):
    ```mlir
    attn.layers [@gdn, @gdn, @gdn, @full] x 12
    ```
  }];
  let arguments = (ins FlatSymbolRefArrayAttr:$pattern,
                       DefaultValuedAttr<I64Attr, "1">:$repeat);
  let assemblyFormat = "$pattern (`x` $repeat^)? attr-dict";
  let hasVerifier = 1;
}

#endif // ATTN_OPS_TD
