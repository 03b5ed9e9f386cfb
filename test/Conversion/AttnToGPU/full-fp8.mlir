// attn.full with an FP8 plan (#attn.precision e4m3 for qk and pv, scales per
// block of 128 tokens) on the GPU: the manifest quantises Q, K (rows) and V
// (transposed) before the forward kernel, which reads the bytes and their
// scales; on sm_90a at D = Dv = 128 the forward kernel is the tile program
// (the warp-specialised TMA kernel, 128 x 128 tiles, Q K^T and P V as
// m64n128k32 e4m3 wgmma; TMA descriptors of the K8 and V8t workspaces with
// their shapes in the manifest), elsewhere (sm_89, D = 64, the decode
// variant) the tile program on mma.sync m16n8k32 e4m3 (cp.async copies).
// Where the CUDA toolkit is installed (`%if ptxas`; the
// other checks run everywhere) ptxas accepts every kernel and the prefill
// and quantisation kernels do not spill; a Hadamard plan rotates Q and K rows in quant_rows.
// Plans the kernels do not take are located errors.
// RUN: split-file %s %t
// RUN: attn-opt %t/d128.mlir --attn-tile=target=sm_90a --convert-attn-to-gpu | FileCheck %s --check-prefix=MANIFEST
// RUN: attn-opt %t/d128.mlir --attn-to-nvvm | %python %attn_src/scripts/extract-ptx.py - %t/d128
// RUN: FileCheck %s --check-prefix=PTX < %t/d128/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90a -v %t/d128/attn_kernels.ptx -o %t/d128.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL %}
// RUN: attn-opt %t/d128.mlir --attn-to-nvvm=chip=sm_89 | %python %attn_src/scripts/extract-ptx.py - %t/sm89
// RUN: FileCheck %s --check-prefix=SM89 < %t/sm89/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_89 %t/sm89/attn_kernels.ptx -o %t/sm89.cubin %}
// RUN: attn-opt %t/d64.mlir --attn-to-nvvm | %python %attn_src/scripts/extract-ptx.py - %t/d64
// RUN: FileCheck %s --check-prefix=D64 < %t/d64/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90a %t/d64/attn_kernels.ptx -o %t/d64.cubin %}
// RUN: attn-opt %t/rotated.mlir --attn-to-nvvm | %python %attn_src/scripts/extract-ptx.py - %t/rotated
// RUN: FileCheck %s --check-prefix=ROTATED < %t/rotated/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90a %t/rotated/attn_kernels.ptx -o %t/rotated.cubin %}
// RUN: attn-opt %t/errors.mlir -split-input-file --attn-tile=target=sm_90a --convert-attn-to-gpu -verify-diagnostics -o /dev/null
// RUN: not attn-opt %t/d128.mlir --attn-to-nvvm=chip=sm_80 -o /dev/null 2>&1 | FileCheck %s --check-prefix=SM80
// RUN: %if ptxas %{ %ptxas -arch=sm_90a -v %t/d64/attn_kernels.ptx -o %t/d64v.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL64 %}

// MANIFEST: args = ["q", "q8", "sq", "B", "T", "H"]{{.*}}grid = ["cdiv(T, 128)", "H", "B"], kernel = "prefill_full_quant_rows"
// MANIFEST-SAME: args = ["k", "k8", "sk", "B", "S", "Hkv"]{{.*}}kernel = "prefill_full_quant_rows"
// MANIFEST-SAME: args = ["v", "v8t", "sv", "B", "S", "Hkv"]{{.*}}kernel = "prefill_full_quant_vt", smem = 32784
// MANIFEST-SAME: args = ["q8", "k8", "v8t", "idx", "o", "lse", "o_part", "lse_part", "sq", "sk", "sv", "B", "T", "S", "H", "Hkv", "N", "nsplit", "k_map", "v_map"]{{.*}}kernel = "prefill_full_fwd"
// MANIFEST-SAME: args = ["q8", "k8", "v8t", "idx", "o", "lse", "o_part", "lse_part", "sq", "sk", "sv", "B", "T", "S", "H", "Hkv", "N", "nsplit"], block = [32, 1, 1]{{.*}}kernel = "prefill_full_decode"
// MANIFEST-SAME: precision = "e4m3 qk and pv, scales per 128 tokens"
// MANIFEST-SAME: tensormaps = [{box = [128, 1, 128, 1], name = "k_map", shape = ["B", "S", "Hkv", "128"], swizzle = 128 : i64, tensor = "k8"}, {box = [128, 1, 128, 1, 1], name = "v_map", shape = ["B", "Hkv", "128", "cdiv(S, 128)*1", "128"], swizzle = 128 : i64, tensor = "v8t"}]
// MANIFEST-SAME: tile = {kv = 128 : i64, q = 128 : i64, warps = 8 : i64}
// MANIFEST-SAME: {dtype = "u8", elements = "B*T*H*128", name = "q8"}
// MANIFEST-SAME: {dtype = "u8", elements = "B*Hkv*128*cdiv(S, 128)*128", name = "v8t"}
// MANIFEST-SAME: {dtype = "f32", elements = "B*T*H", name = "sq"}, {dtype = "f32", elements = "B*S*Hkv", name = "sk"}, {dtype = "f32", elements = "B*Hkv*cdiv(S, 128)", name = "sv"}

