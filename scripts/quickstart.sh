#!/usr/bin/env bash
# The main job: set up and build attn (scripts/setup.sh), then compile the
# bundled Kimi-Linear style hybrid example and print what was decided.
#
# Today "compile" means: parse and verify the schedule and its layer ops,
# and print the schedule summary (layer kinds, counts, layer map, softmax
# layer positions) and the verified IR. The chunking/tiling/precision and PTX
# stages join this command as they land (see README, "Status").
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${ATTN_BUILD_DIR:-$here/build}"
example="${1:-$here/examples/kimi_linear.mlir}"

"$here/scripts/setup.sh"

echo
echo "== attn-opt $(basename "$example") --attn-print-schedule"
"$build/bin/attn-opt" "$example" --attn-print-schedule
