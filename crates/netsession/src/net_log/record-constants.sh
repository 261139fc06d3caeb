#!/bin/sh
# Regenerates `chromium-constants.json`, the NetLog numbering tables vendored from Chromium.
#
# Records a NetLog with a local Chromium (offline: every host name maps to the discard port
# on 127.0.0.1, background networking is off) and keeps the static tables of its `constants`
# object: every member that is a name -> number object, except `clientInfo`. The per-run
# members (`clientInfo`, `timeTickOffset`, `logFormatVersion`, `logCaptureMode`,
# `activeFieldTrialGroups`) are written by the netsession writer itself.
#
# Usage: record-constants.sh [CHROMIUM_BINARY]   (default: chromium; needs jq)
# Afterwards update the Chromium version named in mod.rs's docs (printed below), and run the
# net_log unit tests: they check that every event and source type name we use still exists.
set -eu

chromium=${1:-chromium}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --dump-dom makes headless Chromium exit by itself, which finishes the log file properly.
timeout 60 "$chromium" --headless --no-sandbox --disable-gpu \
    --user-data-dir="$tmp/profile" \
    --host-resolver-rules='MAP * 127.0.0.1:9' \
    --disable-background-networking --disable-component-update --no-first-run \
    --log-net-log="$tmp/netlog.json" --net-log-capture-mode=Default \
    --dump-dom about:blank >/dev/null 2>"$tmp/stderr" || {
    echo "chromium failed; its stderr:" >&2
    cat "$tmp/stderr" >&2
    exit 1
}

jq -S --indent 1 '.constants
    | with_entries(select((.value | type) == "object" and .key != "clientInfo"))' \
    "$tmp/netlog.json" >"$here/chromium-constants.json.tmp"
mv "$here/chromium-constants.json.tmp" "$here/chromium-constants.json"

echo "chromium-constants.json recorded from Chromium $(jq -r '.constants.clientInfo.version' "$tmp/netlog.json")"
jq -r '.constants | "  \(.logEventTypes | length) event types, \(.logSourceType | length) source types, \(.netError | length) net errors"' "$tmp/netlog.json"
