// RUN: attn-opt %s -split-input-file -pass-pipeline='builtin.module(gpu.module(atile-pipeline))' | FileCheck %s
// atile-pipeline: the copies of tile j + d are issued during tile j (d =
// max(1, stages - 1)); one stage: right after the last reader of the tile,
// several: at the top; the first d tiles' copies before the loop; waits count
// the copies that may stay in flight; a drain after the loop.

// One stage (FlashAttention-2's schedule): K of j + 1 once Q K_j^T read K_j,
// V of j + 1 after P V_j.
// CHECK-LABEL: gpu.func @one_stage
gpu.module @m {
  gpu.func @one_stage(%p: !llvm.ptr<1>, %n: i64, %nt: index) kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    %kv = atile.view %p[%n] : !llvm.ptr<1> -> !atile.view<?x64xbf16>
    %sq = atile.alloc : !atile.smem<1x64x64xbf16, swizzle = 128>
    %sk = atile.alloc : !atile.smem<1x64x64xbf16, swizzle = 128>
    %sv = atile.alloc : !atile.smem<1x64x64xbf16, swizzle = 128>
    %q = atile.stage %sq[%c0] : !atile.smem<1x64x64xbf16, swizzle = 128> -> !atile.smem<64x64xbf16, swizzle = 128>
    %o0 = atile.fill 0.0 : !atile.frag<64x64xf32>
    // Prologue: tile 0's K then V.
    // CHECK: %[[K0:.*]] = arith.muli %c0{{.*}}, %c64
    // CHECK: atile.copy %{{.*}}[] rows %[[K0]] -> %{{.*}} {rows = array<i64: 0>}
    // CHECK: atile.copy %{{.*}}[] rows %{{.*}} -> %{{.*}} {rows = array<i64: 0>}
    // CHECK: scf.for %[[J:[a-z0-9_]+]] =
    %r = scf.for %j = %c0 to %nt step %c1 iter_args(%o = %o0) -> (!atile.frag<64x64xf32>) {
      %row = arith.muli %j, %c64 : index
      %st = arith.remsi %j, %c1 : index
      %k = atile.stage %sk[%st] : !atile.smem<1x64x64xbf16, swizzle = 128> -> !atile.smem<64x64xbf16, swizzle = 128>
      %v = atile.stage %sv[%st] : !atile.smem<1x64x64xbf16, swizzle = 128> -> !atile.smem<64x64xbf16, swizzle = 128>
      %tk = atile.copy %kv[] rows %row -> %k {rows = array<i64: 0>} : !atile.view<?x64xbf16> -> !atile.smem<64x64xbf16, swizzle = 128>
      %tv = atile.copy %kv[] rows %row -> %v {rows = array<i64: 0>} : !atile.view<?x64xbf16> -> !atile.smem<64x64xbf16, swizzle = 128>
      // K_j: V_j (issued after it) may stay in flight.
      // CHECK: atile.wait {pending = 1 : i64}
      // CHECK-NEXT: atile.mma
      atile.wait %tk
      %s = atile.mma %q, %k {transpose_rhs} : !atile.smem<64x64xbf16, swizzle = 128>, !atile.smem<64x64xbf16, swizzle = 128> -> !atile.frag<64x64xf32>
      // CHECK: %[[ONE:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[J1:.*]] = arith.addi %[[J]], %[[ONE]]
      // CHECK: %[[R1:.*]] = arith.muli %[[J1]], %c64
      // CHECK: atile.copy %{{.*}}[] rows %[[R1]]
      %p16 = atile.convert %s : !atile.frag<64x64xf32> -> !atile.frag<64x64xbf16>
      // V_j: K_{j+1} (issued after it) may stay in flight.
      // CHECK: atile.wait {pending = 1 : i64}
      // CHECK-NEXT: atile.mma
      atile.wait %tv
      %o1 = atile.mma %p16, %v, %o : !atile.frag<64x64xbf16>, !atile.smem<64x64xbf16, swizzle = 128>, !atile.frag<64x64xf32> -> !atile.frag<64x64xf32>
      // CHECK: atile.copy
      // CHECK-NEXT: scf.yield
      scf.yield %o1 : !atile.frag<64x64xf32>
    }
    // CHECK: atile.wait {pending = 0 : i64}
    gpu.return
  }
}

// -----

