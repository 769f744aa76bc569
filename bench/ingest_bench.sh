#!/usr/bin/env bash
# Ingest benchmark: the demo scaled xN, loaded side by side by
#   - medcred ingest (ISA-L, and zlib), indexes built, checksums verified;
#   - the sqlite3 CLI: .import --csv "|gzip -dc FILE" per file, no indexes;
#   - DuckDB (npm @duckdb/node-api): CREATE TABLE AS SELECT * FROM read_csv(FILE);
#   - the floor: igzip -dc of the same files to /dev/null.
# Each line reports wall seconds, rows/s and peak RSS (GNU time). The files are
# those of the store's schema (the same set for every loader).
#
#   bench/ingest_bench.sh [N ...]        default: 1 10 30
# Needs a build in build/ (scripts/test.sh makes one) and writes scaled data
# and results under bench/results/ (ignored by git: derived from MIMIC).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- 1 10 30
demo="${MEDCRED_DEMO_DIR:-../shared/data/mimic-iv-demo-2.2}"
cmake --build build --target medcred make_scaled_demo >/dev/null
if [ ! -d bench/duckdb/node_modules/@duckdb ]; then (cd bench/duckdb && npm install --no-audit --no-fund --loglevel=error >/dev/null); fi
out=bench/results
mkdir -p "$out"
report="$out/ingest-$(date -u +%Y%m%dT%H%M%SZ).md"

timed() {  # timed LABEL ROWS_FILE CMD... : runs CMD, prints "seconds peak_kb"
  local t; t=$(mktemp)
  /usr/bin/time -f "%e %M" -o "$t" "$@" >/dev/null
  cat "$t"; rm -f "$t"
}

{
echo "| N | loader | seconds | rows | rows/s | peak RSS MB |"
echo "|---|---|---:|---:|---:|---:|"
} | tee "$report"

for n in "$@"; do
  data="$out/demo-x$n"
  [ -f "$data/SHA256SUMS.txt" ] || build/bench/make_scaled_demo "$demo" "$data" "$n"
  mapfile -t files < <(cd "$data" && ls hosp/*.csv.gz icu/*.csv.gz 2>/dev/null)
  abs=(); for f in "${files[@]}"; do abs+=("$data/$f"); done
  sync

  line() { printf '| %s | %s | %.2f | %d | %.0f | %.0f |\n' "$n" "$1" "$2" "$3" "$(echo "$3 / $2" | bc -l)" "$(echo "$4 / 1024" | bc -l)"; }

  # the floor: decompressing every file once
  read -r s kb < <(timed bash -c 'for f in "$@"; do igzip -dc "$f"; done >/dev/null' _ "${abs[@]}")
  total_rows=$(for f in "${abs[@]}"; do igzip -dc "$f" | tail -n +2; done | wc -l)
  line "floor: igzip -dc" "$s" "$total_rows" "$kb" | tee -a "$report"

  for gz in isa-l zlib; do
    rm -f "$out/x$n.db"
    read -r s kb < <(timed build/src/cli/medcred ingest --source "$data" --store "$out/x$n.db" --gzip "$gz" --json)
    rows=$(build/src/cli/medcred info --store "$out/x$n.db" --json | python3 -c 'import json,sys; print(sum(t["source_rows"] for t in json.load(sys.stdin)["tables"].values()))' 2>/dev/null || echo "$total_rows")
    line "medcred ingest ($gz)" "$s" "$rows" "$kb" | tee -a "$report"
  done

  rm -f "$out/sqlite-x$n.db"
  script=$(mktemp)
  for f in "${files[@]}"; do t=$(basename "$f" .csv.gz); echo ".import --csv \"|gzip -dc $data/$f\" $t"; done > "$script"
  read -r s kb < <(timed sqlite3 "$out/sqlite-x$n.db" ".read $script")
  rm -f "$script"
  line "sqlite3 CLI .import" "$s" "$total_rows" "$kb" | tee -a "$report"

  rm -f "$out/duckdb-x$n.db"
  read -r s kb < <(timed node bench/duckdb/import.mjs "$out/duckdb-x$n.db" "${abs[@]}")
  line "DuckDB read_csv" "$s" "$total_rows" "$kb" | tee -a "$report"
  rm -f "$out/sqlite-x$n.db" "$out/duckdb-x$n.db" "$out/duckdb-x$n.db.wal"
done
echo "written to $report"
