// convert-attn-to-atile on attn.sparse: attn.full's program over the keys
// one query selected. A block holds one query's G heads (block x = (t, block
// of 16 of its heads)); K and V rows come through atile.gather (the query's
// entries of the index table, 64 keys per entry here; keys past S or, causal,
// after the query are absent), and the mask drops absent keys.
// RUN: attn-opt %s --convert-attn-to-atile --canonicalize --cse | FileCheck %s

func.func @nsa(%q: tensor<?x?x16x128xbf16>, %k: tensor<?x?x1x128xbf16>, %v: tensor<?x?x1x128xbf16>, %i: tensor<?x?x1x?xi32>) -> tensor<?x?x16x128xbf16> {
  %o = attn.sparse %q, %k, %v, %i {causal, block_size = 64 : i64, tile = #attn.tile<q = 16, kv = 32, stages = 2, warps = 1>} : (tensor<?x?x16x128xbf16>, tensor<?x?x1x128xbf16>, tensor<?x?x1x128xbf16>, tensor<?x?x1x?xi32>) -> tensor<?x?x16x128xbf16>
  return %o : tensor<?x?x16x128xbf16>
}
// CHECK: gpu.func @nsa_sparse_fwd(%[[Q:.*]]: !llvm.ptr<1>, %[[K:.*]]: !llvm.ptr<1>, %[[V:.*]]: !llvm.ptr<1>, %[[IDX:.*]]: !llvm.ptr<1>, %[[O:.*]]: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>, %[[B:.*]]: i64, %[[T:.*]]: i64, %[[S:.*]]: i64, %{{.*}}: i64, %[[HKV:.*]]: i64, %[[N:.*]]: i64, %{{.*}}: i64) kernel attributes {known_block_size = array<i32: 32, 1, 1>}
// CHECK: %[[HK:.*]] = gpu.block_id  y
// CHECK: %[[BATCH:.*]] = arith.divsi
// Block x = (query t, block of its heads): rows within the query's group.
// CHECK: %[[PER:.*]] = arith.ceildivsi %{{.*}}, %c16 : index
// CHECK: %[[TQ:.*]] = arith.divsi %{{.*}}, %[[PER]] : index
// CHECK: %[[GB:.*]] = arith.remsi %{{.*}}, %[[PER]] : index
// CHECK: %[[ROW0:.*]] = arith.muli %[[GB]], %c16 : index
// The band: N entries x 64 keys of gathered positions.
// CHECK: %[[NI:.*]] = arith.index_cast %[[N]] : i64 to index
// CHECK: %[[KEYS:.*]] = arith.muli %[[NI]], %c64 : index
// CHECK: %[[QV:.*]] = atile.view %[[Q]]
// CHECK: %[[KV:.*]] = atile.view %[[K]][%[[B]], %[[S]], %[[HKV]]] : !llvm.ptr<1> -> !atile.view<?x?x?x128xbf16>
// CHECK: %[[TABLE:.*]] = atile.view %[[IDX]][%[[B]], %[[T]], %[[HKV]], %[[N]]] : !llvm.ptr<1> -> !atile.view<?x?x?x?xi32>
// Causal: keys up to the query's position t + S - T.
// CHECK: %[[BOUND:.*]] = arith.minsi
// CHECK: %[[KG:.*]] = atile.gather %[[KV]] by %[[TABLE]][%[[BATCH]], %[[TQ]], %[[HK]]] dim 1 block 64 bound %[[BOUND]]
// CHECK: %[[VV:.*]] = atile.view %[[V]]
// CHECK: %[[VG:.*]] = atile.gather %[[VV]] by %[[TABLE]][%[[BATCH]], %[[TQ]], %[[HK]]] dim 1 block 64 bound %[[BOUND]]
// The query's heads: rows of dimension 3 of [B, T, Hkv, G, D].
// CHECK: atile.copy %[[QV]][%[[BATCH]], %[[TQ]], %[[HK]]] rows %[[ROW0]] -> %{{.*}} {rows = array<i64: 3>}
// CHECK: scf.for
// CHECK: atile.copy %[[KG]][%[[BATCH]], %[[HK]]] rows %[[KV0:.*]] -> %{{.*}} {rows = array<i64: 1>}
// CHECK: atile.copy %[[VG]][%[[BATCH]], %[[HK]]] rows %[[KV0]] -> %{{.*}} {rows = array<i64: 1>}
// CHECK: atile.mma
// CHECK: atile.mask %{{.*}} row %[[ROW0]] col %[[KV0]] keys %[[KEYS]] group %{{.*}} offset %{{.*}} gathered %[[KG]] : !atile.view<?x?x?x128xbf16> : !atile.frag<16x32xf32>
// CHECK: atile.online_softmax
// CHECK: atile.mma
// CHECK: scf.yield
// CHECK: atile.store %{{.*}} -> %{{.*}}[%[[BATCH]], %[[TQ]], %[[HK]]] rows %[[ROW0]] via %{{.*}} {rows = array<i64: 3>}
