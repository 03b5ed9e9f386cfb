// RUN: attn-opt %s -split-input-file -verify-diagnostics
// Negative tests: every verifier rule of the attn ops (attn.full, attn.sparse,
// attn.indexer, attn.topk, attn.linear, attn.delta, attn.schedule,
// attn.layer_kind, attn.layers), every #attn.chunk / #attn.tile /
// #attn.precision / #attn.layer attribute rule, and a few ODS type-constraint
// and attribute-parser errors. Each case breaks exactly one rule (a bad enum
// keyword gives the parser's two errors; a duplicate symbol adds a note).

//===----------------------------------------------------------------------===//
// attn.full
//===----------------------------------------------------------------------===//

func.func @full_unknown_attr(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{has unknown attribute 'causl'; known attributes: causal, precision, scale, softcap, tile, window}}
  %o = attn.full %q, %k, %v {causl} : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

func.func @full_q_rank(%q: tensor<1x8x4xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{'q' must be a rank-4 tensor [B, T, H, D], got 'tensor<1x8x4xf32>'}}
  %o = attn.full %q, %k, %v : (tensor<1x8x4xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

func.func @full_o_rank(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>) -> tensor<8x4x16xf32> {
  // expected-error @+1 {{'o' must be a rank-4 tensor [B, T, H, Dv], got 'tensor<8x4x16xf32>'}}
  %o = attn.full %q, %k, %v : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>) -> tensor<8x4x16xf32>
  return %o : tensor<8x4x16xf32>
}

// -----

func.func @full_zero_heads(%q: tensor<1x8x0x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>) -> tensor<1x8x0x16xf32> {
  // expected-error @+1 {{'q' has H = 0 (dim 2 of [B, T, H, D]), expected a positive size}}
  %o = attn.full %q, %k, %v : (tensor<1x8x0x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>) -> tensor<1x8x0x16xf32>
  return %o : tensor<1x8x0x16xf32>
}

// -----

func.func @full_zero_value_dim(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x0xf32>) -> tensor<1x8x4x0xf32> {
  // expected-error @+1 {{'v' has Dv = 0 (dim 3 of [B, S, Hkv, Dv]), expected a positive size}}
  %o = attn.full %q, %k, %v : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x0xf32>) -> tensor<1x8x4x0xf32>
  return %o : tensor<1x8x4x0xf32>
}

// -----

func.func @full_batch_mismatch(%q: tensor<1x8x4x16xf32>, %k: tensor<2x8x2x16xf32>, %v: tensor<2x8x2x16xf32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{'k' has B = 2 (dim 0 of [B, S, Hkv, D]), expected 1 to match B of 'q'}}
  %o = attn.full %q, %k, %v : (tensor<1x8x4x16xf32>, tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

func.func @full_head_dim_mismatch(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x32xf32>, %v: tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{'k' has D = 32 (dim 3 of [B, S, Hkv, D]), expected 16 to match D of 'q'}}
  %o = attn.full %q, %k, %v : (tensor<1x8x4x16xf32>, tensor<1x8x2x32xf32>, tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

func.func @full_kv_length_mismatch(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x9x2x16xf32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{'v' has S = 9 (dim 1 of [B, S, Hkv, Dv]), expected 8 to match S of 'k'}}
  %o = attn.full %q, %k, %v : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x9x2x16xf32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

func.func @full_gqa(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x3x16xf32>, %v: tensor<1x8x3x16xf32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{query heads must be a multiple of key/value heads (GQA/MQA): H = 4 of 'q' is not a positive multiple of Hkv = 3 of 'k'}}
  %o = attn.full %q, %k, %v : (tensor<1x8x4x16xf32>, tensor<1x8x3x16xf32>, tensor<1x8x3x16xf32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

func.func @full_output_heads(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>) -> tensor<1x8x2x16xf32> {
  // expected-error @+1 {{'o' has H = 2 (dim 2 of [B, T, H, Dv]), expected 4 to match H of 'q'}}
  %o = attn.full %q, %k, %v : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>) -> tensor<1x8x2x16xf32>
  return %o : tensor<1x8x2x16xf32>
}

// -----

func.func @full_output_value_dim(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x32xf32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{'o' has Dv = 16 (dim 3 of [B, T, H, Dv]), expected 32 to match Dv of 'v'}}
  %o = attn.full %q, %k, %v : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x32xf32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

func.func @full_key_element_type(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xbf16>, %v: tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{'k' has element type 'bf16', expected 'f32' to match 'q'}}
  %o = attn.full %q, %k, %v : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xbf16>, tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

func.func @full_output_element_type(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf16> {
  // expected-error @+1 {{'o' has element type 'f16', expected 'f32' to match 'v'}}
  %o = attn.full %q, %k, %v : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf16>
  return %o : tensor<1x8x4x16xf16>
}

// -----

func.func @full_lse_rank(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{'lse' must be a rank-3 tensor [B, T, H], got 'tensor<1x8x4x1xf32>'}}
  %o, %l = attn.full %q, %k, %v : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x8x4x1xf32>)
  return %o : tensor<1x8x4x16xf32>
}

// -----

func.func @full_lse_heads(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{'lse' has H = 2 (dim 2 of [B, T, H]), expected 4 to match H of 'q'}}
  %o, %l = attn.full %q, %k, %v : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x8x2xf32>)
  return %o : tensor<1x8x4x16xf32>
}

// -----

func.func @full_causal_more_queries_than_keys(%q: tensor<1x16x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>) -> tensor<1x16x4x16xf32> {
  // expected-error @+1 {{'q' has T = 16, expected at most S = 8 of 'k' (causal queries are the last T of S positions)}}
  %o = attn.full %q, %k, %v {causal} : (tensor<1x16x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>) -> tensor<1x16x4x16xf32>
  return %o : tensor<1x16x4x16xf32>
}

// -----

func.func @full_scale_zero(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{'scale' must be positive and within f32 range, got 0.000000e+00}}
  %o = attn.full %q, %k, %v {scale = 0.0 : f64} : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

func.func @full_scale_inf(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{'scale' must be positive and within f32 range, got INF}}
  %o = attn.full %q, %k, %v {scale = 0x7FF0000000000000 : f64} : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

func.func @full_window_zero(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{'window' must be positive, got 0}}
  %o = attn.full %q, %k, %v {causal, window = 0 : i64} : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

func.func @full_window_negative(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{'window' must be positive, got -4}}
  %o = attn.full %q, %k, %v {causal, window = -4 : i64} : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

func.func @full_window_without_causal(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{'window' requires 'causal'}}
  %o = attn.full %q, %k, %v {window = 4 : i64} : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

func.func @full_softcap_negative(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{'softcap' must be positive and within f32 range, got -3.000000e+01}}
  %o = attn.full %q, %k, %v {softcap = -30.0 : f64} : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

