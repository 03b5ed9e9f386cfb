// convert-attn-to-gpu on the chunked form of attn.delta / attn.linear: two
// kernels (a prep kernel per chunk, value head and batch; a scan kernel per
// value slice, value head and batch), the workspaces between them and the
// manifest; tensor cores in both kernels' PTX (the scan, a tile program:
// wgmma on sm_90a), ptxas for sm_90a and
// sm_80 with no spills (KDA, GDN, DeltaNet, GLA, scalar-gate and plain
// linear attention at K = V = 128, KDA at 64); located errors for what the
// chunked kernels do not take.
// RUN: split-file %s %t
// RUN: attn-opt %t/kda.mlir --attn-plan --convert-attn-to-gpu | FileCheck %s
// RUN: attn-opt %t/errors.mlir -split-input-file --convert-attn-to-gpu -verify-diagnostics -o /dev/null
// RUN: attn-opt %t/kda.mlir --attn-to-nvvm | %python %attn_src/scripts/extract-ptx.py - %t/kda
// RUN: FileCheck %s --check-prefix=PTX < %t/kda/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90a -v %t/kda/attn_kernels.ptx -o %t/kda.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL %}
// RUN: attn-opt %t/kda.mlir --attn-to-nvvm=warp-specialize=false | %python %attn_src/scripts/extract-ptx.py - %t/kdacp
// RUN: FileCheck %s --check-prefix=CPASYNC < %t/kdacp/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90a -v %t/kdacp/attn_kernels.ptx -o %t/kdacp.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL %}
// RUN: %if ptxas %{ attn-opt %t/kda.mlir --attn-to-nvvm=chip=sm_80 | %python %attn_src/scripts/extract-ptx.py - %t/kda80 %}
// RUN: %if ptxas %{ %ptxas -arch=sm_80 -v %t/kda80/attn_kernels.ptx -o %t/kda80.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL %}
// RUN: %if ptxas %{ attn-opt %t/others.mlir --attn-to-nvvm | %python %attn_src/scripts/extract-ptx.py - %t/others %}
// RUN: %if ptxas %{ %ptxas -arch=sm_90a -v %t/others/attn_kernels.ptx -o %t/others.cubin > %t/others.txt 2>&1 %}
// RUN: %if ptxas %{ FileCheck %s --check-prefix=NOSPILL-ALL < %t/others.txt %}
// RUN: %if ptxas %{ FileCheck %s --check-prefix=NONZERO < %t/others.txt %}
// RUN: %if ptxas %{ attn-opt %t/others.mlir --attn-to-nvvm=chip=sm_80 | %python %attn_src/scripts/extract-ptx.py - %t/others80 %}
// RUN: %if ptxas %{ %ptxas -arch=sm_80 -v %t/others80/attn_kernels.ptx -o %t/others80.cubin > %t/others80.txt 2>&1 %}
// RUN: %if ptxas %{ FileCheck %s --check-prefix=NOSPILL-ALL < %t/others80.txt %}
// RUN: %if ptxas %{ FileCheck %s --check-prefix=NONZERO < %t/others80.txt %}

