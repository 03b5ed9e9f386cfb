// convert-attn-to-cpu emulates a #attn.precision plan: dequantised f32
// copies of Q, K, V (scales per group, FP8 rounding to nearest even on the
// f32 bits, saturating; subnormals on the FPU), P rounded before P V, the
// Hadamard rotation; a plan in the inputs' own type (or f32) builds exactly
// the unplanned kernel; located errors for what cannot be emulated.
// RUN: attn-opt %s -split-input-file --convert-attn-to-cpu | FileCheck %s
// RUN: attn-opt %s -split-input-file --convert-attn-to-cpu --canonicalize | FileCheck %s --check-prefix=CANON

// e4m3: clamp to 448, RNE at f32 bit 20 (+0x7FFFF + lsb, & ~0xFFFFF),
// subnormals through (|x| + 2^14) - 2^14, block scales 448 / amax.
// CHECK-LABEL: func.func @full_e4m3
// CHECK: %[[QD:.*]] = memref.alloc({{.*}}) : memref<1x?x2x64xf32>
// CHECK: %[[FMAX:.*]] = arith.constant 4.480000e+02 : f32
// The group's amax, then inv = 448 / amax and scale = amax / 448 (1 when
// amax is 0 or not finite).
// CHECK: %[[AMAX:.*]] = scf.for
// CHECK: math.absf
// CHECK: arith.maximumf
// CHECK: %[[OK:.*]] = arith.andi
// CHECK: %[[INV:.*]] = arith.divf %[[FMAX]], %[[AMAX]] : f32
// CHECK: arith.select %[[OK]], %[[INV]]
// CHECK: %[[SC:.*]] = arith.divf %[[AMAX]], %[[FMAX]] : f32
// CHECK: %[[SCALE:.*]] = arith.select %[[OK]], %[[SC]]
// CHECK: %[[X:.*]] = arith.mulf
// CHECK: %[[NAN:.*]] = arith.cmpf uno, %[[X]], %[[X]] : f32
// CHECK: %[[ABS:.*]] = math.absf %[[X]] : f32
// CHECK: %[[MAG:.*]] = arith.minimumf %[[ABS]], %{{.*}} : f32
// CHECK: %[[BITS:.*]] = arith.bitcast %[[MAG]] : f32 to i32
// CHECK: arith.constant 20 : i32
// CHECK: arith.constant 524287 : i32
// CHECK: arith.constant -1048576 : i32
// CHECK: %[[NORMAL:.*]] = arith.bitcast %{{.*}} : i32 to f32
// CHECK: %[[C14:.*]] = arith.constant 1.638400e+04 : f32
// CHECK-NEXT: %[[ADD:.*]] = arith.addf %[[MAG]], %[[C14]] : f32
// CHECK-NEXT: %[[SUB:.*]] = arith.subf %[[ADD]], %[[C14]] : f32
// CHECK-NEXT: arith.constant 1.562500e-02 : f32
// CHECK-NEXT: %[[ISSUB:.*]] = arith.cmpf olt, %[[MAG]]
// CHECK-NEXT: %[[R:.*]] = arith.select %[[ISSUB]], %[[SUB]], %[[NORMAL]] : f32
// CHECK-NEXT: %[[SIGNED:.*]] = math.copysign %[[R]], %[[X]] : f32
// CHECK-NEXT: %[[X8:.*]] = arith.select %[[NAN]], %[[X]], %[[SIGNED]] : f32
// CHECK-NEXT: %[[DQ:.*]] = arith.mulf %[[X8]], %[[SCALE]] : f32
// CHECK-NEXT: memref.store %[[DQ]], %[[QD]]
// The probabilities: roundTo(p * 256) / 256.
// CHECK: arith.constant 2.560000e+02 : f32
// CHECK: arith.constant 524287 : i32
// CHECK: arith.constant 3.906250e-03 : f32
// Nothing folds (x + 2^14) - 2^14 away.
// CANON-LABEL: func.func @full_e4m3
// CANON: %[[C14:.*]] = arith.constant 1.638400e+04 : f32
// CANON: %[[ADD:.*]] = arith.addf %{{.*}}, %[[C14]] : f32
// CANON-NEXT: arith.subf %[[ADD]], %[[C14]] : f32
func.func @full_e4m3(%q: tensor<1x?x2x64xbf16>, %k: tensor<1x?x2x64xbf16>, %v: tensor<1x?x2x64xbf16>) -> tensor<1x?x2x64xbf16> {
  %o = attn.full %q, %k, %v {causal, tile = #attn.tile<q = 16, kv = 16>, precision = #attn.precision<operands = {qk = f8E4M3FN, pv = f8E4M3FN}, granularity = block, block = 128>}
      : (tensor<1x?x2x64xbf16>, tensor<1x?x2x64xbf16>, tensor<1x?x2x64xbf16>) -> tensor<1x?x2x64xbf16>
  return %o : tensor<1x?x2x64xbf16>
}

// -----

// e5m2: clamp to 57344, RNE at bit 21, subnormals through 2^7.
// CHECK-LABEL: func.func @sparse_e5m2
// CHECK: arith.constant 5.734400e+04 : f32
// CHECK: arith.constant 21 : i32
// CHECK: arith.constant 1048575 : i32
// CHECK: arith.constant -2097152 : i32
// CHECK: arith.constant 1.280000e+02 : f32
// CHECK: arith.constant 6.10351563E-5 : f32
func.func @sparse_e5m2(%q: tensor<1x?x2x64xf32>, %k: tensor<1x?x2x64xf32>, %v: tensor<1x?x2x64xf32>, %i: tensor<1x?x2x8xi32>) -> tensor<1x?x2x64xf32> {
  %o = attn.sparse %q, %k, %v, %i {tile = #attn.tile<q = 16, kv = 16>, precision = #attn.precision<operands = {qk = f8E5M2, pv = f8E5M2}, granularity = token>}
      : (tensor<1x?x2x64xf32>, tensor<1x?x2x64xf32>, tensor<1x?x2x64xf32>, tensor<1x?x2x8xi32>) -> tensor<1x?x2x64xf32>
  return %o : tensor<1x?x2x64xf32>
}

// -----

// bf16 on f32 inputs: RNE at bit 16 on the f32 bits (subnormals kept), no
// scale; P rounded to bf16 too.
// CHECK-LABEL: func.func @full_bf16
// CHECK: arith.constant 16 : i32
// CHECK: arith.constant 32767 : i32
// CHECK: arith.constant -65536 : i32
// CHECK-NOT: math.absf
func.func @full_bf16(%q: tensor<1x?x2x64xf32>, %k: tensor<1x?x2x64xf32>, %v: tensor<1x?x2x64xf32>) -> tensor<1x?x2x64xf32> {
  %o = attn.full %q, %k, %v {causal, tile = #attn.tile<q = 16, kv = 16>, precision = #attn.precision<operands = {qk = bf16, pv = bf16}>}
      : (tensor<1x?x2x64xf32>, tensor<1x?x2x64xf32>, tensor<1x?x2x64xf32>) -> tensor<1x?x2x64xf32>
  return %o : tensor<1x?x2x64xf32>
}

// -----

// A plan in the inputs' own type builds the unplanned kernel: no copies.
// CHECK-LABEL: func.func @same_type
// CHECK-NOT: arith.bitcast
// CHECK-NOT: memref.alloc({{.*}}) : memref<1x?x2x64xf32>
// CHECK: memref.alloc({{.*}}) : memref<1x?x2x64xbf16>
// CHECK-NOT: memref.alloc(
// CHECK-NOT: arith.bitcast
// CHECK: return
func.func @same_type(%q: tensor<1x?x2x64xbf16>, %k: tensor<1x?x2x64xbf16>, %v: tensor<1x?x2x64xbf16>) -> tensor<1x?x2x64xbf16> {
  %o = attn.full %q, %k, %v {causal, tile = #attn.tile<q = 16, kv = 16>, precision = #attn.precision<operands = {qk = bf16, pv = bf16}>}
      : (tensor<1x?x2x64xbf16>, tensor<1x?x2x64xbf16>, tensor<1x?x2x64xbf16>) -> tensor<1x?x2x64xbf16>
  return %o : tensor<1x?x2x64xbf16>
}

// -----

// The indexer: qi and ki rotated (butterflies over Di = 64: spans 1 .. 32)
// and quantised per token; w stays as it is.
// CHECK-LABEL: func.func @indexer_token_hadamard
// CHECK-DAG: memref.alloc({{.*}}) : memref<1x?x4x64xf32>
// CHECK-DAG: memref.alloc({{.*}}) : memref<1x?x64xf32>
// CHECK: arith.constant 32 : index
// CHECK: arith.divui
// CHECK: arith.remui
// CHECK: arith.constant 1.250000e-01 : f32
// CHECK: arith.constant 524287 : i32
func.func @indexer_token_hadamard(%q: tensor<1x?x4x64xbf16>, %k: tensor<1x?x64xbf16>, %w: tensor<1x?x4xf32>) -> tensor<1x?x?xf32> {
  %s = attn.indexer %q, %k, %w {causal, precision = #attn.precision<operands = {qk = f8E4M3FN}, granularity = token, hadamard = true>}
      : (tensor<1x?x4x64xbf16>, tensor<1x?x64xbf16>, tensor<1x?x4xf32>) -> tensor<1x?x?xf32>
  return %s : tensor<1x?x?xf32>
}
