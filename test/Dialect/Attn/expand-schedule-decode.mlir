// attn-expand-schedule decode=true: one decode-step function per distinct
// layer (T = 1; softmax layers take the KV cache including the new token)
// and @S_step chaining every layer; attn-plan then picks the recurrent form
// and the split-KV decode tiles; the step name must be free.
// RUN: attn-opt %s -split-input-file "--attn-expand-schedule=decode=true" -verify-diagnostics | FileCheck %s
// RUN: attn-opt %attn_src/examples/kimi_linear.mlir "--attn-expand-schedule=decode=true" --attn-plan=target=sm_90a --attn-print-plan -o /dev/null 2>&1 | FileCheck %s --check-prefix=PLAN
// RUN: attn-opt %attn_src/examples/kimi_linear.mlir "--attn-expand-schedule=decode=true" --attn-plan=target=sm_90a "--convert-attn-to-gpu=funcs=kimi_linear_kda_step,kimi_linear_mla_step" 2>/dev/null | FileCheck %s --check-prefix=GPU

// CHECK: attn.schedule @h attributes {layer_funcs = [@h_kda_step, @h_kda_step, @h_full_step], num_layers = 3 : i64}
// CHECK-LABEL: func.func @h_kda_step(
// CHECK-SAME: tensor<?x1x2x16xbf16>, %{{.*}}: tensor<?x1x2x16xbf16>, %{{.*}}: tensor<?x1x2x16xbf16>, %{{.*}}: tensor<?x1x2xf32>, %{{.*}}: tensor<?x1x2x16xf32>, %{{.*}}: tensor<?x2x16x16xf32>) -> (tensor<?x1x2x16xbf16>, tensor<?x2x16x16xf32>)
// CHECK: attn.delta
// CHECK-LABEL: func.func @h_full_step(
// CHECK-SAME: tensor<?x1x4x16xbf16>, %{{.*}}: tensor<?x?x2x16xbf16>, %{{.*}}: tensor<?x?x2x16xbf16>) -> tensor<?x1x4x16xbf16>
// CHECK: attn.full
// CHECK-LABEL: func.func @h_step(
// CHECK: call @h_kda_step(
// CHECK-NEXT: call @h_kda_step(
// CHECK-NEXT: call @h_full_step(
// CHECK-NEXT: return
// GPU-NOT: func.func @kimi_linear_step
// GPU: kernel = "kimi_linear_kda_step_delta_step"
// GPU: kernel = "kimi_linear_mla_step_full_decode"
// GPU-NOT: func.func @kimi_linear_step
// PLAN: @kimi_linear_kda_step: attn.delta KDA H=32 HV=32 K=128 V=128 bf16 -> form=recurrent
// PLAN: @kimi_linear_mla_step: attn.full causal H=32 Hkv=32 D=192 Dv=128 bf16 -> tile {{.*}} split_kv=32

// expected-remark @+1 {{schedule @h: 3 layers -> 2 distinct kernels}}
attn.schedule @h attributes {num_layers = 3 : i64} {
  attn.layer_kind @kda = #attn.layer<kind = delta, heads = 2, head_dim = 16, gate = vector>
  attn.layer_kind @full = #attn.layer<kind = full, heads = 4, kv_heads = 2, head_dim = 16>
  attn.layers [@kda, @kda, @full]
}

// -----

// expected-error @+1 {{cannot create the decode step @taken_step (attn-expand-schedule): the symbol already exists}}
attn.schedule @taken attributes {num_layers = 1 : i64} {
  attn.layer_kind @f = #attn.layer<kind = full, heads = 4, head_dim = 16>
  attn.layers [@f]
}
// expected-note @+1 {{existing symbol @taken_step}}
func.func @taken_step() {
  return
}
