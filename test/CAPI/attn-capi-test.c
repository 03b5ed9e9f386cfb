/*===- attn-capi-test.c - the attn C API from a C program -----------------===*\
|*                                                                            *|
|* Part of the attn project: an MLIR compiler for attention variants.         *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
/* Exercises include/attn-c/Attn.h and MLIR's C API through libAttnC.so
 * only: the API version, the dialect registered into a caller-owned context
 * (parse, verify, print), a located verifier error through a diagnostic
 * handler, attn's pipelines run by a C pass manager, and attnCompileModule
 * for a GPU chip (PTX + manifest) and for the CPU (LLVM IR), with its
 * errors. test/CAPI/capi.test checks the output with FileCheck. */

#include "attn-c/Attn.h"
#include "attn-c/Passes.h"
#include "mlir-c/Diagnostics.h"
#include "mlir-c/Pass.h"

#include <stdio.h>
#include <string.h>

static const char *kModule =
    "func.func @prefill(%q: tensor<1x?x4x64xbf16>, %k: tensor<1x?x4x64xbf16>)"
    " -> tensor<1x?x4x64xbf16> {\n"
    "  %o = attn.full %q, %k, %k {causal} : (tensor<1x?x4x64xbf16>, "
    "tensor<1x?x4x64xbf16>, tensor<1x?x4x64xbf16>) -> tensor<1x?x4x64xbf16>\n"
    "  return %o : tensor<1x?x4x64xbf16>\n}\n";

/* GQA with H = 4 not a multiple of Hkv = 3: the verifier rejects it. */
static const char *kBad =
    "func.func @bad(%q: tensor<1x8x4x64xbf16>, %k: tensor<1x8x3x64xbf16>)"
    " -> tensor<1x8x4x64xbf16> {\n"
    "  %o = attn.full %q, %k, %k : (tensor<1x8x4x64xbf16>, "
    "tensor<1x8x3x64xbf16>, tensor<1x8x3x64xbf16>) -> tensor<1x8x4x64xbf16>\n"
    "  return %o : tensor<1x8x4x64xbf16>\n}\n";

static void print(MlirStringRef s, void *user) {
  (void)user;
  fwrite(s.data, 1, s.length, stdout);
}

static MlirLogicalResult onDiagnostic(MlirDiagnostic d, void *user) {
  (void)user;
  printf("diagnostic: ");
  mlirDiagnosticPrint(d, print, NULL);
  printf("\n");
  return mlirLogicalResultSuccess();
}

/* The first line of `text` that contains `needle`, or "(none)". */
static void firstLineWith(const char *label, const char *text,
                          const char *needle) {
  const char *at = text ? strstr(text, needle) : NULL;
  if (!at) {
    printf("%s: (none)\n", label);
    return;
  }
  const char *start = at;
  while (start > text && start[-1] != '\n')
    --start;
  const char *end = strchr(at, '\n');
  printf("%s: %.*s\n", label, (int)(end ? end - start : (long)strlen(start)),
         start);
}

int main(void) {
  printf("api version %d\n", attnGetApiVersion());

  MlirContext ctx = mlirContextCreate();
  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  attnRegisterDialects(registry);
  mlirContextAppendDialectRegistry(ctx, registry);
  mlirDialectRegistryDestroy(registry);
  MlirDialect attn =
      mlirContextGetOrLoadDialect(ctx, mlirStringRefCreateFromCString("attn"));
  printf("attn dialect loaded: %d\n", !mlirDialectIsNull(attn));
  mlirContextAttachDiagnosticHandler(ctx, onDiagnostic, NULL, NULL);

  MlirModule module =
      mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(kModule));
  if (mlirModuleIsNull(module)) {
    printf("parse failed\n");
    return 1;
  }
  MlirOperation op = mlirModuleGetOperation(module);
  printf("verified: %d\n", mlirOperationVerify(op));

  MlirModule bad =
      mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(kBad));
  printf("bad module rejected: %d\n", mlirModuleIsNull(bad));

  /* attn's pipelines through MLIR's C pass manager. */
  attnRegisterPasses();
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  MlirOpPassManager opm = mlirPassManagerGetAsOpPassManager(pm);
  MlirLogicalResult parsed = mlirParsePassPipeline(
      opm,
      mlirStringRefCreateFromCString(
          "builtin.module(attn-plan{target=cpu precision=fp8})"),
      print, NULL);
  printf("\npipeline parsed: %d\n", mlirLogicalResultIsSuccess(parsed));
  MlirLogicalResult ran = mlirPassManagerRunOnOp(pm, op);
  printf("pipeline ran: %d\n", mlirLogicalResultIsSuccess(ran));
  mlirOperationPrint(op, print, NULL);
  printf("\n");
  mlirPassManagerDestroy(pm);
  mlirModuleDestroy(module);

  /* One generated pass constructor (attn-c/Passes.h): attn-tile with its
   * defaults (target cpu). */
  MlirModule again =
      mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(kModule));
  MlirPassManager pm2 = mlirPassManagerCreate(ctx);
  mlirPassManagerAddOwnedPass(pm2, mlirCreateAttnAttnTilePass());
  MlirLogicalResult tiled =
      mlirPassManagerRunOnOp(pm2, mlirModuleGetOperation(again));
  printf("attn-tile pass ran: %d\n", mlirLogicalResultIsSuccess(tiled));
  mlirOperationPrint(mlirModuleGetOperation(again), print, NULL);
  printf("\n");
  mlirPassManagerDestroy(pm2);
  mlirModuleDestroy(again);
  mlirContextDestroy(ctx);

  /* The string-in / string-out layer. */
  char *out = NULL, *manifest = NULL, *diag = NULL;
  int rc = attnCompileModule(kModule, strlen(kModule), "sm_90a",
                             "precision=auto", &out, &manifest, &diag);
  printf("sm_90a rc %d\n", rc);
  firstLineWith("ptx", out, ".target");
  firstLineWith("ptx entry", out, ".entry");
  firstLineWith("manifest", manifest, "\"launches\"");
  attnFreeString(out);
  attnFreeString(manifest);

  rc = attnCompileModule(kModule, strlen(kModule), "cpu", "precision=fp8", &out,
                         NULL, &diag);
  printf("cpu rc %d\n", rc);
  firstLineWith("llvm ir", out, "@_mlir_ciface_prefill(");
  attnFreeString(out);

  rc = attnCompileModule(kBad, strlen(kBad), "cpu", NULL, &out, NULL, &diag);
  printf("bad ir rc %d\n%s\n", rc, diag);
  attnFreeString(diag);
  rc = attnCompileModule(kModule, strlen(kModule), "tpu", NULL, &out, &manifest,
                         &diag);
  printf("bad target rc %d\n%s\n", rc, diag);
  attnFreeString(diag);
  rc = attnCompileModule(kModule, strlen(kModule), "cpu", "precision=fast",
                         &out, NULL, &diag);
  printf("bad options rc %d\n%s\n", rc, diag);
  attnFreeString(diag);
  rc = attnCompileModule(kModule, strlen(kModule), "sm_90a", NULL, &out, NULL,
                         &diag);
  printf("no manifest rc %d\n%s\n", rc, diag);
  attnFreeString(diag);
  return 0;
}
