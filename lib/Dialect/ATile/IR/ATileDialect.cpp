//===- ATileDialect.cpp - atile dialect registration ----------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Registers the atile ops, types and attributes, and instantiates the
// generated dialect definitions.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/ATile/IR/ATileDialect.h"
#include "attn/Dialect/ATile/IR/ATileOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;
using namespace mlir::atile;

#include "dialects/atile/ATileDialect.cpp.inc"

void ATileDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/atile/ATileOps.cpp.inc"
      >();
  registerTypes();
  registerAttributes();
}
