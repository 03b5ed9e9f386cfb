// Options of the schedule transforms are checked up front with the rules
// the IR applies later (#attn.layer's, attn.topk's k <= 2^20, attn.sparse's
// block_size), each error naming the option: `topk=2000000` used to be
// accepted and to fail later as "a bug in the pass", and block-size with
// the default indexer made a layer config that does not parse back.
// RUN: not attn-opt %attn_src/examples/kimi_linear.mlir --attn-schedule-sparsify=topk=2000000 -o /dev/null 2>&1 | FileCheck %s --check-prefix=TOPK
// TOPK: error: attn-schedule-sparsify: 'topk' must be in [1, 1048576] (attn.topk's k), got 2000000
// RUN: not attn-opt %attn_src/examples/kimi_linear.mlir --attn-schedule-sparsify=index-dim=2097152 -o /dev/null 2>&1 | FileCheck %s --check-prefix=DIM
// DIM: error: attn-schedule-sparsify: 'index-dim' must be in [1, 1048576] (0 with block-size: no indexer), got 2097152
// RUN: not attn-opt %attn_src/examples/kimi_linear.mlir --attn-schedule-sparsify=index-heads=0 -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOIDX
// NOIDX: error: attn-schedule-sparsify: token selection (block-size = 0) needs the DSA indexer: 'index-heads' and 'index-dim' must be positive, got index-heads = 0, index-dim = 128
// RUN: not attn-opt %attn_src/examples/kimi_linear.mlir --attn-schedule-sparsify=block-size=64 -o /dev/null 2>&1 | FileCheck %s --check-prefix=BLOCK
// BLOCK: error: attn-schedule-sparsify: 'block-size' = 64 selects blocks of keys, which a DSA indexer (it selects tokens) does not combine with: give index-heads=0 index-dim=0 with it, got index-heads = 64, index-dim = 128
// RUN: not attn-opt %attn_src/examples/kimi_linear.mlir --attn-schedule-sparsify=block-size=4294967296 -o /dev/null 2>&1 | FileCheck %s --check-prefix=BIGBLOCK
// BIGBLOCK: error: attn-schedule-sparsify: 'block-size' must be in [0, 2^31] (0: single tokens), got 4294967296
// The block-selection output parses back (it did not: index heads with a
// block size).
// RUN: attn-opt %attn_src/examples/kimi_linear.mlir "--attn-schedule-sparsify=topk=16 block-size=64 index-heads=0 index-dim=0" | attn-opt --attn-expand-schedule -o /dev/null
// RUN: not attn-opt %attn_src/examples/kimi_linear.mlir --attn-schedule-ratio=linear-per-full=9223372036854775807 -o /dev/null 2>&1 | FileCheck %s --check-prefix=RATIO
// RATIO: error: attn-schedule-ratio: 'linear-per-full' must be in [0, 1048576] (a schedule has at most that many layers), got 9223372036854775807
//
// Schedules: at most 2^20 layers in all (the passes work on the per-layer
// list, which would otherwise grow with the repeat counts), sparse kinds
// within the bounds of the ops they expand into.
// RUN: attn-opt %s -split-input-file -verify-diagnostics

attn.schedule @long attributes {num_layers = 2097152 : i64} {
  attn.layer_kind @f = #attn.layer<kind = full, heads = 4, head_dim = 64>
  attn.layers [@f] x 1048576
  // expected-error @+1 {{'attn.layers' op makes the schedule longer than 1048576 layers (1048576 before it, 1048576 in it); no model has this many}}
  attn.layers [@f] x 1048576
}

// -----

attn.schedule @wide attributes {num_layers = 2097152 : i64} {
  attn.layer_kind @f = #attn.layer<kind = full, heads = 4, head_dim = 64>
  // expected-error @+1 {{'attn.layers' op makes the schedule longer than 1048576 layers (0 before it, 2097152 in it); no model has this many}}
  attn.layers [@f, @f] x 1048576
}

// -----

attn.schedule @max attributes {num_layers = 1048576 : i64} {
  attn.layer_kind @f = #attn.layer<kind = full, heads = 4, head_dim = 64>
  attn.layers [@f] x 1048576
}

// -----

attn.schedule @topk attributes {num_layers = 1 : i64} {
  // expected-error @+1 {{#attn.layer (kind = sparse): 'topk' must be at most 1048576 (attn.topk's limit), got 2000000}}
  attn.layer_kind @s = #attn.layer<kind = sparse, heads = 4, head_dim = 64, topk = 2000000, index_heads = 4, index_dim = 64>
  attn.layers [@s]
}
