// The chunked scan's decays on mma_sync layouts through attn-to-nvvm
// (Inputs/column.mlir): an f32 row copied by cp.async into an unswizzled
// 1-row tile, loaded as a column vector (each thread's 16 column pairs 8 n
// + 2 tq, + 1: one 8-byte shared load each) and broadcast over the rows of
// a state read from global memory; ptxas accepts it without spills. The
// kernel also runs on the GPU against float64
// (test/python/test_atile_ops_gpu.py).
// RUN: attn-opt %S/Inputs/column.mlir --attn-to-nvvm | %python %attn_src/scripts/extract-ptx.py - %t
// RUN: FileCheck %s < %t/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90a -v %t/attn_kernels.ptx -o %t/k.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL %}

// CHECK-LABEL: .entry column(
// CHECK: cp.async.cg.shared.global
// CHECK: cp.async.wait_group
// CHECK-COUNT-16: ld.shared.v2.b32
// CHECK-NOT: ld.shared
// CHECK: mul.rn.f32
// CHECK-COUNT-64: st.global.b32
// CHECK-NOT: st.global
// NOSPILL: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
