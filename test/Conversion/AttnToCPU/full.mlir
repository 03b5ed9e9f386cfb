// attn.full becomes a tiled online-softmax loop nest: q-tiles and kv-tiles of
// the #attn.tile plan, a running max/sum rescaled by exp(m_old - m_new), the
// causal band limiting the kv loop, tile-sized scratch at the function entry;
// the T x S score matrix is never allocated.
// RUN: attn-opt %s -split-input-file --convert-attn-to-cpu | FileCheck %s
// RUN: attn-opt %s -split-input-file --convert-attn-to-cpu | FileCheck %s --check-prefix=NOSCORES

// CHECK-LABEL: func.func @causal_gqa
// CHECK-DAG: memref.alloca() : memref<32x16xf32>
// CHECK-DAG: memref.alloca() : memref<32x64xf32>
// CHECK: %[[Q:.*]] = bufferization.to_buffer %arg0
// CHECK: %[[O:.*]] = memref.alloc(%{{.*}}) : memref<2x?x8x64xf32>
// CHECK: scf.for
// CHECK: scf.for %[[H:.*]] = %{{.*}} to %{{.*}} step
// CHECK: arith.divsi %[[H]]
// CHECK: %[[BQ:.*]] = arith.constant 32 : index
// CHECK-NEXT: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %[[BQ]]
// The causal band: kv tiles stop at the last query's position.
// CHECK: %[[HI:.*]] = arith.minsi %dim{{.*}}, %{{.*}} : index
// CHECK-NEXT: %[[BKV:.*]] = arith.constant 16 : index
// CHECK-NEXT: scf.for %{{.*}} = %{{.*}} to %[[HI]] step %[[BKV]]
// CHECK: scf.for {{.*}} iter_args
// CHECK: arith.cmpi sgt
// CHECK: arith.select
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: math.exp
// CHECK: bufferization.to_tensor %[[O]] restrict writable
// Nowhere in the function a buffer with two dynamic dims (T and S).
// NOSCORES-LABEL: func.func @causal_gqa
// NOSCORES-NOT: memref<{{[0-9x]*}}?x{{[0-9x]*}}?x
// NOSCORES: return
func.func @causal_gqa(%q: tensor<2x?x8x64xf32>, %k: tensor<2x?x2x64xf32>,
                      %v: tensor<2x?x2x64xf32>) -> tensor<2x?x8x64xf32> {
  %o = attn.full %q, %k, %v {causal, tile = #attn.tile<q = 32, kv = 16>}
      : (tensor<2x?x8x64xf32>, tensor<2x?x2x64xf32>, tensor<2x?x2x64xf32>) -> tensor<2x?x8x64xf32>
  return %o : tensor<2x?x8x64xf32>
}

// -----

// CHECK-LABEL: func.func @window_softcap_lse
// CHECK: math.tanh
// CHECK: arith.cmpi sge
// CHECK: math.log
// CHECK: bufferization.to_tensor
// CHECK: bufferization.to_tensor
func.func @window_softcap_lse(%q: tensor<1x?x2x16xbf16>, %k: tensor<1x?x2x16xbf16>,
                              %v: tensor<1x?x2x16xbf16>) -> tensor<1x?x2xf32> {
  %o, %lse = attn.full %q, %k, %v {causal, window = 8 : i64, softcap = 20.0 : f64,
                                   tile = #attn.tile<q = 16, kv = 16>}
      : (tensor<1x?x2x16xbf16>, tensor<1x?x2x16xbf16>, tensor<1x?x2x16xbf16>)
      -> (tensor<1x?x2x16xbf16>, tensor<1x?x2xf32>)
  return %lse : tensor<1x?x2xf32>
}

