// The schedule transforms on a module without a schedule or an attn op (the
// attn dialect not otherwise loaded) leave it as it is; their options are
// still checked. attn-schedule-sparsify used to segfault here (a bad-input
// campaign: `attn-opt /dev/null --attn-schedule-sparsify`).
// RUN: attn-opt %s --attn-schedule-sparsify | FileCheck %s
// RUN: attn-opt %s --attn-schedule-ratio=linear-per-full=3 | FileCheck %s
// RUN: attn-opt /dev/null --attn-schedule-sparsify | FileCheck %s --check-prefix=EMPTY
// RUN: not attn-opt %s --attn-schedule-sparsify=topk=0 -o /dev/null 2>&1 | FileCheck %s --check-prefix=TOPK

// CHECK-LABEL: func.func @f
// CHECK-NEXT: return
// EMPTY: module {
// TOPK: error: attn-schedule-sparsify: 'topk' must be in [1, 1048576]
func.func @f() {
  return
}
