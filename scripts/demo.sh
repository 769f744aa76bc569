#!/usr/bin/env bash
# The main job, from a fresh machine: install what is needed, build medcred,
# ingest the open MIMIC-IV demo into out/demo.db, and run the labs-bayes
# baseline on its test cases (graded episodes in out/runs/demo-labs-bayes).
# (With the credentials and report of issue 6, this becomes `medcred demo`.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target medcred >/dev/null

# The demo is found as SPEC section 2 says.
demo="${MEDCRED_DEMO_DIR:-}"
for d in ../shared/data/mimic-iv-demo-2.2 data/mimic-iv-demo-2.2; do
  [ -z "$demo" ] && [ -d "$d/hosp" ] && demo="$d"
done
if [ -z "$demo" ]; then
  echo "demo.sh: the MIMIC-IV demo was not found; set MEDCRED_DEMO_DIR or put it in data/mimic-iv-demo-2.2" >&2
  exit 1
fi
mkdir -p out
build/src/cli/medcred ingest --source "$demo" --store out/demo.db "$@"
rm -rf out/runs/demo-labs-bayes
build/src/cli/medcred run --store out/demo.db --model baseline:labs-bayes --out out/runs/demo-labs-bayes
echo "demo.sh: episodes in out/runs/demo-labs-bayes/episodes.jsonl, counts in out/runs/demo-labs-bayes/summary.json" >&2
