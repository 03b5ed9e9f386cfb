// The chunked scan's transposed traffic on mma_sync layouts, through
// attn-to-nvvm: a shared bf16 tile loaded as the f32 accumulator of its
// transpose (ldmatrix.trans, widened), an f32 state read transposed, a
// column vector broadcast over the rows, and a transposed store; ptxas
// accepts it (where the CUDA toolkit is installed). Located errors for what
// these forms do not take. The kernel (Inputs/transposed.mlir) also runs on
// the GPU against float64 (test/python/test_atile_ops_gpu.py).
// RUN: split-file %s %t
// RUN: attn-opt %S/Inputs/transposed.mlir --attn-to-nvvm | %python %attn_src/scripts/extract-ptx.py - %t/ok
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

//--- errors.mlir
gpu.module @m attributes {atile.target = #atile.target<"sm_90a">} {
  gpu.func @k(%p: !llvm.ptr<1>, %n: i64, %i: index) kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    %v = atile.view %p[%n] : !llvm.ptr<1> -> !atile.view<?x64xf32>
    // expected-error @+1 {{reads rank-2 fragments into f32 accumulator layouts}}
    %x = atile.read %v[] rows %i {rows = array<i64: 0>} : !atile.view<?x64xf32> -> !atile.frag<64x64xf32, #atile.layout<mma_sync, lhs, warps = 4>>
    gpu.return
  }
}
