// attn-assign-precision: the decisions under each policy, error budget and
// target, the reasons it reports, hand-set precisions kept; the CPU backend
// lowers (emulates) every plan it makes.
// RUN: attn-opt %s --attn-assign-precision=policy=auto 2>/dev/null | FileCheck %s --check-prefix=AUTO
// RUN: attn-opt %s --attn-assign-precision=policy=auto -o /dev/null 2>&1 | FileCheck %s --check-prefix=WHY
// RUN: attn-opt %s "--attn-assign-precision=policy=auto error-budget=6e-2" 2>/dev/null | FileCheck %s --check-prefix=LOOSE
// RUN: attn-opt %s "--attn-assign-precision=policy=auto error-budget=6e-2" -o /dev/null 2>&1 | FileCheck %s --check-prefix=LOOSE-WHY
// RUN: attn-opt %s "--attn-assign-precision=policy=auto error-budget=6e-2 target=sm_89" 2>/dev/null | FileCheck %s --check-prefix=SM89
// RUN: attn-opt %s --attn-assign-precision=policy=fp8 2>/dev/null | FileCheck %s --check-prefix=FP8
// RUN: attn-opt %s --attn-assign-precision=policy=fp8 -o /dev/null 2>&1 | FileCheck %s --check-prefix=FP8-WHY
// RUN: attn-opt %s "--attn-assign-precision=policy=fp8 target=cpu" 2>/dev/null | FileCheck %s --check-prefix=CPU-FP8
// RUN: attn-opt %s "--attn-assign-precision=policy=auto error-budget=6e-2 target=cpu" -o /dev/null 2>&1 | FileCheck %s --check-prefix=CPU-AUTO
// RUN: attn-opt %s "--attn-assign-precision=policy=fp8 error-budget=1e-2 target=cpu" 2>/dev/null | FileCheck %s --check-prefix=HADAMARD
// RUN: attn-opt %s "--attn-assign-precision=policy=fp8 error-budget=1e-2 target=cpu" -o /dev/null 2>&1 | FileCheck %s --check-prefix=HADAMARD-WHY
// RUN: attn-opt %s "--attn-assign-precision=policy=fp8 error-budget=1e-2" -o /dev/null 2>&1 | FileCheck %s --check-prefix=GPU-ROTATION
// RUN: attn-opt %s "--attn-assign-precision=policy=auto error-budget=6e-2 target=sm_80" 2>/dev/null | FileCheck %s --check-prefix=SM80
// RUN: attn-opt %s --attn-assign-precision | FileCheck %s --check-prefix=OFF
// RUN: not attn-opt %s "--attn-assign-precision=policy=fp8 target=sm_80" -o /dev/null 2>&1 | FileCheck %s --check-prefix=FP8-SM80
// RUN: not attn-opt %s --attn-assign-precision=policy=fast -o /dev/null 2>&1 | FileCheck %s --check-prefix=POLICY
// RUN: not attn-opt %s "--attn-assign-precision=policy=auto target=sm_70" -o /dev/null 2>&1 | FileCheck %s --check-prefix=TARGET
// RUN: attn-opt %s "--attn-assign-precision=policy=fp8 target=cpu" --attn-to-cpu 2>/dev/null | FileCheck %s --check-prefix=CPU
// RUN: attn-opt %s "--attn-assign-precision=policy=fp8 error-budget=1e-2 target=cpu" --attn-to-cpu 2>/dev/null | FileCheck %s --check-prefix=CPU

// Default budget (3e-2): FP8's measured error (5.5e-2 on i.i.d. inputs)
// is above it, so auto keeps every contraction in the inputs' type.
// AUTO-LABEL: func.func @prefill128
// AUTO: precision = #attn.precision<operands = {pv = bf16, qk = bf16}>
// AUTO-LABEL: func.func @prefill
// AUTO: precision = #attn.precision<operands = {pv = bf16, qk = bf16}>
// AUTO-LABEL: func.func @decode
// AUTO: precision = #attn.precision<operands = {pv = bf16, qk = bf16}>
// AUTO-LABEL: func.func @indexer
// AUTO: precision = #attn.precision<operands = {qk = bf16}>
// AUTO-LABEL: func.func @kda
// AUTO: precision = #attn.precision<operands = {av = bf16, kk = bf16, kv = bf16, qk = bf16, qs = bf16, solve = f32, ws = bf16}>
// AUTO-LABEL: func.func @kept
// AUTO: precision = #attn.precision<operands = {pv = f32, qk = f32}>
// AUTO-LABEL: func.func @sparse
// AUTO: precision = #attn.precision<operands = {pv = bf16, qk = bf16}>