// CHECK: attn.manifest = [{
// CHECK-SAME: launches = [{args = ["q", "k", "v", "beta", "g", "w", "u", "qg", "kg", "aqk", "gc", "B", "T", "H", "HV"], block = [128, 1, 1], grid = ["cdiv(T,64)", "HV", "B"], kernel = "kda_delta_prep", smem = 65536 : i64}, {args = ["w", "u", "qg", "kg", "aqk", "gc", "s0", "o", "final_state", "B", "T", "HV", "w_map", "u_map", "qg_map", "kg_map", "aqk_map", "gc_map"], block = [128, 1, 1], grid = ["2", "HV", "B"], kernel = "kda_delta_scan", smem = 132096 : i64}]
// CHECK-SAME: op = "attn.delta"
// CHECK-SAME: tensormaps = [{box = [64, 64, 1, 1], name = "w_map", shape = ["B", "HV", "cdiv(T,64)*64", "128"], swizzle = 128 : i64, tensor = "w"}, {box = [64, 1, 64, 1, 1], name = "u_map", shape = ["B", "HV", "cdiv(T,64)*64", "2", "64"], swizzle = 128 : i64, tensor = "u"}, {{.*}}name = "aqk_map", shape = ["B", "HV", "cdiv(T,64)*64", "64"], swizzle = 128 : i64, tensor = "aqk"}, {box = [32, 1, 1, 1], name = "gc_map", shape = ["B", "HV", "cdiv(T,64)", "128"], swizzle = 0 : i64, tensor = "gc"}]
// CHECK-SAME: workspaces = [{dtype = "bf16", elements = "B*HV*cdiv(T,64)*64*128", name = "w"}, {dtype = "bf16", elements = "B*HV*cdiv(T,64)*64*128", name = "u"}, {dtype = "bf16", elements = "B*HV*cdiv(T,64)*64*128", name = "qg"}, {dtype = "bf16", elements = "B*HV*cdiv(T,64)*64*128", name = "kg"}, {dtype = "bf16", elements = "B*HV*cdiv(T,64)*64*64", name = "aqk"}, {dtype = "f32", elements = "B*HV*cdiv(T,64)*128", name = "gc"}]
// The prep is a tile program too: the chunk's q, k and gates copied, the
// gates' cumulative sums, q and k normalised in place (by blocks of 64
// channels), Qg / Kg / 2^(b_C) by blocks, the gated Gram products, A_qk
// stored through the spent q tile, beta k 2^b over it, V copied into the
// spent k tile while the solve runs, W = X Kb and U = X (beta V) by blocks,
// stored through their operand tiles; three blocks an SM.
// CHECK: gpu.func @kda_delta_prep(
// CHECK-SAME: nvvm.minctasm = 3 : i32
// CHECK-COUNT-3: atile.copy
// CHECK: atile.read {{.*}} -> !atile.frag<64xf32>
// CHECK: atile.wait
// CHECK: atile.scan {{.*}} {scale = 1.44269502 : f32} : !atile.smem<64x128xf32, swizzle = 128>
// CHECK: atile.reduce sum
// CHECK: atile.reduce sum
// CHECK: atile.put {{.*}} : !atile.frag<64x64xbf16> -> !atile.smem<64x64xbf16, swizzle = 128>
// CHECK: scf.for
// CHECK: atile.subtile {{.*}} {cols = 64 : i64} : !atile.smem<64x128xf32, swizzle = 128> -> !atile.smem<64x64xf32, swizzle = 128>
// CHECK: atile.load {{.*}} {row = 63 : i64} : !atile.smem<64x64xf32, swizzle = 128> -> !atile.frag<1x64xf32>
// CHECK: atile.store {{.*}} : !atile.frag<1x64xf32> -> !atile.view<?x?x?x2x64xf32>
// CHECK: atile.gated_gram {{.*}} -> !atile.frag<64x64xf32>, !atile.frag<64x64xf32>
// CHECK: atile.iota : !atile.frag<64xf32>
// CHECK: atile.iota : !atile.frag<1x64xf32>
// CHECK: atile.store {{.*}} : !atile.frag<64x64xbf16> -> !atile.view<?x?x?x64xbf16>
// CHECK: scf.for
// CHECK: atile.put
// CHECK: atile.copy
// CHECK: atile.tril_solve {{.*}} : !atile.frag<64x64xf32>, !atile.smem<64x128xf32, swizzle = 128> -> !atile.frag<64x64xf32>
// CHECK: atile.wait
// CHECK: atile.mma {{.*}} : !atile.frag<64x64xbf16>, !atile.smem<64x64xbf16, swizzle = 128> -> !atile.frag<64x64xf32>
// The scan is a tile program: S^T read transposed, the chunk's tiles and its
// decays copied into two stages, U^T loaded transposed, the decays as a
// column vector, four products, O^T and the final S^T stored transposed.
// CHECK: gpu.func @kda_delta_scan(
// CHECK: atile.read {{.*}} {rows = array<i64: 2>, transpose} : !atile.view<?x?x128x2x64xf32> -> !atile.frag<64x128xf32>
// CHECK: scf.for
// CHECK-COUNT-6: atile.copy
// CHECK: atile.wait
// CHECK: atile.load {{.*}} : !atile.smem<1x128xf32> -> !atile.frag<1x128xf32>
// CHECK: atile.mma {{.*}} {async, transpose_rhs} : !atile.frag<64x128xbf16>
// CHECK: atile.load {{.*}} {transpose} : !atile.smem<64x64xbf16, swizzle = 128> -> !atile.frag<64x64xf32>
// CHECK: atile.mma_wait
// CHECK: atile.mma {{.*}} {async} : !atile.frag<64x64xbf16>, !atile.smem<64x128xbf16, swizzle = 128>, !atile.frag<64x128xf32> -> !atile.frag<64x128xf32>
// CHECK: atile.mma {{.*}} {async, transpose_rhs} : !atile.frag<64x128xbf16>
// CHECK: atile.mma_wait
// CHECK: atile.mma {{.*}} {async, transpose_rhs} : !atile.frag<64x64xbf16>, !atile.smem<64x64xbf16, swizzle = 128>
// CHECK: atile.mma_wait
// CHECK: atile.store {{.*}} {rows = array<i64: 1>, transpose} : !atile.frag<64x64xbf16>
// CHECK: atile.store {{.*}} {rows = array<i64: 2>, transpose} : !atile.frag<64x128xf32>
// PTX: .entry kda_delta_prep(
// PTX: .minnctapersm 3
// PTX: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// PTX: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// On sm_90a the scan's products are wgmma (V a multiple of 64, 128-byte
// rows) and atile-warp-specialize gives its tiles to a TMA producer; 256
// threads may hold 255 registers each, so none move (no setmaxnreg, which
// ptxas would ignore with warning C7508).
// PTX: .entry kda_delta_scan(
// PTX-NOT: setmaxnreg
// PTX: cp.async.bulk.tensor
// PTX-NOT: setmaxnreg
// PTX: mbarrier.try_wait
// PTX: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// PTX: ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
// PTX: wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16
// Without descriptors, every warp copies (cp.async, two stages).
// CPASYNC: .entry kda_delta_scan(
// CPASYNC-NOT: cp.async.bulk.tensor
// CPASYNC: cp.async.cg.shared.global
// CPASYNC: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// CPASYNC: ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
// CPASYNC: wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16
// NOSPILL-NOT: 'setmaxnreg' ignored
// NOSPILL: Compiling entry function 'kda_delta_scan'
// NOSPILL-NEXT: Function properties
// NOSPILL-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// NOSPILL: Compiling entry function 'kda_delta_prep'
// NOSPILL-NEXT: Function properties
// NOSPILL-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// Exactly 12 kernels (COUNT-12, then no 13th report), and no report anywhere
// with a stack frame or spills (the NONZERO prefix reads the whole of ptxas'
// output: a NOT after COUNT-12 cannot see a report between two zero ones).
// NOSPILL-ALL-COUNT-12: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// NOSPILL-ALL-NOT: bytes spill stores
// NONZERO-NOT: {{[1-9][0-9]*}} bytes {{stack frame|spill}}

