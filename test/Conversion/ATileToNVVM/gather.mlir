// A gathered copy and mask through attn-to-nvvm: each thread reads the
// index-table entry of every row it copies (a predicated ld.global: no
// access past the last entry), zero-fills absent rows (cp.async with 0 source
// bytes) and the mask reads the entries of its columns; ptxas accepts it
// (where the CUDA toolkit is installed).
// RUN: attn-opt %s --attn-to-nvvm | %python %attn_src/scripts/extract-ptx.py - %t
// RUN: FileCheck %s < %t/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90a -v %t/attn_kernels.ptx -o %t/k.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL %}

// CHECK-LABEL: .entry keys(
// CHECK: @p ld.global.b32
// CHECK: cp.async.cg.shared.global [{{.*}}], [{{.*}}], 16, {{.*}};
// CHECK: cp.async.wait_group 0;
// CHECK: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK: @p ld.global.b32
// CHECK: st.global.b32
// NOSPILL: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// CHECK-LABEL: .entry blocks(
// CHECK-COUNT-2: @p ld.global.b32
// CHECK-NOT: ld.global
// CHECK: cp.async.cg.shared.global
// CHECK-NOT: ld.global
// CHECK: mma.sync.aligned

gpu.module @attn_kernels attributes {atile.target = #atile.target<"sm_90a">} {
  // S = Q K_g^T for 16 query rows and 32 keys gathered in blocks of 4
  // through idx [n_entries]; absent keys masked to -inf.
  gpu.func @keys(%q: !llvm.ptr<1>, %k: !llvm.ptr<1>, %idx: !llvm.ptr<1>, %o: !llvm.ptr<1>, %s: i64, %n: i64) kernel attributes {known_block_size = array<i32: 32, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c32 = arith.constant 32 : index
    %bound = arith.index_cast %s : i64 to index
    %qv = atile.view %q[] : !llvm.ptr<1> -> !atile.view<16x64xbf16>
    %kv = atile.view %k[%s] : !llvm.ptr<1> -> !atile.view<?x64xbf16>
    %iv = atile.view %idx[%n] : !llvm.ptr<1> -> !atile.view<?xi32>
    %ov = atile.view %o[] : !llvm.ptr<1> -> !atile.view<16x32xf32>
    %kg = atile.gather %kv by %iv[] dim 0 block 4 bound %bound : !atile.view<?x64xbf16>, !atile.view<?xi32> -> !atile.view<?x64xbf16>
    %bq = atile.alloc : !atile.smem<1x16x64xbf16, swizzle = 128>
    %bk = atile.alloc : !atile.smem<1x32x64xbf16, swizzle = 128>
    %sq = atile.stage %bq[%c0] : !atile.smem<1x16x64xbf16, swizzle = 128> -> !atile.smem<16x64xbf16, swizzle = 128>
    %sk = atile.stage %bk[%c0] : !atile.smem<1x32x64xbf16, swizzle = 128> -> !atile.smem<32x64xbf16, swizzle = 128>
    %tq = atile.copy %qv[] rows %c0 -> %sq {rows = array<i64: 0>} : !atile.view<16x64xbf16> -> !atile.smem<16x64xbf16, swizzle = 128>
    %tk = atile.copy %kg[] rows %c0 -> %sk {rows = array<i64: 0>} : !atile.view<?x64xbf16> -> !atile.smem<32x64xbf16, swizzle = 128>
    atile.wait %tq, %tk
    %sc = atile.mma %sq, %sk {transpose_rhs} : !atile.smem<16x64xbf16, swizzle = 128>, !atile.smem<32x64xbf16, swizzle = 128> -> !atile.frag<16x32xf32>
    %m = atile.mask %sc row %c0 col %c0 keys %c32 group %c1 offset %c0 gathered %kg : !atile.view<?x64xbf16> : !atile.frag<16x32xf32>
    atile.store %m -> %ov[] rows %c0 {rows = array<i64: 0>} : !atile.frag<16x32xf32> -> !atile.view<16x32xf32>
    gpu.return
  }

  // Entries of 64 keys, tiles of 32: a tile's rows lie in two entries at
  // most, so the copy reads two entries per thread, not one per row.
  gpu.func @blocks(%q: !llvm.ptr<1>, %k: !llvm.ptr<1>, %idx: !llvm.ptr<1>, %o: !llvm.ptr<1>, %s: i64, %n: i64, %r0: i64) kernel attributes {known_block_size = array<i32: 32, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c32 = arith.constant 32 : index
    %bound = arith.index_cast %s : i64 to index
    %row = arith.index_cast %r0 : i64 to index
    %qv = atile.view %q[] : !llvm.ptr<1> -> !atile.view<16x64xbf16>
    %kv = atile.view %k[%s] : !llvm.ptr<1> -> !atile.view<?x64xbf16>
    %iv = atile.view %idx[%n] : !llvm.ptr<1> -> !atile.view<?xi32>
    %ov = atile.view %o[] : !llvm.ptr<1> -> !atile.view<16x32xf32>
    %kg = atile.gather %kv by %iv[] dim 0 block 64 bound %bound : !atile.view<?x64xbf16>, !atile.view<?xi32> -> !atile.view<?x64xbf16>
    %bq = atile.alloc : !atile.smem<1x16x64xbf16, swizzle = 128>
    %bk = atile.alloc : !atile.smem<1x32x64xbf16, swizzle = 128>
    %sq = atile.stage %bq[%c0] : !atile.smem<1x16x64xbf16, swizzle = 128> -> !atile.smem<16x64xbf16, swizzle = 128>
    %sk = atile.stage %bk[%c0] : !atile.smem<1x32x64xbf16, swizzle = 128> -> !atile.smem<32x64xbf16, swizzle = 128>
    %tk = atile.copy %kg[] rows %row -> %sk {rows = array<i64: 0>} : !atile.view<?x64xbf16> -> !atile.smem<32x64xbf16, swizzle = 128>
    %tq = atile.copy %qv[] rows %c0 -> %sq {rows = array<i64: 0>} : !atile.view<16x64xbf16> -> !atile.smem<16x64xbf16, swizzle = 128>
    atile.wait %tq, %tk
    %sc = atile.mma %sq, %sk {transpose_rhs} : !atile.smem<16x64xbf16, swizzle = 128>, !atile.smem<32x64xbf16, swizzle = 128> -> !atile.frag<16x32xf32>
    atile.store %sc -> %ov[] rows %c0 {rows = array<i64: 0>} : !atile.frag<16x32xf32> -> !atile.view<16x32xf32>
    gpu.return
  }
}
