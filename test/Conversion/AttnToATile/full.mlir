// convert-attn-to-atile on attn.full: the forward tile program reads like the
// algorithm (FlashAttention's online softmax over the KV tiles of the band a
// block's queries see), with the plan's q / kv / stages / warps and no
// instruction, engine or warp role named. Located errors for what has no
// tile program yet.
// RUN: split-file %s %t
// RUN: attn-opt %t/gqa.mlir --convert-attn-to-atile --canonicalize --cse | FileCheck %s
// RUN: attn-opt %t/plain.mlir --convert-attn-to-atile=chip=sm_80 --canonicalize --cse | FileCheck %s --check-prefix=PLAIN
// RUN: attn-opt %t/plain.mlir --convert-attn-to-atile=overlap=true --canonicalize --cse | FileCheck %s --check-prefix=OVERLAP
// RUN: attn-opt %t/errors.mlir -split-input-file --convert-attn-to-atile=overlap=true -verify-diagnostics -o /dev/null
// RUN: not attn-opt %t/plain.mlir --convert-attn-to-atile=chip=sm_99 -o /dev/null 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: attn-opt %t/fp8.mlir --convert-attn-to-atile --canonicalize --cse | FileCheck %s --check-prefix=FP8
// RUN: attn-opt %t/f32.mlir --convert-attn-to-atile --canonicalize --cse | FileCheck %s --check-prefix=F32

