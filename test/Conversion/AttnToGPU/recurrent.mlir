// convert-attn-to-gpu on the recurrent form of attn.delta / attn.linear:
// the decode step as a tile program (AttnToATile/RecurrentToATile.cpp: a
// block per slice of 32 value columns, value head and batch, holding its
// K x 32 slice of the state), its manifest entry, and its PTX (the state
// read and written in 16-byte vectors), ptxas for sm_90a with no spills at
// K = V = 128 (the chunked form: chunked.mlir).
// RUN: split-file %s %t
// RUN: attn-opt %t/kda.mlir --convert-attn-to-gpu | FileCheck %s
// RUN: attn-opt %t/odd.mlir --convert-attn-to-gpu | FileCheck %s --check-prefix=ODD
// RUN: attn-opt %t/errors.mlir -split-input-file --convert-attn-to-gpu -verify-diagnostics -o /dev/null
// RUN: attn-opt %t/kda.mlir --attn-to-nvvm | %python %attn_src/scripts/extract-ptx.py - %t/ptx
// RUN: FileCheck %s --check-prefix=PTX < %t/ptx/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90a -v %t/ptx/attn_kernels.ptx -o %t/kda.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// RUN: %if ptxas %{ attn-opt %t/gla.mlir --attn-to-nvvm | %python %attn_src/scripts/extract-ptx.py - %t/gla %}
// RUN: %if ptxas %{ %ptxas -arch=sm_90a -v %t/gla/attn_kernels.ptx -o %t/gla.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS-GLA %}

// CHECK: attn.manifest = [{
// CHECK-SAME: {arg = 3 : i64, dtype = "f32", name = "beta", shape = ["B", "T", "HV"]}, {arg = 4 : i64, dtype = "f32", name = "g", shape = ["B", "T", "HV", "128"]}, {arg = 5 : i64, dtype = "f32", name = "s0", shape = ["B", "HV", "128", "128"]}]
// CHECK-SAME: launches = [{args = ["q", "k", "v", "beta", "g", "s0", "o", "final_state", "B", "T", "H", "HV"], block = [128, 1, 1], grid = ["4", "HV", "B"], kernel = "kda_delta_step", smem = 512 : i64}]
// CHECK-SAME: op = "attn.delta"
// CHECK-SAME: {dtype = "f32", name = "final_state", shape = ["B", "HV", "128", "128"]}
// CHECK-SAME: sizes = {B = ["q", "0"], H = ["q", "2"], HV = ["v", "2"], T = ["q", "1"]}
// The block: (slice of 32 value columns, value head hv, batch); hv's key
// head h = hv / (HV / H).
// CHECK: gpu.func @kda_delta_step(%{{.*}}) kernel attributes {known_block_size = array<i32: 128, 1, 1>}
// CHECK: %[[SL:.*]] = gpu.block_id  x
// CHECK: %[[HV:.*]] = gpu.block_id  y
// CHECK: %[[B:.*]] = gpu.block_id  z
// CHECK: %[[HV32:.*]] = arith.index_castui %[[HV]] : index to i32
// CHECK: %[[H32:.*]] = arith.divui %[[HV32]], %{{.*}} : i32
// CHECK: %[[H:.*]] = arith.index_castui %[[H32]] : i32 to index
// The state slice [K, 32] of [B, HV, K, V / 32, 32], read once.
// CHECK: %[[S0V:.*]] = atile.view %{{.*}} : !llvm.ptr<1> -> !atile.view<?x?x128x4x32xf32>
// CHECK: %[[S0:.*]] = atile.read %[[S0V]][%[[B]], %[[HV]], %[[SL]]] rows %{{.*}} {rows = array<i64: 2>} : !atile.view<?x?x128x4x32xf32> -> !atile.frag<128x32xf32>
// CHECK: %[[ST:.*]] = scf.for %[[T:.*]] = %{{.*}} iter_args(%[[S:.*]] = %[[S0]]) -> (!atile.frag<128x32xf32>)
// q_t and k_t of head h, over K (rows), L2-normalised: a sum over the rows.
// CHECK: %[[Q:.*]] = atile.read %{{.*}}[%[[B]], %[[T]], %[[H]]] rows %{{.*}} {rows = array<i64: 3>} : !atile.view<?x?x?x128xbf16> -> !atile.frag<128xf32>
// CHECK: %[[K:.*]] = atile.read %{{.*}}[%[[B]], %[[T]], %[[H]]] rows
// CHECK: atile.reduce sum %{{.*}} {dim = 0 : i64} : !atile.frag<128xf32> -> f32
// CHECK: math.rsqrt
// CHECK: atile.reduce sum %{{.*}} {dim = 0 : i64} : !atile.frag<128xf32> -> f32
// CHECK: %[[KS:.*]] = math.rsqrt
// Per-channel decay (KDA): S = S * exp(g) by rows.
// CHECK: %[[G:.*]] = atile.read %{{.*}}[%[[B]], %[[T]], %[[HV]]] rows
// CHECK: %[[SD:.*]] = atile.map %[[S]], %[[G]] : !atile.frag<128x32xf32>, !atile.frag<128xf32> -> !atile.frag<128x32xf32>
// CHECK: math.exp2
// v_t's 32 columns; u = k^T S over the rows; w = beta (v - u).
// CHECK: %[[V:.*]] = atile.read %{{.*}}[%[[B]], %[[T]], %[[HV]]] rows %[[SL]] {rows = array<i64: 3>} : !atile.view<?x?x?x4x32xbf16> -> !atile.frag<1x32xf32>
// CHECK: %[[SK:.*]] = atile.map %[[SD]], %[[K]]
// CHECK: %[[U:.*]] = atile.reduce sum %[[SK]] {dim = 0 : i64} : !atile.frag<128x32xf32> -> !atile.frag<1x32xf32>
// CHECK: %[[BETA:.*]] = atile.read %{{.*}}[%[[B]], %[[T]], %[[HV]]] : !atile.view<?x?x?xf32> -> f32
// CHECK: %[[W:.*]] = atile.map %[[V]], %[[U]] : !atile.frag<1x32xf32>, !atile.frag<1x32xf32> -> !atile.frag<1x32xf32>
// CHECK: arith.mulf %[[BETA]]
// S = S + k w^T; o = scale q^T S over the rows, 32 columns of o_t.
// CHECK: %[[SN:.*]] = atile.map %[[SD]], %[[K]], %[[W]] : !atile.frag<128x32xf32>, !atile.frag<128xf32>, !atile.frag<1x32xf32> -> !atile.frag<128x32xf32>
// CHECK-NEXT: ^bb0
// CHECK-NEXT: math.fma
// CHECK: %[[SQ:.*]] = atile.map %[[SN]], %[[Q]]
// CHECK: atile.reduce sum %[[SQ]] {dim = 0 : i64} : !atile.frag<128x32xf32> -> !atile.frag<1x32xf32>
// CHECK: %[[O16:.*]] = atile.convert %{{.*}} : !atile.frag<1x32xf32> -> !atile.frag<1x32xbf16>
// CHECK: atile.store %[[O16]] -> %{{.*}}[%[[B]], %[[T]], %[[HV]]] rows %[[SL]] {rows = array<i64: 3>} : !atile.frag<1x32xbf16> -> !atile.view<?x?x?x4x32xbf16>
// CHECK: scf.yield %[[SN]]
// CHECK: atile.store %[[ST]] -> %{{.*}}[%[[B]], %[[HV]], %[[SL]]] rows %{{.*}} {rows = array<i64: 2>}
// The state moves in 16-byte vectors (8 row passes of a 128 x 32 slice
// over 128 threads, in and out); o_t leaves as 4 bf16 per thread.
// PTX-LABEL: .entry kda_delta_step(
// PTX-COUNT-8: ld.global.v4.b32
// PTX: bar.sync
// PTX-COUNT-8: st.global.v4.b32
// PTX: ret;
// PTXAS: Compiling entry function 'kda_delta_step' for 'sm_90a'
// PTXAS-NEXT: Function properties
// PTXAS-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// PTXAS-GLA: Compiling entry function 'gla_linear_step' for 'sm_90a'
// PTXAS-GLA-NEXT: Function properties
// PTXAS-GLA-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// Head dims that are no multiple of the block's passes or of 32: K = 100
// rows padded to 112 (7 passes of 16), V = 24 in slices of 8 (2 lanes per
// row: passes of 64 rows, K padded to 128); a scalar gate per head.
// ODD: grid = ["3", "HV", "B"]
// ODD: atile.read %{{.*}} : !atile.view<?x?x100x3x8xf32> -> !atile.frag<128x8xf32>
// ODD: atile.read %{{.*}} : !atile.view<?x?x?xf32> -> f32
// ODD: math.exp2

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

