// The chunked scan's transposed traffic on mma_sync layouts, as one kernel:
// checked as PTX by ../transpose.mlir, run on the GPU against float64 by
// test/python/test_atile_ops_gpu.py (compiled at build time into
// <build>/test/gpu/ops/transposed.ptx).
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