// Three stages: two tiles ahead, at the top of the iteration.
// CHECK-LABEL: gpu.func @three_stages
gpu.module @m {
  gpu.func @three_stages(%p: !llvm.ptr<1>, %n: i64, %nt: index) kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c3 = arith.constant 3 : index
    %c64 = arith.constant 64 : index
    %kv = atile.view %p[%n] : !llvm.ptr<1> -> !atile.view<?x64xbf16>
    %sk = atile.alloc : !atile.smem<3x64x64xbf16, swizzle = 128>
    // CHECK-COUNT-2: atile.copy
    // CHECK: scf.for %[[J:[a-z0-9_]+]] =
    // CHECK-NEXT: %[[TWO:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[J2:.*]] = arith.addi %[[J]], %[[TWO]]
    // CHECK: arith.remsi %[[J2]], %c3
    // CHECK: atile.copy
    // Tile j was issued two iterations ago: j + 1 and j + 2 may be in flight.
    // CHECK: atile.wait {pending = 2 : i64}
    scf.for %j = %c0 to %nt step %c1 {
      %row = arith.muli %j, %c64 : index
      %st = arith.remsi %j, %c3 : index
      %k = atile.stage %sk[%st] : !atile.smem<3x64x64xbf16, swizzle = 128> -> !atile.smem<64x64xbf16, swizzle = 128>
      %tk = atile.copy %kv[] rows %row -> %k {rows = array<i64: 0>} : !atile.view<?x64xbf16> -> !atile.smem<64x64xbf16, swizzle = 128>
      atile.wait %tk
      %s = atile.mma %k, %k {transpose_rhs} : !atile.smem<64x64xbf16, swizzle = 128>, !atile.smem<64x64xbf16, swizzle = 128> -> !atile.frag<64x64xf32>
    }
    // CHECK: atile.wait {pending = 0 : i64}
    gpu.return
  }
}

// -----

// A stage index that is not `j mod stages`: left as it is.
// CHECK-LABEL: gpu.func @other_shape
gpu.module @m {
  gpu.func @other_shape(%p: !llvm.ptr<1>, %n: i64, %nt: index) kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %kv = atile.view %p[%n] : !llvm.ptr<1> -> !atile.view<?x64xbf16>
    %sk = atile.alloc : !atile.smem<2x64x64xbf16, swizzle = 128>
    // CHECK: scf.for
    // CHECK: atile.copy
    // CHECK: atile.wait %{{.*}}
    // CHECK-NOT: pending
    scf.for %j = %c0 to %nt step %c1 {
      %k = atile.stage %sk[%c1] : !atile.smem<2x64x64xbf16, swizzle = 128> -> !atile.smem<64x64xbf16, swizzle = 128>
      %tk = atile.copy %kv[] rows %j -> %k {rows = array<i64: 0>} : !atile.view<?x64xbf16> -> !atile.smem<64x64xbf16, swizzle = 128>
      atile.wait %tk
    }
    gpu.return
  }
}

// -----

// An asynchronous product reads its tile until its wait: with one stage the
// next tile's copy follows the atile.mma_wait, not the atile.mma.
// CHECK-LABEL: gpu.func @async_reader
gpu.module @m {
  gpu.func @async_reader(%p: !llvm.ptr<1>, %n: i64, %nt: index) kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    %kv = atile.view %p[%n] : !llvm.ptr<1> -> !atile.view<?x64xbf16>
    %sk = atile.alloc : !atile.smem<1x64x64xbf16, swizzle = 128>
    // CHECK: scf.for
    // CHECK: atile.mma {{.*}}async
    // CHECK-NOT: atile.copy
    // CHECK: atile.mma_wait
    // CHECK: atile.copy
    scf.for %j = %c0 to %nt step %c1 {
      %row = arith.muli %j, %c64 : index
      %st = arith.remsi %j, %c1 : index
      %k = atile.stage %sk[%st] : !atile.smem<1x64x64xbf16, swizzle = 128> -> !atile.smem<64x64xbf16, swizzle = 128>
      %tk = atile.copy %kv[] rows %row -> %k {rows = array<i64: 0>} : !atile.view<?x64xbf16> -> !atile.smem<64x64xbf16, swizzle = 128>
      atile.wait %tk
      %s = atile.mma %k, %k {transpose_rhs, async} : !atile.smem<64x64xbf16, swizzle = 128>, !atile.smem<64x64xbf16, swizzle = 128> -> !atile.frag<64x64xf32>
      %s1 = atile.mma_wait %s {pending = 0} : !atile.frag<64x64xf32>
    }
    gpu.return
  }
}

// -----