//--- odd.mlir
func.func @odd(%q: tensor<?x?x?x100xf32>, %k: tensor<?x?x?x100xf32>, %v: tensor<?x?x?x24xf32>,
               %beta: tensor<?x?x?xf32>, %g: tensor<?x?x?xf32>, %s0: tensor<?x?x100x24xf32>)
    -> (tensor<?x?x?x24xf32>, tensor<?x?x100x24xf32>) {
  %o, %s = attn.delta %q, %k, %v, %beta gate(%g) initial_state(%s0) {form = #attn.form<recurrent>}
      : (tensor<?x?x?x100xf32>, tensor<?x?x?x100xf32>, tensor<?x?x?x24xf32>, tensor<?x?x?xf32>,
         tensor<?x?x?xf32>, tensor<?x?x100x24xf32>) -> (tensor<?x?x?x24xf32>, tensor<?x?x100x24xf32>)
  return %o, %s : tensor<?x?x?x24xf32>, tensor<?x?x100x24xf32>
}

//--- errors.mlir
func.func @unplanned(%q: tensor<1x?x2x64xbf16>) -> tensor<1x?x2x64xbf16> {
  // expected-error @+1 {{has no #attn.form; run attn-select-form (or the attn-plan pipeline) before convert-attn-to-gpu}}
  %o = attn.linear %q, %q, %q : (tensor<1x?x2x64xbf16>, tensor<1x?x2x64xbf16>, tensor<1x?x2x64xbf16>) -> tensor<1x?x2x64xbf16>
  return %o : tensor<1x?x2x64xbf16>
}

// -----

func.func @odd_v(%q: tensor<1x?x2x64xbf16>, %v: tensor<1x?x2x30xbf16>) -> tensor<1x?x2x30xbf16> {
  // expected-error @+1 {{the recurrent GPU kernel keeps a K x 4n slice of the state in registers, in 4-column vectors: K <= 256 and V a multiple of 4; got K = 64, V = 30}}
  %o = attn.linear %q, %q, %v {form = #attn.form<recurrent>} : (tensor<1x?x2x64xbf16>, tensor<1x?x2x64xbf16>, tensor<1x?x2x30xbf16>) -> tensor<1x?x2x30xbf16>
  return %o : tensor<1x?x2x30xbf16>
}
