#!/bin/sh
# Whole-process measurement of a large loopback download (not run by CI): this crate
# ("ours", the bench binary's download loop) and the real `netsession download` command
# against curl and a bare reqwest streaming loop, on the same server, with peak resident
# memory from /usr/bin/time. Usage, from the workspace root:
#   crates/netsession-downloads/benches/measure.sh [BYTES (default 1 GiB)] [ROUNDS (default 3)]
#
# At the end it checks the targets, for ours and for the command: throughput at least
# curl's, at least 95% of bare reqwest's, and peak RSS under 32768 KiB. Throughput is the
# best round of each client (the least disturbed by the rest of the machine), RSS the
# highest. The exit status is 1 when a check fails.
set -eu
SIZE=${1:-1073741824}
ROUNDS=${2:-3}
RSS_LIMIT=32768
BIN=$(cargo bench -p netsession-downloads --bench throughput --no-run 2>&1 \
  | sed -n 's/.*Executable .*(\(.*\)).*/\1/p' | tail -1)
# The command as users run it: a release build.
cargo build --release -p netsession-cli
CLI=target/release/netsession
TMP=$(mktemp -d)
"$BIN" serve "$SIZE" > "$TMP/port" &
SERVER=$!
trap 'kill $SERVER; rm -rf "$TMP"' EXIT
while [ ! -s "$TMP/port" ]; do sleep 0.1; done
URL="http://127.0.0.1:$(cat "$TMP/port")/file.bin"

# Runs the client named $1 (the rest is its command) under /usr/bin/time, prints its line
# and appends "name seconds kib" to the results. The wall time comes from `date +%s%N`:
# /usr/bin/time's %e has only 10 ms steps.
measure() {
  name=$1
  shift
  sync
  start=$(date +%s%N)
  /usr/bin/time -o "$TMP/time" -f "%M" "$@" > /dev/null
  end=$(date +%s%N)
  read -r kib < "$TMP/time"
  seconds=$(awk -v ns=$((end - start)) 'BEGIN { printf "%.3f", ns / 1e9 }')
  echo "$name: $seconds s, peak RSS $kib KiB"
  echo "$name $seconds $kib" >> "$TMP/results"
}

# `sync` before each run, so that no client pays for the previous one's dirty pages.
for round in $(seq "$ROUNDS"); do
  echo "round $round"
  measure curl curl -sS -o "$TMP/curl.bin" "$URL"
  rm -f "$TMP/curl.bin"
  measure bare "$BIN" bare "$URL" "$TMP/bare.bin"
  measure ours "$BIN" ours "$URL" "$TMP/ours"
  mkdir -p "$TMP/cli"
  measure cli "$CLI" download "$URL" --dir "$TMP/cli"
  rm -rf "$TMP/cli"
done

# The checks: MB/s from the best round, RSS from the worst.
awk -v size="$SIZE" -v limit="$RSS_LIMIT" '
  {
    if (!($1 in best) || $2 < best[$1]) best[$1] = $2
    if ($3 > rss[$1]) rss[$1] = $3
  }
  function rate(who) { return best[who] > 0 ? size / best[who] / 1e6 : 0 }
  function check(label, ok) {
    printf "%s  %s\n", ok ? "PASS" : "FAIL", label
    if (!ok) failed = 1
  }
  END {
    for (who in best) printf "%s: %.1f MB/s best, peak RSS %d KiB\n", who, rate(who), rss[who]
    split("ours cli", clients, " ")
    for (i = 1; i <= 2; i++) {
      c = clients[i]
      check(sprintf("%s throughput %.1f MB/s >= curl %.1f MB/s", c, rate(c), rate("curl")), \
        rate(c) >= rate("curl"))
      check(sprintf("%s throughput %.1f MB/s >= 95%% of bare reqwest %.1f MB/s", c, rate(c), \
        rate("bare")), rate(c) >= 0.95 * rate("bare"))
      check(sprintf("%s peak RSS %d KiB < %d KiB", c, rss[c], limit), rss[c] < limit)
    }
    exit failed
  }
' "$TMP/results"
