// RUN: attn-opt %s -split-input-file -pass-pipeline='builtin.module(gpu.module(atile-assign-layouts))' -verify-diagnostics | FileCheck %s
// RUN: attn-opt %s -split-input-file -pass-pipeline='builtin.module(gpu.module(atile-assign-layouts{wgmma=false}))' -verify-diagnostics | FileCheck %s --check-prefix=NOWG
// atile-assign-layouts: every fragment gets the kernel's instruction (wgmma
// on sm_90a when every product fits one m64 chain per warpgroup, else
// mma_sync) and warps (row / acc / lhs by rank and element type),
// loop-carried fragments included; copies get an engine; layouts already set
// are kept.

// CHECK-LABEL: gpu.module @m
gpu.module @m attributes {atile.target = #atile.target<"sm_90a">} {
  gpu.func @k(%p: !llvm.ptr<1>, %n: i64, %map: !llvm.ptr) kernel attributes {known_block_size = array<i32: 256, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %v = atile.view %p[%n] tensormap(%map : !llvm.ptr) : !llvm.ptr<1> -> !atile.view<?x64xbf16>
    %b = atile.alloc : !atile.smem<1x128x64xbf16, swizzle = 128>
    %s = atile.stage %b[%c0] : !atile.smem<1x128x64xbf16, swizzle = 128> -> !atile.smem<128x64xbf16, swizzle = 128>
    // CHECK: atile.copy {{.*}} {engine = #atile.engine<cp_async>, rows = array<i64: 0>}
    %t = atile.copy %v[] rows %c0 -> %s {rows = array<i64: 0>} : !atile.view<?x64xbf16> -> !atile.smem<128x64xbf16, swizzle = 128>
    // CHECK: atile.copy {{.*}} {engine = #atile.engine<tma>, rows = array<i64: 0>}
    %t2 = atile.copy %v[] rows %c0 -> %s {rows = array<i64: 0>, engine = #atile.engine<tma>} : !atile.view<?x64xbf16> -> !atile.smem<128x64xbf16, swizzle = 128>
    atile.wait %t, %t2
    // CHECK: atile.fill {{.*}} : !atile.frag<128xf32, #atile.layout<wgmma, row, warps = 8>>
    // NOWG: atile.fill {{.*}} : !atile.frag<128xf32, #atile.layout<mma_sync, row, warps = 8>>
    %m = atile.fill 0.0 : !atile.frag<128xf32>
    // CHECK: atile.fill {{.*}} : !atile.frag<128x64xf32, #atile.layout<wgmma, acc, warps = 8>>
    %o = atile.fill 0.0 : !atile.frag<128x64xf32>
    // CHECK: scf.for {{.*}} -> (!atile.frag<128x64xf32, #atile.layout<wgmma, acc, warps = 8>>) {
    %r = scf.for %i = %c0 to %c1 step %c1 iter_args(%acc = %o) -> (!atile.frag<128x64xf32>) {
      // CHECK: atile.mma {{.*}} -> !atile.frag<128x128xf32, #atile.layout<wgmma, acc, warps = 8>>
      %sc = atile.mma %s, %s {transpose_rhs} : !atile.smem<128x64xbf16, swizzle = 128>, !atile.smem<128x64xbf16, swizzle = 128> -> !atile.frag<128x128xf32>
      // CHECK: atile.convert {{.*}} -> !atile.frag<128x128xbf16, #atile.layout<wgmma, lhs, warps = 8>>
      %pb = atile.convert %sc : !atile.frag<128x128xf32> -> !atile.frag<128x128xbf16>
      %n2 = atile.mma %pb, %s, %acc : !atile.frag<128x128xbf16>, !atile.smem<128x64xbf16, swizzle = 128>, !atile.frag<128x64xf32> -> !atile.frag<128x64xf32>
      scf.yield %n2 : !atile.frag<128x64xf32>
    }
    // A layout set by hand is kept.
    // CHECK: atile.fill {{.*}} : !atile.frag<128xf32, #atile.layout<mma_sync, row, warps = 8>>
    %w = atile.fill 0.0 : !atile.frag<128xf32, #atile.layout<mma_sync, row, warps = 8>>
    gpu.return
  }
}

// -----

// sm_80 has no wgmma; on sm_90a a product of more than 64 rows a warpgroup
// does not fit one chain: mma_sync.
// CHECK-LABEL: gpu.module @sm80
// CHECK: !atile.frag<64x64xf32, #atile.layout<mma_sync, acc, warps = 4>>
gpu.module @sm80 attributes {atile.target = #atile.target<"sm_80">} {
  gpu.func @k(%i: index) kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    %b = atile.alloc : !atile.smem<1x64x64xbf16, swizzle = 128>
    %s = atile.stage %b[%i] : !atile.smem<1x64x64xbf16, swizzle = 128> -> !atile.smem<64x64xbf16, swizzle = 128>
    %sc = atile.mma %s, %s {transpose_rhs} : !atile.smem<64x64xbf16, swizzle = 128>, !atile.smem<64x64xbf16, swizzle = 128> -> !atile.frag<64x64xf32>
    gpu.return
  }
}

