// convert-attn-to-cpu on attn.sparse: an online softmax per query row over
// the selected keys. Token selection gathers the valid entries of each group
// of tile.kv entries (skipping -1, out-of-range and, with causal, future
// positions) before one rescaled update; block selection walks each selected
// block in tiles of min(tile.kv, block_size) keys. Missing plans and dynamic
// head dims are errors.
// RUN: split-file %s %t
// RUN: attn-opt %t/lower.mlir --convert-attn-to-cpu | FileCheck %s
// RUN: attn-opt %t/errors.mlir -split-input-file --convert-attn-to-cpu -verify-diagnostics -o /dev/null

//--- lower.mlir

// Token selection (DSA), GQA 4:2, bf16, causal, dynamic B/T/S/topk.
// CHECK-LABEL: func.func @sparse_token
// CHECK-SAME: (%[[Q:.*]]: tensor<?x?x4x8xbf16>, %[[K:.*]]: tensor<?x?x2x8xbf16>, %[[V:.*]]: tensor<?x?x2x4xbf16>, %[[I:.*]]: tensor<?x?x2x?xi32>)
// CHECK-DAG: %[[QROW:.*]] = memref.alloca() : memref<8xf32>
// CHECK-DAG: %[[P:.*]] = memref.alloca() : memref<16xf32>
// CHECK-DAG: %[[ACC:.*]] = memref.alloca() : memref<4xf32>
// CHECK-DAG: %[[KEYS:.*]] = memref.alloca() : memref<16xindex>
// CHECK-DAG: %[[QB:.*]] = bufferization.to_buffer %[[Q]]
// CHECK-DAG: %[[KB:.*]] = bufferization.to_buffer %[[K]]
// CHECK-DAG: %[[VB:.*]] = bufferization.to_buffer %[[V]]
// CHECK-DAG: %[[IB:.*]] = bufferization.to_buffer %[[I]]
// CHECK: %[[S:.*]] = memref.dim %[[KB]], %{{.*}} : memref<?x?x2x8xbf16>
// CHECK: %[[N:.*]] = memref.dim %[[IB]], %{{.*}} : memref<?x?x2x?xi32>
// CHECK: %[[O:.*]] = memref.alloc(%{{.*}}, %{{.*}}) : memref<?x?x4x4xbf16>
// Scratch: the query row, the score tile, the accumulator, the gathered keys.
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// Loops over batch, query and head; query head h reads KV head h / 2.
// CHECK: scf.for %[[B:.*]] = %{{.*}} to %{{.*}} step
// CHECK: scf.for %[[T:.*]] = %{{.*}} to %{{.*}} step
// CHECK: %[[POS:.*]] = arith.addi %[[T]], %{{.*}} : index
// CHECK: scf.for %[[H:.*]] = %{{.*}} to %{{.*}} step
// CHECK: %[[HK:.*]] = arith.divsi %[[H]], %{{.*}} : index
// Groups of tile.kv = 16 entries carry the running max and sum.
// CHECK: %[[C16:.*]] = arith.constant 16 : index
// CHECK: %[[ML:.*]]:2 = scf.for %[[G:.*]] = %{{.*}} to %[[N]] step %[[C16]] iter_args(%[[M:.*]] = %[[NEGINF]], %[[L:.*]] = %{{.*}}) -> (f32, f32)
// The gather skips -1 and every entry outside [0, S) and after the query.
// CHECK: %[[CNT:.*]] = scf.for %{{.*}} iter_args(%[[FREE:.*]] = %{{.*}}) -> (index)
// CHECK: %[[RAW:.*]] = memref.load %[[IB]][%[[B]], %[[T]], %[[HK]], %{{.*}}]
// CHECK: %[[E:.*]] = arith.index_cast %[[RAW]] : i32 to index
// CHECK-DAG: %[[INS:.*]] = arith.cmpi slt, %[[E]], %[[S]] : index
// CHECK-DAG: %[[NONNEG:.*]] = arith.cmpi sge, %[[E]], %{{.*}} : index
// CHECK: %[[OK:.*]] = arith.andi %[[NONNEG]], %[[INS]] : i1
// CHECK: %[[PAST:.*]] = arith.cmpi sle, %[[E]], %[[POS]] : index
// CHECK: %[[VALID:.*]] = arith.andi %[[OK]], %[[PAST]] : i1
// CHECK: memref.store %[[E]], %[[KEYS]][%[[FREE]]] : memref<16xindex>
// CHECK: %[[NEXT:.*]] = arith.addi %[[FREE]], %{{.*}} : index
// CHECK: arith.select %[[VALID]], %[[NEXT]], %[[FREE]] : index
// Scores over the gathered keys, key loop innermost.
// CHECK: scf.for %[[D:.*]] = %{{.*}} to %{{.*}} step
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %[[CNT]] step
// CHECK: %[[KEY:.*]] = memref.load %[[KEYS]][%[[J]]] : memref<16xindex>
// CHECK: memref.load %[[KB]][%[[B]], %[[KEY]], %[[HK]], %[[D]]]
// CHECK: %[[MNEW:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[M]]) -> (f32)
// CHECK: arith.maximumf
// Online-softmax rescale by exp(m_old - m_new).
// CHECK: %[[EMPTY:.*]] = arith.cmpf oeq, %[[MNEW]], %{{.*}} : f32
// CHECK: %[[MUSE:.*]] = arith.select %[[EMPTY]], %{{.*}}, %[[MNEW]] : f32
// CHECK: %[[DM:.*]] = arith.subf %[[M]], %[[MUSE]] : f32
// CHECK: %[[ALPHA:.*]] = math.exp %[[DM]] : f32
// CHECK: %[[PSUM:.*]] = scf.for
// CHECK: math.exp
// CHECK: arith.addf {{.*}} fastmath<reassoc,contract> : f32
// CHECK: arith.mulf %{{.*}}, %[[ALPHA]] : f32
// CHECK: memref.load %[[VB]]
// CHECK: %[[LA:.*]] = arith.mulf %[[L]], %[[ALPHA]] : f32
// CHECK: %[[LNEW:.*]] = arith.addf %[[LA]], %[[PSUM]] : f32
// CHECK: scf.yield %[[MNEW]], %[[LNEW]] : f32, f32
// o = acc / l, and 0 for a query without any valid key.
// CHECK: %[[LIVE:.*]] = arith.cmpf ogt, %[[ML]]#1, %{{.*}} : f32
// CHECK: %[[INV:.*]] = arith.divf %{{.*}}, %[[ML]]#1 : f32
// CHECK: arith.select %[[LIVE]], %[[INV]], %{{.*}} : f32
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: memref.store %{{.*}}, %[[O]][%[[B]], %[[T]], %[[H]], %{{.*}}] : memref<?x?x4x4xbf16>
// CHECK: bufferization.to_tensor %[[O]]
func.func @sparse_token(%q: tensor<?x?x4x8xbf16>, %k: tensor<?x?x2x8xbf16>, %v: tensor<?x?x2x4xbf16>, %idx: tensor<?x?x2x?xi32>) -> tensor<?x?x4x4xbf16> {
  %o = attn.sparse %q, %k, %v, %idx {causal, tile = #attn.tile<q = 16, kv = 16, stages = 1, warps = 1>}
      : (tensor<?x?x4x8xbf16>, tensor<?x?x2x8xbf16>, tensor<?x?x2x4xbf16>, tensor<?x?x2x?xi32>) -> tensor<?x?x4x4xbf16>
  return %o : tensor<?x?x4x4xbf16>
}

// Block selection (NSA / MoBA), MQA, block_size 128 > tile.kv 32: each
// block is walked in tiles of 32 keys; a negative entry selects nothing.
// No gathered-key buffer (token mode's memref<Nxindex>) among the stack
// buffers at the function entry.
// CHECK-LABEL: func.func @sparse_block
// CHECK-NOT: xindex>
// CHECK-DAG: memref.alloca() : memref<8xf32>
// CHECK-DAG: memref.alloca() : memref<32xf32>
// CHECK-NOT: xindex>
// CHECK: %[[KB:.*]] = bufferization.to_buffer %{{.*}} : tensor<1x?x1x8xf32>
// CHECK: %[[S:.*]] = memref.dim %[[KB]], %{{.*}} : memref<1x?x1x8xf32>
// CHECK: %[[BS:.*]] = arith.constant 128 : index
// CHECK: %[[STEP:.*]] = arith.constant 32 : index
// CHECK: scf.for {{.*}} iter_args(%[[M:.*]] = %{{.*}}, %[[L:.*]] = %{{.*}}) -> (f32, f32)
// CHECK: %[[E:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK: %[[LO:.*]] = arith.muli %[[E]], %[[BS]] : index
// CHECK: %[[END:.*]] = arith.addi %[[LO]], %[[BS]] : index
// CHECK: %[[CLIP:.*]] = arith.minsi %[[END]], %[[S]] : index
// CHECK: %[[NONNEG:.*]] = arith.cmpi sge, %[[E]], %{{.*}} : index
// CHECK: %[[HI:.*]] = arith.select %[[NONNEG]], %[[CLIP]], %[[LO]] : index
// CHECK: %[[TILE:.*]]:2 = scf.for %[[KT:.*]] = %[[LO]] to %[[HI]] step %[[STEP]] iter_args(%{{.*}} = %[[M]], %{{.*}} = %[[L]]) -> (f32, f32)
// CHECK: arith.subi %[[HI]], %[[KT]] : index
// CHECK: math.exp
// CHECK: math.exp
// CHECK: scf.yield %[[TILE]]#0, %[[TILE]]#1 : f32, f32
func.func @sparse_block(%q: tensor<1x?x4x8xf32>, %k: tensor<1x?x1x8xf32>, %v: tensor<1x?x1x8xf32>, %idx: tensor<1x?x1x3xi32>) -> tensor<1x?x4x8xf32> {
  %o = attn.sparse %q, %k, %v, %idx {block_size = 128 : i64, tile = #attn.tile<q = 16, kv = 32, stages = 1, warps = 1>}
      : (tensor<1x?x4x8xf32>, tensor<1x?x1x8xf32>, tensor<1x?x1x8xf32>, tensor<1x?x1x3xi32>) -> tensor<1x?x4x8xf32>
  return %o : tensor<1x?x4x8xf32>
}

// Block selection with causal: a block is clipped at the query position.
// CHECK-LABEL: func.func @sparse_block_causal
// CHECK-DAG: memref.alloca() : memref<16xf32>
// CHECK: %[[POS:.*]] = arith.addi %{{.*}}, %{{.*}} : index
// CHECK: %[[ONE:.*]] = arith.constant 1 : index
// CHECK: %[[NEXT:.*]] = arith.addi %[[POS]], %{{.*}} : index
// CHECK: %[[KEYEND:.*]] = arith.minsi %{{.*}}, %[[NEXT]] : index
// CHECK: arith.minsi %{{.*}}, %[[KEYEND]] : index
func.func @sparse_block_causal(%q: tensor<1x?x2x8xf32>, %k: tensor<1x?x1x8xf32>, %v: tensor<1x?x1x8xf32>, %idx: tensor<1x?x1x3xi32>) -> tensor<1x?x2x8xf32> {
  %o = attn.sparse %q, %k, %v, %idx {causal, block_size = 16 : i64, tile = #attn.tile<q = 16, kv = 64, stages = 1, warps = 1>}
      : (tensor<1x?x2x8xf32>, tensor<1x?x1x8xf32>, tensor<1x?x1x8xf32>, tensor<1x?x1x3xi32>) -> tensor<1x?x2x8xf32>
  return %o : tensor<1x?x2x8xf32>
}

//--- errors.mlir

func.func @no_tile(%q: tensor<1x8x2x16xf32>, %k: tensor<1x8x1x16xf32>, %v: tensor<1x8x1x16xf32>, %idx: tensor<1x8x1x4xi32>) -> tensor<1x8x2x16xf32> {
  // expected-error @+1 {{has no 'tile' plan; run attn-tile (or the attn-to-cpu pipeline) before convert-attn-to-cpu}}
  %o = attn.sparse %q, %k, %v, %idx : (tensor<1x8x2x16xf32>, tensor<1x8x1x16xf32>, tensor<1x8x1x16xf32>, tensor<1x8x1x4xi32>) -> tensor<1x8x2x16xf32>
  return %o : tensor<1x8x2x16xf32>
}

// -----

func.func @dynamic_head_dim(%q: tensor<1x8x2x?xf32>, %k: tensor<1x8x1x?xf32>, %v: tensor<1x8x1x16xf32>, %idx: tensor<1x8x1x4xi32>) -> tensor<1x8x2x16xf32> {
  // expected-error @+1 {{needs a static head dim D to be lowered (kernels are specialised on head dimensions), got 'tensor<1x8x2x?xf32>'}}
  %o = attn.sparse %q, %k, %v, %idx {tile = #attn.tile<q = 16, kv = 64, stages = 1, warps = 1>}
      : (tensor<1x8x2x?xf32>, tensor<1x8x1x?xf32>, tensor<1x8x1x16xf32>, tensor<1x8x1x4xi32>) -> tensor<1x8x2x16xf32>
  return %o : tensor<1x8x2x16xf32>
}

// -----

func.func @dynamic_value_dim(%q: tensor<1x8x2x16xf32>, %k: tensor<1x8x1x16xf32>, %v: tensor<1x8x1x?xf32>, %idx: tensor<1x8x1x4xi32>) -> tensor<1x8x2x?xf32> {
  // expected-error @+1 {{needs a static value dim Dv to be lowered (kernels are specialised on head dimensions), got 'tensor<1x8x1x?xf32>'}}
  %o = attn.sparse %q, %k, %v, %idx {block_size = 64 : i64, tile = #attn.tile<q = 16, kv = 64, stages = 1, warps = 1>}
      : (tensor<1x8x2x16xf32>, tensor<1x8x1x16xf32>, tensor<1x8x1x?xf32>, tensor<1x8x1x4xi32>) -> tensor<1x8x2x?xf32>
  return %o : tensor<1x8x2x?xf32>
}
