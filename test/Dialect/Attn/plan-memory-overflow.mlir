// attn-plan-memory refuses figures past 2^62 bytes (checked at the largest
// context it plans, the 1M-token end of its curve) instead of overflowing.
// RUN: attn-opt %s --attn-plan-memory -verify-diagnostics -o /dev/null

// expected-error @+1 {{attn-plan-memory: the cache of this schedule at 1048576 tokens exceeds 2^62 bytes}}
attn.schedule @big attributes {num_layers = 2 : i64} {
  attn.layer_kind @f = #attn.layer<kind = full, heads = 1048576, head_dim = 1048576>
  attn.layers [@f] x 2
}
