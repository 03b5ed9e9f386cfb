// convert-attn-to-gpu on attn.full: a function holding one planned op
// becomes three kernels in gpu.module @attn_kernels (prefill and one-warp
// decode as tile programs, split-KV combine) and a manifest entry saying how
// to launch them; the function itself is gone. Unsupported inputs are
// located errors.
// RUN: split-file %s %t
// RUN: attn-opt %t/full.mlir --attn-tile=target=sm_90a --convert-attn-to-gpu | FileCheck %s --implicit-check-not=func.func
// RUN: attn-opt %t/full.mlir --attn-tile=target=sm_90a --convert-attn-to-gpu | FileCheck %s --check-prefix=MANIFEST
// RUN: attn-opt %t/errors.mlir -split-input-file --attn-tile=target=sm_90a --convert-attn-to-gpu -verify-diagnostics -o /dev/null
// RUN: not attn-opt %t/full.mlir --attn-to-nvvm=chip=sm_75 -o /dev/null 2>&1 | FileCheck %s --check-prefix=OLD
// RUN: attn-opt %t/sparse.mlir --attn-tile=target=sm_90a --convert-attn-to-gpu | FileCheck %s --check-prefix=SPARSE

// No host function is left, before or after the kernels (--implicit-check-not).
// The forward and decode kernels are tile programs (lowered by
// attn-to-nvvm's atile passes, test/Conversion/ATileToNVVM); the combine
// kernel is built.
// CHECK: gpu.module @attn_kernels attributes {atile.target = #atile.target<"sm_90a">}
// On sm_90a the forward kernel also takes the TMA descriptors of K and V
// (by value, after the sizes) for atile-warp-specialize's producer.
// CHECK: gpu.func @gqa_full_fwd(%{{.*}}: !llvm.ptr<1>, {{.*}}: i64, %{{.*}}: i64, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr) kernel attributes {attn.tensormap_args = array<i64: 15, 16>, known_block_size = array<i32: 256, 1, 1>}
// CHECK: atile.view {{.*}} tensormap
// CHECK: atile.copy
// CHECK: scf.for
// CHECK: atile.mma
// CHECK: atile.online_softmax
// The decode kernel: one warp, 16 packed rows, 32-key tiles in 2 stages.
// CHECK: gpu.func @gqa_full_decode({{.*}}) kernel attributes {known_block_size = array<i32: 32, 1, 1>}
// CHECK: atile.alloc : !atile.smem<1x16x128xbf16, swizzle = 128>
// CHECK: atile.alloc : !atile.smem<2x32x128xbf16, swizzle = 128>
// CHECK: atile.online_softmax
// CHECK: gpu.func @gqa_full_combine({{.*}}) kernel attributes {known_block_size = array<i32: 128, 1, 1>}


// MANIFEST: attn.manifest = [{
// MANIFEST-SAME: inputs = [{arg = 0 : i64, dtype = "bf16", name = "q", shape = ["B", "T", "H", "128"]}, {arg = 1 : i64, dtype = "bf16", name = "k", shape = ["B", "S", "Hkv", "128"]}, {arg = 2 : i64, dtype = "bf16", name = "v", shape = ["B", "S", "Hkv", "128"]}]
// MANIFEST-SAME: launches = [{args = ["q", "k", "v", "idx", "o", "lse", "o_part", "lse_part", "B", "T", "S", "H", "Hkv", "N", "nsplit", "k_map", "v_map"], block = [256, 1, 1], grid = ["cdiv(T*(H/Hkv), 128)", "Hkv", "B*nsplit"], kernel = "gqa_full_fwd", smem = 163840 : i64, when = "T*(H/Hkv) > 16"}
// MANIFEST-SAME: {args = ["q", "k", "v", "idx", "o", "lse", "o_part", "lse_part", "B", "T", "S", "H", "Hkv", "N", "nsplit"], block = [32, 1, 1], grid = ["cdiv(T*(H/Hkv), 16)", "Hkv", "B*nsplit"], kernel = "gqa_full_decode", smem = 36864 : i64, when = "T*(H/Hkv) <= 16"}
// MANIFEST-SAME: {args = ["o_part", "lse_part", "o", "lse", "rows", "nsplit"], block = [128, 1, 1], grid = ["B*T*H", "1", "1"], kernel = "gqa_full_combine", smem = 0 : i64, when = "nsplit > 1"}]
// MANIFEST-SAME: name = "gqa", op = "attn.full"
// MANIFEST-SAME: outputs = [{dtype = "bf16", name = "o", shape = ["B", "T", "H", "128"]}, {dtype = "f32", name = "lse", shape = ["B", "T", "H"]}]
// MANIFEST-SAME: params = {nsplit = {blocks = "select(T*(H/Hkv) <= 16, cdiv(T*(H/Hkv), 16), cdiv(T*(H/Hkv), 128))*Hkv*B", ctas_per_sm = 4 : i64, max = 32 : i64, tiles = "cdiv(S, 128)"}}
// MANIFEST-SAME: sizes = {B = ["q", "0"], H = ["q", "2"], Hkv = ["k", "2"], S = ["k", "1"], T = ["q", "1"]}
// MANIFEST-SAME: tensormaps = [{box = [64, 1, 128, 1], name = "k_map", swizzle = 128 : i64, tensor = "k"}, {box = [64, 1, 128, 1], name = "v_map", swizzle = 128 : i64, tensor = "v"}]
// MANIFEST-SAME: workspaces = [{dtype = "f32", elements = "select(nsplit > 1, nsplit*B*T*H*128, 0)", name = "o_part"}, {dtype = "f32", elements = "select(nsplit > 1, nsplit*B*T*H, 0)", name = "lse_part"}]
// OLD: error: attn-{{tile|assign-precision}}: chip 'sm_75' is older than sm_80: attn's kernels need bf16 tensor cores and cp.async (sm_80 and newer)

