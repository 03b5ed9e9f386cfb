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
      kernel's warps and one product instruction for the kernel: `wgmma`
      (m64nNk16 per warpgroup) where the chip has it (sm_90a) and every
      product fits it (64 rows a warpgroup, whole warpgroups, bf16 / f16,
      N <= 256, shared operands in the 128-byte swizzle with rows of whole
      128-byte spans), else `mma_sync` (m16n8k16 per warp);
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
  let options = [
    Option<"wgmma", "wgmma", "bool", /*default=*/"true",
           "Use wgmma where the chip and the products allow it (false: "
           "mma_sync everywhere)">
  ];
}

def ATilePipelinePass : Pass<"atile-pipeline", "mlir::gpu::GPUModuleOp"> {
  let summary = "Software-pipeline the copies of tile loops over their stages";
  let description = [{
    Consumes the stage count planned by attn-tile (`#attn.tile stages`, the
    leading dimension of the staged buffers): in an `scf.for` (from 0, step
    1) whose copies fill `atile.stage %buf[%j mod stages]`, the copy of
    iteration `j + d` is issued during iteration `j`, with `d = max(1,
    stages - 1)`:

    - with 2 or more stages, at the top of the iteration (its stage was last
      read an iteration before), `d` iterations ahead;
    - with 1 stage, right after the last op of the iteration that reads the
      buffer (K of iteration j + 1 is fetched once Q K_j^T has read K_j,
      while the softmax runs; V of j + 1 after P V_j): FlashAttention-2's
      one-stage schedule.

    Copies placed at the same point keep their order in the loop. The
    first `d` iterations' copies move before the loop, in the order the
    loop issues them (which need not be their order in the original body:
    f32's bf16 halves are written hi K, hi V, lo K, lo V, but both K halves
    are fetched first); waits inside the loop become `atile.wait {pending =
    N}` with N the copies issued after the awaited one (counted in the
    steady state, which the prologue reproduces); a `atile.wait {pending = 0}` after the loop drains the
    copies issued for iterations past the end (they read nothing past the
    views' rows: zero fill). Copies past the loop's last iteration are not
    guarded: they fetch at most `d` tiles a block that nobody reads.

    Loops of another shape (a stage index that is not `j mod stages`, copy
    tokens used by more than waits, operands computed by ops with side
    effects) are left as they are: correct, unpipelined.
  }];
  let dependentDialects = ["mlir::atile::ATileDialect",
                           "mlir::arith::ArithDialect"];
}

def ATileWarpSpecializePass
    : Pass<"atile-warp-specialize", "mlir::gpu::GPUModuleOp"> {
  let summary = "Split tile programs into a TMA producer and consumer warpgroups";
  let description = [{
    On chips with wgmma and setmaxnreg (sm_90a), a kernel whose fragments
    are all wgmma fragments of 64 rows per warpgroup (1 or 2 warpgroups) and
    whose loops copy tiles from views with a TMA descriptor into staged
    buffers (`atile.stage %buf[%seq mod stages]`, 2 or more stages) becomes
    an `atile.warp_specialize`:

    - the producer (4 more warps, one thread issuing; 24 registers a
      thread with two consumers) replays the program's copies from those
      views in program order, each as `atile.acquire %buf[%seq]` then the
      copy with `engine = tma` (the loops around them cloned without their
      other work);
    - each consumer warpgroup (240 registers a thread with two consumers;
      with one, the block's 256 threads may each hold 255 and no registers
      move) runs the rest of the program on its 64 rows: each wait for
      such a copy becomes `atile.await %buf[%seq]` and an `atile.release
      %buf[%seq]` follows the last read of the tile (the wait of an
      asynchronous product reading it); the rows
      of masks, stores and the remaining copies (the queries, copied by each
      consumer into its own stage of their buffer) are offset by 64 x the
      consumer's index.

    The views, buffers and scalar arithmetic before the program's first copy
    stay above the op; the block grows by the producer's 4 warps. Programs
    of another shape are left as they are (every warp a consumer, cp.async).
    With two consumers and `pingpong`, each run of asynchronous products
    in the consumer region is bracketed by `atile.turn_acquire` /
    `atile.turn_release`: the consumers issue their products in turn, one
    warpgroup's softmax running under the other's products
    (FlashAttention-3's ping-pong).

    Runs after atile-assign-layouts (it reads the wgmma layouts) and before
    atile-pipeline (which leaves the producer's loops alone: the rings
    pipeline them).
  }];
  let dependentDialects = ["mlir::atile::ATileDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::scf::SCFDialect"];
  let options = [
    Option<"pingpong", "pingpong", "bool", /*default=*/"true",
           "Two consumers take turns issuing their products (on an H200 "
           "-1..+6% over the overlapped loop alone in one run, "
           "bench/RESULTS.md; FlashAttention-3's default)">
  ];
}

#endif // ATTN_ATILE_PASSES_TD
