// attn.full's forward kernel through the tile IR (attn-to-nvvm's default):
// on sm_90a a warp-specialised kernel (atile-warp-specialize): a producer
// warpgroup (setmaxnreg.dec 24) whose one thread fills the K and V rings by
// TMA (cp.async.bulk.tensor with the by-value tensor maps, mbarrier
// expect_tx / try_wait), two consumer warpgroups (setmaxnreg.inc 240) that
// load their queries by cp.async and run wgmma chains (Q K^T with both
// operands from shared memory, P V with P in registers and V MN-major),
// awaiting and releasing the ring slots; on sm_80 (and with wgmma=false)
// mma.sync m16n8k16 with ldmatrix (.trans for V) and cp.async loads;
// warp-specialize=false keeps every warp a consumer; the builder's decode
// and combine kernels beside it in the same module and manifest. Where the CUDA toolkit is installed ptxas
// accepts every kernel for sm_90a and sm_80 with no spills (head dims 64 and
// 128, GQA with a window and a soft-cap, LSE). Then convert-atile-to-nvvm's
// located errors.
// RUN: split-file %s %t
// RUN: attn-opt %t/d128.mlir --attn-to-nvvm | %python %attn_src/scripts/extract-ptx.py - %t/d128
// RUN: FileCheck %s --check-prefix=PTX < %t/d128/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90a -v %t/d128/attn_kernels.ptx -o %t/d128.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL %}
// RUN: attn-opt %t/d128.mlir --attn-to-nvvm=chip=sm_80 | %python %attn_src/scripts/extract-ptx.py - %t/sm80
// RUN: FileCheck %s --check-prefix=MMA < %t/sm80/attn_kernels.ptx
// RUN: attn-opt %t/d128.mlir --attn-to-nvvm=wgmma=false | %python %attn_src/scripts/extract-ptx.py - %t/nowg
// RUN: FileCheck %s --check-prefix=MMA < %t/nowg/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90a -v %t/nowg/attn_kernels.ptx -o %t/nowg.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL %}
// RUN: %if ptxas %{ %ptxas -arch=sm_80 -v %t/sm80/attn_kernels.ptx -o %t/sm80.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL80 %}
// RUN: attn-opt %t/d128.mlir --attn-to-nvvm=warp-specialize=false | %python %attn_src/scripts/extract-ptx.py - %t/nows
// RUN: FileCheck %s --check-prefix=NOWS < %t/nows/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90a -v %t/nows/attn_kernels.ptx -o %t/nows.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL %}
// RUN: attn-opt %t/d128.mlir --attn-to-nvvm | FileCheck %s --check-prefix=LAUNCH
// RUN: attn-opt %t/d128.mlir --attn-to-nvvm | %python %attn_src/scripts/extract-ptx.py - %t/pingpong
// RUN: FileCheck %s --check-prefix=PINGPONG < %t/pingpong/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90a -v %t/pingpong/attn_kernels.ptx -o %t/pingpong.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL %}
// RUN: attn-opt %t/d128.mlir --attn-to-nvvm=tile-overlap=false | %python %attn_src/scripts/extract-ptx.py - %t/overlap
// RUN: FileCheck %s --check-prefix=SERIAL < %t/overlap/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90a -v %t/overlap/attn_kernels.ptx -o %t/overlap.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL %}
// RUN: attn-opt %t/gqa.mlir --attn-to-nvvm | %python %attn_src/scripts/extract-ptx.py - %t/gqa
// RUN: FileCheck %s --check-prefix=GQA < %t/gqa/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90a -v %t/gqa/attn_kernels.ptx -o %t/gqa.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL %}
// RUN: attn-opt %t/d128.mlir --attn-plan --convert-attn-to-gpu | FileCheck %s --check-prefix=MANIFEST
// RUN: attn-opt %t/errors.mlir -split-input-file -pass-pipeline='builtin.module(gpu.module(convert-atile-to-nvvm))' -verify-diagnostics -o /dev/null

