//===- AttnAttrs.td - attn attributes -------------------------*- tablegen -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Plan attributes (#attn.chunk, #attn.tile, #attn.precision) that passes set
// and users may set by hand, and the per-kind layer configuration of hybrid
// schedules (#attn.layer).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_ATTRS_TD
#define ATTN_ATTRS_TD

include "dialects/attn/AttnBase.td"
include "dialects/attn/AttnEnums.td"

class Attn_IntParameter<string default, string desc>
    : DefaultValuedParameter<"int64_t", default, desc>;

class Attn_DefaultEnumParameter<EnumAttrInfo info, string default>
    : EnumParameter<info> {
  let defaultValue = default;
}

//===----------------------------------------------------------------------===//
// #attn.chunk
//===----------------------------------------------------------------------===//

def Attn_ChunkAttr : Attn_Attr<"Chunk", "chunk"> {
  let summary = "chunking plan of a linear or delta-rule op";
  let description = [{
    How the chunkwise-parallel form of `attn.linear` / `attn.delta` splits the
    sequence. `size` is the chunk length C (tokens per chunk; the intra-chunk
    WY/UT transform works on C x C blocks). `sub_chunk` (0 = none) splits each
    chunk again where a per-channel gate needs it for range: the gate products
    `exp(b_i - b_j)` are only formed inside sub-chunks of that length (pairs
    in different sub-chunks go through the earlier sub-chunk boundary, each
    factor <= 1), from f32 cumulative log gates, so extreme gates stay
    finite. The CPU backend uses natural exponentials, GPU kernels exp2 of
    gates scaled by log2(e).

    Rules: `size` is a power of two in [16, 256]; `sub_chunk` is 0 or a power
    of two that divides `size`.

    Example:
    ```mlir
    #attn.chunk<size = 64, sub_chunk = 16>
    ```
  }];
  let parameters = (ins
    "int64_t":$size,
    Attn_IntParameter<"0", "sub-chunk length, 0 = none">:$sub_chunk);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

//===----------------------------------------------------------------------===//
// #attn.tile
//===----------------------------------------------------------------------===//

def Attn_TileAttr : Attn_Attr<"Tile", "tile"> {
  let summary = "tiling plan of a full or sparse attention op";
  let description = [{
    FlashAttention-style tiling: each thread block owns `q` query rows and
    walks the keys in tiles of `kv`, keeping the online-softmax statistics
    (running max and sum) in fp32; the T x S score matrix is never formed.
    `stages` is the software-pipeline depth of the K/V loads, `split_kv` the
    number of independent KV ranges combined at the end (decode against a long
    KV cache), `warps` the warps per block.

    Rules: `q` and `kv` are powers of two in [16, 256]; `stages` in [1, 8];
    `split_kv` >= 1; `warps` in {1, 2, 4, 8, 16}.

    Example:
    ```mlir
    #attn.tile<q = 128, kv = 64, stages = 2, warps = 8>
    ```
  }];
  let parameters = (ins
    "int64_t":$q,
    "int64_t":$kv,
    Attn_IntParameter<"1", "pipeline depth">:$stages,
    Attn_IntParameter<"1", "KV splits">:$split_kv,
    Attn_IntParameter<"4", "warps per block">:$warps);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

//===----------------------------------------------------------------------===//
// #attn.precision
//===----------------------------------------------------------------------===//

def Attn_PrecisionAttr : Attn_Attr<"Precision", "precision"> {
  let summary = "precision of each contraction of an attention op";
  let description = [{
    The operand element type chosen for each contraction of the op it is
    attached to, the accumulator type, and how FP8 scale factors are formed.
    `operands` maps a contraction name to its operand type (`bf16`, `f16`,
    `f32`, `f8E4M3FN`, `f8E5M2`). Contraction names by op:

    | op | contractions |
    |---|---|
    | `attn.full`, `attn.sparse` | `qk` (Q Kᵀ), `pv` (P V) |
    | `attn.indexer` | `qk` (q_i · k_i) |
    | `attn.linear` | `qk`, `av` (intra-chunk A V), `qs` (Q S), `kv` (Kᵀ V state update) |
    | `attn.delta` | `kk` (K Kᵀ), `qk`, `av`, `ws` (W S), `qs`, `kv`, `solve` ((I + A)⁻¹) |

    `accumulator` is `f32` (the softmax statistics and recurrent states stay
    fp32). `granularity` says what one FP8 scale covers; `block` gives the
    token block of `granularity = block`; `hadamard` asks for a Hadamard
    rotation of Q and K before quantising.

    Example:
    ```mlir
    #attn.precision<operands = {qk = f8E4M3FN, pv = bf16}, granularity = block, block = 128>
    ```
  }];
  let parameters = (ins
    "::mlir::DictionaryAttr":$operands,
    DefaultValuedParameter<"::mlir::Type",
        "::mlir::Float32Type::get($_ctxt)", "accumulator type">:$accumulator,
    Attn_DefaultEnumParameter<Attn_ScaleGranularity,
        "::mlir::attn::ScaleGranularity::tensor">:$granularity,
    Attn_IntParameter<"0", "token block of granularity = block">:$block,
    DefaultValuedParameter<"bool", "false", "Hadamard rotation of Q/K">:$hadamard);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The operand type chosen for `contraction`, or null if unset.
    ::mlir::Type getOperandType(::llvm::StringRef contraction) const;
    /// True when some contraction is planned in FP8 (e4m3 or e5m2).
    bool usesFp8() const;
  }];
}

