#!/usr/bin/env bash
# Builds medcred and runs every test. On a fresh Debian 12 machine this first
# installs what the project needs (scripts/bootstrap.sh).
#
#   scripts/test.sh                      GCC, RelWithDebInfo, build/
#   scripts/test.sh --compiler clang     Clang 14, build-clang/
#   scripts/test.sh --sanitize           Clang 14 with ASan+UBSan, build-asan/
set -euo pipefail
cd "$(dirname "$0")/.."

compiler=gcc
sanitize=OFF
build_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --compiler) compiler="$2"; shift 2 ;;
    --sanitize) sanitize=ON; compiler=clang; shift ;;
    --build-dir) build_dir="$2"; shift 2 ;;
    *) echo "usage: scripts/test.sh [--compiler gcc|clang] [--sanitize] [--build-dir DIR]" >&2; exit 1 ;;
  esac
done

bash scripts/bootstrap.sh

case "$compiler" in
  gcc) cc=gcc; cxx=g++; default_dir=build ;;
  clang) cc=clang-14; cxx=clang++-14; default_dir=build-clang ;;
  *) echo "unknown compiler: $compiler" >&2; exit 1 ;;
esac
[ "$sanitize" = ON ] && default_dir=build-asan
build_dir="${build_dir:-$default_dir}"

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
  -DMEDCRED_SANITIZE="$sanitize" -DMEDCRED_WERROR=ON >/dev/null
cmake --build "$build_dir"
# A throwaway PostgreSQL server for the PostgreSQL store's tests, holding the
# demo and the synthetic release (loaded by scripts/postgres/load.sh); stopped
# whatever happens. Without it those tests skip (or fail under
# MEDCRED_REQUIRE_POSTGRES=1, as in CI).
pg_dir="$(mktemp -d /tmp/medcred-pg.XXXXXX)"
chmod 755 "$pg_dir"
trap 'bash scripts/postgres/cluster.sh stop "$pg_dir"; rm -rf "$pg_dir"' EXIT
if pg_base="$(bash scripts/postgres/cluster.sh start "$pg_dir" "$((54000 + $$ % 1000))")"; then
  demo="${MEDCRED_DEMO_DIR:-../shared/data/mimic-iv-demo-2.2}"
  psql -X -q -d "$pg_base/postgres" -c "CREATE DATABASE medcred_demo" -c "CREATE DATABASE medcred_synthetic" -c "CREATE DATABASE medcred_empty"
  if [ -d "$demo/hosp" ]; then
    bash scripts/postgres/load.sh "$demo" "$pg_base/medcred_demo"
    export MEDCRED_PG_DEMO_URI="$pg_base/medcred_demo"
  fi
  bash scripts/postgres/load.sh src/testing/synthetic-release src/testing/synthetic-release/mimic-iv-ecg \
    "$pg_base/medcred_synthetic"
  export MEDCRED_PG_SYNTHETIC_URI="$pg_base/medcred_synthetic" MEDCRED_PG_EMPTY_URI="$pg_base/medcred_empty"
elif [ -n "${MEDCRED_REQUIRE_POSTGRES:-}" ]; then
  echo "test.sh: the PostgreSQL test server did not start" >&2
  exit 1
else
  echo "test.sh: no PostgreSQL test server; the PostgreSQL store's tests will skip" >&2
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)"
