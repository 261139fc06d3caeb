#!/usr/bin/env python3
"""Record real Chromium's answers for the PAC scripts in pac/ (not run in CI).

For each pac/NAME.pac, Chromium is launched once with the script as its PAC URL and navigates to
every URL of pac/NAME.urls (the oracle's pac_probe.js); the proxy list its NetLog reports for each
URL is written to chromium-156-pac.tsv as

    NAME.pac<TAB>url<TAB>chromium_result

where chromium_result is `FAILED` when the script failed for that URL (a throw, a non-string or a
non-ASCII result). Chromium then falls back to DIRECT, while Electron's `setProxy` makes PAC
mandatory and `resolveProxy` answers the empty string; the replay test expects the latter.
URLs Chromium canonicalises to another string (userinfo, IDN) are not comparable and skipped.
The scripts use no DNS; `results.pac` reads the clock, so the file records when it was made.

Unlike the oracle's pac_probe.js, Chromium runs with `--host-resolver-rules=MAP * 127.0.0.1:9`
(as record_chromium.py does): every connection it makes, to a proxy or DIRECT to a URL's host,
goes to a closed loopback port, so recording sends nothing to any other address. The script
runs before host resolution, and these scripts resolve nothing, so no answer changes.

Usage: python3 record_chromium_pac.py ORACLE_DIR   (ORACLE_DIR: shared/tools/chromium-oracle with
`npm install playwright-core` run in it; Debian's `chromium` at /usr/bin/chromium)
"""
import datetime, os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE = sys.argv[1]
sys.path.insert(0, ORACLE)
import oracle_lib  # noqa: E402

# The oracle's probe, with every host mapped to a closed loopback port.
source = open(os.path.join(ORACLE, "pac_probe.js")).read()
if "--host-resolver-rules" not in source:
    source = source.replace("'--no-sandbox', ", "'--no-sandbox', '--host-resolver-rules=MAP * 127.0.0.1:9', ", 1)
if "--host-resolver-rules" not in source:
    sys.exit("pac_probe.js changed: cannot add --host-resolver-rules, refusing to record")
probe = os.path.join(tempfile.mkdtemp(), "pac_probe.js")
open(probe, "w").write(source)

now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
lines = ["# PAC answers recorded from real Chromium by record_chromium_pac.py (see its docstring).",
         f"# recorded at {now.isoformat()} (the replay passes it as --now)",
         "# columns: pac<TAB>url<TAB>chromium_result (FAILED: the script failed for this URL)"]
for name in sorted(os.listdir(os.path.join(HERE, "pac"))):
    if not name.endswith(".pac"):
        continue
    pac = os.path.join(HERE, "pac", name)
    urls = [u.strip() for u in open(pac[:-4] + ".urls") if u.strip()]
    log = tempfile.mktemp(suffix=".json")
    subprocess.run(["timeout", "300", "node", probe, pac, log, *urls], capture_output=True, check=False,
                   env=dict(os.environ, NODE_PATH=os.path.join(ORACLE, "node_modules")))
    for url in urls:
        result = oracle_lib.first_resolution(log, url)
        if result is not None and result.startswith("unmapped"):
            continue
        lines.append(f"{name}\t{url}\t{'FAILED' if result is None else result}")
    os.unlink(log)
open(os.path.join(HERE, "chromium-156-pac.tsv"), "w").write("\n".join(lines) + "\n")
