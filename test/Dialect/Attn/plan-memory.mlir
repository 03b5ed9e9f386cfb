// attn-plan-memory against hand-computed figures.
//
// Kimi-Linear (examples/kimi_linear.mlir), context 131072, bf16:
//   MLA layer: latent 512 x 2 B x 131072 = 134217728 B (128 MiB); x7 = 939524096 B.
//   KDA layer: 32 x 128 x 128 x 4 = 2097152 B state + conv (4 - 1) x
//   (2 x 32 x 128 + 32 x 128) x 2 B = 73728 B -> 2170880 B; x20 = 43417600 B.
//   State = KV of the 20 KDA layers as MLA at 43417600 / (20 x 1024) = 2120 tokens.
// Qwen3-Next (examples/configs/qwen3_next.json), context 262144, batch 2:
//   full layer: 2 KV heads x (256 + 256) x 2 B = 2048 B/token x 262144 x 2 =
//   1073741824 B; x12 = 12884901888 B.
//   GDN layer: 32 x 128 x 128 x 4 = 2097152 + 3 x (2 x 16 x 128 + 32 x 128) x 2
//   = 49152 -> 2146304 B x 2 sequences = 4292608 B; x36 = 154533888 B.
// Gemma 3 style (examples/configs/gemma3_layer_types.json), context 4096: a
//   sliding layer caches 1024 tokens x 1 KV head x (256 + 256) x 2 B = 1 MiB,
//   a full one 4096 tokens = 4 MiB; prefill of the full layer 2 x 4 heads x
//   512 x 4096 x 4097 / 2 = 3.44e10 FLOPs.
// RUN: attn-opt %attn_src/examples/kimi_linear.mlir "--attn-plan-memory=context=131072 json-out=%t.kimi.json" -o /dev/null | FileCheck %s --check-prefix=KIMI
// RUN: FileCheck %s --check-prefix=KIMI-JSON < %t.kimi.json
// RUN: attn-translate --import-hf-config %attn_src/examples/configs/qwen3_next.json | attn-opt "--attn-plan-memory=context=262144 batch=2 json-out=%t.qwen.json" -o /dev/null | FileCheck %s --check-prefix=QWEN
// RUN: FileCheck %s --check-prefix=QWEN-JSON < %t.qwen.json
// RUN: attn-opt %attn_src/examples/kimi_linear.mlir "--attn-plan-memory=context=131072 kv-dtype=fp8" -o /dev/null | FileCheck %s --check-prefix=FP8
// RUN: attn-translate --import-hf-config %attn_src/examples/configs/gemma3_layer_types.json | attn-opt "--attn-plan-memory=context=4096" -o /dev/null | FileCheck %s --check-prefix=SWA
// RUN: not attn-opt %attn_src/examples/kimi_linear.mlir --attn-plan-memory=kv-dtype=int3 -o /dev/null 2>&1 | FileCheck %s --check-prefix=DTYPE
// RUN: not attn-opt %attn_src/examples/kimi_linear.mlir --attn-plan-memory=context=0 -o /dev/null 2>&1 | FileCheck %s --check-prefix=CTX
// RUN: not attn-opt %s --attn-plan-memory=json-out=%t.two.json -o /dev/null 2>&1 | FileCheck %s --check-prefix=TWO

// KIMI: memory plan @kimi_linear: 27 layers, context 131072, batch 1, kv-dtype bf16
// KIMI-NEXT: @kda  x20   delta  state 2.07 MiB per layer
// KIMI-NEXT: @mla  x7    full   KV cache 128.00 MiB per layer
// KIMI-NEXT: total: KV cache 896.00 MiB (939524096 B), state 41.41 MiB (43417600 B)
// KIMI: all-full counterpart: KV cache 3.38 GiB (3623878656 B), state 0 B (0 B)
// KIMI: state equals the KV cache of the same layers as full attention at context 2120
// KIMI-JSON-DAG: "kv_cache_bytes": 939524096,
// KIMI-JSON-DAG: "state_bytes": 43417600,
// KIMI-JSON-DAG: "state_equals_kv_context": 2120,
// KIMI-JSON-DAG: "num_layers": 27,
// QWEN: memory plan @qwen3_next: 48 layers, context 262144, batch 2, kv-dtype bf16
// QWEN: total: KV cache 12.00 GiB (12884901888 B), state 147.38 MiB (154533888 B)
// QWEN-JSON-DAG: "kv_cache_bytes": 12884901888,
// QWEN-JSON-DAG: "state_bytes": 154533888,
// FP8: total: KV cache 448.00 MiB (469762048 B), state 40.70 MiB (42680320 B)
// SWA: @sliding  x22   full   KV cache 1.00 MiB per layer, prefill 1.5e+10 FLOPs
// SWA-NEXT: @full     x4    full   KV cache 4.00 MiB per layer, prefill 3.44e+10 FLOPs
// DTYPE: error: attn-plan-memory: unknown kv-dtype 'int3' (bf16, f16, f32, fp8, e4m3, e5m2)
// CTX: error: attn-plan-memory: context and batch must be positive, got context = 0, batch = 1
// TWO: error: attn-plan-memory: json-out needs a module with exactly one attn.schedule, found 2

attn.schedule @a attributes {num_layers = 1 : i64} {
  attn.layer_kind @f = #attn.layer<kind = full, heads = 4, head_dim = 64>
  attn.layers [@f]
}
attn.schedule @b attributes {num_layers = 1 : i64} {
  attn.layer_kind @f = #attn.layer<kind = full, heads = 4, head_dim = 64>
  attn.layers [@f]
}
