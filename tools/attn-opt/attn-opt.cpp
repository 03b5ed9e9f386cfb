//===- attn-opt.cpp - the attn optimizer driver ---------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// attn-opt: parses, verifies, transforms and prints attn IR. It registers the
// attn dialect and passes plus the upstream dialects and passes the attn
// pipelines use (see lib/Registration), so upstream lowering passes can be
// run on attn output too.
//
//===----------------------------------------------------------------------===//

#include "attn/InitAllDialects.h"
#include "attn/InitAllPasses.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::attn::registerAllPasses();
  mlir::DialectRegistry registry;
  mlir::attn::registerAllDialects(registry);
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "attn optimizer driver: attention variants to kernels\n",
      registry));
}
