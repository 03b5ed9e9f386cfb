//===- Passes.td - passes over the tile IR --------------------*- tablegen -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Schedule decisions over atile programs, one pass (and file) per flag.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_ATILE_PASSES_TD
#define ATTN_ATILE_PASSES_TD

include "mlir/Pass/PassBase.td"

def ATileAssignLayoutsPass
    : Pass<"atile-assign-layouts", "mlir::gpu::GPUModuleOp"> {
  let summary = "Choose the instruction of every product and copy; record it as layouts";
  let description = [{
    Reads the gpu.module's `#atile.target` and each kernel's block size
    (`known_block_size`, 32 x warps threads) and records, where the program
    has not set them already:

    - the layout of every fragment: `row` for rank-1 fragments, `acc` for
      f32 rank-2 fragments, `lhs` for 16-bit and FP8 ones, all with the
      kernel's warps and the chip's product instruction (`mma_sync`: m16n8k16
      per warp, the one the NVVM lowering of the tile IR emits today; sm_90a's
      wgmma follows with its lowering);
    - the engine of every copy (`cp_async`).

    A left operand in shared memory stays there (mma_sync reads it by
    ldmatrix at each product): holding Q in registers across the KV loop
    costs 32 registers a thread at D = 128 and made the 64 x 64 tile spill
    (ptxas, sm_90a).

    Layouts already present are kept (a user may set them); a fragment whose
    rows do not split into whole instruction tiles over the warps is a
    located error.
  }];
  let dependentDialects = ["mlir::atile::ATileDialect"];
}

#endif // ATTN_ATILE_PASSES_TD
