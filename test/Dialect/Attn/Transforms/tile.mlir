// attn-tile: FlashAttention-style tiles of full and sparse attention per
// target, by head dim D (dim 3 of q; dynamic D uses the D = 128 row), with
// split-KV for decoding (T <= 16) against a long static KV length S.
// Printed tiles omit defaults: stages = 1, split_kv = 1, warps = 4.
// RUN: split-file %s %t
// RUN: attn-opt %t/tiles.mlir -split-input-file --attn-tile | FileCheck %s --check-prefix=CPU
// RUN: attn-opt %t/tiles.mlir -split-input-file --attn-tile=target=cpu | FileCheck %s --check-prefix=CPU
// RUN: attn-opt %t/tiles.mlir -split-input-file --attn-tile=target=sm_80 | FileCheck %s --check-prefix=SM80
// RUN: attn-opt %t/tiles.mlir -split-input-file --attn-tile=target=sm_90a | FileCheck %s --check-prefix=SM90
// RUN: attn-opt %t/tiles.mlir -split-input-file --attn-tile=target=sm_90a --verify-roundtrip -o /dev/null
// RUN: attn-opt %t/bad-target.mlir --attn-tile=target=sm_99 -verify-diagnostics -o /dev/null

//--- tiles.mlir

// Prefill, by head dim: 64, 128, 256 and dynamic.
// CPU-LABEL: func.func @full_head_dims
// CPU: attn.full %arg0, %arg0, %arg0 {causal, tile = #attn.tile<q = 64, kv = 64, warps = 1>}
// CPU: attn.full %arg1, %arg1, %arg1 {causal, tile = #attn.tile<q = 64, kv = 64, warps = 1>}
// CPU: attn.full %arg2, %arg2, %arg2 {causal, tile = #attn.tile<q = 64, kv = 64, warps = 1>}
// CPU: attn.full %arg3, %arg3, %arg3 {causal, tile = #attn.tile<q = 64, kv = 64, warps = 1>}
// SM80-LABEL: func.func @full_head_dims
// SM80: attn.full %arg0, %arg0, %arg0 {causal, tile = #attn.tile<q = 64, kv = 64, split_kv = 32>}
// SM80: attn.full %arg1, %arg1, %arg1 {causal, tile = #attn.tile<q = 64, kv = 64, split_kv = 32>}
// SM80: attn.full %arg2, %arg2, %arg2 {causal, tile = #attn.tile<q = 64, kv = 32, split_kv = 32>}
// SM80: attn.full %arg3, %arg3, %arg3 {causal, tile = #attn.tile<q = 64, kv = 64, split_kv = 32>}
// SM90-LABEL: func.func @full_head_dims
// SM90: attn.full %arg0, %arg0, %arg0 {causal, tile = #attn.tile<q = 128, kv = 128, stages = 2, split_kv = 32, warps = 8>}
// SM90: attn.full %arg1, %arg1, %arg1 {causal, tile = #attn.tile<q = 128, kv = 128, stages = 2, split_kv = 32, warps = 8>}
// SM90: attn.full %arg2, %arg2, %arg2 {causal, tile = #attn.tile<q = 128, kv = 64, stages = 2, split_kv = 32, warps = 8>}
// SM90: attn.full %arg3, %arg3, %arg3 {causal, tile = #attn.tile<q = 128, kv = 128, stages = 2, split_kv = 32, warps = 8>}
func.func @full_head_dims(%a: tensor<1x?x8x64xbf16>, %b: tensor<1x?x8x128xbf16>,
                          %c: tensor<1x?x8x256xbf16>, %d: tensor<1x?x8x?xbf16>)
    -> (tensor<1x?x8x64xbf16>, tensor<1x?x8x128xbf16>, tensor<1x?x8x256xbf16>, tensor<1x?x8x?xbf16>) {
  %0 = attn.full %a, %a, %a {causal}
      : (tensor<1x?x8x64xbf16>, tensor<1x?x8x64xbf16>, tensor<1x?x8x64xbf16>) -> tensor<1x?x8x64xbf16>
  %1 = attn.full %b, %b, %b {causal}
      : (tensor<1x?x8x128xbf16>, tensor<1x?x8x128xbf16>, tensor<1x?x8x128xbf16>) -> tensor<1x?x8x128xbf16>
  %2 = attn.full %c, %c, %c {causal}
      : (tensor<1x?x8x256xbf16>, tensor<1x?x8x256xbf16>, tensor<1x?x8x256xbf16>) -> tensor<1x?x8x256xbf16>
  %3 = attn.full %d, %d, %d {causal}
      : (tensor<1x?x8x?xbf16>, tensor<1x?x8x?xbf16>, tensor<1x?x8x?xbf16>) -> tensor<1x?x8x?xbf16>
  return %0, %1, %2, %3 : tensor<1x?x8x64xbf16>, tensor<1x?x8x128xbf16>, tensor<1x?x8x256xbf16>, tensor<1x?x8x?xbf16>
}

