// convert-attn-to-cpu on attn.delta. The chunked form walks the sequence in
// chunks of #attn.chunk's size (a shorter tail chunk when C does not divide
// T): chunk-local f32 cumsum of the log gate, the strict k-k block A (scaled
// by beta) and the causal q-k block formed together from one pairwise decay
// exp(b_r - b_i), i <= r, forward substitution for U and Wk, W = U - Wk S,
// the chunk output, then the state scan. With a per-channel gate (KDA) and
// sub_chunk = s, the two blocks are built per sub-chunk of s rows: pairs in
// one sub-chunk directly, pairs across sub-chunks through ref = the row
// before r's sub-chunk, as dot products of k~ / q~ rows (x_r exp(b_r -
// b_ref)) with k~ rows (k_i exp(b_ref - b_i)). The recurrent form updates
// the state token by token. Scratch buffers have static shapes (C, s, K,
// V). Missing plans and dynamic head dims are errors.
// RUN: split-file %s %t
// RUN: attn-opt %t/lower.mlir --convert-attn-to-cpu | FileCheck %s
// RUN: attn-opt %t/lower.mlir --convert-attn-to-cpu | FileCheck %s --check-prefix=NOEXP
// RUN: attn-opt %t/errors.mlir -split-input-file --convert-attn-to-cpu -verify-diagnostics -o /dev/null

//--- lower.mlir

