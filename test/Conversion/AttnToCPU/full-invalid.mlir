// convert-attn-to-cpu consumes the plan and never decides: missing plans and
// dynamic head dims are located errors.
// RUN: attn-opt %s -split-input-file --convert-attn-to-cpu -verify-diagnostics

func.func @no_plan(%q: tensor<1x4x2x16xf32>, %k: tensor<1x4x2x16xf32>,
                   %v: tensor<1x4x2x16xf32>) -> tensor<1x4x2x16xf32> {
  // expected-error @+1 {{has no 'tile' plan; run attn-tile}}
  %o = attn.full %q, %k, %v {causal}
      : (tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32>) -> tensor<1x4x2x16xf32>
  return %o : tensor<1x4x2x16xf32>
}

// -----

func.func @dynamic_head_dim(%q: tensor<1x4x2x?xf32>, %k: tensor<1x4x2x?xf32>,
                            %v: tensor<1x4x2x16xf32>) -> tensor<1x4x2x16xf32> {
  // expected-error @+1 {{needs a static head dim D to be lowered}}
  %o = attn.full %q, %k, %v {causal, tile = #attn.tile<q = 16, kv = 16>}
      : (tensor<1x4x2x?xf32>, tensor<1x4x2x?xf32>, tensor<1x4x2x16xf32>) -> tensor<1x4x2x16xf32>
  return %o : tensor<1x4x2x16xf32>
}
