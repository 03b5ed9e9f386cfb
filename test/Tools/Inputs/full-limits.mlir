// An empty batch of 2^28 queries x 8 heads per KV head: 2^31 packed query
// rows, past what the tile programs index (attn-run-cuda-launch.test).
func.func @attn(%q: tensor<0x268435456x8x64xf16>, %k: tensor<0x268435456x1x64xf16>,
                %v: tensor<0x268435456x1x64xf16>) -> tensor<0x268435456x8x64xf16> {
  %o = attn.full %q, %k, %v {causal}
      : (tensor<0x268435456x8x64xf16>, tensor<0x268435456x1x64xf16>, tensor<0x268435456x1x64xf16>)
      -> tensor<0x268435456x8x64xf16>
  return %o : tensor<0x268435456x8x64xf16>
}

// An empty batch whose queries select 2^25 blocks of 64 keys: 2^31 gathered
// positions, past what the sparse tile program indexes.
func.func @sparse(%q: tensor<0x4x16x64xf16>, %k: tensor<0x4x1x64xf16>,
                  %v: tensor<0x4x1x64xf16>, %i: tensor<0x4x1x33554432xi32>) -> tensor<0x4x16x64xf16> {
  %o = attn.sparse %q, %k, %v, %i {causal, block_size = 64 : i64}
      : (tensor<0x4x16x64xf16>, tensor<0x4x1x64xf16>, tensor<0x4x1x64xf16>, tensor<0x4x1x33554432xi32>)
      -> tensor<0x4x16x64xf16>
  return %o : tensor<0x4x16x64xf16>
}
