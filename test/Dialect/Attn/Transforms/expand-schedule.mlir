// attn-expand-schedule: one func.func per distinct layer configuration of
// each schedule, right after it, B and T dynamic, heads and head dims from
// the config; `layer_funcs` maps every layer to its function and a remark
// counts the kernels. Errors: name collisions, an unknown dtype.
// RUN: split-file %s %t
// RUN: attn-opt %t/models.mlir -split-input-file --attn-expand-schedule -verify-diagnostics | FileCheck %s
// RUN: attn-opt %t/models.mlir -split-input-file --attn-expand-schedule -verify-diagnostics --verify-roundtrip -o /dev/null
// RUN: attn-opt %t/dtype.mlir --attn-expand-schedule=dtype=f16 -verify-diagnostics | FileCheck %s --check-prefix=F16
// RUN: attn-opt %t/dtype.mlir --attn-expand-schedule=dtype=f32 -verify-diagnostics | FileCheck %s --check-prefix=F32
// RUN: attn-opt %t/dtype.mlir --attn-expand-schedule --attn-expand-schedule -verify-diagnostics | FileCheck %s --check-prefix=TWICE
// RUN: attn-opt %t/bad-dtype.mlir --attn-expand-schedule=dtype=f64 -verify-diagnostics -o /dev/null

//--- models.mlir

// Kimi-Linear: 27 layers, KDA with MLA full attention at 4, 8, ..., 24, 27.
// CHECK-LABEL: attn.schedule @kimi_linear
// CHECK-SAME: layer_funcs = [{{((@kimi_linear_kda, ){3}@kimi_linear_mla, ){6}(@kimi_linear_kda, ){2}@kimi_linear_mla}}]
// CHECK: attn.layers [@kda, @kda, @mla]
// CHECK-NEXT: }
// CHECK-NEXT: func.func @kimi_linear_kda(%arg0: tensor<?x?x32x128xbf16>, %arg1: tensor<?x?x32x128xbf16>, %arg2: tensor<?x?x32x128xbf16>, %arg3: tensor<?x?x32xf32>, %arg4: tensor<?x?x32x128xf32>, %arg5: tensor<?x32x128x128xf32>) -> (tensor<?x?x32x128xbf16>, tensor<?x32x128x128xf32>) {
// CHECK-NEXT: %o, %final_state = attn.delta %arg0, %arg1, %arg2, %arg3 gate(%arg4) initial_state(%arg5) {use_qk_l2norm} : (tensor<?x?x32x128xbf16>, tensor<?x?x32x128xbf16>, tensor<?x?x32x128xbf16>, tensor<?x?x32xf32>, tensor<?x?x32x128xf32>, tensor<?x32x128x128xf32>) -> (tensor<?x?x32x128xbf16>, tensor<?x32x128x128xf32>)
// CHECK-NEXT: return %o, %final_state
// CHECK-NEXT: }
// CHECK-NEXT: func.func @kimi_linear_mla(%arg0: tensor<?x?x32x192xbf16>, %arg1: tensor<?x?x32x192xbf16>, %arg2: tensor<?x?x32x128xbf16>) -> tensor<?x?x32x128xbf16> {
// CHECK-NEXT: %o = attn.full %arg0, %arg1, %arg2 {causal} : (tensor<?x?x32x192xbf16>, tensor<?x?x32x192xbf16>, tensor<?x?x32x128xbf16>) -> tensor<?x?x32x128xbf16>
// CHECK-NEXT: return %o
// CHECK-NEXT: }
// CHECK-NEXT: }
// expected-remark @+1 {{schedule @kimi_linear: 27 layers -> 2 distinct kernels}}
attn.schedule @kimi_linear attributes {num_layers = 27 : i64} {
  attn.layer_kind @kda = #attn.layer<kind = delta, heads = 32, head_dim = 128, gate = vector, conv = 4>
  attn.layer_kind @mla = #attn.layer<kind = full, heads = 32, head_dim = 192, value_dim = 128, kv_lora_rank = 512>
  attn.layers [@kda, @kda, @kda, @mla] x 6
  attn.layers [@kda, @kda, @mla]
}

// -----

