/* A stand-in libcuda.so.1 with one pretend sm_90 device of 132 SMs whose
 * "device" memory is host memory and whose kernel launches are only
 * printed to stderr ("fake-cuda: launch <kernel> grid=(x,y,z)
 * block=(x,y,z) smem=N"). Lets the tests check what attn-run
 * --target=cuda launches (grids from the manifest, the split count, when
 * conditions, buffer handling) on a machine without a GPU. Test-only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cuInit(unsigned f) { (void)f; return 0; }
int cuDeviceGetCount(int *c) { *c = 1; return 0; }
int cuDeviceGet(int *d, int i) { *d = i; return 0; }
int cuDeviceGetName(char *n, int l, int d) {
  (void)d; snprintf(n, (size_t)l, "fake sm_90 device"); return 0;
}
int cuDeviceGetAttribute(int *v, int a, int d) {
  (void)d;
  *v = a == 75 ? 9 : a == 76 ? 0 : a == 16 ? 132 : 0;
  return 0;
}
int cuDevicePrimaryCtxRetain(void **c, int d) { (void)d; *c = (void *)1; return 0; }
/* The current context is per thread, as the driver's; the calls that need
 * one fail with CUDA_ERROR_INVALID_CONTEXT (201) when none is current, so
 * the runtime's context handling is checked too. */
static _Thread_local void *current_context;
#define NEED_CONTEXT() do { if (!current_context) return 201; } while (0)
int cuCtxSetCurrent(void *c) { current_context = c; return 0; }
int cuCtxGetCurrent(void **c) { *c = current_context; return 0; }
int cuCtxSynchronize(void) { NEED_CONTEXT(); return 0; }
/* The loaded PTX, to count a kernel's parameters at launch. */
static char *ptx;
int cuModuleLoadDataEx(void **m, const void *i, unsigned n, int *o, void **v) {
  (void)n; (void)o; (void)v;
  NEED_CONTEXT();
  free(ptx);
  ptx = strdup((const char *)i);
  *m = (void *)1;
  return 0;
}
/* Number of .param entries of `.entry name(`: attn kernels take 8-byte
 * parameters (pointers and int64 sizes) and 128-byte TMA descriptors
 * (printed by their first 8 bytes: "ptr"). */
static int paramCount(const char *name) {
  char key[512];
  snprintf(key, sizeof key, ".entry %s(", name);
  const char *at = ptx ? strstr(ptx, key) : NULL;
  if (!at)
    return 0;
  const char *end = strchr(at, ')');
  int n = 0;
  for (const char *q = strstr(at, ".param"); q && q < end; q = strstr(q + 1, ".param"))
    ++n;
  return n;
}
int cuModuleUnload(void *m) { (void)m; NEED_CONTEXT(); return 0; }
int cuModuleGetFunction(void **f, void *m, const char *n) {
  (void)m; NEED_CONTEXT(); *f = strdup(n); return 0;
}
int cuFuncSetAttribute(void *f, int a, int v) { (void)f; (void)a; (void)v; return 0; }
int cuLaunchKernel(void *f, unsigned a, unsigned b, unsigned c, unsigned d,
                   unsigned e, unsigned g, unsigned s, void *st, void **p, void **x) {
  (void)st; (void)x;
  NEED_CONTEXT();
  fprintf(stderr, "fake-cuda: launch %s grid=(%u,%u,%u) block=(%u,%u,%u) smem=%u params=",
          (const char *)f, a, b, c, d, e, g, s);
  /* Small values print as numbers (sizes), others as "ptr" (addresses),
   * zero as 0 (a null pointer or a zero size). */
  int n = paramCount((const char *)f);
  for (int i = 0; i < n; ++i) {
    long long v = *(long long *)p[i];
    if (v >= 0 && v < (1 << 24))
      fprintf(stderr, "%s%lld", i ? "," : "", v);
    else
      fprintf(stderr, "%sptr", i ? "," : "");
  }
  fprintf(stderr, "\n");
  return 0;
}
int cuMemAlloc_v2(unsigned long long *p, size_t b) {
  NEED_CONTEXT();
  void *m = calloc(1, b ? b : 1);
  *p = (unsigned long long)(size_t)m;
  return m ? 0 : 2;
}
int cuMemFree_v2(unsigned long long p) { NEED_CONTEXT(); free((void *)(size_t)p); return 0; }
int cuMemcpyHtoD_v2(unsigned long long d, const void *s, size_t b) {
  NEED_CONTEXT();
  memcpy((void *)(size_t)d, s, b); return 0;
}
int cuMemcpyDtoH_v2(void *d, unsigned long long s, size_t b) {
  NEED_CONTEXT();
  memcpy(d, (const void *)(size_t)s, b); return 0;
}
/* TMA descriptors: printed ("fake-cuda: tensormap rank=4 dims=...
 * strides=... box=... swizzle=3"), the 128 bytes filled with a marker. */
int cuTensorMapEncodeTiled(void *map, int type, unsigned rank, void *g,
                           const unsigned long long *dims,
                           const unsigned long long *strides,
                           const unsigned *box, const unsigned *es, int il,
                           int sw, int l2, int oob) {
  (void)g; (void)es; (void)il; (void)l2; (void)oob;
  NEED_CONTEXT();
  fprintf(stderr, "fake-cuda: tensormap type=%d rank=%u dims=", type, rank);
  for (unsigned i = 0; i < rank; ++i)
    fprintf(stderr, "%s%llu", i ? "," : "", dims[i]);
  fprintf(stderr, " strides=");
  for (unsigned i = 0; i + 1 < rank; ++i)
    fprintf(stderr, "%s%llu", i ? "," : "", strides[i]);
  fprintf(stderr, " box=");
  for (unsigned i = 0; i < rank; ++i)
    fprintf(stderr, "%s%u", i ? "," : "", box[i]);
  fprintf(stderr, " swizzle=%d\n", sw);
  memset(map, 0x5a, 128);
  return 0;
}
int cuGetErrorName(int r, const char **s) { (void)r; *s = "CUDA_ERROR_FAKE"; return 0; }
int cuGetErrorString(int r, const char **s) { (void)r; *s = "fake error"; return 0; }
