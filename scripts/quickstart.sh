#!/usr/bin/env bash
# The main job: set up and build attn (scripts/setup.sh), then compile the
# bundled Kimi-Linear style hybrid example and print what was decided.
#
# Stages today: parse + verify the schedule, summarise it, expand it into one
# kernel per distinct layer kind and plan each (form, chunking, tiling for
# sm_90a), then run the planned kernels once on the CPU backend as a smoke
# test. PTX generation joins this command with the GPU backend.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${ATTN_BUILD_DIR:-$here/build}"
example="${1:-$here/examples/kimi_linear.mlir}"
opt="$build/bin/attn-opt"

"$here/scripts/setup.sh"

echo
echo "== schedule ($(basename "$example"))"
"$opt" "$example" --attn-print-schedule -o /dev/null

echo
echo "== decisions (attn-plan, target sm_90a)"
"$opt" "$example" --attn-plan=target=sm_90a --attn-print-plan -o /dev/null 2>&1 |
  sed 's/^.*remark: //' | grep -v '^attn.schedule\|^\^'

echo
echo "== CPU backend (attn-to-cpu): the planned kernels lowered to LLVM"
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
if ! "$opt" "$example" --attn-to-cpu -o "$tmp" 2>/dev/null; then
  "$opt" "$example" --attn-to-cpu -o /dev/null # show the diagnostics
  exit 1
fi
grep -o 'llvm.func @_mlir_ciface_[A-Za-z0-9_]*' "$tmp" | sed 's/.*@_mlir_ciface_/  kernel @/'
echo "  ($(wc -c <"$tmp") bytes of LLVM dialect)"
