//===- ATileTypes.td - atile types ----------------------------*- tablegen -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Global views, staged shared buffers, register fragments and copy tokens.
//
//===----------------------------------------------------------------------===//

#ifndef ATILE_TYPES_TD
#define ATILE_TYPES_TD

include "dialects/atile/ATileAttrs.td"
include "mlir/IR/BuiltinTypeInterfaces.td"

def ATile_ViewType : ATile_Type<"View", "view"> {
  let summary = "a row-major tensor in global memory";
  let description = [{
    A global tensor as a kernel sees it: its element type and extents
    (`?` = a runtime size given to `atile.view`), row-major and contiguous.
    Copies and stores address it by whole rows of its last dimension.

    Example: `!atile.view<?x?x?x128xbf16>` (a `[B, T, H, D]` activation).
  }];
  let parameters = (ins
    ArrayRefParameter<"int64_t">:$shape,
    "::mlir::Type":$elementType);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    int64_t getRank() const { return getShape().size(); }
    int64_t getNumDynamicDims() const;
  }];
}

def ATile_SmemType : ATile_Type<"Smem", "smem"> {
  let summary = "a shared-memory buffer or one stage of it";
  let description = [{
    Rank 3 (`stages x rows x cols`): a buffer made by `atile.alloc`, one tile
    per pipeline stage. Rank 2 (`rows x cols`): one stage, from
    `atile.stage`, what copies fill and products read. `swizzle` is the
    XOR-swizzle span in bytes (0, 32, 64 or 128; the TMA / wgmma names):
    16-byte chunk `c` of row `r` lives at chunk `c ^ (r % (swizzle / 16))`
    so that ldmatrix and wgmma read without bank conflicts. Rows hold whole
    swizzle spans.

    Example: `!atile.smem<2x128x128xbf16, swizzle = 128>`.
  }];
  let parameters = (ins
    ArrayRefParameter<"int64_t">:$shape,
    "::mlir::Type":$elementType,
    "int64_t":$swizzle);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    int64_t getRank() const { return getShape().size(); }
    int64_t getRows() const { return getShape()[getRank() - 2]; }
    int64_t getCols() const { return getShape()[getRank() - 1]; }
    /// Bytes of one stage (rows x cols elements).
    int64_t getStageBytes() const;
    /// A wgmma operand as the tile IR lowers it: bf16 / f16 / 8-bit in the
    /// 128-byte swizzle with rows of whole 128-byte spans (the canonical
    /// K-major / MN-major layout a descriptor describes; 8-bit operands are
    /// K-major only, which the product checks).
    bool isWgmmaOperand() const;
  }];
}

def ATile_FragType : ATile_Type<"Frag", "frag"> {
  let summary = "a register tile spread over the threads of a block";
  let description = [{
    Rank 2 (`rows x cols`): a tile of scores, probabilities, an output
    accumulator or an operand. Rank 1 (`rows`): one value per row of such a
    tile (running max, running sum, rescale factors). The layout says which
    thread holds which element; it is absent until `atile-assign-layouts`
    chooses it, and lowering to NVVM requires it.

    Example: `!atile.frag<128x64xf32, #atile.layout<mma_sync, acc, warps = 8>>`.
  }];
  let parameters = (ins
    ArrayRefParameter<"int64_t">:$shape,
    "::mlir::Type":$elementType,
    OptionalParameter<"::mlir::atile::LayoutAttr">:$layout);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let builders = [
    TypeBuilderWithInferredContext<(ins "::llvm::ArrayRef<int64_t>":$shape,
        "::mlir::Type":$elementType,
        CArg<"::mlir::atile::LayoutAttr", "{}">:$layout), [{
      return $_get(elementType.getContext(), shape, elementType, layout);
    }]>
  ];
  let skipDefaultBuilders = 1;
  let extraClassDeclaration = [{
    int64_t getRank() const { return getShape().size(); }
    int64_t getRows() const { return getShape()[0]; }
    /// The same fragment with another element type (layout kept).
    FragType withElementType(::mlir::Type elem) const;
    /// The same fragment with another layout.
    FragType withLayout(::mlir::atile::LayoutAttr layout) const;
  }];
}

def ATile_TokenType : ATile_Type<"Token", "token"> {
  let summary = "completion of an asynchronous copy";
  let description = [{
    Produced by `atile.copy`, consumed by `atile.wait`: the copied tile may
    be read once the wait that names its token has run.
  }];
}

#endif // ATILE_TYPES_TD