// WHY: remark: attn-assign-precision (auto): @prefill128: qk = bf16: FP8's relative error reaches 0.055 (i.i.d. inputs, measured), above the budget 0.03; 0.012 or less on channel-structured inputs (rule 5)
// WHY: remark: attn-assign-precision (auto): @prefill: qk = bf16: on sm_90a FP8 pays through wgmma, which attn's FP8 kernel uses at D = Dv = 128 only (mma.sync e4m3 runs as f16 there, rule 4)
// WHY: remark: attn-assign-precision (auto): @decode: qk = bf16: decode is bandwidth-bound: FP8 pays in storage, not MMA (rule 4)
// WHY: remark: attn-assign-precision (auto): @indexer: qk = bf16: attn's FP8 indexer GPU kernel is a wgmma kernel: sm_90a with Hi = 16, 32 or 64 and Di = 128 (rule 4)
// WHY: remark: attn-assign-precision (auto): @dsa_indexer: qk = bf16: FP8's relative error reaches 0.055
// WHY: remark: attn-assign-precision (auto): @kda: kk = bf16: builds the matrix the solve inverts (rule 2); qk = bf16: the chunked kernels are latency-bound on the state scan; FP8 intra-chunk products are not lowered (rule 4); {{.*}}ws = bf16: contracts the f32 recurrent state (rule 3); {{.*}}solve = f32: the triangular solve stays f32 (rule 2)
// WHY: remark: attn-assign-precision (auto): @sparse: qk = bf16: no FP8 sparse GPU kernel yet (gathered K/V tiles, rule 4)

// A budget that admits FP8's error: the sm_90a wgmma kernel's shapes.
// LOOSE-LABEL: func.func @prefill128
// LOOSE: precision = #attn.precision<operands = {pv = f8E4M3FN, qk = f8E4M3FN}, granularity = block, block = 128>
// LOOSE-LABEL: func.func @prefill
// LOOSE: precision = #attn.precision<operands = {pv = bf16, qk = bf16}>
// LOOSE-WHY: remark: attn-assign-precision (auto): @prefill128: qk = f8E4M3FN: compute-bound prefill with an FP8 kernel (rule 4); pv = f8E4M3FN: {{.*}}; scales per block of 128 tokens (rule 5); accumulator f32 (rule 1)
// SM89-LABEL: func.func @prefill
// SM89: precision = #attn.precision<operands = {pv = f8E4M3FN, qk = f8E4M3FN}, granularity = block, block = 128>

// policy fp8 for a GPU target: FP8 wherever a GPU kernel takes it; never for
// attn.delta / attn.linear, not for attn.sparse (no GPU kernel yet), for
// attn.indexer only in the wgmma kernel's shapes.
// FP8-LABEL: func.func @prefill128
// FP8: precision = #attn.precision<operands = {pv = f8E4M3FN, qk = f8E4M3FN}, granularity = block, block = 128>
// FP8-LABEL: func.func @prefill
// FP8: precision = #attn.precision<operands = {pv = f8E4M3FN, qk = f8E4M3FN}, granularity = block, block = 128>
// FP8-LABEL: func.func @indexer
// FP8: precision = #attn.precision<operands = {qk = bf16}>
// FP8-LABEL: func.func @dsa_indexer
// FP8: precision = #attn.precision<operands = {qk = f8E4M3FN}, granularity = token, hadamard = true>
// FP8-LABEL: func.func @kda
// FP8: precision = #attn.precision<operands = {av = bf16, kk = bf16, kv = bf16, qk = bf16, qs = bf16, solve = f32, ws = bf16}>
// FP8-LABEL: func.func @sparse
// FP8: precision = #attn.precision<operands = {pv = bf16, qk = bf16}>
// FP8-WHY: remark: attn-assign-precision (fp8): @prefill128: qk = f8E4M3FN: policy fp8 (its error reaches 0.055 on i.i.d. inputs, above the budget 0.03, rule 5)

