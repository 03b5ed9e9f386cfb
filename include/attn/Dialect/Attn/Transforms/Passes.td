//===- Passes.td - attn dialect passes ------------------------*- tablegen -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Declarations of the attn passes: flags, options, docs. One pass per file
// under lib/Dialect/Attn/Transforms, named after its flag.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_TD
#define ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def AttnPrintSchedulePass : Pass<"attn-print-schedule", "mlir::ModuleOp"> {
  let summary = "Print a readable summary of every attn.schedule";
  let description = [{
    For each `attn.schedule` in the module, prints to standard output its
    layer count, each layer kind with its count and configuration, the
    layer map (one letter per layer: `F` full, `S` sparse, `L` linear, `D`
    delta) and the 1-based positions of the full/sparse layers, the form in
    which model configs usually state them. The IR is not changed.

    Example output:
    ```
    schedule @kimi_linear: 27 layers, 2 kinds (linear:full = 20:7)
      @kda  x20  delta heads=32 value_heads=32 head_dim=128 value_dim=128 gate=vector conv=4
      @mla  x7   full heads=32 kv_heads=1 head_dim=192 value_dim=128 kv_lora_rank=512
      map: DDDF DDDF DDDF DDDF DDDF DDDF DDF
      softmax layers (1-based): 4, 8, 12, 16, 20, 24, 27
    ```
  }];
}

#endif // ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_TD
