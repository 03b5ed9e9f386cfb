// convert-attn-to-cpu on attn.topk: per query a stack buffer of k
// (score, index) pairs sorted by decreasing score, initialised to
// (-inf, -1) = the padding; each candidate (s < S, and s <= t + S - T with
// causal) is rejected unless strictly greater than the k-th score (so -inf,
// NaN and ties with a full buffer never enter), else a binary search finds
// its slot and the tail shifts down by one.
// RUN: attn-opt %s --convert-attn-to-cpu | FileCheck %s

// CHECK-LABEL: func.func @topk_causal
// CHECK-DAG: %[[VALS:.*]] = memref.alloca() : memref<8xf32>
// CHECK-DAG: %[[IDS:.*]] = memref.alloca() : memref<8xi32>
// CHECK: %[[SB:.*]] = bufferization.to_buffer %{{.*}} : tensor<?x?x?xf32>
// CHECK: memref.dim %[[SB]]
// CHECK: %[[T:.*]] = memref.dim %[[SB]], %{{.*}} : memref<?x?x?xf32>
// CHECK: %[[S:.*]] = memref.dim %[[SB]], %{{.*}} : memref<?x?x?xf32>
// CHECK: %[[K:.*]] = arith.constant 8 : index
// CHECK: %[[LAST:.*]] = arith.constant 7 : index
// CHECK: %[[OFF:.*]] = arith.subi %[[S]], %[[T]] : index
// CHECK: %[[OUT:.*]] = memref.alloc(%{{.*}}, %[[T]]) : memref<?x?x8xi32>
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[NOKEY:.*]] = arith.constant -1 : i32
// CHECK: scf.for %[[B:.*]] = %{{.*}} to %{{.*}} step
// CHECK: scf.for %[[TQ:.*]] = %{{.*}} to %[[T]] step
// CHECK: memref.store %[[NEGINF]], %[[VALS]]
// CHECK: memref.store %[[NOKEY]], %[[IDS]]
// Candidates end after the query position t + S - T.
// CHECK: %[[POS:.*]] = arith.addi %[[TQ]], %[[OFF]] : index
// CHECK: %[[NEXT:.*]] = arith.addi %[[POS]], %{{.*}} : index
// CHECK: %[[CL:.*]] = arith.maxsi %{{.*}}, %[[NEXT]] : index
// CHECK: %[[END:.*]] = arith.minsi %[[S]], %[[CL]] : index
// CHECK: scf.for %[[SK:.*]] = %{{.*}} to %[[END]] step
// CHECK: %[[X:.*]] = memref.load %[[SB]][%[[B]], %[[TQ]], %[[SK]]] : memref<?x?x?xf32>
// CHECK: %[[KTH:.*]] = memref.load %[[VALS]][%[[LAST]]] : memref<8xf32>
// CHECK: %[[BETTER:.*]] = arith.cmpf ogt, %[[X]], %[[KTH]] : f32
// CHECK: scf.if %[[BETTER]] {
// Binary search: ceil(log2(8)) = 3 halvings of the slot range [0, 7].
// CHECK: %[[STEPS:.*]] = arith.constant 3 : index
// CHECK: %[[P:.*]]:2 = scf.for %{{.*}} = %{{.*}} to %[[STEPS]] step %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %[[LAST]]) -> (index, index)
// CHECK: arith.cmpf olt, %{{.*}}, %[[X]] : f32
// The tail [p, k - 2] moves down by one slot.
// CHECK: %[[NSHIFT:.*]] = arith.subi %[[LAST]], %[[P]]#0 : index
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[NSHIFT]] step
// CHECK: memref.store %{{.*}}, %[[VALS]]
// CHECK: memref.store %{{.*}}, %[[IDS]]
// CHECK: memref.store %[[X]], %[[VALS]][%[[P]]#0] : memref<8xf32>
// CHECK: %[[S32:.*]] = arith.index_cast %[[SK]] : index to i32
// CHECK: memref.store %[[S32]], %[[IDS]][%[[P]]#0] : memref<8xi32>
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %[[K]] step
// CHECK: %[[ID:.*]] = memref.load %[[IDS]][%[[J]]] : memref<8xi32>
// CHECK: memref.store %[[ID]], %[[OUT]][%[[B]], %[[TQ]], %[[J]]] : memref<?x?x8xi32>
// CHECK: bufferization.to_tensor %[[OUT]]
func.func @topk_causal(%s: tensor<?x?x?xf32>) -> tensor<?x?x8xi32> {
  %i = attn.topk %s {k = 8 : i64, causal} : (tensor<?x?x?xf32>) -> tensor<?x?x8xi32>
  return %i : tensor<?x?x8xi32>
}

// Without causal every key is a candidate; k = 1 needs no search step.
// CHECK-LABEL: func.func @topk_one
// CHECK-DAG: memref.alloca() : memref<1xf32>
// CHECK: %[[S:.*]] = arith.constant 50 : index
// CHECK-NOT: arith.maxsi
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[S]] step
// CHECK: arith.cmpf ogt
// CHECK: %[[NONE:.*]] = arith.constant 0 : index
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[NONE]] step
func.func @topk_one(%s: tensor<2x3x50xf32>) -> tensor<2x3x1xi32> {
  %i = attn.topk %s {k = 1 : i64} : (tensor<2x3x50xf32>) -> tensor<2x3x1xi32>
  return %i : tensor<2x3x1xi32>
}
