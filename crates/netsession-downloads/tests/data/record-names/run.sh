#!/bin/sh
# Asks Chromium (through /tmp/oracle/download_probe.js, see shared/tools/chromium-oracle)
# which name it suggests for every case of cases.py and cases2.py; writes out.jsonl and
# out2.jsonl here. Loopback only.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
for n in "" 2; do
  port=$((8893 + ${n:-0} / 2))
  cd "$HERE"
  sed "s/from cases import CASES/from cases$n import CASES/; s/8893/$port/" serve.py > "/tmp/serve$n.py"
  PYTHONPATH="$HERE" python3 "/tmp/serve$n.py" & SERVER=$!
  sleep 0.5
  URLS=$(PYTHONPATH="$HERE" python3 -c "
from cases$n import CASES
for i,(p,cd,ct) in enumerate(CASES): print('http://127.0.0.1:$port/c/%d%s'%(i,p))")
  cd /tmp/oracle && timeout 500 node download_probe.js $URLS > "$HERE/out$n.jsonl"
  kill $SERVER
done