// PTX: .version 8.4
// PTX: .entry prefill_full_quant_rows(
// PTX: cvt.rn.satfinite.e4m3x2.f32
// PTX: .entry prefill_full_quant_vt(
// PTX: cvt.rn.satfinite.e4m3x2.f32
// PTX: .entry prefill_full_fwd(
// PTX-DAG: setmaxnreg.inc.sync.aligned.u32 240
// PTX-DAG: cp.async.bulk.tensor.5d.shared::cluster.global.tile.mbarrier::complete_tx::bytes
// PTX-DAG: cp.async.bulk.tensor.4d.shared::cluster.global.tile.mbarrier::complete_tx::bytes
// PTX-DAG: wgmma.mma_async.sync.aligned.m64n128k32.f32.e4m3.e4m3
// PTX-DAG: cvt.rn.satfinite.e4m3x2.f32
// PTX-DAG: @p ld.global.f32
// PTX: .entry prefill_full_decode(

// NOSPILL: Compiling entry function 'prefill_full_fwd' for 'sm_90a'
// NOSPILL-NEXT: Function properties
// NOSPILL-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// NOSPILL: Compiling entry function 'prefill_full_quant_vt' for 'sm_90a'
// NOSPILL-NEXT: Function properties
// NOSPILL-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// NOSPILL: Compiling entry function 'prefill_full_quant_rows' for 'sm_90a'
// NOSPILL-NEXT: Function properties
// NOSPILL-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// The Hadamard rotation of Q and K rows: butterflies across the 16 lanes
// that hold a row's chunks.
// ROTATED: .entry prefill_full_quant_rows(
// ROTATED-COUNT-64: shfl.sync.bfly
// ROTATED: .entry prefill_full_quant_vt(

// SM89: .target sm_89
// SM89-NOT: wgmma
// SM89: mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e4m3.f32
// SM89-NOT: wgmma

// D64: .entry prefill_full_fwd(
// D64-NOT: wgmma
// D64: mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e4m3.f32
// D64-NOT: wgmma


// The mma.sync tile programs (prefill and decode) do not spill either.
// NOSPILL64: Compiling entry function 'prefill_full_decode' for 'sm_90a'
// NOSPILL64-NEXT: Function properties
// NOSPILL64-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// NOSPILL64: Compiling entry function 'prefill_full_fwd' for 'sm_90a'
// NOSPILL64-NEXT: Function properties
// NOSPILL64-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// SM80: error: 'attn.full' op plans FP8 contractions ({{.*}}), which need FP8 tensor cores (sm_89 and newer); chip is sm_80