// -----

// MLA-style head dims between the rows (192 query/key, 128 value) use the
// next row up; a head dim above 256 uses the last row.
// SM80-LABEL: func.func @full_between_rows
// SM80: attn.full {{.*}} {causal, tile = #attn.tile<q = 64, kv = 32, split_kv = 32>}
// SM80: attn.full {{.*}} {tile = #attn.tile<q = 64, kv = 32, split_kv = 32>}
// SM90-LABEL: func.func @full_between_rows
// SM90: attn.full {{.*}} {causal, tile = #attn.tile<q = 128, kv = 64, stages = 2, split_kv = 32, warps = 8>}
// SM90: attn.full {{.*}} {tile = #attn.tile<q = 128, kv = 64, stages = 2, split_kv = 32, warps = 8>}
func.func @full_between_rows(%q: tensor<1x?x32x192xbf16>, %v: tensor<1x?x32x128xbf16>,
                             %big: tensor<1x?x1x576xbf16>)
    -> (tensor<1x?x32x128xbf16>, tensor<1x?x1x576xbf16>) {
  %0 = attn.full %q, %q, %v {causal}
      : (tensor<1x?x32x192xbf16>, tensor<1x?x32x192xbf16>, tensor<1x?x32x128xbf16>) -> tensor<1x?x32x128xbf16>
  %1 = attn.full %big, %big, %big
      : (tensor<1x?x1x576xbf16>, tensor<1x?x1x576xbf16>, tensor<1x?x1x576xbf16>) -> tensor<1x?x1x576xbf16>
  return %0, %1 : tensor<1x?x32x128xbf16>, tensor<1x?x1x576xbf16>
}

// -----

