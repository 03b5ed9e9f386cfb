/*===- attn-c/GpuCompile.h - compile attn ops to PTX + manifest ----*- C -*-===*\
|*                                                                            *|
|* Part of the attn project: an MLIR compiler for attention variants.         *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
/*
 * One call from IR text to what a GPU machine needs: the PTX of the module's
 * kernels (attn-to-nvvm{chip}) and the launch manifest as JSON
 * (docs/gpu-backend.md, "Manifest"). Runs in libAttnCpuRuntime.so, which
 * holds the compiler; the GPU machine needs only the CUDA runtime library.
 *
 *   char *ptx, *manifest, *err;
 *   if (attnGpuCompile(ir, len, "ops.mlir", "sm_90a", &ptx, &manifest, &err))
 *     { fprintf(stderr, "%s", err); attnFreeString(err); }
 *
 * Returns 0 on success; otherwise 1 with *error set to the located
 * diagnostics. Strings are released with attnFreeString (attn-c/CpuJit.h).
 */
#ifndef ATTN_C_GPUCOMPILE_H
#define ATTN_C_GPUCOMPILE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

int attnGpuCompile(const char *ir, size_t len, const char *name,
                   const char *chip, char **ptx, char **manifest,
                   char **error);

#ifdef __cplusplus
}
#endif

#endif /* ATTN_C_GPUCOMPILE_H */
