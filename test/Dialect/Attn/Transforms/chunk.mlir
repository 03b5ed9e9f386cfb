// attn-chunk: chunk plans of chunked (or not yet decided) linear/delta ops.
// Per-key-channel gates (GLA, KDA) get sub-chunks, everything else none;
// recurrent ops and plans set by hand are left alone. Invalid option values
// are errors at the first op that would get them.
// RUN: split-file %s %t
// RUN: attn-opt %t/plans.mlir -split-input-file --attn-chunk | FileCheck %s
// RUN: attn-opt %t/plans.mlir -split-input-file --attn-chunk="chunk-size=128 sub-chunk=32" | FileCheck %s --check-prefix=OPT
// RUN: attn-opt %t/plans.mlir -split-input-file --attn-select-form --attn-chunk | FileCheck %s --check-prefix=PIPE
// RUN: attn-opt %t/plans.mlir -split-input-file --attn-chunk --verify-roundtrip -o /dev/null
// RUN: attn-opt %t/size-48.mlir --attn-chunk=chunk-size=48 -verify-diagnostics -o /dev/null
// RUN: attn-opt %t/size-512.mlir --attn-chunk=chunk-size=512 -verify-diagnostics -o /dev/null
// RUN: attn-opt %t/sub-chunk-24.mlir --attn-chunk=sub-chunk=24 -verify-diagnostics -o /dev/null
// RUN: attn-opt %t/sub-chunk-128.mlir --attn-chunk=sub-chunk=128 -verify-diagnostics -o /dev/null

//--- plans.mlir

// KDA (delta, gate [B, T, HV, K]) gets sub-chunks; Gated DeltaNet (scalar
// gate) and DeltaNet (no gate) do not.
// CHECK-LABEL: func.func @delta_variants
// CHECK: attn.delta {{.*}} {chunk = #attn.chunk<size = 64, sub_chunk = 16>, form = #attn.form<chunked>, use_qk_l2norm}
// CHECK: attn.delta {{.*}} {chunk = #attn.chunk<size = 64>, form = #attn.form<chunked>}
// CHECK: attn.delta {{.*}} {chunk = #attn.chunk<size = 64>, form = #attn.form<chunked>}
// OPT-LABEL: func.func @delta_variants
// OPT: attn.delta {{.*}} {chunk = #attn.chunk<size = 128, sub_chunk = 32>, form = #attn.form<chunked>, use_qk_l2norm}
// OPT: attn.delta {{.*}} {chunk = #attn.chunk<size = 128>, form = #attn.form<chunked>}
// OPT: attn.delta {{.*}} {chunk = #attn.chunk<size = 128>, form = #attn.form<chunked>}
func.func @delta_variants(%q: tensor<1x?x16x128xbf16>, %v: tensor<1x?x32x128xbf16>,
                          %beta: tensor<1x?x32xf32>, %gv: tensor<1x?x32x128xf32>,
                          %gs: tensor<1x?x32xf32>)
    -> (tensor<1x?x32x128xbf16>, tensor<1x?x32x128xbf16>, tensor<1x?x32x128xbf16>) {
  %kda = attn.delta %q, %q, %v, %beta gate(%gv) {use_qk_l2norm}
      : (tensor<1x?x16x128xbf16>, tensor<1x?x16x128xbf16>, tensor<1x?x32x128xbf16>,
         tensor<1x?x32xf32>, tensor<1x?x32x128xf32>) -> tensor<1x?x32x128xbf16>
  %gdn = attn.delta %q, %q, %v, %beta gate(%gs)
      : (tensor<1x?x16x128xbf16>, tensor<1x?x16x128xbf16>, tensor<1x?x32x128xbf16>,
         tensor<1x?x32xf32>, tensor<1x?x32xf32>) -> tensor<1x?x32x128xbf16>
  %dn = attn.delta %q, %q, %v, %beta
      : (tensor<1x?x16x128xbf16>, tensor<1x?x16x128xbf16>, tensor<1x?x32x128xbf16>,
         tensor<1x?x32xf32>) -> tensor<1x?x32x128xbf16>
  return %kda, %gdn, %dn : tensor<1x?x32x128xbf16>, tensor<1x?x32x128xbf16>, tensor<1x?x32x128xbf16>
}

// -----

