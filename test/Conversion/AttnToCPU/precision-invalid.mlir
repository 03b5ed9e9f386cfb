// convert-attn-to-cpu: precision plans it cannot emulate are located errors.
// RUN: attn-opt %s -split-input-file --convert-attn-to-cpu -verify-diagnostics

func.func @hadamard_not_pow2(%q: tensor<1x4x2x96xbf16>, %v: tensor<1x4x2x64xbf16>) -> tensor<1x4x2x64xbf16> {
  // expected-error @+1 {{'precision' asks for a Hadamard rotation (hadamard = true), which needs a power-of-two head dim D; got 96}}
  %o = attn.full %q, %q, %v {causal, tile = #attn.tile<q = 16, kv = 16>, precision = #attn.precision<operands = {qk = f8E4M3FN, pv = f8E4M3FN}, granularity = block, block = 128, hadamard = true>}
      : (tensor<1x4x2x96xbf16>, tensor<1x4x2x96xbf16>, tensor<1x4x2x64xbf16>) -> tensor<1x4x2x64xbf16>
  return %o : tensor<1x4x2x64xbf16>
}

// -----

func.func @indexer_hadamard_not_pow2(%q: tensor<1x4x4x48xbf16>, %k: tensor<1x4x48xbf16>, %w: tensor<1x4x4xf32>) -> tensor<1x4x4xf32> {
  // expected-error @+1 {{which needs a power-of-two indexer head dim Di; got 48}}
  %s = attn.indexer %q, %k, %w {causal, precision = #attn.precision<operands = {qk = f8E4M3FN}, granularity = token, hadamard = true>}
      : (tensor<1x4x4x48xbf16>, tensor<1x4x48xbf16>, tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  return %s : tensor<1x4x4xf32>
}

// -----

func.func @delta_fp8(%q: tensor<1x8x2x16xf32>, %v: tensor<1x8x2x16xf32>, %b: tensor<1x8x2xf32>) -> tensor<1x8x2x16xf32> {
  // expected-error @+1 {{the CPU backend has no FP8 path for attn.delta (FP8 is emulated for attn.full, attn.sparse and attn.indexer)}}
  %o = attn.delta %q, %q, %v, %b {form = #attn.form<recurrent>, precision = #attn.precision<operands = {qk = f8E4M3FN}, granularity = block, block = 64>}
      : (tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2xf32>) -> tensor<1x8x2x16xf32>
  return %o : tensor<1x8x2x16xf32>
}
