// Kimi-Linear style hybrid (Kimi Linear 48B-A3B, public config facts):
// 27 attention layers, Kimi Delta Attention (KDA: gated delta rule with one
// decay per key channel, 32 heads, d_k = d_v = 128, short conv 4) everywhere
// except the 1-based layers 4, 8, 12, 16, 20, 24 and 27, which are MLA full
// attention (32 heads, qk head dim 128 + 64, v head dim 128, KV latent 512,
// NoPE). The 3:1 period breaks at the end: layer 27 is full.
//
// Try: attn-opt examples/kimi_linear.mlir --attn-print-schedule -o /dev/null
//      attn-opt examples/kimi_linear.mlir --attn-plan --attn-print-plan -o /dev/null
// (attn-plan expands the schedule into one function per distinct layer kind
// and decides form, chunking and tiling for sm_90a.)

attn.schedule @kimi_linear attributes {num_layers = 27 : i64} {
  attn.layer_kind @kda = #attn.layer<kind = delta, heads = 32, head_dim = 128,
                                     gate = vector, conv = 4>
  attn.layer_kind @mla = #attn.layer<kind = full, heads = 32, head_dim = 192,
                                     value_dim = 128, kv_lora_rank = 512>
  attn.layers [@kda, @kda, @kda, @mla] x 6
  attn.layers [@kda, @kda, @mla]
}
