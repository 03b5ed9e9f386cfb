// attn-assign-precision: the decisions under each policy, error budget and
// target, the reasons it reports, hand-set precisions kept; the CPU backend
// lowers (emulates) every plan it makes.
// RUN: attn-opt %s --attn-assign-precision=policy=auto 2>/dev/null | FileCheck %s --check-prefix=AUTO
// RUN: attn-opt %s --attn-assign-precision=policy=auto -o /dev/null 2>&1 | FileCheck %s --check-prefix=WHY
// RUN: attn-opt %s --attn-assign-precision=policy=fp8 2>/dev/null | FileCheck %s --check-prefix=FP8
// RUN: attn-opt %s "--attn-assign-precision=policy=auto error-budget=1e-2" 2>/dev/null | FileCheck %s --check-prefix=HADAMARD
// RUN: attn-opt %s "--attn-assign-precision=policy=auto error-budget=1e-2" -o /dev/null 2>&1 | FileCheck %s --check-prefix=HADAMARD-WHY
// RUN: attn-opt %s "--attn-assign-precision=policy=auto error-budget=5e-3" 2>/dev/null | FileCheck %s --check-prefix=TIGHT
// RUN: attn-opt %s "--attn-assign-precision=policy=auto target=sm_80" 2>/dev/null | FileCheck %s --check-prefix=SM80
// RUN: attn-opt %s --attn-assign-precision | FileCheck %s --check-prefix=OFF
// RUN: not attn-opt %s "--attn-assign-precision=policy=fp8 error-budget=5e-3" -o /dev/null 2>&1 | FileCheck %s --check-prefix=FP8-TIGHT
// RUN: not attn-opt %s "--attn-assign-precision=policy=fp8 target=sm_80" -o /dev/null 2>&1 | FileCheck %s --check-prefix=FP8-SM80
// RUN: not attn-opt %s --attn-assign-precision=policy=fast -o /dev/null 2>&1 | FileCheck %s --check-prefix=POLICY
// RUN: not attn-opt %s "--attn-assign-precision=policy=auto target=sm_70" -o /dev/null 2>&1 | FileCheck %s --check-prefix=TARGET
// RUN: attn-opt %s --attn-assign-precision=policy=auto --attn-to-cpu 2>/dev/null | FileCheck %s --check-prefix=CPU
// RUN: attn-opt %s --attn-assign-precision=policy=fp8 --attn-to-cpu 2>/dev/null | FileCheck %s --check-prefix=CPU

// AUTO-LABEL: func.func @prefill
// AUTO: precision = #attn.precision<operands = {pv = f8E4M3FN, qk = f8E4M3FN}, granularity = block, block = 128>
// AUTO-LABEL: func.func @decode
// AUTO: precision = #attn.precision<operands = {pv = bf16, qk = bf16}>
// AUTO-LABEL: func.func @indexer
// AUTO: precision = #attn.precision<operands = {qk = f8E4M3FN}, granularity = token, hadamard = true>
// AUTO-LABEL: func.func @kda
// AUTO: precision = #attn.precision<operands = {av = bf16, kk = bf16, kv = bf16, qk = bf16, qs = bf16, solve = f32, ws = bf16}>
// AUTO-LABEL: func.func @kept
// AUTO: precision = #attn.precision<operands = {pv = f32, qk = f32}>
// AUTO-LABEL: func.func @sparse
// AUTO: precision = #attn.precision<operands = {pv = bf16, qk = bf16}>
// AUTO-LABEL: func.func @odd_dim
// AUTO: precision = #attn.precision<operands = {pv = f8E4M3FN, qk = f8E4M3FN}, granularity = block, block = 128>
// AUTO-LABEL: func.func @odd_indexer
// AUTO: precision = #attn.precision<operands = {qk = f8E4M3FN}, granularity = token>

