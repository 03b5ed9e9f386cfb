// attn-select-form: recurrent for a static T <= max-recurrent-t (default 16),
// chunked for longer or dynamic T and for ops that already have a chunk plan;
// a form that is already set is kept.
// RUN: split-file %s %t
// RUN: attn-opt %t/forms.mlir -split-input-file --attn-select-form | FileCheck %s
// RUN: attn-opt %t/forms.mlir -split-input-file --attn-select-form=max-recurrent-t=0 | FileCheck %s --check-prefix=ZERO
// RUN: attn-opt %t/forms.mlir -split-input-file --attn-select-form=max-recurrent-t=64 | FileCheck %s --check-prefix=LONG
// RUN: attn-opt %t/forms.mlir -split-input-file --attn-select-form --verify-roundtrip -o /dev/null
// RUN: attn-opt %t/negative.mlir --attn-select-form=max-recurrent-t=-1 -verify-diagnostics -o /dev/null

//--- forms.mlir

// Decode (T = 1) of Gated DeltaNet: one token over the state.
// CHECK-LABEL: func.func @delta_decode
// CHECK: attn.delta {{.*}} {form = #attn.form<recurrent>}
// ZERO-LABEL: func.func @delta_decode
// ZERO: attn.delta {{.*}} {form = #attn.form<chunked>}
func.func @delta_decode(%q: tensor<2x1x4x64xbf16>, %v: tensor<2x1x8x64xbf16>,
                        %beta: tensor<2x1x8xf32>, %g: tensor<2x1x8xf32>) -> tensor<2x1x8x64xbf16> {
  %o = attn.delta %q, %q, %v, %beta gate(%g)
      : (tensor<2x1x4x64xbf16>, tensor<2x1x4x64xbf16>, tensor<2x1x8x64xbf16>,
         tensor<2x1x8xf32>, tensor<2x1x8xf32>) -> tensor<2x1x8x64xbf16>
  return %o : tensor<2x1x8x64xbf16>
}

// -----

// T = 16 is the last recurrent length by default, T = 17 the first chunked.
// CHECK-LABEL: func.func @linear_threshold
// CHECK: attn.linear %arg0, %arg0, %arg0 {form = #attn.form<recurrent>}
// CHECK: attn.linear %arg1, %arg1, %arg1 {form = #attn.form<chunked>}
// LONG-LABEL: func.func @linear_threshold
// LONG: attn.linear %arg0, %arg0, %arg0 {form = #attn.form<recurrent>}
// LONG: attn.linear %arg1, %arg1, %arg1 {form = #attn.form<recurrent>}
func.func @linear_threshold(%a: tensor<1x16x4x32xf32>, %b: tensor<1x17x4x32xf32>)
    -> (tensor<1x16x4x32xf32>, tensor<1x17x4x32xf32>) {
  %x = attn.linear %a, %a, %a
      : (tensor<1x16x4x32xf32>, tensor<1x16x4x32xf32>, tensor<1x16x4x32xf32>) -> tensor<1x16x4x32xf32>
  %y = attn.linear %b, %b, %b
      : (tensor<1x17x4x32xf32>, tensor<1x17x4x32xf32>, tensor<1x17x4x32xf32>) -> tensor<1x17x4x32xf32>
  return %x, %y : tensor<1x16x4x32xf32>, tensor<1x17x4x32xf32>
}

// -----

// A dynamic T (prefill, one kernel for every length) is chunked, whatever
// the threshold.
// CHECK-LABEL: func.func @dynamic_t
// CHECK: attn.delta {{.*}} {form = #attn.form<chunked>, use_qk_l2norm}
// LONG-LABEL: func.func @dynamic_t
// LONG: attn.delta {{.*}} {form = #attn.form<chunked>, use_qk_l2norm}
func.func @dynamic_t(%q: tensor<1x?x16x128xbf16>, %v: tensor<1x?x32x128xbf16>,
                     %beta: tensor<1x?x32xf32>, %g: tensor<1x?x32x128xf32>) -> tensor<1x?x32x128xbf16> {
  %o = attn.delta %q, %q, %v, %beta gate(%g) {use_qk_l2norm}
      : (tensor<1x?x16x128xbf16>, tensor<1x?x16x128xbf16>, tensor<1x?x32x128xbf16>,
         tensor<1x?x32xf32>, tensor<1x?x32x128xf32>) -> tensor<1x?x32x128xbf16>
  return %o : tensor<1x?x32x128xbf16>
}

// -----

// A chunk plan set by hand needs the chunked form, even at T = 1.
// CHECK-LABEL: func.func @chunk_without_form
// CHECK: attn.linear {{.*}} {chunk = #attn.chunk<size = 32>, form = #attn.form<chunked>}
func.func @chunk_without_form(%a: tensor<1x1x4x32xf32>) -> tensor<1x1x4x32xf32> {
  %x = attn.linear %a, %a, %a {chunk = #attn.chunk<size = 32>}
      : (tensor<1x1x4x32xf32>, tensor<1x1x4x32xf32>, tensor<1x1x4x32xf32>) -> tensor<1x1x4x32xf32>
  return %x : tensor<1x1x4x32xf32>
}

// -----

// Forms set by hand are kept, in both directions; other ops are untouched.
// CHECK-LABEL: func.func @user_form_kept
// CHECK: attn.linear %arg0, %arg0, %arg0 {form = #attn.form<chunked>}
// CHECK: attn.linear %arg1, %arg1, %arg1 {form = #attn.form<recurrent>}
// CHECK: attn.full %arg1, %arg1, %arg1 :
func.func @user_form_kept(%a: tensor<1x1x4x32xf32>, %b: tensor<1x?x4x32xf32>)
    -> (tensor<1x1x4x32xf32>, tensor<1x?x4x32xf32>, tensor<1x?x4x32xf32>) {
  %x = attn.linear %a, %a, %a {form = #attn.form<chunked>}
      : (tensor<1x1x4x32xf32>, tensor<1x1x4x32xf32>, tensor<1x1x4x32xf32>) -> tensor<1x1x4x32xf32>
  %y = attn.linear %b, %b, %b {form = #attn.form<recurrent>}
      : (tensor<1x?x4x32xf32>, tensor<1x?x4x32xf32>, tensor<1x?x4x32xf32>) -> tensor<1x?x4x32xf32>
  %z = attn.full %b, %b, %b
      : (tensor<1x?x4x32xf32>, tensor<1x?x4x32xf32>, tensor<1x?x4x32xf32>) -> tensor<1x?x4x32xf32>
  return %x, %y, %z : tensor<1x1x4x32xf32>, tensor<1x?x4x32xf32>, tensor<1x?x4x32xf32>
}

//--- negative.mlir

// A negative threshold is an option error, reported at the module.
// expected-error @+1 {{attn-select-form: 'max-recurrent-t' must not be negative, got -1}}
module {
  func.func @negative_threshold(%a: tensor<1x1x4x32xf32>) -> tensor<1x1x4x32xf32> {
    %x = attn.linear %a, %a, %a
        : (tensor<1x1x4x32xf32>, tensor<1x1x4x32xf32>, tensor<1x1x4x32xf32>) -> tensor<1x1x4x32xf32>
    return %x : tensor<1x1x4x32xf32>
  }
}
