// convert-attn-to-cpu on attn.delta. The chunked form walks the sequence in
// chunks of #attn.chunk's size (a shorter tail chunk when C does not divide
// T): chunk-local f32 cumsum of the log gate, the strict k-k block A (scaled
// by beta) and the causal q-k block formed together from one pairwise decay
// exp(b_r - b_i), i <= r, forward substitution for U and Wk, W = U - Wk S,
// the chunk output, then the state scan. The recurrent form updates the
// state token by token. Scratch buffers have static shapes (C, K, V).
// Missing plans and dynamic head dims are errors.
// RUN: split-file %s %t
// RUN: attn-opt %t/lower.mlir --convert-attn-to-cpu | FileCheck %s
// RUN: attn-opt %t/errors.mlir -split-input-file --convert-attn-to-cpu -verify-diagnostics -o /dev/null

//--- lower.mlir

// KDA: per-channel gate, GVA (value head hv reads q/k head hv / 2), in-kernel
// L2 norm, initial and final state, C = 64.
// CHECK-LABEL: func.func @kda_chunked
// Scratch, hoisted to the function entry (last created first): the output
// row, Wk, U (then W), the q-k block, A, the gate cumsum, beta, staged k and
// q, the K x V state.
// CHECK-NEXT: memref.alloca() : memref<8xf32>
// CHECK-NEXT: %[[WK:.*]] = memref.alloca() : memref<64x16xf32>
// CHECK-NEXT: %[[U:.*]] = memref.alloca() : memref<64x8xf32>
// CHECK-NEXT: %[[P:.*]] = memref.alloca() : memref<64x64xf32>
// CHECK-NEXT: %[[A:.*]] = memref.alloca() : memref<64x64xf32>
// CHECK-NEXT: %[[CUM:.*]] = memref.alloca() : memref<64x16xf32>
// CHECK-NEXT: %[[BETA:.*]] = memref.alloca() : memref<64xf32>
// CHECK-NEXT: %[[KS:.*]] = memref.alloca() : memref<64x16xf32>
// CHECK-NEXT: %[[QS:.*]] = memref.alloca() : memref<64x16xf32>
// CHECK-NEXT: %[[S:.*]] = memref.alloca() : memref<16x8xf32>
// CHECK-DAG: %[[QB:.*]] = bufferization.to_buffer %arg0 : tensor<2x?x2x16xf32> to memref<2x?x2x16xf32>
// CHECK-DAG: %[[GB:.*]] = bufferization.to_buffer %{{.*}} : tensor<2x?x4x16xf32> to memref<2x?x4x16xf32>
// CHECK-DAG: %[[S0:.*]] = bufferization.to_buffer %{{.*}} : tensor<2x4x16x8xf32> to memref<2x4x16x8xf32>
// CHECK: %[[T:.*]] = memref.dim %[[QB]], %{{.*}} : memref<2x?x2x16xf32>
// CHECK: %[[O:.*]] = memref.alloc(%[[T]]) : memref<2x?x4x8xf32>
// CHECK: %[[SF:.*]] = memref.alloc() : memref<2x4x16x8xf32>
// CHECK: scf.for %[[B:[a-z0-9_]+]] = %{{.*}} to %{{.*}} step
// CHECK: scf.for %[[HV:[a-z0-9_]+]] = %{{.*}} to %{{.*}} step
// CHECK: %[[H:.*]] = arith.divsi %[[HV]], %{{.*}} : index
// The initial state is copied in.
// CHECK: memref.load %[[S0]][%[[B]], %[[HV]], %{{.*}}, %{{.*}}] : memref<2x4x16x8xf32>
// The chunk loop, with the tail chunk's length n = min(C, T - t0).
// CHECK: %[[C64:.*]] = arith.constant 64 : index
// CHECK: scf.for %[[T0:[a-z0-9_]+]] = %{{.*}} to %[[T]] step %[[C64]] {
// CHECK: %[[REST:.*]] = arith.subi %[[T]], %[[T0]] : index
// CHECK: %[[N:.*]] = arith.minsi %{{.*}}, %[[REST]] : index
// q is L2-normalised (eps 1e-6) and scaled by 1/sqrt(16).
// CHECK: memref.load %[[QB]][%[[B]], %{{.*}}, %[[H]], %{{.*}}]
// CHECK: arith.constant 9.99999997E-7 : f32
// CHECK: math.sqrt
// CHECK: memref.store %{{.*}}, %[[QS]]
// The chunk-local log-gate cumsum, one running f32 sum per channel.
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[N]] step %{{.*}} iter_args(%[[SUM:.*]] = %{{.*}}) -> (f32) {
// CHECK: %[[G:.*]] = memref.load %[[GB]][%[[B]], %{{.*}}, %[[HV]], %{{.*}}] : memref<2x?x4x16xf32>
// CHECK-NEXT: %[[NEXT:.*]] = arith.addf %[[SUM]], %[[G]] : f32
// CHECK-NEXT: memref.store %[[NEXT]], %[[CUM]]
// A and the q-k block over the lower triangle, one exp(b_r - b_i) per channel.
// CHECK: scf.for %[[R:[a-z0-9_]+]] = %{{.*}} to %[[N]] step
// CHECK: scf.for %[[I:[a-z0-9_]+]] = %{{.*}} to %{{.*}} step
// CHECK: scf.for %[[D:[a-z0-9_]+]] = {{.*}} -> (f32, f32) {
// CHECK: %[[BI:.*]] = memref.load %[[CUM]][%[[I]], %[[D]]]
// CHECK-NEXT: %[[BR:.*]] = memref.load %[[CUM]][%[[R]], %[[D]]]
// CHECK-NEXT: %[[DIFF:.*]] = arith.subf %[[BR]], %[[BI]] : f32
// CHECK-NEXT: math.exp %[[DIFF]] : f32
// CHECK: %[[STRICT:.*]] = arith.cmpi slt, %[[I]], %[[R]] : index
// CHECK-NEXT: scf.if %[[STRICT]] {
// CHECK-NEXT: memref.load %[[BETA]][%[[R]]]
// CHECK: memref.store %{{.*}}, %[[A]][%[[R]], %[[I]]]
// CHECK: memref.store %{{.*}}, %[[P]][%[[R]], %[[I]]]
// Forward substitution: row r of U and Wk subtracts A[r][i] times rows i < r.
// CHECK: scf.for %[[R2:[a-z0-9_]+]] = %{{.*}} to %[[N]] step
// CHECK: memref.store %{{.*}}, %[[U]][%[[R2]], %{{.*}}]
// CHECK: math.exp
// CHECK: memref.store %{{.*}}, %[[WK]][%[[R2]], %{{.*}}]
// CHECK: scf.for %[[I2:[a-z0-9_]+]] = %{{.*}} to %[[R2]] step
// CHECK-NEXT: %[[AR:.*]] = memref.load %[[A]][%[[R2]], %[[I2]]]
// CHECK: arith.mulf %[[AR]], %{{.*}} : f32
// CHECK-NEXT: memref.load %[[U]][%[[R2]], %{{.*}}]
// CHECK-NEXT: arith.subf
// W = U - Wk S against the entering state.
// CHECK: memref.load %[[WK]]
// CHECK: memref.load %[[S]]
// CHECK: memref.store %{{.*}}, %[[U]]
// The output: (q * exp(b)) S plus the causal q-k block times W, stored to o.
// CHECK: memref.load %[[P]]
// CHECK: memref.store %{{.*}}, %[[O]][%[[B]], %{{.*}}, %[[HV]], %{{.*}}] : memref<2x?x4x8xf32>
// The state scan: S <- exp(b_last) S + (k * exp(b_last - b))^T W.
// CHECK: %[[LAST:.*]] = arith.subi %[[N]], %{{.*}} : index
// CHECK: %[[BL:.*]] = memref.load %[[CUM]][%[[LAST]], %{{.*}}]
// CHECK-NEXT: math.exp %[[BL]] : f32
// CHECK: memref.store %{{.*}}, %[[S]]
// CHECK: arith.subf %[[BL]], %{{.*}} : f32
// CHECK-NEXT: math.exp
// CHECK: memref.load %[[U]]
// CHECK: memref.store %{{.*}}, %[[S]]
// After the last chunk the state becomes the final state.
// CHECK: memref.store %{{.*}}, %[[SF]][%[[B]], %[[HV]], %{{.*}}, %{{.*}}] : memref<2x4x16x8xf32>
// CHECK: %[[OT:.*]] = bufferization.to_tensor %[[O]]
// CHECK: %[[ST:.*]] = bufferization.to_tensor %[[SF]]
// CHECK: return %[[OT]], %[[ST]]
func.func @kda_chunked(%q: tensor<2x?x2x16xf32>, %k: tensor<2x?x2x16xf32>, %v: tensor<2x?x4x8xf32>,
                       %beta: tensor<2x?x4xf32>, %g: tensor<2x?x4x16xf32>, %s0: tensor<2x4x16x8xf32>)
    -> (tensor<2x?x4x8xf32>, tensor<2x4x16x8xf32>) {
  %o, %s = attn.delta %q, %k, %v, %beta gate(%g) initial_state(%s0)
      {use_qk_l2norm, form = #attn.form<chunked>, chunk = #attn.chunk<size = 64, sub_chunk = 16>}
      : (tensor<2x?x2x16xf32>, tensor<2x?x2x16xf32>, tensor<2x?x4x8xf32>, tensor<2x?x4xf32>,
         tensor<2x?x4x16xf32>, tensor<2x4x16x8xf32>) -> (tensor<2x?x4x8xf32>, tensor<2x4x16x8xf32>)
  return %o, %s : tensor<2x?x4x8xf32>, tensor<2x4x16x8xf32>
}

// Gated DeltaNet in bf16, C = 32: the cumsum has one column, the decay
// exp(b_r - b_i) multiplies the finished k-k / q-k sums, the state starts at
// zero and o is narrowed to bf16 on store.
// CHECK-LABEL: func.func @gdn_chunked_bf16
// CHECK: %[[CUM:.*]] = memref.alloca() : memref<32x1xf32>
// CHECK: %[[S:.*]] = memref.alloca() : memref<16x8xf32>
// CHECK: memref.store %{{.*}}, %[[S]]
// CHECK: %[[C32:.*]] = arith.constant 32 : index
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %[[C32]] {
// CHECK: %[[SUMS:.*]]:2 = scf.for {{.*}} -> (f32, f32) {
// CHECK-NOT: math.exp
// CHECK: scf.yield
// CHECK: %[[DIFF:.*]] = arith.subf
// CHECK-NEXT: %[[DECAY:.*]] = math.exp %[[DIFF]] : f32
// CHECK: arith.mulf %[[SUMS]]#1, %[[DECAY]] : f32
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: memref.store %{{.*}} : memref<2x?x2x8xbf16>
func.func @gdn_chunked_bf16(%q: tensor<2x?x2x16xbf16>, %k: tensor<2x?x2x16xbf16>, %v: tensor<2x?x2x8xbf16>,
                            %beta: tensor<2x?x2xbf16>, %g: tensor<2x?x2xf32>) -> tensor<2x?x2x8xbf16> {
  %o = attn.delta %q, %k, %v, %beta gate(%g) {form = #attn.form<chunked>, chunk = #attn.chunk<size = 32>}
      : (tensor<2x?x2x16xbf16>, tensor<2x?x2x16xbf16>, tensor<2x?x2x8xbf16>, tensor<2x?x2xbf16>,
         tensor<2x?x2xf32>) -> tensor<2x?x2x8xbf16>
  return %o : tensor<2x?x2x8xbf16>
}

// DeltaNet, recurrent form: one token at a time, no exponentials at all.
// CHECK-LABEL: func.func @deltanet_recurrent
// CHECK: %[[S:.*]] = memref.alloca() : memref<16x8xf32>
// CHECK: %[[T:.*]] = arith.constant 5 : index
// CHECK-NOT: math.exp
// CHECK: scf.for %[[TOK:[a-z0-9_]+]] = %{{.*}} to %[[T]] step %{{.*}} {
// The residual v - S^T k, then S += (beta k) (v - S^T k)^T, then o = S^T q.
// CHECK: memref.load %[[S]]
// CHECK: arith.subf
// CHECK: memref.load %{{.*}}[%{{.*}}, %[[TOK]], %{{.*}}] : memref<1x5x2xf32>
// CHECK: memref.store %{{.*}}, %[[S]]
// CHECK: memref.store %{{.*}} : memref<1x5x2x8xf32>
// CHECK-NOT: math.exp
// CHECK: return
func.func @deltanet_recurrent(%q: tensor<1x5x1x16xf32>, %k: tensor<1x5x1x16xf32>, %v: tensor<1x5x2x8xf32>,
                              %beta: tensor<1x5x2xf32>) -> (tensor<1x5x2x8xf32>, tensor<1x2x16x8xf32>) {
  %o, %s = attn.delta %q, %k, %v, %beta {form = #attn.form<recurrent>}
      : (tensor<1x5x1x16xf32>, tensor<1x5x1x16xf32>, tensor<1x5x2x8xf32>, tensor<1x5x2xf32>)
      -> (tensor<1x5x2x8xf32>, tensor<1x2x16x8xf32>)
  return %o, %s : tensor<1x5x2x8xf32>, tensor<1x2x16x8xf32>
}

//--- errors.mlir

func.func @no_form(%q: tensor<1x?x2x16xf32>, %k: tensor<1x?x2x16xf32>, %v: tensor<1x?x2x16xf32>,
                   %beta: tensor<1x?x2xf32>) -> tensor<1x?x2x16xf32> {
  // expected-error @+1 {{'attn.delta' op has no 'form' plan; run attn-select-form (or the attn-to-cpu pipeline) before convert-attn-to-cpu}}
  %o = attn.delta %q, %k, %v, %beta
      : (tensor<1x?x2x16xf32>, tensor<1x?x2x16xf32>, tensor<1x?x2x16xf32>, tensor<1x?x2xf32>) -> tensor<1x?x2x16xf32>
  return %o : tensor<1x?x2x16xf32>
}

// -----

func.func @no_chunk(%q: tensor<1x?x2x16xf32>, %k: tensor<1x?x2x16xf32>, %v: tensor<1x?x2x16xf32>,
                    %beta: tensor<1x?x2xf32>) -> tensor<1x?x2x16xf32> {
  // expected-error @+1 {{'attn.delta' op has 'form = chunked' but no 'chunk' plan; run attn-chunk (or the attn-to-cpu pipeline) before convert-attn-to-cpu}}
  %o = attn.delta %q, %k, %v, %beta {form = #attn.form<chunked>}
      : (tensor<1x?x2x16xf32>, tensor<1x?x2x16xf32>, tensor<1x?x2x16xf32>, tensor<1x?x2xf32>) -> tensor<1x?x2x16xf32>
  return %o : tensor<1x?x2x16xf32>
}

// -----

func.func @dynamic_key_dim(%q: tensor<1x?x2x?xf32>, %k: tensor<1x?x2x?xf32>, %v: tensor<1x?x2x16xf32>,
                           %beta: tensor<1x?x2xf32>) -> tensor<1x?x2x16xf32> {
  // expected-error @+1 {{needs a static key head dim K to be lowered (kernels are specialised on head dimensions), got 'tensor<1x?x2x?xf32>'}}
  %o = attn.delta %q, %k, %v, %beta {form = #attn.form<chunked>, chunk = #attn.chunk<size = 64>}
      : (tensor<1x?x2x?xf32>, tensor<1x?x2x?xf32>, tensor<1x?x2x16xf32>, tensor<1x?x2xf32>) -> tensor<1x?x2x16xf32>
  return %o : tensor<1x?x2x16xf32>
}

// -----

func.func @dynamic_value_dim(%q: tensor<1x?x2x16xf32>, %k: tensor<1x?x2x16xf32>, %v: tensor<1x?x2x?xf32>,
                             %beta: tensor<1x?x2xf32>) -> tensor<1x?x2x?xf32> {
  // expected-error @+1 {{needs a static value head dim V to be lowered (kernels are specialised on head dimensions), got 'tensor<1x?x2x?xf32>'}}
  %o = attn.delta %q, %k, %v, %beta {form = #attn.form<recurrent>}
      : (tensor<1x?x2x16xf32>, tensor<1x?x2x16xf32>, tensor<1x?x2x?xf32>, tensor<1x?x2xf32>) -> tensor<1x?x2x?xf32>
  return %o : tensor<1x?x2x?xf32>
}
