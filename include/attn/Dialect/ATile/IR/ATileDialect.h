//===- ATileDialect.h - the atile (tile IR) dialect -------------*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATILE_IR_ATILEDIALECT_H
#define ATTN_DIALECT_ATILE_IR_ATILEDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialects/atile/ATileDialect.h.inc"

#endif // ATTN_DIALECT_ATILE_IR_ATILEDIALECT_H
