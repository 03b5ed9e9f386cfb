// Kimi-Linear style hybrid (Kimi Linear 48B-A3B, public config facts):
// 27 attention layers, Kimi Delta Attention (KDA: gated delta rule with one
// decay per key channel, 32 heads, d_k = d_v = 128, short conv 4) everywhere
// except the 1-based layers 4, 8, 12, 16, 20, 24 and 27, which are MLA full
// attention (32 heads, qk head dim 128 + 64, v head dim 128, KV latent 512,
// NoPE). The 3:1 period breaks at the end: layer 27 is full.
//
// Try: attn-opt examples/kimi_linear.mlir --attn-print-schedule -o /dev/null

attn.schedule @kimi_linear attributes {num_layers = 27 : i64} {
  attn.layer_kind @kda = #attn.layer<kind = delta, heads = 32, head_dim = 128,
                                     gate = vector, conv = 4>
  attn.layer_kind @mla = #attn.layer<kind = full, heads = 32, head_dim = 192,
                                     value_dim = 128, kv_lora_rank = 512>
  attn.layers [@kda, @kda, @kda, @mla] x 6
  attn.layers [@kda, @kda, @mla]
}

// One prefill step of each layer kind at tensor level, sequence length and
// batch left dynamic (one compiled kernel serves every length).
func.func @kda_layer(%q: tensor<?x?x32x128xbf16>, %k: tensor<?x?x32x128xbf16>,
                     %v: tensor<?x?x32x128xbf16>, %beta: tensor<?x?x32xf32>,
                     %g: tensor<?x?x32x128xf32>, %s0: tensor<?x32x128x128xf32>)
    -> (tensor<?x?x32x128xbf16>, tensor<?x32x128x128xf32>) {
  %o, %s = attn.delta %q, %k, %v, %beta gate(%g) initial_state(%s0) {use_qk_l2norm}
      : (tensor<?x?x32x128xbf16>, tensor<?x?x32x128xbf16>, tensor<?x?x32x128xbf16>,
         tensor<?x?x32xf32>, tensor<?x?x32x128xf32>, tensor<?x32x128x128xf32>)
      -> (tensor<?x?x32x128xbf16>, tensor<?x32x128x128xf32>)
  return %o, %s : tensor<?x?x32x128xbf16>, tensor<?x32x128x128xf32>
}

func.func @mla_layer(%q: tensor<?x?x32x192xbf16>, %k: tensor<?x?x32x192xbf16>,
                     %v: tensor<?x?x32x128xbf16>) -> tensor<?x?x32x128xbf16> {
  %o = attn.full %q, %k, %v {causal}
      : (tensor<?x?x32x192xbf16>, tensor<?x?x32x192xbf16>, tensor<?x?x32x128xbf16>)
      -> tensor<?x?x32x128xbf16>
  return %o : tensor<?x?x32x128xbf16>
}
