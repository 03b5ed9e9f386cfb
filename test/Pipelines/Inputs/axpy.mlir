// y[i] = a * x[i] + y[i]: the smallest kernel that exercises the attn-to-nvvm
// pipeline and the CUDA runtime end to end (expanded memref ABI: a, then
// x's and y's allocated/aligned pointer, offset, size, stride, then n).
module attributes {gpu.container_module} {
  gpu.module @smoke {
    gpu.func @axpy(%a: f32, %x: memref<?xf32>, %y: memref<?xf32>, %n: index)
        kernel attributes {gpu.known_block_size = array<i32: 128, 1, 1>} {
      %bid = gpu.block_id x
      %tid = gpu.thread_id x
      %c128 = arith.constant 128 : index
      %base = arith.muli %bid, %c128 : index
      %i = arith.addi %base, %tid : index
      %inside = arith.cmpi slt, %i, %n : index
      scf.if %inside {
        %xv = memref.load %x[%i] : memref<?xf32>
        %yv = memref.load %y[%i] : memref<?xf32>
        %ax = arith.mulf %a, %xv : f32
        %r = arith.addf %ax, %yv : f32
        memref.store %r, %y[%i] : memref<?xf32>
      }
      gpu.return
    }
  }
}
