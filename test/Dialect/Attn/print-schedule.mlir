// attn-print-schedule reports the bundled Kimi-Linear example and leaves the
// IR unchanged.
// RUN: attn-opt %attn_src/examples/kimi_linear.mlir --attn-print-schedule | FileCheck %s

// CHECK: schedule @kimi_linear: 27 layers, 2 kinds (linear:full = 20:7)
// CHECK-NEXT: @kda  x20  delta heads=32 value_heads=32 head_dim=128 value_dim=128 gate=vector conv=4
// CHECK-NEXT: @mla  x7   full heads=32 kv_heads=32 head_dim=192 value_dim=128 kv_lora_rank=512
// CHECK-NEXT: map: DDDF DDDF DDDF DDDF DDDF DDDF DDF
// CHECK-NEXT: softmax layers (1-based): 4, 8, 12, 16, 20, 24, 27
// CHECK: attn.schedule @kimi_linear attributes {num_layers = 27 : i64} {
// CHECK: attn.layers [@kda, @kda, @kda, @mla] x 6
// CHECK-NOT: func.func