// GLA (linear, gate [B, T, H, K]) gets sub-chunks; scalar decay, a constant
// decay and plain linear attention do not.
// CHECK-LABEL: func.func @linear_variants
// CHECK: attn.linear %arg0, %arg0, %arg0 gate(%arg1) {chunk = #attn.chunk<size = 64, sub_chunk = 16>, form = #attn.form<chunked>}
// CHECK: attn.linear %arg0, %arg0, %arg0 gate(%arg2) {chunk = #attn.chunk<size = 64>, form = #attn.form<chunked>}
// CHECK: attn.linear %arg0, %arg0, %arg0 {chunk = #attn.chunk<size = 64>, decay = array<f64: -5.000000e-01>, form = #attn.form<chunked>}
// CHECK: attn.linear %arg0, %arg0, %arg0 {chunk = #attn.chunk<size = 64>, form = #attn.form<chunked>}
func.func @linear_variants(%x: tensor<2x?x4x64xf16>, %gv: tensor<2x?x4x64xf32>, %gs: tensor<2x?x4xf32>)
    -> (tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>) {
  %gla = attn.linear %x, %x, %x gate(%gv)
      : (tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>, tensor<2x?x4x64xf32>) -> tensor<2x?x4x64xf16>
  %sgla = attn.linear %x, %x, %x gate(%gs)
      : (tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>, tensor<2x?x4xf32>) -> tensor<2x?x4x64xf16>
  %ret = attn.linear %x, %x, %x {decay = array<f64: -0.5>}
      : (tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>) -> tensor<2x?x4x64xf16>
  %lin = attn.linear %x, %x, %x
      : (tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>) -> tensor<2x?x4x64xf16>
  return %gla, %sgla, %ret, %lin : tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>
}

// -----

