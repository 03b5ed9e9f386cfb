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

/* attnGpuCompile with options of the attn-to-nvvm pipeline, written as after
 * `attn-opt --attn-to-nvvm=`: space-separated `name=value` pairs, e.g.
 *
 *   "precision=fp8 error-budget=0.02"
 *
 * `precision` (off | auto | fp8, default off) runs attn-assign-precision
 * with `error-budget` (default 3e-2) for the chip (what the chip has comes
 * from attn's target description); `chip` wins over a `chip=` in
 * `options`. NULL or "" gives the defaults (attnGpuCompile). The result is
 * PTX text: `format` other than isa (binary cubin / fatbin / bitcode, which
 * a NUL-terminated string cannot carry) is an error. A bad option string or
 * value, an unknown chip, or a plan the GPU kernels cannot lower, returns 1
 * with *error saying so. */
int attnGpuCompileWithOptions(const char *ir, size_t len, const char *name,
                              const char *chip, const char *options,
                              char **ptx, char **manifest, char **error);

#ifdef __cplusplus
}
#endif

#endif /* ATTN_C_GPUCOMPILE_H */
