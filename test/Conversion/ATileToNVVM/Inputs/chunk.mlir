// The chunked prep's ops on mma_sync layouts, as one kernel (64 rows, 4
// warps): k (bf16, 64 x 128) and the log2-gates g (f32) copied by cp.async
// (rows past n as zeros), the gates' prefix sums in place (atile.scan),
// read back whole (b), the gated Gram products of k with itself
// (atile.gated_gram) and the inverse of I + StrictTril(a) for an f32 a read
// from global memory (atile.tril_solve, a second f32 tile as scratch).
// Checked as PTX by ../chunk.mlir, run on the GPU against float64 by
// test/python/test_atile_ops_gpu.py.
gpu.module @attn_kernels attributes {atile.target = #atile.target<"sm_90a">} {
  gpu.func @chunk(%k: !llvm.ptr<1>, %g: !llvm.ptr<1>, %a: !llvm.ptr<1>, %okk: !llvm.ptr<1>, %oqk: !llvm.ptr<1>, %ox: !llvm.ptr<1>, %ob: !llvm.ptr<1>, %n: i64) kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c64 = arith.constant 64 : i64
    %kv = atile.view %k[%n] : !llvm.ptr<1> -> !atile.view<?x128xbf16>
    %gv = atile.view %g[%n] : !llvm.ptr<1> -> !atile.view<?x128xf32>
    %av = atile.view %a[%c64] : !llvm.ptr<1> -> !atile.view<?x64xf32>
    %okkv = atile.view %okk[%c64] : !llvm.ptr<1> -> !atile.view<?x64xf32>
    %oqkv = atile.view %oqk[%c64] : !llvm.ptr<1> -> !atile.view<?x64xf32>
    %oxv = atile.view %ox[%c64] : !llvm.ptr<1> -> !atile.view<?x64xf32>
    %obv = atile.view %ob[%c64] : !llvm.ptr<1> -> !atile.view<?x128xf32>
    %kb = atile.alloc : !atile.smem<1x64x128xbf16, swizzle = 128>
    %kt = atile.stage %kb[%c0] : !atile.smem<1x64x128xbf16, swizzle = 128> -> !atile.smem<64x128xbf16, swizzle = 128>
    %gb = atile.alloc : !atile.smem<1x64x128xf32, swizzle = 128>
    %gt = atile.stage %gb[%c0] : !atile.smem<1x64x128xf32, swizzle = 128> -> !atile.smem<64x128xf32, swizzle = 128>
    %sb = atile.alloc : !atile.smem<1x64x128xf32, swizzle = 128>
    %st = atile.stage %sb[%c0] : !atile.smem<1x64x128xf32, swizzle = 128> -> !atile.smem<64x128xf32, swizzle = 128>
    %t0 = atile.copy %kv[] rows %c0 -> %kt {rows = array<i64: 0>} : !atile.view<?x128xbf16> -> !atile.smem<64x128xbf16, swizzle = 128>
    %t1 = atile.copy %gv[] rows %c0 -> %gt {rows = array<i64: 0>} : !atile.view<?x128xf32> -> !atile.smem<64x128xf32, swizzle = 128>
    atile.wait %t0, %t1
    atile.scan %gt : !atile.smem<64x128xf32, swizzle = 128>
    %b = atile.load %gt : !atile.smem<64x128xf32, swizzle = 128> -> !atile.frag<64x128xf32>
    atile.store %b -> %obv[] rows %c0 {rows = array<i64: 0>} : !atile.frag<64x128xf32> -> !atile.view<?x128xf32>
    %kk, %qk = atile.gated_gram %kt, %kt gates %gt : !atile.smem<64x128xbf16, swizzle = 128>, !atile.smem<64x128xbf16, swizzle = 128>, !atile.smem<64x128xf32, swizzle = 128> -> !atile.frag<64x64xf32>, !atile.frag<64x64xf32>
    atile.store %kk -> %okkv[] rows %c0 {rows = array<i64: 0>} : !atile.frag<64x64xf32> -> !atile.view<?x64xf32>
    atile.store %qk -> %oqkv[] rows %c0 {rows = array<i64: 0>} : !atile.frag<64x64xf32> -> !atile.view<?x64xf32>
    %am = atile.read %av[] rows %c0 {rows = array<i64: 0>} : !atile.view<?x64xf32> -> !atile.frag<64x64xf32>
    %x = atile.tril_solve %am scratch %st : !atile.frag<64x64xf32>, !atile.smem<64x128xf32, swizzle = 128> -> !atile.frag<64x64xf32>
    atile.store %x -> %oxv[] rows %c0 {rows = array<i64: 0>} : !atile.frag<64x64xf32> -> !atile.view<?x64xf32>
    gpu.return
  }
}
