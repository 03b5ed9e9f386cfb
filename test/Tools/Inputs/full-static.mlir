func.func @attn(%q: tensor<1x37x4x16xf32>, %k: tensor<1x37x2x16xf32>,
                %v: tensor<1x37x2x16xf32>) -> (tensor<1x37x4x16xf32>, tensor<1x37x4xf32>) {
  %o, %l = attn.full %q, %k, %v {causal}
      : (tensor<1x37x4x16xf32>, tensor<1x37x2x16xf32>, tensor<1x37x2x16xf32>)
      -> (tensor<1x37x4x16xf32>, tensor<1x37x4xf32>)
  return %o, %l : tensor<1x37x4x16xf32>, tensor<1x37x4xf32>
}

func.func @dyn(%q: tensor<?x?x4x16xf32>, %k: tensor<?x?x2x16xf32>,
               %v: tensor<?x?x2x16xf32>) -> tensor<?x?x4x16xf32> {
  %o = attn.full %q, %k, %v {causal}
      : (tensor<?x?x4x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>) -> tensor<?x?x4x16xf32>
  return %o : tensor<?x?x4x16xf32>
}