//--- d128.mlir
func.func @prefill(%q: tensor<?x?x16x128xbf16>, %k: tensor<?x?x16x128xbf16>, %v: tensor<?x?x16x128xbf16>) -> tensor<?x?x16x128xbf16> {
  %o = attn.full %q, %k, %v {causal, precision = #attn.precision<operands = {qk = f8E4M3FN, pv = f8E4M3FN}, granularity = block, block = 128>} : (tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>) -> tensor<?x?x16x128xbf16>
  return %o : tensor<?x?x16x128xbf16>
}

//--- rotated.mlir
func.func @prefill(%q: tensor<?x?x16x128xbf16>, %k: tensor<?x?x16x128xbf16>, %v: tensor<?x?x16x128xbf16>) -> tensor<?x?x16x128xbf16> {
  %o = attn.full %q, %k, %v {causal, precision = #attn.precision<operands = {qk = f8E4M3FN, pv = f8E4M3FN}, granularity = block, block = 128, hadamard = true>} : (tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>) -> tensor<?x?x16x128xbf16>
  return %o : tensor<?x?x16x128xbf16>
}

//--- d64.mlir
func.func @prefill(%q: tensor<?x?x8x64xf16>, %k: tensor<?x?x2x64xf16>, %v: tensor<?x?x2x64xf16>) -> tensor<?x?x8x64xf16> {
  %o = attn.full %q, %k, %v {precision = #attn.precision<operands = {qk = f8E4M3FN, pv = f8E4M3FN}, granularity = block, block = 128>} : (tensor<?x?x8x64xf16>, tensor<?x?x2x64xf16>, tensor<?x?x2x64xf16>) -> tensor<?x?x8x64xf16>
  return %o : tensor<?x?x8x64xf16>
}

//--- errors.mlir
func.func @hadamard(%q: tensor<1x?x4x96xbf16>) -> tensor<1x?x4x96xbf16> {
  // expected-error @+1 {{the Hadamard rotation needs a power-of-two head dim, got 96}}
  %o = attn.full %q, %q, %q {precision = #attn.precision<operands = {qk = f8E4M3FN, pv = f8E4M3FN}, granularity = block, block = 128, hadamard = true>} : (tensor<1x?x4x96xbf16>, tensor<1x?x4x96xbf16>, tensor<1x?x4x96xbf16>) -> tensor<1x?x4x96xbf16>
  return %o : tensor<1x?x4x96xbf16>
}

// -----

func.func @e5m2(%q: tensor<1x?x4x128xbf16>) -> tensor<1x?x4x128xbf16> {
  // expected-error @+1 {{the GPU FP8 kernel takes qk and pv both f8E4M3FN}}
  %o = attn.full %q, %q, %q {precision = #attn.precision<operands = {qk = f8E4M3FN, pv = f8E5M2}, granularity = block, block = 128>} : (tensor<1x?x4x128xbf16>, tensor<1x?x4x128xbf16>, tensor<1x?x4x128xbf16>) -> tensor<1x?x4x128xbf16>
  return %o : tensor<1x?x4x128xbf16>
}

// -----

func.func @per_token(%q: tensor<1x?x4x128xbf16>) -> tensor<1x?x4x128xbf16> {
  // expected-error @+1 {{the GPU FP8 kernel takes granularity = block}}
  %o = attn.full %q, %q, %q {precision = #attn.precision<operands = {qk = f8E4M3FN, pv = f8E4M3FN}, granularity = token>} : (tensor<1x?x4x128xbf16>, tensor<1x?x4x128xbf16>, tensor<1x?x4x128xbf16>) -> tensor<1x?x4x128xbf16>
  return %o : tensor<1x?x4x128xbf16>
}

// -----

func.func @huge_block(%q: tensor<1x?x4x128xbf16>) -> tensor<1x?x4x128xbf16> {
  // (Found by the fuzzer: 2^32 tokens a block ran the V^T quantiser's
  // builder out of memory.)
  // expected-error @+1 {{quantising V^T takes 2 x block x Dv + 16 bytes of shared memory (block = 4294967296, Dv = 128), more than sm_90a's 232448 per block}}
  %o = attn.full %q, %q, %q {precision = #attn.precision<operands = {qk = f8E4M3FN, pv = f8E4M3FN}, granularity = block, block = 4294967296>} : (tensor<1x?x4x128xbf16>, tensor<1x?x4x128xbf16>, tensor<1x?x4x128xbf16>) -> tensor<1x?x4x128xbf16>
  return %o : tensor<1x?x4x128xbf16>
}

// -----

func.func @block_over_shared(%q: tensor<1x?x4x128xbf16>) -> tensor<1x?x4x128xbf16> {
  // expected-error @+1 {{quantising V^T takes 2 x block x Dv + 16 bytes of shared memory (block = 1024, Dv = 128), more than sm_90a's 232448 per block}}
  %o = attn.full %q, %q, %q {precision = #attn.precision<operands = {qk = f8E4M3FN, pv = f8E4M3FN}, granularity = block, block = 1024>} : (tensor<1x?x4x128xbf16>, tensor<1x?x4x128xbf16>, tensor<1x?x4x128xbf16>) -> tensor<1x?x4x128xbf16>
  return %o : tensor<1x?x4x128xbf16>
}

// -----

func.func @small_block(%q: tensor<1x?x4x128xbf16>) -> tensor<1x?x4x128xbf16> {
  // expected-error @+1 {{the scale block a multiple of kv; got D = 128, kv = 128, block = 32}}
  %o = attn.full %q, %q, %q {precision = #attn.precision<operands = {qk = f8E4M3FN, pv = f8E4M3FN}, granularity = block, block = 32>} : (tensor<1x?x4x128xbf16>, tensor<1x?x4x128xbf16>, tensor<1x?x4x128xbf16>) -> tensor<1x?x4x128xbf16>
  return %o : tensor<1x?x4x128xbf16>
}

// -----

func.func @f32_inputs(%q: tensor<1x?x4x128xf32>) -> tensor<1x?x4x128xf32> {
  // expected-error @+1 {{the GPU FP8 kernel quantises bf16 or f16 inputs, got 'f32'}}
  %o = attn.full %q, %q, %q {precision = #attn.precision<operands = {qk = f8E4M3FN, pv = f8E4M3FN}, granularity = block, block = 128>} : (tensor<1x?x4x128xf32>, tensor<1x?x4x128xf32>, tensor<1x?x4x128xf32>) -> tensor<1x?x4x128xf32>
  return %o : tensor<1x?x4x128xf32>
}

// -----

func.func @sparse(%q: tensor<1x?x4x128xbf16>, %i: tensor<1x?x4x16xi32>) -> tensor<1x?x4x128xbf16> {
  // expected-error @+1 {{the GPU has no FP8 sparse kernel}}
  %o = attn.sparse %q, %q, %q, %i {precision = #attn.precision<operands = {qk = f8E4M3FN, pv = f8E4M3FN}, granularity = block, block = 128>} : (tensor<1x?x4x128xbf16>, tensor<1x?x4x128xbf16>, tensor<1x?x4x128xbf16>, tensor<1x?x4x16xi32>) -> tensor<1x?x4x128xbf16>
  return %o : tensor<1x?x4x128xbf16>
}