// Stages indexed by the tile of iteration j + 1 (the overlapped loop's K):
// `(j + 1) mod stages` is pipelined like `j mod stages`.
// CHECK-LABEL: gpu.func @shifted_stage
gpu.module @m {
  gpu.func @shifted_stage(%p: !llvm.ptr<1>, %n: i64, %nt: index) kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c64 = arith.constant 64 : index
    %kv = atile.view %p[%n] : !llvm.ptr<1> -> !atile.view<?x64xbf16>
    %sk = atile.alloc : !atile.smem<2x64x64xbf16, swizzle = 128>
    // CHECK: atile.copy
    // CHECK: scf.for
    // CHECK: atile.copy
    // CHECK: atile.wait {pending = 1 : i64}
    scf.for %j = %c0 to %nt step %c1 {
      %j1 = arith.addi %j, %c1 : index
      %row = arith.muli %j1, %c64 : index
      %st = arith.remsi %j1, %c2 : index
      %k = atile.stage %sk[%st] : !atile.smem<2x64x64xbf16, swizzle = 128> -> !atile.smem<64x64xbf16, swizzle = 128>
      %tk = atile.copy %kv[] rows %row -> %k {rows = array<i64: 0>} : !atile.view<?x64xbf16> -> !atile.smem<64x64xbf16, swizzle = 128>
      atile.wait %tk
      %s = atile.mma %k, %k {transpose_rhs} : !atile.smem<64x64xbf16, swizzle = 128>, !atile.smem<64x64xbf16, swizzle = 128> -> !atile.frag<64x64xf32>
    }
    gpu.return
  }
}

// -----

// The prologue issues tile 0's copies in the order the body issues the later
// tiles' (the waits' counts assume it), not in the copies' original order:
// here (the bf16 halves of f32 K and V) hi K, hi V, lo K, lo V are written,
// but K's halves are prefetched first (after their products), so the
// prologue copies K hi, K lo, V hi, V lo and the first wait lets only V's two
// copies stay in flight.
// CHECK-LABEL: gpu.func @issue_order
gpu.module @m {
  gpu.func @issue_order(%p: !llvm.ptr<1>, %n: i64, %nt: index) kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    %kv = atile.view %p[%n] : !llvm.ptr<1> -> !atile.view<?x64xbf16>
    // CHECK: atile.alloc
    %sq = atile.alloc : !atile.smem<1x64x64xbf16, swizzle = 128>
    // CHECK-NEXT: %[[KHI:.*]] = atile.alloc
    // CHECK: %[[KLO:.*]] = atile.alloc
    // CHECK: %[[VHI:.*]] = atile.alloc
    // CHECK: %[[VLO:.*]] = atile.alloc
    %skh = atile.alloc : !atile.smem<1x64x64xbf16, swizzle = 128>
    %skl = atile.alloc : !atile.smem<1x64x64xbf16, swizzle = 128>
    %svh = atile.alloc : !atile.smem<1x64x64xbf16, swizzle = 128>
    %svl = atile.alloc : !atile.smem<1x64x64xbf16, swizzle = 128>
    %q = atile.stage %sq[%c0] : !atile.smem<1x64x64xbf16, swizzle = 128> -> !atile.smem<64x64xbf16, swizzle = 128>
    %o0 = atile.fill 0.0 : !atile.frag<64x64xf32>
    // CHECK: atile.stage %[[KHI]]
    // CHECK-NEXT: atile.copy
    // CHECK: atile.stage %[[KLO]]
    // CHECK-NEXT: atile.copy
    // CHECK: atile.stage %[[VHI]]
    // CHECK-NEXT: atile.copy
    // CHECK: atile.stage %[[VLO]]
    // CHECK-NEXT: atile.copy
    // CHECK: scf.for
    %r = scf.for %j = %c0 to %nt step %c1 iter_args(%o = %o0) -> (!atile.frag<64x64xf32>) {
      %row = arith.muli %j, %c64 : index
      %st = arith.remsi %j, %c1 : index
      %kh = atile.stage %skh[%st] : !atile.smem<1x64x64xbf16, swizzle = 128> -> !atile.smem<64x64xbf16, swizzle = 128>
      %kl = atile.stage %skl[%st] : !atile.smem<1x64x64xbf16, swizzle = 128> -> !atile.smem<64x64xbf16, swizzle = 128>
      %vh = atile.stage %svh[%st] : !atile.smem<1x64x64xbf16, swizzle = 128> -> !atile.smem<64x64xbf16, swizzle = 128>
      %vl = atile.stage %svl[%st] : !atile.smem<1x64x64xbf16, swizzle = 128> -> !atile.smem<64x64xbf16, swizzle = 128>
      %tkh = atile.copy %kv[] rows %row -> %kh {rows = array<i64: 0>} : !atile.view<?x64xbf16> -> !atile.smem<64x64xbf16, swizzle = 128>
      %tvh = atile.copy %kv[] rows %row -> %vh {rows = array<i64: 0>} : !atile.view<?x64xbf16> -> !atile.smem<64x64xbf16, swizzle = 128>
      %tkl = atile.copy %kv[] rows %row -> %kl {rows = array<i64: 0>} : !atile.view<?x64xbf16> -> !atile.smem<64x64xbf16, swizzle = 128>
      %tvl = atile.copy %kv[] rows %row -> %vl {rows = array<i64: 0>} : !atile.view<?x64xbf16> -> !atile.smem<64x64xbf16, swizzle = 128>
      // CHECK: atile.wait {pending = 2 : i64}
      // CHECK-NEXT: atile.mma
      atile.wait %tkh, %tkl
      %s0 = atile.mma %q, %kh {transpose_rhs} : !atile.smem<64x64xbf16, swizzle = 128>, !atile.smem<64x64xbf16, swizzle = 128> -> !atile.frag<64x64xf32>
      %s1 = atile.mma %q, %kl, %s0 {transpose_rhs} : !atile.smem<64x64xbf16, swizzle = 128>, !atile.smem<64x64xbf16, swizzle = 128>, !atile.frag<64x64xf32> -> !atile.frag<64x64xf32>
      %p16 = atile.convert %s1 : !atile.frag<64x64xf32> -> !atile.frag<64x64xbf16>
      // CHECK: atile.wait {pending = 2 : i64}
      // CHECK-NEXT: atile.mma
      atile.wait %tvh, %tvl
      %o1 = atile.mma %p16, %vh, %o : !atile.frag<64x64xbf16>, !atile.smem<64x64xbf16, swizzle = 128>, !atile.frag<64x64xf32> -> !atile.frag<64x64xf32>
      %o2 = atile.mma %p16, %vl, %o1 : !atile.frag<64x64xbf16>, !atile.smem<64x64xbf16, swizzle = 128>, !atile.frag<64x64xf32> -> !atile.frag<64x64xf32>
      scf.yield %o2 : !atile.frag<64x64xf32>
    }
    gpu.return
  }
}

