// A hand-set #attn.precision is honoured by the GPU lowering or refused: the
// kernels compute every contraction at the inputs' type (f32 through the
// bf16x3 split), the delta rule's solve in f32 and FP8 where an FP8 kernel
// takes it. Any other plan would run as if it were not there while the CPU
// backend emulates it (one plan, two results), so it is a located error.
// RUN: attn-opt %s -split-input-file --attn-tile=target=sm_90a --convert-attn-to-gpu=chip=sm_90a -verify-diagnostics -o /dev/null
// The plans attn-assign-precision makes for GPU targets are all honoured:
// RUN: attn-opt %S/../../../examples/kimi_linear.mlir "--attn-plan=target=sm_90a precision=auto" --convert-attn-to-gpu=chip=sm_90a -o /dev/null

func.func @f16_on_f32(%q: tensor<1x?x4x64xf32>, %k: tensor<1x?x4x64xf32>,
                      %v: tensor<1x?x4x64xf32>) -> tensor<1x?x4x64xf32> {
  // expected-error @+1 {{'attn.full' op plans qk = f16, but the GPU kernels compute qk in f32 (the inputs' type) and do not emulate other precisions}}
  %o = attn.full %q, %k, %v {causal, precision = #attn.precision<operands = {qk = f16, pv = f32}>}
      : (tensor<1x?x4x64xf32>, tensor<1x?x4x64xf32>, tensor<1x?x4x64xf32>) -> tensor<1x?x4x64xf32>
  return %o : tensor<1x?x4x64xf32>
}

// -----

func.func @bf16_pv_f32(%q: tensor<1x?x4x64xbf16>, %k: tensor<1x?x4x64xbf16>,
                       %v: tensor<1x?x4x64xbf16>) -> tensor<1x?x4x64xbf16> {
  // expected-error @+1 {{'attn.full' op plans pv = f32, but the GPU kernels compute pv in bf16 (the inputs' type)}}
  %o = attn.full %q, %k, %v {causal, precision = #attn.precision<operands = {qk = bf16, pv = f32}>}
      : (tensor<1x?x4x64xbf16>, tensor<1x?x4x64xbf16>, tensor<1x?x4x64xbf16>) -> tensor<1x?x4x64xbf16>
  return %o : tensor<1x?x4x64xbf16>
}

// -----

// The inputs' type everywhere is what the kernels do: no error.
func.func @as_computed(%q: tensor<1x?x4x64xbf16>, %k: tensor<1x?x4x64xbf16>,
                       %v: tensor<1x?x4x64xbf16>) -> tensor<1x?x4x64xbf16> {
  %o = attn.full %q, %k, %v {causal, precision = #attn.precision<operands = {qk = bf16, pv = bf16}>}
      : (tensor<1x?x4x64xbf16>, tensor<1x?x4x64xbf16>, tensor<1x?x4x64xbf16>) -> tensor<1x?x4x64xbf16>
  return %o : tensor<1x?x4x64xbf16>
}

// -----

func.func @solve_bf16(%q: tensor<1x?x2x64xbf16>, %k: tensor<1x?x2x64xbf16>,
                      %v: tensor<1x?x2x64xbf16>, %beta: tensor<1x?x2xf32>)
    -> tensor<1x?x2x64xbf16> {
  // expected-error @+1 {{'attn.delta' op plans solve = bf16, but the GPU kernels compute solve in f32 and do not emulate other precisions}}
  %o = attn.delta %q, %k, %v, %beta {precision = #attn.precision<operands = {kk = bf16, qk = bf16, av = bf16, ws = bf16, qs = bf16, kv = bf16, solve = bf16}>}
      : (tensor<1x?x2x64xbf16>, tensor<1x?x2x64xbf16>, tensor<1x?x2x64xbf16>, tensor<1x?x2xf32>) -> tensor<1x?x2x64xbf16>
  return %o : tensor<1x?x2x64xbf16>
}
