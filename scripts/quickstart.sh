#!/usr/bin/env bash
# The main job: set up and build attn (scripts/setup.sh), then compile the
# bundled Kimi-Linear style hybrid example and print what was decided.
#
# Stages today: parse + verify the schedule, summarise it, expand it into one
# kernel per distinct layer kind and plan each (form, chunking, tiling for
# sm_90a), compile the kernels that have GPU kernel builders (softmax
# attention) to PTX for sm_90a (with ptxas -v's registers, spills and shared
# memory where the CUDA toolkit is installed), and lower every kernel through
# the CPU backend. The linear / delta-rule kernels join the PTX step with the
# second GPU backend.
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

tmp="$(mktemp)"
gpu="$(mktemp -d)"
trap 'rm -rf "$tmp" "$gpu"' EXIT

echo
echo "== GPU backend (attn-to-nvvm, sm_90a): PTX"
plan="$("$opt" "$example" --attn-plan=target=sm_90a --attn-print-plan -o /dev/null 2>&1 |
  sed 's/^.*remark: //')"
gpu_funcs="$(echo "$plan" | grep -E '^@[A-Za-z0-9_]+: attn\.(full|sparse|indexer|topk|linear|delta) ' |
  sed 's/^@\([A-Za-z0-9_]*\):.*/\1/' | paste -sd, -)"
if [ -n "$gpu_funcs" ]; then
  if ! "$opt" "$example" "--attn-to-nvvm=funcs=$gpu_funcs" -o "$gpu/out.mlir" 2>/dev/null; then
    "$opt" "$example" "--attn-to-nvvm=funcs=$gpu_funcs" -o /dev/null # show the diagnostics
    exit 1
  fi
  python3 "$here/scripts/extract-ptx.py" "$gpu/out.mlir" "$gpu" >/dev/null
  for ptx in "$gpu"/*.ptx; do
    echo "  $(grep -c '^.visible .entry' "$ptx") kernels for @${gpu_funcs//,/, @}: $(wc -c <"$ptx") bytes of PTX"
    grep '^.visible .entry' "$ptx" | sed 's/^.visible .entry \([A-Za-z0-9_]*\).*/    \1/'
    ptxas="$(command -v ptxas || true)"
    [ -z "$ptxas" ] && [ -x /usr/local/cuda/bin/ptxas ] && ptxas=/usr/local/cuda/bin/ptxas
    if [ -n "$ptxas" ]; then
      echo "  ptxas -arch=sm_90a -v:"
      "$ptxas" -arch=sm_90a -v "$ptx" -o "$gpu/k.cubin" 2>&1 |
        awk '/Compiling entry function/ {gsub(/\x27/, "", $7); k = $7}
             /spill stores/ {s = $5 " B spill stores"}
             /Used [0-9]+ registers/ {match($0, /Used [0-9]+ registers/);
               r = substr($0, RSTART + 5, RLENGTH - 15);
               print "    " k ": " r " registers, " s}'
    else
      echo "  (ptxas not found: install the CUDA toolkit to see registers and spills)"
    fi
  done
fi

echo
echo "== CPU backend (attn-to-cpu): the planned kernels lowered to LLVM"
if ! "$opt" "$example" --attn-to-cpu -o "$tmp" 2>/dev/null; then
  "$opt" "$example" --attn-to-cpu -o /dev/null # show the diagnostics
  exit 1
fi
grep -o 'llvm.func @_mlir_ciface_[A-Za-z0-9_]*' "$tmp" | sed 's/.*@_mlir_ciface_/  kernel @/'
echo "  ($(wc -c <"$tmp") bytes of LLVM dialect)"
