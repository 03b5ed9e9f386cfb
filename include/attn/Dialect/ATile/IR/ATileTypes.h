//===- ATileTypes.h - atile types, attributes and enums ---------*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATILE_IR_ATILETYPES_H
#define ATTN_DIALECT_ATILE_IR_ATILETYPES_H

#include "attn/Dialect/ATile/IR/ATileDialect.h"
#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Types.h"

#include "dialects/atile/ATileEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/atile/ATileAttrs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/atile/ATileTypes.h.inc"

namespace mlir::attn::target {
struct ChipInfo;
} // namespace mlir::attn::target

namespace mlir::atile {
/// The chip facts of the `atile.target` attribute of `op`'s gpu.module (or
/// of `op` itself); null when there is none.
const mlir::attn::target::ChipInfo *getTargetChip(Operation *op);
/// Name of the gpu.module attribute holding the #atile.target.
constexpr llvm::StringLiteral kTargetAttrName = "atile.target";
} // namespace mlir::atile

#endif // ATTN_DIALECT_ATILE_IR_ATILETYPES_H
