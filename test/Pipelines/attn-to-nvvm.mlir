// attn-to-nvvm: gpu.module kernels -> NVVM -> PTX for sm_90a / sm_80, with
// the dynamic shared memory made extern and 1024-aligned; ptxas accepts the
// result. attn ops without a GPU kernel builder, or with operands the kernels
// cannot take, are located errors (test/Conversion/AttnToGPU has the kernels).
// RUN: split-file %s %t
// RUN: attn-opt %t/smem.mlir --attn-to-nvvm | FileCheck %s
// RUN: attn-opt %t/smem.mlir --attn-to-nvvm=chip=sm_80 | FileCheck %s --check-prefix=SM80
// RUN: attn-opt %S/Inputs/axpy.mlir --attn-to-nvvm | %python %attn_src/scripts/extract-ptx.py - %t/ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90a %t/ptx/smoke.ptx -o %t/smoke.cubin %}
// RUN: not attn-opt %t/attn.mlir --attn-to-nvvm -o /dev/null 2>&1 | FileCheck %s --check-prefix=ATTN
// `funcs` picks the functions to compile; the others stay as they are, and a
// name that is not there is an error.
// RUN: attn-opt %attn_src/examples/kimi_linear.mlir "--attn-to-nvvm=funcs=kimi_linear_mla" 2>/dev/null | FileCheck %s --check-prefix=FUNCS
// RUN: not attn-opt %attn_src/examples/kimi_linear.mlir "--attn-to-nvvm=funcs=nope" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOFUNC
// RUN: not attn-opt %t/smem.mlir --attn-to-nvvm=chip=sm_00 -o /dev/null 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not attn-opt %t/smem.mlir --attn-to-nvvm=chip= -o /dev/null 2>&1 | FileCheck %s --check-prefix=EMPTY
// RUN: not attn-opt %t/smem.mlir "--attn-to-nvvm=chip=sm_90a}" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BRACE
// RUN: not attn-opt %t/smem.mlir --attn-to-nvvm=format=obj -o /dev/null 2>&1 | FileCheck %s --check-prefix=FORMAT

// CHECK: gpu.binary @k
// CHECK-SAME: chip = "sm_90a"
// CHECK-SAME: .target sm_90a
// CHECK-SAME: .extern .shared .align 1024 .b8 __dynamic_shmem__0[]
// CHECK-SAME: .entry fill
// SM80: .target sm_80
// ATTN: attn.mlir:3:8: error: 'attn.linear' op the chunked GPU kernels take bf16 q, k and v (f16 and f32 inputs run the recurrent form: form = #attn.form<recurrent>)
// FUNCS: attn.manifest = [{{.*}}name = "kimi_linear_mla", op = "attn.full"
// FUNCS: func.func @kimi_linear_kda(
// FUNCS: attn.delta
// FUNCS: gpu.binary @attn_kernels
// NOFUNC: error: convert-attn-to-gpu: no function named 'nope'
// CHIP: error: attn-{{tile|assign-precision}}: chip 'sm_00' is older than sm_80
// EMPTY: error: attn-{{tile|assign-precision}}: unknown chip ''; attn compiles for sm_80,
// BRACE: error: attn-{{tile|assign-precision}}: unknown chip 'sm_90a}'
// FORMAT: error: attn-to-nvvm: unknown format 'obj'; expected isa, bin, fatbin or llvm

//--- smem.mlir
module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @fill(%out: memref<128xf32>) kernel {
      %tid = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %smem = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
      %view = memref.view %smem[%c0][] : memref<?xi8, #gpu.address_space<workgroup>>
          to memref<128xf32, #gpu.address_space<workgroup>>
      %one = arith.constant 1.0 : f32
      memref.store %one, %view[%tid] : memref<128xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      %v = memref.load %view[%tid] : memref<128xf32, #gpu.address_space<workgroup>>
      memref.store %v, %out[%tid] : memref<128xf32>
      gpu.return
    }
  }
}

//--- attn.mlir
func.func @f(%q: tensor<1x?x2x16xf32>, %k: tensor<1x?x2x16xf32>, %v: tensor<1x?x2x16xf32>)
    -> tensor<1x?x2x16xf32> {
  %o = attn.linear %q, %k, %v
      : (tensor<1x?x2x16xf32>, tensor<1x?x2x16xf32>, tensor<1x?x2x16xf32>) -> tensor<1x?x2x16xf32>
  return %o : tensor<1x?x2x16xf32>
}