// Qwen3-Next-80B-A3B: 48 layers, 3 Gated DeltaNet (16 query/key heads, 32
// value heads) : 1 full attention (16 heads, 2 KV heads, head dim 256).
// CHECK-LABEL: attn.schedule @qwen3_next
// CHECK-SAME: layer_funcs = [{{((@qwen3_next_gdn, ){3}@qwen3_next_attn, ){11}(@qwen3_next_gdn, ){3}@qwen3_next_attn}}]
// CHECK: func.func @qwen3_next_gdn(%arg0: tensor<?x?x16x128xbf16>, %arg1: tensor<?x?x16x128xbf16>, %arg2: tensor<?x?x32x128xbf16>, %arg3: tensor<?x?x32xf32>, %arg4: tensor<?x?x32xf32>, %arg5: tensor<?x32x128x128xf32>) -> (tensor<?x?x32x128xbf16>, tensor<?x32x128x128xf32>)
// CHECK-NEXT: attn.delta %arg0, %arg1, %arg2, %arg3 gate(%arg4) initial_state(%arg5) {use_qk_l2norm}
// CHECK: func.func @qwen3_next_attn(%arg0: tensor<?x?x16x256xbf16>, %arg1: tensor<?x?x2x256xbf16>, %arg2: tensor<?x?x2x256xbf16>) -> tensor<?x?x16x256xbf16>
// CHECK-NEXT: attn.full %arg0, %arg1, %arg2 {causal}
// expected-remark @+1 {{schedule @qwen3_next: 48 layers -> 2 distinct kernels}}
attn.schedule @qwen3_next attributes {num_layers = 48 : i64} {
  attn.layer_kind @gdn = #attn.layer<kind = delta, heads = 16, value_heads = 32, head_dim = 128, gate = scalar, conv = 4>
  attn.layer_kind @attn = #attn.layer<kind = full, heads = 16, kv_heads = 2, head_dim = 256>
  attn.layers [@gdn, @gdn, @gdn, @attn] x 12
}

// -----

// MiniMax-01: 80 layers, 7 lightning (constant decay, passed as a scalar
// gate [B, T, H]) : 1 softmax (64 heads, 8 KV heads).
// CHECK-LABEL: attn.schedule @minimax_01
// CHECK-SAME: layer_funcs = [{{((@minimax_01_lightning, ){7}@minimax_01_softmax, ){9}(@minimax_01_lightning, ){7}@minimax_01_softmax}}]
// CHECK: func.func @minimax_01_lightning(%arg0: tensor<?x?x64x128xbf16>, %arg1: tensor<?x?x64x128xbf16>, %arg2: tensor<?x?x64x128xbf16>, %arg3: tensor<?x?x64xf32>, %arg4: tensor<?x64x128x128xf32>) -> (tensor<?x?x64x128xbf16>, tensor<?x64x128x128xf32>)
// CHECK-NEXT: attn.linear %arg0, %arg1, %arg2 gate(%arg3) initial_state(%arg4) :
// CHECK: func.func @minimax_01_softmax(%arg0: tensor<?x?x64x128xbf16>, %arg1: tensor<?x?x8x128xbf16>, %arg2: tensor<?x?x8x128xbf16>) -> tensor<?x?x64x128xbf16>
// CHECK-NEXT: attn.full %arg0, %arg1, %arg2 {causal}
// expected-remark @+1 {{schedule @minimax_01: 80 layers -> 2 distinct kernels}}
attn.schedule @minimax_01 attributes {num_layers = 80 : i64} {
  attn.layer_kind @lightning = #attn.layer<kind = linear, heads = 64, head_dim = 128, gate = constant>
  attn.layer_kind @softmax = #attn.layer<kind = full, heads = 64, kv_heads = 8, head_dim = 128>
  attn.layers [@lightning, @lightning, @lightning, @lightning, @lightning, @lightning, @lightning, @softmax] x 10
}

// -----