//===----------------------------------------------------------------------===//
// #attn.layer
//===----------------------------------------------------------------------===//

def Attn_LayerAttr : Attn_Attr<"Layer", "layer"> {
  let summary = "configuration of one layer kind of a hybrid schedule";
  let description = [{
    What one attention layer of a model computes, enough to plan memory and
    to instantiate its op:

    - `kind`: `full`, `sparse`, `linear` or `delta`;
    - `heads`: query heads H (for `delta`, query/key heads);
    - `kv_heads`: key/value heads of full/sparse layers (0 = `heads`);
      must divide `heads`;
    - `value_heads`: value heads HV of delta layers (0 = `heads`); a multiple
      of `heads`;
    - `head_dim`, `value_dim` (0 = `head_dim`);
    - `gate`: `none | scalar | vector | constant` for linear/delta layers
      (delta: none = DeltaNet, scalar = Gated DeltaNet, vector = KDA);
    - `window`: sliding window of full layers (0 = none);
    - `topk`, `block_size`, `index_heads`, `index_dim`: sparse layers (DSA
      token top-k with its indexer, or block selection); `topk` is at most
      2^20 (attn.topk's limit) and `block_size` at most 2^31
      (attn.sparse's), so that every layer has valid layer functions;
    - `conv`: short-convolution kernel size of linear/delta layers (0 = none);
    - `kv_lora_rank`: MLA latent size of full layers (0 = plain KV cache).

    Example (Kimi-Linear's KDA layers):
    ```mlir
    #attn.layer<kind = delta, heads = 32, head_dim = 128, gate = vector, conv = 4>
    ```
  }];
  let parameters = (ins
    EnumParameter<Attn_LayerKind>:$kind,
    "int64_t":$heads,
    Attn_IntParameter<"0", "key/value heads (0 = heads)">:$kv_heads,
    Attn_IntParameter<"0", "value heads (0 = heads)">:$value_heads,
    "int64_t":$head_dim,
    Attn_IntParameter<"0", "value head dim (0 = head_dim)">:$value_dim,
    Attn_DefaultEnumParameter<Attn_GateKind, "::mlir::attn::GateKind::none">:$gate,
    Attn_IntParameter<"0", "sliding window (0 = none)">:$window,
    Attn_IntParameter<"0", "selected keys per query (sparse)">:$topk,
    Attn_IntParameter<"0", "selection block size (sparse)">:$block_size,
    Attn_IntParameter<"0", "indexer heads (sparse, DSA)">:$index_heads,
    Attn_IntParameter<"0", "indexer head dim (sparse, DSA)">:$index_dim,
    Attn_IntParameter<"0", "short conv kernel size (0 = none)">:$conv,
    Attn_IntParameter<"0", "MLA latent size (0 = none)">:$kv_lora_rank);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Key/value heads with the `0 = heads` default resolved.
    int64_t getNumKVHeads() const { return getKvHeads() ? getKvHeads() : getHeads(); }
    /// Value heads with the `0 = heads` default resolved.
    int64_t getNumValueHeads() const {
      return getValueHeads() ? getValueHeads() : getHeads();
    }
    /// Value head dim with the `0 = head_dim` default resolved.
    int64_t getValueHeadDim() const { return getValueDim() ? getValueDim() : getHeadDim(); }
  }];
}

#endif // ATTN_ATTRS_TD
