// convert-attn-to-gpu on the recurrent form of attn.delta / attn.linear:
// one decode-step kernel (a CTA per value head and batch, a state column per
// thread), its manifest entry, ptxas for sm_90a with no spills at K = V =
// 128 (the chunked form: chunked.mlir).
// RUN: split-file %s %t
// RUN: attn-opt %t/kda.mlir --convert-attn-to-gpu | FileCheck %s
// RUN: attn-opt %t/errors.mlir -split-input-file --convert-attn-to-gpu -verify-diagnostics -o /dev/null
// RUN: %if ptxas %{ attn-opt %t/kda.mlir --attn-to-nvvm | %python %attn_src/scripts/extract-ptx.py - %t/ptx %}
// RUN: %if ptxas %{ %ptxas -arch=sm_90a -v %t/ptx/attn_kernels.ptx -o %t/kda.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// RUN: %if ptxas %{ attn-opt %t/gla.mlir --attn-to-nvvm | %python %attn_src/scripts/extract-ptx.py - %t/gla %}
// RUN: %if ptxas %{ %ptxas -arch=sm_90a -v %t/gla/attn_kernels.ptx -o %t/gla.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS-GLA %}

// CHECK: attn.manifest = [{
// CHECK-SAME: {arg = 3 : i64, dtype = "f32", name = "beta", shape = ["B", "T", "HV"]}, {arg = 4 : i64, dtype = "f32", name = "g", shape = ["B", "T", "HV", "128"]}, {arg = 5 : i64, dtype = "f32", name = "s0", shape = ["B", "HV", "128", "128"]}]
// CHECK-SAME: launches = [{args = ["q", "k", "v", "beta", "g", "s0", "o", "final_state", "B", "T", "H", "HV"], block = [128, 1, 1], grid = ["HV", "B", "1"], kernel = "kda_delta_step", smem = 1536 : i64}]
// CHECK-SAME: op = "attn.delta"
// CHECK-SAME: {dtype = "f32", name = "final_state", shape = ["B", "HV", "128", "128"]}
// CHECK-SAME: sizes = {B = ["q", "0"], H = ["q", "2"], HV = ["v", "2"], T = ["q", "1"]}
// CHECK: gpu.func @kda_delta_step(
// CHECK: scf.for
// CHECK: llvm.nvvm.rsqrt.approx.f
// CHECK: llvm.nvvm.ex2.approx.ftz.f32
// PTXAS: Compiling entry function 'kda_delta_step' for 'sm_90a'
// PTXAS-NEXT: Function properties
// PTXAS-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// PTXAS-GLA: Compiling entry function 'gla_linear_step' for 'sm_90a'
// PTXAS-GLA-NEXT: Function properties
// PTXAS-GLA-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

//--- kda.mlir
func.func @kda(%q: tensor<?x?x?x128xbf16>, %k: tensor<?x?x?x128xbf16>, %v: tensor<?x?x?x128xbf16>,
               %beta: tensor<?x?x?xf32>, %g: tensor<?x?x?x128xf32>, %s0: tensor<?x?x128x128xf32>)
    -> (tensor<?x?x?x128xbf16>, tensor<?x?x128x128xf32>) {
  %o, %s = attn.delta %q, %k, %v, %beta gate(%g) initial_state(%s0) {use_qk_l2norm, form = #attn.form<recurrent>}
      : (tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>, tensor<?x?x?xf32>,
         tensor<?x?x?x128xf32>, tensor<?x?x128x128xf32>) -> (tensor<?x?x?x128xbf16>, tensor<?x?x128x128xf32>)
  return %o, %s : tensor<?x?x?x128xbf16>, tensor<?x?x128x128xf32>
}

//--- gla.mlir
func.func @gla(%q: tensor<?x?x?x128xf16>, %k: tensor<?x?x?x128xf16>, %v: tensor<?x?x?x128xf16>,
               %g: tensor<?x?x?x128xf32>) -> tensor<?x?x?x128xf16> {
  %o = attn.linear %q, %k, %v gate(%g) {form = #attn.form<recurrent>}
      : (tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>, tensor<?x?x?x128xf32>)
      -> tensor<?x?x?x128xf16>
  return %o : tensor<?x?x?x128xf16>
}

//--- errors.mlir
func.func @unplanned(%q: tensor<1x?x2x64xbf16>) -> tensor<1x?x2x64xbf16> {
  // expected-error @+1 {{has no #attn.form; run attn-select-form (or the attn-plan pipeline) before convert-attn-to-gpu}}
  %o = attn.linear %q, %q, %q : (tensor<1x?x2x64xbf16>, tensor<1x?x2x64xbf16>, tensor<1x?x2x64xbf16>) -> tensor<1x?x2x64xbf16>
  return %o : tensor<1x?x2x64xbf16>
}
