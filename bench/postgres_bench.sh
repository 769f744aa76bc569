#!/usr/bin/env bash
# The PostgreSQL store against the SQLite store on the demo (and, with N, on
# the demo scaled xN): tool-call latency p50/p99 (bench/environment_bench) and
# a full labs-bayes baseline run over every case, 3 times each. Starts its own
# throwaway server (scripts/postgres/cluster.sh) and stops it at the end.
#   bench/postgres_bench.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-0}"
demo="${MEDCRED_DEMO_DIR:-../shared/data/mimic-iv-demo-2.2}"
out=bench/results
mkdir -p "$out"
[ -x build/bench/environment_bench ] || { echo "build first: scripts/test.sh" >&2; exit 1; }
medcred=build/src/cli/medcred
pg_dir="$(mktemp -d /tmp/medcred-pgbench.XXXXXX)"
chmod 755 "$pg_dir"
trap 'bash scripts/postgres/cluster.sh stop "$pg_dir"; rm -rf "$pg_dir"' EXIT
base="$(bash scripts/postgres/cluster.sh start "$pg_dir" 55432)"

bench() {  # label, source dir, sqlite store
  local label=$1 src=$2 db=$3
  [ -f "$db" ] || $medcred ingest --source "$src" --store "$db" >/dev/null
  psql -X -q -d "$base/postgres" -c "CREATE DATABASE $label"
  local t0=$SECONDS
  bash scripts/postgres/load.sh "$src" "$base/$label"
  echo "== $label: load.sh $((SECONDS - t0)) s"
  for store in "$db" "$base/$label"; do
    echo "-- tool-call latency, $store"
    build/bench/environment_bench "$store" "" 3
    for i in 1 2 3; do
      rm -rf "$pg_dir/run"
      /usr/bin/time -f "   labs-bayes run over every case: %e s wall, %M kB peak RSS" \
        $medcred run --store "$store" --model baseline:labs-bayes --split all --concurrency 2 --out "$pg_dir/run" >/dev/null 2>"$pg_dir/err" \
        || { cat "$pg_dir/err" >&2; exit 1; }
      grep -E 'cases,|wall' "$pg_dir/err" | sed 's/^/   /'
    done
  done
}

bench medcred_demo "$demo" "$out/demo.db"
if [ "$n" -gt 0 ]; then
  [ -d "$out/x$n" ] || build/bench/make_scaled_demo "$demo" "$out/x$n" "$n"
  bench "medcred_x$n" "$out/x$n" "$out/x$n.db"
fi