//--- kda.mlir
func.func @kda(%q: tensor<?x?x?x128xbf16>, %k: tensor<?x?x?x128xbf16>, %v: tensor<?x?x?x128xbf16>,
               %beta: tensor<?x?x?xf32>, %g: tensor<?x?x?x128xf32>, %s0: tensor<?x?x128x128xf32>)
    -> (tensor<?x?x?x128xbf16>, tensor<?x?x128x128xf32>) {
  %o, %s = attn.delta %q, %k, %v, %beta gate(%g) initial_state(%s0) {use_qk_l2norm, form = #attn.form<chunked>}
      : (tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>, tensor<?x?x?xf32>,
         tensor<?x?x?x128xf32>, tensor<?x?x128x128xf32>) -> (tensor<?x?x?x128xbf16>, tensor<?x?x128x128xf32>)
  return %o, %s : tensor<?x?x?x128xbf16>, tensor<?x?x128x128xf32>
}

//--- others.mlir
func.func @gdn(%q: tensor<?x?x?x128xbf16>, %v: tensor<?x?x?x128xbf16>, %beta: tensor<?x?x?xbf16>,
               %g: tensor<?x?x?xf32>) -> tensor<?x?x?x128xbf16> {
  %o = attn.delta %q, %q, %v, %beta gate(%g) {form = #attn.form<chunked>}
      : (tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>, tensor<?x?x?xbf16>,
         tensor<?x?x?xf32>) -> tensor<?x?x?x128xbf16>
  return %o : tensor<?x?x?x128xbf16>
}
func.func @deltanet(%q: tensor<?x?x?x128xbf16>, %beta: tensor<?x?x?xf32>) -> tensor<?x?x?x128xbf16> {
  %o = attn.delta %q, %q, %q, %beta {form = #attn.form<chunked>}
      : (tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>, tensor<?x?x?xf32>) -> tensor<?x?x?x128xbf16>
  return %o : tensor<?x?x?x128xbf16>
}
func.func @gla(%q: tensor<?x?x?x128xbf16>, %g: tensor<?x?x?x128xf32>) -> tensor<?x?x?x128xbf16> {
  %o = attn.linear %q, %q, %q gate(%g) {form = #attn.form<chunked>}
      : (tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>, tensor<?x?x?x128xf32>) -> tensor<?x?x?x128xbf16>
  return %o : tensor<?x?x?x128xbf16>
}
func.func @simple_gla(%q: tensor<?x?x?x128xbf16>, %g: tensor<?x?x?xf32>) -> tensor<?x?x?x128xbf16> {
  %o = attn.linear %q, %q, %q gate(%g) {form = #attn.form<chunked>}
      : (tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>, tensor<?x?x?xf32>) -> tensor<?x?x?x128xbf16>
  return %o : tensor<?x?x?x128xbf16>
}
func.func @linear(%q: tensor<?x?x?x128xbf16>) -> tensor<?x?x?x128xbf16> {
  %o = attn.linear %q, %q, %q {form = #attn.form<chunked>, decay = array<f64: -0.1, -0.2>}
      : (tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>) -> tensor<?x?x?x128xbf16>
  return %o : tensor<?x?x?x128xbf16>
}
func.func @kda64(%q: tensor<?x?x?x64xbf16>, %beta: tensor<?x?x?xf32>, %g: tensor<?x?x?x64xbf16>,
                 %s0: tensor<?x?x64x64xf32>) -> (tensor<?x?x?x64xbf16>, tensor<?x?x64x64xf32>) {
  %o, %s = attn.delta %q, %q, %q, %beta gate(%g) initial_state(%s0) {form = #attn.form<chunked>}
      : (tensor<?x?x?x64xbf16>, tensor<?x?x?x64xbf16>, tensor<?x?x?x64xbf16>, tensor<?x?x?xf32>,
         tensor<?x?x?x64xbf16>, tensor<?x?x64x64xf32>) -> (tensor<?x?x?x64xbf16>, tensor<?x?x64x64xf32>)
  return %o, %s : tensor<?x?x?x64xbf16>, tensor<?x?x64x64xf32>
}

//--- errors.mlir
func.func @unchunked(%q: tensor<1x?x2x64xbf16>, %b: tensor<1x?x2xf32>) -> tensor<1x?x2x64xbf16> {
  // expected-error @+1 {{the chunked form needs a #attn.chunk plan; run attn-chunk (or the attn-plan pipeline) before convert-attn-to-gpu}}
  %o = attn.delta %q, %q, %q, %b {form = #attn.form<chunked>}
      : (tensor<1x?x2x64xbf16>, tensor<1x?x2x64xbf16>, tensor<1x?x2x64xbf16>, tensor<1x?x2xf32>) -> tensor<1x?x2x64xbf16>
  return %o : tensor<1x?x2x64xbf16>
}

// -----

func.func @chunk32(%q: tensor<1x?x2x64xbf16>, %b: tensor<1x?x2xf32>) -> tensor<1x?x2x64xbf16> {
  // expected-error @+1 {{the chunked GPU kernels use chunks of 64; the plan says #attn.chunk<size = 32>}}
  %o = attn.delta %q, %q, %q, %b {form = #attn.form<chunked>, chunk = #attn.chunk<size = 32>}
      : (tensor<1x?x2x64xbf16>, tensor<1x?x2x64xbf16>, tensor<1x?x2x64xbf16>, tensor<1x?x2xf32>) -> tensor<1x?x2x64xbf16>
  return %o : tensor<1x?x2x64xbf16>
}

// -----

func.func @subchunk32(%q: tensor<1x?x2x64xbf16>, %g: tensor<1x?x2x64xf32>) -> tensor<1x?x2x64xbf16> {
  // expected-error @+1 {{the chunked GPU kernels use chunks of 64 with sub-chunks of 16; the plan says #attn.chunk<size = 64, sub_chunk = 32>}}
  %o = attn.linear %q, %q, %q gate(%g) {form = #attn.form<chunked>, chunk = #attn.chunk<size = 64, sub_chunk = 32>}
      : (tensor<1x?x2x64xbf16>, tensor<1x?x2x64xbf16>, tensor<1x?x2x64xbf16>, tensor<1x?x2x64xf32>) -> tensor<1x?x2x64xbf16>
  return %o : tensor<1x?x2x64xbf16>
}

// -----

func.func @f16(%q: tensor<1x?x2x64xf16>, %b: tensor<1x?x2xf32>) -> tensor<1x?x2x64xf16> {
  // expected-error @+1 {{the chunked GPU kernels take bf16 q, k and v (f16 and f32 inputs run the recurrent form: form = #attn.form<recurrent>)}}
  %o = attn.delta %q, %q, %q, %b {form = #attn.form<chunked>, chunk = #attn.chunk<size = 64>}
      : (tensor<1x?x2x64xf16>, tensor<1x?x2x64xf16>, tensor<1x?x2x64xf16>, tensor<1x?x2xf32>) -> tensor<1x?x2x64xf16>
  return %o : tensor<1x?x2x64xf16>
}

// -----

func.func @k192(%q: tensor<1x?x2x192xbf16>, %b: tensor<1x?x2xf32>) -> tensor<1x?x2x192xbf16> {
  // expected-error @+1 {{the chunked GPU kernels need K and V multiples of 16, K <= 128 (the state lives in registers) and V <= 512; got K = 192, V = 192}}
  %o = attn.delta %q, %q, %q, %b {form = #attn.form<chunked>, chunk = #attn.chunk<size = 64>}
      : (tensor<1x?x2x192xbf16>, tensor<1x?x2x192xbf16>, tensor<1x?x2x192xbf16>, tensor<1x?x2xf32>) -> tensor<1x?x2x192xbf16>
  return %o : tensor<1x?x2x192xbf16>
}
