#!/usr/bin/env bash
# Memory and time at scale (issue 18): for the demo scaled xN (default 10 40
# 100), the peak RSS and wall time of ingest, of case building (`medcred cases
# --stats`), and of `medcred run --split all` with baseline:labs-bayes and
# baseline:null, with the time per episode; then a standard exam with two
# epochs on the largest. Figures from GNU time (`/usr/bin/time -v`).
# Stores and runs are built under bench/results/ (ignored by git: derived
# from MIMIC).
#   bench/scale_bench.sh [N ...]
set -euo pipefail
cd "$(dirname "$0")/.."
scales=("$@")
[ ${#scales[@]} -gt 0 ] || scales=(10 40 100)
demo="${MEDCRED_DEMO_DIR:-../shared/data/mimic-iv-demo-2.2}"
export MEDCRED_REFERENCE_DIR="${MEDCRED_REFERENCE_DIR:-../shared/data/reference}"
# SKIP_INGEST=1 reuses bench/results/xN.db when it is there.
medcred="${MEDCRED:-build/src/cli/medcred}"
out=bench/results
mkdir -p "$out"
[ -x "$medcred" ] && [ -x build/bench/make_scaled_demo ] || { echo "build first: ninja -C build medcred make_scaled_demo" >&2; exit 1; }

# Runs a command under GNU time; prints "wall_seconds peak_MB cpu_seconds" (CPU
# time, user + system, is the figure to compare on a shared machine).
measure() {
  local log
  log=$(mktemp)
  /usr/bin/time -v "$@" >/dev/null 2>"$log" || { cat "$log" >&2; rm -f "$log"; return 1; }
  local secs rss cpu
  cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$log")
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$log")
  rm -f "$log"
  echo "$secs $rss $cpu"
}

printf '%-6s %-24s %8s %8s %9s %8s %12s\n' N step wall_s cpu_s episodes peak_MB "cpu_ms/ep"
for n in "${scales[@]}"; do
  [ -d "$out/x$n" ] || build/bench/make_scaled_demo "$demo" "$out/x$n" "$n" >/dev/null
  if [ -z "${SKIP_INGEST:-}" ] || [ ! -f "$out/x$n.db" ]; then
  rm -f "$out/x$n.db"
  read -r s m c < <(measure "$medcred" ingest --source "$out/x$n" --store "$out/x$n.db")
  printf '%-6s %-24s %8.2f %8.2f %9s %8s %12s\n' "$n" ingest "$s" "$c" - "$m" -
  fi
  read -r s m c < <(measure "$medcred" cases --store "$out/x$n.db" --stats)
  printf '%-6s %-24s %8.2f %8.2f %9s %8s %12s\n' "$n" "cases --stats" "$s" "$c" - "$m" -
  for model in labs-bayes null; do
    rm -rf "$out/run-x$n-$model"
    read -r s m c < <(measure "$medcred" run --store "$out/x$n.db" --model "baseline:$model" --split all \
      --out "$out/run-x$n-$model")
    eps=$(wc -l <"$out/run-x$n-$model/episodes.jsonl")
    printf '%-6s %-24s %8.2f %8.2f %9d %8s %12.3f\n' "$n" "run baseline:$model" "$s" "$c" "$eps" "$m" \
      "$(awk -v s="$c" -v e="$eps" 'BEGIN {print 1000 * s / e}')"
  done
done
last="${scales[${#scales[@]}-1]}"
rm -rf "$out/exam-x$last"
read -r s m c < <(measure "$medcred" run --store "$out/x$last.db" --model baseline:labs-bayes --exam --epochs 2 \
  --out "$out/exam-x$last")
eps=$(wc -l <"$out/exam-x$last/episodes.jsonl")
printf '%-6s %-24s %8.2f %8.2f %9d %8s %12.3f\n' "$last" "run --exam --epochs 2" "$s" "$c" "$eps" "$m" \
  "$(awk -v s="$c" -v e="$eps" 'BEGIN {print 1000 * s / e}')"
echo
echo "exam sizes on the demo x$last (category: size of available):"
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
for name, c in sorted(s["exam"]["categories"].items()):
    print("  %-20s %4d of %6d" % (name, c["size"], c["available"]))
' "$out/exam-x$last/summary.json"