//--- gqa.mlir
// GQA (16 query heads over 4 KV heads), causal, sliding window, soft-cap,
// LSE; 128 query rows x 64 keys per tile, 2 stages, 8 warps.
func.func @gqa(%q: tensor<?x?x16x128xbf16>, %k: tensor<?x?x4x128xbf16>, %v: tensor<?x?x4x128xbf16>) -> (tensor<?x?x16x128xbf16>, tensor<?x?x16xf32>) {
  %o, %lse = attn.full %q, %k, %v {causal, window = 512 : i64, softcap = 30.0 : f64, tile = #attn.tile<q = 128, kv = 64, stages = 2, warps = 8>} : (tensor<?x?x16x128xbf16>, tensor<?x?x4x128xbf16>, tensor<?x?x4x128xbf16>) -> (tensor<?x?x16x128xbf16>, tensor<?x?x16xf32>)
  return %o, %lse : tensor<?x?x16x128xbf16>, tensor<?x?x16xf32>
}
// The attn op stays (convert-attn-to-gpu still compiles it).
// CHECK: attn.full
// CHECK-LABEL: gpu.module @attn_tile_kernels attributes {atile.target = #atile.target<"sm_90a">}
// The kernel ABI: q k v idx o lse o_part lse_part, then B T S H Hkv N nsplit.
// CHECK: gpu.func @gqa_full_fwd(%[[Q:.*]]: !llvm.ptr<1>, %[[K:.*]]: !llvm.ptr<1>, %[[V:.*]]: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>, %[[O:.*]]: !llvm.ptr<1>, %[[LSE:.*]]: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>, %[[B:.*]]: i64, %[[T:.*]]: i64, %[[S:.*]]: i64, %[[H:.*]]: i64, %[[HKV:.*]]: i64, %{{.*}}: i64, %{{.*}}: i64) kernel attributes {known_block_size = array<i32: 256, 1, 1>}
// CHECK: %[[G:.*]] = arith.divsi %[[H]], %[[HKV]] : i64
// Causal: the heaviest query blocks first, across every head and batch: the
// linear block index runs over (KV head, batch x split) fastest.
// CHECK: %[[BX:.*]] = gpu.block_id  x
// CHECK: %[[BY:.*]] = gpu.block_id  y
// CHECK: %[[BZ0:.*]] = gpu.block_id  z
// CHECK: %[[GX:.*]] = gpu.grid_dim  x
// CHECK: %[[GY:.*]] = gpu.grid_dim  y
// CHECK: %[[GZ:.*]] = gpu.grid_dim  z
// CHECK: %[[L1:.*]] = arith.muli %[[GY]], %[[BZ0]] : index
// CHECK: %[[L2:.*]] = arith.addi %[[BY]], %[[L1]] : index
// CHECK: %[[L3:.*]] = arith.muli %[[GX]], %[[L2]] : index
// CHECK: %[[LIN:.*]] = arith.addi %[[BX]], %[[L3]] : index
// CHECK: %[[INNER:.*]] = arith.muli %[[GY]], %[[GZ]] : index
// CHECK: %[[REST:.*]] = arith.remsi %[[LIN]], %[[INNER]] : index
// CHECK: %[[QB:.*]] = arith.divsi %[[LIN]], %[[INNER]] : index
// CHECK: %[[HK:.*]] = arith.remsi %[[REST]], %[[GY]] : index
// CHECK: %[[BZ:.*]] = arith.divsi %[[REST]], %[[GY]] : index
// CHECK: %[[LASTX:.*]] = arith.subi %[[GX]], %c1 : index
// CHECK: arith.subi %[[LASTX]], %[[QB]] : index
// Block z is (batch, split) for split-KV (runtime nsplit).
// CHECK: %[[NSPLIT:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[BATCH:.*]] = arith.divsi %[[BZ]], %[[NSPLIT]] : index
// CHECK: %[[SPLIT:.*]] = arith.remsi %[[BZ]], %[[NSPLIT]] : index
// Queries and outputs as [B, T, Hkv, G, D]: a tile row is a (t, g) pair.
// CHECK: %[[QV:.*]] = atile.view %[[Q]][%[[B]], %[[T]], %[[HKV]], %[[G]]] : !llvm.ptr<1> -> !atile.view<?x?x?x?x128xbf16>
// CHECK: %[[KV:.*]] = atile.view %[[K]][%[[B]], %[[S]], %[[HKV]]] : !llvm.ptr<1> -> !atile.view<?x?x?x128xbf16>
// CHECK: %[[VV:.*]] = atile.view %[[V]][%[[B]], %[[S]], %[[HKV]]] : !llvm.ptr<1> -> !atile.view<?x?x?x128xbf16>
// CHECK: %[[OV:.*]] = atile.view %[[O]][%[[B]], %[[T]], %[[HKV]], %[[G]]] : !llvm.ptr<1> -> !atile.view<?x?x?x?x128xbf16>
// CHECK: %[[SQ:.*]] = atile.alloc : !atile.smem<1x128x128xbf16, swizzle = 128>
// CHECK: %[[SK:.*]] = atile.alloc : !atile.smem<2x64x128xbf16, swizzle = 128>
// CHECK: %[[SV:.*]] = atile.alloc : !atile.smem<2x64x128xbf16, swizzle = 128>
// CHECK: %[[QT:.*]] = atile.stage %[[SQ]]
// CHECK: %[[QC:.*]] = atile.copy %[[QV]][%[[BATCH]], %[[HK]]] rows %[[ROW0:.*]] -> %[[QT]] {rows = array<i64: 1, 3>}
// CHECK: atile.wait %[[QC]]
// CHECK: %[[M0:.*]] = atile.fill 0xFF800000 : !atile.frag<128xf32>
// CHECK: %[[L0:.*]] = atile.fill 0.000000e+00 : !atile.frag<128xf32>
// CHECK: %[[O0:.*]] = atile.fill 0.000000e+00 : !atile.frag<128x128xf32>
// CHECK: %[[RES:.*]]:3 = scf.for %[[J:.*]] = %{{.*}} to %[[NT:.*]] step %{{.*}} iter_args(%[[ACC:.*]] = %[[O0]], %[[M:.*]] = %[[M0]], %[[L:.*]] = %[[L0]])
// KV tile j starts at kvLo + 64 j, in stage j % 2.
// CHECK: %[[KV0:.*]] = arith.addi %{{.*}}, %{{.*}} : index
// CHECK: %[[ST:.*]] = arith.remsi %[[J]], %{{.*}} : index
// CHECK: %[[KT:.*]] = atile.stage %[[SK]][%[[ST]]]
// CHECK: %[[VT:.*]] = atile.stage %[[SV]][%[[ST]]]
// CHECK: %[[KC:.*]] = atile.copy %[[KV]][%[[BATCH]], %[[HK]]] rows %[[KV0]] -> %[[KT]] {rows = array<i64: 1>}
// CHECK: %[[VC:.*]] = atile.copy %[[VV]][%[[BATCH]], %[[HK]]] rows %[[KV0]] -> %[[VT]] {rows = array<i64: 1>}
// CHECK: atile.wait %[[KC]]
// Products are issued asynchronously and awaited at once (what two
// warp-specialised consumers take turns at).
// CHECK: %[[SCA:.*]] = atile.mma %[[QT]], %[[KT]] {async, transpose_rhs} : !atile.smem<128x128xbf16, swizzle = 128>, !atile.smem<64x128xbf16, swizzle = 128> -> !atile.frag<128x64xf32>
// CHECK: %[[SC:.*]] = atile.mma_wait %[[SCA]] : !atile.frag<128x64xf32>
// The soft-cap acts on the scaled scores, before the mask.
// CHECK: %[[CAP:.*]] = atile.map %[[SC]] : !atile.frag<128x64xf32> -> !atile.frag<128x64xf32>
// CHECK: math.tanh
// CHECK: %[[MS:.*]] = atile.mask %[[CAP]] row %[[ROW0]] col %[[KV0]] keys %{{.*}} group %{{.*}} offset %{{.*}} {causal, window = 512 : i64}
// CHECK: %[[P:.*]], %[[M1:.*]], %[[L1:.*]], %[[ALPHA:.*]] = atile.online_softmax %[[MS]], %[[M]], %[[L]] {scale = 1.000000e+00 : f32}
// CHECK: %[[RESC:.*]] = atile.map %[[ACC]], %[[ALPHA]]
// CHECK: arith.mulf
// CHECK: atile.wait %[[VC]]
// CHECK: %[[P16:.*]] = atile.convert %[[P]] : !atile.frag<128x64xf32> -> !atile.frag<128x64xbf16>
// CHECK: %[[NEXTA:.*]] = atile.mma %[[P16]], %[[VT]], %[[RESC]] {async} : !atile.frag<128x64xbf16>, !atile.smem<64x128xbf16, swizzle = 128>, !atile.frag<128x128xf32> -> !atile.frag<128x128xf32>
// CHECK: %[[NEXT:.*]] = atile.mma_wait %[[NEXTA]]
// CHECK: scf.yield %[[NEXT]], %[[M1]], %[[L1]]
// O = acc (1 / l), 0 for rows that saw no key (one division per row);
// LSE = (m + log2 l) ln 2.
// CHECK: %[[INV:.*]] = atile.map %[[RES]]#2 : !atile.frag<128xf32> -> !atile.frag<128xf32>
// CHECK: arith.cmpf ogt
// CHECK: arith.divf
// CHECK: arith.select
// CHECK: %[[NORM:.*]] = atile.map %[[RES]]#0, %[[INV]]
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.mulf
// CHECK: %[[LSEV:.*]] = atile.map %[[RES]]#1, %[[RES]]#2
// CHECK: math.log2
// One split: O in bf16 (through the query tile) and the LSE.
// CHECK: scf.if
// CHECK: %[[OUT:.*]] = atile.convert %[[NORM]] : !atile.frag<128x128xf32> -> !atile.frag<128x128xbf16>
// CHECK: atile.store %[[OUT]] -> %[[OV]][%[[BATCH]], %[[HK]]] rows %[[ROW0]] via %[[QT]] : !atile.smem<128x128xbf16, swizzle = 128> {rows = array<i64: 1, 3>}
// CHECK: %[[LV:.*]] = atile.view %[[LSE]][%[[B]], %[[T]], %[[HKV]], %[[G]]] : !llvm.ptr<1> -> !atile.view<?x?x?x?xf32>
// CHECK: atile.store %[[LSEV]] -> %[[LV]][%[[BATCH]], %[[HK]]] rows %[[ROW0]] {rows = array<i64: 1, 3>}
// Several: f32 parts [nsplit, B, T, Hkv, G, Dv] and their LSE.
// CHECK: } else {
// CHECK: %[[OP:.*]] = atile.view %{{.*}}[%[[NS:.*]], %[[B]], %[[T]], %[[HKV]], %[[G]]] : !llvm.ptr<1> -> !atile.view<?x?x?x?x?x128xf32>
// CHECK: %[[LP:.*]] = atile.view %{{.*}}[%[[NS]], %[[B]], %[[T]], %[[HKV]], %[[G]]] : !llvm.ptr<1> -> !atile.view<?x?x?x?x?xf32>
// CHECK: atile.store %[[NORM]] -> %[[OP]][%[[SPLIT]], %[[BATCH]], %[[HK]]] rows %[[ROW0]] {rows = array<i64: 2, 4>}
// CHECK: atile.store %[[LSEV]] -> %[[LP]][%[[SPLIT]], %[[BATCH]], %[[HK]]] rows %[[ROW0]] {rows = array<i64: 2, 4>}
// CHECK: gpu.return

//--- plain.mlir
// Non-causal f16, D = 64, Dv = 128 (different head dims), queries the last
// T of S keys, an explicit scale; no window, no LSE.
func.func @plain(%q: tensor<2x?x8x64xf16>, %k: tensor<2x?x8x64xf16>, %v: tensor<2x?x8x128xf16>) -> tensor<2x?x8x128xf16> {
  %o = attn.full %q, %k, %v {scale = 0.5 : f64, tile = #attn.tile<q = 64, kv = 128, stages = 3, warps = 4>} : (tensor<2x?x8x64xf16>, tensor<2x?x8x64xf16>, tensor<2x?x8x128xf16>) -> tensor<2x?x8x128xf16>
  return %o : tensor<2x?x8x128xf16>
}
// PLAIN: gpu.module @attn_tile_kernels attributes {atile.target = #atile.target<"sm_80">}
// PLAIN: gpu.func @plain_full_fwd({{.*}}) kernel attributes {known_block_size = array<i32: 128, 1, 1>}
// PLAIN-NOT: gpu.grid_dim
// PLAIN: atile.alloc : !atile.smem<1x64x64xf16, swizzle = 128>
// PLAIN: atile.alloc : !atile.smem<3x128x64xf16, swizzle = 128>
// PLAIN: atile.alloc : !atile.smem<3x128x128xf16, swizzle = 128>
// PLAIN: scf.for
// PLAIN: atile.mma %{{.*}}, %{{.*}} {async, transpose_rhs} : !atile.smem<64x64xf16, swizzle = 128>, !atile.smem<128x64xf16, swizzle = 128> -> !atile.frag<64x128xf32>
// PLAIN: atile.mask %{{.*}} row %{{.*}} col %{{.*}} keys %{{.*}} group %{{.*}} offset %{{.*}} : !atile.frag<64x128xf32>
// PLAIN: atile.online_softmax %{{.*}}, %{{.*}}, %{{.*}} {scale = 5.000000e-01 : f32}
// PLAIN: atile.mma %{{.*}}, %{{.*}}, %{{.*}} {async} : !atile.frag<64x128xf16>, !atile.smem<128x128xf16, swizzle = 128>, !atile.frag<64x128xf32> -> !atile.frag<64x128xf32>
// PLAIN: atile.store
// PLAIN-NOT: math.log2
// PLAIN: gpu.return

// The overlapped loop (overlap=true; every product asynchronous, so that
// warp-specialised consumers may take turns issuing them): tile 0's scores
// before the loop, then
// per iteration Q K_{j+1}^T and P_j V_j issued together, the scores waited
// for first, the softmax, then P V; the last P V after the loop.
// OVERLAP: %[[S0:.*]] = atile.mma %{{.*}}, %{{.*}} {async, transpose_rhs} : !atile.smem<64x64xf16, swizzle = 128>, !atile.smem<128x64xf16, swizzle = 128> -> !atile.frag<64x128xf32>
// OVERLAP: atile.mma_wait %[[S0]] : !atile.frag<64x128xf32>
// OVERLAP: atile.online_softmax
// OVERLAP: scf.for
// OVERLAP: %[[S:.*]] = atile.mma %{{.*}}, %{{.*}} {async, transpose_rhs}
// OVERLAP: %[[O:.*]] = atile.mma %{{.*}}, %{{.*}}, %{{.*}} {async}
// OVERLAP: atile.mma_wait %[[S]] {pending = 1 : i64}
// OVERLAP: atile.online_softmax
// OVERLAP: atile.mma_wait %[[O]] : !atile.frag<64x128xf32>
// OVERLAP: scf.yield
// OVERLAP: %[[LAST:.*]] = atile.mma %{{.*}}, %{{.*}}, %{{.*}} {async} : !atile.frag<64x128xf16>, !atile.smem<128x128xf16, swizzle = 128>, !atile.frag<64x128xf32> -> !atile.frag<64x128xf32>
// OVERLAP: atile.mma_wait %[[LAST]] : !atile.frag<64x128xf32>

// CHIP: error: convert-attn-to-atile: unknown chip 'sm_99'

//--- fp8.mlir
// FP8 (e4m3 Q K^T and P V, scales per block of 128 tokens): the program
// reads the quantisation kernels' bytes (Q8 and K8 as the inputs, V^T in
// blocks of kv keys) and their scales (Q's per packed row, K's and V's per
// tile), scales the softmax per row, rounds P (x 2^8) to e4m3 and adds each
// tile's P V, from a fresh accumulator, times V's scale.
func.func @fp8(%q: tensor<?x?x16x128xbf16>, %k: tensor<?x?x16x128xbf16>, %v: tensor<?x?x16x128xbf16>) -> tensor<?x?x16x128xbf16> {
  %o = attn.full %q, %k, %v {causal, tile = #attn.tile<q = 128, kv = 128, stages = 2, warps = 8>, precision = #attn.precision<operands = {qk = f8E4M3FN, pv = f8E4M3FN}, granularity = block, block = 128>} : (tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>) -> tensor<?x?x16x128xbf16>
  return %o : tensor<?x?x16x128xbf16>
}
// The kernel ABI: q8 k8 v8t idx o lse o_part lse_part sq sk sv, then sizes.
// FP8: gpu.func @fp8_full_fwd(%[[Q:[^:]*]]: !llvm.ptr<1>, %[[K:[^:]*]]: !llvm.ptr<1>, %[[V:[^:]*]]: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>, %[[SQ:[^:]*]]: !llvm.ptr<1>, %[[SK:[^:]*]]: !llvm.ptr<1>, %[[SV:[^:]*]]: !llvm.ptr<1>, %{{.*}}: i64
// FP8: atile.view %[[Q]]{{.*}} -> !atile.view<?x?x?x?x128xf8E4M3FN>
// FP8: atile.view %[[K]]{{.*}} -> !atile.view<?x?x?x128xf8E4M3FN>
// V^T [B, Hkv, Dv, key blocks, 128 keys].
// FP8: %[[VV:.*]] = atile.view %[[V]]{{.*}} -> !atile.view<?x?x128x?x128xf8E4M3FN>
// Q, K (128 keys x 128 bytes) and V^T (128 channels x 128 keys) tiles.
// FP8: atile.alloc : !atile.smem<1x128x128xf8E4M3FN, swizzle = 128>
// FP8: atile.alloc : !atile.smem<2x128x128xf8E4M3FN, swizzle = 128>
// FP8: %[[SVT:.*]] = atile.alloc : !atile.smem<2x128x128xf8E4M3FN, swizzle = 128>
// FP8: %[[SQV:.*]] = atile.view %[[SQ]]{{.*}} -> !atile.view<?x?x?x?xf32>
// FP8: %[[SQR:.*]] = atile.read %[[SQV]][%{{.*}}, %{{.*}}] rows %{{.*}} {padding = 1.000000e+00 : f32, rows = array<i64: 1, 3>} : !atile.view<?x?x?x?xf32> -> !atile.frag<128xf32>
// FP8: %[[SKV:.*]] = atile.view %[[SK]]{{.*}} -> !atile.view<?x?x?xf32>
// FP8: %[[SVV:.*]] = atile.view %[[SV]]{{.*}} -> !atile.view<?x?x?xf32>
// FP8: scf.for
// FP8: %[[SKJ:.*]] = atile.read %[[SKV]][%{{.*}}, %[[KV0:.*]], %{{.*}}] {padding = 1.000000e+00 : f32} : !atile.view<?x?x?xf32> -> f32
// FP8: %[[SVJ:.*]] = atile.read %[[SVV]]
// FP8: %[[VT:.*]] = atile.stage %[[SVT]][
// FP8: atile.copy %[[VV]][%{{.*}}, %{{.*}}, %{{.*}}] rows %{{.*}} -> %[[VT]] {rows = array<i64: 2>}
// FP8: %[[SA:.*]] = atile.mma %{{.*}}, %{{.*}} {async, transpose_rhs} : !atile.smem<128x128xf8E4M3FN, swizzle = 128>, !atile.smem<128x128xf8E4M3FN, swizzle = 128> -> !atile.frag<128x128xf32>
// FP8: %[[S:.*]] = atile.mma_wait %[[SA]]
// FP8: %[[RS:.*]] = atile.map %[[SQR]]
// FP8: arith.mulf %{{.*}}, %[[SKJ]]
// FP8: %[[SM:.*]] = atile.mask %[[S]]
// FP8: %[[P:.*]], %{{.*}}, %{{.*}}, %[[A:.*]] = atile.online_softmax %[[SM]], %{{.*}}, %{{.*}} scaled %[[RS]] : !atile.frag<128xf32> {log2_prob_scale = 8 : i64, scale = 0.0883883461 : f32}
// FP8: %[[O1:.*]] = atile.map %{{.*}}, %[[A]]
// FP8: %[[P8:.*]] = atile.convert %[[P]] : !atile.frag<128x128xf32> -> !atile.frag<128x128xf8E4M3FN>
// FP8: %[[PVA:.*]] = atile.mma %[[P8]], %[[VT]] {async, transpose_rhs} : !atile.frag<128x128xf8E4M3FN>, !atile.smem<128x128xf8E4M3FN, swizzle = 128> -> !atile.frag<128x128xf32>
// FP8: %[[PV:.*]] = atile.mma_wait %[[PVA]]
// FP8: atile.map %[[O1]], %[[PV]]
// FP8: math.fma %{{.*}}, %[[SVJ]], %{{.*}} : f32
// The LSE takes P's 2^8 out of l.
// FP8: math.log2
// FP8-NEXT: arith.subf

//--- errors.mlir
func.func @untiled(%q: tensor<1x8x2x64xbf16>, %k: tensor<1x8x2x64xbf16>, %v: tensor<1x8x2x64xbf16>) -> tensor<1x8x2x64xbf16> {
  // expected-error @+1 {{has no #attn.tile; run attn-tile (or the attn-plan pipeline) before convert-attn-to-atile}}
  %o = attn.full %q, %k, %v : (tensor<1x8x2x64xbf16>, tensor<1x8x2x64xbf16>, tensor<1x8x2x64xbf16>) -> tensor<1x8x2x64xbf16>
  return %o : tensor<1x8x2x64xbf16>
}

// -----

func.func @f32_overlap(%q: tensor<1x8x2x64xf32>, %k: tensor<1x8x2x64xf32>, %v: tensor<1x8x2x64xf32>) -> tensor<1x8x2x64xf32> {
  // expected-error @+1 {{f32 (bf16x3) tile programs run the serial loop on cp.async copies (no tensor maps, no overlap)}}
  %o = attn.full %q, %k, %v {tile = #attn.tile<q = 64, kv = 64, warps = 4>} : (tensor<1x8x2x64xf32>, tensor<1x8x2x64xf32>, tensor<1x8x2x64xf32>) -> tensor<1x8x2x64xf32>
  return %o : tensor<1x8x2x64xf32>
}

// -----

func.func @fp8_block(%q: tensor<1x8x2x128xbf16>, %k: tensor<1x8x2x128xbf16>, %v: tensor<1x8x2x128xbf16>) -> tensor<1x8x2x128xbf16> {
  // expected-error @+1 {{FP8 tile programs take qk and pv in f8E4M3FN with block scales, the block a multiple of #attn.tile kv and D and kv multiples of 32}}
  %o = attn.full %q, %k, %v {tile = #attn.tile<q = 64, kv = 128, warps = 4>, precision = #attn.precision<operands = {qk = f8E4M3FN, pv = f8E4M3FN}, granularity = block, block = 64>} : (tensor<1x8x2x128xbf16>, tensor<1x8x2x128xbf16>, tensor<1x8x2x128xbf16>) -> tensor<1x8x2x128xbf16>
  return %o : tensor<1x8x2x128xbf16>
}

// -----

func.func @linear(%q: tensor<1x8x2x64xbf16>, %k: tensor<1x8x2x64xbf16>, %v: tensor<1x8x2x64xbf16>) -> tensor<1x8x2x64xbf16> {
  // expected-error @+1 {{has no tile program yet (convert-attn-to-atile covers attn.full and attn.sparse); convert-attn-to-gpu compiles it}}
  %o = attn.linear %q, %k, %v : (tensor<1x8x2x64xbf16>, tensor<1x8x2x64xbf16>, tensor<1x8x2x64xbf16>) -> tensor<1x8x2x64xbf16>
  return %o : tensor<1x8x2x64xbf16>
}

//--- f32.mlir
// f32 inputs: the bf16x3 split. Q, K and V arrive as bf16 hi halves (the
// pointers) and lo halves (after the pointers), made by the split_bf16
// kernel; S = Qh Kh^T + Qh Kl^T + Ql Kh^T and O += Ph (Vh + Vl) + Pl Vh with
// Pl = bf16(P - Ph), all accumulated in f32; O is written in f32.
func.func @f32(%q: tensor<?x?x4x64xf32>, %k: tensor<?x?x2x64xf32>, %v: tensor<?x?x2x64xf32>) -> tensor<?x?x4x64xf32> {
  %o = attn.full %q, %k, %v {causal, tile = #attn.tile<q = 64, kv = 64, stages = 2, warps = 4>} : (tensor<?x?x4x64xf32>, tensor<?x?x2x64xf32>, tensor<?x?x2x64xf32>) -> tensor<?x?x4x64xf32>
  return %o : tensor<?x?x4x64xf32>
}
// F32: gpu.func @f32_full_fwd(%[[QH:.*]]: !llvm.ptr<1>, %[[KH:.*]]: !llvm.ptr<1>, %[[VH:.*]]: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>, %[[O:.*]]: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>, %[[QL:.*]]: !llvm.ptr<1>, %[[KL:.*]]: !llvm.ptr<1>, %[[VL:.*]]: !llvm.ptr<1>, %{{.*}}: i64
// F32-DAG: %[[QHV:.*]] = atile.view %[[QH]]{{.*}} -> !atile.view<?x?x?x?x64xbf16>
// F32-DAG: %[[QLV:.*]] = atile.view %[[QL]]{{.*}} -> !atile.view<?x?x?x?x64xbf16>
// F32-DAG: %[[KHV:.*]] = atile.view %[[KH]]{{.*}} -> !atile.view<?x?x?x64xbf16>
// F32-DAG: %[[KLV:.*]] = atile.view %[[KL]]{{.*}} -> !atile.view<?x?x?x64xbf16>
// F32-DAG: %[[VHV:.*]] = atile.view %[[VH]]{{.*}} -> !atile.view<?x?x?x64xbf16>
// F32-DAG: %[[VLV:.*]] = atile.view %[[VL]]{{.*}} -> !atile.view<?x?x?x64xbf16>
// F32-DAG: %[[OV:.*]] = atile.view %[[O]]{{.*}} -> !atile.view<?x?x?x?x64xf32>
// F32-DAG: %[[QHT:.*]] = atile.stage
// F32-DAG: atile.copy %[[QHV]]{{.*}} -> %[[QHT]]
// F32-DAG: atile.copy %[[QLV]]{{.*}} -> %[[QLT:[^ ]*]]
// F32: scf.for
// F32-DAG: atile.copy %[[KHV]]{{.*}} -> %[[KHT:[^ ]*]] {rows
// F32-DAG: atile.copy %[[KLV]]{{.*}} -> %[[KLT:[^ ]*]] {rows
// F32-DAG: atile.copy %[[VHV]]{{.*}} -> %[[VHT:[^ ]*]] {rows
// F32-DAG: atile.copy %[[VLV]]{{.*}} -> %[[VLT:[^ ]*]] {rows
// F32: %[[S1A:.*]] = atile.mma %[[QHT]], %[[KHT]] {async, transpose_rhs}
// F32: %[[S1:.*]] = atile.mma_wait %[[S1A]]
// F32: %[[S2A:.*]] = atile.mma %[[QHT]], %[[KLT]], %[[S1]] {async, transpose_rhs}
// F32: %[[S2:.*]] = atile.mma_wait %[[S2A]]
// F32: %[[S3A:.*]] = atile.mma %[[QLT]], %[[KHT]], %[[S2]] {async, transpose_rhs}
// F32: %[[S3:.*]] = atile.mma_wait %[[S3A]]
// F32: atile.mask %[[S3]]
// F32: %[[P:.*]], %{{.*}}, %{{.*}}, %{{.*}} = atile.online_softmax
// F32: %[[PH:.*]] = atile.convert %[[P]] : !atile.frag<64x64xf32> -> !atile.frag<64x64xbf16>
// F32: %[[REST:.*]] = atile.map %[[P]]
// F32: arith.truncf
// F32: arith.extf
// F32: arith.subf
// F32: %[[PL:.*]] = atile.convert %[[REST]] : !atile.frag<64x64xf32> -> !atile.frag<64x64xbf16>
// F32: %[[O1A:.*]] = atile.mma %[[PH]], %[[VHT]], %{{.*}} {async}
// F32: %[[O1:.*]] = atile.mma_wait %[[O1A]]
// F32: %[[O2A:.*]] = atile.mma %[[PH]], %[[VLT]], %[[O1]] {async}
// F32: %[[O2:.*]] = atile.mma_wait %[[O2A]]
// F32: %[[O3A:.*]] = atile.mma %[[PL]], %[[VHT]], %[[O2]] {async}
// F32-NOT: atile.convert {{.*}} -> !atile.frag<64x64xbf16>
// F32: atile.store %{{.*}} -> %[[OV]]{{.*}} : !atile.frag<64x64xf32> -> !atile.view<?x?x?x?x64xf32>
