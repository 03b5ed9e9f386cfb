// The chunked scan's transposed traffic on mma_sync layouts, through
// attn-to-nvvm: a shared bf16 tile loaded as the f32 accumulator of its
// transpose (ldmatrix.trans, widened), an f32 state read transposed, a
// column vector broadcast over the rows, and a transposed store; ptxas
// accepts it (where the CUDA toolkit is installed). Located errors for what
// these forms do not take.
// RUN: split-file %s %t
// RUN: attn-opt %t/ok.mlir --attn-to-nvvm | %python %attn_src/scripts/extract-ptx.py - %t/ok
// RUN: FileCheck %s < %t/ok/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90a -v %t/ok/attn_kernels.ptx -o %t/k.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL %}
// RUN: attn-opt %t/errors.mlir -split-input-file -pass-pipeline='builtin.module(gpu.module(convert-atile-to-nvvm))' -verify-diagnostics -o /dev/null

// CHECK-LABEL: .entry transposed(
// CHECK-DAG: cp.async.cg.shared.global
// CHECK-DAG: ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
// CHECK-DAG: cvt.f32.bf16
// CHECK-DAG: ld.global.f32
// CHECK: mul.rn.f32
// 32 x 64 f32 elements over 64 threads, one 4-byte store each:
// CHECK-COUNT-32: st.global.b32
// CHECK-NOT: st.global
// NOSPILL: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

//--- ok.mlir
gpu.module @attn_kernels attributes {atile.target = #atile.target<"sm_90a">} {
  // out^T = (U^T + S^T) * g: U [n, 32] bf16 (its first 64 rows), S and out
  // [64, 32] f32 (transposed: 32 x 64 fragments), g one f32 per U row.
  gpu.func @transposed(%u: !llvm.ptr<1>, %s: !llvm.ptr<1>, %g: !llvm.ptr<1>, %o: !llvm.ptr<1>, %n: i64) kernel attributes {known_block_size = array<i32: 64, 1, 1>} {
    %c0 = arith.constant 0 : index
    %uv = atile.view %u[%n] : !llvm.ptr<1> -> !atile.view<?x32xbf16>
    %sv = atile.view %s[%n] : !llvm.ptr<1> -> !atile.view<?x32xf32>
    %gv = atile.view %g[%n] : !llvm.ptr<1> -> !atile.view<?x64xf32>
    %ov = atile.view %o[%n] : !llvm.ptr<1> -> !atile.view<?x32xf32>
    %b = atile.alloc : !atile.smem<1x64x32xbf16, swizzle = 64>
    %t = atile.stage %b[%c0] : !atile.smem<1x64x32xbf16, swizzle = 64> -> !atile.smem<64x32xbf16, swizzle = 64>
    %tok = atile.copy %uv[] rows %c0 -> %t {rows = array<i64: 0>} : !atile.view<?x32xbf16> -> !atile.smem<64x32xbf16, swizzle = 64>
    atile.wait %tok
    %ut = atile.load %t {transpose} : !atile.smem<64x32xbf16, swizzle = 64> -> !atile.frag<32x64xf32>
    %st = atile.read %sv[] rows %c0 {rows = array<i64: 0>, transpose} : !atile.view<?x32xf32> -> !atile.frag<32x64xf32>
    %gc = atile.read %gv[] rows %c0 {rows = array<i64: 0>} : !atile.view<?x64xf32> -> !atile.frag<1x64xf32>
    %r = atile.map %ut, %st, %gc : !atile.frag<32x64xf32>, !atile.frag<32x64xf32>, !atile.frag<1x64xf32> -> !atile.frag<32x64xf32> {
    ^bb0(%x: f32, %y: f32, %z: f32):
      %a = arith.addf %x, %y : f32
      %m = arith.mulf %a, %z : f32
      atile.yield %m : f32
    }
    atile.store %r -> %ov[] rows %c0 {rows = array<i64: 0>, transpose} : !atile.frag<32x64xf32> -> !atile.view<?x32xf32>
    gpu.return
  }
}

//--- errors.mlir
gpu.module @m attributes {atile.target = #atile.target<"sm_90a">} {
  gpu.func @k(%p: !llvm.ptr<1>, %n: i64, %i: index) kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    %v = atile.view %p[%n] : !llvm.ptr<1> -> !atile.view<?x64xf32>
    // expected-error @+1 {{reads rank-2 fragments into f32 accumulator layouts}}
    %x = atile.read %v[] rows %i {rows = array<i64: 0>} : !atile.view<?x64xf32> -> !atile.frag<64x64xf32, #atile.layout<mma_sync, lhs, warps = 4>>
    gpu.return
  }
}

// -----

gpu.module @m attributes {atile.target = #atile.target<"sm_90a">} {
  gpu.func @k(%p: !llvm.ptr<1>, %n: i64, %i: index) kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    %v = atile.view %p[%n] : !llvm.ptr<1> -> !atile.view<?x64xf32>
    %x = atile.fill 0.0 : !atile.frag<1x64xf32, #atile.layout<mma_sync, acc, warps = 4>>
    // expected-error @+1 {{stores rows of fragments, not column vectors}}
    atile.store %x -> %v[] rows %i {rows = array<i64: 0>} : !atile.frag<1x64xf32, #atile.layout<mma_sync, acc, warps = 4>> -> !atile.view<?x64xf32>
    gpu.return
  }
}
