// Every attn op and attribute parses, verifies and prints back; the same IR
// survives the generic form and bytecode-free round trips.
// RUN: attn-opt %s --verify-roundtrip | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC
// RUN: attn-opt %s --mlir-print-op-generic | attn-opt | FileCheck %s
// RUN: attn-opt %s | attn-opt | FileCheck %s

//===----------------------------------------------------------------------===//
// attn.full
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @full_causal_gqa
// CHECK-SAME: (%[[Q:.*]]: tensor<2x?x8x64xbf16>, %[[K:.*]]: tensor<2x?x2x64xbf16>, %[[V:.*]]: tensor<2x?x2x32xbf16>)
// CHECK: %[[O:.*]] = attn.full %[[Q]], %[[K]], %[[V]] {causal}
// CHECK-SAME: -> tensor<2x?x8x32xbf16>
// CHECK: return %[[O]]
// GENERIC: "attn.full"(%{{.*}}, %{{.*}}, %{{.*}}) <{causal}>
func.func @full_causal_gqa(%q: tensor<2x?x8x64xbf16>, %k: tensor<2x?x2x64xbf16>,
                           %v: tensor<2x?x2x32xbf16>) -> tensor<2x?x8x32xbf16> {
  %o = attn.full %q, %k, %v {causal}
      : (tensor<2x?x8x64xbf16>, tensor<2x?x2x64xbf16>, tensor<2x?x2x32xbf16>)
      -> tensor<2x?x8x32xbf16>
  return %o : tensor<2x?x8x32xbf16>
}

// All options: scale, window, soft-cap, log-sum-exp, plan attributes.
// CHECK-LABEL: func.func @full_all_options
// CHECK: %[[O:.*]], %[[LSE:.*]] = attn.full
// CHECK-SAME: causal
// CHECK-SAME: precision = #attn.precision<operands = {pv = bf16, qk = f8E4M3FN}, granularity = block, block = 128, hadamard = true>
// CHECK-SAME: scale = 1.250000e-01 : f64
// CHECK-SAME: softcap = 3.000000e+01 : f64
// CHECK-SAME: tile = #attn.tile<q = 128, kv = 64, stages = 2, warps = 8>
// CHECK-SAME: window = 1024 : i64
// CHECK-SAME: -> (tensor<1x128x16x128xf16>, tensor<1x128x16xf32>)
// CHECK: return %[[O]], %[[LSE]]
func.func @full_all_options(%q: tensor<1x128x16x128xf16>, %k: tensor<1x4096x16x128xf16>,
                            %v: tensor<1x4096x16x128xf16>)
    -> (tensor<1x128x16x128xf16>, tensor<1x128x16xf32>) {
  %o, %lse = attn.full %q, %k, %v {
      causal, scale = 0.125 : f64, window = 1024 : i64, softcap = 30.0 : f64,
      tile = #attn.tile<q = 128, kv = 64, stages = 2, warps = 8>,
      precision = #attn.precision<operands = {qk = f8E4M3FN, pv = bf16},
                                  granularity = block, block = 128, hadamard = true>}
      : (tensor<1x128x16x128xf16>, tensor<1x4096x16x128xf16>, tensor<1x4096x16x128xf16>)
      -> (tensor<1x128x16x128xf16>, tensor<1x128x16xf32>)
  return %o, %lse : tensor<1x128x16x128xf16>, tensor<1x128x16xf32>
}

// Non-causal cross attention (T > S is fine without causal), MQA, FP8 inputs
// with a bf16 output, fully dynamic shapes.
// CHECK-LABEL: func.func @full_noncausal_fp8_dynamic
// CHECK: attn.full %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x?x?x128xf8E4M3FN>, tensor<?x?x1x128xf8E4M3FN>, tensor<?x?x1x128xf8E5M2>) -> tensor<?x?x?x128xbf16>
func.func @full_noncausal_fp8_dynamic(%q: tensor<?x?x?x128xf8E4M3FN>, %k: tensor<?x?x1x128xf8E4M3FN>,
                                      %v: tensor<?x?x1x128xf8E5M2>) -> tensor<?x?x?x128xbf16> {
  %o = attn.full %q, %k, %v
      : (tensor<?x?x?x128xf8E4M3FN>, tensor<?x?x1x128xf8E4M3FN>, tensor<?x?x1x128xf8E5M2>)
      -> tensor<?x?x?x128xbf16>
  return %o : tensor<?x?x?x128xbf16>
}