// policy fp8 for the cpu target takes everything the emulation lowers.
// CPU-FP8-LABEL: func.func @indexer
// CPU-FP8: precision = #attn.precision<operands = {qk = f8E4M3FN}, granularity = token, hadamard = true>
// CPU-FP8-LABEL: func.func @sparse
// CPU-FP8: precision = #attn.precision<operands = {pv = f8E4M3FN, qk = f8E4M3FN}, granularity = block, block = 128>
// CPU-FP8-LABEL: func.func @odd_indexer
// CPU-FP8: precision = #attn.precision<operands = {qk = f8E4M3FN}, granularity = token>
// CPU-AUTO: remark: attn-assign-precision (auto): @prefill128: qk = bf16: the CPU only emulates FP8 (slower, and it adds error): policy fp8 emulates it to measure the error (rule 6)

// A budget below the structured-input error: Q and K are rotated (where the
// head dim is a power of two), on the CPU and the GPU alike.
// HADAMARD-LABEL: func.func @prefill
// HADAMARD: granularity = block, block = 128, hadamard = true>
// HADAMARD-LABEL: func.func @odd_dim
// HADAMARD: precision = #attn.precision<operands = {pv = f8E4M3FN, qk = f8E4M3FN}, granularity = block, block = 128>
// HADAMARD-WHY: remark: attn-assign-precision (fp8): @prefill: {{.*}}; scales per block of 128 tokens, Hadamard rotation of Q and K (budget 0.01 < 0.012: spreads outlier channels) (rule 5)
// HADAMARD-WHY: remark: attn-assign-precision (fp8): @odd_dim: {{.*}}; scales per block of 128 tokens, no Hadamard rotation: head dim 96 is not a power of two (rule 5)
// GPU-ROTATION: remark: attn-assign-precision (fp8): @prefill128: {{.*}}; scales per block of 128 tokens, Hadamard rotation of Q and K (budget 0.01 < 0.012: spreads outlier channels) (rule 5)

// SM80-LABEL: func.func @prefill128
// SM80: precision = #attn.precision<operands = {pv = bf16, qk = bf16}>
// OFF-NOT: precision = #attn.precision<operands = {pv = f8
// OFF-NOT: qk = bf16
// FP8-SM80: error: attn-assign-precision: policy fp8 needs FP8 tensor cores (sm_89 and later); target sm_80 has none
// POLICY: error: attn-assign-precision: unknown policy 'fast' (off, auto, fp8)
// TARGET: error: attn-assign-precision: chip 'sm_70' is older than sm_80: attn's kernels need bf16 tensor cores and cp.async (sm_80 and newer) (or target=cpu)
// CPU-LABEL: llvm.func @prefill
// CPU-LABEL: llvm.func @indexer
// CPU-LABEL: llvm.func @kda
// CPU-LABEL: llvm.func @sparse

func.func @prefill128(%q: tensor<1x?x4x128xbf16>, %k: tensor<1x?x4x128xbf16>) -> tensor<1x?x4x128xbf16> {
  %o = attn.full %q, %k, %k {causal} : (tensor<1x?x4x128xbf16>, tensor<1x?x4x128xbf16>, tensor<1x?x4x128xbf16>) -> tensor<1x?x4x128xbf16>
  return %o : tensor<1x?x4x128xbf16>
}
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
func.func @dsa_indexer(%q: tensor<1x?x64x128xbf16>, %k: tensor<1x?x128xbf16>, %w: tensor<1x?x64xf32>) -> tensor<1x?x?xf32> {
  %s = attn.indexer %q, %k, %w {causal} : (tensor<1x?x64x128xbf16>, tensor<1x?x128xbf16>, tensor<1x?x64xf32>) -> tensor<1x?x?xf32>
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
