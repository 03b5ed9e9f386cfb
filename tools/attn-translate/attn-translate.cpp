//===- attn-translate.cpp - imports into attn IR --------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// attn-translate: mlir-translate with attn's imports, today
// `--import-hf-config` (Hugging Face model config.json -> attn.schedule).
//
//===----------------------------------------------------------------------===//

#include "attn/Target/HFConfig.h"
#include "mlir/Support/LogicalResult.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

int main(int argc, char **argv) {
  mlir::attn::registerImportHFConfig();
  return mlir::failed(
             mlir::mlirTranslateMain(argc, argv, "attn translation driver\n"))
             ? 1
             : 0;
}
