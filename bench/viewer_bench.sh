#!/usr/bin/env bash
# `medcred view` on a big run: the demo scaled xN (default 100: 21,900
# episodes with --split all), run with baseline:labs-bayes and baseline:prior;
# everything is built under bench/results/viewer/ if missing (derived from
# MIMIC: never committed). Prints
#   - viewer_bench: open time, memory of the index, API latency per filter
#   - the `medcred view` process itself: time from start to "open http://...",
#     and its resident memory (VmRSS, VmHWM) once serving, for one and two runs
#   bench/viewer_bench.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100}"
demo="${MEDCRED_DEMO_DIR:-../shared/data/mimic-iv-demo-2.2}"
out=bench/results/viewer
mkdir -p "$out"
for b in build/bench/viewer_bench build/bench/make_scaled_demo build/src/cli/medcred; do
  [ -x "$b" ] || { echo "build first: ninja -C build viewer_bench make_scaled_demo medcred" >&2; exit 1; }
done
if [ ! -f "$out/demo-x$n.db" ]; then
  [ -d "$out/demo-x$n" ] || build/bench/make_scaled_demo "$demo" "$out/demo-x$n" "$n"
  build/src/cli/medcred ingest --source "$out/demo-x$n" --store "$out/demo-x$n.db" >/dev/null
fi
for model in labs-bayes prior; do
  run="$out/run-x$n-$model"
  [ -f "$run/credentials.json" ] || build/src/cli/medcred run --store "$out/demo-x$n.db" --model "baseline:$model" \
    --split all --out "$run" >/dev/null
done
ls -l "$out/run-x$n-labs-bayes/episodes.jsonl" "$out/run-x$n-prior/episodes.jsonl"

echo; echo "== viewer_bench, one run"
build/bench/viewer_bench "$out/run-x$n-labs-bayes"
echo; echo "== viewer_bench, two runs side by side"
build/bench/viewer_bench "$out/run-x$n-labs-bayes" "$out/run-x$n-prior"

# The real process: start to ready, and its memory while serving.
view_process() {
  local log pid start ready
  log="$(mktemp)"
  start=$(date +%s.%N)
  build/src/cli/medcred view "$@" --port 0 >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do grep -q "^open http" "$log" && break; sleep 0.02; done
  ready=$(date +%s.%N)
  printf "medcred view %s: ready in %.2f s; %s, %s\n" "$*" "$(echo "$ready - $start" | bc)" \
    "$(grep VmRSS /proc/$pid/status | tr -s ' \t' ' ')" "$(grep VmHWM /proc/$pid/status | tr -s ' \t' ' ')"
  kill "$pid"
  wait "$pid" || true
  rm -f "$log"
}
echo
view_process "$out/run-x$n-labs-bayes"
view_process "$out/run-x$n-labs-bayes" "$out/run-x$n-prior"