// Decode against a KV cache: T = 1 with S = 65536 -> 32 splits (the cap),
// S = 8192 -> 4, S = 1024 -> 1 (too short to split); T = 16 still decodes,
// T = 17 does not. A dynamic S is never split on the CPU; GPU kernels take
// the split count at run time, so there a dynamic T or S gets the maximum
// (32) and the launcher picks per card.
// CPU-LABEL: func.func @decode_split_kv
// CPU: attn.full %arg0, %arg1, %arg1 {causal, tile = #attn.tile<q = 64, kv = 64, split_kv = 32, warps = 1>}
// CPU: attn.full %arg0, %arg2, %arg2 {causal, tile = #attn.tile<q = 64, kv = 64, split_kv = 4, warps = 1>}
// CPU: attn.full %arg0, %arg3, %arg3 {causal, tile = #attn.tile<q = 64, kv = 64, warps = 1>}
// CPU: attn.full %arg4, %arg2, %arg2 {causal, tile = #attn.tile<q = 64, kv = 64, split_kv = 4, warps = 1>}
// CPU: attn.full %arg5, %arg2, %arg2 {causal, tile = #attn.tile<q = 64, kv = 64, warps = 1>}
// CPU: attn.full %arg0, %arg6, %arg6 {causal, tile = #attn.tile<q = 64, kv = 64, warps = 1>}
// SM90-LABEL: func.func @decode_split_kv
// SM90: attn.full %arg0, %arg1, %arg1 {causal, tile = #attn.tile<q = 128, kv = 128, stages = 2, split_kv = 32, warps = 8>}
// SM90: attn.full %arg0, %arg2, %arg2 {causal, tile = #attn.tile<q = 128, kv = 128, stages = 2, split_kv = 4, warps = 8>}
// SM90: attn.full %arg0, %arg3, %arg3 {causal, tile = #attn.tile<q = 128, kv = 128, stages = 2, warps = 8>}
// SM90: attn.full %arg4, %arg2, %arg2 {causal, tile = #attn.tile<q = 128, kv = 128, stages = 2, split_kv = 4, warps = 8>}
// SM90: attn.full %arg5, %arg2, %arg2 {causal, tile = #attn.tile<q = 128, kv = 128, stages = 2, warps = 8>}
// SM90: attn.full %arg0, %arg6, %arg6 {causal, tile = #attn.tile<q = 128, kv = 128, stages = 2, split_kv = 32, warps = 8>}
func.func @decode_split_kv(%q: tensor<4x1x32x128xbf16>, %k64k: tensor<4x65536x8x128xbf16>,
                           %k8k: tensor<4x8192x8x128xbf16>, %k1k: tensor<4x1024x8x128xbf16>,
                           %q16: tensor<4x16x32x128xbf16>, %q17: tensor<4x17x32x128xbf16>,
                           %kdyn: tensor<4x?x8x128xbf16>)
    -> (tensor<4x1x32x128xbf16>, tensor<4x1x32x128xbf16>, tensor<4x1x32x128xbf16>,
        tensor<4x16x32x128xbf16>, tensor<4x17x32x128xbf16>, tensor<4x1x32x128xbf16>) {
  %0 = attn.full %q, %k64k, %k64k {causal}
      : (tensor<4x1x32x128xbf16>, tensor<4x65536x8x128xbf16>, tensor<4x65536x8x128xbf16>) -> tensor<4x1x32x128xbf16>
  %1 = attn.full %q, %k8k, %k8k {causal}
      : (tensor<4x1x32x128xbf16>, tensor<4x8192x8x128xbf16>, tensor<4x8192x8x128xbf16>) -> tensor<4x1x32x128xbf16>
  %2 = attn.full %q, %k1k, %k1k {causal}
      : (tensor<4x1x32x128xbf16>, tensor<4x1024x8x128xbf16>, tensor<4x1024x8x128xbf16>) -> tensor<4x1x32x128xbf16>
  %3 = attn.full %q16, %k8k, %k8k {causal}
      : (tensor<4x16x32x128xbf16>, tensor<4x8192x8x128xbf16>, tensor<4x8192x8x128xbf16>) -> tensor<4x16x32x128xbf16>
  %4 = attn.full %q17, %k8k, %k8k {causal}
      : (tensor<4x17x32x128xbf16>, tensor<4x8192x8x128xbf16>, tensor<4x8192x8x128xbf16>) -> tensor<4x17x32x128xbf16>
  %5 = attn.full %q, %kdyn, %kdyn {causal}
      : (tensor<4x1x32x128xbf16>, tensor<4x?x8x128xbf16>, tensor<4x?x8x128xbf16>) -> tensor<4x1x32x128xbf16>
  return %0, %1, %2, %3, %4, %5 : tensor<4x1x32x128xbf16>, tensor<4x1x32x128xbf16>, tensor<4x1x32x128xbf16>,
                                  tensor<4x16x32x128xbf16>, tensor<4x17x32x128xbf16>, tensor<4x1x32x128xbf16>
}

// -----

