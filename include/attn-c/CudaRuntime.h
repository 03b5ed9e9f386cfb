/*===- attn-c/CudaRuntime.h - C API of the attn CUDA runtime ------*- C -*-===*\
|*                                                                            *|
|* Part of the attn project: an MLIR compiler for attention variants.         *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
/*
 * Loads PTX / cubin produced by attn and launches its kernels through the
 * CUDA driver API. libcuda.so.1 is opened with dlopen on first use, so
 * building needs no CUDA SDK and a machine without a GPU gets an error
 * message, not a failed link. Every error names the driver call that failed
 * and the driver's error name and text. Modules are loaded into a device's
 * primary context (device 0 unless attnCudaLoadModuleOn names another), the
 * one PyTorch uses for that device: device pointers from torch tensors can
 * be passed as kernel parameters directly. Each call makes the context it
 * needs current and restores the caller's before returning (the caller's
 * current device does not move).
 *
 * Functions returning int return 0 on success; on failure they set *error
 * (free with attnFreeString from attn-c/CpuJit.h) when error is not NULL.
 */
#ifndef ATTN_C_CUDARUNTIME_H
#define ATTN_C_CUDARUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct AttnCudaModule AttnCudaModule;

/* 0 if the driver loads, initialises and has a device; writes the device
 * name (or the reason there is none) into `buf`. */
int attnCudaProbe(char *buf, size_t len);

/* Compute capability and SM count of device 0. */
int attnCudaDeviceInfo(int *ccMajor, int *ccMinor, int *multiprocessors,
                       char **error);

/* Loads a PTX (NUL-terminated text) or cubin image into the primary
 * context of device 0, or of device `device` (the context torch and the
 * CUDA runtime use for it): its kernels run on that device. */
AttnCudaModule *attnCudaLoadModule(const void *image, size_t len,
                                   char **error);
AttnCudaModule *attnCudaLoadModuleOn(const void *image, size_t len,
                                     int device, char **error);
void attnCudaUnloadModule(AttnCudaModule *module);

/* Launches `kernel` with cuLaunchKernel: params[i] points at the i-th
 * kernel parameter's value. Dynamic shared memory above 48 KiB is enabled
 * on the function first. `stream` may be NULL (the legacy stream). Same as
 * attnCudaGetFunction then attnCudaLaunchFunction. */
int attnCudaLaunch(AttnCudaModule *module, const char *kernel,
                   const unsigned grid[3], const unsigned block[3],
                   unsigned dynamicSharedBytes, void *stream, void **params,
                   char **error);

/* A kernel of a loaded module, for launches again and again without a
 * lookup by name: `kernel`'s CUfunction with dynamic shared memory up to
 * `dynamicSharedBytes` enabled (above 48 KiB), launched in its module's
 * context. One handle per kernel (asking again returns it, its shared-memory
 * limit only ever raised); valid while its module is loaded, released with
 * it. NULL (and `error` set) if there is no such
 * kernel or the driver refuses the shared-memory size. */
typedef struct AttnCudaFunction AttnCudaFunction;
AttnCudaFunction *attnCudaGetFunction(AttnCudaModule *module,
                                      const char *kernel,
                                      unsigned dynamicSharedBytes,
                                      char **error);

/* cuLaunchKernel of a function from attnCudaGetFunction, with at most the
 * dynamic shared memory it was got for (more is refused). */
int attnCudaLaunchFunction(AttnCudaFunction *function, const unsigned grid[3],
                           const unsigned block[3],
                           unsigned dynamicSharedBytes, void *stream,
                           void **params, char **error);

/* Encodes a TMA descriptor (CUtensorMap, 128 bytes) into `map` (64-byte
 * aligned) with cuTensorMapEncodeTiled: a row-major tensor at `global` of
 * `rank` dimensions, `dims` and `box` innermost first, `strides` the byte
 * strides of dimensions 1 .. rank-1, elements of `elementBytes` (1, 2 or 4)
 * copied as raw bits, `swizzle` 0, 32, 64 or 128 bytes, rows outside the
 * tensor filled with zeros, L2 promotion of 256 bytes. */
int attnCudaEncodeTensorMap(void *map, unsigned elementBytes, unsigned rank,
                            uint64_t global, const uint64_t *dims,
                            const uint64_t *strides, const uint32_t *box,
                            unsigned swizzle, char **error);

int attnCudaSynchronize(char **error);
int attnCudaMalloc(uint64_t *devicePtr, size_t bytes, char **error);
int attnCudaFree(uint64_t devicePtr, char **error);
int attnCudaCopyToDevice(uint64_t dst, const void *src, size_t bytes,
                         char **error);
int attnCudaCopyToHost(void *dst, uint64_t src, size_t bytes, char **error);

#ifdef __cplusplus
}
#endif

#endif /* ATTN_C_CUDARUNTIME_H */
