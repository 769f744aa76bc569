#!/usr/bin/env bash
# The main job, from a fresh machine: install what is needed, build medcred,
# and run `medcred demo`: ingest the open MIMIC-IV demo into out/demo/demo.db,
# run the labs-bayes baseline on every category's test cases, and write the
# credentials and the report (out/demo/run-baseline-labs-bayes/report.html).
# Extra arguments go to `medcred demo` (e.g. --model baseline:prior).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target medcred >/dev/null
exec build/src/cli/medcred demo --out out/demo "$@"