// WHY: remark: attn-assign-precision (auto): @prefill: qk = f8E4M3FN: compute-bound prefill: FP8 doubles tensor-core peak (rule 4); pv = f8E4M3FN: {{.*}}; scales per block of 128 tokens (rule 5); accumulator f32 (rule 1)
// WHY: remark: attn-assign-precision (auto): @decode: qk = bf16: decode is bandwidth-bound: FP8 pays in storage, not MMA (rule 4)
// WHY: remark: attn-assign-precision (auto): @indexer: qk = f8E4M3FN: the DSA indexer runs in FP8 (DeepSeek-V3.2, rule 4); scales per token with a Hadamard rotation
// WHY: remark: attn-assign-precision (auto): @kda: kk = bf16: builds the matrix the solve inverts (rule 2); qk = bf16: the chunked kernels are latency-bound on the state scan; FP8 intra-chunk products are not lowered (rule 4); {{.*}}ws = bf16: contracts the f32 recurrent state (rule 3); {{.*}}solve = f32: the triangular solve stays f32 (rule 2)
// WHY: remark: attn-assign-precision (auto): @sparse: qk = bf16: no FP8 sparse GPU kernel yet (gathered K/V tiles, rule 4); pv = bf16: no FP8 sparse GPU kernel yet (gathered K/V tiles, rule 4); accumulator f32 (rule 1)
// WHY: remark: attn-assign-precision (auto): @odd_indexer: qk = f8E4M3FN: the DSA indexer runs in FP8 (DeepSeek-V3.2, rule 4); scales per token, no Hadamard rotation: head dim 48 is not a power of two (rule 5)

// attn.delta / attn.linear never take FP8, even under policy fp8; sparse
// does under fp8.
// FP8-LABEL: func.func @kda
// FP8: precision = #attn.precision<operands = {av = bf16, kk = bf16, kv = bf16, qk = bf16, qs = bf16, solve = f32, ws = bf16}>
// FP8-LABEL: func.func @sparse
// FP8: precision = #attn.precision<operands = {pv = f8E4M3FN, qk = f8E4M3FN}, granularity = block, block = 128>
// HADAMARD-LABEL: func.func @prefill
// HADAMARD: granularity = block, block = 128, hadamard = true>
// HADAMARD-LABEL: func.func @odd_dim
// HADAMARD: precision = #attn.precision<operands = {pv = f8E4M3FN, qk = f8E4M3FN}, granularity = block, block = 128>
// HADAMARD-WHY: remark: attn-assign-precision (auto): @odd_dim: {{.*}}; scales per block of 128 tokens, no Hadamard rotation: head dim 96 is not a power of two (budget 0.01 < 0.024 asks for one) (rule 5)
// TIGHT-LABEL: func.func @prefill
// TIGHT: precision = #attn.precision<operands = {pv = bf16, qk = bf16}>
// SM80-LABEL: func.func @prefill
// SM80: precision = #attn.precision<operands = {pv = bf16, qk = bf16}>
// OFF-NOT: precision = #attn.precision<operands = {pv = f8
// OFF-NOT: qk = bf16
// FP8-TIGHT: error: 'attn.full' op attn-assign-precision: policy fp8 cannot meet error budget 5.000000e-03: FP8 attention's estimated relative error is 9.100000e-03 at best (FA3 Table 3)
// FP8-SM80: error: 'attn.full' op attn-assign-precision: policy fp8 needs FP8 tensor cores, which sm_80 does not have (sm_89 and later)
// POLICY: error: attn-assign-precision: unknown policy 'fast' (off, auto, fp8)
// TARGET: error: attn-assign-precision: unknown target 'sm_70' (sm_90a, sm_89, sm_80, cpu)
// CPU-LABEL: llvm.func @prefill
// CPU-LABEL: llvm.func @indexer
// CPU-LABEL: llvm.func @kda
// CPU-LABEL: llvm.func @sparse

