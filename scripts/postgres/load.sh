#!/usr/bin/env bash
# Loads a MIMIC-IV release into PostgreSQL in mimic-code's layout (schemas
# mimiciv_hosp, mimiciv_icu, mimiciv_ed, mimiciv_note, mimiciv_ecg), for users without a
# mimic-code build and for medcred's tests. medcred then reads it in place:
#   medcred cases --store URI
#
#   scripts/postgres/load.sh SOURCE_DIR [SOURCE_DIR ...] URI
#
# SOURCE_DIR: a release folder with hosp/ (and icu/), and optionally the ED
# and Note module folders (ed/, note/) and the MIMIC-IV-ECG release folder
# (machine_measurements.csv and record_list.csv at its top, or in ecg/). Each
# file is checked against its
# folder's SHA256SUMS.txt when listed there (a mismatch stops the load) and
# loaded with COPY straight from gzip. Everything happens in one transaction:
# a failed load leaves the database as it was. The schemas must not exist yet.
# Records the dataset's identity and every file's checksum in schema medcred,
# with the tallies medcred reads at start-up (medcred.labitem_counts, medcred.micro_tests).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ $# -lt 2 ]; then
  echo "usage: $0 SOURCE_DIR [SOURCE_DIR ...] postgresql://..." >&2
  exit 1
fi
uri="${*: -1}"
sources=("${@:1:$#-1}")
case "$uri" in postgresql://*|postgres://*) ;; *) echo "load.sh: the last argument must be a postgresql:// URI" >&2; exit 1 ;; esac
for s in "${sources[@]}"; do
  [ -d "$s" ] || { echo "load.sh: $s is not a folder" >&2; exit 2; }
done

# The dataset's identity, as medcred ingest reads it from the release folder name
# (mimic-iv-demo-2.2 -> mimic-iv-demo 2.2; physionet.org/files/mimiciv/3.1 -> mimic-iv 3.1).
hosp_src=""
for s in "${sources[@]}"; do [ -d "$s/hosp" ] && hosp_src="$s" && break; done
[ -n "$hosp_src" ] || { echo "load.sh: no source folder has hosp/" >&2; exit 2; }
base="$(basename "$(cd "$hosp_src" && pwd)")"
parent="$(basename "$(dirname "$(cd "$hosp_src" && pwd)")")"
shopt -s nocasematch
if [[ "$base" =~ ^(mimic-?iv(-[a-z]+)*)[-_]v?([0-9]+\.[0-9]+(\.[0-9]+)?)$ ]]; then
  name="${BASH_REMATCH[1]}"; version="${BASH_REMATCH[3]}"
elif [[ "$base" =~ ^v?([0-9]+\.[0-9]+(\.[0-9]+)?)$ ]]; then
  name="$parent"; version="${BASH_REMATCH[1]}"
else
  name="$base"; version="unknown"
fi
shopt -u nocasematch
name="$(echo "$name" | tr '[:upper:]' '[:lower:]')"
[[ "$name" == mimiciv* ]] && name="mimic-iv${name#mimiciv}"
demo=0
{ [[ "$name" == *demo* ]] || [ -f "$hosp_src/demo_subject_id.csv" ]; } && demo=1

# module/table, in the order medcred's store lists them.
tables=(hosp/patients hosp/admissions hosp/transfers hosp/services hosp/diagnoses_icd hosp/d_icd_diagnoses
        hosp/procedures_icd hosp/drgcodes hosp/d_labitems hosp/labevents hosp/microbiologyevents hosp/poe
        hosp/poe_detail hosp/omr hosp/prescriptions icu/icustays icu/chartevents ed/edstays ed/triage
        ed/vitalsign ed/medrecon ed/diagnosis note/discharge note/radiology ecg/machine_measurements ecg/record_list)

sql="$(mktemp)"
trap 'rm -f "$sql"' EXIT
{
  echo "\\set ON_ERROR_STOP on"
  cat "$here/schema.sql"
  echo "INSERT INTO medcred.meta VALUES ('dataset_name', '$name'), ('dataset_version', '$version'),"
  echo "  ('demo', '$demo'), ('load_time', '$(date -u +%Y-%m-%dT%H:%M:%SZ)'), ('loader', 'scripts/postgres/load.sh');"
} >"$sql"

loaded=0
for mt in "${tables[@]}"; do
  module="${mt%%/*}"; table="${mt##*/}"
  file=""; src=""
  for s in "${sources[@]}"; do
    candidates=("$s/$mt.csv.gz" "$s/$mt.csv")
    # MIMIC-IV-ECG has no module folder: its tables sit at the top of the release.
    [ "$module" = ecg ] && candidates+=("$s/$table.csv.gz" "$s/$table.csv")
    for f in "${candidates[@]}"; do
      if [ -z "$file" ] && [ -f "$f" ]; then file="$f"; src="$s"; fi
    done
  done
  [ -n "$file" ] || continue
  rel="${file#"$src"/}"
  sha="$(sha256sum "$file" | cut -d' ' -f1)"
  verified=false
  if [ -f "$src/SHA256SUMS.txt" ]; then
    listed="$(awk -v f="$rel" '$2 == f || $2 == "*"f {print $1}' "$src/SHA256SUMS.txt")"
    if [ -n "$listed" ]; then
      [ "$listed" = "$sha" ] || { echo "load.sh: $file does not match its SHA256SUMS.txt checksum" >&2; exit 2; }
      verified=true
    fi
  fi
  if [[ "$file" == *.gz ]]; then reader="gzip -dc"; else reader="cat"; fi
  header="$( ($reader "$file" 2>/dev/null || true) | head -n 1 | tr -d '\r')"
  [[ "$header" =~ ^[a-z0-9_,]+$ ]] || { echo "load.sh: $file: the first line is not a header of column names" >&2; exit 2; }
  abs="$(cd "$(dirname "$file")" && pwd)/$(basename "$file")"
  abs_q="${abs//\'/\'\'}"
  echo "\\copy mimiciv_$module.$table ($header) FROM PROGRAM '$reader ''$abs_q''' WITH (FORMAT csv, HEADER true)" >>"$sql"
  echo "INSERT INTO medcred.sources SELECT '$table', '$module', '$rel', '$sha', $verified, count(*) FROM mimiciv_$module.$table;" >>"$sql"
  loaded=$((loaded + 1))
done
cat "$here/indexes.sql" >>"$sql"

start=$SECONDS
psql -X -q --single-transaction -d "$uri" -f "$sql" >/dev/null
echo "load.sh: $loaded tables of $name $version loaded into $(echo "$uri" | sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#') in $((SECONDS - start)) s" >&2