// Sparse attention: 16 x 64 on every target, stages/warps from the head-dim
// row; never split, even when decoding.
// CPU-LABEL: func.func @sparse
// CPU: attn.sparse {{.*}} {causal, tile = #attn.tile<q = 16, kv = 64, warps = 1>}
// CPU: attn.sparse {{.*}} {block_size = 64 : i64, causal, tile = #attn.tile<q = 16, kv = 64, warps = 1>}
// SM80-LABEL: func.func @sparse
// SM80: attn.sparse {{.*}} {causal, tile = #attn.tile<q = 16, kv = 32, split_kv = 32, warps = 1>}
// SM80: attn.sparse {{.*}} {block_size = 64 : i64, causal, tile = #attn.tile<q = 16, kv = 32, split_kv = 32, warps = 1>}
// SM90-LABEL: func.func @sparse
// SM90: attn.sparse {{.*}} {causal, tile = #attn.tile<q = 16, kv = 32, split_kv = 32, warps = 1>}
// SM90: attn.sparse {{.*}} {block_size = 64 : i64, causal, tile = #attn.tile<q = 16, kv = 32, split_kv = 32, warps = 1>}
func.func @sparse(%q: tensor<1x?x16x128xbf16>, %kv: tensor<1x?x1x128xbf16>, %idx: tensor<1x?x1x2048xi32>,
                  %qd: tensor<1x1x16x128xbf16>, %kvd: tensor<1x65536x1x128xbf16>, %blk: tensor<1x1x1x16xi32>)
    -> (tensor<1x?x16x128xbf16>, tensor<1x1x16x128xbf16>) {
  %0 = attn.sparse %q, %kv, %kv, %idx {causal}
      : (tensor<1x?x16x128xbf16>, tensor<1x?x1x128xbf16>, tensor<1x?x1x128xbf16>, tensor<1x?x1x2048xi32>)
      -> tensor<1x?x16x128xbf16>
  %1 = attn.sparse %qd, %kvd, %kvd, %blk {causal, block_size = 64 : i64}
      : (tensor<1x1x16x128xbf16>, tensor<1x65536x1x128xbf16>, tensor<1x65536x1x128xbf16>, tensor<1x1x1x16xi32>)
      -> tensor<1x1x16x128xbf16>
  return %0, %1 : tensor<1x?x16x128xbf16>, tensor<1x1x16x128xbf16>
}

// -----

// Tiles set by hand are kept; linear/delta ops are not tiled.
// CPU-LABEL: func.func @user_tile_kept
// CPU: attn.full %arg0, %arg0, %arg0 {tile = #attn.tile<q = 32, kv = 32, stages = 3>}
// CPU: attn.linear %arg0, %arg0, %arg0 :
// SM90-LABEL: func.func @user_tile_kept
// SM90: attn.full %arg0, %arg0, %arg0 {tile = #attn.tile<q = 32, kv = 32, stages = 3>}
func.func @user_tile_kept(%x: tensor<1x?x4x64xf32>) -> (tensor<1x?x4x64xf32>, tensor<1x?x4x64xf32>) {
  %0 = attn.full %x, %x, %x {tile = #attn.tile<q = 32, kv = 32, stages = 3>}
      : (tensor<1x?x4x64xf32>, tensor<1x?x4x64xf32>, tensor<1x?x4x64xf32>) -> tensor<1x?x4x64xf32>
  %1 = attn.linear %x, %x, %x
      : (tensor<1x?x4x64xf32>, tensor<1x?x4x64xf32>, tensor<1x?x4x64xf32>) -> tensor<1x?x4x64xf32>
  return %0, %1 : tensor<1x?x4x64xf32>, tensor<1x?x4x64xf32>
}

//--- bad-target.mlir

// An unknown target is an error at the module; nothing is tiled. (sm_100
// and the other chips of the target description are targets: see
// test/Pipelines/chips.mlir.)
// expected-error @+1 {{attn-tile: unknown chip 'sm_99'; attn compiles for sm_80, sm_86,}}
module {
  func.func @bad_target(%x: tensor<1x?x4x64xf32>) -> tensor<1x?x4x64xf32> {
    %0 = attn.full %x, %x, %x
        : (tensor<1x?x4x64xf32>, tensor<1x?x4x64xf32>, tensor<1x?x4x64xf32>) -> tensor<1x?x4x64xf32>
    return %0 : tensor<1x?x4x64xf32>
  }
}
