//===- InitAllDialects.cpp - register attn and the dialects it uses -------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The one list of dialects attn tools load: attn and atile (the tile IR) plus the upstream dialects
// and extensions its pipelines produce (func, arith, math, tensor, linalg,
// scf, memref, vector, gpu, nvgpu, nvvm, llvm), and the LLVM IR translations
// gpu-module-to-binary needs.
//
//===----------------------------------------------------------------------===//

#include "attn/InitAllDialects.h"
#include "attn/Dialect/ATile/IR/ATileDialect.h"
#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

void mlir::attn::registerAllDialects(DialectRegistry &registry) {
  registry.insert<AttnDialect, atile::ATileDialect>();
  // The upstream set is what our pipelines emit; registering it whole keeps
  // attn-opt usable on any intermediate IR of a lowering.
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary needs the LLVM IR translations of gpu/nvvm/llvm.
  mlir::registerAllGPUToLLVMIRTranslations(registry);
}
