// convert-attn-to-cpu on attn.linear. The chunked form walks the sequence in
// chunks of #attn.chunk's size (a shorter tail chunk when C does not divide
// T): chunk-local f64 cumsum of the log decay (b_r = g (r + 1) for a
// constant `decay`), the causal decayed q-k block from exp(b_r - b_i),
// i <= r, the chunk output (q * exp(b)) S + block V, then the state scan.
// With a per-channel gate (GLA) and sub_chunk = s, the q-k block is built
// per sub-chunk of s rows: pairs in one sub-chunk directly, pairs across
// sub-chunks through ref = the row before r's sub-chunk, as dot products of
// q~ rows (q_r exp(b_r - b_ref)) with k~ rows (k_i exp(b_ref - b_i)). The
// recurrent form updates the state token by token. Missing plans and
// dynamic head dims are errors.
// RUN: split-file %s %t
// RUN: attn-opt %t/lower.mlir --convert-attn-to-cpu | FileCheck %s
// RUN: attn-opt %t/errors.mlir -split-input-file --convert-attn-to-cpu -verify-diagnostics -o /dev/null

//--- lower.mlir

// GLA: per-channel gate, initial and final state, C = 64 in sub-chunks of 16.
// CHECK-LABEL: func.func @gla_chunked
// CHECK-SAME: (%[[QA:[a-z0-9]+]]: {{.*}}, %[[GA:[a-z0-9]+]]: tensor<2x?x2x16xf32>, %[[SA:[a-z0-9]+]]: tensor<2x2x16x8xf32>)
// Scratch, hoisted to the function entry (last created first): the rebased
// q~ rows of one sub-chunk and k~ rows before it (at most C - s), the output
// row, the q-k block, the gate cumsum, staged v, k and q, the K x V state.
// CHECK-NEXT: %[[QT:.*]] = memref.alloca() : memref<16x16xf32>
// CHECK-NEXT: %[[YT:.*]] = memref.alloca() : memref<48x16xf32>
// CHECK-NEXT: memref.alloca() : memref<8xf32>
// CHECK-NEXT: %[[P:.*]] = memref.alloca() : memref<64x64xf32>
// CHECK-NEXT: %[[CUM:.*]] = memref.alloca() : memref<64x16xf64>
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
// The chunk-local log-gate cumsum, one running f64 sum per channel.
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[N]] step %{{.*}} iter_args(%[[SUM:.*]] = %{{.*}}) -> (f64) {
// CHECK: %[[G:.*]] = memref.load %[[GB]][%[[B]], %{{.*}}, %[[H]], %{{.*}}] : memref<2x?x2x16xf32>
// CHECK-NEXT: %[[FLOOR0:.*]] = arith.constant -2.000000e+02 : f32
// CHECK-NEXT: %[[GF:.*]] = arith.maximumf %[[G]], %[[FLOOR0]] : f32
// CHECK-NEXT: %[[GFW:.*]] = arith.extf %[[GF]] : f32 to f64
// CHECK-NEXT: %[[NEXT:.*]] = arith.addf %[[SUM]], %[[GFW]] : f64
// CHECK-NEXT: memref.store %[[NEXT]], %[[CUM]]
// The causal q-k block, first the pairs inside each sub-chunk [p, end) of
// 16 rows (the tail one shorter): i runs from p to r inclusive, one direct
// exp(b_r - b_i) per channel inside the reduction.
// CHECK: scf.for %[[SP:[a-z0-9_]+]] = %{{.*}} to %[[N]] step %[[SUB:[a-z0-9_]+]] {
// CHECK-NEXT: %[[SPN:.*]] = arith.addi %[[SP]], %[[SUB]] : index
// CHECK-NEXT: %[[END:.*]] = arith.minsi %[[SPN]], %[[N]] : index
// CHECK: scf.for %[[R:[a-z0-9_]+]] = %[[SP]] to %[[END]] step
// CHECK: %[[R1:.*]] = arith.addi %[[R]], %{{.*}} : index
// CHECK: scf.for %[[I:[a-z0-9_]+]] = %[[SP]] to %[[R1]] step
// CHECK: scf.for %[[D:[a-z0-9_]+]] = {{.*}} -> (f32) {
// CHECK: %[[BR:.*]] = memref.load %[[CUM]][%[[R]], %[[D]]]
// CHECK-NEXT: %[[BI:.*]] = memref.load %[[CUM]][%[[I]], %[[D]]]
// CHECK-NEXT: %[[DIFFW:.*]] = arith.subf %[[BR]], %[[BI]] : f64
// CHECK-NEXT: %[[DIFF:.*]] = arith.truncf %[[DIFFW]] : f64 to f32
// CHECK-NEXT: math.exp %[[DIFF]] : f32
// CHECK: memref.store %{{.*}}, %[[P]][%[[R]], %[[I]]]
// Then the pairs across sub-chunks, for each later sub-chunk p with
// ref = p - 1: k~_i = k_i exp(b_ref - b_i) for every earlier row i < p,
// q~_r = q_r exp(b_r - b_ref) for the sub-chunk's rows (both exponents
// <= 0), and the block for i < p as exp-free dot products q~_r . k~_i.
// CHECK: scf.for %[[SP2:[a-z0-9_]+]] = %[[SUB]] to %[[N]] step %[[SUB]] {
// CHECK: %[[END2:.*]] = arith.minsi %{{.*}}, %[[N]] : index
// CHECK-NEXT: %[[REF:.*]] = arith.subi %[[SP2]], %{{.*}} : index
// CHECK: scf.for %[[I2:[a-z0-9_]+]] = %{{.*}} to %[[SP2]] step
// CHECK: scf.for %[[D2:[a-z0-9_]+]] =
// CHECK-NEXT: %[[BREF:.*]] = memref.load %[[CUM]][%[[REF]], %[[D2]]]
// CHECK-NEXT: %[[BI2:.*]] = memref.load %[[CUM]][%[[I2]], %[[D2]]]
// CHECK-NEXT: %[[E1W:.*]] = arith.subf %[[BREF]], %[[BI2]] : f64
// CHECK-NEXT: %[[E1:.*]] = arith.truncf %[[E1W]] : f64 to f32
// CHECK-NEXT: %[[F1:.*]] = math.exp %[[E1]] : f32
// CHECK-NEXT: %[[KI:.*]] = memref.load %[[KS]][%[[I2]], %[[D2]]]
// CHECK-NEXT: %[[KIT:.*]] = arith.mulf %[[KI]], %[[F1]] : f32
// CHECK-NEXT: memref.store %[[KIT]], %[[YT]][%[[I2]], %[[D2]]]
// CHECK: scf.for %[[R3:[a-z0-9_]+]] = %[[SP2]] to %[[END2]] step
// CHECK-NEXT: %[[ROW3:.*]] = arith.subi %[[R3]], %[[SP2]] : index
// CHECK: scf.for %[[D3:[a-z0-9_]+]] =
// CHECK-NEXT: %[[BR3:.*]] = memref.load %[[CUM]][%[[R3]], %[[D3]]]
// CHECK-NEXT: %[[BREF3:.*]] = memref.load %[[CUM]][%[[REF]], %[[D3]]]
// CHECK-NEXT: %[[E2W:.*]] = arith.subf %[[BR3]], %[[BREF3]] : f64
// CHECK-NEXT: %[[E2:.*]] = arith.truncf %[[E2W]] : f64 to f32
// CHECK-NEXT: %[[F2:.*]] = math.exp %[[E2]] : f32
// CHECK-NEXT: %[[QR:.*]] = memref.load %[[QS]][%[[R3]], %[[D3]]]
// CHECK-NEXT: %[[QRT:.*]] = arith.mulf %[[QR]], %[[F2]] : f32
// CHECK-NEXT: memref.store %[[QRT]], %[[QT]][%[[ROW3]], %[[D3]]]
// CHECK: scf.for %[[R4:[a-z0-9_]+]] = %[[SP2]] to %[[END2]] step
// CHECK-NEXT: %[[ROW4:.*]] = arith.subi %[[R4]], %[[SP2]] : index
// CHECK: scf.for %[[I4:[a-z0-9_]+]] = %{{.*}} to %[[SP2]] step
// CHECK: %[[DOT:.*]] = scf.for {{.*}} -> (f32) {
// CHECK-NEXT: %[[YI:.*]] = memref.load %[[YT]][%[[I4]], %{{.*}}]
// CHECK-NEXT: %[[QX:.*]] = memref.load %[[QT]][%[[ROW4]], %{{.*}}]
// CHECK-NEXT: arith.mulf %[[QX]], %[[YI]] : f32
// CHECK-NEXT: arith.addf {{.*}} fastmath<reassoc,contract> : f32
// CHECK-NEXT: scf.yield
// CHECK-NEXT: }
// CHECK-NEXT: memref.store %[[DOT]], %[[P]][%[[R4]], %[[I4]]]
// No triangular solve for linear attention: the output reads V directly.
// CHECK: memref.load %[[S]]
// CHECK: memref.load %[[P]]
// CHECK: memref.load %[[VS]]
// CHECK: memref.store %{{.*}}, %[[O]][%[[B]], %{{.*}}, %[[H]], %{{.*}}] : memref<2x?x2x8xf32>
// The state scan: S <- exp(b_last) S + (k * exp(b_last - b))^T V.
// CHECK: %[[LAST:.*]] = arith.subi %[[N]], %{{.*}} : index
// CHECK: %[[BL:.*]] = memref.load %[[CUM]][%[[LAST]], %{{.*}}]
// CHECK-NEXT: %[[BLF:.*]] = arith.truncf %[[BL]] : f64 to f32
// CHECK-NEXT: math.exp %[[BLF]] : f32
// CHECK: memref.store %{{.*}}, %[[S]]
// CHECK: arith.subf %{{.*}}, %{{.*}} : f64
// CHECK-NEXT: arith.truncf %{{.*}} : f64 to f32
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

// GLA without a sub-chunk plan: the direct form, every pair (r, i <= r) of
// the chunk with its own exp(b_r - b_i), no rebased rows.
// CHECK-LABEL: func.func @gla_direct
// CHECK-NEXT: memref.alloca() : memref<8xf32>
// CHECK-NEXT: %[[P:.*]] = memref.alloca() : memref<32x32xf32>
// CHECK-NEXT: %[[CUM:.*]] = memref.alloca() : memref<32x16xf64>
// CHECK: -> (f64) {
// CHECK: memref.store %{{.*}}, %[[CUM]]
// CHECK: scf.for %[[R:[a-z0-9_]+]] = %[[LO:[a-z0-9_]+]] to %[[N:[a-z0-9_]+]] step %{{.*}} {
// CHECK-NEXT: %[[R1:.*]] = arith.addi %[[R]], %{{.*}} : index
// CHECK: scf.for %[[I:[a-z0-9_]+]] = %[[LO]] to %[[R1]] step
// CHECK: -> (f32) {
// CHECK: %[[BR:.*]] = memref.load %[[CUM]][%[[R]], %{{.*}}]
// CHECK-NEXT: %[[BI:.*]] = memref.load %[[CUM]][%[[I]], %{{.*}}]
// CHECK-NEXT: %[[DIFFW:.*]] = arith.subf %[[BR]], %[[BI]] : f64
// CHECK-NEXT: %[[DIFF:.*]] = arith.truncf %[[DIFFW]] : f64 to f32
// CHECK-NEXT: math.exp %[[DIFF]] : f32
// CHECK-NOT: scf.for %{{.*}} = %{{.*}} to %[[N]] step
// CHECK: memref.store %{{.*}}, %[[P]][%[[R]], %[[I]]]
// CHECK: return
func.func @gla_direct(%q: tensor<1x?x1x16xf32>, %k: tensor<1x?x1x16xf32>, %v: tensor<1x?x1x8xf32>,
                      %g: tensor<1x?x1x16xf32>) -> tensor<1x?x1x8xf32> {
  %o = attn.linear %q, %k, %v gate(%g) {form = #attn.form<chunked>, chunk = #attn.chunk<size = 32>}
      : (tensor<1x?x1x16xf32>, tensor<1x?x1x16xf32>, tensor<1x?x1x8xf32>, tensor<1x?x1x16xf32>)
      -> tensor<1x?x1x8xf32>
  return %o : tensor<1x?x1x8xf32>
}

// Lightning attention: a constant decay per head, f16, C = 32. Head h picks
// its decay; b_r = g (r + 1) needs no running sum; exp(b_r - b_i) multiplies
// the finished q-k sum; o is narrowed to f16.
// CHECK-LABEL: func.func @lightning_chunked
// CHECK: %[[CUM:.*]] = memref.alloca() : memref<32x1xf64>
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
// CHECK-NEXT: %[[BW:.*]] = arith.extf %[[B]] : f32 to f64
// CHECK-NEXT: memref.store %[[BW]], %[[CUM]][%[[R]], %{{.*}}]
// CHECK: %[[DOT:.*]] = scf.for {{.*}} -> (f32) {
// CHECK-NOT: math.exp
// CHECK: scf.yield
// CHECK: %[[DIFFW:.*]] = arith.subf {{.*}} : f64
// CHECK-NEXT: %[[DIFF:.*]] = arith.truncf %[[DIFFW]] : f64 to f32
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
// CHECK-NEXT: %[[FLOOR1:.*]] = arith.constant -2.000000e+02 : f32
// CHECK-NEXT: %[[GF:.*]] = arith.maximumf %[[G]], %[[FLOOR1]] : f32
// CHECK-NEXT: %[[A:.*]] = math.exp %[[GF]] : f32
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
