#!/usr/bin/env bash
# Installs every Debian package medcred needs to build, test and benchmark.
# Idempotent and quiet; run as root on Debian 12 (bookworm). Beside Debian's
# packages, only the viewer's browser test's npm packages, pinned by
# src/viewer/browser_test/package-lock.json, are installed (`npm ci`); no
# prebuilt binary or browser is downloaded.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkgconf clang-14 libclang-rt-14-dev
  ccache                        # shares compiled objects between checkouts and build directories
  clang-format-14               # scripts/format.sh (CI checks every C++ file is formatted)
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
  libsimdjson-dev               # `medcred view` indexes big episodes.jsonl files (SIMD JSON parsing)
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

# Node.js and npm run the viewer's browser test (Playwright); Debian's, unless
# a node and npm are there already.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# playwright-core for the viewer's browser test, exactly as the lock file pins
# it; it drives Debian's /usr/bin/chromium and downloads no browser. Done again
# only when the lock file changed.
browser_test="$(dirname "$0")/../src/viewer/browser_test"
if ! cmp -s "$browser_test/package-lock.json" "$browser_test/node_modules/.medcred-installed-lock"; then
  (cd "$browser_test" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$browser_test/package-lock.json" "$browser_test/node_modules/.medcred-installed-lock"
fi