//--- d128.mlir
func.func @prefill(%q: tensor<?x?x16x128xbf16>, %k: tensor<?x?x16x128xbf16>, %v: tensor<?x?x16x128xbf16>) -> tensor<?x?x16x128xbf16> {
  %o = attn.full %q, %k, %v {causal} : (tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>) -> tensor<?x?x16x128xbf16>
  return %o : tensor<?x?x16x128xbf16>
}
// PTX-LABEL: .entry prefill_full_fwd(
// PTX: .param .align 64 .b8 prefill_full_fwd_param_15[128],
// PTX-NEXT: .param .align 64 .b8 prefill_full_fwd_param_16[128]
// PTX: .maxntid 384, 1, 1
// PTX-DAG: mbarrier.init.shared.b64
// PTX-DAG: fence.mbarrier_init.release.cluster;
// PTX-DAG: setmaxnreg.dec.sync.aligned.u32 24;
// PTX-DAG: setmaxnreg.inc.sync.aligned.u32 240;
// PTX-DAG: mbarrier.arrive.expect_tx.shared.b64
// PTX-DAG: cp.async.bulk.tensor.4d.shared::cluster.global.tile.mbarrier::complete_tx::bytes
// PTX-DAG: mbarrier.try_wait.parity.shared.b64
// PTX-DAG: mbarrier.arrive.shared.b64
// PTX-DAG: cp.async.cg.shared.global
// PTX-DAG: cp.async.wait_group
// PTX-DAG: fence.proxy.async.shared::cta
// PTX-DAG: bar.sync {{%r[0-9]+}}, 128;
// PTX-DAG: wgmma.fence.sync.aligned
// PTX-DAG: wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 {{.*}}, p, 1, 1, 0, 0;
// PTX-DAG: wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 {{.*}}, {%r{{[0-9]+}},%r{{[0-9]+}},%r{{[0-9]+}},%r{{[0-9]+}}}, {{.*}}, p, 1, 1, 1;
// PTX-DAG: wgmma.wait_group.sync.aligned 0
// PTX-DAG: wgmma.wait_group.sync.aligned 1;
// PTX-DAG: ex2.approx
// O leaves through the query tile: 16-byte shared loads and global stores.
// PTX-DAG: ld.shared.v4.b32
// PTX-DAG: st.global.v4.b32
// PTX-NOT: mma.sync
// PTX-LABEL: .entry prefill_full_decode(
// The consumers' ping-pong (default; warp-pingpong): consumer 1 lets consumer 0 issue first (bar.arrive on
// barrier 3), each issue is a turn on the consumer's barrier (3 + c, both
// warpgroups' 256 threads), consumer 0 takes the last turn handed over.
// PINGPONG-LABEL: .entry prefill_full_fwd(
// PINGPONG: setmaxnreg.inc.sync.aligned.u32 240;
// PINGPONG: bar.arrive 3, 256;
// PINGPONG: bar.sync {{%r[0-9]+}}, 256;
// PINGPONG: wgmma.mma_async
// PINGPONG: bar.arrive {{%r[0-9]+}}, 256;
// PINGPONG: bar.sync 3, 256;
// PINGPONG-LABEL: .entry prefill_full_decode(
// Without warp specialisation: 8 consumer warps, cp.async rings.
// NOWS-LABEL: .entry prefill_full_fwd(
// NOWS-NOT: .param .align 64
// NOWS: .maxntid 256, 1, 1
// NOWS-NOT: setmaxnreg
// NOWS-NOT: cp.async.bulk.tensor
// NOWS: wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16
// NOWS-LABEL: .entry prefill_full_decode(
// The manifest's forward launch after the tile passes: 12 warps, the
// buffers (Q 2 x 64 x 128, K and V 2 x 128 x 128: 160 KiB) and 2 rings of
// 2 stages x 16 bytes of barriers; the K and V tensor maps (one 128-byte
// column block, one head, 128 rows, one batch a box) after the sizes.
// LAUNCH: args = ["q", "k", "v", "idx", "o", "lse", "o_part", "lse_part", "B", "T", "S", "H", "Hkv", "N", "nsplit", "k_map", "v_map"], block = [384, 1, 1], grid = ["cdiv(T*(H/Hkv), 128)", "Hkv", "B*nsplit"], kernel = "prefill_full_fwd", smem = 163904
// LAUNCH-SAME: limits = [{below = 2147483648 : i64, expr = "T*(H/Hkv)", what = "query rows T x H/Hkv"}, {below = 2147483648 : i64, expr = "S", what = "keys S"}]
// LAUNCH-SAME: tensormaps = [{box = [64, 1, 128, 1], name = "k_map", swizzle = 128 : i64, tensor = "k"}, {box = [64, 1, 128, 1], name = "v_map", swizzle = 128 : i64, tensor = "v"}]
// PTX-LABEL: .entry prefill_full_combine(
// The default overlaps (tile-overlap): Q K^T of tile j + 1 and P V of tile
// j issued together, the scores waited for first (wait_group 1 above) while
// P V runs on; tile-overlap=false waits for each product.
// SERIAL-LABEL: .entry prefill_full_fwd(
// SERIAL-NOT: wgmma.wait_group.sync.aligned 1;
// SERIAL: wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16
// SERIAL-NOT: wgmma.wait_group.sync.aligned 1;
// SERIAL-LABEL: .entry prefill_full_decode(
// mma.sync (sm_80; sm_90a with wgmma=false).
// MMA-LABEL: .entry prefill_full_fwd(
// MMA-DAG: cp.async.cg.shared.global
// MMA-DAG: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// MMA-DAG: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// MMA-DAG: ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
// MMA-NOT: wgmma
// MMA-LABEL: .entry prefill_full_decode(
// Every kernel: no stack frame, no spills (ptxas reports them in any order).
// NOSPILL-NOT: {{[1-9][0-9]*}} bytes {{stack frame|spill}}
// sm_80: the tile program's kernel (the builder's decode kernel spills 16
// bytes there, as before).
// NOSPILL80: Compiling entry function 'prefill_full_fwd' for 'sm_80'
// NOSPILL80-NEXT: Function properties
// NOSPILL80-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// The manifest is the builder's: same launches, the forward kernel's shared
// memory from its atile.alloc buffers before the tile passes (Q 128 x 128,
// K and V 2 x 128 x 128: 160 KiB; attn-launch-sizes sets the final block
// and size).
// MANIFEST: block = [256, 1, 1], grid = ["cdiv(T*(H/Hkv), 128)", "Hkv", "B*nsplit"], kernel = "prefill_full_fwd", smem = 163840
// MANIFEST: gpu.module @attn_kernels attributes {atile.target = #atile.target<"sm_90a">}
// MANIFEST: gpu.func @prefill_full_fwd
// MANIFEST: atile.online_softmax

