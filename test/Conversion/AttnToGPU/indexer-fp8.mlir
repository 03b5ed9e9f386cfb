// attn.indexer with an FP8 plan (#attn.precision qk = f8E4M3FN, per-token
// scales, Hadamard rotation) on the GPU: the manifest quantises qi and ki
// rows (quant_tokens: the rotation as butterflies across a warp, one scale
// per row) before the indexer, which runs q . k as m64n64k32 e4m3 wgmma on
// sm_90a. Where the CUDA toolkit is installed (`%if ptxas`; the other checks
// run everywhere) ptxas accepts both kernels without spills; plans the
// kernel does not take are located errors.
// RUN: split-file %s %t
// RUN: attn-opt %t/dsa.mlir --convert-attn-to-gpu | FileCheck %s --check-prefix=MANIFEST
// RUN: attn-opt %t/dsa.mlir --attn-to-nvvm | %python %attn_src/scripts/extract-ptx.py - %t/dsa
// RUN: FileCheck %s --check-prefix=PTX < %t/dsa/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90a -v %t/dsa/attn_kernels.ptx -o %t/dsa.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL %}
// RUN: attn-opt %t/errors.mlir -split-input-file --convert-attn-to-gpu -verify-diagnostics -o /dev/null
// RUN: not attn-opt %t/dsa.mlir --convert-attn-to-gpu=chip=sm_89 -o /dev/null 2>&1 | FileCheck %s --check-prefix=SM89

// MANIFEST: args = ["qi", "qi8", "sqi", "rows_q"]{{.*}}grid = ["cdiv(rows_q, 4)", "1", "1"], kernel = "dsa_indexer_quant"
// MANIFEST-SAME: args = ["ki", "ki8", "ski", "rows_k"]{{.*}}kernel = "dsa_indexer_quant"
// MANIFEST-SAME: args = ["qi8", "ki8", "w", "scores", "sqi", "ski", "B", "T", "S"]{{.*}}kernel = "dsa_indexer"
// MANIFEST-SAME: precision = "e4m3 qi and ki, scales per token, Hadamard rotation"
// MANIFEST-SAME: values = {rows_k = "B*S", rows_q = "B*T*64"}
// MANIFEST-SAME: {dtype = "u8", elements = "B*T*64*128", name = "qi8"}

// PTX: .version 8.4
// PTX: .entry dsa_indexer_quant(
// PTX: shfl.sync.bfly
// PTX: cvt.rn.satfinite.e4m3x2.f32
// PTX: .entry dsa_indexer(
// PTX: fence.proxy.async.shared::cta
// PTX: wgmma.mma_async.sync.aligned.m64n64k32.f32.e4m3.e4m3

// NOSPILL: Compiling entry function 'dsa_indexer' for 'sm_90a'
// NOSPILL-NEXT: Function properties
// NOSPILL-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// NOSPILL: Compiling entry function 'dsa_indexer_quant' for 'sm_90a'
// NOSPILL-NEXT: Function properties
// NOSPILL-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// SM89: error: 'attn.indexer' op FP8 plan {{.*}}: the GPU FP8 indexer runs on sm_90a (wgmma) with Hi = 16, 32 or 64, Di = 128 and bf16 / f16 inputs; got sm_89, Hi = 64, Di = 128, 'bf16'

//--- dsa.mlir
func.func @dsa(%q: tensor<?x?x64x128xbf16>, %k: tensor<?x?x128xbf16>, %w: tensor<?x?x64xf32>) -> tensor<?x?x?xf32> {
  %s = attn.indexer %q, %k, %w {causal, precision = #attn.precision<operands = {qk = f8E4M3FN}, granularity = token, hadamard = true>} : (tensor<?x?x64x128xbf16>, tensor<?x?x128xbf16>, tensor<?x?x64xf32>) -> tensor<?x?x?xf32>
  return %s : tensor<?x?x?xf32>
}

//--- errors.mlir
func.func @di64(%q: tensor<1x?x64x64xbf16>, %k: tensor<1x?x64xbf16>, %w: tensor<1x?x64xf32>) -> tensor<1x?x?xf32> {
  // expected-error @+1 {{the GPU FP8 indexer runs on sm_90a (wgmma) with Hi = 16, 32 or 64, Di = 128 and bf16 / f16 inputs; got sm_90a, Hi = 64, Di = 64}}
  %s = attn.indexer %q, %k, %w {precision = #attn.precision<operands = {qk = f8E4M3FN}, granularity = token>} : (tensor<1x?x64x64xbf16>, tensor<1x?x64xbf16>, tensor<1x?x64xf32>) -> tensor<1x?x?xf32>
  return %s : tensor<1x?x?xf32>
}

// -----

func.func @blocks(%q: tensor<1x?x64x128xbf16>, %k: tensor<1x?x128xbf16>, %w: tensor<1x?x64xf32>) -> tensor<1x?x?xf32> {
  // expected-error @+1 {{the GPU FP8 indexer takes granularity = token}}
  %s = attn.indexer %q, %k, %w {precision = #attn.precision<operands = {qk = f8E4M3FN}, granularity = block, block = 128>} : (tensor<1x?x64x128xbf16>, tensor<1x?x128xbf16>, tensor<1x?x64xf32>) -> tensor<1x?x?xf32>
  return %s : tensor<1x?x?xf32>
}

// -----

func.func @heads128(%q: tensor<1x?x128x128xbf16>, %k: tensor<1x?x128xbf16>, %w: tensor<1x?x128xf32>) -> tensor<1x?x?xf32> {
  // expected-error @+1 {{got sm_90a, Hi = 128, Di = 128}}
  %s = attn.indexer %q, %k, %w {precision = #attn.precision<operands = {qk = f8E4M3FN}, granularity = token>} : (tensor<1x?x128x128xbf16>, tensor<1x?x128xbf16>, tensor<1x?x128xf32>) -> tensor<1x?x?xf32>
  return %s : tensor<1x?x?xf32>
}
