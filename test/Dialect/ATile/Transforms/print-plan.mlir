// attn-print-plan shows the tile IR's decisions, one line per tile program:
// the chip, the warps, the product instruction (wgmma on sm_90a, mma.sync on
// sm_80 and in the one-warp decode kernel), the copy engine, the staged
// buffers, the pipelining of atile-pipeline and the warp roles of
// atile-warp-specialize.
// RUN: attn-opt %s --attn-plan --convert-attn-to-gpu | attn-opt --pass-pipeline='builtin.module(gpu.module(atile-assign-layouts,atile-warp-specialize,atile-pipeline),attn-print-plan)' -o /dev/null | FileCheck %s
// RUN: attn-opt %s --attn-plan --convert-attn-to-gpu | attn-opt --pass-pipeline='builtin.module(gpu.module(atile-assign-layouts,atile-pipeline),attn-print-plan)' -o /dev/null | FileCheck %s --check-prefix=NOWS
// RUN: attn-opt %s --attn-plan --convert-attn-to-gpu | attn-opt --pass-pipeline='builtin.module(gpu.module(atile-assign-layouts,atile-warp-specialize{pingpong=false},atile-pipeline),attn-print-plan)' -o /dev/null | FileCheck %s --check-prefix=NOTURNS
// RUN: attn-opt %s --attn-plan=target=sm_80 --convert-attn-to-gpu=chip=sm_80 | attn-opt --pass-pipeline='builtin.module(gpu.module(atile-pipeline,atile-assign-layouts),attn-print-plan)' -o /dev/null | FileCheck %s --check-prefix=SM80
// RUN: attn-opt %s --attn-plan --convert-attn-to-gpu | attn-opt --attn-print-plan -o /dev/null | FileCheck %s --check-prefix=UNASSIGNED

// The chunked delta rule's scan: one consumer warpgroup (64 value
// columns), its six tiles a chunk (the last its decays, an unswizzled f32
// row) from the TMA producer; without
// atile-warp-specialize every warp copies; on sm_80 mma.sync.
// CHECK: @kda_delta_scan: tile program sm_90a warps=8 -> mma=wgmma copies=tma buffers=2x64x128bf16,2x64x128bf16,2x64x128bf16,2x64x64bf16,2x64x64bf16,2x1x128f32 async_products=4 warp_specialized (producer 4 warps, 6 ring fills; 1 consumer warpgroups, registers not moved)
// NOWS: @kda_delta_scan: tile program sm_90a warps=4 -> mma=wgmma copies=cp_async {{.*}} pipelined (copies in flight <= 6) async_products=4
// SM80: @kda_delta_scan: tile program sm_80 warps=4 -> mma=mma_sync copies=cp_async
func.func @kda(%q: tensor<?x?x?x128xbf16>, %k: tensor<?x?x?x128xbf16>, %v: tensor<?x?x?x128xbf16>,
               %beta: tensor<?x?x?xf32>, %g: tensor<?x?x?x128xf32>) -> tensor<?x?x?x128xbf16> {
  %o = attn.delta %q, %k, %v, %beta gate(%g) {form = #attn.form<chunked>}
      : (tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>, tensor<?x?x?xf32>,
         tensor<?x?x?x128xf32>) -> tensor<?x?x?x128xbf16>
  return %o : tensor<?x?x?x128xbf16>
}

func.func @prefill(%q: tensor<?x?x16x128xbf16>, %k: tensor<?x?x16x128xbf16>, %v: tensor<?x?x16x128xbf16>) -> tensor<?x?x16x128xbf16> {
  %o = attn.full %q, %k, %v {causal} : (tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>) -> tensor<?x?x16x128xbf16>
  return %o : tensor<?x?x16x128xbf16>
}

// On sm_90a: a TMA producer warpgroup and 2 consumer warpgroups of 64
// query rows each (the queries copied by each consumer into its own stage),
// the overlapped loop (tile 0's K before it, tile j + 1's K and tile j's V
// in it, the last V after it: 4 ring fills in the program; every product
// asynchronous).
// CHECK: @prefill_full_fwd: tile program sm_90a warps=12 -> mma=wgmma copies=tma,cp_async buffers=2x64x128bf16,2x128x128bf16,2x128x128bf16 async_products=4 warp_specialized (producer 4 warps at 24 registers, 4 ring fills; 2 consumer warpgroups at 240 registers, taking turns: 3 product issues)
// NOTURNS: @prefill_full_fwd: {{.*}} 2 consumer warpgroups at 240 registers)
// NOWS: @prefill_full_fwd: tile program sm_90a warps=8 -> mma=wgmma copies=cp_async buffers=1x128x128bf16,2x128x128bf16,2x128x128bf16 pipelined (copies in flight <= 2) async_products=4
// CHECK: @prefill_full_decode: tile program sm_90a warps=1 -> mma=mma_sync copies=cp_async buffers=1x16x128bf16,2x32x128bf16,2x32x128bf16 pipelined (copies in flight <= 3)
// SM80: @prefill_full_fwd: tile program sm_80 warps=4 -> mma=mma_sync copies=cp_async
// Before the atile passes: no instruction or engine yet.
// UNASSIGNED: @prefill_full_fwd: tile program sm_90a warps=8 -> mma=(unassigned) copies=unassigned buffers=1x128x128bf16,2x128x128bf16,2x128x128bf16
