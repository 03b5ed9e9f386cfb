// The chunked prep's ops through attn-to-nvvm (Inputs/chunk.mlir): the
// gates' prefix sums in shared memory, the gated Gram products on mma.sync
// with ex2 factors, the triangular solve reading A's columns as 16-byte
// vectors; ptxas accepts the kernel without spills. The kernel also runs
// on the GPU against float64 (test/python/test_atile_ops_gpu.py).
// RUN: attn-opt %S/Inputs/chunk.mlir --attn-to-nvvm | %python %attn_src/scripts/extract-ptx.py - %t
// RUN: FileCheck %s < %t/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90a -v %t/attn_kernels.ptx -o %t/k.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL %}

// CHECK-LABEL: .entry chunk(
// CHECK: cp.async.cg.shared.global
// CHECK: bar.sync
// CHECK: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK: ex2.approx
// CHECK: ld.shared.v4.b32
// NOSPILL: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