// -----

// A wait in the loop on a copy issued before it (the queries'): the loop is
// left as it is, not half pipelined.
// CHECK-LABEL: gpu.func @outside_token
gpu.module @m {
  gpu.func @outside_token(%p: !llvm.ptr<1>, %n: i64, %nt: index) kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c64 = arith.constant 64 : index
    %kv = atile.view %p[%n] : !llvm.ptr<1> -> !atile.view<?x64xbf16>
    %sq = atile.alloc : !atile.smem<1x64x64xbf16, swizzle = 128>
    %sk = atile.alloc : !atile.smem<2x64x64xbf16, swizzle = 128>
    %q = atile.stage %sq[%c0] : !atile.smem<1x64x64xbf16, swizzle = 128> -> !atile.smem<64x64xbf16, swizzle = 128>
    // CHECK: atile.copy
    // CHECK-NEXT: scf.for
    // CHECK: atile.copy
    // CHECK-NEXT: atile.wait %{{.*}}, %{{.*}}
    // CHECK-NOT: pending
    %tq = atile.copy %kv[] rows %c0 -> %q {rows = array<i64: 0>} : !atile.view<?x64xbf16> -> !atile.smem<64x64xbf16, swizzle = 128>
    scf.for %j = %c0 to %nt step %c1 {
      %row = arith.muli %j, %c64 : index
      %st = arith.remsi %j, %c2 : index
      %k = atile.stage %sk[%st] : !atile.smem<2x64x64xbf16, swizzle = 128> -> !atile.smem<64x64xbf16, swizzle = 128>
      %tk = atile.copy %kv[] rows %row -> %k {rows = array<i64: 0>} : !atile.view<?x64xbf16> -> !atile.smem<64x64xbf16, swizzle = 128>
      atile.wait %tq, %tk
      %s = atile.mma %q, %k {transpose_rhs} : !atile.smem<64x64xbf16, swizzle = 128>, !atile.smem<64x64xbf16, swizzle = 128> -> !atile.frag<64x64xf32>
    }
    gpu.return
  }
}
