// attn-to-nvvm for every kind of chip of attn's target description
// (include/attn/Target/GPU/TargetInfo.h): each compiles with the PTX ISA
// version the chip needs (Blackwell: 8.6-9.0) and the instructions it has
// (wgmma only on sm_90a; FP8 mma.sync from sm_89), and ptxas accepts it.
// Chips attn does not know, chips before sm_80, PTX versions too old for the
// chip or the kernels, and a toolkit that is not there are located errors
// with a non-zero exit, never a backend abort.
// RUN: split-file %s %t
// RUN: attn-opt %t/bf16.mlir --attn-to-nvvm=chip=sm_80 | %python %attn_src/scripts/extract-ptx.py - %t/sm_80 | FileCheck %s --check-prefix=PATH
// RUN: FileCheck %s --check-prefix=SM80 < %t/sm_80/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_80 %t/sm_80/attn_kernels.ptx -o /dev/null %}
// RUN: attn-opt %t/bf16.mlir --attn-to-nvvm=chip=sm_86 | %python %attn_src/scripts/extract-ptx.py - %t/sm_86 > /dev/null
// RUN: FileCheck %s --check-prefix=SM86 < %t/sm_86/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_86 %t/sm_86/attn_kernels.ptx -o /dev/null %}
// RUN: attn-opt %t/bf16.mlir --attn-to-nvvm=chip=sm_90 | %python %attn_src/scripts/extract-ptx.py - %t/sm_90 > /dev/null
// RUN: FileCheck %s --check-prefix=SM90 < %t/sm_90/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90 %t/sm_90/attn_kernels.ptx -o /dev/null %}
// RUN: attn-opt %t/bf16.mlir --attn-to-nvvm=chip=sm_100a | %python %attn_src/scripts/extract-ptx.py - %t/sm_100a > /dev/null
// RUN: FileCheck %s --check-prefix=SM100A < %t/sm_100a/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_100a %t/sm_100a/attn_kernels.ptx -o /dev/null %}
// RUN: attn-opt %t/bf16.mlir --attn-to-nvvm=chip=sm_100 | %python %attn_src/scripts/extract-ptx.py - %t/sm_100 > /dev/null
// RUN: FileCheck %s --check-prefix=SM100 < %t/sm_100/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_100 %t/sm_100/attn_kernels.ptx -o /dev/null %}
// RUN: attn-opt %t/bf16.mlir --attn-to-nvvm=chip=sm_103a | %python %attn_src/scripts/extract-ptx.py - %t/sm_103a > /dev/null
// RUN: FileCheck %s --check-prefix=SM103A < %t/sm_103a/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_103a %t/sm_103a/attn_kernels.ptx -o /dev/null %}
// RUN: attn-opt %t/bf16.mlir --attn-to-nvvm=chip=sm_110a | %python %attn_src/scripts/extract-ptx.py - %t/sm_110a > /dev/null
// RUN: FileCheck %s --check-prefix=SM110A < %t/sm_110a/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_110a %t/sm_110a/attn_kernels.ptx -o /dev/null %}
// RUN: attn-opt %t/bf16.mlir --attn-to-nvvm=chip=sm_120 | %python %attn_src/scripts/extract-ptx.py - %t/sm_120 > /dev/null
// RUN: FileCheck %s --check-prefix=SM120 < %t/sm_120/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_120 %t/sm_120/attn_kernels.ptx -o /dev/null %}
// RUN: attn-opt %t/bf16.mlir --attn-to-nvvm=chip=sm_121a | %python %attn_src/scripts/extract-ptx.py - %t/sm_121a > /dev/null
// RUN: FileCheck %s --check-prefix=SM121A < %t/sm_121a/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_121a %t/sm_121a/attn_kernels.ptx -o /dev/null %}
// A module without attn ops goes through the same chip check.
// RUN: attn-opt %S/Inputs/axpy.mlir --attn-to-nvvm=chip=sm_120a | %python %attn_src/scripts/extract-ptx.py - %t/smoke120 > /dev/null
// RUN: FileCheck %s --check-prefix=SMOKE120 < %t/smoke120/smoke.ptx

