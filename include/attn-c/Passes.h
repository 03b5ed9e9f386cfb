/*===- attn-c/Passes.h - attn's passes in the C API -----------------*- C -*-===*\
|*                                                                            *|
|* Part of the attn project: an MLIR compiler for attention variants.         *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
/*
 * One MlirPass constructor and one registration function per attn pass,
 * generated from the pass definitions (mlir-tblgen -gen-pass-capi-header):
 *
 *   MlirPass mlirCreateAttnAttnTilePass(void);           (attn-tile)
 *   MlirPass mlirCreateAttnAttnAssignPrecisionPass(void);
 *   MlirPass mlirCreateAttnConversionConvertAttnToCPUPass(void);
 *   ...
 *   void mlirRegisterAttnPasses(void);                   (all of them)
 *   void mlirRegisterAttnConversionPasses(void);
 *
 * A created pass takes its default options; add it to a pass manager with
 * mlirPassManagerAddOwnedPass / mlirOpPassManagerAddOwnedPass. Pipelines
 * with options: attnRegisterPasses (attn-c/Attn.h) and
 * mlirParsePassPipeline. In libAttnC.so.
 */
#ifndef ATTN_C_PASSES_H
#define ATTN_C_PASSES_H

#include "mlir-c/Pass.h"

#include "attn/Conversion/Passes.capi.h.inc"
#include "attn/Dialect/Attn/Transforms/Passes.capi.h.inc"

#endif /* ATTN_C_PASSES_H */
