#!/usr/bin/env bash
# Tool-call latency (p50/p99) on the demo store and on the demo scaled xN
# (default 30). Stores are built under bench/results/ if missing.
#   bench/environment_bench.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-30}"
demo="${MEDCRED_DEMO_DIR:-../shared/data/mimic-iv-demo-2.2}"
out=bench/results
mkdir -p "$out"
[ -x build/bench/environment_bench ] || { echo "build first: scripts/test.sh" >&2; exit 1; }
[ -f "$out/demo.db" ] || build/src/cli/medcred ingest --source "$demo" --store "$out/demo.db" >/dev/null
if [ ! -f "$out/x$n.db" ]; then
  [ -d "$out/x$n" ] || build/bench/make_scaled_demo "$demo" "$out/x$n" "$n"
  build/src/cli/medcred ingest --source "$out/x$n" --store "$out/x$n.db" >/dev/null
fi
build/bench/environment_bench "$out/demo.db" "" 5
build/bench/environment_bench "$out/x$n.db"