// attn.sparse: the same tile program gathering the selected keys (one
// query per block: the G heads, padded to 16-row tiles; K / V rows through
// atile.gather, no tensor maps), no decode variant.
// SPARSE: attn.manifest = [{
// SPARSE-SAME: {arg = 3 : i64, dtype = "i32", name = "idx", shape = ["B", "T", "Hkv", "N"]}
// SPARSE-SAME: grid = ["T*cdiv(H/Hkv, 16)", "Hkv", "B*nsplit"], kernel = "dsa_sparse_fwd", smem = 20480 : i64}
// SPARSE-SAME: op = "attn.sparse"
// SPARSE-SAME: params = {nsplit = {blocks = "T*cdiv(H/Hkv, 16)*Hkv*B", ctas_per_sm = 4 : i64, max = 32 : i64, tiles = "cdiv(N*64, 32)"}}
// SPARSE-SAME: N = ["idx", "3"]
// SPARSE-NOT: tensormaps
// SPARSE: gpu.func @dsa_sparse_fwd({{.*}}) kernel attributes {known_block_size = array<i32: 32, 1, 1>}
// SPARSE: atile.gather
// SPARSE: atile.mask {{.*}} gathered
// SPARSE-NOT: gpu.func @dsa_sparse_decode
// SPARSE: gpu.func @dsa_sparse_combine

//--- sparse.mlir
func.func @dsa(%q: tensor<?x?x?x128xbf16>, %k: tensor<?x?x?x128xbf16>, %v: tensor<?x?x?x128xbf16>, %i: tensor<?x?x?x?xi32>)
    -> tensor<?x?x?x128xbf16> {
  %o = attn.sparse %q, %k, %v, %i {causal, block_size = 64 : i64}
      : (tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>, tensor<?x?x?x?xi32>)
      -> tensor<?x?x?x128xbf16>
  return %o : tensor<?x?x?x128xbf16>
}

//--- full.mlir
func.func @gqa(%q: tensor<?x?x32x128xbf16>, %k: tensor<?x?x8x128xbf16>, %v: tensor<?x?x8x128xbf16>)
    -> (tensor<?x?x32x128xbf16>, tensor<?x?x32xf32>) {
  %o, %lse = attn.full %q, %k, %v {causal, window = 4096 : i64, softcap = 50.0 : f64}
      : (tensor<?x?x32x128xbf16>, tensor<?x?x8x128xbf16>, tensor<?x?x8x128xbf16>)
      -> (tensor<?x?x32x128xbf16>, tensor<?x?x32xf32>)
  return %o, %lse : tensor<?x?x32x128xbf16>, tensor<?x?x32xf32>
}

//--- errors.mlir
// Kernels already in the module: block sizes the NVVM translation cannot
// print (it exits) are located errors first.
gpu.module @m {
  // expected-error @+1 {{known_block_size must be positive; got -32}}
  gpu.func @k() kernel attributes {known_block_size = array<i32: -32, 1, 1>} {
    gpu.return
  }
}

// -----

gpu.module @m {
  // expected-error @+1 {{known_block_size asks for 2048 threads; a block has at most 1024}}
  gpu.func @k() kernel attributes {known_block_size = array<i32: 1024, 2, 1>} {
    gpu.return
  }
}

// -----

func.func @fp8(%q: tensor<1x?x4x64xf8E4M3FN>) -> tensor<1x?x4x64xbf16> {
  // expected-error @+1 {{GPU kernels take q, k and v all bf16, all f16 or all f32; got 'f8E4M3FN', 'f8E4M3FN', 'f8E4M3FN'}}
  %o = attn.full %q, %q, %q : (tensor<1x?x4x64xf8E4M3FN>, tensor<1x?x4x64xf8E4M3FN>, tensor<1x?x4x64xf8E4M3FN>) -> tensor<1x?x4x64xbf16>
  return %o : tensor<1x?x4x64xbf16>
}

