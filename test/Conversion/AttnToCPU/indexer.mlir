// convert-attn-to-cpu on attn.indexer: keys in tiles of 64, each tile
// widened into a transposed f32 stack tile; per query the dot products of
// every indexer head run with the key loop innermost, then relu, weight and
// sum over heads; with causal, keys after the query position get -inf. A
// dynamic indexer head dim is an error.
// RUN: split-file %s %t
// RUN: attn-opt %t/lower.mlir --convert-attn-to-cpu | FileCheck %s
// RUN: attn-opt %t/errors.mlir -split-input-file --convert-attn-to-cpu -verify-diagnostics -o /dev/null

//--- lower.mlir

// CHECK-LABEL: func.func @indexer_causal
// Scratch sits at the function entry, in reverse order of creation.
// CHECK: %[[ROW:.*]] = memref.alloca() : memref<64xf32>
// CHECK-NEXT: %[[DOTS:.*]] = memref.alloca() : memref<64xf32>
// CHECK-NEXT: %[[KT:.*]] = memref.alloca() : memref<16x64xf32>
// CHECK-DAG: %[[QI:.*]] = bufferization.to_buffer %{{.*}} : tensor<?x?x4x16xbf16>
// CHECK-DAG: %[[KI:.*]] = bufferization.to_buffer %{{.*}} : tensor<?x?x16xbf16>
// CHECK-DAG: %[[W:.*]] = bufferization.to_buffer %{{.*}} : tensor<?x?x4xf32>
// CHECK: memref.dim %[[QI]]
// CHECK: %[[T:.*]] = memref.dim %[[QI]], %{{.*}} : memref<?x?x4x16xbf16>
// CHECK: %[[S:.*]] = memref.dim %[[KI]], %{{.*}} : memref<?x?x16xbf16>
// CHECK: %[[TILE:.*]] = arith.constant 64 : index
// CHECK: %[[OFF:.*]] = arith.subi %[[S]], %[[T]] : index
// CHECK: %[[OUT:.*]] = memref.alloc(%{{.*}}, %[[T]], %[[S]]) : memref<?x?x?xf32>
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: scf.for %[[B:.*]] = %{{.*}} to %{{.*}} step
// CHECK: scf.for %[[ST:.*]] = %{{.*}} to %[[S]] step %[[TILE]]
// CHECK: %[[NS:.*]] = arith.minsi %[[TILE]], %{{.*}} : index
// The key tile is widened and transposed once per tile.
// CHECK: %[[KEY:.*]] = arith.addi %[[ST]], %[[SK:.*]] : index
// CHECK: %[[KV:.*]] = memref.load %[[KI]][%[[B]], %[[KEY]], %[[D:.*]]] : memref<?x?x16xbf16>
// CHECK: %[[KF:.*]] = arith.extf %[[KV]] : bf16 to f32
// CHECK: memref.store %[[KF]], %[[KT]][%[[D]], %[[SK]]] : memref<16x64xf32>
// Query t sees keys st .. t + S - T of the tile.
// CHECK: scf.for %[[TQ:.*]] = %{{.*}} to %[[T]] step
// CHECK: %[[POS:.*]] = arith.addi %[[TQ]], %[[OFF]] : index
// CHECK: %[[END:.*]] = arith.addi %[[POS]], %{{.*}} : index
// CHECK: %[[VIS:.*]] = arith.subi %[[END]], %[[ST]] : index
// CHECK: %[[CLAMP:.*]] = arith.maxsi %{{.*}}, %[[VIS]] : index
// CHECK: %[[NV:.*]] = arith.minsi %[[NS]], %[[CLAMP]] : index
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step
// CHECK: %[[Q:.*]] = memref.load %[[QI]][%[[B]], %[[TQ]], %[[J]], %{{.*}}] : memref<?x?x4x16xbf16>
// CHECK: %[[QF:.*]] = arith.extf %[[Q]] : bf16 to f32
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[NV]] step
// CHECK: arith.mulf %[[QF]], %{{.*}} : f32
// CHECK: memref.store %{{.*}}, %[[DOTS]]
// CHECK: %[[WJ:.*]] = memref.load %[[W]][%[[B]], %[[TQ]], %[[J]]] : memref<?x?x4xf32>
// CHECK: %[[DOT:.*]] = memref.load %[[DOTS]]
// CHECK: %[[RELU:.*]] = arith.maximumf %[[DOT]], %[[ZERO]] : f32
// CHECK: arith.mulf %[[WJ]], %[[RELU]] : f32
// CHECK: memref.store %{{.*}}, %[[ROW]]
// Visible keys get their score, the rest of the tile -inf.
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[NV]] step
// CHECK: memref.store %{{.*}}, %[[OUT]][%[[B]], %[[TQ]], %{{.*}}] : memref<?x?x?xf32>
// CHECK: scf.for %{{.*}} = %[[NV]] to %[[NS]] step
// CHECK: memref.store %[[NEGINF]], %[[OUT]][%[[B]], %[[TQ]], %{{.*}}] : memref<?x?x?xf32>
// CHECK: bufferization.to_tensor %[[OUT]]
func.func @indexer_causal(%qi: tensor<?x?x4x16xbf16>, %ki: tensor<?x?x16xbf16>, %w: tensor<?x?x4xf32>) -> tensor<?x?x?xf32> {
  %s = attn.indexer %qi, %ki, %w {causal} : (tensor<?x?x4x16xbf16>, tensor<?x?x16xbf16>, tensor<?x?x4xf32>) -> tensor<?x?x?xf32>
  return %s : tensor<?x?x?xf32>
}

// Without causal every key of a tile is scored and nothing is masked.
// CHECK-LABEL: func.func @indexer_full
// CHECK-DAG: memref.alloca() : memref<32x64xf32>
// CHECK-NOT: 0xFF800000
// CHECK: return
func.func @indexer_full(%qi: tensor<2x8x3x32xf32>, %ki: tensor<2x100x32xf32>, %w: tensor<2x8x3xf32>) -> tensor<2x8x100xf32> {
  %s = attn.indexer %qi, %ki, %w : (tensor<2x8x3x32xf32>, tensor<2x100x32xf32>, tensor<2x8x3xf32>) -> tensor<2x8x100xf32>
  return %s : tensor<2x8x100xf32>
}

//--- errors.mlir

func.func @dynamic_index_dim(%qi: tensor<1x8x4x?xf32>, %ki: tensor<1x8x?xf32>, %w: tensor<1x8x4xf32>) -> tensor<1x8x8xf32> {
  // expected-error @+1 {{needs a static indexer head dim Di to be lowered (kernels are specialised on head dimensions), got 'tensor<1x8x4x?xf32>'}}
  %s = attn.indexer %qi, %ki, %w : (tensor<1x8x4x?xf32>, tensor<1x8x?xf32>, tensor<1x8x4xf32>) -> tensor<1x8x8xf32>
  return %s : tensor<1x8x8xf32>
}
