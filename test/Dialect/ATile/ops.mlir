// RUN: attn-opt %s | attn-opt | FileCheck %s
// RUN: attn-opt %s -mlir-print-op-generic | attn-opt | FileCheck %s
// Every atile type, attribute and op round-trips through the printer and the
// parser (custom and generic forms).

// CHECK-LABEL: gpu.module @kernels
// CHECK-SAME: atile.target = #atile.target<"sm_90a">
gpu.module @kernels attributes {atile.target = #atile.target<"sm_90a">} {
  // CHECK-LABEL: gpu.func @one_tile
  gpu.func @one_tile(%qp: !llvm.ptr, %kp: !llvm.ptr, %op: !llvm.ptr, %B: i64,
                     %T: i64, %H: i64, %qmap: !llvm.ptr) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %g = arith.constant 4 : index
    // CHECK: atile.view %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] tensormap(%{{.*}} : !llvm.ptr) : !llvm.ptr -> !atile.view<?x?x?x128xbf16>
    %q = atile.view %qp[%B, %T, %H] tensormap(%qmap : !llvm.ptr) : !llvm.ptr -> !atile.view<?x?x?x128xbf16>
    // CHECK: atile.view %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] : !llvm.ptr -> !atile.view<?x?x?x128xbf16>
    %k = atile.view %kp[%B, %T, %H] : !llvm.ptr -> !atile.view<?x?x?x128xbf16>
    // CHECK: !atile.view<?x?x2x4x128xbf16>
    %o = atile.view %op[%B, %T] : !llvm.ptr -> !atile.view<?x?x2x4x128xbf16>
    // CHECK: atile.alloc : !atile.smem<1x128x128xbf16, swizzle = 128>
    %sq = atile.alloc : !atile.smem<1x128x128xbf16, swizzle = 128>
    // CHECK: atile.alloc : !atile.smem<2x64x128xbf16, swizzle = 128>
    %sk = atile.alloc : !atile.smem<2x64x128xbf16, swizzle = 128>
    // CHECK: atile.stage %{{.*}}[%{{.*}}] : !atile.smem<1x128x128xbf16, swizzle = 128> -> !atile.smem<128x128xbf16, swizzle = 128>
    %q0 = atile.stage %sq[%c0] : !atile.smem<1x128x128xbf16, swizzle = 128> -> !atile.smem<128x128xbf16, swizzle = 128>
    %k1 = atile.stage %sk[%c1] : !atile.smem<2x64x128xbf16, swizzle = 128> -> !atile.smem<64x128xbf16, swizzle = 128>
    // CHECK: atile.copy %{{.*}}[%{{.*}}, %{{.*}}] rows %{{.*}} -> %{{.*}} {engine = #atile.engine<tma>, rows = array<i64: 1>}
    %t0 = atile.copy %q[%c0, %c1] rows %c0 -> %q0 {rows = array<i64: 1>, engine = #atile.engine<tma>} : !atile.view<?x?x?x128xbf16> -> !atile.smem<128x128xbf16, swizzle = 128>
    %t1 = atile.copy %k[%c0, %c1] rows %c0 -> %k1 {rows = array<i64: 1>} : !atile.view<?x?x?x128xbf16> -> !atile.smem<64x128xbf16, swizzle = 128>
    // An unswizzled one-row tile takes TMA boxes too (f32 decays).
    %gv = atile.view %qp[%B, %T] tensormap(%qmap : !llvm.ptr) : !llvm.ptr -> !atile.view<?x?x128xf32>
    %sg = atile.alloc : !atile.smem<2x1x128xf32>
    %g1 = atile.stage %sg[%c1] : !atile.smem<2x1x128xf32> -> !atile.smem<1x128xf32>
    // CHECK: atile.copy {{.*}} {engine = #atile.engine<tma>, rows = array<i64: 1>} : !atile.view<?x?x128xf32> -> !atile.smem<1x128xf32>
    %t2 = atile.copy %gv[%c0] rows %c0 -> %g1 {rows = array<i64: 1>, engine = #atile.engine<tma>} : !atile.view<?x?x128xf32> -> !atile.smem<1x128xf32>
    // CHECK: atile.wait %{{.*}}, %{{.*}}
    atile.wait %t0, %t1, %t2
    // The decays' row as a column vector (broadcast down the rows in maps).
    // CHECK: atile.load %{{.*}} : !atile.smem<1x128xf32> -> !atile.frag<1x128xf32>
    %gcol = atile.load %g1 : !atile.smem<1x128xf32> -> !atile.frag<1x128xf32>
    // CHECK: atile.wait {pending = 1 : i64}
    atile.wait {pending = 1}
    // CHECK: atile.fill 0xFF800000 : !atile.frag<128xf32, #atile.layout<wgmma, row, warps = 8>>
    %m0 = atile.fill 0xFF800000 : !atile.frag<128xf32, #atile.layout<wgmma, row, warps = 8>>
    %l0 = atile.fill 0.0 : !atile.frag<128xf32, #atile.layout<wgmma, row, warps = 8>>
    %acc = atile.fill 0.0 : !atile.frag<128x128xf32, #atile.layout<wgmma, acc, warps = 8>>
    // CHECK: atile.mma %{{.*}}, %{{.*}} {async, transpose_rhs} : !atile.smem<128x128xbf16, swizzle = 128>, !atile.smem<64x128xbf16, swizzle = 128> -> !atile.frag<128x64xf32, #atile.layout<wgmma, acc, warps = 8>>
    %s = atile.mma %q0, %k1 {transpose_rhs, async} : !atile.smem<128x128xbf16, swizzle = 128>, !atile.smem<64x128xbf16, swizzle = 128> -> !atile.frag<128x64xf32, #atile.layout<wgmma, acc, warps = 8>>
    // CHECK: atile.mma_wait %{{.*}} {pending = 1 : i64} : !atile.frag<128x64xf32, #atile.layout<wgmma, acc, warps = 8>>
    %s1 = atile.mma_wait %s {pending = 1} : !atile.frag<128x64xf32, #atile.layout<wgmma, acc, warps = 8>>
    // CHECK: atile.mask %{{.*}} row %{{.*}} col %{{.*}} keys %{{.*}} group %{{.*}} offset %{{.*}} {causal, window = 256 : i64}
    %sm = atile.mask %s1 row %c0 col %c0 keys %c1 group %g offset %c0 {causal, window = 256} : !atile.frag<128x64xf32, #atile.layout<wgmma, acc, warps = 8>>
    // CHECK: atile.online_softmax %{{.*}}, %{{.*}}, %{{.*}} {scale = 0.0883883461 : f32}
    %p, %m1, %l1, %alpha = atile.online_softmax %sm, %m0, %l0 {scale = 0.0883883461 : f32} : !atile.frag<128x64xf32, #atile.layout<wgmma, acc, warps = 8>>, !atile.frag<128xf32, #atile.layout<wgmma, row, warps = 8>>
    // CHECK: atile.reduce max %{{.*}} : !atile.frag<128x64xf32, #atile.layout<wgmma, acc, warps = 8>> -> !atile.frag<128xf32, #atile.layout<wgmma, row, warps = 8>>
    %mx = atile.reduce max %p : !atile.frag<128x64xf32, #atile.layout<wgmma, acc, warps = 8>> -> !atile.frag<128xf32, #atile.layout<wgmma, row, warps = 8>>
    // CHECK: atile.map %{{.*}}, %{{.*}} : !atile.frag<128x128xf32, #atile.layout<wgmma, acc, warps = 8>>, !atile.frag<128xf32, #atile.layout<wgmma, row, warps = 8>> -> !atile.frag<128x128xf32, #atile.layout<wgmma, acc, warps = 8>> {
    // CHECK: atile.yield %{{.*}} : f32
    %acc1 = atile.map %acc, %alpha : !atile.frag<128x128xf32, #atile.layout<wgmma, acc, warps = 8>>, !atile.frag<128xf32, #atile.layout<wgmma, row, warps = 8>> -> !atile.frag<128x128xf32, #atile.layout<wgmma, acc, warps = 8>> {
    ^bb0(%x: f32, %a: f32):
      %y = arith.mulf %x, %a : f32
      atile.yield %y : f32
    }
    // CHECK: atile.convert %{{.*}} : !atile.frag<128x64xf32, #atile.layout<wgmma, acc, warps = 8>> -> !atile.frag<128x64xbf16, #atile.layout<wgmma, lhs, warps = 8>>
    %p16 = atile.convert %p : !atile.frag<128x64xf32, #atile.layout<wgmma, acc, warps = 8>> -> !atile.frag<128x64xbf16, #atile.layout<wgmma, lhs, warps = 8>>
    // CHECK: atile.mma %{{.*}}, %{{.*}}, %{{.*}} : !atile.frag<128x64xbf16, #atile.layout<wgmma, lhs, warps = 8>>, !atile.smem<64x128xbf16, swizzle = 128>, !atile.frag<128x128xf32, #atile.layout<wgmma, acc, warps = 8>> -> !atile.frag<128x128xf32, #atile.layout<wgmma, acc, warps = 8>>
    %acc2 = atile.mma %p16, %k1, %acc1 : !atile.frag<128x64xbf16, #atile.layout<wgmma, lhs, warps = 8>>, !atile.smem<64x128xbf16, swizzle = 128>, !atile.frag<128x128xf32, #atile.layout<wgmma, acc, warps = 8>> -> !atile.frag<128x128xf32, #atile.layout<wgmma, acc, warps = 8>>
    // CHECK: atile.quantize %{{.*}} : !atile.frag<128x128xf32> -> !atile.frag<128x128xf8E4M3FN>, !atile.frag<128xf32>
    %raw = atile.fill 1.0 : !atile.frag<128x128xf32>
    %q8, %qs = atile.quantize %raw : !atile.frag<128x128xf32> -> !atile.frag<128x128xf8E4M3FN>, !atile.frag<128xf32>
    // CHECK: atile.load %{{.*}} : !atile.smem<128x128xbf16, swizzle = 128> -> !atile.frag<128x128xbf16>
    %qf = atile.load %q0 : !atile.smem<128x128xbf16, swizzle = 128> -> !atile.frag<128x128xbf16>
    %out = atile.convert %acc2 : !atile.frag<128x128xf32, #atile.layout<wgmma, acc, warps = 8>> -> !atile.frag<128x128xbf16, #atile.layout<wgmma, acc, warps = 8>>
    // CHECK: atile.store %{{.*}} -> %{{.*}}[%{{.*}}, %{{.*}}] rows %{{.*}} {rows = array<i64: 1, 3>}
    atile.store %out -> %o[%c0, %c1] rows %c0 {rows = array<i64: 1, 3>} : !atile.frag<128x128xbf16, #atile.layout<wgmma, acc, warps = 8>> -> !atile.view<?x?x2x4x128xbf16>
    // CHECK: atile.store %{{.*}} -> %{{.*}}[%{{.*}}, %{{.*}}] rows %{{.*}} via %{{.*}} : !atile.smem<128x128xbf16, swizzle = 128> {rows = array<i64: 1, 3>}
    atile.store %out -> %o[%c0, %c1] rows %c0 via %q0 : !atile.smem<128x128xbf16, swizzle = 128> {rows = array<i64: 1, 3>} : !atile.frag<128x128xbf16, #atile.layout<wgmma, acc, warps = 8>> -> !atile.view<?x?x2x4x128xbf16>
    // FP8 pieces: per-row and per-tile scales read from global views, scaled
    // softmax, P rounded to e4m3.
    %sqv = atile.view %op[%B, %T] : !llvm.ptr -> !atile.view<?x?x2x4xf32>
    // CHECK: atile.read %{{.*}}[%{{.*}}, %{{.*}}] rows %{{.*}} {padding = 1.000000e+00 : f32, rows = array<i64: 1, 3>} : !atile.view<?x?x2x4xf32> -> !atile.frag<128xf32>
    %sqr = atile.read %sqv[%c0, %c1] rows %c0 {rows = array<i64: 1, 3>, padding = 1.0 : f32} : !atile.view<?x?x2x4xf32> -> !atile.frag<128xf32>
    // CHECK: atile.read %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : !atile.view<?x?x2x4xf32> -> f32
    %skr = atile.read %sqv[%c0, %c1, %c0, %c1] : !atile.view<?x?x2x4xf32> -> f32
    %sc = atile.fill 1.0 : !atile.frag<128x128xf32>
    %mi = atile.fill 0.0 : !atile.frag<128xf32>
    // CHECK: atile.online_softmax %{{.*}}, %{{.*}}, %{{.*}} scaled %{{.*}} : !atile.frag<128xf32> {log2_prob_scale = 8 : i64, scale = 0.0883883461 : f32}
    %p8, %m8, %l8, %a8 = atile.online_softmax %sc, %mi, %mi scaled %sqr : !atile.frag<128xf32> {scale = 0.0883883461 : f32, log2_prob_scale = 8 : i64} : !atile.frag<128x128xf32>, !atile.frag<128xf32>
    // CHECK: atile.convert %{{.*}} : !atile.frag<128x128xf32> -> !atile.frag<128x128xf8E4M3FN>
    %pe = atile.convert %p8 : !atile.frag<128x128xf32> -> !atile.frag<128x128xf8E4M3FN>
    gpu.return
  }

  // A sparse query's keys: rows gathered through its index-table entries;
  // the mask drops the absent ones.
  // CHECK-LABEL: gpu.func @gathered
  gpu.func @gathered(%kp: !llvm.ptr<1>, %ip: !llvm.ptr<1>, %B: i64, %S: i64,
                     %T: i64, %N: i64, %t: index, %bound: index) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %k = atile.view %kp[%B, %S] : !llvm.ptr<1> -> !atile.view<?x?x1x128xbf16>
    %idx = atile.view %ip[%B, %T, %N] : !llvm.ptr<1> -> !atile.view<?x?x1x?xi32>
    // CHECK: atile.gather %{{.*}} by %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] dim 1 block 64 bound %{{.*}} : !atile.view<?x?x1x128xbf16>, !atile.view<?x?x1x?xi32> -> !atile.view<?x?x1x128xbf16>
    %kg = atile.gather %k by %idx[%c0, %t, %c0] dim 1 block 64 bound %bound : !atile.view<?x?x1x128xbf16>, !atile.view<?x?x1x?xi32> -> !atile.view<?x?x1x128xbf16>
    %sk = atile.alloc : !atile.smem<1x32x128xbf16, swizzle = 128>
    %k0 = atile.stage %sk[%c0] : !atile.smem<1x32x128xbf16, swizzle = 128> -> !atile.smem<32x128xbf16, swizzle = 128>
    // CHECK: atile.copy %{{.*}}[%{{.*}}, %{{.*}}] rows %{{.*}} -> %{{.*}} {rows = array<i64: 1>} : !atile.view<?x?x1x128xbf16> -> !atile.smem<32x128xbf16, swizzle = 128>
    %tk = atile.copy %kg[%c0, %c0] rows %c0 -> %k0 {rows = array<i64: 1>} : !atile.view<?x?x1x128xbf16> -> !atile.smem<32x128xbf16, swizzle = 128>
    atile.wait %tk
    %s = atile.fill 0.0 : !atile.frag<16x32xf32>
    // CHECK: atile.mask %{{.*}} row %{{.*}} col %{{.*}} keys %{{.*}} group %{{.*}} offset %{{.*}} gathered %{{.*}} : !atile.view<?x?x1x128xbf16> : !atile.frag<16x32xf32>
    %sm = atile.mask %s row %c0 col %c0 keys %bound group %c1 offset %c0 gathered %kg : !atile.view<?x?x1x128xbf16> : !atile.frag<16x32xf32>
    gpu.return
  }

  // CHECK-LABEL: gpu.func @roles
  gpu.func @roles() kernel {
    %j = arith.constant 3 : index
    %ring = atile.alloc : !atile.smem<2x64x128xbf16, swizzle = 128>
    // CHECK: atile.warp_specialize {consumer_regs = 240 : i64, consumers = 2 : i64, producer_regs = 24 : i64, producer_warps = 4 : i64} producer {
    // CHECK: atile.acquire %{{.*}}[%{{.*}}] : !atile.smem<2x64x128xbf16, swizzle = 128>
    // CHECK: } consumer {
    // CHECK: ^bb0(%{{.*}}: index):
    // CHECK: atile.await %{{.*}}[%{{.*}}] : !atile.smem<2x64x128xbf16, swizzle = 128>
    // CHECK: atile.turn_acquire
    // CHECK: atile.turn_release
    // CHECK: atile.release %{{.*}}[%{{.*}}] : !atile.smem<2x64x128xbf16, swizzle = 128>
    atile.warp_specialize {producer_warps = 4, consumers = 2, producer_regs = 24, consumer_regs = 240} producer {
      atile.acquire %ring[%j] : !atile.smem<2x64x128xbf16, swizzle = 128>
      atile.yield
    } consumer {
    ^bb0(%c: index):
      atile.await %ring[%j] : !atile.smem<2x64x128xbf16, swizzle = 128>
      atile.turn_acquire
      atile.turn_release
      atile.release %ring[%j] : !atile.smem<2x64x128xbf16, swizzle = 128>
      atile.yield
    }
    gpu.return
  }

  // One consumer warpgroup: 256 threads, no register budgets to move.
  // CHECK-LABEL: gpu.func @roles_one
  gpu.func @roles_one() kernel {
    // CHECK: atile.warp_specialize {consumers = 1 : i64, producer_warps = 4 : i64} producer {
    atile.warp_specialize {producer_warps = 4, consumers = 1} producer {
      atile.yield
    } consumer {
    ^bb0(%c: index):
      atile.yield
    }
    gpu.return
  }

  // The chunked scan's transposed traffic: U^T from a shared tile, S^T read
  // and written transposed, a column vector on an accumulator layout.
  // CHECK-LABEL: gpu.func @transposed
  gpu.func @transposed(%p: !llvm.ptr<1>, %n: i64) kernel {
    %c0 = arith.constant 0 : index
    %ub = atile.alloc : !atile.smem<1x64x64xbf16, swizzle = 128>
    %u = atile.stage %ub[%c0] : !atile.smem<1x64x64xbf16, swizzle = 128> -> !atile.smem<64x64xbf16, swizzle = 128>
    // CHECK: atile.load %{{.*}} {transpose} : !atile.smem<64x64xbf16, swizzle = 128> -> !atile.frag<64x64xf32>
    %ut = atile.load %u {transpose} : !atile.smem<64x64xbf16, swizzle = 128> -> !atile.frag<64x64xf32>
    %s = atile.view %p[%n] : !llvm.ptr<1> -> !atile.view<?x128x64xf32>
    // CHECK: atile.read %{{.*}}[%{{.*}}] rows %{{.*}} {rows = array<i64: 1>, transpose} : !atile.view<?x128x64xf32> -> !atile.frag<64x128xf32>
    %st = atile.read %s[%c0] rows %c0 {rows = array<i64: 1>, transpose} : !atile.view<?x128x64xf32> -> !atile.frag<64x128xf32>
    %g = atile.view %p[%n] : !llvm.ptr<1> -> !atile.view<?x128xf32>
    // CHECK: atile.read %{{.*}}[] rows %{{.*}} {rows = array<i64: 0>} : !atile.view<?x128xf32> -> !atile.frag<1x128xf32, #atile.layout<mma_sync, acc, warps = 4>>
    %gc = atile.read %g[] rows %c0 {rows = array<i64: 0>} : !atile.view<?x128xf32> -> !atile.frag<1x128xf32, #atile.layout<mma_sync, acc, warps = 4>>
    // CHECK: atile.store %{{.*}} -> %{{.*}}[%{{.*}}] rows %{{.*}} {rows = array<i64: 1>, transpose} : !atile.frag<64x128xf32> -> !atile.view<?x128x64xf32>
    atile.store %st -> %s[%c0] rows %c0 {rows = array<i64: 1>, transpose} : !atile.frag<64x128xf32> -> !atile.view<?x128x64xf32>
    gpu.return
  }

  // The chunked prep's ops: the gates' cumulative sums in place, a column
  // block of a tile, a row of it as a column vector, the gated Gram
  // products, indices, the triangular solve, a fragment put into a tile.
  // CHECK-LABEL: gpu.func @chunk
  gpu.func @chunk(%p: !llvm.ptr<1>, %n: i64) kernel {
    %c0 = arith.constant 0 : index
    %kbuf = atile.alloc : !atile.smem<1x64x128xbf16, swizzle = 128>
    %k = atile.stage %kbuf[%c0] : !atile.smem<1x64x128xbf16, swizzle = 128> -> !atile.smem<64x128xbf16, swizzle = 128>
    %gbuf = atile.alloc : !atile.smem<1x64x128xf32, swizzle = 128>
    %g = atile.stage %gbuf[%c0] : !atile.smem<1x64x128xf32, swizzle = 128> -> !atile.smem<64x128xf32, swizzle = 128>
    // CHECK: atile.scan %{{.*}} {scale = 2.000000e+00 : f32} : !atile.smem<64x128xf32, swizzle = 128>
    atile.scan %g {scale = 2.0 : f32} : !atile.smem<64x128xf32, swizzle = 128>
    // CHECK: atile.subtile %{{.*}}[%{{.*}}] {cols = 64 : i64} : !atile.smem<64x128xf32, swizzle = 128> -> !atile.smem<64x64xf32, swizzle = 128>
    %g1 = atile.subtile %g[%c0] {cols = 64} : !atile.smem<64x128xf32, swizzle = 128> -> !atile.smem<64x64xf32, swizzle = 128>
    // CHECK: atile.load %{{.*}} {row = 63 : i64} : !atile.smem<64x64xf32, swizzle = 128> -> !atile.frag<1x64xf32>
    %bc = atile.load %g1 {row = 63} : !atile.smem<64x64xf32, swizzle = 128> -> !atile.frag<1x64xf32>
    // CHECK: atile.gated_gram %{{.*}}, %{{.*}} gates %{{.*}} : !atile.smem<64x128xbf16, swizzle = 128>, !atile.smem<64x128xbf16, swizzle = 128>, !atile.smem<64x128xf32, swizzle = 128> -> !atile.frag<64x64xf32>, !atile.frag<64x64xf32>
    %kk, %qk = atile.gated_gram %k, %k gates %g : !atile.smem<64x128xbf16, swizzle = 128>, !atile.smem<64x128xbf16, swizzle = 128>, !atile.smem<64x128xf32, swizzle = 128> -> !atile.frag<64x64xf32>, !atile.frag<64x64xf32>
    // CHECK: atile.iota : !atile.frag<64xf32>
    %i = atile.iota : !atile.frag<64xf32>
    // CHECK: atile.iota %{{.*}} : !atile.frag<1x64xf32>
    %j = atile.iota %c0 : !atile.frag<1x64xf32>
    // CHECK: atile.tril_solve %{{.*}} scratch %{{.*}} : !atile.frag<64x64xf32>, !atile.smem<64x128xf32, swizzle = 128> -> !atile.frag<64x64xf32>
    %x = atile.tril_solve %kk scratch %g : !atile.frag<64x64xf32>, !atile.smem<64x128xf32, swizzle = 128> -> !atile.frag<64x64xf32>
    %kf = atile.load %k : !atile.smem<64x128xbf16, swizzle = 128> -> !atile.frag<64x128xbf16>
    // CHECK: atile.put %{{.*}} -> %{{.*}} : !atile.frag<64x128xbf16> -> !atile.smem<64x128xbf16, swizzle = 128>
    atile.put %kf -> %k : !atile.frag<64x128xbf16> -> !atile.smem<64x128xbf16, swizzle = 128>
    // A scalar gate: rows put along a 1 x 64 tile, summed along it, read
    // back as rows, as a column vector and as its last element.
    %bbuf = atile.alloc : !atile.smem<1x1x64xf32>
    %bt = atile.stage %bbuf[%c0] : !atile.smem<1x1x64xf32> -> !atile.smem<1x64xf32>
    // CHECK: atile.put %{{.*}} -> %{{.*}} : !atile.frag<64xf32> -> !atile.smem<1x64xf32>
    atile.put %i -> %bt : !atile.frag<64xf32> -> !atile.smem<1x64xf32>
    // CHECK: atile.scan %{{.*}} {dim = 1 : i64} : !atile.smem<1x64xf32>
    atile.scan %bt {dim = 1} : !atile.smem<1x64xf32>
    // CHECK: atile.load %{{.*}} : !atile.smem<1x64xf32> -> !atile.frag<64xf32>
    %br = atile.load %bt : !atile.smem<1x64xf32> -> !atile.frag<64xf32>
    // CHECK: atile.load %{{.*}} {col = 63 : i64} : !atile.smem<1x64xf32> -> f32
    %bl = atile.load %bt {col = 63} : !atile.smem<1x64xf32> -> f32
    gpu.return
  }
}
