// RUN: attn-opt %s -split-input-file -verify-diagnostics
// Negative tests: every verifier rule of the atile types, attributes and ops.

// expected-error @+1 {{shared buffers are stages x rows x cols (rank 3) or one stage, rows x cols (rank 2); got rank 1}}
func.func private @f(!atile.smem<64xbf16>)

// -----

// expected-error @+1 {{swizzle must be 0, 32, 64 or 128 bytes; got 48}}
func.func private @f(!atile.smem<2x64x64xbf16, swizzle = 48>)

// -----

// expected-error @+1 {{rows of 64 bytes do not hold whole 128-byte swizzle spans}}
func.func private @f(!atile.smem<2x64x32xbf16, swizzle = 128>)

// -----

// expected-error @+1 {{shared rows must be whole 16-byte chunks; 4 x 'bf16' is 8 bytes}}
func.func private @f(!atile.smem<2x64x4xbf16>)

// -----

// expected-error @+1 {{shared buffer element type must be bf16, f16, f32, f8E4M3FN, f8E5M2 or i32; got 'i8'}}
func.func private @f(!atile.smem<2x64x64xi8>)

// -----

// expected-error @+1 {{fragments are rows x cols (rank 2) or one value per row (rank 1); got rank 3}}
func.func private @f(!atile.frag<2x64x64xf32>)

// -----

// expected-error @+1 {{fragment element type must be bf16, f16, f32, f8E4M3FN or f8E5M2; got 'i32'}}
func.func private @f(!atile.frag<64x64xi32>)

// -----

