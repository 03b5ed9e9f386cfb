// The hybrid schedules of four public models, checked layer by layer:
// counts per kind, the layer map and the 1-based positions of the softmax
// layers as the models' configs state them.
// RUN: attn-opt %s -split-input-file --attn-print-schedule -o /dev/null | FileCheck %s
// RUN: attn-opt %s -split-input-file --verify-roundtrip -o /dev/null

// Kimi-Linear: 27 layers, KDA with MLA full attention at 4, 8, ..., 24, 27.
// CHECK-LABEL: schedule @kimi_linear: 27 layers, 2 kinds (linear:full = 20:7)
// CHECK-NEXT: @kda  x20  delta heads=32 value_heads=32 head_dim=128 value_dim=128 gate=vector conv=4
// CHECK-NEXT: @mla  x7   full heads=32 kv_heads=32 head_dim=192 value_dim=128 kv_lora_rank=512
// CHECK-NEXT: map: DDDF DDDF DDDF DDDF DDDF DDDF DDF{{$}}
// CHECK-NEXT: softmax layers (1-based): 4, 8, 12, 16, 20, 24, 27{{$}}
attn.schedule @kimi_linear attributes {num_layers = 27 : i64} {
  attn.layer_kind @kda = #attn.layer<kind = delta, heads = 32, head_dim = 128, gate = vector, conv = 4>
  attn.layer_kind @mla = #attn.layer<kind = full, heads = 32, head_dim = 192, value_dim = 128, kv_lora_rank = 512>
  attn.layers [@kda, @kda, @kda, @mla] x 6
  attn.layers [@kda, @kda, @mla]
}

// -----

// Qwen3-Next-80B-A3B: 48 layers, 3 Gated DeltaNet : 1 gated full attention.
// GDN: 16 query/key heads, 32 value heads (GVA), head dim 128, conv 4.
// Full: 16 query heads, 2 KV heads, head dim 256.
// CHECK-LABEL: schedule @qwen3_next: 48 layers, 2 kinds (linear:full = 36:12)
// CHECK-NEXT: @gdn   x36  delta heads=16 value_heads=32 head_dim=128 value_dim=128 gate=scalar conv=4
// CHECK-NEXT: @attn  x12  full heads=16 kv_heads=2 head_dim=256 value_dim=256
// CHECK-NEXT: map: DDDF DDDF DDDF DDDF DDDF DDDF DDDF DDDF DDDF DDDF DDDF DDDF{{$}}
// CHECK-NEXT: softmax layers (1-based): 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48{{$}}
attn.schedule @qwen3_next attributes {num_layers = 48 : i64} {
  attn.layer_kind @gdn = #attn.layer<kind = delta, heads = 16, value_heads = 32, head_dim = 128, gate = scalar, conv = 4>
  attn.layer_kind @attn = #attn.layer<kind = full, heads = 16, kv_heads = 2, head_dim = 256>
  attn.layers [@gdn, @gdn, @gdn, @attn] x 12
}

// -----

// MiniMax-01: 80 layers, 7 lightning (linear, constant per-head decay) : 1
// softmax; 64 heads of 128, softmax layers GQA with 8 KV heads.
// CHECK-LABEL: schedule @minimax_01: 80 layers, 2 kinds (linear:full = 70:10)
// CHECK-NEXT: @lightning  x70  linear heads=64 head_dim=128 value_dim=128 gate=constant
// CHECK-NEXT: @softmax    x10  full heads=64 kv_heads=8 head_dim=128 value_dim=128
// CHECK-NEXT: map: LLLL LLLF LLLL LLLF LLLL LLLF LLLL LLLF LLLL LLLF LLLL LLLF LLLL LLLF LLLL LLLF LLLL LLLF LLLL LLLF{{$}}
// CHECK-NEXT: softmax layers (1-based): 8, 16, 24, 32, 40, 48, 56, 64, 72, 80{{$}}
attn.schedule @minimax_01 attributes {num_layers = 80 : i64} {
  attn.layer_kind @lightning = #attn.layer<kind = linear, heads = 64, head_dim = 128, gate = constant>
  attn.layer_kind @softmax = #attn.layer<kind = full, heads = 64, kv_heads = 8, head_dim = 128>
  attn.layers [@lightning, @lightning, @lightning, @lightning, @lightning, @lightning, @lightning, @softmax] x 10
}

// -----

// Jamba-like: 32 layers, attention at 0-based i % 8 == 4 (1-based 5, 13, 21,
// 29), 32 query / 8 KV heads of 128; the Mamba layers are modelled as
// scalar-decay linear attention (the Mamba-2 / SSD view: state 128 x 64 per
// head) with a short conv of 4.
// CHECK-LABEL: schedule @jamba_like: 32 layers, 2 kinds (linear:full = 28:4)
// CHECK-NEXT: @mamba  x28  linear heads=64 head_dim=128 value_dim=64 gate=scalar conv=4
// CHECK-NEXT: @attn   x4   full heads=32 kv_heads=8 head_dim=128 value_dim=128
// CHECK-NEXT: map: LLLL FLLL LLLL FLLL LLLL FLLL LLLL FLLL{{$}}
// CHECK-NEXT: softmax layers (1-based): 5, 13, 21, 29{{$}}
attn.schedule @jamba_like attributes {num_layers = 32 : i64} {
  attn.layer_kind @mamba = #attn.layer<kind = linear, heads = 64, head_dim = 128, value_dim = 64, gate = scalar, conv = 4>
  attn.layer_kind @attn = #attn.layer<kind = full, heads = 32, kv_heads = 8, head_dim = 128>
  attn.layers [@mamba, @mamba, @mamba, @mamba, @attn, @mamba, @mamba, @mamba] x 4
}

// -----

// An explicit list and a schedule with no softmax layer at all.
// CHECK-LABEL: schedule @all_linear: 3 layers, 2 kinds (linear:full = 3:0)
// CHECK: map: DLD{{$}}
// CHECK-NEXT: softmax layers (1-based): none
attn.schedule @all_linear {
  attn.layer_kind @d = #attn.layer<kind = delta, heads = 4, head_dim = 64>
  attn.layer_kind @l = #attn.layer<kind = linear, heads = 4, head_dim = 64>
  attn.layers [@d, @l, @d]
}
