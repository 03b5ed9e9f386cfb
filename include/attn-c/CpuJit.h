/*===- attn-c/CpuJit.h - C API of the attn CPU JIT ----------------*- C -*-===*\
|*                                                                            *|
|* Part of the attn project: an MLIR compiler for attention variants.         *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
/*
 * Compile an attn module for the host (the attn-to-cpu pipeline + LLVM JIT)
 * and call its functions with memref descriptors. This is the door Python
 * (ctypes) and other languages use to run attn on the CPU.
 *
 * Calling convention: a public function `f` is called through its C
 * interface `_mlir_ciface_f`, whose parameters are pointers: first, if `f`
 * has results, a pointer to storage for them (one memref descriptor, or a
 * struct of descriptors when there are several), then a pointer to each
 * argument's descriptor. `args[i]` is the ADDRESS OF the i-th such pointer
 * (a variable holding it), not the pointer itself -- MLIR's packed calling
 * convention:
 *
 *   Desc q = {...}, o;  void *qp = &q, *op = &o;
 *   void *args[] = {&op, &qp};
 *   attnCpuInvoke(m, "f", args, &err); (NULL module, name or args is an
 * error, never a crash). A rank-N descriptor is
 * { void *allocated; void *aligned; int64_t offset; int64_t sizes[N];
 *   int64_t strides[N]; }. Result buffers are allocated with malloc by the
 * compiled code; release them with attnFreeBuffer(allocated), once per
 * distinct buffer (results may alias each other or an input).
 *
 * Shapes: compiled code does not re-check the relations between dynamic
 * dimensions (batch, sequence, heads). Verify the exact shapes first --
 * attnVerify on the same IR with the dimensions made static, as attn-run and
 * the Python package do -- or pass only consistent descriptors.
 */
#ifndef ATTN_C_CPUJIT_H
#define ATTN_C_CPUJIT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct AttnCpuModule AttnCpuModule;

/* Parses, verifies, compiles and JITs `ir` (`len` bytes of MLIR text).
 * Returns NULL on failure and sets *error to the diagnostics (free with
 * attnFreeString). `name` labels the source in diagnostics. */
AttnCpuModule *attnCpuCompile(const char *ir, size_t len, const char *name,
                              char **error);

/* attnCpuCompile with options of the attn-to-cpu pipeline, written as after
 * `attn-opt --attn-to-cpu=`: space-separated `name=value` pairs, e.g.
 *
 *   "precision=fp8 error-budget=0.02"
 *
 * `precision` (off | auto | fp8, default off) runs attn-assign-precision
 * with `error-budget` (default 3e-2) for target cpu; the CPU backend then
 * emulates the planned precision exactly. NULL or "" gives the defaults
 * (attnCpuCompile). A bad option string or value returns NULL with *error
 * saying what was wrong. */
AttnCpuModule *attnCpuCompileWithOptions(const char *ir, size_t len,
                                         const char *name, const char *options,
                                         char **error);

/* Parses and verifies `ir` only (no compilation): 0 if valid, otherwise
 * non-zero with *error set to the located diagnostics. */
int attnVerify(const char *ir, size_t len, const char *name, char **error);

/* What attnCpuInvoke returns when the compiled code could not allocate a
 * buffer (the inputs are too large for the machine's memory): every buffer
 * the call had allocated is released again. */
#define ATTN_CPU_OUT_OF_MEMORY 2

/* Calls `function` (see the calling convention above). Returns 0 on
 * success, ATTN_CPU_OUT_OF_MEMORY when an allocation of the compiled code
 * failed, another non-zero value otherwise; *error is set on failure. */
int attnCpuInvoke(AttnCpuModule *module, const char *function, void **args,
                  char **error);

void attnCpuDestroy(AttnCpuModule *module);
void attnFreeString(char *s);
void attnFreeBuffer(void *allocated);

#ifdef __cplusplus
}
#endif

#endif /* ATTN_C_CPUJIT_H */