// -----

func.func @odd_head_dim(%q: tensor<1x?x4x40xbf16>) -> tensor<1x?x4x40xbf16> {
  // expected-error @+1 {{GPU kernels take head dims that are multiples of 16 up to 256; got D = 40, Dv = 40}}
  %o = attn.full %q, %q, %q : (tensor<1x?x4x40xbf16>, tensor<1x?x4x40xbf16>, tensor<1x?x4x40xbf16>) -> tensor<1x?x4x40xbf16>
  return %o : tensor<1x?x4x40xbf16>
}

// -----

func.func @bad_tile(%q: tensor<1x?x4x64xbf16>) -> tensor<1x?x4x64xbf16> {
  // expected-error @+1 {{GPU kernels need #attn.tile kv a multiple of 16 and q a multiple of 16 x warps (16 rows per mma tile); got q = 32, kv = 64, warps = 4}}
  %o = attn.full %q, %q, %q {tile = #attn.tile<q = 32, kv = 64>} : (tensor<1x?x4x64xbf16>, tensor<1x?x4x64xbf16>, tensor<1x?x4x64xbf16>) -> tensor<1x?x4x64xbf16>
  return %o : tensor<1x?x4x64xbf16>
}

// -----

func.func @dynamic_head_dim(%q: tensor<1x?x4x?xbf16>) -> tensor<1x?x4x?xbf16> {
  // expected-error @+1 {{GPU kernels need static head dims D and Dv}}
  %o = attn.full %q, %q, %q : (tensor<1x?x4x?xbf16>, tensor<1x?x4x?xbf16>, tensor<1x?x4x?xbf16>) -> tensor<1x?x4x?xbf16>
  return %o : tensor<1x?x4x?xbf16>
}

// -----

// f32 at D = 256 on a hand-set 128-row tile: the hi and lo tiles do not fit
// (attn-tile plans 64 rows there).
func.func @big(%q: tensor<1x8x2x256xf32>, %k: tensor<1x8x2x256xf32>, %v: tensor<1x8x2x256xf32>) -> tensor<1x8x2x256xf32> {
  // expected-error @+1 {{tile needs 262144 bytes of shared memory (big_full_fwd); sm_90a allows at most 232448 per block}}
  %o = attn.full %q, %k, %v {tile = #attn.tile<q = 128, kv = 32, stages = 2, warps = 8>} : (tensor<1x8x2x256xf32>, tensor<1x8x2x256xf32>, tensor<1x8x2x256xf32>) -> tensor<1x8x2x256xf32>
  return %o : tensor<1x8x2x256xf32>
}

// -----

func.func @two_ops(%q: tensor<1x?x4x64xbf16>) -> tensor<1x?x4x64xbf16> {
  %o = attn.full %q, %q, %q : (tensor<1x?x4x64xbf16>, tensor<1x?x4x64xbf16>, tensor<1x?x4x64xbf16>) -> tensor<1x?x4x64xbf16>
  // expected-error @+1 {{the GPU lowering compiles one attn op per function for now; split 'two_ops' into one function per op}}
  %p = attn.full %o, %q, %q : (tensor<1x?x4x64xbf16>, tensor<1x?x4x64xbf16>, tensor<1x?x4x64xbf16>) -> tensor<1x?x4x64xbf16>
  return %p : tensor<1x?x4x64xbf16>
}

// -----

func.func @computed(%q: tensor<1x?x4x64xbf16>) -> tensor<1x?x4x64xbf16> {
  %o = attn.full %q, %q, %q : (tensor<1x?x4x64xbf16>, tensor<1x?x4x64xbf16>, tensor<1x?x4x64xbf16>) -> tensor<1x?x4x64xbf16>
  // expected-error @+1 {{the GPU lowering compiles one attn op per function for now}}
  %p = attn.full %q, %o, %q : (tensor<1x?x4x64xbf16>, tensor<1x?x4x64xbf16>, tensor<1x?x4x64xbf16>) -> tensor<1x?x4x64xbf16>
  return %p : tensor<1x?x4x64xbf16>
}

// -----

func.func @extra_op(%q: tensor<1x?x4x64xbf16>) -> tensor<1x?x4x64xbf16> {
  %o = attn.full %q, %q, %q : (tensor<1x?x4x64xbf16>, tensor<1x?x4x64xbf16>, tensor<1x?x4x64xbf16>) -> tensor<1x?x4x64xbf16>
  // expected-error @+1 {{cannot be lowered for the GPU: a function compiled by attn-to-nvvm holds one attn op}}
  %e = tensor.empty() : tensor<2xf32>
  return %o : tensor<1x?x4x64xbf16>
}
