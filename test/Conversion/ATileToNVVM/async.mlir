// An asynchronous wgmma product and its wait through attn-to-nvvm: the
// product is fenced and committed without a wait; atile.mma_wait becomes
// wgmma.wait_group with the accumulators tied through it; ptxas accepts it
// (where the CUDA toolkit is installed). Shared tiles written by cp.async
// are fenced for the async proxy before wgmma reads them.
// RUN: attn-opt %s --attn-to-nvvm | %python %attn_src/scripts/extract-ptx.py - %t
// RUN: FileCheck %s < %t/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90a -v %t/attn_kernels.ptx -o %t/k.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL %}

// CHECK-LABEL: .entry qqt(
// CHECK: cp.async.wait_group 0;
// CHECK: fence.proxy.async.shared::cta;
// CHECK: bar.sync 0;
// CHECK: wgmma.fence.sync.aligned;
// CHECK: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// CHECK: wgmma.commit_group.sync.aligned;
// CHECK-NEXT: }
// CHECK: wgmma.wait_group.sync.aligned 0;
// CHECK: st.global.b32
// NOSPILL: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

gpu.module @attn_kernels attributes {atile.target = #atile.target<"sm_90a">} {
  // O = Q Q^T for 64 rows of a [n, 64] bf16 Q, f32 out.
  gpu.func @qqt(%q: !llvm.ptr<1>, %o: !llvm.ptr<1>, %n: i64) kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    %c0 = arith.constant 0 : index
    %qv = atile.view %q[%n] : !llvm.ptr<1> -> !atile.view<?x64xbf16>
    %ov = atile.view %o[%n] : !llvm.ptr<1> -> !atile.view<?x64xf32>
    %b = atile.alloc : !atile.smem<1x64x64xbf16, swizzle = 128>
    %s = atile.stage %b[%c0] : !atile.smem<1x64x64xbf16, swizzle = 128> -> !atile.smem<64x64xbf16, swizzle = 128>
    %t = atile.copy %qv[] rows %c0 -> %s {rows = array<i64: 0>, engine = #atile.engine<cp_async>} : !atile.view<?x64xbf16> -> !atile.smem<64x64xbf16, swizzle = 128>
    atile.wait %t
    %p = atile.mma %s, %s {transpose_rhs, async} : !atile.smem<64x64xbf16, swizzle = 128>, !atile.smem<64x64xbf16, swizzle = 128> -> !atile.frag<64x64xf32, #atile.layout<wgmma, acc, warps = 4>>
    %p1 = atile.mma_wait %p {pending = 0} : !atile.frag<64x64xf32, #atile.layout<wgmma, acc, warps = 4>>
    atile.store %p1 -> %ov[] rows %c0 {rows = array<i64: 0>} : !atile.frag<64x64xf32, #atile.layout<wgmma, acc, warps = 4>> -> !atile.view<?x64xf32>
    gpu.return
  }
}
