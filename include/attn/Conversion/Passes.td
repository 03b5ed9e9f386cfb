//===- Passes.td - attn conversion passes ---------------------*- tablegen -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Passes that lower planned attn ops to kernels: loops over buffers for the
// CPU backend (and, later, gpu.module kernels for NVVM).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_CONVERSION_PASSES_TD
#define ATTN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertAttnToCPUPass : Pass<"convert-attn-to-cpu", "mlir::ModuleOp"> {
  let summary = "Lower planned attn ops to the CPU form of their kernels";
  let description = [{
    Replaces every attn op by the loop nest of its algorithm, on buffers
    (`bufferization.to_buffer` of the operands, `memref.alloc` results
    wrapped back with `bufferization.to_tensor`), at the op's position:

    - `attn.full`: FlashAttention-style online softmax over KV tiles of the
      op's `#attn.tile` (the T x S score matrix is never formed: one q-tile x
      kv-tile block of scores at a time, running max and sum in f32);
    - `attn.sparse`: the same online softmax over the selected keys;
    - `attn.indexer`, `attn.topk`: tiled scores, then per-query selection;
    - `attn.linear`, `attn.delta`: the chunked form of `#attn.chunk`
      (intra-chunk WY/UT transform for the delta rule, log-space
      cumulative gates, an f32 state scan across chunks), or the recurrent
      form when `form = recurrent`.

    Lowering consumes the plan and never decides: an op without its plan
    (`tile`, or `form` and, for the chunked form, `chunk`) is an error that
    names the pass to run. Head dimensions must be static. Scratch buffers
    live in a `memref.alloca_scope` around each kernel. `attn.schedule` ops
    are declarations and are removed.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::math::MathDialect",
    "mlir::memref::MemRefDialect", "mlir::scf::SCFDialect",
    "mlir::bufferization::BufferizationDialect"
  ];
}

#endif // ATTN_CONVERSION_PASSES_TD