// Recurrent ops get no plan; plans and forms set by hand are kept (an op with
// a hand-set chunk but no form gets the chunked form it needs); other ops
// are untouched. With attn-select-form first (PIPE), the short T = 8 op
// becomes recurrent and gets no plan either.
// CHECK-LABEL: func.func @user_choices_kept
// CHECK: attn.linear %arg0, %arg0, %arg0 gate(%arg1) {form = #attn.form<recurrent>} :
// CHECK: attn.linear %arg0, %arg0, %arg0 gate(%arg1) {chunk = #attn.chunk<size = 32, sub_chunk = 8>, form = #attn.form<chunked>} :
// CHECK: attn.linear %arg0, %arg0, %arg0 gate(%arg1) {chunk = #attn.chunk<size = 128>, form = #attn.form<chunked>} :
// CHECK: attn.linear %arg0, %arg0, %arg0 gate(%arg1) {chunk = #attn.chunk<size = 64, sub_chunk = 16>, form = #attn.form<chunked>} :
// CHECK: attn.full %arg0, %arg0, %arg0 :
// PIPE-LABEL: func.func @user_choices_kept
// PIPE: attn.linear %arg0, %arg0, %arg0 gate(%arg1) {form = #attn.form<recurrent>} :
// PIPE: attn.linear %arg0, %arg0, %arg0 gate(%arg1) {chunk = #attn.chunk<size = 32, sub_chunk = 8>, form = #attn.form<chunked>} :
// PIPE: attn.linear %arg0, %arg0, %arg0 gate(%arg1) {chunk = #attn.chunk<size = 128>, form = #attn.form<chunked>} :
// PIPE: attn.linear %arg0, %arg0, %arg0 gate(%arg1) {form = #attn.form<recurrent>} :
func.func @user_choices_kept(%x: tensor<1x8x4x64xf32>, %g: tensor<1x8x4x64xf32>)
    -> (tensor<1x8x4x64xf32>, tensor<1x8x4x64xf32>, tensor<1x8x4x64xf32>, tensor<1x8x4x64xf32>, tensor<1x8x4x64xf32>) {
  %a = attn.linear %x, %x, %x gate(%g) {form = #attn.form<recurrent>}
      : (tensor<1x8x4x64xf32>, tensor<1x8x4x64xf32>, tensor<1x8x4x64xf32>, tensor<1x8x4x64xf32>) -> tensor<1x8x4x64xf32>
  %b = attn.linear %x, %x, %x gate(%g) {form = #attn.form<chunked>, chunk = #attn.chunk<size = 32, sub_chunk = 8>}
      : (tensor<1x8x4x64xf32>, tensor<1x8x4x64xf32>, tensor<1x8x4x64xf32>, tensor<1x8x4x64xf32>) -> tensor<1x8x4x64xf32>
  %c = attn.linear %x, %x, %x gate(%g) {chunk = #attn.chunk<size = 128>}
      : (tensor<1x8x4x64xf32>, tensor<1x8x4x64xf32>, tensor<1x8x4x64xf32>, tensor<1x8x4x64xf32>) -> tensor<1x8x4x64xf32>
  %d = attn.linear %x, %x, %x gate(%g)
      : (tensor<1x8x4x64xf32>, tensor<1x8x4x64xf32>, tensor<1x8x4x64xf32>, tensor<1x8x4x64xf32>) -> tensor<1x8x4x64xf32>
  %e = attn.full %x, %x, %x
      : (tensor<1x8x4x64xf32>, tensor<1x8x4x64xf32>, tensor<1x8x4x64xf32>) -> tensor<1x8x4x64xf32>
  return %a, %b, %c, %d, %e : tensor<1x8x4x64xf32>, tensor<1x8x4x64xf32>, tensor<1x8x4x64xf32>, tensor<1x8x4x64xf32>, tensor<1x8x4x64xf32>
}

//--- size-48.mlir

// chunk-size = 48 is not a power of two.
func.func @size_48(%q: tensor<1x?x16x128xbf16>, %v: tensor<1x?x32x128xbf16>,
                   %beta: tensor<1x?x32xf32>, %gv: tensor<1x?x32x128xf32>) -> tensor<1x?x32x128xbf16> {
  // expected-error @+1 {{'attn.delta' op cannot take the chunk plan of attn-chunk (chunk-size = 48, sub-chunk = 16): #attn.chunk: 'size' must be a power of two in [16, 256], got 48}}
  %kda = attn.delta %q, %q, %v, %beta gate(%gv)
      : (tensor<1x?x16x128xbf16>, tensor<1x?x16x128xbf16>, tensor<1x?x32x128xbf16>,
         tensor<1x?x32xf32>, tensor<1x?x32x128xf32>) -> tensor<1x?x32x128xbf16>
  return %kda : tensor<1x?x32x128xbf16>
}

//--- size-512.mlir

// chunk-size = 512 is beyond the 256 limit; the error names the first op and
// the pass stops there.
func.func @size_512(%x: tensor<2x?x4x64xf16>) -> (tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>) {
  // expected-error @+1 {{'attn.linear' op cannot take the chunk plan of attn-chunk (chunk-size = 512, sub-chunk = 16): #attn.chunk: 'size' must be a power of two in [16, 256], got 512}}
  %a = attn.linear %x, %x, %x
      : (tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>) -> tensor<2x?x4x64xf16>
  %b = attn.linear %x, %x, %x
      : (tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>) -> tensor<2x?x4x64xf16>
  return %a, %b : tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>
}

//--- sub-chunk-24.mlir

// sub-chunk = 24 does not divide 64. It is only used, and so only checked,
// for per-channel gates: the scalar-gated op before the GLA op is fine.
func.func @sub_chunk_24(%x: tensor<2x?x4x64xf16>, %gs: tensor<2x?x4xf32>, %gv: tensor<2x?x4x64xf32>)
    -> (tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>) {
  %sgla = attn.linear %x, %x, %x gate(%gs)
      : (tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>, tensor<2x?x4xf32>) -> tensor<2x?x4x64xf16>
  // expected-error @+1 {{'attn.linear' op cannot take the chunk plan of attn-chunk (chunk-size = 64, sub-chunk = 24): #attn.chunk: 'sub_chunk' must be 0 or a power of two dividing 'size' = 64, got 24}}
  %gla = attn.linear %x, %x, %x gate(%gv)
      : (tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>, tensor<2x?x4x64xf32>) -> tensor<2x?x4x64xf16>
  return %sgla, %gla : tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>
}

//--- sub-chunk-128.mlir

// A sub-chunk longer than the chunk does not divide it.
func.func @sub_chunk_128(%x: tensor<2x?x4x64xf16>, %gv: tensor<2x?x4x64xf32>) -> tensor<2x?x4x64xf16> {
  // expected-error @+1 {{'attn.linear' op cannot take the chunk plan of attn-chunk (chunk-size = 64, sub-chunk = 128): #attn.chunk: 'sub_chunk' must be 0 or a power of two dividing 'size' = 64, got 128}}
  %gla = attn.linear %x, %x, %x gate(%gv)
      : (tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>, tensor<2x?x4x64xf16>, tensor<2x?x4x64xf32>) -> tensor<2x?x4x64xf16>
  return %gla : tensor<2x?x4x64xf16>
}
