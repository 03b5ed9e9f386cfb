//===- Attn.td - attn dialect umbrella ------------------------*- tablegen -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Umbrella file: the whole attn IR spec, the input of every generator.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_TD
#define ATTN_TD

include "dialects/attn/AttnBase.td"
include "dialects/attn/AttnEnums.td"
include "dialects/attn/AttnAttrs.td"
include "dialects/attn/AttnOps.td"

#endif // ATTN_TD