// -----

// CHECK-LABEL: gpu.module @tall
// CHECK: !atile.frag<128x64xf32, #atile.layout<mma_sync, acc, warps = 4>>
gpu.module @tall attributes {atile.target = #atile.target<"sm_90a">} {
  gpu.func @k(%i: index) kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    %b = atile.alloc : !atile.smem<1x128x64xbf16, swizzle = 128>
    %s = atile.stage %b[%i] : !atile.smem<1x128x64xbf16, swizzle = 128> -> !atile.smem<128x64xbf16, swizzle = 128>
    %c = atile.alloc : !atile.smem<1x64x64xbf16, swizzle = 128>
    %t = atile.stage %c[%i] : !atile.smem<1x64x64xbf16, swizzle = 128> -> !atile.smem<64x64xbf16, swizzle = 128>
    %sc = atile.mma %s, %t {transpose_rhs} : !atile.smem<128x64xbf16, swizzle = 128>, !atile.smem<64x64xbf16, swizzle = 128> -> !atile.frag<128x64xf32>
    gpu.return
  }
}

// -----

gpu.module @m attributes {atile.target = #atile.target<"sm_90a">} {
  gpu.func @k() kernel attributes {known_block_size = array<i32: 256, 1, 1>} {
    // No products: plain registers (simt), 8 lanes x 4 columns per row.
    // expected-error @+1 {{'atile.fill' op 48 rows do not split into whole passes of 32 rows (simt, 8 warps)}}
    %m = atile.fill 0.0 : !atile.frag<48xf32>
    %s = atile.fill 0.0 : !atile.frag<128x32xf32>
    gpu.return
  }
}

// -----

gpu.module @m attributes {atile.target = #atile.target<"sm_90a">} {
  // expected-error @+1 {{a tile program needs known_block_size = [32 x warps, 1, 1]}}
  gpu.func @k() kernel {
    %m = atile.fill 0.0 : !atile.frag<64xf32>
    gpu.return
  }
}

// -----

// expected-error @+1 {{atile-assign-layouts needs the gpu.module's atile.target}}
gpu.module @m {
  gpu.func @k() kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    %m = atile.fill 0.0 : !atile.frag<64xf32>
    gpu.return
  }
}

// -----

// A program without products (a decode step): every fragment plain
// registers over the kernel's warps, 4-column vectors on 32 / 4 = 8 lanes.
// CHECK-LABEL: gpu.module @simt
// NOWG-LABEL: gpu.module @simt
gpu.module @simt attributes {atile.target = #atile.target<"sm_90a">} {
  gpu.func @k() kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    // CHECK: atile.fill 0.000000e+00 : !atile.frag<128x32xf32, #atile.layout<simt, acc, warps = 4, lanes = 8>>
    // NOWG: atile.fill 0.000000e+00 : !atile.frag<128x32xf32, #atile.layout<simt, acc, warps = 4, lanes = 8>>
    %s = atile.fill 0.0 : !atile.frag<128x32xf32>
    // CHECK: atile.fill 0.000000e+00 : !atile.frag<128xf32, #atile.layout<simt, row, warps = 4, lanes = 8>>
    %k = atile.fill 0.0 : !atile.frag<128xf32>
    // CHECK: atile.reduce sum {{.*}} -> !atile.frag<1x32xf32, #atile.layout<simt, acc, warps = 4, lanes = 8>>
    %u = atile.reduce sum %s {dim = 0 : i64} : !atile.frag<128x32xf32> -> !atile.frag<1x32xf32>
    gpu.return
  }
}

// -----

gpu.module @simt_widths attributes {atile.target = #atile.target<"sm_90a">} {
  gpu.func @k() kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    %s = atile.fill 0.0 : !atile.frag<128x32xf32>
    // expected-error @+1 {{plain-register (simt) programs take one column width}}
    %t = atile.fill 0.0 : !atile.frag<128x16xf32>
    gpu.return
  }
}
