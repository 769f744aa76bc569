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
medcred="${MEDCRED:-build/src/cli/medcred}"
out=bench/results
mkdir -p "$out"
[ -x "$medcred" ] && [ -x build/bench/make_scaled_demo ] || { echo "build first: ninja -C build medcred make_scaled_demo" >&2; exit 1; }

# Runs a command under GNU time; prints "seconds peak_MB".
measure() {
  local log
  log=$(mktemp)
  /usr/bin/time -v "$@" >/dev/null 2>"$log" || { cat "$log" >&2; rm -f "$log"; return 1; }
  local secs rss
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$log")
  rm -f "$log"
  echo "$secs $rss"
}

printf '%-6s %-28s %9s %10s %9s %12s\n' N step seconds episodes peak_MB "ms/episode"
for n in "${scales[@]}"; do
  [ -d "$out/x$n" ] || build/bench/make_scaled_demo "$demo" "$out/x$n" "$n" >/dev/null
  rm -f "$out/x$n.db"
  read -r s m < <(measure "$medcred" ingest --source "$out/x$n" --store "$out/x$n.db")
  printf '%-6s %-28s %9.2f %10s %9s %12s\n' "$n" ingest "$s" - "$m" -
  read -r s m < <(measure "$medcred" cases --store "$out/x$n.db" --stats)
  printf '%-6s %-28s %9.2f %10s %9s %12s\n' "$n" "cases --stats" "$s" - "$m" -
  for model in labs-bayes null; do
    rm -rf "$out/run-x$n-$model"
    read -r s m < <(measure "$medcred" run --store "$out/x$n.db" --model "baseline:$model" --split all \
      --out "$out/run-x$n-$model")
    eps=$(wc -l <"$out/run-x$n-$model/episodes.jsonl")
    printf '%-6s %-28s %9.2f %10d %9s %12.3f\n' "$n" "run baseline:$model" "$s" "$eps" "$m" \
      "$(awk -v s="$s" -v e="$eps" 'BEGIN {print 1000 * s / e}')"
  done
done
last="${scales[${#scales[@]}-1]}"
rm -rf "$out/exam-x$last"
read -r s m < <(measure "$medcred" run --store "$out/x$last.db" --model baseline:labs-bayes --exam --epochs 2 \
  --out "$out/exam-x$last")
eps=$(wc -l <"$out/exam-x$last/episodes.jsonl")
printf '%-6s %-28s %9.2f %10d %9s %12.3f\n' "$last" "run --exam --epochs 2" "$s" "$eps" "$m" \
  "$(awk -v s="$s" -v e="$eps" 'BEGIN {print 1000 * s / e}')"
echo
echo "exam sizes on the demo x$last (category: size of available):"
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
for name, c in sorted(s["exam"]["categories"].items()):
    print("  %-20s %4d of %6d" % (name, c["size"], c["available"]))
' "$out/exam-x$last/summary.json"
