//===- ATile.td - atile dialect umbrella ----------------------*- tablegen -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Umbrella file: the whole tile IR spec, the input of every generator.
//
//===----------------------------------------------------------------------===//

#ifndef ATILE_TD
#define ATILE_TD

include "dialects/atile/ATileBase.td"
include "dialects/atile/ATileAttrs.td"
include "dialects/atile/ATileTypes.td"
include "dialects/atile/ATileOps.td"

#endif // ATILE_TD
