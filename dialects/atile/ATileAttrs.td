//===- ATileAttrs.td - atile enumerations and attributes ------*- tablegen -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The decisions the tile IR records: which instruction computes a fragment
// (its layout), which engine copies a tile, and the chip (#atile.target).
//
//===----------------------------------------------------------------------===//

#ifndef ATILE_ATTRS_TD
#define ATILE_ATTRS_TD

include "mlir/IR/EnumAttr.td"
include "dialects/atile/ATileBase.td"

def ATile_Instr : I32EnumAttr<"Instr", "tensor-core instruction of a fragment", [
    // Warp-level mma.sync: m16n8k16 (bf16 / f16), m16n8k32 (e4m3 / e5m2);
    // sm_80 and newer. Each warp owns 16-row slices of the tile.
    I32EnumAttrCase<"mma_sync", 0>,
    // Hopper's warpgroup wgmma.mma_async: m64nNk16 / m64nNk32; sm_90a. Each
    // warpgroup (4 warps) owns 64-row slices of the tile.
    I32EnumAttrCase<"wgmma", 1>,
    // No tensor-core instruction: plain registers, for programs without
    // products (the decode steps of attn.linear / attn.delta). Each thread
    // holds 4 consecutive columns of some rows (16-byte f32 vectors); see
    // #atile.layout.
    I32EnumAttrCase<"simt", 2>
  ]> {
  let cppNamespace = "::mlir::atile";
  let genSpecializedAttr = 0;
}

def ATile_Operand : I32EnumAttr<"Operand", "role of a fragment in its instruction", [
    // The accumulator (C / D), rows x cols: f32 as products make it, or
    // converted (bf16 for the output store) in the same distribution.
    I32EnumAttrCase<"acc", 0>,
    // The left operand (A) held in registers: P of P V, Q of Q K^T.
    I32EnumAttrCase<"lhs", 1>,
    // One value per accumulator row, replicated over the threads that hold
    // the row (softmax statistics).
    I32EnumAttrCase<"row", 2>
  ]> {
  let cppNamespace = "::mlir::atile";
  let genSpecializedAttr = 0;
}

def ATile_CopyEngine : I32EnumAttr<"CopyEngine", "engine of a global -> shared copy", [
    // 16-byte cp.async by every thread (sm_80+), completed by
    // cp.async.wait_group.
    I32EnumAttrCase<"cp_async", 0>,
    // The tensor memory accelerator (cp.async.bulk.tensor, sm_90+), one
    // thread issuing, completed on an mbarrier.
    I32EnumAttrCase<"tma", 1>
  ]> {
  let cppNamespace = "::mlir::atile";
  let genSpecializedAttr = 0;
}

def ATile_ReduceKind : I32EnumAttr<"ReduceKind", "row reduction", [
    I32EnumAttrCase<"max", 0>,
    I32EnumAttrCase<"sum", 1>
  ]> {
  let cppNamespace = "::mlir::atile";
}

def ATile_CopyEngineAttr : EnumAttr<ATile_Dialect, ATile_CopyEngine, "engine"> {
  let assemblyFormat = "`<` $value `>`";
}

def ATile_LayoutAttr : ATile_Attr<"Layout", "layout"> {
  let summary = "how a fragment is spread over the threads of a block";
  let description = [{
    The instruction that produces or consumes the fragment, the fragment's
    role in it, and the warps that share it along its rows. With `mma_sync`
    each warp owns `rows / warps` rows (a multiple of 16: m16 tiles); with
    `wgmma` each warpgroup of 4 warps owns `rows / (warps / 4)` rows (a
    multiple of 64). Within a warp the elements follow the instruction's
    register fragment (PTX ISA, "Matrix fragments for mma.m16n8k16" and
    "wgmma register fragments"); `row` fragments hold one value per row,
    replicated over the 4 threads of a quad that share the row. An f32
    `acc` fragment of one row (`1 x cols`) is a column vector: each thread
    holds the columns its accumulator elements have (`8 n + 2 tq + e`),
    replicated over the rows.

    With `simt` (no instruction) `lanes` lanes of a warp share a row, each
    holding 4 consecutive columns (a rank-2 fragment has `4 x lanes`
    columns); a warp covers `32 / lanes` rows at a time and the warps are
    stacked below each other, so thread (warp w, lane l) holds rows
    `l / lanes + (32 / lanes) (w + warps i)` for i = 0, 1, ... and columns
    `4 (l % lanes) .. + 3`. A rank-1 (`row`) fragment holds the values of
    the thread's rows, replicated over the `lanes` lanes of a row; a
    rank-2 fragment of one row (`1 x cols`) is a column vector, replicated
    over every row position. Rows split into whole passes of
    `(32 / lanes) x warps` rows.

    Examples: `#atile.layout<wgmma, acc, warps = 8>`,
    `#atile.layout<simt, acc, warps = 4, lanes = 8>`.
  }];
  let parameters = (ins
    EnumParameter<ATile_Instr>:$instr,
    EnumParameter<ATile_Operand>:$operand,
    "int64_t":$warps,
    DefaultValuedParameter<"int64_t", "0">:$lanes);
  let assemblyFormat = "`<` $instr `,` $operand `,` `warps` `=` $warps (`,` `lanes` `=` $lanes^)? `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Rows of the fragment one warp (mma_sync) or warpgroup (wgmma) owns
    /// in a fragment of `rows` rows; 0 if `rows` does not split evenly into
    /// whole instruction tiles; 1 for a column vector (a one-row rank-2
    /// acc fragment). simt: rows per thread (1 for a column vector).
    int64_t rowsPerOwner(int64_t rows) const;
    /// simt: rows one pass of the block covers, (32 / lanes) x warps.
    int64_t rowsPerPass() const;
  }];
}

def ATile_TargetAttr : ATile_Attr<"Target", "target"> {
  let summary = "the chip a gpu.module's tile programs are compiled for";
  let description = [{
    Attached to a `gpu.module` as `atile.target`. The chip name is the key
    into attn's one table of chip facts (`attn/Target/GPU/TargetInfo.h`:
    shared memory per block, registers, wgmma, TMA, FP8 mma.sync, PTX
    version); passes over the tile IR ask it instead of comparing names.
    Unknown chips are rejected by the verifier.

    Example: `gpu.module @attn_kernels attributes {atile.target = #atile.target<"sm_90a">}`.
  }];
  let parameters = (ins StringRefParameter<"NVPTX chip name">:$chip);
  let assemblyFormat = "`<` $chip `>`";
  let genVerifyDecl = 1;
}

#endif // ATILE_ATTRS_TD