// Jamba-like: 32 layers, attention at 1-based 5, 13, 21, 29; the Mamba layers
// as scalar-decay linear attention with a 128 x 64 state per head.
// CHECK-LABEL: attn.schedule @jamba_like
// CHECK-SAME: layer_funcs = [{{((@jamba_like_mamba, ){4}@jamba_like_attn, (@jamba_like_mamba, ){3}){3}(@jamba_like_mamba, ){4}@jamba_like_attn, (@jamba_like_mamba, ){2}@jamba_like_mamba}}]
// CHECK: func.func @jamba_like_mamba(%arg0: tensor<?x?x64x128xbf16>, %arg1: tensor<?x?x64x128xbf16>, %arg2: tensor<?x?x64x64xbf16>, %arg3: tensor<?x?x64xf32>, %arg4: tensor<?x64x128x64xf32>) -> (tensor<?x?x64x64xbf16>, tensor<?x64x128x64xf32>)
// CHECK-NEXT: attn.linear %arg0, %arg1, %arg2 gate(%arg3) initial_state(%arg4) :
// CHECK: func.func @jamba_like_attn(%arg0: tensor<?x?x32x128xbf16>, %arg1: tensor<?x?x8x128xbf16>, %arg2: tensor<?x?x8x128xbf16>) -> tensor<?x?x32x128xbf16>
// CHECK-NEXT: attn.full %arg0, %arg1, %arg2 {causal}
// expected-remark @+1 {{schedule @jamba_like: 32 layers -> 2 distinct kernels}}
attn.schedule @jamba_like attributes {num_layers = 32 : i64} {
  attn.layer_kind @mamba = #attn.layer<kind = linear, heads = 64, head_dim = 128, value_dim = 64, gate = scalar, conv = 4>
  attn.layer_kind @attn = #attn.layer<kind = full, heads = 32, kv_heads = 8, head_dim = 128>
  attn.layers [@mamba, @mamba, @mamba, @mamba, @attn, @mamba, @mamba, @mamba] x 4
}

// -----

// Two identically configured kinds share one function, named after the first
// declared (@local_a), although @local_b comes first in the layers; a kind
// no layer uses gets no function.
// CHECK-LABEL: attn.schedule @shared
// CHECK-SAME: layer_funcs = [@shared_local_a, @shared_local_a, @shared_global, @shared_local_a, @shared_local_a, @shared_global]
// CHECK-NEXT: attn.layer_kind @local_a
// CHECK: func.func @shared_local_a(%arg0: tensor<?x?x8x256xbf16>, %arg1: tensor<?x?x4x256xbf16>, %arg2: tensor<?x?x4x256xbf16>) -> tensor<?x?x8x256xbf16>
// CHECK-NEXT: attn.full %arg0, %arg1, %arg2 {causal, window = 4096 : i64}
// CHECK: func.func @shared_global(
// CHECK-NEXT: attn.full %arg0, %arg1, %arg2 {causal} :
// CHECK-NOT: func.func
// expected-remark @+1 {{schedule @shared: 6 layers -> 2 distinct kernels}}
attn.schedule @shared {
  attn.layer_kind @local_a = #attn.layer<kind = full, heads = 8, kv_heads = 4, head_dim = 256, window = 4096>
  attn.layer_kind @local_b = #attn.layer<kind = full, heads = 8, kv_heads = 4, head_dim = 256, window = 4096>
  attn.layer_kind @global = #attn.layer<kind = full, heads = 8, kv_heads = 4, head_dim = 256>
  attn.layer_kind @unused = #attn.layer<kind = delta, heads = 8, head_dim = 64>
  attn.layers [@local_b, @local_a, @global] x 2
}

// -----

// DeepSeek-V3.2 style DSA (MLA in its MQA form: 128 query heads of 576 =
// 512 latent + 64 rope, one shared KV head, values = the 512 latent; top-2048
// tokens picked by a 64-head indexer of dim 128): the layer function and its
// indexer function.
// CHECK-LABEL: attn.schedule @dsa
// CHECK-SAME: layer_funcs = [{{(@dsa_sparse, ){60}@dsa_sparse}}]
// CHECK: func.func @dsa_sparse(%arg0: tensor<?x?x128x576xbf16>, %arg1: tensor<?x?x1x576xbf16>, %arg2: tensor<?x?x1x512xbf16>, %arg3: tensor<?x?x1x2048xi32>) -> tensor<?x?x128x512xbf16> {
// CHECK-NEXT: %[[O:.+]] = attn.sparse %arg0, %arg1, %arg2, %arg3 {causal} : (tensor<?x?x128x576xbf16>, tensor<?x?x1x576xbf16>, tensor<?x?x1x512xbf16>, tensor<?x?x1x2048xi32>) -> tensor<?x?x128x512xbf16>
// CHECK-NEXT: return %[[O]]
// CHECK-NEXT: }
// CHECK-NEXT: func.func @dsa_sparse_indexer(%arg0: tensor<?x?x64x128xbf16>, %arg1: tensor<?x?x128xbf16>, %arg2: tensor<?x?x64xf32>) -> tensor<?x?x2048xi32> {
// CHECK-NEXT: %[[S:.+]] = attn.indexer %arg0, %arg1, %arg2 {causal} : (tensor<?x?x64x128xbf16>, tensor<?x?x128xbf16>, tensor<?x?x64xf32>) -> tensor<?x?x?xf32>
// CHECK-NEXT: %[[I:.+]] = attn.topk %[[S]] {causal, k = 2048 : i64} : (tensor<?x?x?xf32>) -> tensor<?x?x2048xi32>
// CHECK-NEXT: return %[[I]]
// expected-remark @+1 {{schedule @dsa: 61 layers -> 1 distinct kernel}}
attn.schedule @dsa attributes {num_layers = 61 : i64} {
  attn.layer_kind @sparse = #attn.layer<kind = sparse, heads = 128, kv_heads = 1, head_dim = 576, value_dim = 512, topk = 2048, index_heads = 64, index_dim = 128, kv_lora_rank = 512>
  attn.layers [@sparse] x 61
}

