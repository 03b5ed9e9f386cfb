//===- InitAllPasses.cpp - register the attn passes -----------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Registers the attn passes and the upstream passes attn pipelines are made
// of, so every tool reaches them by flag.
//
//===----------------------------------------------------------------------===//

#include "attn/InitAllPasses.h"
#include "attn/Conversion/Passes.h"
#include "attn/Dialect/ATile/Transforms/Passes.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Pipelines/Pipelines.h"
#include "mlir/InitAllPasses.h"

void mlir::attn::registerAllPasses() {
  mlir::registerAllPasses();
  mlir::attn::registerAttnPasses();
  mlir::atile::registerATilePasses();
  mlir::attn::registerAttnConversionPasses();
  mlir::attn::registerAttnPipelines();
}
