// Schedule transforms: attn-schedule-ratio re-spaces the full layers (3:1
// <-> 7:1, all full), attn-schedule-sparsify turns full layers into DSA
// sparse ones; attn-plan-memory shows what each costs; errors are located.
// RUN: attn-opt %attn_src/examples/kimi_linear.mlir --attn-schedule-ratio=linear-per-full=7 | FileCheck %s --check-prefix=R7
// RUN: attn-opt %attn_src/examples/kimi_linear.mlir --attn-schedule-ratio=linear-per-full=7 --attn-schedule-ratio=linear-per-full=3 | FileCheck %s --check-prefix=R3
// RUN: attn-opt %attn_src/examples/kimi_linear.mlir "--attn-schedule-ratio=linear-per-full=7 last-full=false" | FileCheck %s --check-prefix=R7NOLAST
// RUN: attn-opt %attn_src/examples/kimi_linear.mlir --attn-schedule-ratio=linear-per-full=0 | FileCheck %s --check-prefix=R0
// RUN: attn-opt %attn_src/examples/kimi_linear.mlir --attn-schedule-sparsify | FileCheck %s --check-prefix=DSA
// RUN: attn-opt %attn_src/examples/kimi_linear.mlir "--attn-schedule-sparsify=topk=512 block-size=64 index-heads=0 index-dim=0" | FileCheck %s --check-prefix=DSA2
// RUN: attn-opt %attn_src/examples/kimi_linear.mlir --attn-schedule-ratio=linear-per-full=7 --attn-plan-memory=context=131072 -o /dev/null | FileCheck %s --check-prefix=MEM7
// RUN: attn-opt %attn_src/examples/kimi_linear.mlir --attn-schedule-sparsify --attn-plan-memory=context=131072 -o /dev/null | FileCheck %s --check-prefix=MEMDSA
// RUN: attn-opt %attn_src/examples/kimi_linear.mlir --attn-schedule-ratio=linear-per-full=7 --attn-expand-schedule -o /dev/null 2>&1 | FileCheck %s --check-prefix=EXPAND
// RUN: not attn-opt %attn_src/examples/kimi_linear.mlir --attn-schedule-ratio -o /dev/null 2>&1 | FileCheck %s --check-prefix=UNSET
// RUN: not attn-opt %s --attn-schedule-ratio=linear-per-full=3 -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOLIN
// RUN: not attn-opt %attn_src/examples/kimi_linear.mlir --attn-expand-schedule --attn-schedule-ratio=linear-per-full=3 -o /dev/null 2>&1 | FileCheck %s --check-prefix=EXPANDED
// RUN: not attn-opt %attn_src/examples/kimi_linear.mlir --attn-schedule-sparsify=topk=0 -o /dev/null 2>&1 | FileCheck %s --check-prefix=TOPK

// R7: attn.schedule @kimi_linear attributes {num_layers = 27 : i64} {
// R7-NEXT: attn.layer_kind @kda
// R7-NEXT: attn.layer_kind @mla
// R7-NEXT: attn.layers [@kda, @kda, @kda, @kda, @kda, @kda, @kda, @mla] x 3
// R7-NEXT: attn.layers [@kda, @kda, @mla]
// R3: attn.layers [@kda, @kda, @kda, @mla] x 6
// R3-NEXT: attn.layers [@kda, @kda, @mla]
// R7NOLAST: attn.layers [@kda, @kda, @kda, @kda, @kda, @kda, @kda, @mla] x 3
// R7NOLAST-NEXT: attn.layers [@kda] x 3
// R0: attn.schedule @kimi_linear attributes {num_layers = 27 : i64} {
// R0-NOT: @kda
// R0: attn.layers [@mla] x 27
// DSA-NOT: @mla =
// DSA: attn.layer_kind @kda
// DSA-NEXT: attn.layer_kind @mla_dsa = #attn.layer<kind = sparse, heads = 32, head_dim = 192, value_dim = 128, topk = 2048, index_heads = 64, index_dim = 128, kv_lora_rank = 512>
// DSA-NEXT: attn.layers [@kda, @kda, @kda, @mla_dsa] x 6
// DSA-NOT: @mla =
// DSA2: #attn.layer<kind = sparse, heads = 32, head_dim = 192, value_dim = 128, topk = 512, block_size = 64, kv_lora_rank = 512>
// 4 MLA layers x 128 MiB; 23 KDA layers x 2170880 B = 49930240 B.
// MEM7: total: KV cache 512.00 MiB (536870912 B), state 47.62 MiB (49930240 B)
// 7 layers x 131072 x (512 + 128) x 2 B = 1174405120 B.
// MEMDSA: @mla_dsa  x7    sparse KV cache 160.00 MiB per layer
// MEMDSA: total: KV cache 1.09 GiB (1174405120 B), state 41.41 MiB (43417600 B)
// EXPAND: schedule @kimi_linear: 27 layers -> 2 distinct kernels
// UNSET: error: attn-schedule-ratio: set linear-per-full (linear / delta layers per full-attention layer, >= 0), got -1
// NOLIN: error: 'attn.schedule' op has no linear or delta layer kind for linear-per-full = 3
// EXPANDED: error: 'attn.schedule' op is already expanded (layer_funcs is set): run attn-schedule-ratio before attn-expand-schedule
// TOPK: error: attn-schedule-sparsify: 'topk' must be in [1, 1048576] (attn.topk's k), got 0

attn.schedule @all_full attributes {num_layers = 2 : i64} {
  attn.layer_kind @f = #attn.layer<kind = full, heads = 4, head_dim = 64>
  attn.layers [@f] x 2
}