// -----

// The other signatures: DeltaNet (no gate), GLA (vector gate), plain linear
// attention (no gate), block-sparse attention (NSA/MoBA-style selection).
// CHECK-LABEL: attn.schedule @variants
// CHECK-SAME: layer_funcs = [@variants_dn, @variants_gla, @variants_plain, @variants_nsa]
// CHECK: func.func @variants_dn(%arg0: tensor<?x?x4x64xbf16>, %arg1: tensor<?x?x4x64xbf16>, %arg2: tensor<?x?x8x64xbf16>, %arg3: tensor<?x?x8xf32>, %arg4: tensor<?x8x64x64xf32>) -> (tensor<?x?x8x64xbf16>, tensor<?x8x64x64xf32>)
// CHECK-NEXT: attn.delta %arg0, %arg1, %arg2, %arg3 initial_state(%arg4) {use_qk_l2norm}
// CHECK: func.func @variants_gla(%arg0: tensor<?x?x4x64xbf16>, %arg1: tensor<?x?x4x64xbf16>, %arg2: tensor<?x?x4x32xbf16>, %arg3: tensor<?x?x4x64xf32>, %arg4: tensor<?x4x64x32xf32>) -> (tensor<?x?x4x32xbf16>, tensor<?x4x64x32xf32>)
// CHECK-NEXT: attn.linear %arg0, %arg1, %arg2 gate(%arg3) initial_state(%arg4) :
// CHECK: func.func @variants_plain(%arg0: tensor<?x?x4x64xbf16>, %arg1: tensor<?x?x4x64xbf16>, %arg2: tensor<?x?x4x64xbf16>, %arg3: tensor<?x4x64x64xf32>) -> (tensor<?x?x4x64xbf16>, tensor<?x4x64x64xf32>)
// CHECK-NEXT: attn.linear %arg0, %arg1, %arg2 initial_state(%arg3) :
// CHECK: func.func @variants_nsa(%arg0: tensor<?x?x8x64xbf16>, %arg1: tensor<?x?x2x64xbf16>, %arg2: tensor<?x?x2x64xbf16>, %arg3: tensor<?x?x2x16xi32>) -> tensor<?x?x8x64xbf16>
// CHECK-NEXT: attn.sparse %arg0, %arg1, %arg2, %arg3 {block_size = 64 : i64, causal}
// CHECK-NOT: func.func @variants_nsa_indexer
// expected-remark @+1 {{schedule @variants: 4 layers -> 4 distinct kernels}}
attn.schedule @variants {
  attn.layer_kind @dn = #attn.layer<kind = delta, heads = 4, value_heads = 8, head_dim = 64>
  attn.layer_kind @gla = #attn.layer<kind = linear, heads = 4, head_dim = 64, value_dim = 32, gate = vector>
  attn.layer_kind @plain = #attn.layer<kind = linear, heads = 4, head_dim = 64>
  attn.layer_kind @nsa = #attn.layer<kind = sparse, heads = 8, kv_heads = 2, head_dim = 64, topk = 16, block_size = 64>
  attn.layers [@dn, @gla, @plain, @nsa]
}

// -----

// Two schedules in one module: each schedule's functions follow it, ahead
// of the ops that came after it.
// CHECK-LABEL: attn.schedule @first
// CHECK: func.func @first_a(
// CHECK: func.func @user(
// CHECK: attn.schedule @second
// CHECK: func.func @second_a(
// expected-remark @+1 {{schedule @first: 2 layers -> 1 distinct kernel}}
attn.schedule @first {
  attn.layer_kind @a = #attn.layer<kind = full, heads = 2, head_dim = 32>
  attn.layers [@a] x 2
}
func.func @user() {
  return
}
// expected-remark @+1 {{schedule @second: 1 layer -> 1 distinct kernel}}
attn.schedule @second {
  attn.layer_kind @a = #attn.layer<kind = delta, heads = 2, head_dim = 32>
  attn.layers [@a]
}

