func.func @f(%q: tensor<1x4x2x16xf32>) -> (tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32>) {
  %o = attn.full %q, %q, %q {causal} : (tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32>) -> tensor<1x4x2x16xf32>
  return %o, %o : tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32>
}