// FP8 under policy fp8: wgmma e4m3 on sm_90a only; the chips with FP8
// mma.sync but no wgmma (Blackwell) take the mma.sync e4m3 kernel; `auto`
// keeps bf16 there (FP8 mma.sync not measured to pay).
// RUN: attn-opt %t/bf16.mlir "--attn-to-nvvm=chip=sm_90a precision=fp8" | %python %attn_src/scripts/extract-ptx.py - %t/fp8_90a > /dev/null
// RUN: FileCheck %s --check-prefix=FP8-90A < %t/fp8_90a/attn_kernels.ptx
// RUN: attn-opt %t/bf16.mlir "--attn-to-nvvm=chip=sm_100a precision=fp8" | %python %attn_src/scripts/extract-ptx.py - %t/fp8_100a > /dev/null
// RUN: FileCheck %s --check-prefix=FP8-100A < %t/fp8_100a/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_100a %t/fp8_100a/attn_kernels.ptx -o /dev/null %}
// RUN: attn-opt %t/bf16.mlir "--attn-to-nvvm=chip=sm_100a precision=auto error-budget=0.1" 2>&1 | FileCheck %s --check-prefix=AUTO-100A

// Errors.
// RUN: not attn-opt %t/bf16.mlir --attn-to-nvvm=chip=sm_99 -o /dev/null 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not attn-opt %S/Inputs/axpy.mlir --attn-to-nvvm=chip=sm_99 -o /dev/null 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not attn-opt %S/Inputs/axpy.mlir --attn-to-nvvm=chip=sm_130 -o /dev/null 2>&1 | FileCheck %s --check-prefix=FUTURE
// RUN: not attn-opt %t/bf16.mlir --attn-to-nvvm=chip=sm_75 -o /dev/null 2>&1 | FileCheck %s --check-prefix=OLD
// RUN: not attn-opt %t/bf16.mlir --attn-to-nvvm=chip=sm_8x -o /dev/null 2>&1 | FileCheck %s --check-prefix=MALFORMED
// RUN: not attn-opt %t/bf16.mlir "--attn-to-nvvm=chip=sm_100a features=+ptx80" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PTX-OLD
// RUN: not attn-opt %S/Inputs/axpy.mlir "--attn-to-nvvm=chip=sm_100a features=+ptx80" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PTX-OLD
// RUN: not attn-opt %t/bf16.mlir "--attn-to-nvvm=chip=sm_80 features=+ptx75" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PTX-BASE
// RUN: not attn-opt %t/bf16.mlir "--attn-to-nvvm=chip=sm_90a features=+ptx99" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PTX-UNKNOWN
// RUN: not attn-opt %t/bf16.mlir "--attn-to-nvvm=chip=sm_90a features=+sm_90a" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PTX-ITEM
// RUN: not attn-opt %t/bf16.mlir "--attn-to-nvvm=chip=sm_90a features=+ptx80 precision=fp8" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PTX-FP8
// RUN: not attn-opt %t/bf16.mlir --attn-to-nvvm=toolkit=%t/nonexistent -o /dev/null 2>&1 | FileCheck %s --check-prefix=TOOLKIT
// Options no step uses (precision off) are checked all the same.
// RUN: not attn-opt %t/bf16.mlir --attn-to-nvvm=error-budget=-1 -o /dev/null 2>&1 | FileCheck %s --check-prefix=BUDGET
// RUN: not attn-opt %t/bf16.mlir --attn-to-cpu=error-budget=nan -o /dev/null 2>&1 | FileCheck %s --check-prefix=BUDGET
// RUN: not attn-opt %t/bf16.mlir --attn-plan=precision-target=gfx942 -o /dev/null 2>&1 | FileCheck %s --check-prefix=PTARGET
// RUN: not attn-opt %S/Inputs/axpy.mlir --attn-to-nvvm=toolkit=%t/nonexistent -o /dev/null 2>&1 | FileCheck %s --check-prefix=TOOLKIT
// attn-tile and attn-assign-precision ask the same table.
// RUN: not attn-opt %t/bf16.mlir --attn-tile=target=sm_99 -o /dev/null 2>&1 | FileCheck %s --check-prefix=TILE
// RUN: not attn-opt %t/bf16.mlir "--attn-assign-precision=policy=auto target=sm_61" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PREC
// RUN: not attn-opt %t/bf16.mlir "--attn-assign-precision=policy=fp8 target=sm_86" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PREC-FP8

