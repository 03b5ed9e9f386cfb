// attn-print-plan shows the tile IR's decisions, one line per tile program:
// the chip, the warps, the product instruction (wgmma on sm_90a, mma.sync on
// sm_80 and in the one-warp decode kernel), the copy engine, the staged
// buffers and the pipelining of atile-pipeline.
// RUN: attn-opt %s --attn-plan --convert-attn-to-gpu | attn-opt --pass-pipeline='builtin.module(gpu.module(atile-pipeline,atile-assign-layouts),attn-print-plan)' -o /dev/null | FileCheck %s
// RUN: attn-opt %s --attn-plan=target=sm_80 --convert-attn-to-gpu=chip=sm_80 | attn-opt --pass-pipeline='builtin.module(gpu.module(atile-pipeline,atile-assign-layouts),attn-print-plan)' -o /dev/null | FileCheck %s --check-prefix=SM80
// RUN: attn-opt %s --attn-plan --convert-attn-to-gpu | attn-opt --attn-print-plan -o /dev/null | FileCheck %s --check-prefix=UNASSIGNED

func.func @prefill(%q: tensor<?x?x16x128xbf16>, %k: tensor<?x?x16x128xbf16>, %v: tensor<?x?x16x128xbf16>) -> tensor<?x?x16x128xbf16> {
  %o = attn.full %q, %k, %v {causal} : (tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>) -> tensor<?x?x16x128xbf16>
  return %o : tensor<?x?x16x128xbf16>
}

// CHECK: @prefill_full_fwd: tile program sm_90a warps=4 -> mma=wgmma copies=cp_async buffers=1x64x128bf16,1x64x128bf16,1x64x128bf16 pipelined (copies in flight <= 1)
// CHECK: @prefill_full_decode: tile program sm_90a warps=1 -> mma=mma_sync copies=cp_async buffers=1x16x128bf16,2x32x128bf16,2x32x128bf16 pipelined (copies in flight <= 3)
// SM80: @prefill_full_fwd: tile program sm_80 warps=4 -> mma=mma_sync copies=cp_async
// Before the atile passes: no instruction or engine yet.
// UNASSIGNED: @prefill_full_fwd: tile program sm_90a warps=4 -> mma=(unassigned) copies=unassigned buffers=1x64x128bf16,1x64x128bf16,1x64x128bf16
