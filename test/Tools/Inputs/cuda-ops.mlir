// Functions for attn-run --target=cuda tests (f16: .npy has no bf16).
func.func @prefill(%q: tensor<2x37x8x64xf16>, %k: tensor<2x300x2x64xf16>, %v: tensor<2x300x2x64xf16>)
    -> (tensor<2x37x8x64xf16>, tensor<2x37x8xf32>) {
  %o, %l = attn.full %q, %k, %v {causal}
      : (tensor<2x37x8x64xf16>, tensor<2x300x2x64xf16>, tensor<2x300x2x64xf16>)
      -> (tensor<2x37x8x64xf16>, tensor<2x37x8xf32>)
  return %o, %l : tensor<2x37x8x64xf16>, tensor<2x37x8xf32>
}

func.func @decode(%q: tensor<3x1x16x64xf16>, %k: tensor<3x5000x2x64xf16>, %v: tensor<3x5000x2x64xf16>)
    -> tensor<3x1x16x64xf16> {
  %o = attn.full %q, %k, %v
      : (tensor<3x1x16x64xf16>, tensor<3x5000x2x64xf16>, tensor<3x5000x2x64xf16>) -> tensor<3x1x16x64xf16>
  return %o : tensor<3x1x16x64xf16>
}

func.func @twice(%q: tensor<1x8x2x64xf16>) -> tensor<1x8x2x64xf16> {
  %o = attn.full %q, %q, %q : (tensor<1x8x2x64xf16>, tensor<1x8x2x64xf16>, tensor<1x8x2x64xf16>) -> tensor<1x8x2x64xf16>
  %p = attn.full %o, %q, %q : (tensor<1x8x2x64xf16>, tensor<1x8x2x64xf16>, tensor<1x8x2x64xf16>) -> tensor<1x8x2x64xf16>
  return %p : tensor<1x8x2x64xf16>
}

// FP8 (e4m3, scales per 128 tokens): the tile program reads TMA descriptors
// of the K8 and V8t workspaces, shaped by the manifest.
func.func @fp8(%q: tensor<1x200x4x128xf16>, %k: tensor<1x300x2x128xf16>, %v: tensor<1x300x2x128xf16>)
    -> tensor<1x200x4x128xf16> {
  %o = attn.full %q, %k, %v {causal, precision = #attn.precision<operands = {qk = f8E4M3FN, pv = f8E4M3FN}, granularity = block, block = 128>}
      : (tensor<1x200x4x128xf16>, tensor<1x300x2x128xf16>, tensor<1x300x2x128xf16>) -> tensor<1x200x4x128xf16>
  return %o : tensor<1x200x4x128xf16>
}
