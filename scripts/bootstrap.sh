#!/usr/bin/env bash
# Installs every Debian package medcred needs to build, test and benchmark.
# Idempotent and quiet; run as root on Debian 12 (bookworm). Nothing else is
# downloaded: no language registries, no prebuilt binaries.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkgconf clang-14 libclang-rt-14-dev
  # libraries (each chosen on purpose; see docs/dependencies.md)
  libsqlite3-dev sqlite3        # the embedded store, and the CLI the ingest benchmark compares with
  libpq-dev postgresql postgresql-client  # the PostgreSQL store; a throwaway server for its tests
  libisal-dev zlib1g-dev        # gzip: ISA-L (default, faster) and zlib (reference backend)
  libssl-dev                    # SHA-256 (OpenSSL EVP)
  nlohmann-json3-dev            # JSON
  libcli11-dev                  # command line
  libtomlplusplus-dev           # the methodology data files (TOML)
  libcurl4-openssl-dev          # the openai: model adapter (HTTP client)
  libcpp-httplib-dev            # HTTP server: scripted model endpoints in tests, `medcred serve`
  libsodium-dev                 # Ed25519 signatures of registry entries and tree heads
  libgtest-dev libgmock-dev     # tests
  libbenchmark-dev              # micro-benchmarks
  # tools the tests and benchmarks call
  gzip coreutils time bc isal  # isal: igzip, the decompression floor in bench/ingest_bench.sh
  chromium fonts-dejavu-core   # headless browser: the report and registry pages render (screenshot tests)
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "bootstrap: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
