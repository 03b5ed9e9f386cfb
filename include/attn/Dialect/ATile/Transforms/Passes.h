//===- Passes.h - passes over the tile IR -----------------------*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATILE_TRANSFORMS_PASSES_H
#define ATTN_DIALECT_ATILE_TRANSFORMS_PASSES_H

#include "attn/Dialect/ATile/IR/ATileDialect.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Pass/Pass.h"

namespace mlir::atile {

#define GEN_PASS_DECL
#include "attn/Dialect/ATile/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "attn/Dialect/ATile/Transforms/Passes.h.inc"

} // namespace mlir::atile

#endif // ATTN_DIALECT_ATILE_TRANSFORMS_PASSES_H
