func.func @layer(%q: tensor<1x?x8x64xbf16>, %k: tensor<1x?x2x64xbf16>) -> tensor<1x?x8x64xbf16> {
  %o = attn.full %q, %k, %k {causal} : (tensor<1x?x8x64xbf16>, tensor<1x?x2x64xbf16>, tensor<1x?x2x64xbf16>) -> tensor<1x?x8x64xbf16>
  return %o : tensor<1x?x8x64xbf16>
}
