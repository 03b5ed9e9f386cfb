//===- AttnAttrs.h - attn enums and attributes ------------------*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Declares the attn enums (LayerKind, GateKind, Form, ScaleGranularity) and
// attributes (#attn.chunk, #attn.tile, #attn.precision, #attn.layer).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATTN_IR_ATTNATTRS_H
#define ATTN_DIALECT_ATTN_IR_ATTNATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectImplementation.h"

#include "dialects/attn/AttnEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/attn/AttnAttrs.h.inc"

namespace mlir::attn {
/// The largest `k` of attn.topk (selections are i32 indices, kept with
/// their scores in k-sized scratch: a million candidates is far beyond any
/// sparse-attention selection), and so the largest `topk` of a sparse
/// #attn.layer, whose DSA indexer is an attn.topk. The verifiers and the
/// passes that make layers (attn-schedule-sparsify) share it.
constexpr int64_t kMaxTopK = int64_t{1} << 20;

/// The largest `block_size` of attn.sparse and of a sparse #attn.layer.
constexpr int64_t kMaxBlockSize = int64_t{1} << 31;
} // namespace mlir::attn

#endif // ATTN_DIALECT_ATTN_IR_ATTNATTRS_H
