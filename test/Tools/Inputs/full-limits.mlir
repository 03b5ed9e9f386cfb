// An empty batch of 2^28 queries x 8 heads per KV head: 2^31 packed query
// rows, past what the tile programs index (attn-run-cuda-launch.test).
func.func @attn(%q: tensor<0x268435456x8x64xf16>, %k: tensor<0x268435456x1x64xf16>,
                %v: tensor<0x268435456x1x64xf16>) -> tensor<0x268435456x8x64xf16> {
  %o = attn.full %q, %k, %v {causal}
      : (tensor<0x268435456x8x64xf16>, tensor<0x268435456x1x64xf16>, tensor<0x268435456x1x64xf16>)
      -> tensor<0x268435456x8x64xf16>
  return %o : tensor<0x268435456x8x64xf16>
}
