// Linear attention whose final state (B x H x K x V = 1 x 2 x 2^23 x 2^23
// f32: 2^48 bytes, more than a 47-bit address space holds) no machine can
// allocate; its inputs are 64 MiB each.
func.func @huge(%q: tensor<1x1x2x8388608xf32>, %k: tensor<1x1x2x8388608xf32>,
                %v: tensor<1x1x2x8388608xf32>)
    -> (tensor<1x1x2x8388608xf32>, tensor<1x2x8388608x8388608xf32>) {
  %o, %s = attn.linear %q, %k, %v
      : (tensor<1x1x2x8388608xf32>, tensor<1x1x2x8388608xf32>,
         tensor<1x1x2x8388608xf32>)
      -> (tensor<1x1x2x8388608xf32>, tensor<1x2x8388608x8388608xf32>)
  return %o, %s : tensor<1x1x2x8388608xf32>, tensor<1x2x8388608x8388608xf32>
}
