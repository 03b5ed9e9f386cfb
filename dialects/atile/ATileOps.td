//===- ATileOps.td - atile operations -------------------------*- tablegen -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The tile program's ops: views and buffers, copies, products, row
// reductions, elementwise maps, masks, the online softmax, quantisation and
// warp specialisation. Every op is collective over the thread block (or the
// warps of the atile.warp_specialize region it is in).
//
//===----------------------------------------------------------------------===//

#ifndef ATILE_OPS_TD
#define ATILE_OPS_TD

include "dialects/atile/ATileTypes.td"
include "mlir/Dialect/LLVMIR/LLVMOpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/IR/RegionKindInterface.td"

// The types themselves are the constraints; a token is buildable.
defvar ATile_View = ATile_ViewType;
defvar ATile_Smem = ATile_SmemType;
defvar ATile_Frag = ATile_FragType;
defvar ATile_Token = ATile_TokenType;

//===----------------------------------------------------------------------===//
// Memory
//===----------------------------------------------------------------------===//

def ATile_ViewOp : ATile_Op<"view", [Pure, AttrSizedOperandSegments]> {
  let summary = "a global view of a kernel's pointer argument";
  let description = [{
    Views the memory at `ptr` (a generic or global pointer: address space 0
    or 1) as a row-major tensor of the result type; one `sizes` operand per
    `?` extent, in order.

    With `tensormap`, the kernel also received a TMA descriptor of the same
    tensor (a `CUtensorMap` passed by value: an `!llvm.ptr` kernel argument
    with `llvm.byval`), laid out for boxes of one 128-byte column block of
    whole rows (dimensions innermost first, a box of one along every
    dimension but the rows and columns): copies from the view may then use
    the `tma` engine. The launcher encodes it (the manifest's `tensormaps`).

    ```mlir
    %q = atile.view %arg0[%B, %T, %H] : !llvm.ptr<1> -> !atile.view<?x?x?x128xbf16>
    %k = atile.view %arg1[%B, %S, %Hkv] tensormap(%arg9 : !llvm.ptr) : !llvm.ptr<1> -> !atile.view<?x?x?x128xbf16>
    ```
  }];
  let arguments = (ins LLVM_AnyPointer:$ptr, Variadic<I64>:$sizes,
                   Optional<LLVM_AnyPointer>:$tensormap);
  let results = (outs ATile_View:$result);
  let assemblyFormat = [{
    $ptr `[` $sizes `]` (`tensormap` `(` $tensormap^ `:` qualified(type($tensormap)) `)`)? attr-dict `:` qualified(type($ptr)) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
  let builders = [
    // A view without a TMA descriptor.
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$ptr,
                   "::mlir::ValueRange":$sizes), [{
      build($_builder, $_state, result, ptr, sizes, ::mlir::Value());
    }]>
  ];
}

def ATile_GatherOp : ATile_Op<"gather", [Pure]> {
  let summary = "a view whose rows are selected through an index table";
  let description = [{
    Views `src` with its dimension `dim` indirected through the entries of
    an index table: position `n` along `dim` of the result is row
    `key(n) = e * block + n mod block` of `src`, where `e =
    indices[offsets..., n floordiv block]` (`indices` is an i32 view whose
    last dimension lists the entries; `offsets` fix its other dimensions).
    The result's extent along `dim` is the entry count times `block`; the
    other dimensions are `src`'s.

    Position `n` is absent when its entry is negative or `key(n) >= bound`
    (and past the last entry): `atile.copy` fills absent rows with zeros and
    `atile.mask` with `gathered` masks their columns. This is sparse
    attention's key set: the keys one query selected (DSA top-k: `block =
    1`; NSA / MoBA blocks of keys), `bound` the keys it may see (S, or its
    position + 1 when causal).

    Copies from a gathered view use cp.async (no TMA: each row has its own
    address); every thread reads the entries of the rows it copies.

    ```mlir
    %g = atile.gather %k by %idx[%b, %t, %hk] dim 1 block 1 bound %S
        : !atile.view<?x?x?x128xbf16>, !atile.view<?x?x?x?xi32>
        -> !atile.view<?x?x?x128xbf16>
    ```
  }];
  let arguments = (ins ATile_View:$src, ATile_View:$indices,
                   Variadic<Index>:$offsets, Index:$bound,
                   ConfinedAttr<I64Attr, [IntMinValue<0>]>:$dim,
                   ConfinedAttr<I64Attr, [IntMinValue<1>]>:$block);
  let results = (outs ATile_View:$result);
  let assemblyFormat = [{
    $src `by` $indices `[` $offsets `]` `dim` $dim `block` $block `bound` $bound attr-dict `:` qualified(type($src)) `,` qualified(type($indices)) `->` qualified(type($result))
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Value":$src, "::mlir::Value":$indices,
                   "::mlir::ValueRange":$offsets, "::mlir::Value":$bound,
                   "int64_t":$dim, "int64_t":$block), [{
      auto t = ::llvm::cast<ViewType>(src.getType());
      ::llvm::SmallVector<int64_t> shape(t.getShape());
      shape[dim] = ::mlir::ShapedType::kDynamic;
      build($_builder, $_state,
            ViewType::get($_builder.getContext(), shape, t.getElementType()),
            src, indices, offsets, bound, $_builder.getI64IntegerAttr(dim),
            $_builder.getI64IntegerAttr(block));
    }]>
  ];
  let hasVerifier = 1;
}

def ATile_AllocOp : ATile_Op<"alloc"> {
  let summary = "a shared-memory buffer of the block";
  let description = [{
    One buffer of `stages x rows x cols` elements in the block's shared
    memory, live for the whole kernel. Lowering places the buffers of a
    kernel one after another (1024-byte aligned: the 128-byte swizzle's
    period) and checks the total against the target's limit.

    ```mlir
    %k = atile.alloc : !atile.smem<2x64x128xbf16, swizzle = 128>
    ```
  }];
  let results = (outs ATile_Smem:$result);
  let assemblyFormat = "attr-dict `:` qualified(type($result))";
  let hasVerifier = 1;
}

def ATile_StageOp : ATile_Op<"stage", [Pure]> {
  let summary = "one pipeline stage of a shared buffer";
  let description = [{
    The `index`-th `rows x cols` tile of a staged buffer (0 <= index <
    stages; out-of-range indices are undefined behaviour).

    ```mlir
    %k0 = atile.stage %k[%i] : !atile.smem<2x64x128xbf16, swizzle = 128> -> !atile.smem<64x128xbf16, swizzle = 128>
    ```
  }];
  let arguments = (ins ATile_Smem:$buffer, Index:$index);
  let results = (outs ATile_Smem:$result);
  let assemblyFormat =
      "$buffer `[` $index `]` attr-dict `:` qualified(type($buffer)) `->` qualified(type($result))";
  let hasVerifier = 1;
  let builders = [
    // The stage type follows from the buffer's.
    OpBuilder<(ins "::mlir::Value":$buffer, "::mlir::Value":$index), [{
      auto t = ::llvm::cast<SmemType>(buffer.getType());
      build($_builder, $_state,
            SmemType::get($_builder.getContext(), t.getShape().drop_front(),
                          t.getElementType(), t.getSwizzle()),
            buffer, index);
    }]>
  ];
}

def ATile_SubtileOp : ATile_Op<"subtile", [Pure]> {
  let summary = "a block of whole swizzle spans of a tile's columns";
  let description = [{
    Columns `[index * cols, (index + 1) * cols)` of a rank-2 tile as a tile
    of their own: with a swizzle, `cols` spans whole column blocks of the
    swizzle span (a column block of a swizzled tile is contiguous, `rows x
    span` bytes), so the result is a tile in the same swizzle. Lets a
    program loop over a wide tile's columns in blocks, holding one block's
    fragments at a time.

    ```mlir
    %k1 = atile.subtile %k0[%j] {cols = 64} : !atile.smem<64x128xbf16, swizzle = 128> -> !atile.smem<64x64xbf16, swizzle = 128>
    ```
  }];
  let arguments = (ins ATile_Smem:$tile, Index:$index,
                   ConfinedAttr<I64Attr, [IntMinValue<1>]>:$cols);
  let results = (outs ATile_Smem:$result);
  let assemblyFormat =
      "$tile `[` $index `]` attr-dict `:` qualified(type($tile)) `->` qualified(type($result))";
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "::mlir::Value":$tile, "::mlir::Value":$index,
                   "int64_t":$cols), [{
      auto t = ::llvm::cast<SmemType>(tile.getType());
      build($_builder, $_state,
            SmemType::get($_builder.getContext(), {t.getRows(), cols},
                          t.getElementType(), t.getSwizzle()),
            tile, index, $_builder.getI64IntegerAttr(cols));
    }]>
  ];
}

def ATile_CopyOp : ATile_Op<"copy"> {
  let summary = "asynchronous copy of rows of a global view into shared memory";
  let description = [{
    Copies `rows` consecutive rows of the view into the tile `dst` and
    returns a token; `atile.wait` on the token makes the tile readable.

    The view's last dimension is the tile's columns (whole rows: `dst`'s
    cols equal it, so it must be static). The dimensions listed in `rows`
    (ascending, not the last) are flattened, row-major, into the tile's rows,
    starting at the linear index `row`; every other dimension is fixed by
    one `offsets` operand, in order. Rows past the end of the flattened
    dimensions, and absent rows of an `atile.gather` view, are filled with
    zeros.

    Flattening expresses GQA packing: with Q viewed as `[B, T, Hkv, G, D]`,
    `rows = [1, 3]` makes tile row `i` the query `(t, g) = divmod(row + i,
    G)` of KV head `offsets[1]`, so the G query heads that share a KV head
    fill the tile's rows together.

    `engine` (cp.async or TMA) is chosen by `atile-assign-layouts` when
    absent.

    ```mlir
    %t = atile.copy %k[%b, %hk] rows %kv0 -> %k0 {rows = array<i64: 1>}
        : !atile.view<?x?x?x128xbf16> -> !atile.smem<64x128xbf16, swizzle = 128>
    ```
  }];
  let arguments = (ins ATile_View:$src, Variadic<Index>:$offsets, Index:$row,
                   ATile_Smem:$dst, DenseI64ArrayAttr:$rows,
                   OptionalAttr<ATile_CopyEngineAttr>:$engine);
  let results = (outs ATile_Token:$token);
  let builders = [
    // A copy whose engine atile-assign-layouts will choose.
    OpBuilder<(ins "::mlir::Value":$src, "::mlir::ValueRange":$offsets,
                   "::mlir::Value":$row, "::mlir::Value":$dst,
                   "::llvm::ArrayRef<int64_t>":$rows), [{
      build($_builder, $_state, TokenType::get($_builder.getContext()), src,
            offsets, row, dst, $_builder.getDenseI64ArrayAttr(rows),
            CopyEngineAttr());
    }]>
  ];
  let assemblyFormat = [{
    $src `[` $offsets `]` `rows` $row `->` $dst attr-dict `:` qualified(type($src)) `->` qualified(type($dst))
  }];
  let hasVerifier = 1;
}

def ATile_WaitOp : ATile_Op<"wait"> {
  let summary = "wait for asynchronous copies";
  let description = [{
    Blocks the block until copies have landed and are visible to every
    thread (a barrier included). With tokens: the copies that made them
    (and every copy issued before them). With `pending = N` and no tokens
    (what `atile-pipeline` writes when copies run ahead of their use across
    loop iterations): every copy but the `N` issued last.

    ```mlir
    atile.wait %t0, %t1
    atile.wait {pending = 1}
    ```
  }];
  let arguments = (ins Variadic<ATile_Token>:$tokens,
                   OptionalAttr<ConfinedAttr<I64Attr, [IntMinValue<0>]>>:$pending);
  let assemblyFormat = "($tokens^)? attr-dict";
  let builders = [
    OpBuilder<(ins "::mlir::ValueRange":$tokens), [{
      build($_builder, $_state, tokens, ::mlir::IntegerAttr());
    }]>,
    OpBuilder<(ins "int64_t":$pending), [{
      build($_builder, $_state, ::mlir::ValueRange(),
            $_builder.getI64IntegerAttr(pending));
    }]>
  ];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Rings: staged buffers shared by a producer and consumers
//===----------------------------------------------------------------------===//

// The fills of a staged buffer (`atile.alloc` of S stages) form a ring:
// fill `seq` goes into stage `seq mod S`. Inside `atile.warp_specialize`,
// the producer acquires a slot before copying into it and the consumers
// await the fill before reading it and release it after; lowering gives
// each stage a "full" and an "empty" mbarrier, the phase of fill `seq`
// being `(seq / S) mod 2`.

class ATile_RingOp<string mnemonic, string summaryText, string what>
    : ATile_Op<mnemonic> {
  let summary = summaryText;
  let description = what;
  let arguments = (ins ATile_Smem:$buffer, Index:$seq);
  let assemblyFormat =
      "$buffer `[` $seq `]` attr-dict `:` qualified(type($buffer))";
  let hasVerifier = 1;
}

def ATile_AcquireOp : ATile_RingOp<"acquire", "wait until a ring slot is free", [{
    In the producer region: waits until the consumers released fill `seq -
    stages` of the slot `seq mod stages` (at once for the first `stages`
    fills), so that fill `seq` may be copied into it. A TMA copy into the
    slot then completes the slot's "full" barrier.

    ```mlir
    atile.acquire %k[%j] : !atile.smem<2x128x128xbf16, swizzle = 128>
    ```
  }]>;

def ATile_AwaitOp : ATile_RingOp<"await", "wait until a ring fill has landed", [{
    In a consumer region: waits until fill `seq` of slot `seq mod stages`
    has landed (the producer's TMA copy completed the slot's "full"
    barrier); the tile is then readable, by wgmma too.

    ```mlir
    atile.await %k[%j] : !atile.smem<2x128x128xbf16, swizzle = 128>
    ```
  }]>;

def ATile_ReleaseOp : ATile_RingOp<"release", "hand a ring slot back to the producer", [{
    In a consumer region: this consumer has read fill `seq` of slot `seq
    mod stages` for the last time (products reading it have completed);
    once every consumer warp released it, the producer may refill it.

    ```mlir
    atile.release %k[%j] : !atile.smem<2x128x128xbf16, swizzle = 128>
    ```
  }]>;

def ATile_TurnAcquireOp : ATile_Op<"turn_acquire"> {
  let summary = "wait for this consumer's turn to issue products";
  let description = [{
    Ping-pong between the two consumer warpgroups of an
    `atile.warp_specialize` (FlashAttention-3): the products a consumer
    issues between `atile.turn_acquire` and `atile.turn_release` are issued
    while the other consumer runs its softmax, and the two take turns
    (consumer 0 first). Every consumer passes the same number of turns.
    Lowered to named barriers (`bar.sync` on this consumer's, `bar.arrive`
    on the other's).

    ```mlir
    atile.turn_acquire
    %s = atile.mma %q, %k {async, transpose_rhs} : ...
    %o = atile.mma %p, %v, %acc {async} : ...
    atile.turn_release
    ```
  }];
  let assemblyFormat = "attr-dict";
  let hasVerifier = 1;
}

def ATile_TurnReleaseOp : ATile_Op<"turn_release"> {
  let summary = "hand the turn to issue products to the other consumer";
  let description = [{
    Ends the turn `atile.turn_acquire` began (see there).
  }];
  let assemblyFormat = "attr-dict";
  let hasVerifier = 1;
}

def ATile_LoadOp : ATile_Op<"load"> {
  let summary = "shared tile -> register fragment";
  let description = [{
    Reads a shared tile into a fragment of the same shape and element type
    (ldmatrix for 16-bit product operands; 8-byte loads for f32 `acc`
    fragments), or row `row` (default 0) of an f32 tile into a column
    vector (`1 x cols`, accumulator layouts). A `1 x R` f32 tile also loads
    as an `R` rows fragment (element `i` from column `i`: the transpose of
    its column vector), and element (`row`, `col`) of an f32 tile as an f32
    scalar, the same in every thread.

    With `transpose`, a 16-bit `rows x cols` tile becomes the f32 `cols x
    rows` accumulator fragment of its transpose (widened; ldmatrix.trans;
    mma_sync or wgmma layouts): U^T of the chunked delta rule's
    `V_new^T = U^T - S^T W^T`, with the state held transposed.

    ```mlir
    %qf = atile.load %q0 : !atile.smem<64x128xbf16, swizzle = 128> -> !atile.frag<64x128xbf16>
    %ut = atile.load %u0 {transpose} : !atile.smem<64x32xbf16, swizzle = 64> -> !atile.frag<32x64xf32>
    %bc = atile.load %g0 {row = 63} : !atile.smem<64x128xf32, swizzle = 128> -> !atile.frag<1x128xf32>
    %bi = atile.load %b : !atile.smem<1x64xf32> -> !atile.frag<64xf32>
    %bl = atile.load %b {col = 63} : !atile.smem<1x64xf32> -> f32
    ```
  }];
  let arguments = (ins ATile_Smem:$src, UnitAttr:$transpose,
                   DefaultValuedAttr<ConfinedAttr<I64Attr, [IntMinValue<0>]>, "0">:$row,
                   DefaultValuedAttr<ConfinedAttr<I64Attr, [IntMinValue<0>]>, "0">:$col);
  let results = (outs AnyTypeOf<[F32, ATile_Frag]>:$result);
  let assemblyFormat = "$src attr-dict `:` qualified(type($src)) `->` qualified(type($result))";
  let hasVerifier = 1;
}

def ATile_StoreOp : ATile_Op<"store", [AttrSizedOperandSegments]> {
  let summary = "register fragment -> rows of a global view";
  let description = [{
    Writes the fragment's rows into the view, addressed as by `atile.copy`
    (`rows` flattened from the listed dimensions starting at `row`, other
    dimensions fixed by `offsets`). A rank-2 fragment writes whole rows of
    the view's last dimension; a rank-1 fragment writes one element per row
    (every dimension but the `offsets` ones is a row dimension). Rows past
    the end are not written. Element types must match (convert first).

    With `transpose`, a rank-2 fragment is written as its transpose (mma_sync
    or wgmma layouts): column `j` of the fragment goes to row `row + j` of
    the view, whose last extent is the fragment's rows (O^T and S^T of the
    chunked scan, which keeps value columns in the fragment's rows). Such a
    store writes 2 or 4 bytes at a time.

    With `via`, a rank-2 16-bit fragment goes through the shared tile
    `staging` (as many rows, at least as many columns, the same element
    type; nothing else may use it from here on, and every product that read
    it must have completed): the threads write their registers into it and
    the rows leave it as 16-byte chunks, consecutive threads on consecutive
    chunks of a row, instead of one 4-byte store per register pair.

    ```mlir
    atile.store %o -> %out[%b, %hk] rows %row0 {rows = array<i64: 1, 3>}
        : !atile.frag<128x128xbf16> -> !atile.view<?x?x?x?x128xbf16>
    atile.store %o -> %out[%b, %hk] rows %row0 via %q0 : !atile.smem<128x128xbf16, swizzle = 128> {rows = array<i64: 1, 3>}
        : !atile.frag<128x128xbf16> -> !atile.view<?x?x?x?x128xbf16>
    ```
  }];
  let arguments = (ins ATile_Frag:$value, ATile_View:$dst,
                   Variadic<Index>:$offsets, Index:$row,
                   DenseI64ArrayAttr:$rows, Optional<ATile_Smem>:$staging,
                   UnitAttr:$transpose);
  let assemblyFormat = [{
    $value `->` $dst `[` $offsets `]` `rows` $row (`via` $staging^ `:` qualified(type($staging)))? attr-dict `:` qualified(type($value)) `->` qualified(type($dst))
  }];
  let hasVerifier = 1;
  let builders = [
    // A store in the view's orientation, maybe staged.
    OpBuilder<(ins "::mlir::Value":$value, "::mlir::Value":$dst,
                   "::mlir::ValueRange":$offsets, "::mlir::Value":$row,
                   "::mlir::DenseI64ArrayAttr":$rows,
                   "::mlir::Value":$staging), [{
      build($_builder, $_state, value, dst, offsets, row, rows, staging,
            ::mlir::UnitAttr());
    }]>,
    // A store straight from registers.
    OpBuilder<(ins "::mlir::Value":$value, "::mlir::Value":$dst,
                   "::mlir::ValueRange":$offsets, "::mlir::Value":$row,
                   "::mlir::DenseI64ArrayAttr":$rows), [{
      build($_builder, $_state, value, dst, offsets, row, rows,
            ::mlir::Value(), ::mlir::UnitAttr());
    }]>
  ];
}

def ATile_PutOp : ATile_Op<"put"> {
  let summary = "register fragment -> shared tile";
  let description = [{
    Writes a rank-2 fragment into a shared tile of the same shape and
    element type (bf16, f16 or f32; mma_sync or wgmma layouts), in the
    tile's swizzle: the inverse of `atile.load`; or an `R` f32 rows fragment
    into a `1 x R` f32 tile (row `i` to column `i`), the way a per-row value
    becomes a column vector. Every thread's earlier
    reads of the tile are complete first (a barrier unless the block just
    passed one) and the tile is readable by every thread, by wgmma too,
    when the op returns (a proxy fence where the kernel's products read
    shared memory through the async proxy, then a barrier).

    The chunked delta rule's prep puts the gated keys `beta k 2^b` over the
    spent query tile, where the product `W = T Kb` reads them.

    ```mlir
    atile.put %kb -> %q0 : !atile.frag<64x128xbf16> -> !atile.smem<64x128xbf16, swizzle = 128>
    ```
  }];
  let arguments = (ins ATile_Frag:$value, ATile_Smem:$dst);
  let assemblyFormat = [{
    $value `->` $dst attr-dict `:` qualified(type($value)) `->` qualified(type($dst))
  }];
  let hasVerifier = 1;
}

def ATile_ReadOp : ATile_Op<"read", [Pure, AttrSizedOperandSegments]> {
  let summary = "values of a global view, as f32: one scalar, or a fragment";
  let description = [{
    Reads f32, bf16 or f16 views; the values are f32 (16-bit ones
    widened).

    Without `rows`: the element of the view at `offsets` (one per
    dimension), the same in every thread: a per-tile quantity such as the
    scale of an FP8 key block. Offsets outside the extents read `padding`.

    With `rows` and a rank-1 result: element `i` read from row `row + i` of
    the view, addressed as by `atile.store` of a rank-1 fragment (the row
    flattened from the `rows` dimensions, the other dimensions fixed by
    `offsets`). Example: the scale of each packed query row of an FP8
    kernel, `[B, T, Hkv, G]` with rows over `T` and `G`.

    With `rows` and a rank-2 result (`simt` layouts): element `(i, j)` from
    column `j` of row `row + i`, rows addressed as by `atile.store` of a
    rank-2 fragment (the view's last extent, static, is the fragment's
    columns). Example: a slice of a recurrent state `[B, HV, K, V]` viewed
    as `[B, HV, K, V / 32, 32]`.

    On mma_sync and wgmma layouts: rank-2 f32 `acc` fragments and column
    vectors (`1 x cols`: every thread the columns it holds). With
    `transpose`, element `(i, j)` comes from column `i` of row `row + j`
    (the view's last extent is the fragment's rows): an initial state
    `[K, V]` read as the scan's S^T.

    Rows past the end read as `padding`.

    ```mlir
    %sk = atile.read %scales[%b, %hk, %j] : !atile.view<?x?x?xf32> -> f32
    %sq = atile.read %qscales[%b, %hk] rows %row0 {rows = array<i64: 1, 3>, padding = 1.0 : f32}
        : !atile.view<?x?x?x?xf32> -> !atile.frag<128xf32>
    %s = atile.read %state[%b, %hv, %slice] rows %c0 {rows = array<i64: 2>}
        : !atile.view<?x?x128x4x32xf32> -> !atile.frag<128x32xf32>
    ```
  }];
  let arguments = (ins ATile_View:$src, Variadic<Index>:$offsets,
                   Optional<Index>:$row, OptionalAttr<DenseI64ArrayAttr>:$rows,
                   DefaultValuedAttr<F32Attr, "0.0f">:$padding,
                   UnitAttr:$transpose);
  let results = (outs AnyTypeOf<[F32, ATile_Frag]>:$result);
  let assemblyFormat = [{
    $src `[` $offsets `]` (`rows` $row^)? attr-dict `:` qualified(type($src)) `->` qualified(type($result))
  }];
  let builders = [
    // A read in the view's orientation.
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$src,
                   "::mlir::ValueRange":$offsets, "::mlir::Value":$row,
                   "::mlir::DenseI64ArrayAttr":$rows,
                   "::mlir::FloatAttr":$padding), [{
      build($_builder, $_state, result, src, offsets, row, rows, padding,
            ::mlir::UnitAttr());
    }]>
  ];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Computation
//===----------------------------------------------------------------------===//

def ATile_FillOp : ATile_Op<"fill", [Pure]> {
  let summary = "a fragment holding one constant";
  let description = [{
    ```mlir
    %m = atile.fill 0xFF800000 : !atile.frag<128xf32>  // -inf
    ```
  }];
  let arguments = (ins F32Attr:$value);
  let results = (outs ATile_Frag:$result);
  let assemblyFormat = "$value attr-dict `:` qualified(type($result))";
  let hasVerifier = 1;
}

def ATile_MmaOp : ATile_Op<"mma"> {
  let summary = "tensor-core matrix product with f32 accumulation";
  let description = [{
    `result = lhs x rhs (+ acc)`. `lhs` is an `M x K` fragment or shared
    tile; `rhs` a shared tile, `K x N`, or `N x K` with `transpose_rhs` (a
    K tile of `Q K^T`). The operands share one element type (bf16, f16,
    f8E4M3FN, f8E5M2); `acc` and the result are `M x N` f32. Without `acc`
    the product starts from zero.

    `async` issues the product without waiting (wgmma): its result may only
    be read after an `atile.mma_wait` has returned it, so that independent
    work (the softmax of the previous tile) runs meanwhile. Without it the
    result is ready when the op returns.

    ```mlir
    %s = atile.mma %q0, %k0 {transpose_rhs}
        : !atile.smem<128x128xbf16, swizzle = 128>, !atile.smem<64x128xbf16, swizzle = 128> -> !atile.frag<128x64xf32>
    ```
  }];
  let arguments = (ins AnyTypeOf<[ATile_Frag, ATile_Smem]>:$lhs,
                   ATile_Smem:$rhs, Optional<ATile_Frag>:$acc,
                   UnitAttr:$transpose_rhs, UnitAttr:$async);
  let results = (outs ATile_Frag:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`,` $acc^)? attr-dict `:` qualified(type($lhs)) `,` qualified(type($rhs)) (`,` qualified(type($acc))^)? `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

def ATile_MmaWaitOp : ATile_Op<"mma_wait", [AllTypesMatch<["values", "results"]>]> {
  let summary = "wait for asynchronous products";
  let description = [{
    Returns `values` (results of `atile.mma {async}`) once at most `pending`
    of the products issued before it are still running (wgmma.wait_group).
    Reading an asynchronous product's result anywhere but through this op is
    an error.

    ```mlir
    %s1 = atile.mma_wait %s {pending = 0} : !atile.frag<128x64xf32>
    ```
  }];
  let arguments = (ins Variadic<ATile_Frag>:$values,
                   DefaultValuedAttr<I64Attr, "0">:$pending);
  let results = (outs Variadic<ATile_Frag>:$results);
  let assemblyFormat = "$values attr-dict `:` qualified(type($values))";
  let hasVerifier = 1;
}

def ATile_ReduceOp : ATile_Op<"reduce", [Pure]> {
  let summary = "reduction of a fragment along its rows or columns";
  let description = [{
    `dim = 1` (the default): the maximum or sum of each row of a
    `rows x cols` fragment, a `rows` fragment (within a thread, then over
    the threads that share a row).

    `dim = 0`: over the rows, of each column of a `rows x cols` fragment: a
    `1 x cols` fragment (a column vector); or of every row of a `rows`
    fragment: one f32, the same in every thread. Within a thread, over the
    lanes of a warp, then across the warps through shared memory (which
    `atile::sharedBytes` counts): `simt` layouts only.

    ```mlir
    %mx = atile.reduce max %s : !atile.frag<128x64xf32> -> !atile.frag<128xf32>
    %ks = atile.reduce sum %sk {dim = 0 : i64} : !atile.frag<128x32xf32> -> !atile.frag<1x32xf32>
    %n2 = atile.reduce sum %q2 {dim = 0 : i64} : !atile.frag<128xf32> -> f32
    ```
  }];
  let arguments = (ins ATile_ReduceKind:$kind, ATile_Frag:$input,
                   DefaultValuedAttr<I64Attr, "1">:$dim);
  let results = (outs AnyTypeOf<[F32, ATile_Frag]>:$result);
  let assemblyFormat =
      "$kind $input attr-dict `:` qualified(type($input)) `->` qualified(type($result))";
  let hasVerifier = 1;
}

def ATile_MapOp : ATile_Op<"map", [Pure,
    SingleBlockImplicitTerminator<"::mlir::atile::YieldOp">]> {
  let summary = "elementwise computation over fragments";
  let description = [{
    Applies the region to every element. Inputs are fragments of one shape
    `rows x cols`, `rows` fragments, which are broadcast along the columns,
    or `1 x cols` fragments (column vectors), broadcast along the rows; the
    results have the shape `rows x cols` (or that of the inputs when all
    have one shape). The region takes
    one scalar per input (its element type) and yields one per result.

    ```mlir
    %o2 = atile.map %o, %alpha : !atile.frag<128x128xf32>, !atile.frag<128xf32> -> !atile.frag<128x128xf32> {
    ^bb0(%x: f32, %a: f32):
      %y = arith.mulf %x, %a : f32
      atile.yield %y : f32
    }
    ```
  }];
  let arguments = (ins Variadic<ATile_Frag>:$inputs);
  let results = (outs Variadic<ATile_Frag>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $inputs attr-dict `:` qualified(type($inputs)) `->` qualified(type($results)) $body
  }];
  let hasRegionVerifier = 1;
}

def ATile_YieldOp : ATile_Op<"yield", [Pure, Terminator, ReturnLike,
    ParentOneOf<["MapOp", "WarpSpecializeOp"]>]> {
  let summary = "terminator of atile regions";
  let description = [{
    Yields the scalars of an `atile.map` body, or ends an
    `atile.warp_specialize` region (no operands).
  }];
  let arguments = (ins Variadic<AnyType>:$values);
  let builders = [OpBuilder<(ins), [{ /* nothing */ }]>];
  let assemblyFormat = "($values^ `:` qualified(type($values)))? attr-dict";
}

def ATile_MaskOp : ATile_Op<"mask", [Pure, AllTypesMatch<["scores", "result"]>]> {
  let summary = "mask a tile of scores to -inf";
  let description = [{
    Element `(i, j)` of `scores` is the score of query row `row + i` and key
    `col + j`; the row holds query `t = (row + i) floordiv group` (GQA
    packing: `group` rows per query), which sits at key position `t +
    offset` (queries are the last T of S keys: offset = S - T). The element
    becomes -inf when the key is past `keys`, and also, with `causal`, when
    the key is after the query's position, and with `window = w` when it is
    `w` or more positions before it. Lowering tests at run time whether a
    tile needs the mask at all (most tiles of a long sequence do not) and
    skips it when not.

    With `gathered` (an `atile.gather` view), key `col + j` is position
    `col + j` of the gathered view and the element becomes -inf also where
    that position is absent; `causal` and `window` do not apply (the
    gather's bound carries a query's causal limit), and every tile is
    masked.

    ```mlir
    %sm = atile.mask %s row %r0 col %c0 keys %S group %g offset %off {causal}
        : !atile.frag<128x64xf32>
    %sg = atile.mask %s row %r0 col %c0 keys %n group %g offset %off
        gathered %kg : !atile.view<?x?x?x128xbf16> : !atile.frag<16x32xf32>
    ```
  }];
  let arguments = (ins ATile_Frag:$scores, Index:$row, Index:$col,
                   Index:$keys, Index:$group, Index:$offset, UnitAttr:$causal,
                   OptionalAttr<ConfinedAttr<I64Attr, [IntMinValue<1>]>>:$window,
                   Optional<ATile_View>:$gathered);
  let results = (outs ATile_Frag:$result);
  let assemblyFormat = [{
    $scores `row` $row `col` $col `keys` $keys `group` $group `offset` $offset (`gathered` $gathered^ `:` qualified(type($gathered)))? attr-dict `:` qualified(type($scores))
  }];
  let hasVerifier = 1;
}

def ATile_OnlineSoftmaxOp : ATile_Op<"online_softmax", [Pure,
    AllTypesMatch<["scores", "probs"]>,
    AllTypesMatch<["max", "sum", "new_max", "new_sum", "alpha"]>]> {
  let summary = "one step of the online softmax over a tile of scores";
  let description = [{
    Folds a `rows x cols` tile of scores into the running statistics, in
    base-2 units (exp2 is the hardware's exponential):

    ```
    x     = s * scale * log2(e) (* row_scale[i])
    m'    = max(m, rowmax(x))
    alpha = exp2(m - m')          (1 where m' = -inf)
    p     = exp2(x - m') * 2^log2_prob_scale   (0 where m' = -inf)
    l'    = l * alpha + rowsum(p)
    ```

    `row_scale` (optional, positive) multiplies the scores of each row: the
    dequantisation factor of FP8 scores (Q's scale of the row times K's
    scale of the tile). `log2_prob_scale` scales `p` (and so `l`) by a
    power of two, so that probabilities rounded to FP8 stay clear of its
    subnormals; `m` and the log-sum-exp are unaffected once `l` is divided
    by the same factor.

    `m` starts at -inf and `l` at 0; the output accumulator is rescaled by
    `alpha` before `p` times V is added to it, and divided by `l` at the
    end; the log-sum-exp of a row is `(m + log2(l)) * ln(2)`. A row whose
    scores are all -inf (fully masked) keeps `m = -inf`, `p = 0`. Score
    modifiers (a logit soft-cap) are `atile.map`s on the scores before
    their mask.

    ```mlir
    %p, %m1, %l1, %alpha = atile.online_softmax %s, %m, %l {scale = 0.0883883461 : f32}
        : !atile.frag<128x64xf32>, !atile.frag<128xf32>
    ```
  }];
  let arguments = (ins ATile_Frag:$scores, ATile_Frag:$max, ATile_Frag:$sum,
                   Optional<ATile_Frag>:$row_scale, F32Attr:$scale,
                   DefaultValuedAttr<I64Attr, "0">:$log2_prob_scale);
  let results = (outs ATile_Frag:$probs, ATile_Frag:$new_max,
                 ATile_Frag:$new_sum, ATile_Frag:$alpha);
  let assemblyFormat = [{
    $scores `,` $max `,` $sum (`scaled` $row_scale^ `:` qualified(type($row_scale)))? attr-dict `:` qualified(type($scores)) `,` qualified(type($max))
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "::mlir::Value":$scores, "::mlir::Value":$max,
                   "::mlir::Value":$sum, "float":$scale,
                   CArg<"::mlir::Value", "{}">:$rowScale,
                   CArg<"int64_t", "0">:$log2ProbScale)>
  ];
}

def ATile_ConvertOp : ATile_Op<"convert", [Pure]> {
  let summary = "change a fragment's element type or layout";
  let description = [{
    Rounds to the result's element type (to nearest even; f32 -> bf16 / f16
    for P of `P V`; f32 -> f8E4M3FN saturating to +-448, no scale: P of an
    FP8 `P V` scaled by `online_softmax`'s `log2_prob_scale`) and
    redistributes to the result's layout (an `acc` fragment becomes the
    `lhs` of the next product: with mma_sync and wgmma the accumulator's
    register layout is the 16-bit A operand's, so this is a register
    reinterpretation, no data movement).

    8-bit `lhs` fragments keep each thread's accumulator elements too (four
    to a register), so the A operand of a 32-wide k-step presents its
    columns in the accumulator's order: position `p` of each 32 holds
    column `8 ((p & 3) >> 1) + 2 ((p >> 2) & 3) + (p & 1) + 16 (p >> 4)`.
    The right operand of that product holds its K rows in the same order
    (the FP8 V^T tiles of attn.full do: `quant_vt` writes them so).

    ```mlir
    %p16 = atile.convert %p : !atile.frag<128x64xf32> -> !atile.frag<128x64xbf16>
    ```
  }];
  let arguments = (ins ATile_Frag:$input);
  let results = (outs ATile_Frag:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input)) `->` qualified(type($result))";
  let hasVerifier = 1;
}

def ATile_QuantizeOp : ATile_Op<"quantize", [Pure]> {
  let summary = "FP8 quantisation of a fragment with one scale per row";
  let description = [{
    `scale[i] = amax_i / FMAX` with `amax_i = max_j |x[i, j]|` and FMAX the
    largest finite value of the result type (448 for e4m3, 57344 for e5m2;
    scale 1 where amax is 0 or not finite), and `q[i, j] = x[i, j] /
    scale[i]` rounded to nearest even with saturation (`cvt.rn.satfinite`).
    `x[i, j] ~ q[i, j] * scale[i]`.

    ```mlir
    %q, %s = atile.quantize %x : !atile.frag<128x128xf32> -> !atile.frag<128x128xf8E4M3FN>, !atile.frag<128xf32>
    ```
  }];
  let arguments = (ins ATile_Frag:$input);
  let results = (outs ATile_Frag:$result, ATile_Frag:$scale);
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` qualified(type($result)) `,` qualified(type($scale))
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// The chunked form of linear and delta-rule attention
//===----------------------------------------------------------------------===//

def ATile_IotaOp : ATile_Op<"iota", [Pure]> {
  let summary = "row or column indices as a fragment";
  let description = [{
    A `rows` fragment holding each row's index `i`, or a `1 x cols` column
    vector holding each column's index `j`, as f32 (exact below 2^24), plus
    `offset` when given. With the broadcasts of `atile.map` they make
    index-dependent maps: the triangular masks of a chunk's products.

    ```mlir
    %i = atile.iota : !atile.frag<64xf32>
    %j = atile.iota : !atile.frag<1x64xf32>
    %a = atile.map %akk, %i, %j : !atile.frag<64x64xf32>, !atile.frag<64xf32>, !atile.frag<1x64xf32> -> !atile.frag<64x64xf32> {
    ^bb0(%x: f32, %r: f32, %c: f32):
      %lower = arith.cmpf olt, %c, %r : f32
      %zero = arith.constant 0.0 : f32
      %y = arith.select %lower, %x, %zero : f32
      atile.yield %y : f32
    }
    ```
  }];
  let arguments = (ins Optional<Index>:$offset);
  let results = (outs ATile_Frag:$result);
  let assemblyFormat = "($offset^)? attr-dict `:` qualified(type($result))";
  let hasVerifier = 1;
}

def ATile_ScanOp : ATile_Op<"scan"> {
  let summary = "in-place prefix sums down the columns of a shared f32 tile";
  let description = [{
    `tile[i][j] = scale * sum_{r <= i} tile[r][j]` for every column `j`
    (inclusive; `scale` defaults to 1): the chunk-local cumulative sums of
    log-gates, in log2 units with `scale = log2(e)`. Collective: the tile's
    earlier writes are visible first, its new contents to every thread
    after. One thread per column runs down the rows in f32, so the sums are
    the same sequential sums as a reference loop's. With `dim = 1` the sums
    run along each row instead (`tile[i][j] = scale * sum_{c <= j}
    tile[i][c]`), one thread a row: a scalar gate put into a `1 x C` tile.

    ```mlir
    atile.scan %g0 {scale = 1.44269502 : f32} : !atile.smem<64x128xf32, swizzle = 128>
    ```
  }];
  let arguments = (ins ATile_Smem:$tile,
                   DefaultValuedAttr<F32Attr, "1.0f">:$scale,
                   DefaultValuedAttr<ConfinedAttr<I64Attr, [IntMinValue<0>, IntMaxValue<1>]>, "0">:$dim);
  let assemblyFormat = "$tile attr-dict `:` qualified(type($tile))";
  let hasVerifier = 1;
}

def ATile_GatedGramOp : ATile_Op<"gated_gram"> {
  let summary = "the lower-triangular gated Gram products of a chunk";
  let description = [{
    With `K` and `Q` `R x D` 16-bit tiles and `G` an `R x D` f32 tile of
    gate cumulative sums (log2 units, each column non-increasing down the
    rows: cumsums of log-gates <= 0), the `R x R` f32 fragments

    ```
    kk[i][j] = sum_d K[i][d] K[j][d] 2^(G[i][d] - G[j][d])    for j <= i
    qk[i][j] = sum_d Q[i][d] K[j][d] 2^(G[i][d] - G[j][d])    for j <= i
    ```

    and 0 above the diagonal: the `A_kk` and `A_qk` matrices of a chunk of
    KDA / GLA with a per-channel gate. Off-diagonal 16-row blocks run on
    tensor cores through the anchor row `e` = the block's last: `2^(G_i -
    G_j) = 2^(G_i - G_e) 2^(G_e - G_j)`, both factors <= 1 when `j <= e <=
    i` (the operands are scaled and rounded to 16 bits); diagonal blocks are
    summed element by element in f32. No exponent formed is positive when
    the gates are non-increasing, so nothing overflows.

    Lowered with mma.sync whatever the fragments' layout (the accumulator
    layout of 16 rows a warp is the same on mma_sync and wgmma): `R` is 16
    per warp of the kernel.

    ```mlir
    %kk, %qk = atile.gated_gram %k0, %q0 gates %g0
        : !atile.smem<64x128xbf16, swizzle = 128>, !atile.smem<64x128xbf16, swizzle = 128>, !atile.smem<64x128xf32, swizzle = 128>
        -> !atile.frag<64x64xf32>, !atile.frag<64x64xf32>
    ```
  }];
  let arguments = (ins ATile_Smem:$keys, ATile_Smem:$queries,
                   ATile_Smem:$gates);
  let results = (outs ATile_Frag:$kk, ATile_Frag:$qk);
  let assemblyFormat = [{
    $keys `,` $queries `gates` $gates attr-dict `:` qualified(type($keys)) `,` qualified(type($queries)) `,` qualified(type($gates)) `->` qualified(type($kk)) `,` qualified(type($qk))
  }];
  let hasVerifier = 1;
}

def ATile_TrilSolveOp : ATile_Op<"tril_solve"> {
  let summary = "inverse of a unit lower-triangular matrix";
  let description = [{
    `X = (I + A)^-1` for the strictly lower part of the square f32 fragment
    `A` (entries on and above the diagonal are ignored): the WY / UT
    transform of a chunk of the delta rule, `T = (I + A_kk)^-1`. By forward
    substitution in f32, one thread per column of `X`, through the f32
    tile `scratch` (at least `2 N N` elements; its contents are clobbered:
    `A` column by column, then `X`).

    ```mlir
    %x = atile.tril_solve %a scratch %g0 : !atile.frag<64x64xf32>, !atile.smem<64x128xf32, swizzle = 128> -> !atile.frag<64x64xf32>
    ```
  }];
  let arguments = (ins ATile_Frag:$a, ATile_Smem:$scratch);
  let results = (outs ATile_Frag:$x);
  let assemblyFormat = [{
    $a `scratch` $scratch attr-dict `:` qualified(type($a)) `,` qualified(type($scratch)) `->` qualified(type($x))
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Warp specialisation
//===----------------------------------------------------------------------===//

def ATile_WarpSpecializeOp : ATile_Op<"warp_specialize", [
    RecursiveMemoryEffects,
    SingleBlockImplicitTerminator<"::mlir::atile::YieldOp">]> {
  let summary = "split the block into a producer and consumer warpgroups";
  let description = [{
    The first `producer_warps` warps run `producer`, the next `consumers`
    warpgroups (4 warps each) run `consumer`. The producer region runs on
    one elected thread (it issues TMA copies into rings: `atile.acquire`,
    `atile.copy {engine = tma}`); the consumer region runs on each consumer
    warpgroup, its block argument the consumer's index `c`, its fragments
    laid out over that warpgroup's 4 warps: it is the tile program for
    consumer `c`'s rows (`atile-warp-specialize` offsets the rows it reads
    and writes). In a block of more than 256 threads, registers move from
    producer to consumers with `setmaxnreg`: the producer drops to
    `producer_regs` per thread and consumers rise to `consumer_regs`. A
    block of at most 256 threads takes no budgets: every thread may already
    hold 255 registers (ptxas ignores `setmaxnreg` there). Both
    regions see the values defined above the op; they end together.

    ```mlir
    atile.warp_specialize {producer_warps = 4, consumers = 2, producer_regs = 24, consumer_regs = 240} producer {
      ...
    } consumer {
    ^bb0(%c: index):
      ...
    }
    ```
  }];
  let arguments = (ins ConfinedAttr<I64Attr, [IntMinValue<1>]>:$producer_warps,
                   ConfinedAttr<I64Attr, [IntMinValue<1>]>:$consumers,
                   OptionalAttr<I64Attr>:$producer_regs,
                   OptionalAttr<I64Attr>:$consumer_regs);
  let regions = (region SizedRegion<1>:$producer, SizedRegion<1>:$consumer);
  let assemblyFormat = "attr-dict `producer` $producer `consumer` $consumer";
  let hasVerifier = 1;
}

#endif // ATILE_OPS_TD
