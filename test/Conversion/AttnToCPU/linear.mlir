// convert-attn-to-cpu on attn.linear. The chunked form walks the sequence in
// chunks of #attn.chunk's size (a shorter tail chunk when C does not divide
// T): chunk-local f32 cumsum of the log decay (b_r = g (r + 1) for a
// constant `decay`), the causal decayed q-k block from exp(b_r - b_i),
// i <= r, the chunk output (q * exp(b)) S + block V, then the state scan.
// The recurrent form updates the state token by token. Missing plans and
// dynamic head dims are errors.
// RUN: split-file %s %t
// RUN: attn-opt %t/lower.mlir --convert-attn-to-cpu | FileCheck %s
// RUN: attn-opt %t/errors.mlir -split-input-file --convert-attn-to-cpu -verify-diagnostics -o /dev/null

//--- lower.mlir

// GLA: per-channel gate, initial and final state, C = 64.
// CHECK-LABEL: func.func @gla_chunked
// CHECK-SAME: (%[[QA:[a-z0-9]+]]: {{.*}}, %[[GA:[a-z0-9]+]]: tensor<2x?x2x16xf32>, %[[SA:[a-z0-9]+]]: tensor<2x2x16x8xf32>)
// Scratch, hoisted to the function entry (last created first): the output
// row, the q-k block, the gate cumsum, staged v, k and q, the K x V state.
// CHECK-NEXT: memref.alloca() : memref<8xf32>
// CHECK-NEXT: %[[P:.*]] = memref.alloca() : memref<64x64xf32>
// CHECK-NEXT: %[[CUM:.*]] = memref.alloca() : memref<64x16xf32>
// CHECK-NEXT: %[[VS:.*]] = memref.alloca() : memref<64x8xf32>
// CHECK-NEXT: %[[KS:.*]] = memref.alloca() : memref<64x16xf32>
// CHECK-NEXT: %[[QS:.*]] = memref.alloca() : memref<64x16xf32>
// CHECK-NEXT: %[[S:.*]] = memref.alloca() : memref<16x8xf32>
// CHECK-DAG: %[[QB:.*]] = bufferization.to_buffer %[[QA]] : tensor<2x?x2x16xf32> to memref<2x?x2x16xf32>
// CHECK-DAG: %[[GB:.*]] = bufferization.to_buffer %[[GA]] : tensor<2x?x2x16xf32> to memref<2x?x2x16xf32>
// CHECK-DAG: %[[S0:.*]] = bufferization.to_buffer %[[SA]] : tensor<2x2x16x8xf32> to memref<2x2x16x8xf32>
// CHECK: %[[T:.*]] = memref.dim %[[QB]], %{{.*}} : memref<2x?x2x16xf32>
// CHECK: %[[O:.*]] = memref.alloc(%[[T]]) : memref<2x?x2x8xf32>
// CHECK: %[[SF:.*]] = memref.alloc() : memref<2x2x16x8xf32>
// CHECK: scf.for %[[B:[a-z0-9_]+]] = %{{.*}} to %{{.*}} step
// CHECK: scf.for %[[H:[a-z0-9_]+]] = %{{.*}} to %{{.*}} step
// CHECK: memref.load %[[S0]][%[[B]], %[[H]], %{{.*}}, %{{.*}}] : memref<2x2x16x8xf32>
// The chunk loop, with the tail chunk's length n = min(C, T - t0).
// CHECK: %[[C64:.*]] = arith.constant 64 : index
// CHECK: scf.for %[[T0:[a-z0-9_]+]] = %{{.*}} to %[[T]] step %[[C64]] {
// CHECK: %[[REST:.*]] = arith.subi %[[T]], %[[T0]] : index
// CHECK: %[[N:.*]] = arith.minsi %{{.*}}, %[[REST]] : index
// q is scaled by 1/sqrt(16) when staged.
// CHECK: arith.constant 2.500000e-01 : f32
// CHECK: memref.store %{{.*}}, %[[QS]]
// The chunk-local log-gate cumsum, one running f32 sum per channel.
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[N]] step %{{.*}} iter_args(%[[SUM:.*]] = %{{.*}}) -> (f32) {
// CHECK: %[[G:.*]] = memref.load %[[GB]][%[[B]], %{{.*}}, %[[H]], %{{.*}}] : memref<2x?x2x16xf32>
// CHECK-NEXT: %[[NEXT:.*]] = arith.addf %[[SUM]], %[[G]] : f32
// CHECK-NEXT: memref.store %[[NEXT]], %[[CUM]]
// The causal q-k block: i runs to r inclusive, exp(b_r - b_i) per channel
// inside the reduction.
// CHECK: scf.for %[[R:[a-z0-9_]+]] = %{{.*}} to %[[N]] step
// CHECK: %[[R1:.*]] = arith.addi %[[R]], %{{.*}} : index
// CHECK: scf.for %[[I:[a-z0-9_]+]] = %{{.*}} to %[[R1]] step
// CHECK: scf.for %[[D:[a-z0-9_]+]] = {{.*}} -> (f32) {
// CHECK: %[[BI:.*]] = memref.load %[[CUM]][%[[I]], %[[D]]]
// CHECK-NEXT: %[[BR:.*]] = memref.load %[[CUM]][%[[R]], %[[D]]]
// CHECK-NEXT: %[[DIFF:.*]] = arith.subf %[[BR]], %[[BI]] : f32
// CHECK-NEXT: math.exp %[[DIFF]] : f32
// CHECK: memref.store %{{.*}}, %[[P]][%[[R]], %[[I]]]
// No triangular solve for linear attention: the output reads V directly.
// CHECK: memref.load %[[S]]
// CHECK: memref.load %[[P]]
// CHECK: memref.load %[[VS]]
// CHECK: memref.store %{{.*}}, %[[O]][%[[B]], %{{.*}}, %[[H]], %{{.*}}] : memref<2x?x2x8xf32>
// The state scan: S <- exp(b_last) S + (k * exp(b_last - b))^T V.
// CHECK: %[[LAST:.*]] = arith.subi %[[N]], %{{.*}} : index
// CHECK: %[[BL:.*]] = memref.load %[[CUM]][%[[LAST]], %{{.*}}]
// CHECK-NEXT: math.exp %[[BL]] : f32
// CHECK: memref.store %{{.*}}, %[[S]]
// CHECK: arith.subf %[[BL]], %{{.*}} : f32
// CHECK-NEXT: math.exp
// CHECK: memref.load %[[VS]]
// CHECK: memref.store %{{.*}}, %[[S]]
// CHECK: memref.store %{{.*}}, %[[SF]][%[[B]], %[[H]], %{{.*}}, %{{.*}}] : memref<2x2x16x8xf32>
// CHECK: %[[OT:.*]] = bufferization.to_tensor %[[O]]
// CHECK: %[[ST:.*]] = bufferization.to_tensor %[[SF]]
// CHECK: return %[[OT]], %[[ST]]
func.func @gla_chunked(%q: tensor<2x?x2x16xf32>, %k: tensor<2x?x2x16xf32>, %v: tensor<2x?x2x8xf32>,
                       %g: tensor<2x?x2x16xf32>, %s0: tensor<2x2x16x8xf32>)
    -> (tensor<2x?x2x8xf32>, tensor<2x2x16x8xf32>) {
  %o, %s = attn.linear %q, %k, %v gate(%g) initial_state(%s0)
      {form = #attn.form<chunked>, chunk = #attn.chunk<size = 64, sub_chunk = 16>}
      : (tensor<2x?x2x16xf32>, tensor<2x?x2x16xf32>, tensor<2x?x2x8xf32>, tensor<2x?x2x16xf32>,
         tensor<2x2x16x8xf32>) -> (tensor<2x?x2x8xf32>, tensor<2x2x16x8xf32>)
  return %o, %s : tensor<2x?x2x8xf32>, tensor<2x2x16x8xf32>
}

// Lightning attention: a constant decay per head, f16, C = 32. Head h picks
// its decay; b_r = g (r + 1) needs no running sum; exp(b_r - b_i) multiplies
// the finished q-k sum; o is narrowed to f16.
// CHECK-LABEL: func.func @lightning_chunked
// CHECK: %[[CUM:.*]] = memref.alloca() : memref<32x1xf32>
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step
// CHECK: scf.for %[[H:[a-z0-9_]+]] = %{{.*}} to %{{.*}} step
// CHECK: %[[C32:.*]] = arith.constant 32 : index
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %[[C32]] {
// CHECK-DAG: %[[G0:.*]] = arith.constant -5.000000e-01 : f32
// CHECK-DAG: %[[G1:.*]] = arith.constant -2.500000e-01 : f32
// CHECK: %[[IS1:.*]] = arith.cmpi eq, %[[H]], %{{.*}} : index
// CHECK: %[[G:.*]] = arith.select %[[IS1]], %[[G1]], %[[G0]] : f32
// CHECK: scf.for %[[R:[a-z0-9_]+]] =
// CHECK: %[[R1:.*]] = arith.addi %[[R]], %{{.*}} : index
// CHECK: arith.index_cast %[[R1]]
// CHECK: %[[RF:.*]] = arith.sitofp
// CHECK: %[[B:.*]] = arith.mulf %[[G]], %[[RF]] : f32
// CHECK: memref.store %[[B]], %[[CUM]][%[[R]], %{{.*}}]
// CHECK: %[[DOT:.*]] = scf.for {{.*}} -> (f32) {
// CHECK-NOT: math.exp
// CHECK: scf.yield
// CHECK: %[[DIFF:.*]] = arith.subf
// CHECK-NEXT: %[[DECAY:.*]] = math.exp %[[DIFF]] : f32
// CHECK-NEXT: arith.mulf %[[DOT]], %[[DECAY]] : f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: memref.store %{{.*}} : memref<1x?x2x8xf16>
func.func @lightning_chunked(%q: tensor<1x?x2x16xf16>, %k: tensor<1x?x2x16xf16>, %v: tensor<1x?x2x8xf16>)
    -> tensor<1x?x2x8xf16> {
  %o = attn.linear %q, %k, %v
      {decay = array<f64: -0.5, -0.25>, form = #attn.form<chunked>, chunk = #attn.chunk<size = 32>}
      : (tensor<1x?x2x16xf16>, tensor<1x?x2x16xf16>, tensor<1x?x2x8xf16>) -> tensor<1x?x2x8xf16>
  return %o : tensor<1x?x2x8xf16>
}

// Simple GLA, recurrent form: per token, S *= exp(g_t) (one exp per token),
// S += k v^T, o = S^T (scale q).
// CHECK-LABEL: func.func @simple_gla_recurrent
// CHECK: %[[S:.*]] = memref.alloca() : memref<16x8xf32>
// CHECK: %[[GB:.*]] = bufferization.to_buffer %{{.*}} : tensor<1x?x2xf32> to memref<1x?x2xf32>
// CHECK: scf.for %[[B:[a-z0-9_]+]] = %{{.*}} to %{{.*}} step
// CHECK: scf.for %[[H:[a-z0-9_]+]] = %{{.*}} to %{{.*}} step
// CHECK: scf.for %[[TOK:[a-z0-9_]+]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK: %[[G:.*]] = memref.load %[[GB]][%[[B]], %[[TOK]], %[[H]]] : memref<1x?x2xf32>
// CHECK-NEXT: %[[A:.*]] = math.exp %[[G]] : f32
// CHECK: arith.mulf %{{.*}}, %[[A]] : f32
// CHECK-NEXT: memref.store %{{.*}}, %[[S]]
// CHECK-NOT: math.exp
// CHECK: memref.store %{{.*}} : memref<1x?x2x8xf32>
// CHECK: return
func.func @simple_gla_recurrent(%q: tensor<1x?x2x16xf32>, %k: tensor<1x?x2x16xf32>, %v: tensor<1x?x2x8xf32>,
                                %g: tensor<1x?x2xf32>) -> tensor<1x?x2x8xf32> {
  %o = attn.linear %q, %k, %v gate(%g) {form = #attn.form<recurrent>}
      : (tensor<1x?x2x16xf32>, tensor<1x?x2x16xf32>, tensor<1x?x2x8xf32>, tensor<1x?x2xf32>) -> tensor<1x?x2x8xf32>
  return %o : tensor<1x?x2x8xf32>
}

// Plain linear attention, recurrent form: no exponentials at all.
// CHECK-LABEL: func.func @plain_recurrent
// CHECK-NOT: math.exp
// CHECK: return
func.func @plain_recurrent(%q: tensor<1x?x2x16xf32>, %k: tensor<1x?x2x16xf32>, %v: tensor<1x?x2x8xf32>)
    -> (tensor<1x?x2x8xf32>, tensor<1x2x16x8xf32>) {
  %o, %s = attn.linear %q, %k, %v {form = #attn.form<recurrent>}
      : (tensor<1x?x2x16xf32>, tensor<1x?x2x16xf32>, tensor<1x?x2x8xf32>) -> (tensor<1x?x2x8xf32>, tensor<1x2x16x8xf32>)
  return %o, %s : tensor<1x?x2x8xf32>, tensor<1x2x16x8xf32>
}

//--- errors.mlir

func.func @no_form(%q: tensor<1x?x2x16xf32>, %k: tensor<1x?x2x16xf32>, %v: tensor<1x?x2x16xf32>)
    -> tensor<1x?x2x16xf32> {
  // expected-error @+1 {{'attn.linear' op has no 'form' plan; run attn-select-form (or the attn-to-cpu pipeline) before convert-attn-to-cpu}}
  %o = attn.linear %q, %k, %v
      : (tensor<1x?x2x16xf32>, tensor<1x?x2x16xf32>, tensor<1x?x2x16xf32>) -> tensor<1x?x2x16xf32>
  return %o : tensor<1x?x2x16xf32>
}

// -----

func.func @no_chunk(%q: tensor<1x?x2x16xf32>, %k: tensor<1x?x2x16xf32>, %v: tensor<1x?x2x16xf32>)
    -> tensor<1x?x2x16xf32> {
  // expected-error @+1 {{'attn.linear' op has 'form = chunked' but no 'chunk' plan; run attn-chunk (or the attn-to-cpu pipeline) before convert-attn-to-cpu}}
  %o = attn.linear %q, %k, %v {decay = array<f64: -0.1>, form = #attn.form<chunked>}
      : (tensor<1x?x2x16xf32>, tensor<1x?x2x16xf32>, tensor<1x?x2x16xf32>) -> tensor<1x?x2x16xf32>
  return %o : tensor<1x?x2x16xf32>
}

// -----

func.func @dynamic_key_dim(%q: tensor<1x?x2x?xf32>, %k: tensor<1x?x2x?xf32>, %v: tensor<1x?x2x16xf32>)
    -> tensor<1x?x2x16xf32> {
  // expected-error @+1 {{needs a static key head dim K to be lowered (kernels are specialised on head dimensions), got 'tensor<1x?x2x?xf32>'}}
  %o = attn.linear %q, %k, %v {form = #attn.form<chunked>, chunk = #attn.chunk<size = 64>}
      : (tensor<1x?x2x?xf32>, tensor<1x?x2x?xf32>, tensor<1x?x2x16xf32>) -> tensor<1x?x2x16xf32>
  return %o : tensor<1x?x2x16xf32>
}

// -----

func.func @dynamic_value_dim(%q: tensor<1x?x2x16xf32>, %k: tensor<1x?x2x16xf32>, %v: tensor<1x?x2x?xf32>)
    -> tensor<1x?x2x?xf32> {
  // expected-error @+1 {{needs a static value head dim V to be lowered (kernels are specialised on head dimensions), got 'tensor<1x?x2x?xf32>'}}
  %o = attn.linear %q, %k, %v {form = #attn.form<recurrent>}
      : (tensor<1x?x2x16xf32>, tensor<1x?x2x16xf32>, tensor<1x?x2x?xf32>) -> tensor<1x?x2x?xf32>
  return %o : tensor<1x?x2x?xf32>
}
