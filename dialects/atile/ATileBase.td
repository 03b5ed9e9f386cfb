//===- ATileBase.td - atile dialect definition and bases ------*- tablegen -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The atile dialect (the tile IR, layer L1.5 of docs/design) and the base
// classes its types, attributes and ops derive from.
//
//===----------------------------------------------------------------------===//

#ifndef ATILE_BASE_TD
#define ATILE_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def ATile_Dialect : Dialect {
  let name = "atile";
  let cppNamespace = "::mlir::atile";
  let summary = "Tile-level IR for attention kernels on NVIDIA GPUs";
  let description = [{
    The tile IR sits between planned `attn` ops and NVVM. A kernel is a
    `gpu.func` whose body is a *tile program*: it moves tiles between global
    memory, shared memory and registers and computes on whole tiles, one
    thread block (CTA) at a time. Every op is collective over the threads of
    the block (or of the warp group a `atile.warp_specialize` region gives
    it); the distribution of a tile over threads is a layout, not code.

    Values:

    - `!atile.view<?x?x?x128xbf16>`: a global tensor (row-major, dynamic
      extents allowed), made from a pointer by `atile.view`;
    - `!atile.smem<2x64x128xbf16, swizzle = 128>`: a shared-memory buffer,
      the leading dimension being the pipeline stage; `atile.stage` picks one
      stage, `!atile.smem<64x128xbf16, swizzle = 128>`;
    - `!atile.frag<128x64xf32, #atile.layout<...>>`: a register tile spread
      over the threads (rank 2), or one value per row of such a tile (rank 1:
      softmax statistics). Fragments are made without a layout by
      `convert-attn-to-atile`; `atile-assign-layouts` chooses the instruction
      (mma.sync, wgmma) and records it as the layout.
    - `!atile.token`: completion of an asynchronous copy.

    Decisions are attributes: the copy engine (`cp.async` or TMA), the
    instruction of each product, the number of asynchronous products left in
    flight, warp roles and register budgets. Passes over the tile IR write
    them; lowering to NVVM reads them and never decides again. The chip's
    facts come from one place, `#atile.target` on the `gpu.module` (see
    `lib/Target/GPU/TargetInfo.cpp`).
  }];
  let useDefaultAttributePrinterParser = 1;
  let useDefaultTypePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerTypes();
    void registerAttributes();
  }];
}

class ATile_Op<string mnemonic, list<Trait> traits = []>
    : Op<ATile_Dialect, mnemonic, traits>;

class ATile_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<ATile_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

class ATile_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<ATile_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

#endif // ATILE_BASE_TD
