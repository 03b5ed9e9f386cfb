// convert-attn-to-gpu on attn.indexer: one tensor-core kernel per function
// (packed (t, head) rows, shuffle + shared-memory reduction over the heads)
// and its manifest entry; ptxas accepts it for sm_90a with no spills.
// RUN: split-file %s %t
// RUN: attn-opt %t/ix.mlir --convert-attn-to-gpu | FileCheck %s
// RUN: attn-opt %t/errors.mlir -split-input-file --convert-attn-to-gpu -verify-diagnostics -o /dev/null
// RUN: %if ptxas %{ attn-opt %t/ix.mlir --attn-to-nvvm | %python %attn_src/scripts/extract-ptx.py - %t/ptx %}
// RUN: %if ptxas %{ %ptxas -arch=sm_90a -v %t/ptx/attn_kernels.ptx -o %t/ix.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// RUN: %if ptxas %{ attn-opt %t/ix.mlir --attn-to-nvvm=chip=sm_80 | %python %attn_src/scripts/extract-ptx.py - %t/sm80 %}
// RUN: %if ptxas %{ %ptxas -arch=sm_80 %t/sm80/attn_kernels.ptx -o %t/ix80.cubin %}

// CHECK: attn.manifest = [{
// CHECK-SAME: inputs = [{arg = 0 : i64, dtype = "bf16", name = "qi", shape = ["B", "T", "64", "128"]}, {arg = 1 : i64, dtype = "bf16", name = "ki", shape = ["B", "S", "128"]}, {arg = 2 : i64, dtype = "f32", name = "w", shape = ["B", "T", "64"]}]
// CHECK-SAME: launches = [{args = ["qi", "ki", "w", "scores", "B", "T", "S"], block = [128, 1, 1], grid = ["cdiv(T, 1)", "cdiv(S, 64)", "B"], kernel = "ix_indexer", smem = 33024 : i64}]
// CHECK-SAME: op = "attn.indexer", outputs = [{dtype = "f32", name = "scores", shape = ["B", "T", "S"]}]
// CHECK: gpu.func @ix_indexer(
// CHECK: nvvm.mma.sync
// CHECK: gpu.shuffle xor
// CHECK: llvm.atomicrmw fadd
// PTXAS: Compiling entry function 'ix_indexer' for 'sm_90a'
// PTXAS-NEXT: Function properties
// PTXAS-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

//--- ix.mlir
func.func @ix(%q: tensor<?x?x64x128xbf16>, %k: tensor<?x?x128xbf16>, %w: tensor<?x?x64xf32>) -> tensor<?x?x?xf32> {
  %s = attn.indexer %q, %k, %w {causal}
      : (tensor<?x?x64x128xbf16>, tensor<?x?x128xbf16>, tensor<?x?x64xf32>) -> tensor<?x?x?xf32>
  return %s : tensor<?x?x?xf32>
}

//--- errors.mlir
func.func @heads(%q: tensor<1x?x8x64xbf16>, %k: tensor<1x?x64xbf16>, %w: tensor<1x?x8xf32>) -> tensor<1x?x?xf32> {
  // expected-error @+1 {{GPU kernels take Hi = 16, 32 or a multiple of 16 from 64 to 256 and Di a multiple of 16 up to 256 (with 8 Di a multiple of 2 Hi); got Hi = 8, Di = 64}}
  %s = attn.indexer %q, %k, %w : (tensor<1x?x8x64xbf16>, tensor<1x?x64xbf16>, tensor<1x?x8xf32>) -> tensor<1x?x?xf32>
  return %s : tensor<1x?x?xf32>
}

// -----

func.func @fp8(%q: tensor<1x?x64x64xf8E4M3FN>, %k: tensor<1x?x64xf8E4M3FN>, %w: tensor<1x?x64xf32>) -> tensor<1x?x?xf32> {
  // expected-error @+1 {{GPU kernels take qi and ki both bf16, both f16 or both f32; got 'f8E4M3FN', 'f8E4M3FN'}}
  %s = attn.indexer %q, %k, %w : (tensor<1x?x64x64xf8E4M3FN>, tensor<1x?x64xf8E4M3FN>, tensor<1x?x64xf32>) -> tensor<1x?x?xf32>
  return %s : tensor<1x?x?xf32>
}

// -----

func.func @too_big(%q: tensor<1x?x256x256xf32>, %k: tensor<1x?x256xf32>, %w: tensor<1x?x256xf32>) -> tensor<1x?x?xf32> {
  // expected-error @+1 {{GPU kernel needs 327936 bytes of shared memory for Hi = 256, Di = 256; sm_90a allows at most 232448 per block}}
  %s = attn.indexer %q, %k, %w : (tensor<1x?x256x256xf32>, tensor<1x?x256xf32>, tensor<1x?x256xf32>) -> tensor<1x?x?xf32>
  return %s : tensor<1x?x?xf32>
}

// -----

func.func @dyn(%q: tensor<1x?x?x64xbf16>, %k: tensor<1x?x64xbf16>, %w: tensor<1x?x?xf32>) -> tensor<1x?x?xf32> {
  // expected-error @+1 {{GPU kernels need static index heads Hi and head dim Di}}
  %s = attn.indexer %q, %k, %w : (tensor<1x?x?x64xbf16>, tensor<1x?x64xbf16>, tensor<1x?x?xf32>) -> tensor<1x?x?xf32>
  return %s : tensor<1x?x?xf32>
}
