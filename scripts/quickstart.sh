#!/usr/bin/env bash
# The main job: set up and build attn (scripts/setup.sh), then compile the
# bundled Kimi-Linear model config end to end and print what was decided.
#
# Stages: import the Hugging Face config (attn-translate --import-hf-config;
# an .mlir schedule may be given instead), summarise the schedule, plan its
# memory at 128k and 1M tokens (attn-plan-memory), expand it into one kernel
# per distinct layer kind and plan each (form, chunking, tiling for sm_90a;
# the FP8 precision decisions at the default and a looser error budget),
# compile every distinct kernel to PTX for sm_90a (kernels, PTX size, dynamic
# shared memory; registers and spills from ptxas -v where the CUDA toolkit is
# installed), and lower every kernel through the CPU backend.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${ATTN_BUILD_DIR:-$here/build}"
input="${1:-$here/examples/configs/kimi_linear.json}"
opt="$build/bin/attn-opt"

"$here/scripts/setup.sh"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [[ "$input" == *.json ]]; then
  echo
  echo "== import ($(basename "$input"), attn-translate --import-hf-config)"
  "$build/bin/attn-translate" --import-hf-config "$input" -o "$work/model.mlir"
  sed 's/^/  /' "$work/model.mlir"
  example="$work/model.mlir"
else
  example="$input"
fi

echo
echo "== schedule"
"$opt" "$example" --attn-print-schedule -o /dev/null

for ctx in 131072 1048576; do
  echo
  echo "== memory plan at $ctx tokens (attn-plan-memory)"
  "$opt" "$example" "--attn-plan-memory=context=$ctx" -o /dev/null
done
# The picture: cache and decode traffic against context for the schedule,
# a 7:1 re-spacing, full layers made sparse (DSA) and the all-full model.
"$opt" "$example" "--attn-plan-memory=json-out=$work/plan.json" -o /dev/null >/dev/null
"$opt" "$example" --attn-schedule-ratio=linear-per-full=7 \
  "--attn-plan-memory=json-out=$work/plan7.json" -o /dev/null >/dev/null
"$opt" "$example" --attn-schedule-sparsify \
  "--attn-plan-memory=json-out=$work/plandsa.json" -o /dev/null >/dev/null
py=/usr/bin/python3 # Debian's, with python3-matplotlib (setup.sh)
[ -x "$py" ] || py=python3
if "$py" "$here/scripts/plot-memory.py" "$work/plan.json" "$work/plan7.json" \
    "$work/plandsa.json" --label "as configured" --label "7:1" \
    --label "full -> DSA top-2048" -o "$build/memory-plan.png" >/dev/null 2>&1; then
  echo "  plot (1k .. 1M tokens, with 7:1 and DSA variants): $build/memory-plan.png"
fi

echo
echo "== decisions (attn-plan, target sm_90a)"
"$opt" "$example" --attn-plan=target=sm_90a --attn-print-plan -o /dev/null 2>&1 |
  sed 's/^.*remark: //' | grep -v '^ *attn.schedule\|^ *\^'

echo
for budget in 0.03 0.06; do
  echo "== precision (attn-assign-precision policy=auto error-budget=$budget, sm_90a; attn-to-nvvm{precision=auto} applies it)"
  "$opt" "$example" --attn-plan=target=sm_90a "--attn-assign-precision=policy=auto error-budget=$budget" -o /dev/null 2>&1 |
    grep 'remark: attn-assign-precision' |
    sed 's/^.*remark: attn-assign-precision (auto): /  /; s/: /:\n    /; s/; /\n    /g'
  echo
done

tmp="$work/cpu.mlir"
gpu="$work/gpu"
mkdir -p "$gpu"

echo
echo "== GPU backend (attn-to-nvvm, sm_90a): PTX"
plan="$("$opt" "$example" --attn-plan=target=sm_90a --attn-print-plan -o /dev/null 2>&1 |
  sed 's/^.*remark: //')"
gpu_funcs="$(echo "$plan" | grep -E '^@[A-Za-z0-9_]+: attn\.(full|sparse|indexer|topk|linear|delta) ' |
  sed 's/^@\([A-Za-z0-9_]*\):.*/\1/' | paste -sd, -)"
if [ -n "$gpu_funcs" ]; then
  if ! "$opt" "$example" "--attn-to-nvvm=funcs=$gpu_funcs precision=auto" -o "$gpu/out.mlir" 2>/dev/null; then
    "$opt" "$example" "--attn-to-nvvm=funcs=$gpu_funcs precision=auto" -o /dev/null # show the diagnostics
    exit 1
  fi
  python3 "$here/scripts/extract-ptx.py" "$gpu/out.mlir" "$gpu" >/dev/null
  for ptx in "$gpu"/*.ptx; do
    echo "  $(grep -c '^.visible .entry' "$ptx") kernels for @${gpu_funcs//,/, @}: $(wc -c <"$ptx") bytes of PTX"
    # Each kernel with the dynamic shared memory its launch asks for (manifest).
    grep -o 'kernel = "[A-Za-z0-9_]*", smem = [0-9]*' "$gpu/out.mlir" |
      sed 's/kernel = "\([A-Za-z0-9_]*\)", smem = \([0-9]*\)/    \1: \2 B dynamic shared memory/'
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
echo "== decode step (attn-expand-schedule decode=true, attn-to-nvvm): one new token per layer"
steps="$("$opt" "$example" "--attn-expand-schedule=decode=true" 2>/dev/null |
  grep -o 'func.func @[A-Za-z0-9_]*_step(' | sed 's/func.func @\(.*\)(/\1/' |
  grep -v "^$(echo "$plan" | sed -n 's/^schedule @\([A-Za-z0-9_]*\):.*/\1/p' | head -1)_step\$" |
  paste -sd, -)"
if [ -n "$steps" ]; then
  if ! "$opt" "$example" "--attn-expand-schedule=decode=true" "--attn-to-nvvm=funcs=$steps" \
      -o "$gpu/step.mlir" 2>/dev/null; then
    "$opt" "$example" "--attn-expand-schedule=decode=true" "--attn-to-nvvm=funcs=$steps" -o /dev/null
    exit 1
  fi
  echo "  step functions: @${steps//,/, @} (recurrent form for linear / delta layers, split-KV for softmax layers)"
  grep -o 'kernel = "[A-Za-z0-9_]*", smem = [0-9]*' "$gpu/step.mlir" |
    sed 's/kernel = "\([A-Za-z0-9_]*\)", smem = \([0-9]*\)/    \1: \2 B dynamic shared memory/'
fi

echo
echo "== CPU backend (attn-to-cpu): the planned kernels lowered to LLVM"
if ! "$opt" "$example" --attn-to-cpu -o "$tmp" 2>/dev/null; then
  "$opt" "$example" --attn-to-cpu -o /dev/null # show the diagnostics
  exit 1
fi
grep -o 'llvm.func @_mlir_ciface_[A-Za-z0-9_]*' "$tmp" | sed 's/.*@_mlir_ciface_/  kernel @/'
echo "  ($(wc -c <"$tmp") bytes of LLVM dialect)"
