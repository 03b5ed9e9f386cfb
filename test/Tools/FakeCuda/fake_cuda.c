/* A stand-in libcuda.so.1 whose cuInit fails (as with CUDA_VISIBLE_DEVICES=""
 * or driver libraries without a GPU): the attn runtime must answer "no"
 * with the failing call, not hang or crash. Test-only. */
#include <stddef.h>
int cuInit(unsigned f) { (void)f; return 100; }
int cuDeviceGetCount(int *c) { *c = 0; return 0; }
int cuDeviceGet(int *d, int i) { (void)d; (void)i; return 0; }
int cuDeviceGetName(char *n, int l, int d) { (void)n; (void)l; (void)d; return 0; }
int cuDeviceGetAttribute(int *v, int a, int d) { (void)a; (void)d; *v = 0; return 0; }
int cuDevicePrimaryCtxRetain(void **c, int d) { (void)c; (void)d; return 0; }
static void *current_context;
int cuCtxSetCurrent(void *c) { current_context = c; return 0; }
int cuCtxGetCurrent(void **c) { *c = current_context; return 0; }
int cuCtxSynchronize(void) { return 0; }
int cuModuleLoadDataEx(void **m, const void *i, unsigned n, int *o, void **v) {
  (void)m; (void)i; (void)n; (void)o; (void)v; return 0;
}
int cuModuleUnload(void *m) { (void)m; return 0; }
int cuModuleGetFunction(void **f, void *m, const char *n) { (void)f; (void)m; (void)n; return 0; }
int cuFuncSetAttribute(void *f, int a, int v) { (void)f; (void)a; (void)v; return 0; }
int cuLaunchKernel(void *f, unsigned a, unsigned b, unsigned c, unsigned d,
                   unsigned e, unsigned g, unsigned s, void *st, void **p, void **x) {
  (void)f; (void)a; (void)b; (void)c; (void)d; (void)e; (void)g; (void)s;
  (void)st; (void)p; (void)x; return 0;
}
int cuMemAlloc_v2(void *p, size_t b) { (void)p; (void)b; return 0; }
int cuMemFree_v2(unsigned long long p) { (void)p; return 0; }
int cuMemcpyHtoD_v2(unsigned long long d, const void *s, size_t b) { (void)d; (void)s; (void)b; return 0; }
int cuMemcpyDtoH_v2(void *d, unsigned long long s, size_t b) { (void)d; (void)s; (void)b; return 0; }
int cuGetErrorName(int r, const char **s) { (void)r; *s = "CUDA_ERROR_NO_DEVICE"; return 0; }
int cuGetErrorString(int r, const char **s) { (void)r; *s = "no CUDA-capable device is detected"; return 0; }
