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

Usage: python3 record_chromium_pac.py ORACLE_DIR   (ORACLE_DIR: shared/tools/chromium-oracle with
`npm install playwright-core` run in it; Debian's `chromium` at /usr/bin/chromium)
"""
import datetime, os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE = sys.argv[1]
sys.path.insert(0, ORACLE)
import oracle_lib  # noqa: E402

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
    subprocess.run(["timeout", "300", "node", os.path.join(ORACLE, "pac_probe.js"), pac, log, *urls],
                   capture_output=True, check=False)
    for url in urls:
        result = oracle_lib.first_resolution(log, url)
        if result is not None and result.startswith("unmapped"):
            continue
        lines.append(f"{name}\t{url}\t{'FAILED' if result is None else result}")
    os.unlink(log)
open(os.path.join(HERE, "chromium-156-pac.tsv"), "w").write("\n".join(lines) + "\n")
