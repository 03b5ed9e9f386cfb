//===- Passes.cpp - attn's passes in the C API ----------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The generated MlirPass constructors and registrations of attn-c/Passes.h.
//
//===----------------------------------------------------------------------===//

#include "attn-c/Passes.h"
#include "attn/Conversion/Passes.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "mlir/CAPI/Pass.h"

using namespace mlir;
using namespace mlir::attn;

#include "attn/Conversion/Passes.capi.cpp.inc"
#include "attn/Dialect/Attn/Transforms/Passes.capi.cpp.inc"
