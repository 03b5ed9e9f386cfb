#!/usr/bin/env bash
# ctest install-consumer: `cmake --install` this build into a temporary
# prefix, build test/Install/consumer (an out-of-tree MLIR project) against
# it with find_package(Attn), and run its opt tool on attn IR: attn's
# planning pipeline, and its CPU lowering down to the LLVM dialect.
#   run-consumer.sh <attn build dir> <attn source dir>
set -euo pipefail
build="$1"
src="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
cmake -S "$src/test/Install/consumer" -B "$work/build" "${gen[@]}" \
  -DAttn_DIR="$work/prefix/lib/cmake/attn" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/build" >/dev/null
opt="$work/build/consumer-opt"
in="$src/test/Install/consumer/input.mlir"
"$opt" "$in" --attn-plan=target=cpu >"$work/plan.mlir"
grep -q 'tile = #attn.tile<q = 64, kv = 64' "$work/plan.mlir"
echo "consumer-opt --attn-plan: tile decided"
"$opt" "$in" --attn-to-cpu >"$work/cpu.mlir"
grep -q 'llvm.func @layer(' "$work/cpu.mlir"
echo "consumer-opt --attn-to-cpu: lowered to the LLVM dialect"
if "$opt" "$in" --attn-plan=target=tpu >/dev/null 2>"$work/err"; then
  echo "consumer-opt accepted an unknown target" >&2
  exit 1
fi
grep -qE "attn-(tile|assign-precision): unknown chip 'tpu'" "$work/err"
echo "consumer-opt --attn-plan=target=tpu: located error"
echo "install-consumer: passed"
