// One function per GPU kernel family (attn-run --target=cuda compiles the
// chosen one); dynamic sizes come from the .npy inputs.
func.func @prefill(%q: tensor<?x?x?x64xf16>, %k: tensor<?x?x?x64xf16>, %v: tensor<?x?x?x64xf16>)
    -> tensor<?x?x?x64xf16> {
  %o = attn.full %q, %k, %v {causal}
      : (tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>) -> tensor<?x?x?x64xf16>
  return %o : tensor<?x?x?x64xf16>
}

func.func @decode(%q: tensor<?x?x?x128xf16>, %k: tensor<?x?x?x128xf16>, %v: tensor<?x?x?x128xf16>)
    -> tensor<?x?x?x128xf16> {
  %o = attn.full %q, %k, %v
      : (tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>) -> tensor<?x?x?x128xf16>
  return %o : tensor<?x?x?x128xf16>
}

func.func @sparse(%q: tensor<?x?x?x64xf16>, %k: tensor<?x?x?x64xf16>, %v: tensor<?x?x?x64xf16>,
                  %idx: tensor<?x?x?x?xi32>) -> tensor<?x?x?x64xf16> {
  %o = attn.sparse %q, %k, %v, %idx {causal}
      : (tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>, tensor<?x?x?x?xi32>)
      -> tensor<?x?x?x64xf16>
  return %o : tensor<?x?x?x64xf16>
}

func.func @indexer(%qi: tensor<?x?x64x64xf16>, %ki: tensor<?x?x64xf16>, %w: tensor<?x?x64xf32>)
    -> tensor<?x?x?xf32> {
  %s = attn.indexer %qi, %ki, %w {causal}
      : (tensor<?x?x64x64xf16>, tensor<?x?x64xf16>, tensor<?x?x64xf32>) -> tensor<?x?x?xf32>
  return %s : tensor<?x?x?xf32>
}

func.func @topk(%s: tensor<?x?x?xf32>) -> tensor<?x?x64xi32> {
  %i = attn.topk %s {k = 64 : i64, causal} : (tensor<?x?x?xf32>) -> tensor<?x?x64xi32>
  return %i : tensor<?x?x64xi32>
}