// expected-error @+1 {{'row' layouts are for rank-1 fragments and the others for rank-2 ones}}
func.func private @f(!atile.frag<64x64xf32, #atile.layout<mma_sync, row, warps = 4>>)

// -----

// expected-error @+1 {{96 rows do not split into whole wgmma tiles over 8 warps}}
func.func private @f(!atile.frag<96x64xf32, #atile.layout<wgmma, acc, warps = 8>>)

// -----

// expected-error @+1 {{fragment columns must be a multiple of 8 (the instruction's n); got 12}}
func.func private @f(!atile.frag<64x12xf32, #atile.layout<mma_sync, acc, warps = 4>>)

// -----

// expected-error @+1 {{wgmma layouts span whole warpgroups (4 warps); got 6 warps}}
func.func private @f(!atile.frag<128x64xf32, #atile.layout<wgmma, acc, warps = 6>>)

// -----

// expected-error @+1 {{unknown chip 'sm_99'}}
gpu.module @m attributes {atile.target = #atile.target<"sm_99">} {}

// -----

// expected-error @+1 {{a view has at least one dimension}}
func.func private @f(!atile.view<bf16>)

// -----

func.func @view_sizes(%p: !llvm.ptr, %n: i64) {
  // expected-error @+1 {{takes one size per '?' extent of '!atile.view<?x?x128xbf16>' (2); got 1}}
  %v = atile.view %p[%n] : !llvm.ptr -> !atile.view<?x?x128xbf16>
  return
}

// -----

func.func @view_space(%p: !llvm.ptr<3>) {
  // expected-error @+1 {{views generic or global memory (address space 0 or 1); got address space 3}}
  %v = atile.view %p[] : !llvm.ptr<3> -> !atile.view<4x128xbf16>
  return
}

// -----

func.func @alloc_rank() {
  // expected-error @+1 {{allocates stages x rows x cols buffers (rank 3); pick one stage with atile.stage}}
  %b = atile.alloc : !atile.smem<64x128xbf16>
  return
}

// -----

func.func @stage_shape(%i: index) {
  %b = atile.alloc : !atile.smem<2x64x128xbf16, swizzle = 128>
  // expected-error @+1 {{result must be one stage of '!atile.smem<2x64x128xbf16, swizzle = 128>' (same rows, cols, element type and swizzle); got '!atile.smem<64x128xbf16>'}}
  %s = atile.stage %b[%i] : !atile.smem<2x64x128xbf16, swizzle = 128> -> !atile.smem<64x128xbf16>
  return
}

// -----

func.func @copy_cols(%p: !llvm.ptr, %n: i64, %i: index) {
  %v = atile.view %p[%n, %n] : !llvm.ptr -> !atile.view<?x?x64xbf16>
  %b = atile.alloc : !atile.smem<2x64x128xbf16>
  %s = atile.stage %b[%i] : !atile.smem<2x64x128xbf16> -> !atile.smem<64x128xbf16>
  // expected-error @+1 {{copies whole rows: the view's last extent must be static and equal the tile's 128 columns}}
  %t = atile.copy %v[%i] rows %i -> %s {rows = array<i64: 1>} : !atile.view<?x?x64xbf16> -> !atile.smem<64x128xbf16>
  return
}

// -----

func.func @copy_elem(%p: !llvm.ptr, %n: i64, %i: index) {
  %v = atile.view %p[%n, %n] : !llvm.ptr -> !atile.view<?x?x128xf16>
  %b = atile.alloc : !atile.smem<2x64x128xbf16>
  %s = atile.stage %b[%i] : !atile.smem<2x64x128xbf16> -> !atile.smem<64x128xbf16>
  // expected-error @+1 {{copies without conversion}}
  %t = atile.copy %v[%i] rows %i -> %s {rows = array<i64: 1>} : !atile.view<?x?x128xf16> -> !atile.smem<64x128xbf16>
  return
}

// -----

func.func @copy_staged(%p: !llvm.ptr, %n: i64, %i: index) {
  %v = atile.view %p[%n, %n] : !llvm.ptr -> !atile.view<?x?x128xbf16>
  %b = atile.alloc : !atile.smem<2x64x128xbf16>
  // expected-error @+1 {{copies into one stage (a rank-2 tile)}}
  %t = atile.copy %v[%i] rows %i -> %b {rows = array<i64: 1>} : !atile.view<?x?x128xbf16> -> !atile.smem<2x64x128xbf16>
  return
}

// -----

func.func @copy_row_dim(%p: !llvm.ptr, %n: i64, %i: index) {
  %v = atile.view %p[%n, %n] : !llvm.ptr -> !atile.view<?x?x128xbf16>
  %b = atile.alloc : !atile.smem<2x64x128xbf16>
  %s = atile.stage %b[%i] : !atile.smem<2x64x128xbf16> -> !atile.smem<64x128xbf16>
  // expected-error @+1 {{row dimension 2 is not a dimension of '!atile.view<?x?x128xbf16>' other than its last (the columns)}}
  %t = atile.copy %v[%i] rows %i -> %s {rows = array<i64: 2>} : !atile.view<?x?x128xbf16> -> !atile.smem<64x128xbf16>
  return
}

// -----

func.func @copy_row_order(%p: !llvm.ptr, %n: i64, %i: index) {
  %v = atile.view %p[%n, %n, %n] : !llvm.ptr -> !atile.view<?x?x?x128xbf16>
  %b = atile.alloc : !atile.smem<2x64x128xbf16>
  %s = atile.stage %b[%i] : !atile.smem<2x64x128xbf16> -> !atile.smem<64x128xbf16>
  // expected-error @+1 {{row dimensions must be ascending}}
  %t = atile.copy %v[%i] rows %i -> %s {rows = array<i64: 2, 1>} : !atile.view<?x?x?x128xbf16> -> !atile.smem<64x128xbf16>
  return
}

// -----

func.func @copy_offsets(%p: !llvm.ptr, %n: i64, %i: index) {
  %v = atile.view %p[%n, %n, %n] : !llvm.ptr -> !atile.view<?x?x?x128xbf16>
  %b = atile.alloc : !atile.smem<2x64x128xbf16>
  %s = atile.stage %b[%i] : !atile.smem<2x64x128xbf16> -> !atile.smem<64x128xbf16>
  // expected-error @+1 {{takes one offset per dimension of '!atile.view<?x?x?x128xbf16>' that is neither a row dimension nor the columns (2); got 1}}
  %t = atile.copy %v[%i] rows %i -> %s {rows = array<i64: 1>} : !atile.view<?x?x?x128xbf16> -> !atile.smem<64x128xbf16>
  return
}

// -----

func.func @copy_no_rows(%p: !llvm.ptr, %n: i64, %i: index) {
  %v = atile.view %p[%n, %n] : !llvm.ptr -> !atile.view<?x?x128xbf16>
  %b = atile.alloc : !atile.smem<2x64x128xbf16>
  %s = atile.stage %b[%i] : !atile.smem<2x64x128xbf16> -> !atile.smem<64x128xbf16>
  // expected-error @+1 {{needs at least one row dimension}}
  %t = atile.copy %v[%i, %i] rows %i -> %s {rows = array<i64>} : !atile.view<?x?x128xbf16> -> !atile.smem<64x128xbf16>
  return
}

// -----

func.func @wait_none() {
  // expected-error @+1 {{waits for copy tokens or, without tokens, for all but `pending` copies; not both, not neither}}
  atile.wait
  return
}

// -----

func.func @wait_both(%p: !llvm.ptr, %n: i64, %i: index) {
  %v = atile.view %p[%n] : !llvm.ptr -> !atile.view<?x128xbf16>
  %b = atile.alloc : !atile.smem<1x64x128xbf16>
  %s = atile.stage %b[%i] : !atile.smem<1x64x128xbf16> -> !atile.smem<64x128xbf16>
  %t = atile.copy %v[] rows %i -> %s {rows = array<i64: 0>} : !atile.view<?x128xbf16> -> !atile.smem<64x128xbf16>
  // expected-error @+1 {{not both, not neither}}
  atile.wait %t {pending = 1}
  return
}

// -----

func.func @load_shape(%i: index) {
  %b = atile.alloc : !atile.smem<1x64x128xbf16>
  %s = atile.stage %b[%i] : !atile.smem<1x64x128xbf16> -> !atile.smem<64x128xbf16>
  // expected-error @+1 {{result must have the tile's shape and element type}}
  %f = atile.load %s : !atile.smem<64x128xbf16> -> !atile.frag<64x64xbf16>
  return
}

// -----

func.func @store_elem(%p: !llvm.ptr, %n: i64, %i: index) {
  %v = atile.view %p[%n, %n] : !llvm.ptr -> !atile.view<?x?x128xbf16>
  %f = atile.fill 0.0 : !atile.frag<64x128xf32>
  // expected-error @+1 {{stores without conversion (atile.convert first)}}
  atile.store %f -> %v[%i] rows %i {rows = array<i64: 1>} : !atile.frag<64x128xf32> -> !atile.view<?x?x128xbf16>
  return
}

// -----

func.func @store_staging_f32(%p: !llvm.ptr, %n: i64, %i: index) {
  %v = atile.view %p[%n, %n] : !llvm.ptr -> !atile.view<?x?x128xf32>
  %buf = atile.alloc : !atile.smem<1x64x128xf32>
  %t = atile.stage %buf[%i] : !atile.smem<1x64x128xf32> -> !atile.smem<64x128xf32>
  %f = atile.fill 0.0 : !atile.frag<64x128xf32>
  // expected-error @+1 {{stages rank-2 16-bit fragments only; got '!atile.frag<64x128xf32>'}}
  atile.store %f -> %v[%i] rows %i via %t : !atile.smem<64x128xf32> {rows = array<i64: 1>} : !atile.frag<64x128xf32> -> !atile.view<?x?x128xf32>
  return
}

// -----

func.func @store_staging_rows(%p: !llvm.ptr, %n: i64, %i: index) {
  %v = atile.view %p[%n, %n] : !llvm.ptr -> !atile.view<?x?x128xbf16>
  %buf = atile.alloc : !atile.smem<1x32x128xbf16, swizzle = 128>
  %t = atile.stage %buf[%i] : !atile.smem<1x32x128xbf16, swizzle = 128> -> !atile.smem<32x128xbf16, swizzle = 128>
  %f = atile.fill 0.0 : !atile.frag<64x128xf32>
  %g = atile.convert %f : !atile.frag<64x128xf32> -> !atile.frag<64x128xbf16>
  // expected-error @+1 {{stages through a tile of the fragment's rows, element type and at least its columns; got '!atile.smem<32x128xbf16, swizzle = 128>' for '!atile.frag<64x128xbf16>'}}
  atile.store %g -> %v[%i] rows %i via %t : !atile.smem<32x128xbf16, swizzle = 128> {rows = array<i64: 1>} : !atile.frag<64x128xbf16> -> !atile.view<?x?x128xbf16>
  return
}

// -----

func.func @store_rows_rank1(%p: !llvm.ptr, %n: i64, %i: index) {
  %v = atile.view %p[%n, %n] : !llvm.ptr -> !atile.view<?x?x4xf32>
  %f = atile.fill 0.0 : !atile.frag<64xf32>
  // expected-error @+1 {{takes one offset per dimension of '!atile.view<?x?x4xf32>' that is neither a row dimension nor the columns (1); got 0}}
  atile.store %f -> %v[] rows %i {rows = array<i64: 1, 2>} : !atile.frag<64xf32> -> !atile.view<?x?x4xf32>
  return
}

// -----

func.func @fill_type() {
  // expected-error @+1 {{fills f32 fragments}}
  %f = atile.fill 0.0 : !atile.frag<64x64xbf16>
  return
}

// -----

func.func @mma_k(%i: index) {
  %a = atile.alloc : !atile.smem<1x64x128xbf16>
  %b = atile.alloc : !atile.smem<1x64x64xbf16>
  %as = atile.stage %a[%i] : !atile.smem<1x64x128xbf16> -> !atile.smem<64x128xbf16>
  %bs = atile.stage %b[%i] : !atile.smem<1x64x64xbf16> -> !atile.smem<64x64xbf16>
  // expected-error @+1 {{lhs is 64x128 (M x K) but rhs is 64x64 (N x K, transpose_rhs)}}
  %s = atile.mma %as, %bs {transpose_rhs} : !atile.smem<64x128xbf16>, !atile.smem<64x64xbf16> -> !atile.frag<64x64xf32>
  return
}

// -----

func.func @mma_elem(%i: index) {
  %a = atile.alloc : !atile.smem<1x64x64xbf16>
  %b = atile.alloc : !atile.smem<1x64x64xf16>
  %as = atile.stage %a[%i] : !atile.smem<1x64x64xbf16> -> !atile.smem<64x64xbf16>
  %bs = atile.stage %b[%i] : !atile.smem<1x64x64xf16> -> !atile.smem<64x64xf16>
  // expected-error @+1 {{operands must share one of bf16, f16, f8E4M3FN, f8E5M2; got 'bf16' and 'f16'}}
  %s = atile.mma %as, %bs : !atile.smem<64x64xbf16>, !atile.smem<64x64xf16> -> !atile.frag<64x64xf32>
  return
}

// -----

func.func @mma_result(%i: index) {
  %a = atile.alloc : !atile.smem<1x64x64xbf16>
  %as = atile.stage %a[%i] : !atile.smem<1x64x64xbf16> -> !atile.smem<64x64xbf16>
  // expected-error @+1 {{result must be a 64x64 f32 fragment; got '!atile.frag<64x32xf32>'}}
  %s = atile.mma %as, %as : !atile.smem<64x64xbf16>, !atile.smem<64x64xbf16> -> !atile.frag<64x32xf32>
  return
}

// -----

func.func @mma_kstep(%i: index) {
  %a = atile.alloc : !atile.smem<1x64x16xf8E4M3FN>
  %as = atile.stage %a[%i] : !atile.smem<1x64x16xf8E4M3FN> -> !atile.smem<64x16xf8E4M3FN>
  // expected-error @+1 {{K must be a multiple of 32 and N of 8 (the tensor-core steps); got K = 16, N = 64}}
  %s = atile.mma %as, %as {transpose_rhs} : !atile.smem<64x16xf8E4M3FN>, !atile.smem<64x16xf8E4M3FN> -> !atile.frag<64x64xf32>
  return
}

// -----

func.func @mma_acc(%i: index) {
  %a = atile.alloc : !atile.smem<1x64x64xbf16>
  %as = atile.stage %a[%i] : !atile.smem<1x64x64xbf16> -> !atile.smem<64x64xbf16>
  %acc = atile.fill 0.0 : !atile.frag<64x64xf32, #atile.layout<mma_sync, acc, warps = 4>>
  // expected-error @+1 {{acc must have the result's type '!atile.frag<64x64xf32>'}}
  %s = atile.mma %as, %as, %acc : !atile.smem<64x64xbf16>, !atile.smem<64x64xbf16>, !atile.frag<64x64xf32, #atile.layout<mma_sync, acc, warps = 4>> -> !atile.frag<64x64xf32>
  return
}

// -----

func.func @mma_async_read(%i: index) {
  %a = atile.alloc : !atile.smem<1x64x64xbf16>
  %as = atile.stage %a[%i] : !atile.smem<1x64x64xbf16> -> !atile.smem<64x64xbf16>
  // expected-error @+1 {{is async: its result is read only through atile.mma_wait; 'atile.reduce' reads it}}
  %s = atile.mma %as, %as {async} : !atile.smem<64x64xbf16>, !atile.smem<64x64xbf16> -> !atile.frag<64x64xf32>
  %m = atile.reduce max %s : !atile.frag<64x64xf32> -> !atile.frag<64xf32>
  return
}

// -----

func.func @mma_wait_sync(%i: index) {
  %a = atile.alloc : !atile.smem<1x64x64xbf16>
  %as = atile.stage %a[%i] : !atile.smem<1x64x64xbf16> -> !atile.smem<64x64xbf16>
  %s = atile.mma %as, %as : !atile.smem<64x64xbf16>, !atile.smem<64x64xbf16> -> !atile.frag<64x64xf32>
  // expected-error @+1 {{waits for results of atile.mma {async}}}
  %w = atile.mma_wait %s : !atile.frag<64x64xf32>
  return
}

// -----

func.func @reduce_rows() {
  %f = atile.fill 0.0 : !atile.frag<64x64xf32>
  // expected-error @+1 {{result must be a rank-1 fragment of 64 rows; got '!atile.frag<32xf32>'}}
  %m = atile.reduce sum %f : !atile.frag<64x64xf32> -> !atile.frag<32xf32>
  return
}

// -----

func.func @map_shapes() {
  %a = atile.fill 0.0 : !atile.frag<64x64xf32>
  %b = atile.fill 0.0 : !atile.frag<32xf32>
  // expected-error @+1 {{inputs must be 64x64 fragments, their 64 rows or their 64 columns (1 x cols); got '!atile.frag<32xf32>'}}
  %r = atile.map %a, %b : !atile.frag<64x64xf32>, !atile.frag<32xf32> -> !atile.frag<64x64xf32> {
  ^bb0(%x: f32, %y: f32):
    atile.yield %x : f32
  }
  return
}

// -----

func.func @map_yield() {
  %a = atile.fill 0.0 : !atile.frag<64x64xf32>
  // expected-error @+1 {{body yields 'f32' for a result of '!atile.frag<64x64xbf16>'}}
  %r = atile.map %a : !atile.frag<64x64xf32> -> !atile.frag<64x64xbf16> {
  ^bb0(%x: f32):
    atile.yield %x : f32
  }
  return
}

// -----

func.func @map_args() {
  %a = atile.fill 0.0 : !atile.frag<64x64xf32>
  // expected-error @+1 {{body takes one scalar per input (1); got 2}}
  %r = atile.map %a : !atile.frag<64x64xf32> -> !atile.frag<64x64xf32> {
  ^bb0(%x: f32, %y: f32):
    atile.yield %x : f32
  }
  return
}

// -----

func.func @mask_window(%i: index) {
  %s = atile.fill 0.0 : !atile.frag<64x64xf32>
  // expected-error @+1 {{attribute 'window' failed to satisfy constraint}}
  %m = atile.mask %s row %i col %i keys %i group %i offset %i {window = 0} : !atile.frag<64x64xf32>
  return
}

// -----

func.func @softmax_rows() {
  %s = atile.fill 0.0 : !atile.frag<64x64xf32>
  %m = atile.fill 0.0 : !atile.frag<32xf32>
  // expected-error @+1 {{max must be a rank-1 fragment of 64 rows; got '!atile.frag<32xf32>'}}
  %p, %m1, %l1, %a = atile.online_softmax %s, %m, %m {scale = 1.0 : f32} : !atile.frag<64x64xf32>, !atile.frag<32xf32>
  return
}

// -----

func.func @softmax_scale() {
  %s = atile.fill 0.0 : !atile.frag<64x64xf32>
  %m = atile.fill 0.0 : !atile.frag<64xf32>
  // expected-error @+1 {{scale must be positive}}
  %p, %m1, %l1, %a = atile.online_softmax %s, %m, %m {scale = -1.0 : f32} : !atile.frag<64x64xf32>, !atile.frag<64xf32>
  return
}

// -----

func.func @convert_fp8() {
  %s = atile.fill 0.0 : !atile.frag<64xf32>
  // expected-error @+1 {{makes FP8 only from rank-2 f32 fragments and only f8E4M3FN}}
  %c = atile.convert %s : !atile.frag<64xf32> -> !atile.frag<64xf8E4M3FN>
  return
}

// -----

func.func @convert_e5m2() {
  %s = atile.fill 0.0 : !atile.frag<64x64xf32>
  // expected-error @+1 {{makes FP8 only from rank-2 f32 fragments and only f8E4M3FN}}
  %c = atile.convert %s : !atile.frag<64x64xf32> -> !atile.frag<64x64xf8E5M2>
  return
}

// -----

func.func @read_not_f32(%p: !llvm.ptr<1>, %n: i64, %i: index) {
  %v = atile.view %p[%n] : !llvm.ptr<1> -> !atile.view<?xi32>
  // expected-error @+1 {{reads f32, bf16 or f16 views}}
  %x = atile.read %v[%i] : !atile.view<?xi32> -> f32
  return
}

// -----

func.func @read_scalar_offsets(%p: !llvm.ptr<1>, %n: i64, %i: index) {
  %v = atile.view %p[%n, %n] : !llvm.ptr<1> -> !atile.view<?x?xf32>
  // expected-error @+1 {{without `rows` takes one offset per dimension}}
  %x = atile.read %v[%i] : !atile.view<?x?xf32> -> f32
  return
}

// -----

func.func @read_rows_scalar(%p: !llvm.ptr<1>, %n: i64, %i: index) {
  %v = atile.view %p[%n, %n] : !llvm.ptr<1> -> !atile.view<?x?xf32>
  // expected-error @+1 {{with `rows` reads an f32 fragment}}
  %x = atile.read %v[%i] rows %i {rows = array<i64: 1>} : !atile.view<?x?xf32> -> f32
  return
}

// -----

func.func @softmax_row_scale(%s: !atile.frag<64x64xf32>, %m: !atile.frag<64xf32>, %r: !atile.frag<32xf32>) {
  // expected-error @+1 {{row_scale must be a rank-1 fragment of 64 rows}}
  %p, %m1, %l1, %a = atile.online_softmax %s, %m, %m scaled %r : !atile.frag<32xf32> {scale = 1.0 : f32} : !atile.frag<64x64xf32>, !atile.frag<64xf32>
  return
}

// -----

func.func @softmax_prob_scale(%s: !atile.frag<64x64xf32>, %m: !atile.frag<64xf32>) {
  // expected-error @+1 {{log2_prob_scale must be in [0, 64]}}
  %p, %m1, %l1, %a = atile.online_softmax %s, %m, %m {scale = 1.0 : f32, log2_prob_scale = 65 : i64} : !atile.frag<64x64xf32>, !atile.frag<64xf32>
  return
}

// -----

func.func @convert_shape() {
  %s = atile.fill 0.0 : !atile.frag<64x64xf32>
  // expected-error @+1 {{keeps the shape}}
  %c = atile.convert %s : !atile.frag<64x64xf32> -> !atile.frag<64x32xbf16>
  return
}

// -----

func.func @quantize_type() {
  %s = atile.fill 0.0 : !atile.frag<64x64xf32>
  // expected-error @+1 {{result must be f8E4M3FN or f8E5M2; got 'bf16'}}
  %q, %sc = atile.quantize %s : !atile.frag<64x64xf32> -> !atile.frag<64x64xbf16>, !atile.frag<64xf32>
  return
}

// -----

func.func @quantize_scale() {
  %s = atile.fill 0.0 : !atile.frag<64x64xf32>
  // expected-error @+1 {{scale must be a rank-1 fragment of 64 rows; got '!atile.frag<64x64xf32>'}}
  %q, %sc = atile.quantize %s : !atile.frag<64x64xf32> -> !atile.frag<64x64xf8E4M3FN>, !atile.frag<64x64xf32>
  return
}

// -----

func.func @ws_one_budget() {
  // expected-error @+1 {{takes both register budgets or neither}}
  atile.warp_specialize {producer_warps = 4, consumers = 1, consumer_regs = 240} producer {
    atile.yield
  } consumer {
  ^bb0(%c: index):
    atile.yield
  }
  return
}

// -----

func.func @ws_budgets_256() {
  // expected-error @+1 {{takes register budgets if and only if the block has more than 256 threads; it has 256}}
  atile.warp_specialize {producer_warps = 4, consumers = 1, producer_regs = 24, consumer_regs = 240} producer {
    atile.yield
  } consumer {
  ^bb0(%c: index):
    atile.yield
  }
  return
}

// -----

func.func @ws_no_budgets_384() {
  // expected-error @+1 {{takes register budgets if and only if the block has more than 256 threads; it has 384}}
  atile.warp_specialize {producer_warps = 4, consumers = 2} producer {
    atile.yield
  } consumer {
  ^bb0(%c: index):
    atile.yield
  }
  return
}

// -----

func.func @ws_regs() {
  // expected-error @+1 {{register budgets must be multiples of 8 in [24, 256] (setmaxnreg); got 20}}
  atile.warp_specialize {producer_warps = 4, consumers = 2, producer_regs = 20, consumer_regs = 240} producer {
    atile.yield
  } consumer {
  ^bb0(%c: index):
    atile.yield
  }
  return
}

// -----

func.func @ws_total() {
  // expected-error @+1 {{12 warps at these budgets need 73728 registers; a multiprocessor has 65536}}
  atile.warp_specialize {producer_warps = 4, consumers = 2, producer_regs = 192, consumer_regs = 192} producer {
    atile.yield
  } consumer {
  ^bb0(%c: index):
    atile.yield
  }
  return
}

// -----

func.func @ws_order() {
  // expected-error @+1 {{gives the producer (160 registers) more than the consumers (152)}}
  atile.warp_specialize {producer_warps = 4, consumers = 2, producer_regs = 160, consumer_regs = 152} producer {
    atile.yield
  } consumer {
  ^bb0(%c: index):
    atile.yield
  }
  return
}

// -----

func.func @yield_parent() {
  // expected-error @+1 {{expects parent op to be one of 'atile.map, atile.warp_specialize'}}
  atile.yield
}

// -----

func.func @turn_outside() {
  // expected-error @+1 {{takes turns between the two consumers of an atile.warp_specialize}}
  atile.turn_acquire
  return
}

// -----

func.func @turn_one_consumer() {
  atile.warp_specialize {producer_warps = 4, consumers = 1} producer {
    atile.yield
  } consumer {
  ^bb0(%c: index):
    // expected-error @+1 {{takes turns between the two consumers of an atile.warp_specialize}}
    atile.turn_release
    atile.yield
  }
  return
}

// -----

func.func @ring_not_alloc(%t: !atile.smem<2x64x128xbf16, swizzle = 128>, %j: index) {
  // expected-error @+1 {{names a ring by its atile.alloc buffer}}
  atile.await %t[%j] : !atile.smem<2x64x128xbf16, swizzle = 128>
  return
}

// -----

func.func @ws_args() {
  // expected-error @+1 {{consumer region takes one index argument (the consumer's index)}}
  atile.warp_specialize {producer_warps = 4, consumers = 2, producer_regs = 24, consumer_regs = 240} producer {
    atile.yield
  } consumer {
    atile.yield
  }
  return
}

// -----

func.func @gather_columns(%p: !llvm.ptr<1>, %q: !llvm.ptr<1>, %n: i64, %i: index) {
  %k = atile.view %p[%n] : !llvm.ptr<1> -> !atile.view<?x128xbf16>
  %t = atile.view %q[%n] : !llvm.ptr<1> -> !atile.view<?xi32>
  // expected-error @+1 {{gathers along a dimension of '!atile.view<?x128xbf16>' other than its last}}
  %g = atile.gather %k by %t[] dim 1 block 1 bound %i : !atile.view<?x128xbf16>, !atile.view<?xi32> -> !atile.view<?x?xbf16>
  return
}

// -----

func.func @gather_table_type(%p: !llvm.ptr<1>, %q: !llvm.ptr<1>, %n: i64, %i: index) {
  %k = atile.view %p[%n] : !llvm.ptr<1> -> !atile.view<?x128xbf16>
  %t = atile.view %q[%n] : !llvm.ptr<1> -> !atile.view<?xf32>
  // expected-error @+1 {{reads its entries from an i32 view}}
  %g = atile.gather %k by %t[] dim 0 block 1 bound %i : !atile.view<?x128xbf16>, !atile.view<?xf32> -> !atile.view<?x128xbf16>
  return
}

// -----

func.func @gather_offsets(%p: !llvm.ptr<1>, %q: !llvm.ptr<1>, %n: i64, %i: index) {
  %k = atile.view %p[%n] : !llvm.ptr<1> -> !atile.view<?x128xbf16>
  %t = atile.view %q[%n, %n] : !llvm.ptr<1> -> !atile.view<?x?xi32>
  // expected-error @+1 {{takes one offset per dimension of '!atile.view<?x?xi32>' but its last (the entries); got 0}}
  %g = atile.gather %k by %t[] dim 0 block 1 bound %i : !atile.view<?x128xbf16>, !atile.view<?x?xi32> -> !atile.view<?x128xbf16>
  return
}

// -----

func.func @gather_result(%p: !llvm.ptr<1>, %q: !llvm.ptr<1>, %n: i64, %i: index) {
  %k = atile.view %p[] : !llvm.ptr<1> -> !atile.view<8x128xbf16>
  %t = atile.view %q[%n] : !llvm.ptr<1> -> !atile.view<?xi32>
  // expected-error @+1 {{result must be '!atile.view<8x128xbf16>' with extent 0 dynamic}}
  %g = atile.gather %k by %t[] dim 0 block 1 bound %i : !atile.view<8x128xbf16>, !atile.view<?xi32> -> !atile.view<8x128xbf16>
  return
}

// -----

func.func @gather_block(%p: !llvm.ptr<1>, %q: !llvm.ptr<1>, %n: i64, %i: index) {
  %k = atile.view %p[%n] : !llvm.ptr<1> -> !atile.view<?x128xbf16>
  %t = atile.view %q[%n] : !llvm.ptr<1> -> !atile.view<?xi32>
  // expected-error @+1 {{attribute 'block' failed to satisfy constraint}}
  %g = atile.gather %k by %t[] dim 0 block 0 bound %i : !atile.view<?x128xbf16>, !atile.view<?xi32> -> !atile.view<?x128xbf16>
  return
}

// -----

func.func @mask_gathered_causal(%p: !llvm.ptr<1>, %q: !llvm.ptr<1>, %n: i64, %i: index) {
  %k = atile.view %p[%n] : !llvm.ptr<1> -> !atile.view<?x128xbf16>
  %t = atile.view %q[%n] : !llvm.ptr<1> -> !atile.view<?xi32>
  %g = atile.gather %k by %t[] dim 0 block 1 bound %i : !atile.view<?x128xbf16>, !atile.view<?xi32> -> !atile.view<?x128xbf16>
  %s = atile.fill 0.0 : !atile.frag<16x32xf32>
  // expected-error @+1 {{with gathered keys takes no causal or window}}
  %m = atile.mask %s row %i col %i keys %i group %i offset %i gathered %g : !atile.view<?x128xbf16> {causal} : !atile.frag<16x32xf32>
  return
}

// -----

func.func @mask_gathered_view(%p: !llvm.ptr<1>, %n: i64, %i: index) {
  %k = atile.view %p[%n] : !llvm.ptr<1> -> !atile.view<?x128xbf16>
  %s = atile.fill 0.0 : !atile.frag<16x32xf32>
  // expected-error @+1 {{takes its gathered keys from an atile.gather}}
  %m = atile.mask %s row %i col %i keys %i group %i offset %i gathered %k : !atile.view<?x128xbf16> : !atile.frag<16x32xf32>
  return
}

// -----

func.func @read_cols(%p: !llvm.ptr<1>, %n: i64, %i: index) {
  %v = atile.view %p[%n] : !llvm.ptr<1> -> !atile.view<?x4x32xf32>
  // expected-error @+1 {{reads whole rows: the view's last extent must be static and equal the fragment's 16 columns}}
  %x = atile.read %v[%i] rows %i {rows = array<i64: 1>} : !atile.view<?x4x32xf32> -> !atile.frag<128x16xf32>
  return
}

// -----

func.func @reduce_rows_shape(%x: !atile.frag<128x32xf32>) {
  // expected-error @+1 {{over the rows (dim = 0) makes a 1x32 fragment}}
  %r = atile.reduce sum %x {dim = 0 : i64} : !atile.frag<128x32xf32> -> !atile.frag<128xf32>
  return
}

// -----

func.func @reduce_rank1_dim(%x: !atile.frag<128xf32>) {
  // expected-error @+1 {{reduces a rank-1 fragment over its rows (dim = 0) to one f32}}
  %r = atile.reduce sum %x : !atile.frag<128xf32> -> f32
  return
}

// -----

func.func @reduce_dim(%x: !atile.frag<128x32xf32>) {
  // expected-error @+1 {{reduces along dim 1 (each row) or 0 (over the rows); got 2}}
  %r = atile.reduce sum %x {dim = 2 : i64} : !atile.frag<128x32xf32> -> !atile.frag<128xf32>
  return
}

// -----

func.func @map_columns(%x: !atile.frag<128x32xf32>, %c: !atile.frag<1x16xf32>) {
  // expected-error @+1 {{inputs must be 128x32 fragments, their 128 rows or their 32 columns (1 x cols)}}
  %r = atile.map %x, %c : !atile.frag<128x32xf32>, !atile.frag<1x16xf32> -> !atile.frag<128x32xf32> {
  ^bb0(%a: f32, %b: f32):
    %s = arith.addf %a, %b : f32
    atile.yield %s : f32
  }
  return
}

// -----

// expected-error @+1 {{lanes per row must divide 32; got 3}}
func.func @simt_lanes(%x: !atile.frag<128x12xf32, #atile.layout<simt, acc, warps = 4, lanes = 3>>) {
  return
}

// -----

// expected-error @+1 {{a simt fragment over 8 lanes per row has 32 columns; got 16}}
func.func @simt_cols(%x: !atile.frag<128x16xf32, #atile.layout<simt, acc, warps = 4, lanes = 8>>) {
  return
}

// -----

// expected-error @+1 {{100 rows do not split into whole passes of 16 rows (simt, 4 warps)}}
func.func @simt_rows(%x: !atile.frag<100x32xf32, #atile.layout<simt, acc, warps = 4, lanes = 8>>) {
  return
}

// -----

// expected-error @+1 {{simt layouts, and only they, name their lanes per row}}
func.func @mma_lanes(%x: !atile.frag<128x32xf32, #atile.layout<mma_sync, acc, warps = 4, lanes = 8>>) {
  return
}

// -----

func.func @load_transpose_shape(%u: !atile.smem<64x32xbf16, swizzle = 64>) {
  // expected-error @+1 {{with `transpose` makes the f32 cols x rows fragment of a 16-bit tile; got '!atile.frag<64x32xf32>' from '!atile.smem<64x32xbf16, swizzle = 64>'}}
  %t = atile.load %u {transpose} : !atile.smem<64x32xbf16, swizzle = 64> -> !atile.frag<64x32xf32>
  return
}

// -----

func.func @read_transpose_rank1(%v: !atile.view<?x64xf32>, %i: index) {
  // expected-error @+1 {{with `transpose` reads a rank-2 fragment}}
  %t = atile.read %v[] rows %i {rows = array<i64: 0>, transpose} : !atile.view<?x64xf32> -> !atile.frag<64xf32>
  return
}

// -----

func.func @store_transpose_cols(%x: !atile.frag<64x128xf32>, %v: !atile.view<?x128xf32>, %i: index) {
  // expected-error @+1 {{stores whole rows: the view's last extent must be static and equal the fragment's 64 rows (transposed); got '!atile.view<?x128xf32>'}}
  atile.store %x -> %v[] rows %i {rows = array<i64: 0>, transpose} : !atile.frag<64x128xf32> -> !atile.view<?x128xf32>
  return
}

// -----

func.func @store_transpose_staged(%x: !atile.frag<64x64xbf16>, %v: !atile.view<?x64xbf16>, %t: !atile.smem<64x64xbf16, swizzle = 128>, %i: index) {
  // expected-error @+1 {{with `transpose` writes a rank-2 fragment straight from registers}}
  atile.store %x -> %v[] rows %i via %t : !atile.smem<64x64xbf16, swizzle = 128> {rows = array<i64: 0>, transpose} : !atile.frag<64x64xbf16> -> !atile.view<?x64xbf16>
  return
}

// -----

func.func @tma_unswizzled_rows(%p: !llvm.ptr, %map: !llvm.ptr, %n: i64, %i: index) {
  %v = atile.view %p[%n, %n] tensormap(%map : !llvm.ptr) : !llvm.ptr -> !atile.view<?x?x128xf32>
  %buf = atile.alloc : !atile.smem<2x2x128xf32>
  %t = atile.stage %buf[%i] : !atile.smem<2x2x128xf32> -> !atile.smem<2x128xf32>
  // expected-error @+1 {{with engine = tma copies one row dimension into a tile of whole 128-byte column blocks, 128-byte-swizzled or of one unswizzled row; got '!atile.smem<2x128xf32>'}}
  %tok = atile.copy %v[%i] rows %i -> %t {rows = array<i64: 1>, engine = #atile.engine<tma>} : !atile.view<?x?x128xf32> -> !atile.smem<2x128xf32>
  return
}

// -----

func.func @load_column_of_bf16(%t: !atile.smem<8x128xbf16, swizzle = 128>) {
  // expected-error @+1 {{result must have the tile's shape and element type, or be the 1 x cols f32 column vector of a row of an f32 tile (cols a multiple of 8); got '!atile.frag<1x128xf32>' from '!atile.smem<8x128xbf16, swizzle = 128>'}}
  %c = atile.load %t : !atile.smem<8x128xbf16, swizzle = 128> -> !atile.frag<1x128xf32>
  return
}

// -----

func.func @load_column_cols(%t: !atile.smem<1x128xf32>) {
  // expected-error @+1 {{or be the 1 x cols f32 column vector of a row of an f32 tile (cols a multiple of 8); got '!atile.frag<1x64xf32>' from '!atile.smem<1x128xf32>'}}
  %c = atile.load %t : !atile.smem<1x128xf32> -> !atile.frag<1x64xf32>
  return
}

// -----

func.func @tma_swizzled_rows(%p: !llvm.ptr, %map: !llvm.ptr, %n: i64, %i: index) {
  %v = atile.view %p[%n, %n] tensormap(%map : !llvm.ptr) : !llvm.ptr -> !atile.view<?x?x64xbf16>
  %buf = atile.alloc : !atile.smem<2x4x64xbf16, swizzle = 128>
  %t = atile.stage %buf[%i] : !atile.smem<2x4x64xbf16, swizzle = 128> -> !atile.smem<4x64xbf16, swizzle = 128>
  // expected-error @+1 {{with engine = tma copies one row dimension into a tile of whole 128-byte column blocks, 128-byte-swizzled or of one unswizzled row; got '!atile.smem<4x64xbf16, swizzle = 128>'}}
  %tok = atile.copy %v[%i] rows %i -> %t {rows = array<i64: 1>, engine = #atile.engine<tma>} : !atile.view<?x?x64xbf16> -> !atile.smem<4x64xbf16, swizzle = 128>
  return
}

// -----

func.func @put_shape(%f: !atile.frag<64x64xbf16>, %t: !atile.smem<64x128xbf16, swizzle = 128>) {
  // expected-error @+1 {{writes a rank-2 fragment into one stage of the same shape and element type; got '!atile.frag<64x64xbf16>' -> '!atile.smem<64x128xbf16, swizzle = 128>'}}
  atile.put %f -> %t : !atile.frag<64x64xbf16> -> !atile.smem<64x128xbf16, swizzle = 128>
  return
}

// -----

func.func @scan_bf16(%t: !atile.smem<64x128xbf16, swizzle = 128>) {
  // expected-error @+1 {{scans one stage of an f32 tile; got '!atile.smem<64x128xbf16, swizzle = 128>'}}
  atile.scan %t : !atile.smem<64x128xbf16, swizzle = 128>
  return
}

// -----

func.func @subtile_divides(%t: !atile.smem<64x128xf32, swizzle = 128>, %i: index) {
  // expected-error @+1 {{takes column blocks that divide one stage's columns; got 96 of '!atile.smem<64x128xf32, swizzle = 128>'}}
  %s = atile.subtile %t[%i] {cols = 96} : !atile.smem<64x128xf32, swizzle = 128> -> !atile.smem<64x96xf32, swizzle = 128>
  return
}

// -----

func.func @load_row(%t: !atile.smem<64x64xf32, swizzle = 128>) {
  // expected-error @+1 {{loads row 64 of a tile of 64 rows}}
  %c = atile.load %t {row = 64} : !atile.smem<64x64xf32, swizzle = 128> -> !atile.frag<1x64xf32>
  return
}

// -----

func.func @iota_shape() {
  // expected-error @+1 {{makes an f32 rows fragment or a 1 x cols column vector; got '!atile.frag<64x64xf32>'}}
  %i = atile.iota : !atile.frag<64x64xf32>
  return
}

// -----

func.func @gram_gates(%k: !atile.smem<64x128xbf16, swizzle = 128>, %g: !atile.smem<64x64xf32, swizzle = 128>) {
  // expected-error @+1 {{takes gates as an f32 tile of the keys' shape; got '!atile.smem<64x64xf32, swizzle = 128>'}}
  %kk, %qk = atile.gated_gram %k, %k gates %g : !atile.smem<64x128xbf16, swizzle = 128>, !atile.smem<64x128xbf16, swizzle = 128>, !atile.smem<64x64xf32, swizzle = 128> -> !atile.frag<64x64xf32>, !atile.frag<64x64xf32>
  return
}

// -----

func.func @solve_scratch(%a: !atile.frag<64x64xf32>, %s: !atile.smem<64x64xf32, swizzle = 128>) {
  // expected-error @+1 {{needs an f32 scratch tile of at least 8192 elements; got '!atile.smem<64x64xf32, swizzle = 128>'}}
  %x = atile.tril_solve %a scratch %s : !atile.frag<64x64xf32>, !atile.smem<64x64xf32, swizzle = 128> -> !atile.frag<64x64xf32>
  return
}

// -----

func.func @load_scalar(%t: !atile.smem<1x64xf32>) {
  // expected-error @+1 {{loads an f32 scalar from an element (row 0, col 64) inside an f32 tile; got '!atile.smem<1x64xf32>'}}
  %x = atile.load %t {col = 64} : !atile.smem<1x64xf32> -> f32
  return
}

// -----

func.func @put_rows(%f: !atile.frag<64xf32>, %t: !atile.smem<2x32xf32>) {
  // expected-error @+1 {{puts a rows fragment into a 1 x rows f32 tile; got '!atile.frag<64xf32>' -> '!atile.smem<2x32xf32>'}}
  atile.put %f -> %t : !atile.frag<64xf32> -> !atile.smem<2x32xf32>
  return
}
