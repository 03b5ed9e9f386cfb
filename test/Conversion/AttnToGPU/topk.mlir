// convert-attn-to-gpu on attn.topk: one 256-thread CTA per query (radix
// select over order-preserving keys, ballot-ordered ties, bitonic sort in
// shared memory) and its manifest entry; ptxas accepts it for sm_90a with no
// spills; k above 4096 is a located error.
// RUN: split-file %s %t
// RUN: attn-opt %t/tk.mlir --convert-attn-to-gpu | FileCheck %s
// RUN: attn-opt %t/big.mlir --convert-attn-to-gpu -verify-diagnostics -o /dev/null
// RUN: %if ptxas %{ attn-opt %t/tk.mlir --attn-to-nvvm | %python %attn_src/scripts/extract-ptx.py - %t/ptx %}
// RUN: %if ptxas %{ %ptxas -arch=sm_90a -v %t/ptx/attn_kernels.ptx -o %t/tk.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// RUN: %if ptxas %{ attn-opt %t/tk.mlir --attn-to-nvvm=chip=sm_80 | %python %attn_src/scripts/extract-ptx.py - %t/sm80 %}
// RUN: %if ptxas %{ %ptxas -arch=sm_80 %t/sm80/attn_kernels.ptx -o %t/tk80.cubin %}

// CHECK: attn.manifest = [{
// CHECK-SAME: inputs = [{arg = 0 : i64, dtype = "f32", name = "scores", shape = ["B", "T", "S"]}]
// CHECK-SAME: launches = [{args = ["scores", "indices", "B", "T", "S"], block = [256, 1, 1], grid = ["B*T", "1", "1"], kernel = "tk_topk", smem = 17472 : i64}]
// CHECK-SAME: op = "attn.topk", outputs = [{dtype = "i32", name = "indices", shape = ["B", "T", "2048"]}]
// CHECK: gpu.func @tk_topk(
// CHECK: llvm.atomicrmw add
// CHECK: nvvm.vote.sync ballot
// CHECK: llvm.intr.ctpop
// PTXAS: Compiling entry function 'tk_topk' for 'sm_90a'
// PTXAS-NEXT: Function properties
// PTXAS-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

//--- tk.mlir
func.func @tk(%s: tensor<?x?x?xf32>) -> tensor<?x?x2048xi32> {
  %i = attn.topk %s {k = 2048 : i64, causal} : (tensor<?x?x?xf32>) -> tensor<?x?x2048xi32>
  return %i : tensor<?x?x2048xi32>
}

//--- big.mlir
func.func @big(%s: tensor<?x?x?xf32>) -> tensor<?x?x8192xi32> {
  // expected-error @+1 {{GPU kernel selects at most 4096 keys per query (the selection is sorted in shared memory); got k = 8192}}
  %i = attn.topk %s {k = 8192 : i64} : (tensor<?x?x?xf32>) -> tensor<?x?x8192xi32>
  return %i : tensor<?x?x8192xi32>
}
