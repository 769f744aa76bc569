#!/usr/bin/env bash
# Model hashing speed: `medcred hash` against coreutils `sha256sum` (and
# OpenSSL's `openssl dgst -sha256`) on one file of SIZE_GB gigabytes of random
# bytes (default 2), each run twice with the file in the page cache, then once
# with the cache dropped when that is allowed (root). Prints GB/s; asserts only
# that all three print the same digest.
set -euo pipefail
cd "$(dirname "$0")/.."
size_gb="${1:-2}"
out=bench/results/hash
mkdir -p "$out"
file="$out/model-${size_gb}g.bin"
if [ ! -f "$file" ]; then
  echo "writing $file ($size_gb GB of random bytes)" >&2
  head -c "$((size_gb * 1024 * 1024 * 1024))" /dev/urandom >"$file"
fi
bytes=$(stat -c %s "$file")
medcred=build/src/cli/medcred
[ -x "$medcred" ] || cmake --build build --target medcred >/dev/null

run() {  # label, command...: prints seconds and GB/s, returns the digest in $digest
  local label=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  digest=$("$@" | awk '{print $NF == "" ? $1 : $1}' | sed 's/.*= //' | head -c 64)
  t1=$(date +%s.%N)
  printf '%-22s %6.2f s  %5.2f GB/s  %s\n' "$label" "$(echo "$t1 - $t0" | bc)" \
    "$(echo "scale=4; $bytes / 1000000000 / ($t1 - $t0)" | bc)" "$digest"
}

echo "file: $file, $bytes bytes; $(nproc) cores; $(openssl version)"
cat "$file" >/dev/null  # warm the page cache
for i in 1 2; do
  run "medcred hash" "$medcred" hash "$file"; d1=$digest
  run "sha256sum" sha256sum "$file"; d2=$digest
  run "openssl dgst -sha256" openssl dgst -sha256 -r "$file"; d3=$digest
done
if [ "$d1" != "$d2" ] || [ "$d1" != "$d3" ]; then
  echo "DIGESTS DIFFER: $d1 $d2 $d3" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ] && echo 3 >/proc/sys/vm/drop_caches 2>/dev/null; then
  run "medcred hash (cold)" "$medcred" hash "$file"
  echo 3 >/proc/sys/vm/drop_caches
  run "sha256sum (cold)" sha256sum "$file"
fi