// KDA: per-channel gate, GVA (value head hv reads q/k head hv / 2), in-kernel
// L2 norm, initial and final state, C = 64 in sub-chunks of 16.
// CHECK-LABEL: func.func @kda_chunked
// Scratch, hoisted to the function entry (last created first): the rebased
// q~ and k~ rows of one sub-chunk and the k~ rows before it (at most C - s),
// the output row, Wk, U (then W), the q-k block, A, the gate cumsum, beta,
// staged k and q, the K x V state.
// CHECK-NEXT: %[[QT:.*]] = memref.alloca() : memref<16x16xf32>
// CHECK-NEXT: %[[KT:.*]] = memref.alloca() : memref<16x16xf32>
// CHECK-NEXT: %[[YT:.*]] = memref.alloca() : memref<48x16xf32>
// CHECK-NEXT: memref.alloca() : memref<8xf32>
// CHECK-NEXT: %[[WK:.*]] = memref.alloca() : memref<64x16xf32>
// CHECK-NEXT: %[[U:.*]] = memref.alloca() : memref<64x8xf32>
// CHECK-NEXT: %[[P:.*]] = memref.alloca() : memref<64x64xf32>
// CHECK-NEXT: %[[A:.*]] = memref.alloca() : memref<64x64xf32>
// CHECK-NEXT: %[[CUM:.*]] = memref.alloca() : memref<64x16xf64>
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
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[N]] step %{{.*}} iter_args(%[[SUM:.*]] = %{{.*}}) -> (f64) {
// CHECK: %[[G:.*]] = memref.load %[[GB]][%[[B]], %{{.*}}, %[[HV]], %{{.*}}] : memref<2x?x4x16xf32>
// CHECK-NEXT: %[[FLOOR0:.*]] = arith.constant -2.000000e+02 : f32
// CHECK-NEXT: %[[GF:.*]] = arith.maximumf %[[G]], %[[FLOOR0]] : f32
// CHECK-NEXT: %[[GFW:.*]] = arith.extf %[[GF]] : f32 to f64
// CHECK-NEXT: %[[NEXT:.*]] = arith.addf %[[SUM]], %[[GFW]] : f64
// CHECK-NEXT: memref.store %[[NEXT]], %[[CUM]]
// A and the q-k block, first the pairs inside each sub-chunk [p, end) of 16
// rows (the tail one shorter): one direct exp(b_r - b_i) per channel, i <= r
// in the same sub-chunk, shared by both blocks.
// CHECK: scf.for %[[SP:[a-z0-9_]+]] = %{{.*}} to %[[N]] step %[[SUB:[a-z0-9_]+]] {
// CHECK-NEXT: %[[SPN:.*]] = arith.addi %[[SP]], %[[SUB]] : index
// CHECK-NEXT: %[[END:.*]] = arith.minsi %[[SPN]], %[[N]] : index
// CHECK: scf.for %[[R:[a-z0-9_]+]] = %[[SP]] to %[[END]] step
// CHECK: scf.for %[[I:[a-z0-9_]+]] = %[[SP]] to %{{.*}} step
// CHECK: scf.for %[[D:[a-z0-9_]+]] = {{.*}} -> (f32, f32) {
// CHECK: %[[BR:.*]] = memref.load %[[CUM]][%[[R]], %[[D]]]
// CHECK-NEXT: %[[BI:.*]] = memref.load %[[CUM]][%[[I]], %[[D]]]
// CHECK-NEXT: %[[DIFFW:.*]] = arith.subf %[[BR]], %[[BI]] : f64
// CHECK-NEXT: %[[DIFF:.*]] = arith.truncf %[[DIFFW]] : f64 to f32
// CHECK-NEXT: math.exp %[[DIFF]] : f32
// CHECK: %[[STRICT:.*]] = arith.cmpi slt, %[[I]], %[[R]] : index
// CHECK-NEXT: scf.if %[[STRICT]] {
// CHECK-NEXT: memref.load %[[BETA]][%[[R]]]
// CHECK: memref.store %{{.*}}, %[[A]][%[[R]], %[[I]]]
// CHECK: memref.store %{{.*}}, %[[P]][%[[R]], %[[I]]]
// Then the pairs across sub-chunks, for each later sub-chunk p with
// ref = p - 1: k~_i = k_i exp(b_ref - b_i) for every earlier row i < p ...
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
// ... k~_r and q~_r = (k_r, q_r) exp(b_r - b_ref) for the sub-chunk's rows,
// one exp per channel for both ...
// CHECK: scf.for %[[R3:[a-z0-9_]+]] = %[[SP2]] to %[[END2]] step
// CHECK-NEXT: %[[ROW3:.*]] = arith.subi %[[R3]], %[[SP2]] : index
// CHECK: scf.for %[[D3:[a-z0-9_]+]] =
// CHECK-NEXT: %[[BR3:.*]] = memref.load %[[CUM]][%[[R3]], %[[D3]]]
// CHECK-NEXT: %[[BREF3:.*]] = memref.load %[[CUM]][%[[REF]], %[[D3]]]
// CHECK-NEXT: %[[E2W:.*]] = arith.subf %[[BR3]], %[[BREF3]] : f64
// CHECK-NEXT: %[[E2:.*]] = arith.truncf %[[E2W]] : f64 to f32
// CHECK-NEXT: %[[F2:.*]] = math.exp %[[E2]] : f32
// CHECK-NEXT: %[[KR:.*]] = memref.load %[[KS]][%[[R3]], %[[D3]]]
// CHECK-NEXT: %[[KRT:.*]] = arith.mulf %[[KR]], %[[F2]] : f32
// CHECK-NEXT: memref.store %[[KRT]], %[[KT]][%[[ROW3]], %[[D3]]]
// CHECK-NEXT: %[[QR:.*]] = memref.load %[[QS]][%[[R3]], %[[D3]]]
// CHECK-NEXT: %[[QRT:.*]] = arith.mulf %[[QR]], %[[F2]] : f32
// CHECK-NEXT: memref.store %[[QRT]], %[[QT]][%[[ROW3]], %[[D3]]]
// ... then A and the q-k block for i < p as exp-free dot products.
// CHECK: scf.for %[[R4:[a-z0-9_]+]] = %[[SP2]] to %[[END2]] step
// CHECK-NEXT: %[[ROW4:.*]] = arith.subi %[[R4]], %[[SP2]] : index
// CHECK: scf.for %[[I4:[a-z0-9_]+]] = %{{.*}} to %[[SP2]] step
// CHECK: %[[DOTS:.*]]:2 = scf.for {{.*}} -> (f32, f32) {
// CHECK-NEXT: %[[YI:.*]] = memref.load %[[YT]][%[[I4]], %{{.*}}]
// CHECK-NEXT: %[[KX:.*]] = memref.load %[[KT]][%[[ROW4]], %{{.*}}]
// CHECK-NEXT: arith.mulf %[[KX]], %[[YI]] : f32
// CHECK-NEXT: %[[QX:.*]] = memref.load %[[QT]][%[[ROW4]], %{{.*}}]
// CHECK-NEXT: arith.mulf %[[QX]], %[[YI]] : f32
// CHECK-NEXT: arith.addf {{.*}} fastmath<reassoc,contract> : f32
// CHECK-NEXT: arith.addf {{.*}} fastmath<reassoc,contract> : f32
// CHECK-NEXT: scf.yield
// CHECK-NEXT: }
// CHECK-NEXT: memref.load %[[BETA]][%[[R4]]]
// CHECK-NEXT: arith.mulf %[[DOTS]]#0, %{{.*}} : f32
// CHECK-NEXT: memref.store %{{.*}}, %[[A]][%[[R4]], %[[I4]]]
// CHECK-NEXT: memref.store %[[DOTS]]#1, %[[P]][%[[R4]], %[[I4]]]
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
// CHECK-NEXT: %[[BLF:.*]] = arith.truncf %[[BL]] : f64 to f32
// CHECK-NEXT: math.exp %[[BLF]] : f32
// CHECK: memref.store %{{.*}}, %[[S]]
// CHECK: arith.subf %{{.*}}, %{{.*}} : f64
// CHECK-NEXT: arith.truncf %{{.*}} : f64 to f32
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
// zero and o is narrowed to bf16 on store. A scalar gate needs one exp per
// pair, so sub_chunk = 8 changes nothing: no rebased rows, no sub-chunk loop.
// CHECK-LABEL: func.func @gdn_chunked_bf16
// CHECK-NEXT: memref.alloca() : memref<8xf32>
// CHECK-NOT: memref<8x16xf32>
// CHECK-NOT: memref<24x16xf32>
// CHECK: %[[CUM:.*]] = memref.alloca() : memref<32x1xf64>
// CHECK: %[[S:.*]] = memref.alloca() : memref<16x8xf32>
// CHECK: memref.store %{{.*}}, %[[S]]
// CHECK: %[[C32:.*]] = arith.constant 32 : index
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %[[C32]] {
// CHECK: %[[SUMS:.*]]:2 = scf.for {{.*}} -> (f32, f32) {
// CHECK-NOT: math.exp
// CHECK: scf.yield
// CHECK: %[[DIFFW:.*]] = arith.subf {{.*}} : f64
// CHECK-NEXT: %[[DIFF:.*]] = arith.truncf %[[DIFFW]] : f64 to f32
// CHECK-NEXT: %[[DECAY:.*]] = math.exp %[[DIFF]] : f32
// CHECK: arith.mulf %[[SUMS]]#1, %[[DECAY]] : f32
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: memref.store %{{.*}} : memref<2x?x2x8xbf16>
func.func @gdn_chunked_bf16(%q: tensor<2x?x2x16xbf16>, %k: tensor<2x?x2x16xbf16>, %v: tensor<2x?x2x8xbf16>,
                            %beta: tensor<2x?x2xbf16>, %g: tensor<2x?x2xf32>) -> tensor<2x?x2x8xbf16> {
  %o = attn.delta %q, %k, %v, %beta gate(%g)
      {form = #attn.form<chunked>, chunk = #attn.chunk<size = 32, sub_chunk = 8>}
      : (tensor<2x?x2x16xbf16>, tensor<2x?x2x16xbf16>, tensor<2x?x2x8xbf16>, tensor<2x?x2xbf16>,
         tensor<2x?x2xf32>) -> tensor<2x?x2x8xbf16>
  return %o : tensor<2x?x2x8xbf16>
}

// KDA with a sub-chunk as long as the chunk: no pair crosses a sub-chunk,
// so every pair (r, i <= r) of the chunk takes its exp(b_r - b_i) directly
// (the form sub_chunk = 0 gets too) and no rebased rows are allocated.
// CHECK-LABEL: func.func @kda_one_sub_chunk
// CHECK-NEXT: memref.alloca() : memref<8xf32>
// CHECK-NEXT: memref.alloca() : memref<32x16xf32>
// CHECK-NEXT: memref.alloca() : memref<32x8xf32>
// CHECK-NEXT: memref.alloca() : memref<32x32xf32>
// CHECK-NEXT: memref.alloca() : memref<32x32xf32>
// CHECK-NEXT: %[[CUM:.*]] = memref.alloca() : memref<32x16xf64>
// CHECK: -> (f64) {
// CHECK: memref.store %{{.*}}, %[[CUM]]
// CHECK: scf.for %[[R:[a-z0-9_]+]] = %[[LO:[a-z0-9_]+]] to %[[N:[a-z0-9_]+]] step %{{.*}} {
// CHECK-NEXT: %[[R1:.*]] = arith.addi %[[R]], %{{.*}} : index
// CHECK: scf.for %[[I:[a-z0-9_]+]] = %[[LO]] to %[[R1]] step
// CHECK: -> (f32, f32) {
// CHECK: %[[BR:.*]] = memref.load %[[CUM]][%[[R]], %{{.*}}]
// CHECK-NEXT: %[[BI:.*]] = memref.load %[[CUM]][%[[I]], %{{.*}}]
// CHECK-NEXT: %[[DIFFW:.*]] = arith.subf %[[BR]], %[[BI]] : f64
// CHECK-NEXT: %[[DIFF:.*]] = arith.truncf %[[DIFFW]] : f64 to f32
// CHECK-NEXT: math.exp %[[DIFF]] : f32
// CHECK-NOT: scf.for %{{.*}} = %{{.*}} to %[[N]] step
// CHECK: memref.store %{{.*}} : memref<32x32xf32>
// CHECK: return
func.func @kda_one_sub_chunk(%q: tensor<1x?x1x16xf32>, %k: tensor<1x?x1x16xf32>, %v: tensor<1x?x1x8xf32>,
                             %beta: tensor<1x?x1xf32>, %g: tensor<1x?x1x16xf32>) -> tensor<1x?x1x8xf32> {
  %o = attn.delta %q, %k, %v, %beta gate(%g)
      {form = #attn.form<chunked>, chunk = #attn.chunk<size = 32, sub_chunk = 32>}
      : (tensor<1x?x1x16xf32>, tensor<1x?x1x16xf32>, tensor<1x?x1x8xf32>, tensor<1x?x1xf32>,
         tensor<1x?x1x16xf32>) -> tensor<1x?x1x8xf32>
  return %o : tensor<1x?x1x8xf32>
}

// DeltaNet, recurrent form: one token at a time, no exponentials at all.
// CHECK-LABEL: func.func @deltanet_recurrent
// CHECK: %[[S:.*]] = memref.alloca() : memref<16x8xf32>
// CHECK: %[[T:.*]] = arith.constant 5 : index
// CHECK: scf.for %[[TOK:[a-z0-9_]+]] = %{{.*}} to %[[T]] step %{{.*}} {
// The residual v - S^T k, then S += (beta k) (v - S^T k)^T, then o = S^T q.
// CHECK: memref.load %[[S]]
// CHECK: arith.subf
// CHECK: memref.load %{{.*}}[%{{.*}}, %[[TOK]], %{{.*}}] : memref<1x5x2xf32>
// CHECK: memref.store %{{.*}}, %[[S]]
// CHECK: memref.store %{{.*}} : memref<1x5x2x8xf32>
// CHECK: return
// No gate: no exponential anywhere in the function (the token loop included).
// NOEXP-LABEL: func.func @deltanet_recurrent
// NOEXP-NOT: math.exp
// NOEXP: return
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
