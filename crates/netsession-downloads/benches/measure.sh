#!/bin/sh
# Whole-process measurement of a large loopback download (not run by CI): this crate
# against curl and a bare reqwest streaming loop, on the same server, with peak resident
# memory from /usr/bin/time. Usage, from the workspace root:
#   crates/netsession-downloads/benches/measure.sh [BYTES (default 1 GiB)] [ROUNDS (default 3)]
set -eu
SIZE=${1:-1073741824}
ROUNDS=${2:-3}
BIN=$(cargo bench -p netsession-downloads --bench throughput --no-run 2>&1 \
  | sed -n 's/.*Executable .*(\(.*\)).*/\1/p' | tail -1)
TMP=$(mktemp -d)
"$BIN" serve "$SIZE" > "$TMP/port" &
SERVER=$!
trap 'kill $SERVER; rm -rf "$TMP"' EXIT
while [ ! -s "$TMP/port" ]; do sleep 0.1; done
URL="http://127.0.0.1:$(cat "$TMP/port")/file.bin"
# `sync` before each run, so that no client pays for the previous one's dirty pages.
for round in $(seq "$ROUNDS"); do
  echo "round $round"
  sync
  /usr/bin/time -f "curl: %e s, peak RSS %M KiB" curl -sS -o "$TMP/curl.bin" "$URL"
  rm -f "$TMP/curl.bin"
  sync
  /usr/bin/time -f "bare reqwest: %e s, peak RSS %M KiB" "$BIN" bare "$URL" "$TMP/bare.bin"
  sync
  /usr/bin/time -f "ours: %e s, peak RSS %M KiB" "$BIN" ours "$URL" "$TMP/ours"
done
