/*===- attn-c/Attn.h - the attn C API (libAttnC.so) ----------------*- C -*-===*\
|*                                                                            *|
|* Part of the attn project: an MLIR compiler for attention variants.         *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
/*
 * What a compiler embedding attn through C needs, in the style of MLIR's C
 * API (mlir-c/): the dialect handle and pass registration for an MLIR
 * context the caller owns, and a stable string-in / string-out layer that
 * compiles an attn module for a target without touching MLIR's C++ API.
 *
 *   MlirContext ctx = mlirContextCreate();
 *   mlirDialectHandleRegisterDialect(mlirGetDialectHandle__attn__(), ctx);
 *   ...
 *   char *out, *manifest, *diag;
 *   if (attnCompileModule(ir, strlen(ir), "sm_90a", "precision=auto", &out,
 *                         &manifest, &diag))
 *     { fprintf(stderr, "%s", diag); attnFreeString(diag); }
 *
 * Strings returned are released with attnFreeString.
 */
#ifndef ATTN_C_ATTN_H
#define ATTN_C_ATTN_H

#include "mlir-c/IR.h"
#include "mlir-c/Support.h"
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The API version, ATTN_C_API_VERSION at build time: bumped when a function
 * of this header changes its meaning or signature. */
#define ATTN_C_API_VERSION 1
int attnGetApiVersion(void);

/* mlirGetDialectHandle__attn__(): the attn dialect for an MlirContext. */
MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(Attn, attn);

/* Registers into `registry` every dialect attn's pipelines produce or use
 * (attn, func, arith, math, scf, memref, gpu, nvvm, llvm, ...). */
void attnRegisterDialects(MlirDialectRegistry registry);

/* Registers attn's passes and pipelines (attn-plan, attn-to-cpu,
 * attn-to-nvvm, attn-assign-precision, ...) with MLIR's global registry, so
 * mlirParsePassPipeline / mlirOpPassManagerAddPipeline find them. */
void attnRegisterPasses(void);

/* Compiles the attn module `ir` (`len` bytes of MLIR text) for `target`:
 * "cpu" gives the LLVM IR (text) of the attn-to-cpu pipeline in *out;
 * "sm_80" ... "sm_90a" give the PTX of attn-to-nvvm{chip} in *out and the
 * launch manifest (JSON, docs/gpu-backend.md) in *manifest. `options` are
 * the pipeline's options as text ("precision=fp8 error-budget=0.06"; NULL
 * or "" for the defaults). Returns 0 on success; otherwise non-zero with
 * *diagnostics set to the located errors (outputs untouched). `manifest`
 * may be NULL for "cpu". */
int attnCompileModule(const char *ir, size_t len, const char *target,
                      const char *options, char **out, char **manifest,
                      char **diagnostics);

void attnFreeString(char *s);

#ifdef __cplusplus
}
#endif

#endif /* ATTN_C_ATTN_H */