//--- gqa.mlir
func.func @gqa(%q: tensor<?x?x16x64xf16>, %k: tensor<?x?x2x64xf16>, %v: tensor<?x?x2x64xf16>) -> (tensor<?x?x16x64xf16>, tensor<?x?x16xf32>) {
  %o, %lse = attn.full %q, %k, %v {causal, window = 256 : i64, softcap = 20.0 : f64} : (tensor<?x?x16x64xf16>, tensor<?x?x2x64xf16>, tensor<?x?x2x64xf16>) -> (tensor<?x?x16x64xf16>, tensor<?x?x16xf32>)
  return %o, %lse : tensor<?x?x16x64xf16>, tensor<?x?x16xf32>
}
// GQA-LABEL: .entry gqa_full_fwd(
// GQA-DAG: tanh.approx.f32
// GQA-DAG: wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16
// GQA-DAG: lg2.approx
// GQA-LABEL: .entry gqa_full_decode(

//--- errors.mlir
// expected-error @+1 {{convert-atile-to-nvvm needs the gpu.module's atile.target}}
gpu.module @m {
  gpu.func @k() kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    %f = atile.fill 0.0 : !atile.frag<64xf32, #atile.layout<mma_sync, row, warps = 4>>
    gpu.return
  }
}

// -----

