#!/usr/bin/env bash
# Downloads the open PhysioNet demos medcred reads, for a person with internet
# access and without MIMIC credentials (they are open access, ODbL):
#   MIMIC-IV Clinical Database Demo 2.2  -> data/mimic-iv-demo-2.2      (hosp/, icu/)
#   MIMIC-IV-ED Demo 2.2                 -> data/mimic-iv-ed-demo-2.2   (ed/: chief complaints, triage vitals)
#   MIMIC-IV-ECG Demo 0.1                -> data/mimic-iv-ecg-demo-0.1  (machine_measurements.csv: ECG reports)
# and checks every file against the SHA256SUMS.txt PhysioNet publishes with it.
# Re-running resumes and skips what is already there (wget -N -c).
#
#   scripts/fetch-demo.sh
#   build/src/cli/medcred ingest --source data/mimic-iv-demo-2.2 --source data/mimic-iv-ed-demo-2.2 \
#       --source data/mimic-iv-ecg-demo-0.1 --store out/demo-all.db
#
# The files are data, never committed (.gitignore); see docs/store.md#the-open-demos.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wget >/dev/null || { echo "fetch-demo.sh: wget is needed (apt-get install wget)" >&2; exit 1; }

fetch() {  # fetch SLUG VERSION: https://physionet.org/files/SLUG/VERSION/ into data/SLUG-VERSION
  local dir="data/$1-$2"
  mkdir -p "$dir"
  # As PhysioNet documents (wget -r -N -c -np), without its host and path folders.
  wget -r -N -c -np -nH --cut-dirs=3 -R "index.html*" -P "$dir" "https://physionet.org/files/$1/$2/"
  [ -f "$dir/SHA256SUMS.txt" ] || { echo "fetch-demo.sh: $dir has no SHA256SUMS.txt" >&2; exit 3; }
  (cd "$dir" && sha256sum --check --quiet SHA256SUMS.txt) ||
    { echo "fetch-demo.sh: $dir does not match its SHA256SUMS.txt; run again to resume" >&2; exit 3; }
  echo "fetch-demo.sh: $dir verified"
}

fetch mimic-iv-demo 2.2
fetch mimic-iv-ed-demo 2.2
fetch mimic-iv-ecg-demo 0.1