func.func @prefill(%q: tensor<1x?x4x64xbf16>, %k: tensor<1x?x4x64xbf16>) -> tensor<1x?x4x64xbf16> {
  %o = attn.full %q, %k, %k {causal} : (tensor<1x?x4x64xbf16>, tensor<1x?x4x64xbf16>, tensor<1x?x4x64xbf16>) -> tensor<1x?x4x64xbf16>
  return %o : tensor<1x?x4x64xbf16>
}
func.func @decode(%q: tensor<1x1x4x64xbf16>, %k: tensor<1x?x4x64xbf16>) -> tensor<1x1x4x64xbf16> {
  %o = attn.full %q, %k, %k : (tensor<1x1x4x64xbf16>, tensor<1x?x4x64xbf16>, tensor<1x?x4x64xbf16>) -> tensor<1x1x4x64xbf16>
  return %o : tensor<1x1x4x64xbf16>
}
func.func @indexer(%q: tensor<1x?x8x64xbf16>, %k: tensor<1x?x64xbf16>, %w: tensor<1x?x8xf32>) -> tensor<1x?x?xf32> {
  %s = attn.indexer %q, %k, %w {causal} : (tensor<1x?x8x64xbf16>, tensor<1x?x64xbf16>, tensor<1x?x8xf32>) -> tensor<1x?x?xf32>
  return %s : tensor<1x?x?xf32>
}
func.func @kda(%q: tensor<1x?x2x64xbf16>, %b: tensor<1x?x2xf32>, %g: tensor<1x?x2x64xf32>) -> tensor<1x?x2x64xbf16> {
  %o = attn.delta %q, %q, %q, %b gate(%g) : (tensor<1x?x2x64xbf16>, tensor<1x?x2x64xbf16>, tensor<1x?x2x64xbf16>, tensor<1x?x2xf32>, tensor<1x?x2x64xf32>) -> tensor<1x?x2x64xbf16>
  return %o : tensor<1x?x2x64xbf16>
}
func.func @kept(%q: tensor<1x?x4x64xbf16>) -> tensor<1x?x4x64xbf16> {
  %o = attn.full %q, %q, %q {causal, precision = #attn.precision<operands = {qk = f32, pv = f32}>} : (tensor<1x?x4x64xbf16>, tensor<1x?x4x64xbf16>, tensor<1x?x4x64xbf16>) -> tensor<1x?x4x64xbf16>
  return %o : tensor<1x?x4x64xbf16>
}
func.func @sparse(%q: tensor<1x?x4x64xbf16>, %i: tensor<1x?x4x8xi32>) -> tensor<1x?x4x64xbf16> {
  %o = attn.sparse %q, %q, %q, %i {causal} : (tensor<1x?x4x64xbf16>, tensor<1x?x4x64xbf16>, tensor<1x?x4x64xbf16>, tensor<1x?x4x8xi32>) -> tensor<1x?x4x64xbf16>
  return %o : tensor<1x?x4x64xbf16>
}
func.func @odd_dim(%q: tensor<1x?x4x96xbf16>, %v: tensor<1x?x4x64xbf16>) -> tensor<1x?x4x64xbf16> {
  %o = attn.full %q, %q, %v {causal} : (tensor<1x?x4x96xbf16>, tensor<1x?x4x96xbf16>, tensor<1x?x4x64xbf16>) -> tensor<1x?x4x64xbf16>
  return %o : tensor<1x?x4x64xbf16>
}
func.func @odd_indexer(%q: tensor<1x?x8x48xbf16>, %k: tensor<1x?x48xbf16>, %w: tensor<1x?x8xf32>) -> tensor<1x?x?xf32> {
  %s = attn.indexer %q, %k, %w {causal} : (tensor<1x?x8x48xbf16>, tensor<1x?x48xbf16>, tensor<1x?x8xf32>) -> tensor<1x?x?xf32>
  return %s : tensor<1x?x?xf32>
}