// PATH: {{.*}}sm_80{{/|\\}}attn_kernels.ptx
// SM80: .version 8.0
// SM80: .target sm_80
// SM80: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// SM86: .version 8.0
// SM86: .target sm_86
// SM90: .version 8.4
// SM90: .target sm_90
// SM100A: .version 8.6
// SM100A: .target sm_100a
// SM100A: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// SM100A: cp.async.cg.shared.global
// SM100: .version 8.6
// SM100: .target sm_100{{$}}
// SM103A: .version 8.8
// SM103A: .target sm_103a
// SM110A: .version 9.0
// SM110A: .target sm_110a
// SM120: .version 8.7
// SM120: .target sm_120{{$}}
// SM121A: .version 8.8
// SM121A: .target sm_121a
// SMOKE120: .version 8.7
// SMOKE120: .target sm_120a

// FP8-90A: .target sm_90a
// FP8-90A: wgmma.mma_async.sync.aligned.m64n128k32.f32.e4m3.e4m3
// FP8-100A: .target sm_100a
// FP8-100A-NOT: wgmma
// FP8-100A: mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e4m3.f32
// AUTO-100A: remark: attn-assign-precision (auto): @prefill: qk = bf16: FP8 mma.sync is not known to beat bf16 on sm_100a

// UNKNOWN: error: attn-{{tile|assign-precision|to-nvvm}}: unknown chip 'sm_99'; attn compiles for sm_80, sm_86, sm_87, sm_89, sm_90, sm_90a, sm_100,
// FUTURE: error: attn-{{tile|assign-precision|to-nvvm}}: unknown chip 'sm_130'; attn compiles for
// OLD: error: attn-{{tile|assign-precision}}: chip 'sm_75' is older than sm_80: attn's kernels need bf16 tensor cores and cp.async
// MALFORMED: error: attn-{{tile|assign-precision}}: unknown chip 'sm_8x'; attn compiles for
// PTX-OLD: error: attn-to-nvvm: features: PTX ISA 8.0 is too old for sm_100a: it needs 8.6 or later
// PTX-BASE: error: attn-to-nvvm: features: PTX ISA 7.5 is too old for sm_80: it needs 8.0 or later (attn's kernels' baseline)
// PTX-UNKNOWN: error: attn-to-nvvm: features: PTX ISA 9.9 ('+ptx99') is not one LLVM 22's NVPTX backend knows
// PTX-ITEM: error: attn-to-nvvm: features: '+sm_90a' is not a PTX ISA version (expected +ptxNN, e.g. +ptx84)
// PTX-FP8: error: 'attn.full' op plans FP8 contractions ({{.*}}), which need PTX ISA 8.4 or later; features = '+ptx80' asks for 8.0
// TOOLKIT: error: attn-to-nvvm: toolkit '{{.*}}nonexistent' is not a directory
// BUDGET: error: attn-assign-precision: error-budget must be a positive finite number, got
// PTARGET: error: attn-assign-precision: unknown chip 'gfx942'; attn compiles for
// TILE: error: attn-{{tile|assign-precision}}: unknown chip 'sm_99'; attn compiles for sm_80,{{.*}} (or target=cpu)
// PREC: error: attn-assign-precision: chip 'sm_61' is older than sm_80
// PREC-FP8: error: attn-assign-precision: policy fp8 needs FP8 tensor cores (sm_89 and later); target sm_86 has none

//--- bf16.mlir
func.func @prefill(%q: tensor<?x?x8x128xbf16>, %k: tensor<?x?x2x128xbf16>,
                   %v: tensor<?x?x2x128xbf16>) -> tensor<?x?x8x128xbf16> {
  %o = attn.full %q, %k, %v {causal}
      : (tensor<?x?x8x128xbf16>, tensor<?x?x2x128xbf16>, tensor<?x?x2x128xbf16>) -> tensor<?x?x8x128xbf16>
  return %o : tensor<?x?x8x128xbf16>
}