func.func @full_precision_contraction(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{'precision' names contraction 'kk', which this op does not have; its contractions are: qk, pv}}
  %o = attn.full %q, %k, %v {precision = #attn.precision<operands = {kk = bf16}>} : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

// ODS: queries must be float tensors.
func.func @full_integer_q(%q: tensor<1x8x4x16xi32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{operand #0 must be ranked tensor of bfloat16 type or 16-bit float or 32-bit float or f8E4M3FN type or f8E5M2 type values, but got 'tensor<1x8x4x16xi32>'}}
  %o = attn.full %q, %k, %v : (tensor<1x8x4x16xi32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

// ODS: unranked tensors are rejected.
func.func @full_unranked_k(%q: tensor<1x8x4x16xf32>, %k: tensor<*xf32>, %v: tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{operand #1 must be ranked tensor of}}
  %o = attn.full %q, %k, %v : (tensor<1x8x4x16xf32>, tensor<*xf32>, tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

// ODS: the log-sum-exp is f32.
func.func @full_lse_bf16(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{result #1 must be ranked tensor of 32-bit float values, but got 'tensor<1x8x4xbf16>'}}
  %o, %l = attn.full %q, %k, %v : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x8x4xbf16>)
  return %o : tensor<1x8x4x16xf32>
}

// -----

// ODS: an FP8 output is not allowed (outputs are bf16/f16/f32).
func.func @full_fp8_output(%q: tensor<1x8x4x16xf8E4M3FN>, %k: tensor<1x8x2x16xf8E4M3FN>, %v: tensor<1x8x2x16xf8E4M3FN>) -> tensor<1x8x4x16xf8E4M3FN> {
  // expected-error @+1 {{result #0 must be ranked tensor of bfloat16 type or 16-bit float or 32-bit float values, but got 'tensor<1x8x4x16xf8E4M3FN>'}}
  %o = attn.full %q, %k, %v : (tensor<1x8x4x16xf8E4M3FN>, tensor<1x8x2x16xf8E4M3FN>, tensor<1x8x2x16xf8E4M3FN>) -> tensor<1x8x4x16xf8E4M3FN>
  return %o : tensor<1x8x4x16xf8E4M3FN>
}

// -----

// ODS: 'tile' must be an #attn.tile.
func.func @full_tile_not_tile(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{attribute 'tile' failed to satisfy constraint}}
  %o = attn.full %q, %k, %v {tile = 64 : i64} : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

//===----------------------------------------------------------------------===//
// attn.sparse
//===----------------------------------------------------------------------===//

// -----

func.func @sparse_unknown_attr(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>, %i: tensor<1x8x2x4xi32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{has unknown attribute 'window'; known attributes: block_size, causal, precision, scale, tile}}
  %o = attn.sparse %q, %k, %v, %i {causal, window = 4 : i64} : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x4xi32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

func.func @sparse_v_rank(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<8x2x16xf32>, %i: tensor<1x8x2x4xi32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{'v' must be a rank-4 tensor [B, S, Hkv, Dv], got 'tensor<8x2x16xf32>'}}
  %o = attn.sparse %q, %k, %v, %i : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<8x2x16xf32>, tensor<1x8x2x4xi32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

func.func @sparse_zero_kv_heads(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x0x16xf32>, %v: tensor<1x8x0x16xf32>, %i: tensor<1x8x0x4xi32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{'k' has Hkv = 0 (dim 2 of [B, S, Hkv, D]), expected a positive size}}
  %o = attn.sparse %q, %k, %v, %i : (tensor<1x8x4x16xf32>, tensor<1x8x0x16xf32>, tensor<1x8x0x16xf32>, tensor<1x8x0x4xi32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

func.func @sparse_indices_rank(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>, %i: tensor<1x8x4xi32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{'indices' must be a rank-4 tensor [B, T, Hkv, N], got 'tensor<1x8x4xi32>'}}
  %o = attn.sparse %q, %k, %v, %i : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x4xi32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

func.func @sparse_indices_length(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>, %i: tensor<1x4x2x4xi32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{'indices' has T = 4 (dim 1 of [B, T, Hkv, N]), expected 8 to match T of 'q'}}
  %o = attn.sparse %q, %k, %v, %i : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x4x2x4xi32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

func.func @sparse_indices_heads(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>, %i: tensor<1x8x4x4xi32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{'indices' has Hkv = 4 (dim 2 of [B, T, Hkv, N]), expected 2 to match Hkv of 'k'}}
  %o = attn.sparse %q, %k, %v, %i : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x4x4xi32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

func.func @sparse_causal_more_queries_than_keys(%q: tensor<1x16x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>, %i: tensor<1x16x2x4xi32>) -> tensor<1x16x4x16xf32> {
  // expected-error @+1 {{'q' has T = 16, expected at most S = 8 of 'k' (causal queries are the last T of S positions)}}
  %o = attn.sparse %q, %k, %v, %i {causal} : (tensor<1x16x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x16x2x4xi32>) -> tensor<1x16x4x16xf32>
  return %o : tensor<1x16x4x16xf32>
}

// -----

func.func @sparse_scale_negative(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>, %i: tensor<1x8x2x4xi32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{'scale' must be positive and within f32 range, got -5.000000e-01}}
  %o = attn.sparse %q, %k, %v, %i {scale = -0.5 : f64} : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x4xi32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

func.func @sparse_block_size_zero(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>, %i: tensor<1x8x2x4xi32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{'block_size' must be in [1, 2^31], got 0}}
  %o = attn.sparse %q, %k, %v, %i {block_size = 0 : i64} : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x4xi32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

func.func @sparse_precision_contraction(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>, %i: tensor<1x8x2x4xi32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{'precision' names contraction 'kv', which this op does not have; its contractions are: qk, pv}}
  %o = attn.sparse %q, %k, %v, %i {precision = #attn.precision<operands = {qk = bf16, kv = bf16}>} : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x4xi32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

// ODS: indices are i32.
func.func @sparse_f32_indices(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>, %i: tensor<1x8x2x4xf32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{operand #3 must be ranked tensor of 32-bit signless integer values, but got 'tensor<1x8x2x4xf32>'}}
  %o = attn.sparse %q, %k, %v, %i : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x4xf32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

//===----------------------------------------------------------------------===//
// attn.indexer
//===----------------------------------------------------------------------===//

// -----

func.func @indexer_unknown_attr(%qi: tensor<1x8x4x16xbf16>, %ki: tensor<1x8x16xbf16>, %w: tensor<1x8x4xf32>) -> tensor<1x8x8xf32> {
  // expected-error @+1 {{has unknown attribute 'casual'; known attributes: causal, precision}}
  %s = attn.indexer %qi, %ki, %w {casual} : (tensor<1x8x4x16xbf16>, tensor<1x8x16xbf16>, tensor<1x8x4xf32>) -> tensor<1x8x8xf32>
  return %s : tensor<1x8x8xf32>
}

// -----

func.func @indexer_ki_rank(%qi: tensor<1x8x4x16xbf16>, %ki: tensor<1x8x1x16xbf16>, %w: tensor<1x8x4xf32>) -> tensor<1x8x8xf32> {
  // expected-error @+1 {{'ki' must be a rank-3 tensor [B, S, Di], got 'tensor<1x8x1x16xbf16>'}}
  %s = attn.indexer %qi, %ki, %w : (tensor<1x8x4x16xbf16>, tensor<1x8x1x16xbf16>, tensor<1x8x4xf32>) -> tensor<1x8x8xf32>
  return %s : tensor<1x8x8xf32>
}

// -----

func.func @indexer_zero_index_dim(%qi: tensor<1x8x4x0xbf16>, %ki: tensor<1x8x0xbf16>, %w: tensor<1x8x4xf32>) -> tensor<1x8x8xf32> {
  // expected-error @+1 {{'qi' has Di = 0 (dim 3 of [B, T, Hi, Di]), expected a positive size}}
  %s = attn.indexer %qi, %ki, %w : (tensor<1x8x4x0xbf16>, tensor<1x8x0xbf16>, tensor<1x8x4xf32>) -> tensor<1x8x8xf32>
  return %s : tensor<1x8x8xf32>
}

// -----

func.func @indexer_ki_batch(%qi: tensor<1x8x4x16xbf16>, %ki: tensor<2x8x16xbf16>, %w: tensor<1x8x4xf32>) -> tensor<1x8x8xf32> {
  // expected-error @+1 {{'ki' has B = 2 (dim 0 of [B, S, Di]), expected 1 to match B of 'qi'}}
  %s = attn.indexer %qi, %ki, %w : (tensor<1x8x4x16xbf16>, tensor<2x8x16xbf16>, tensor<1x8x4xf32>) -> tensor<1x8x8xf32>
  return %s : tensor<1x8x8xf32>
}

// -----

func.func @indexer_ki_dim(%qi: tensor<1x8x4x16xbf16>, %ki: tensor<1x8x32xbf16>, %w: tensor<1x8x4xf32>) -> tensor<1x8x8xf32> {
  // expected-error @+1 {{'ki' has Di = 32 (dim 2 of [B, S, Di]), expected 16 to match Di of 'qi'}}
  %s = attn.indexer %qi, %ki, %w : (tensor<1x8x4x16xbf16>, tensor<1x8x32xbf16>, tensor<1x8x4xf32>) -> tensor<1x8x8xf32>
  return %s : tensor<1x8x8xf32>
}

// -----

func.func @indexer_weight_heads(%qi: tensor<1x8x4x16xbf16>, %ki: tensor<1x8x16xbf16>, %w: tensor<1x8x2xf32>) -> tensor<1x8x8xf32> {
  // expected-error @+1 {{'w' has Hi = 2 (dim 2 of [B, T, Hi]), expected 4 to match Hi of 'qi'}}
  %s = attn.indexer %qi, %ki, %w : (tensor<1x8x4x16xbf16>, tensor<1x8x16xbf16>, tensor<1x8x2xf32>) -> tensor<1x8x8xf32>
  return %s : tensor<1x8x8xf32>
}

// -----

func.func @indexer_scores_queries(%qi: tensor<1x8x4x16xbf16>, %ki: tensor<1x8x16xbf16>, %w: tensor<1x8x4xf32>) -> tensor<1x4x8xf32> {
  // expected-error @+1 {{'scores' has T = 4 (dim 1 of [B, T, S]), expected 8 to match T of 'qi'}}
  %s = attn.indexer %qi, %ki, %w : (tensor<1x8x4x16xbf16>, tensor<1x8x16xbf16>, tensor<1x8x4xf32>) -> tensor<1x4x8xf32>
  return %s : tensor<1x4x8xf32>
}

// -----

func.func @indexer_scores_keys(%qi: tensor<1x8x4x16xbf16>, %ki: tensor<1x8x16xbf16>, %w: tensor<1x8x4xf32>) -> tensor<1x8x16xf32> {
  // expected-error @+1 {{'scores' has S = 16 (dim 2 of [B, T, S]), expected 8 to match S of 'ki'}}
  %s = attn.indexer %qi, %ki, %w : (tensor<1x8x4x16xbf16>, tensor<1x8x16xbf16>, tensor<1x8x4xf32>) -> tensor<1x8x16xf32>
  return %s : tensor<1x8x16xf32>
}

// -----

func.func @indexer_key_element_type(%qi: tensor<1x8x4x16xbf16>, %ki: tensor<1x8x16xf8E4M3FN>, %w: tensor<1x8x4xf32>) -> tensor<1x8x8xf32> {
  // expected-error @+1 {{'ki' has element type 'f8E4M3FN', expected 'bf16' to match 'qi'}}
  %s = attn.indexer %qi, %ki, %w : (tensor<1x8x4x16xbf16>, tensor<1x8x16xf8E4M3FN>, tensor<1x8x4xf32>) -> tensor<1x8x8xf32>
  return %s : tensor<1x8x8xf32>
}

// -----

func.func @indexer_causal_more_queries_than_keys(%qi: tensor<1x8x4x16xbf16>, %ki: tensor<1x4x16xbf16>, %w: tensor<1x8x4xf32>) -> tensor<1x8x4xf32> {
  // expected-error @+1 {{'qi' has T = 8, expected at most S = 4 of 'ki' (causal queries are the last T of S positions)}}
  %s = attn.indexer %qi, %ki, %w {causal} : (tensor<1x8x4x16xbf16>, tensor<1x4x16xbf16>, tensor<1x8x4xf32>) -> tensor<1x8x4xf32>
  return %s : tensor<1x8x4xf32>
}

// -----

func.func @indexer_precision_contraction(%qi: tensor<1x8x4x16xbf16>, %ki: tensor<1x8x16xbf16>, %w: tensor<1x8x4xf32>) -> tensor<1x8x8xf32> {
  // expected-error @+1 {{'precision' names contraction 'pv', which this op does not have; its contractions are: qk}}
  %s = attn.indexer %qi, %ki, %w {precision = #attn.precision<operands = {pv = bf16}>} : (tensor<1x8x4x16xbf16>, tensor<1x8x16xbf16>, tensor<1x8x4xf32>) -> tensor<1x8x8xf32>
  return %s : tensor<1x8x8xf32>
}

// -----

// ODS: scores are f32.
func.func @indexer_bf16_scores(%qi: tensor<1x8x4x16xbf16>, %ki: tensor<1x8x16xbf16>, %w: tensor<1x8x4xf32>) -> tensor<1x8x8xbf16> {
  // expected-error @+1 {{result #0 must be ranked tensor of 32-bit float values, but got 'tensor<1x8x8xbf16>'}}
  %s = attn.indexer %qi, %ki, %w : (tensor<1x8x4x16xbf16>, tensor<1x8x16xbf16>, tensor<1x8x4xf32>) -> tensor<1x8x8xbf16>
  return %s : tensor<1x8x8xbf16>
}

//===----------------------------------------------------------------------===//
// attn.topk
//===----------------------------------------------------------------------===//

// -----

func.func @topk_unknown_attr(%s: tensor<1x8x16xf32>) -> tensor<1x8x4xi32> {
  // expected-error @+1 {{has unknown attribute 'sorted'; known attributes: causal, k}}
  %i = attn.topk %s {k = 4 : i64, sorted} : (tensor<1x8x16xf32>) -> tensor<1x8x4xi32>
  return %i : tensor<1x8x4xi32>
}

// -----

func.func @topk_scores_rank(%s: tensor<8x16xf32>) -> tensor<1x8x4xi32> {
  // expected-error @+1 {{'scores' must be a rank-3 tensor [B, T, S], got 'tensor<8x16xf32>'}}
  %i = attn.topk %s {k = 4 : i64} : (tensor<8x16xf32>) -> tensor<1x8x4xi32>
  return %i : tensor<1x8x4xi32>
}

// -----

func.func @topk_indices_rank(%s: tensor<1x8x16xf32>) -> tensor<1x8x1x4xi32> {
  // expected-error @+1 {{'indices' must be a rank-3 tensor [B, T, k], got 'tensor<1x8x1x4xi32>'}}
  %i = attn.topk %s {k = 4 : i64} : (tensor<1x8x16xf32>) -> tensor<1x8x1x4xi32>
  return %i : tensor<1x8x1x4xi32>
}

// -----

func.func @topk_k_zero(%s: tensor<1x8x16xf32>) -> tensor<1x8x0xi32> {
  // expected-error @+1 {{'k' must be in [1, 1048576], got 0}}
  %i = attn.topk %s {k = 0 : i64} : (tensor<1x8x16xf32>) -> tensor<1x8x0xi32>
  return %i : tensor<1x8x0xi32>
}

// -----

func.func @topk_k_mismatch(%s: tensor<1x8x16xf32>) -> tensor<1x8x4xi32> {
  // expected-error @+1 {{'indices' has k = 4 (dim 2 of [B, T, k]), expected 8 (the 'k' attribute)}}
  %i = attn.topk %s {k = 8 : i64} : (tensor<1x8x16xf32>) -> tensor<1x8x4xi32>
  return %i : tensor<1x8x4xi32>
}

// -----

func.func @topk_batch_mismatch(%s: tensor<1x8x16xf32>) -> tensor<2x8x4xi32> {
  // expected-error @+1 {{'indices' has B = 2 (dim 0 of [B, T, k]), expected 1 to match B of 'scores'}}
  %i = attn.topk %s {k = 4 : i64} : (tensor<1x8x16xf32>) -> tensor<2x8x4xi32>
  return %i : tensor<2x8x4xi32>
}

// -----

// ODS: 'k' is required.
func.func @topk_missing_k(%s: tensor<1x8x16xf32>) -> tensor<1x8x4xi32> {
  // expected-error @+1 {{requires attribute 'k'}}
  %i = attn.topk %s : (tensor<1x8x16xf32>) -> tensor<1x8x4xi32>
  return %i : tensor<1x8x4xi32>
}

//===----------------------------------------------------------------------===//
// attn.linear
//===----------------------------------------------------------------------===//

// -----

func.func @linear_unknown_attr(%q: tensor<1x8x4x16xf32>, %v: tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{has unknown attribute 'use_qk_l2norm'; known attributes: chunk, decay, form, precision, scale}}
  %o = attn.linear %q, %q, %v {use_qk_l2norm} : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @linear_v_rank(%q: tensor<1x8x4x16xf32>, %v: tensor<1x8x128xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'v' must be a rank-4 tensor [B, T, H, V], got 'tensor<1x8x128xf32>'}}
  %o = attn.linear %q, %q, %v : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x128xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @linear_zero_key_dim(%q: tensor<1x8x4x0xf32>, %v: tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'q' has K = 0 (dim 3 of [B, T, H, K]), expected a positive size}}
  %o = attn.linear %q, %q, %v : (tensor<1x8x4x0xf32>, tensor<1x8x4x0xf32>, tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @linear_key_shape(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x4x32xf32>, %v: tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'k' has K = 32 (dim 3 of [B, T, H, K]), expected 16 to match K of 'q'}}
  %o = attn.linear %q, %k, %v : (tensor<1x8x4x16xf32>, tensor<1x8x4x32xf32>, tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @linear_value_heads(%q: tensor<1x8x4x16xf32>, %v: tensor<1x8x8x32xf32>) -> tensor<1x8x8x32xf32> {
  // expected-error @+1 {{'v' has H = 8 (dim 2 of [B, T, H, V]), expected 4 to match H of 'q'}}
  %o = attn.linear %q, %q, %v : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x8x32xf32>) -> tensor<1x8x8x32xf32>
  return %o : tensor<1x8x8x32xf32>
}

// -----

func.func @linear_output_shape(%q: tensor<1x8x4x16xf32>, %v: tensor<1x8x4x32xf32>) -> tensor<1x8x4x16xf32> {
  // expected-error @+1 {{'o' has V = 16 (dim 3 of [B, T, H, V]), expected 32 to match V of 'v'}}
  %o = attn.linear %q, %q, %v : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x32xf32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

func.func @linear_key_element_type(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x4x16xf16>, %v: tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'k' has element type 'f16', expected 'f32' to match 'q'}}
  %o = attn.linear %q, %k, %v : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf16>, tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @linear_output_element_type(%q: tensor<1x8x4x16xbf16>, %v: tensor<1x8x4x32xbf16>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'o' has element type 'f32', expected 'bf16' to match 'v'}}
  %o = attn.linear %q, %q, %v : (tensor<1x8x4x16xbf16>, tensor<1x8x4x16xbf16>, tensor<1x8x4x32xbf16>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @linear_gate_and_decay(%q: tensor<1x8x4x16xf32>, %v: tensor<1x8x4x32xf32>, %g: tensor<1x8x4xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{has both a 'gate' operand and a constant 'decay'; give one of them}}
  %o = attn.linear %q, %q, %v gate(%g) {decay = array<f64: -0.5>} : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x32xf32>, tensor<1x8x4xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @linear_gate_rank(%q: tensor<1x8x4x16xf32>, %v: tensor<1x8x4x32xf32>, %g: tensor<1x8xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'gate' must be [B, T, H] (one decay per head) or [B, T, H, K] (one decay per key channel), got 'tensor<1x8xf32>'}}
  %o = attn.linear %q, %q, %v gate(%g) : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x32xf32>, tensor<1x8xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @linear_gate_time(%q: tensor<1x8x4x16xf32>, %v: tensor<1x8x4x32xf32>, %g: tensor<1x7x4xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'gate' has T = 7 (dim 1 of [B, T, H]), expected 8 to match T of 'q'}}
  %o = attn.linear %q, %q, %v gate(%g) : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x32xf32>, tensor<1x7x4xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @linear_gate_heads(%q: tensor<1x8x4x16xf32>, %v: tensor<1x8x4x32xf32>, %g: tensor<1x8x2xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'gate' has H = 2 (dim 2 of [B, T, H]), expected 4 to match H of 'q'}}
  %o = attn.linear %q, %q, %v gate(%g) : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x32xf32>, tensor<1x8x2xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @linear_gate_channels(%q: tensor<1x8x4x16xf32>, %v: tensor<1x8x4x32xf32>, %g: tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'gate' has K = 32 (dim 3 of [B, T, H, K]), expected 16 to match K of 'q'}}
  %o = attn.linear %q, %q, %v gate(%g) : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x32xf32>, tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @linear_decay_empty(%q: tensor<1x8x4x16xf32>, %v: tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'decay' must have one value or one per head}}
  %o = attn.linear %q, %q, %v {decay = array<f64>} : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @linear_decay_length(%q: tensor<1x8x4x16xf32>, %v: tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'decay' has 3 values; expected 1 or one per head (H = 4 in 'q')}}
  %o = attn.linear %q, %q, %v {decay = array<f64: -0.1, -0.2, -0.3>} : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @linear_decay_positive(%q: tensor<1x8x4x16xf32>, %v: tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'decay' values are log-space decays and must be finite and <= 0, got 5.000000e-01}}
  %o = attn.linear %q, %q, %v {decay = array<f64: -0.1, 0.5, -0.3, -0.4>} : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @linear_state_rank(%q: tensor<1x8x4x16xf32>, %v: tensor<1x8x4x32xf32>, %s: tensor<4x16x32xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'initial_state' must be a rank-4 tensor [B, H, K, V], got 'tensor<4x16x32xf32>'}}
  %o = attn.linear %q, %q, %v initial_state(%s) : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x32xf32>, tensor<4x16x32xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @linear_state_transposed(%q: tensor<1x8x4x16xf32>, %v: tensor<1x8x4x32xf32>, %s: tensor<1x4x32x16xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'initial_state' has K = 32 (dim 2 of [B, H, K, V]), expected 16 to match K of 'q'}}
  %o = attn.linear %q, %q, %v initial_state(%s) : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x32xf32>, tensor<1x4x32x16xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @linear_final_state_batch(%q: tensor<1x8x4x16xf32>, %v: tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'final_state' has B = 2 (dim 0 of [B, H, K, V]), expected 1 to match B of 'q'}}
  %o, %fs = attn.linear %q, %q, %v : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x32xf32>) -> (tensor<1x8x4x32xf32>, tensor<2x4x16x32xf32>)
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @linear_scale_negative(%q: tensor<1x8x4x16xf32>, %v: tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'scale' must be positive and within f32 range, got -1}}
  %o = attn.linear %q, %q, %v {scale = -1.0 : f64} : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @linear_recurrent_with_chunk(%q: tensor<1x8x4x16xf32>, %v: tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{has both 'form = recurrent' and a 'chunk' plan; a chunk plan needs the chunked form}}
  %o = attn.linear %q, %q, %v {form = #attn.form<recurrent>, chunk = #attn.chunk<size = 64>} : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @linear_precision_contraction(%q: tensor<1x8x4x16xf32>, %v: tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'precision' names contraction 'pv', which this op does not have; its contractions are: qk, av, qs, kv}}
  %o = attn.linear %q, %q, %v {precision = #attn.precision<operands = {pv = bf16}>} : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

// ODS: recurrent states are f32.
func.func @linear_bf16_state(%q: tensor<1x8x4x16xf32>, %v: tensor<1x8x4x32xf32>, %s: tensor<1x4x16x32xbf16>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{operand #3 must be ranked tensor of 32-bit float values, but got 'tensor<1x4x16x32xbf16>'}}
  %o = attn.linear %q, %q, %v initial_state(%s) : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x32xf32>, tensor<1x4x16x32xbf16>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

// ODS: 'form' must be an #attn.form.
func.func @linear_form_string(%q: tensor<1x8x4x16xf32>, %v: tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{attribute 'form' failed to satisfy constraint}}
  %o = attn.linear %q, %q, %v {form = "chunked"} : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

//===----------------------------------------------------------------------===//
// attn.delta
//===----------------------------------------------------------------------===//

// -----

func.func @delta_unknown_attr(%q: tensor<1x8x2x16xf32>, %v: tensor<1x8x4x32xf32>, %b: tensor<1x8x4xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{has unknown attribute 'l2norm'; known attributes: chunk, form, precision, scale, use_qk_l2norm}}
  %o = attn.delta %q, %q, %v, %b {l2norm} : (tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x4x32xf32>, tensor<1x8x4xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @delta_beta_rank(%q: tensor<1x8x2x16xf32>, %v: tensor<1x8x4x32xf32>, %b: tensor<1x8x4x1xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'beta' must be a rank-3 tensor [B, T, HV], got 'tensor<1x8x4x1xf32>'}}
  %o = attn.delta %q, %q, %v, %b : (tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x4x32xf32>, tensor<1x8x4x1xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @delta_zero_value_dim(%q: tensor<1x8x2x16xf32>, %v: tensor<1x8x4x0xf32>, %b: tensor<1x8x4xf32>) -> tensor<1x8x4x0xf32> {
  // expected-error @+1 {{'v' has V = 0 (dim 3 of [B, T, HV, V]), expected a positive size}}
  %o = attn.delta %q, %q, %v, %b : (tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x4x0xf32>, tensor<1x8x4xf32>) -> tensor<1x8x4x0xf32>
  return %o : tensor<1x8x4x0xf32>
}

// -----

func.func @delta_key_heads(%q: tensor<1x8x2x16xf32>, %k: tensor<1x8x4x16xf32>, %v: tensor<1x8x4x32xf32>, %b: tensor<1x8x4xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'k' has H = 4 (dim 2 of [B, T, H, K]), expected 2 to match H of 'q'}}
  %o = attn.delta %q, %k, %v, %b : (tensor<1x8x2x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x32xf32>, tensor<1x8x4xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @delta_value_time(%q: tensor<1x8x2x16xf32>, %v: tensor<1x4x4x32xf32>, %b: tensor<1x4x4xf32>) -> tensor<1x4x4x32xf32> {
  // expected-error @+1 {{'v' has T = 4 (dim 1 of [B, T, HV, V]), expected 8 to match T of 'q'}}
  %o = attn.delta %q, %q, %v, %b : (tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x4x4x32xf32>, tensor<1x4x4xf32>) -> tensor<1x4x4x32xf32>
  return %o : tensor<1x4x4x32xf32>
}

// -----

func.func @delta_gva(%q: tensor<1x8x2x16xf32>, %v: tensor<1x8x3x32xf32>, %b: tensor<1x8x3xf32>) -> tensor<1x8x3x32xf32> {
  // expected-error @+1 {{value heads must be a multiple of query/key heads (GVA): HV = 3 of 'v' is not a positive multiple of H = 2 of 'q'}}
  %o = attn.delta %q, %q, %v, %b : (tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x3x32xf32>, tensor<1x8x3xf32>) -> tensor<1x8x3x32xf32>
  return %o : tensor<1x8x3x32xf32>
}

// -----

func.func @delta_beta_heads(%q: tensor<1x8x2x16xf32>, %v: tensor<1x8x4x32xf32>, %b: tensor<1x8x2xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'beta' has HV = 2 (dim 2 of [B, T, HV]), expected 4 to match HV of 'v'}}
  %o = attn.delta %q, %q, %v, %b : (tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x4x32xf32>, tensor<1x8x2xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @delta_output_heads(%q: tensor<1x8x2x16xf32>, %v: tensor<1x8x4x32xf32>, %b: tensor<1x8x4xf32>) -> tensor<1x8x2x32xf32> {
  // expected-error @+1 {{'o' has HV = 2 (dim 2 of [B, T, HV, V]), expected 4 to match HV of 'v'}}
  %o = attn.delta %q, %q, %v, %b : (tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x4x32xf32>, tensor<1x8x4xf32>) -> tensor<1x8x2x32xf32>
  return %o : tensor<1x8x2x32xf32>
}

// -----

func.func @delta_key_element_type(%q: tensor<1x8x2x16xf32>, %k: tensor<1x8x2x16xbf16>, %v: tensor<1x8x4x32xf32>, %b: tensor<1x8x4xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'k' has element type 'bf16', expected 'f32' to match 'q'}}
  %o = attn.delta %q, %k, %v, %b : (tensor<1x8x2x16xf32>, tensor<1x8x2x16xbf16>, tensor<1x8x4x32xf32>, tensor<1x8x4xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @delta_output_element_type(%q: tensor<1x8x2x16xf32>, %v: tensor<1x8x4x32xf32>, %b: tensor<1x8x4xf32>) -> tensor<1x8x4x32xbf16> {
  // expected-error @+1 {{'o' has element type 'bf16', expected 'f32' to match 'v'}}
  %o = attn.delta %q, %q, %v, %b : (tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x4x32xf32>, tensor<1x8x4xf32>) -> tensor<1x8x4x32xbf16>
  return %o : tensor<1x8x4x32xbf16>
}

// -----

func.func @delta_gate_rank(%q: tensor<1x8x2x16xf32>, %v: tensor<1x8x4x32xf32>, %b: tensor<1x8x4xf32>, %g: tensor<1x8x4x16x1xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'gate' must be [B, T, HV] (one decay per head) or [B, T, HV, K] (one decay per key channel), got 'tensor<1x8x4x16x1xf32>'}}
  %o = attn.delta %q, %q, %v, %b gate(%g) : (tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x4x32xf32>, tensor<1x8x4xf32>, tensor<1x8x4x16x1xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

// The gate follows the value heads (HV), not the query heads (H).
func.func @delta_gate_heads(%q: tensor<1x8x2x16xf32>, %v: tensor<1x8x4x32xf32>, %b: tensor<1x8x4xf32>, %g: tensor<1x8x2xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'gate' has HV = 2 (dim 2 of [B, T, HV]), expected 4 to match HV of 'v'}}
  %o = attn.delta %q, %q, %v, %b gate(%g) : (tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x4x32xf32>, tensor<1x8x4xf32>, tensor<1x8x2xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @delta_gate_channels(%q: tensor<1x8x2x16xf32>, %v: tensor<1x8x4x32xf32>, %b: tensor<1x8x4xf32>, %g: tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'gate' has K = 32 (dim 3 of [B, T, HV, K]), expected 16 to match K of 'q'}}
  %o = attn.delta %q, %q, %v, %b gate(%g) : (tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x4x32xf32>, tensor<1x8x4xf32>, tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @delta_state_heads(%q: tensor<1x8x2x16xf32>, %v: tensor<1x8x4x32xf32>, %b: tensor<1x8x4xf32>, %s: tensor<1x2x16x32xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'initial_state' has HV = 2 (dim 1 of [B, HV, K, V]), expected 4 to match HV of 'v'}}
  %o = attn.delta %q, %q, %v, %b initial_state(%s) : (tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x4x32xf32>, tensor<1x8x4xf32>, tensor<1x2x16x32xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @delta_final_state_value_dim(%q: tensor<1x8x2x16xf32>, %v: tensor<1x8x4x32xf32>, %b: tensor<1x8x4xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'final_state' has V = 16 (dim 3 of [B, HV, K, V]), expected 32 to match V of 'v'}}
  %o, %fs = attn.delta %q, %q, %v, %b : (tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x4x32xf32>, tensor<1x8x4xf32>) -> (tensor<1x8x4x32xf32>, tensor<1x4x16x16xf32>)
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @delta_final_state_rank(%q: tensor<1x8x2x16xf32>, %v: tensor<1x8x4x32xf32>, %b: tensor<1x8x4xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'final_state' must be a rank-4 tensor [B, HV, K, V], got 'tensor<4x16x32xf32>'}}
  %o, %fs = attn.delta %q, %q, %v, %b : (tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x4x32xf32>, tensor<1x8x4xf32>) -> (tensor<1x8x4x32xf32>, tensor<4x16x32xf32>)
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @delta_scale_zero(%q: tensor<1x8x2x16xf32>, %v: tensor<1x8x4x32xf32>, %b: tensor<1x8x4xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'scale' must be positive and within f32 range, got 0.000000e+00}}
  %o = attn.delta %q, %q, %v, %b {scale = 0.0 : f64} : (tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x4x32xf32>, tensor<1x8x4xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @delta_recurrent_with_chunk(%q: tensor<1x8x2x16xf32>, %v: tensor<1x8x4x32xf32>, %b: tensor<1x8x4xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{has both 'form = recurrent' and a 'chunk' plan; a chunk plan needs the chunked form}}
  %o = attn.delta %q, %q, %v, %b {form = #attn.form<recurrent>, chunk = #attn.chunk<size = 32, sub_chunk = 16>} : (tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x4x32xf32>, tensor<1x8x4xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @delta_fp8_solve(%q: tensor<1x8x2x16xf32>, %v: tensor<1x8x4x32xf32>, %b: tensor<1x8x4xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'precision' puts the triangular solve in 'f8E5M2'; (I + A)^-1 amplifies rounding error and stays in bf16 or f32}}
  %o = attn.delta %q, %q, %v, %b {precision = #attn.precision<operands = {kk = f8E4M3FN, solve = f8E5M2}>} : (tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x4x32xf32>, tensor<1x8x4xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

func.func @delta_precision_contraction(%q: tensor<1x8x2x16xf32>, %v: tensor<1x8x4x32xf32>, %b: tensor<1x8x4xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{'precision' names contraction 'pv', which this op does not have; its contractions are: kk, qk, av, ws, qs, kv, solve}}
  %o = attn.delta %q, %q, %v, %b {precision = #attn.precision<operands = {pv = bf16}>} : (tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x4x32xf32>, tensor<1x8x4xf32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

// ODS: beta is a float tensor.
func.func @delta_integer_beta(%q: tensor<1x8x2x16xf32>, %v: tensor<1x8x4x32xf32>, %b: tensor<1x8x4xi32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{operand #3 must be ranked tensor of bfloat16 type or 16-bit float or 32-bit float values, but got 'tensor<1x8x4xi32>'}}
  %o = attn.delta %q, %q, %v, %b : (tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x4x32xf32>, tensor<1x8x4xi32>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

// ODS: the initial state is f32.
func.func @delta_bf16_state(%q: tensor<1x8x2x16xf32>, %v: tensor<1x8x4x32xf32>, %b: tensor<1x8x4xf32>, %s: tensor<1x4x16x32xbf16>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{operand #4 must be ranked tensor of 32-bit float values, but got 'tensor<1x4x16x32xbf16>'}}
  %o = attn.delta %q, %q, %v, %b initial_state(%s) : (tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x4x32xf32>, tensor<1x8x4xf32>, tensor<1x4x16x32xbf16>) -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

//===----------------------------------------------------------------------===//
// #attn.chunk
//===----------------------------------------------------------------------===//

// -----

// expected-error @+1 {{#attn.chunk: 'size' must be a power of two in [16, 256], got 48}}
func.func @chunk_size_not_pow2() attributes {c = #attn.chunk<size = 48>} { return }

// -----

// expected-error @+1 {{#attn.chunk: 'size' must be a power of two in [16, 256], got 512}}
func.func @chunk_size_too_large() attributes {c = #attn.chunk<size = 512>} { return }

// -----

// expected-error @+1 {{#attn.chunk: 'sub_chunk' must be 0 or a power of two dividing 'size' = 64, got 24}}
func.func @chunk_sub_chunk_not_pow2() attributes {c = #attn.chunk<size = 64, sub_chunk = 24>} { return }

// -----

// expected-error @+1 {{#attn.chunk: 'sub_chunk' must be 0 or a power of two dividing 'size' = 64, got 128}}
func.func @chunk_sub_chunk_too_large() attributes {c = #attn.chunk<size = 64, sub_chunk = 128>} { return }

// -----

// expected-error @+1 {{struct is missing required parameter: size}}
func.func @chunk_missing_size() attributes {c = #attn.chunk<sub_chunk = 16>} { return }

//===----------------------------------------------------------------------===//
// #attn.tile
//===----------------------------------------------------------------------===//

// -----

// expected-error @+1 {{#attn.tile: 'q' must be a power of two in [16, 256], got 8}}
func.func @tile_q() attributes {t = #attn.tile<q = 8, kv = 64>} { return }

// -----

// expected-error @+1 {{#attn.tile: 'kv' must be a power of two in [16, 256], got 96}}
func.func @tile_kv() attributes {t = #attn.tile<q = 64, kv = 96>} { return }

// -----

// expected-error @+1 {{#attn.tile: 'stages' must be in [1, 8], got 0}}
func.func @tile_stages() attributes {t = #attn.tile<q = 64, kv = 64, stages = 0>} { return }

// -----

// expected-error @+1 {{#attn.tile: 'split_kv' must be at least 1, got 0}}
func.func @tile_split_kv() attributes {t = #attn.tile<q = 64, kv = 64, split_kv = 0>} { return }

// -----

// expected-error @+1 {{#attn.tile: 'warps' must be 1, 2, 4, 8 or 16, got 32}}
func.func @tile_warps() attributes {t = #attn.tile<q = 64, kv = 64, warps = 32>} { return }

// -----

// A misspelt key is a parse error.
// expected-error @+1 {{duplicate or unknown struct parameter name: kvv}}
func.func @tile_misspelt_key() attributes {t = #attn.tile<q = 64, kvv = 64>} { return }

//===----------------------------------------------------------------------===//
// #attn.precision
//===----------------------------------------------------------------------===//

// -----

// expected-error @+1 {{#attn.precision: contraction 'qk' must map to one of bf16, f16, f32, f8E4M3FN, f8E5M2, got i8}}
func.func @precision_integer_operand() attributes {p = #attn.precision<operands = {qk = i8}>} { return }

// -----

// expected-error @+1 {{#attn.precision: contraction 'pv' must map to one of bf16, f16, f32, f8E4M3FN, f8E5M2, got 1 : i64}}
func.func @precision_non_type_operand() attributes {p = #attn.precision<operands = {pv = 1 : i64}>} { return }

// -----

// expected-error @+1 {{#attn.precision: 'accumulator' must be f32, got 'bf16'}}
func.func @precision_accumulator() attributes {p = #attn.precision<operands = {qk = bf16}, accumulator = bf16>} { return }

// -----

// expected-error @+1 {{#attn.precision: 'granularity = block' needs a positive 'block', got 0}}
func.func @precision_block_missing() attributes {p = #attn.precision<operands = {qk = f8E4M3FN}, granularity = block>} { return }

// -----

// expected-error @+1 {{#attn.precision: 'block' is only meaningful with 'granularity = block', got granularity = head}}
func.func @precision_block_without_block_granularity() attributes {p = #attn.precision<operands = {qk = f8E4M3FN}, granularity = head, block = 64>} { return }

// -----

// expected-error @+1 {{struct is missing required parameter: operands}}
func.func @precision_missing_operands() attributes {p = #attn.precision<granularity = tensor>} { return }

//===----------------------------------------------------------------------===//
// #attn.form
//===----------------------------------------------------------------------===//

// -----

// expected-error @+2 {{expected ::mlir::attn::Form to be one of: recurrent, chunked}}
// expected-error @+1 {{failed to parse Attn_FormAttr parameter 'value' which is to be a `::mlir::attn::Form`}}
func.func @form_unknown() attributes {f = #attn.form<sideways>} { return }

//===----------------------------------------------------------------------===//
// #attn.layer
//===----------------------------------------------------------------------===//

// -----

// expected-error @+1 {{#attn.layer (kind = full): 'heads' must be positive, got 0}}
func.func @layer_heads_zero() attributes {l = #attn.layer<kind = full, heads = 0, head_dim = 64>} { return }

// -----

// expected-error @+1 {{#attn.layer (kind = linear): 'head_dim' must be positive, got -64}}
func.func @layer_head_dim_negative() attributes {l = #attn.layer<kind = linear, heads = 8, head_dim = -64>} { return }

// -----

// expected-error @+1 {{#attn.layer (kind = full): 'kv_heads' must not be negative, got -2}}
func.func @layer_kv_heads_negative() attributes {l = #attn.layer<kind = full, heads = 8, kv_heads = -2, head_dim = 64>} { return }

// -----

// expected-error @+1 {{#attn.layer (kind = delta): 'conv' must not be negative, got -4}}
func.func @layer_conv_negative() attributes {l = #attn.layer<kind = delta, heads = 8, head_dim = 64, conv = -4>} { return }

// -----

// expected-error @+1 {{#attn.layer (kind = linear): 'kv_heads' applies only to full/sparse layers}}
func.func @layer_kv_heads_on_linear() attributes {l = #attn.layer<kind = linear, heads = 8, kv_heads = 2, head_dim = 64>} { return }

// -----

// expected-error @+1 {{#attn.layer (kind = delta): 'kv_lora_rank' applies only to full/sparse layers}}
func.func @layer_kv_lora_rank_on_delta() attributes {l = #attn.layer<kind = delta, heads = 8, head_dim = 64, kv_lora_rank = 512>} { return }

// -----

// expected-error @+1 {{#attn.layer (kind = full): 'value_heads' applies only to delta layers}}
func.func @layer_value_heads_on_full() attributes {l = #attn.layer<kind = full, heads = 8, value_heads = 16, head_dim = 64>} { return }

// -----

// expected-error @+1 {{#attn.layer (kind = sparse): 'window' applies only to full layers}}
func.func @layer_window_on_sparse() attributes {l = #attn.layer<kind = sparse, heads = 8, head_dim = 64, window = 128, topk = 64>} { return }

// -----

// expected-error @+1 {{#attn.layer (kind = full): 'topk' applies only to sparse layers}}
func.func @layer_topk_on_full() attributes {l = #attn.layer<kind = full, heads = 8, head_dim = 64, topk = 64>} { return }

// -----

// expected-error @+1 {{#attn.layer (kind = linear): 'block_size' applies only to sparse layers}}
func.func @layer_block_size_on_linear() attributes {l = #attn.layer<kind = linear, heads = 8, head_dim = 64, block_size = 64>} { return }

// -----

// expected-error @+1 {{#attn.layer (kind = delta): 'index_heads' applies only to sparse layers}}
func.func @layer_index_heads_on_delta() attributes {l = #attn.layer<kind = delta, heads = 8, head_dim = 64, index_heads = 4, index_dim = 64>} { return }

// -----

// expected-error @+1 {{#attn.layer (kind = full): 'index_dim' applies only to sparse layers}}
func.func @layer_index_dim_on_full() attributes {l = #attn.layer<kind = full, heads = 8, head_dim = 64, index_dim = 64>} { return }

// -----

// expected-error @+1 {{#attn.layer (kind = full): 'conv' applies only to linear/delta layers}}
func.func @layer_conv_on_full() attributes {l = #attn.layer<kind = full, heads = 8, head_dim = 64, conv = 4>} { return }

// -----

// expected-error @+1 {{#attn.layer (kind = full): 'heads' = 8 must be a multiple of 'kv_heads' = 3}}
func.func @layer_gqa() attributes {l = #attn.layer<kind = full, heads = 8, kv_heads = 3, head_dim = 64>} { return }

// -----

// expected-error @+1 {{#attn.layer (kind = delta): 'value_heads' = 12 must be a multiple of 'heads' = 8}}
func.func @layer_gva() attributes {l = #attn.layer<kind = delta, heads = 8, value_heads = 12, head_dim = 64>} { return }

// -----

// expected-error @+1 {{#attn.layer (kind = full): 'gate' applies only to linear/delta layers}}
func.func @layer_gate_on_full() attributes {l = #attn.layer<kind = full, heads = 8, head_dim = 64, gate = scalar>} { return }

// -----

// expected-error @+1 {{#attn.layer (kind = delta): 'gate = constant' is not a delta-rule variant}}
func.func @layer_delta_constant_gate() attributes {l = #attn.layer<kind = delta, heads = 8, head_dim = 64, gate = constant>} { return }

// -----

// expected-error @+1 {{#attn.layer (kind = sparse): sparse layers need 'topk'}}
func.func @layer_sparse_without_topk() attributes {l = #attn.layer<kind = sparse, heads = 8, head_dim = 64, block_size = 64>} { return }

// -----

// expected-error @+1 {{#attn.layer (kind = sparse): 'index_heads' and 'index_dim' go together}}
func.func @layer_index_heads_alone() attributes {l = #attn.layer<kind = sparse, heads = 8, head_dim = 64, topk = 2048, index_heads = 64>} { return }

// -----

// expected-error @+1 {{#attn.layer (kind = sparse): a DSA indexer ('index_heads') selects tokens; it does not combine with 'block_size'}}
func.func @layer_indexer_with_blocks() attributes {l = #attn.layer<kind = sparse, heads = 8, head_dim = 64, topk = 16, block_size = 64, index_heads = 64, index_dim = 128>} { return }

// -----

// A layer's functions must verify: attn-expand-schedule turns `topk` into
// attn.topk's `k` (at most 2^20) and `block_size` into attn.sparse's (at
// most 2^31). Found by attn-ir-fuzzer.
// expected-error @+1 {{#attn.layer (kind = sparse): 'topk' must be at most 1048576 (attn.topk's limit), got 1048577}}
func.func @layer_topk_too_large() attributes {l = #attn.layer<kind = sparse, heads = 8, head_dim = 64, topk = 1048577, index_heads = 64, index_dim = 128>} { return }

// -----

// expected-error @+1 {{#attn.layer (kind = sparse): 'block_size' must be at most 2^31 (attn.sparse's limit), got 2147483649}}
func.func @layer_block_size_too_large() attributes {l = #attn.layer<kind = sparse, heads = 8, head_dim = 64, topk = 16, block_size = 2147483649>} { return }

// -----

// The largest values are layers like any other.
func.func @layer_topk_block_size_at_limits() attributes {l = #attn.layer<kind = sparse, heads = 8, head_dim = 64, topk = 1048576, block_size = 2147483648>} { return }

// -----

// expected-error @+2 {{expected ::mlir::attn::LayerKind to be one of: full, sparse, linear, delta}}
// expected-error @+1 {{failed to parse Attn_LayerAttr parameter 'kind' which is to be a `::mlir::attn::LayerKind`}}
func.func @layer_unknown_kind() attributes {l = #attn.layer<kind = mamba, heads = 8, head_dim = 64>} { return }

//===----------------------------------------------------------------------===//
// attn.schedule, attn.layer_kind, attn.layers
//===----------------------------------------------------------------------===//

// -----

attn.schedule @foreign_op {
  attn.layer_kind @a = #attn.layer<kind = full, heads = 8, head_dim = 64>
  // expected-error @+1 {{'arith.constant' op is not allowed in 'attn.schedule'; its body holds only 'attn.layer_kind' and 'attn.layers'}}
  %c = arith.constant 0 : i32
  attn.layers [@a]
}

// -----

attn.schedule @unresolved {
  attn.layer_kind @a = #attn.layer<kind = full, heads = 8, head_dim = 64>
  // expected-error @+1 {{refers to @b, which is not an 'attn.layer_kind' of schedule @unresolved}}
  attn.layers [@a, @b]
}

// -----

// A symbol of the schedule that is not a layer kind; the reference is checked
// before the foreign op itself because the body is walked in order.
attn.schedule @not_a_kind {
  attn.layer_kind @a = #attn.layer<kind = full, heads = 8, head_dim = 64>
  // expected-error @+1 {{refers to @f, which is not an 'attn.layer_kind'}}
  attn.layers [@a, @f]
  func.func private @f()
}

// -----

// expected-error @+1 {{'attn.schedule' op declares no 'attn.layer_kind'}}
attn.schedule @empty {}

// -----

// expected-error @+1 {{'attn.schedule' op lists no layers; add 'attn.layers [...]'}}
attn.schedule @no_layers {
  attn.layer_kind @a = #attn.layer<kind = full, heads = 8, head_dim = 64>
}

// -----

// expected-error @+1 {{'attn.schedule' op says num_layers = 12 but its 'attn.layers' ops add up to 8 layers}}
attn.schedule @count attributes {num_layers = 12 : i64} {
  attn.layer_kind @a = #attn.layer<kind = delta, heads = 8, head_dim = 64, gate = vector>
  attn.layer_kind @b = #attn.layer<kind = full, heads = 8, head_dim = 64>
  attn.layers [@a, @a, @a, @b] x 2
}

// -----

// expected-error @+1 {{'attn.schedule' op has unknown attribute 'layers'; known attributes: layer_funcs, num_layers, sym_name, sym_visibility}}
attn.schedule @unknown_attr attributes {layers = 4 : i64} {
  attn.layer_kind @a = #attn.layer<kind = full, heads = 8, head_dim = 64>
  attn.layers [@a] x 4
}

// -----

// ODS: a schedule needs exactly one block (only reachable in generic form;
// the custom parser always creates the block).
// expected-error @+1 {{'attn.schedule' op region #0 ('body') failed to verify constraint: region with 1 blocks}}
"attn.schedule"() ({}) {sym_name = "no_block"} : () -> ()

// -----

attn.schedule @duplicate {
  // expected-note @+1 {{see existing symbol definition here}}
  attn.layer_kind @a = #attn.layer<kind = full, heads = 8, head_dim = 64>
  // expected-error @+1 {{redefinition of symbol named 'a'}}
  attn.layer_kind @a = #attn.layer<kind = linear, heads = 8, head_dim = 64>
  attn.layers [@a]
}

// -----

attn.schedule @empty_pattern {
  attn.layer_kind @a = #attn.layer<kind = full, heads = 8, head_dim = 64>
  // expected-error @+1 {{'attn.layers' op has an empty pattern}}
  attn.layers []
}

// -----

attn.schedule @repeat_zero {
  attn.layer_kind @a = #attn.layer<kind = full, heads = 8, head_dim = 64>
  // expected-error @+1 {{'attn.layers' op 'repeat' must be in [1, 2^20], got 0}}
  attn.layers [@a] x 0
}

// -----

attn.schedule @repeat_too_large {
  attn.layer_kind @a = #attn.layer<kind = full, heads = 8, head_dim = 64>
  // expected-error @+1 {{'attn.layers' op 'repeat' must be in [1, 2^20], got 1048577}}
  attn.layers [@a] x 1048577
}

// -----

attn.schedule @layers_unknown_attr {
  attn.layer_kind @a = #attn.layer<kind = full, heads = 8, head_dim = 64>
  // expected-error @+1 {{'attn.layers' op has unknown attribute 'times'; known attributes: pattern, repeat}}
  attn.layers [@a] {times = 2 : i64}
}

// -----

attn.schedule @layer_kind_unknown_attr {
  // expected-error @+1 {{'attn.layer_kind' op has unknown attribute 'count'; known attributes: config, sym_name, sym_visibility}}
  attn.layer_kind @a = #attn.layer<kind = full, heads = 8, head_dim = 64> {count = 2 : i64}
  attn.layers [@a]
}

// -----

// expected-error @+1 {{'attn.layer_kind' op expects parent op 'attn.schedule'}}
attn.layer_kind @orphan = #attn.layer<kind = full, heads = 8, head_dim = 64>

// -----

func.func @layers_outside_schedule() {
  // expected-error @+1 {{'attn.layers' op expects parent op 'attn.schedule'}}
  attn.layers [@a]
  return
}

// -----

func.func @scale_beyond_f32(%q: tensor<1x4x2x16xf32>) -> tensor<1x4x2x16xf32> {
  // expected-error @+1 {{'scale' must be positive and within f32 range, got 1.000000e+39}}
  %o = attn.full %q, %q, %q {causal, scale = 1.0e39 : f64}
      : (tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32>) -> tensor<1x4x2x16xf32>
  return %o : tensor<1x4x2x16xf32>
}

// -----

func.func @softcap_beyond_f32(%q: tensor<1x4x2x16xf32>) -> tensor<1x4x2x16xf32> {
  // expected-error @+1 {{'softcap' must be positive and within f32 range, got 1.000000e+39}}
  %o = attn.full %q, %q, %q {causal, softcap = 1.0e39 : f64}
      : (tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32>) -> tensor<1x4x2x16xf32>
  return %o : tensor<1x4x2x16xf32>
}

// -----

func.func @topk_too_large(%s: tensor<1x8x8xf32>) -> tensor<1x8x2147483648xi32> {
  // expected-error @+1 {{'k' must be in [1, 1048576], got 2147483648}}
  %i = attn.topk %s {k = 2147483648 : i64} : (tensor<1x8x8xf32>) -> tensor<1x8x2147483648xi32>
  return %i : tensor<1x8x2147483648xi32>
}