// CHECK-LABEL: func.func @full_cross_longer_queries
// CHECK: attn.full {{.*}} : (tensor<1x300x4x64xf32>, tensor<1x7x4x64xf32>, tensor<1x7x4x64xf32>) -> tensor<1x300x4x64xf32>
func.func @full_cross_longer_queries(%q: tensor<1x300x4x64xf32>, %k: tensor<1x7x4x64xf32>,
                                     %v: tensor<1x7x4x64xf32>) -> tensor<1x300x4x64xf32> {
  %o = attn.full %q, %k, %v : (tensor<1x300x4x64xf32>, tensor<1x7x4x64xf32>, tensor<1x7x4x64xf32>)
      -> tensor<1x300x4x64xf32>
  return %o : tensor<1x300x4x64xf32>
}

//===----------------------------------------------------------------------===//
// attn.sparse
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @sparse_token_topk
// CHECK: attn.sparse %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {causal, scale = 7.000000e-02 : f64, tile = #attn.tile<q = 64, kv = 64>}
// GENERIC: "attn.sparse"
func.func @sparse_token_topk(%q: tensor<1x?x16x128xbf16>, %k: tensor<1x?x1x128xbf16>,
                             %v: tensor<1x?x1x128xbf16>, %idx: tensor<1x?x1x2048xi32>)
    -> tensor<1x?x16x128xbf16> {
  %o = attn.sparse %q, %k, %v, %idx {causal, scale = 0.07 : f64, tile = #attn.tile<q = 64, kv = 64>}
      : (tensor<1x?x16x128xbf16>, tensor<1x?x1x128xbf16>, tensor<1x?x1x128xbf16>, tensor<1x?x1x2048xi32>)
      -> tensor<1x?x16x128xbf16>
  return %o : tensor<1x?x16x128xbf16>
}

// CHECK-LABEL: func.func @sparse_block
// CHECK: attn.sparse {{.*}} {block_size = 64 : i64, causal, precision = #attn.precision<operands = {qk = bf16}>}
func.func @sparse_block(%q: tensor<2x256x8x64xf16>, %k: tensor<2x256x2x64xf16>,
                        %v: tensor<2x256x2x64xf16>, %idx: tensor<2x256x2x4xi32>)
    -> tensor<2x256x8x64xf16> {
  %o = attn.sparse %q, %k, %v, %idx {causal, block_size = 64 : i64,
                                     precision = #attn.precision<operands = {qk = bf16}>}
      : (tensor<2x256x8x64xf16>, tensor<2x256x2x64xf16>, tensor<2x256x2x64xf16>, tensor<2x256x2x4xi32>)
      -> tensor<2x256x8x64xf16>
  return %o : tensor<2x256x8x64xf16>
}

//===----------------------------------------------------------------------===//
// attn.indexer + attn.topk
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @indexer_topk
// CHECK: %[[S:.*]] = attn.indexer %{{.*}}, %{{.*}}, %{{.*}} {causal, precision = #attn.precision<operands = {qk = f8E4M3FN}, granularity = token>}
// CHECK-SAME: -> tensor<1x?x?xf32>
// CHECK: %[[I:.*]] = attn.topk %[[S]] {causal, k = 2048 : i64} : (tensor<1x?x?xf32>) -> tensor<1x?x2048xi32>
// CHECK: return %[[I]]
// GENERIC: "attn.indexer"
// GENERIC: "attn.topk"
func.func @indexer_topk(%qi: tensor<1x?x64x128xbf16>, %ki: tensor<1x?x128xbf16>,
                        %w: tensor<1x?x64xf32>) -> tensor<1x?x2048xi32> {
  %s = attn.indexer %qi, %ki, %w {causal,
                                  precision = #attn.precision<operands = {qk = f8E4M3FN}, granularity = token>}
      : (tensor<1x?x64x128xbf16>, tensor<1x?x128xbf16>, tensor<1x?x64xf32>) -> tensor<1x?x?xf32>
  %i = attn.topk %s {k = 2048 : i64, causal} : (tensor<1x?x?xf32>) -> tensor<1x?x2048xi32>
  return %i : tensor<1x?x2048xi32>
}

//===----------------------------------------------------------------------===//
// attn.linear
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @linear_plain
// CHECK: attn.linear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<1x?x4x64xf32>, tensor<1x?x4x64xf32>, tensor<1x?x4x32xf32>) -> tensor<1x?x4x32xf32>
func.func @linear_plain(%q: tensor<1x?x4x64xf32>, %k: tensor<1x?x4x64xf32>,
                        %v: tensor<1x?x4x32xf32>) -> tensor<1x?x4x32xf32> {
  %o = attn.linear %q, %k, %v
      : (tensor<1x?x4x64xf32>, tensor<1x?x4x64xf32>, tensor<1x?x4x32xf32>) -> tensor<1x?x4x32xf32>
  return %o : tensor<1x?x4x32xf32>
}

// Scalar gate, initial and final state, chunk plan.
// CHECK-LABEL: func.func @linear_scalar_gate_states
// CHECK: %[[O:.*]], %[[S:.*]] = attn.linear %{{.*}}, %{{.*}}, %{{.*}} gate(%{{.*}}) initial_state(%{{.*}}) {chunk = #attn.chunk<size = 64>, form = #attn.form<chunked>}
// CHECK-SAME: -> (tensor<2x?x4x64xbf16>, tensor<2x4x64x64xf32>)
// GENERIC: "attn.linear"{{.*}}operandSegmentSizes = array<i32: 1, 1, 1, 1, 1>
func.func @linear_scalar_gate_states(%q: tensor<2x?x4x64xbf16>, %k: tensor<2x?x4x64xbf16>,
                                     %v: tensor<2x?x4x64xbf16>, %g: tensor<2x?x4xf32>,
                                     %s0: tensor<2x4x64x64xf32>)
    -> (tensor<2x?x4x64xbf16>, tensor<2x4x64x64xf32>) {
  %o, %s = attn.linear %q, %k, %v gate(%g) initial_state(%s0)
      {form = #attn.form<chunked>, chunk = #attn.chunk<size = 64>}
      : (tensor<2x?x4x64xbf16>, tensor<2x?x4x64xbf16>, tensor<2x?x4x64xbf16>, tensor<2x?x4xf32>,
         tensor<2x4x64x64xf32>) -> (tensor<2x?x4x64xbf16>, tensor<2x4x64x64xf32>)
  return %o, %s : tensor<2x?x4x64xbf16>, tensor<2x4x64x64xf32>
}

// GLA: per-channel gate; final state only.
// CHECK-LABEL: func.func @linear_gla
// CHECK: attn.linear %{{.*}}, %{{.*}}, %{{.*}} gate(%{{.*}}) {form = #attn.form<recurrent>, scale = 1.000000e+00 : f64}
// CHECK-SAME: (tensor<1x37x2x16xf32>, tensor<1x37x2x16xf32>, tensor<1x37x2x16xf32>, tensor<1x37x2x16xf32>) -> (tensor<1x37x2x16xf32>, tensor<1x2x16x16xf32>)
func.func @linear_gla(%q: tensor<1x37x2x16xf32>, %k: tensor<1x37x2x16xf32>,
                      %v: tensor<1x37x2x16xf32>, %g: tensor<1x37x2x16xf32>)
    -> tensor<1x2x16x16xf32> {
  %o, %s = attn.linear %q, %k, %v gate(%g) {form = #attn.form<recurrent>, scale = 1.0 : f64}
      : (tensor<1x37x2x16xf32>, tensor<1x37x2x16xf32>, tensor<1x37x2x16xf32>, tensor<1x37x2x16xf32>)
      -> (tensor<1x37x2x16xf32>, tensor<1x2x16x16xf32>)
  return %s : tensor<1x2x16x16xf32>
}

// Lightning / RetNet: a constant decay per head, and one for all heads.
// CHECK-LABEL: func.func @linear_constant_decay
// CHECK: attn.linear {{.*}} {decay = array<f64: -5.000000e-01, -2.500000e-01, -1.250000e-01, -6.250000e-02>}
// CHECK: attn.linear {{.*}} initial_state(%{{.*}}) {decay = array<f64: -1.000000e-02>}
func.func @linear_constant_decay(%q: tensor<1x?x4x64xf16>, %k: tensor<1x?x4x64xf16>,
                                 %v: tensor<1x?x4x64xf16>, %s0: tensor<1x4x64x64xf32>)
    -> (tensor<1x?x4x64xf16>, tensor<1x?x4x64xf16>) {
  %a = attn.linear %q, %k, %v {decay = array<f64: -0.5, -0.25, -0.125, -0.0625>}
      : (tensor<1x?x4x64xf16>, tensor<1x?x4x64xf16>, tensor<1x?x4x64xf16>) -> tensor<1x?x4x64xf16>
  %b = attn.linear %q, %k, %v initial_state(%s0) {decay = array<f64: -0.01>}
      : (tensor<1x?x4x64xf16>, tensor<1x?x4x64xf16>, tensor<1x?x4x64xf16>, tensor<1x4x64x64xf32>)
      -> tensor<1x?x4x64xf16>
  return %a, %b : tensor<1x?x4x64xf16>, tensor<1x?x4x64xf16>
}

//===----------------------------------------------------------------------===//
// attn.delta
//===----------------------------------------------------------------------===//

// DeltaNet: no gate.
// CHECK-LABEL: func.func @deltanet
// CHECK: attn.delta %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : (tensor<1x?x4x64xf32>, tensor<1x?x4x64xf32>, tensor<1x?x4x64xf32>, tensor<1x?x4xf32>) -> tensor<1x?x4x64xf32>
func.func @deltanet(%q: tensor<1x?x4x64xf32>, %k: tensor<1x?x4x64xf32>, %v: tensor<1x?x4x64xf32>,
                    %beta: tensor<1x?x4xf32>) -> tensor<1x?x4x64xf32> {
  %o = attn.delta %q, %k, %v, %beta
      : (tensor<1x?x4x64xf32>, tensor<1x?x4x64xf32>, tensor<1x?x4x64xf32>, tensor<1x?x4xf32>)
      -> tensor<1x?x4x64xf32>
  return %o : tensor<1x?x4x64xf32>
}

// Gated DeltaNet with GVA (HV = 2 H), q/k L2 norm, initial state, final state.
// CHECK-LABEL: func.func @gated_deltanet_gva
// CHECK: attn.delta %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} gate(%{{.*}}) initial_state(%{{.*}}) {scale = 0.088388347648318447 : f64, use_qk_l2norm}
// CHECK-SAME: -> (tensor<1x?x32x128xbf16>, tensor<1x32x128x128xf32>)
func.func @gated_deltanet_gva(%q: tensor<1x?x16x128xbf16>, %k: tensor<1x?x16x128xbf16>,
                              %v: tensor<1x?x32x128xbf16>, %beta: tensor<1x?x32xbf16>,
                              %g: tensor<1x?x32xf32>, %s0: tensor<1x32x128x128xf32>)
    -> (tensor<1x?x32x128xbf16>, tensor<1x32x128x128xf32>) {
  %o, %s = attn.delta %q, %k, %v, %beta gate(%g) initial_state(%s0)
      {use_qk_l2norm, scale = 0.08838834764831845 : f64}
      : (tensor<1x?x16x128xbf16>, tensor<1x?x16x128xbf16>, tensor<1x?x32x128xbf16>, tensor<1x?x32xbf16>,
         tensor<1x?x32xf32>, tensor<1x32x128x128xf32>)
      -> (tensor<1x?x32x128xbf16>, tensor<1x32x128x128xf32>)
  return %o, %s : tensor<1x?x32x128xbf16>, tensor<1x32x128x128xf32>
}

// KDA: per-channel gate, full plan (form, chunk with sub-chunks, precision).
// CHECK-LABEL: func.func @kda_planned
// CHECK: attn.delta {{.*}} gate(%{{.*}}) {chunk = #attn.chunk<size = 64, sub_chunk = 16>, form = #attn.form<chunked>, precision = #attn.precision<operands = {kk = bf16, qs = bf16, solve = f32}>}
// GENERIC: "attn.delta"{{.*}}operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>
func.func @kda_planned(%q: tensor<2x100x4x64xbf16>, %k: tensor<2x100x4x64xbf16>,
                       %v: tensor<2x100x4x64xbf16>, %beta: tensor<2x100x4xf32>,
                       %g: tensor<2x100x4x64xf32>) -> tensor<2x100x4x64xbf16> {
  %o = attn.delta %q, %k, %v, %beta gate(%g)
      {form = #attn.form<chunked>, chunk = #attn.chunk<size = 64, sub_chunk = 16>,
       precision = #attn.precision<operands = {kk = bf16, qs = bf16, solve = f32}>}
      : (tensor<2x100x4x64xbf16>, tensor<2x100x4x64xbf16>, tensor<2x100x4x64xbf16>, tensor<2x100x4xf32>,
         tensor<2x100x4x64xf32>) -> tensor<2x100x4x64xbf16>
  return %o : tensor<2x100x4x64xbf16>
}

// Decode step: T = 1, recurrent form, state in and out.
// CHECK-LABEL: func.func @kda_decode_step
// CHECK: attn.delta {{.*}} {form = #attn.form<recurrent>}
// CHECK-SAME: (tensor<256x1x32x128xbf16>
func.func @kda_decode_step(%q: tensor<256x1x32x128xbf16>, %k: tensor<256x1x32x128xbf16>,
                           %v: tensor<256x1x32x128xbf16>, %beta: tensor<256x1x32xf32>,
                           %g: tensor<256x1x32x128xf32>, %s0: tensor<256x32x128x128xf32>)
    -> (tensor<256x1x32x128xbf16>, tensor<256x32x128x128xf32>) {
  %o, %s = attn.delta %q, %k, %v, %beta gate(%g) initial_state(%s0) {form = #attn.form<recurrent>}
      : (tensor<256x1x32x128xbf16>, tensor<256x1x32x128xbf16>, tensor<256x1x32x128xbf16>,
         tensor<256x1x32xf32>, tensor<256x1x32x128xf32>, tensor<256x32x128x128xf32>)
      -> (tensor<256x1x32x128xbf16>, tensor<256x32x128x128xf32>)
  return %o, %s : tensor<256x1x32x128xbf16>, tensor<256x32x128x128xf32>
}

//===----------------------------------------------------------------------===//
// attn.schedule and #attn.layer
//===----------------------------------------------------------------------===//

// CHECK-LABEL: attn.schedule @every_kind attributes {num_layers = 7 : i64} {
// CHECK-NEXT: attn.layer_kind @full = #attn.layer<kind = full, heads = 8, kv_heads = 2, head_dim = 128, window = 4096>
// CHECK-NEXT: attn.layer_kind @dsa = #attn.layer<kind = sparse, heads = 128, kv_heads = 1, head_dim = 192, value_dim = 128, topk = 2048, index_heads = 64, index_dim = 128, kv_lora_rank = 512>
// CHECK-NEXT: attn.layer_kind @nsa = #attn.layer<kind = sparse, heads = 64, kv_heads = 4, head_dim = 128, topk = 16, block_size = 64>
// CHECK-NEXT: attn.layer_kind @gla = #attn.layer<kind = linear, heads = 4, head_dim = 64, gate = vector>
// CHECK-NEXT: attn.layer_kind @lightning = #attn.layer<kind = linear, heads = 64, head_dim = 128, gate = constant>
// CHECK-NEXT: attn.layer_kind @deltanet = #attn.layer<kind = delta, heads = 4, head_dim = 64>
// CHECK-NEXT: attn.layers [@full, @dsa, @nsa, @gla, @lightning]
// CHECK-NEXT: attn.layers [@deltanet] x 2
// GENERIC: "attn.schedule"() <{num_layers = 7 : i64, sym_name = "every_kind"}> ({
// GENERIC: "attn.layer_kind"() <{config = #attn.layer<kind = full
// GENERIC: "attn.layers"() <{pattern = [@full, @dsa, @nsa, @gla, @lightning], repeat = 1 : i64}>
attn.schedule @every_kind attributes {num_layers = 7 : i64} {
  attn.layer_kind @full = #attn.layer<kind = full, heads = 8, kv_heads = 2, head_dim = 128, window = 4096>
  attn.layer_kind @dsa = #attn.layer<kind = sparse, heads = 128, kv_heads = 1, head_dim = 192,
                                     value_dim = 128, topk = 2048, index_heads = 64, index_dim = 128,
                                     kv_lora_rank = 512>
  attn.layer_kind @nsa = #attn.layer<kind = sparse, heads = 64, kv_heads = 4, head_dim = 128, topk = 16, block_size = 64>
  attn.layer_kind @gla = #attn.layer<kind = linear, heads = 4, head_dim = 64, gate = vector>
  attn.layer_kind @lightning = #attn.layer<kind = linear, heads = 64, head_dim = 128, gate = constant>
  attn.layer_kind @deltanet = #attn.layer<kind = delta, heads = 4, head_dim = 64>
  attn.layers [@full, @dsa, @nsa, @gla, @lightning]
  attn.layers [@deltanet] x 2
}

// Defaults are elided when printed: kv_heads = heads, value_dim = head_dim,
// gate = none, repeat = 1; a schedule without num_layers is fine.
// CHECK-LABEL: attn.schedule @defaults {
// CHECK-NEXT: attn.layer_kind @a = #attn.layer<kind = full, heads = 4, head_dim = 64>
// CHECK-NEXT: attn.layers [@a]{{$}}
attn.schedule @defaults {
  attn.layer_kind @a = #attn.layer<kind = full, heads = 4, kv_heads = 0, head_dim = 64, gate = none>
  attn.layers [@a] x 1
}
