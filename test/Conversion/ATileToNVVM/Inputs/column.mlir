// The chunked scan's decays on mma_sync layouts, as one kernel: an f32 row
// copied by cp.async into an unswizzled 1-row tile and loaded as a column
// vector, broadcast over the rows of an f32 state read from global memory:
// out[r, c] = x[r, c] * d[c] (64 rows, 128 columns, 4 warps). Checked as
// PTX by ../column.mlir, run on the GPU against float64 by
// test/python/test_atile_ops_gpu.py.
gpu.module @attn_kernels attributes {atile.target = #atile.target<"sm_90a">} {
  gpu.func @column(%x: !llvm.ptr<1>, %d: !llvm.ptr<1>, %o: !llvm.ptr<1>, %n: i64) kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    %c0 = arith.constant 0 : index
    %xv = atile.view %x[%n] : !llvm.ptr<1> -> !atile.view<?x128xf32>
    %dv = atile.view %d[%n] : !llvm.ptr<1> -> !atile.view<?x128xf32>
    %ov = atile.view %o[%n] : !llvm.ptr<1> -> !atile.view<?x128xf32>
    %b = atile.alloc : !atile.smem<1x1x128xf32>
    %t = atile.stage %b[%c0] : !atile.smem<1x1x128xf32> -> !atile.smem<1x128xf32>
    %tok = atile.copy %dv[] rows %c0 -> %t {rows = array<i64: 0>} : !atile.view<?x128xf32> -> !atile.smem<1x128xf32>
    atile.wait %tok
    %dc = atile.load %t : !atile.smem<1x128xf32> -> !atile.frag<1x128xf32>
    %s = atile.read %xv[] rows %c0 {rows = array<i64: 0>} : !atile.view<?x128xf32> -> !atile.frag<64x128xf32>
    %r = atile.map %s, %dc : !atile.frag<64x128xf32>, !atile.frag<1x128xf32> -> !atile.frag<64x128xf32> {
    ^bb0(%a: f32, %e: f32):
      %m = arith.mulf %a, %e : f32
      atile.yield %m : f32
    }
    atile.store %r -> %ov[] rows %c0 {rows = array<i64: 0>} : !atile.frag<64x128xf32> -> !atile.view<?x128xf32>
    gpu.return
  }
}
