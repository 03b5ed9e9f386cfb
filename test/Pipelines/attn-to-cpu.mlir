// attn-to-cpu plans unplanned ops (here: the tile of attn.full), lowers them
// to loop nests, bufferizes and ends in the LLVM dialect with a C-interface
// entry point per public function; schedules produce no code.
// RUN: attn-opt %s -split-input-file --attn-to-cpu | FileCheck %s --implicit-check-not=attn.
// RUN: attn-opt %s -split-input-file --attn-to-cpu=emit-c-interface=false | FileCheck %s --check-prefix=NOCI

// No attn op or attribute is left anywhere (--implicit-check-not=attn.).
// CHECK: llvm.func @malloc
// CHECK: llvm.func @full(
// CHECK-SAME: llvm.emit_c_interface
// CHECK: llvm.intr.exp
// CHECK: llvm.func @_mlir_ciface_full(
// NOCI-NOT: _mlir_ciface_
func.func @full(%q: tensor<1x?x4x16xf32>, %k: tensor<1x?x2x16xf32>, %v: tensor<1x?x2x16xf32>)
    -> tensor<1x?x4x16xf32> {
  %o = attn.full %q, %k, %v {causal}
      : (tensor<1x?x4x16xf32>, tensor<1x?x2x16xf32>, tensor<1x?x2x16xf32>) -> tensor<1x?x4x16xf32>
  return %o : tensor<1x?x4x16xf32>
}

attn.schedule @s {
  attn.layer_kind @a = #attn.layer<kind = full, heads = 4, kv_heads = 2, head_dim = 16>
  attn.layers [@a] x 2
}

// -----

// Several kernels in one function, one of them inside the user's loop: the
// scratch of every kernel sits at the function entry, intermediate buffers
// are freed, and the whole function lowers to LLVM.
// CHECK-LABEL: llvm.func @chain
// CHECK: llvm.alloca
// CHECK: llvm.call @free
func.func @chain(%q: tensor<1x?x2x16xf32>, %k: tensor<1x?x2x16xf32>, %v: tensor<1x?x2x16xf32>,
                 %n: index) -> tensor<1x?x2x16xf32> {
  %o = attn.full %q, %k, %v {causal}
      : (tensor<1x?x2x16xf32>, tensor<1x?x2x16xf32>, tensor<1x?x2x16xf32>) -> tensor<1x?x2x16xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%x = %o) -> tensor<1x?x2x16xf32> {
    %y = attn.full %x, %k, %v {causal}
        : (tensor<1x?x2x16xf32>, tensor<1x?x2x16xf32>, tensor<1x?x2x16xf32>) -> tensor<1x?x2x16xf32>
    scf.yield %y : tensor<1x?x2x16xf32>
  }
  return %r : tensor<1x?x2x16xf32>
}

// -----

// A function returning a constant: the clone the deallocation pipeline
// inserts is lowered too (no bufferization op or cast survives).
// CHECK-LABEL: llvm.func @constant
// CHECK-NOT: bufferization.
// CHECK-NOT: unrealized_conversion_cast
func.func @constant() -> tensor<2xf32> {
  %c = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  return %c : tensor<2xf32>
}