gpu.module @m attributes {atile.target = #atile.target<"sm_90a">} {
  gpu.func @k() kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    // expected-error @+1 {{has a fragment without a layout ('!atile.frag<64xf32>'); run atile-assign-layouts first}}
    %f = atile.fill 0.0 : !atile.frag<64xf32>
    gpu.return
  }
}

// -----

gpu.module @m attributes {atile.target = #atile.target<"sm_90a">} {
  gpu.func @k() kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    // expected-error @+1 {{has a wgmma fragment of 128 rows over 4 warps; convert-atile-to-nvvm lowers 64 rows per warpgroup}}
    %f = atile.fill 0.0 : !atile.frag<128xf32, #atile.layout<wgmma, row, warps = 4>>
    gpu.return
  }
}

// -----

// Scores of a plain-register (simt) layout: masks, the softmax and shared
// loads follow a product's layout.
gpu.module @m attributes {atile.target = #atile.target<"sm_90a">} {
  gpu.func @k(%i: index) kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    %s = atile.fill 0.0 : !atile.frag<64x32xf32, #atile.layout<simt, acc, warps = 4, lanes = 8>>
    // expected-error @+1 {{takes fragments of a tensor-core layout (mma_sync or wgmma), not simt}}
    %m = atile.mask %s row %i col %i keys %i group %i offset %i : !atile.frag<64x32xf32, #atile.layout<simt, acc, warps = 4, lanes = 8>>
    gpu.return
  }
}

// -----

gpu.module @m attributes {atile.target = #atile.target<"sm_90a">} {
  gpu.func @k() kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    // expected-error @+1 {{has a fragment laid out over 8 warps in a kernel of 4}}
    %f = atile.fill 0.0 : !atile.frag<128xf32, #atile.layout<mma_sync, row, warps = 8>>
    gpu.return
  }
}

// -----

gpu.module @m attributes {atile.target = #atile.target<"sm_90a">} {
  gpu.func @k(%p: !llvm.ptr<1>, %n: i64, %map: !llvm.ptr) kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    %c0 = arith.constant 0 : index
    %v = atile.view %p[%n] tensormap(%map : !llvm.ptr) : !llvm.ptr<1> -> !atile.view<?x128xbf16>
    %b = atile.alloc : !atile.smem<1x64x128xbf16, swizzle = 128>
    %s = atile.stage %b[%c0] : !atile.smem<1x64x128xbf16, swizzle = 128> -> !atile.smem<64x128xbf16, swizzle = 128>
    // A TMA copy completes its ring's barrier: into a buffer no ring op
    // names (outside atile.warp_specialize), it has none.
    // expected-error @+1 {{names a buffer without ring barriers}}
    %t = atile.copy %v[] rows %c0 -> %s {rows = array<i64: 0>, engine = #atile.engine<tma>} : !atile.view<?x128xbf16> -> !atile.smem<64x128xbf16, swizzle = 128>
    gpu.return
  }
}

// -----

gpu.module @m attributes {atile.target = #atile.target<"sm_80">} {
  // expected-error @+1 {{needs 393216 bytes of shared memory; sm_80 allows 166912}}
  gpu.func @k() kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    %b = atile.alloc : !atile.smem<3x256x128xf32>
    gpu.return
  }
}

// -----

gpu.module @m attributes {atile.target = #atile.target<"sm_90a">} {
  gpu.func @k() kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    %f = atile.fill 0.0 : !atile.frag<64x64xf32, #atile.layout<mma_sync, acc, warps = 4>>
    // expected-error @+1 {{is not lowered to NVVM yet (convert-atile-to-nvvm)}}
    %q, %s = atile.quantize %f : !atile.frag<64x64xf32, #atile.layout<mma_sync, acc, warps = 4>> -> !atile.frag<64x64xf8E4M3FN>, !atile.frag<64xf32>
    gpu.return
  }
}
