// attn-plan on the bundled Kimi-Linear example: the schedule expands into
// two kernels and each gets its plan; attn-print-plan reports the decisions.
// RUN: attn-opt %attn_src/examples/kimi_linear.mlir --attn-plan --attn-print-plan -o /dev/null 2>&1 | FileCheck %s
// RUN: attn-opt %attn_src/examples/kimi_linear.mlir --attn-plan=target=cpu --attn-print-plan -o /dev/null 2>&1 | FileCheck %s --check-prefix=CPU
// RUN: not attn-opt %attn_src/examples/kimi_linear.mlir --attn-plan=target=gfx9 -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not attn-opt %attn_src/examples/kimi_linear.mlir "--attn-plan=target=cpu}" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BRACE

// CHECK: remark: schedule @kimi_linear: 27 layers -> 2 distinct kernels
// CHECK-DAG: @kimi_linear_kda: attn.delta KDA H=32 HV=32 K=128 V=128 bf16 -> form=chunked chunk=64 sub_chunk=16
// CHECK-DAG: @kimi_linear_mla: attn.full causal H=32 Hkv=32 D=192 Dv=128 bf16 -> tile q=128 kv=64 stages=2 split_kv=32 warps=8
// CPU-DAG: @kimi_linear_mla: attn.full causal H=32 Hkv=32 D=192 Dv=128 bf16 -> tile q=64 kv=64 stages=1 split_kv=1 warps=1
// BAD: error: attn-{{tile|assign-precision}}: unknown chip 'gfx9'; attn compiles for sm_80, {{.*}} (or target=cpu)
// BRACE: error: attn-{{tile|assign-precision}}: unknown chip 'cpu}'
