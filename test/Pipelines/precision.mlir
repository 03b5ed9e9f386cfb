// The pipelines' precision options: attn-plan / attn-to-cpu / attn-to-nvvm
// run attn-assign-precision{policy, error-budget, target} when `precision`
// is not off (target cpu for attn-to-cpu, the chip's FP8 tensor cores for
// attn-to-nvvm); attn-to-cpu then emulates the plan. Bad values are errors
// with a non-zero exit.
// RUN: attn-opt %s --attn-plan=target=cpu | FileCheck %s --check-prefix=OFF
// RUN: attn-opt %s "--attn-plan=target=cpu precision=auto" 2>/dev/null | FileCheck %s --check-prefix=CPU-AUTO
// RUN: attn-opt %s "--attn-plan=target=cpu precision=fp8" 2>/dev/null | FileCheck %s --check-prefix=AUTO
// RUN: attn-opt %s "--attn-plan=target=sm_80 precision=auto" 2>/dev/null | FileCheck %s --check-prefix=SM80
// RUN: attn-opt %s "--attn-plan=target=sm_80 precision=auto error-budget=0.06 precision-target=sm_89" 2>/dev/null | FileCheck %s --check-prefix=AUTO
// RUN: attn-opt %s "--attn-plan=target=cpu precision=fp8 error-budget=0.01" 2>/dev/null | FileCheck %s --check-prefix=ROTATE
// RUN: attn-opt %s "--attn-to-cpu=precision=fp8 error-budget=0.02" 2>/dev/null | FileCheck %s --check-prefix=CPU
// RUN: not attn-opt %s --attn-to-cpu=precision=fast -o /dev/null 2>&1 | FileCheck %s --check-prefix=POLICY
// RUN: not attn-opt %s "--attn-to-cpu=precision=fp8 error-budget=abc" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NUMBER
// RUN: not attn-opt %s "--attn-to-cpu=precision=fp8 error-budget=0" -o /dev/null 2>&1 | FileCheck %s --check-prefix=ZERO
// RUN: not attn-opt %s "--attn-to-nvvm=chip=sm_86 precision=fp8" -o /dev/null 2>&1 | FileCheck %s --check-prefix=AMPERE
// RUN: not attn-opt %s "--attn-plan=target=cpu precision=fp8 precision-target=sm_70" -o /dev/null 2>&1 | FileCheck %s --check-prefix=TARGET

// OFF-LABEL: func.func @prefill
// OFF-NOT: precision
// AUTO-LABEL: func.func @prefill
// AUTO: precision = #attn.precision<operands = {pv = f8E4M3FN, qk = f8E4M3FN}, granularity = block, block = 128>
// AUTO-SAME: tile = #attn.tile
// CPU-AUTO-LABEL: func.func @prefill
// CPU-AUTO: precision = #attn.precision<operands = {pv = bf16, qk = bf16}>
// SM80-LABEL: func.func @prefill
// SM80: precision = #attn.precision<operands = {pv = bf16, qk = bf16}>
// ROTATE-LABEL: func.func @prefill
// ROTATE: granularity = block, block = 128, hadamard = true>
// CPU-LABEL: llvm.func @prefill
// CPU: llvm.mlir.constant(524287 : i32)
// POLICY: error: attn-assign-precision: unknown policy 'fast' (off, auto, fp8)
// NUMBER: 'abc' value invalid for floating point argument
// ZERO: error: attn-assign-precision: error-budget must be a positive finite number, got 0
// AMPERE: error: attn-assign-precision: policy fp8 needs FP8 tensor cores (sm_89 and later); target sm_86 has none
// TARGET: error: attn-assign-precision: chip 'sm_70' is older than sm_80

func.func @prefill(%q: tensor<1x?x4x64xbf16>, %k: tensor<1x?x2x64xbf16>) -> tensor<1x?x4x64xbf16> {
  %o = attn.full %q, %k, %k {causal} : (tensor<1x?x4x64xbf16>, tensor<1x?x2x64xbf16>, tensor<1x?x2x64xbf16>) -> tensor<1x?x4x64xbf16>
  return %o : tensor<1x?x4x64xbf16>
}