// -----

// A schedule that already has `layer_funcs` is left alone (no remark).
// CHECK-LABEL: attn.schedule @done
// CHECK-SAME: layer_funcs = [@mine, @mine]
// CHECK: func.func @mine(
// CHECK-NOT: func.func
attn.schedule @done attributes {layer_funcs = [@mine, @mine]} {
  attn.layer_kind @a = #attn.layer<kind = full, heads = 2, head_dim = 32>
  attn.layers [@a] x 2
}
func.func @mine() {
  return
}

// -----

// A module without schedules is unchanged.
// CHECK-LABEL: func.func @no_schedule
// CHECK-NEXT: attn.full %arg0, %arg0, %arg0 :
// CHECK-NEXT: return
// CHECK-NEXT: }
// CHECK-NEXT: }
func.func @no_schedule(%x: tensor<1x?x4x64xf32>) -> tensor<1x?x4x64xf32> {
  %0 = attn.full %x, %x, %x
      : (tensor<1x?x4x64xf32>, tensor<1x?x4x64xf32>, tensor<1x?x4x64xf32>) -> tensor<1x?x4x64xf32>
  return %0 : tensor<1x?x4x64xf32>
}

// -----

// A generated name that is already taken is an error at the schedule.
// expected-error @+1 {{'attn.schedule' op cannot create @clash_attn for layer kind @attn (attn-expand-schedule): the symbol already exists}}
attn.schedule @clash {
  attn.layer_kind @attn = #attn.layer<kind = full, heads = 2, head_dim = 32>
  attn.layers [@attn]
}
// expected-note @+1 {{existing symbol @clash_attn}}
func.func private @clash_attn()

// -----

// Two generated names may collide too: the indexer function of @a and the
// layer function of @a_indexer.
// expected-error @+1 {{'attn.schedule' op cannot create @clash2_a_indexer for layer kind @a_indexer (attn-expand-schedule): it is also the name generated for layer kind @a}}
attn.schedule @clash2 {
  attn.layer_kind @a = #attn.layer<kind = sparse, heads = 2, head_dim = 32, topk = 8, index_heads = 2, index_dim = 16>
  attn.layer_kind @a_indexer = #attn.layer<kind = full, heads = 2, head_dim = 32>
  attn.layers [@a, @a_indexer]
}

//--- dtype.mlir

// q/k/v/o follow `dtype`; gates, beta and states stay f32. Running the pass
// twice changes nothing the second time (the remark comes once).
// F16-LABEL: attn.schedule @tiny
// F16: func.func @tiny_d(%arg0: tensor<?x?x2x32xf16>, %arg1: tensor<?x?x2x32xf16>, %arg2: tensor<?x?x2x32xf16>, %arg3: tensor<?x?x2xf32>, %arg4: tensor<?x?x2xf32>, %arg5: tensor<?x2x32x32xf32>) -> (tensor<?x?x2x32xf16>, tensor<?x2x32x32xf32>)
// F32-LABEL: attn.schedule @tiny
// F32: func.func @tiny_d(%arg0: tensor<?x?x2x32xf32>, %arg1: tensor<?x?x2x32xf32>, %arg2: tensor<?x?x2x32xf32>, %arg3: tensor<?x?x2xf32>, %arg4: tensor<?x?x2xf32>, %arg5: tensor<?x2x32x32xf32>) -> (tensor<?x?x2x32xf32>, tensor<?x2x32x32xf32>)
// TWICE-LABEL: attn.schedule @tiny
// TWICE-SAME: layer_funcs = [@tiny_d]
// TWICE-COUNT-1: func.func
// TWICE-NOT: func.func
// expected-remark @+1 {{schedule @tiny: 1 layer -> 1 distinct kernel}}
attn.schedule @tiny {
  attn.layer_kind @d = #attn.layer<kind = delta, heads = 2, head_dim = 32, gate = scalar>
  attn.layers [@d]
}

//--- bad-dtype.mlir

// An unknown dtype is an error at the module; nothing is generated.
// expected-error @+1 {{attn-expand-schedule: unknown dtype 'f64'; expected one of bf16, f16, f32}}
module {
  attn.schedule @tiny {
    attn.layer_kind @d = #attn.layer<kind = delta, heads = 2, head_dim = 32>
    attn.layers [@d]
  }
}
