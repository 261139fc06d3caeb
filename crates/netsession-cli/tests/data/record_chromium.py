#!/usr/bin/env python3
"""Record real Chromium's proxy resolution for proxy-rule / bypass-list configurations.

Regenerates chromium-156-proxy.tsv next to this file: one line per (configuration, URL),
    rules<TAB>bypass<TAB>url<TAB>chromium_result
where chromium_result is the PAC-style proxy list Chromium's NetLog reports for the first
navigation to that URL (verbatim from oracle_lib.first_resolution, e.g. `PROXY p1:80`, `DIRECT`,
or the empty string for an empty proxy list).

Usage:
    python3 record_chromium.py ORACLE_DIR OUT.tsv
    CHROMIUM_ORACLE=ORACLE_DIR python3 record_chromium.py OUT.tsv

ORACLE_DIR is a copy of shared/tools/chromium-oracle with `npm install playwright-core` run in it
(it provides oracle_lib.py and node_modules/playwright-core); Debian's `chromium` package must be
installed at /usr/bin/chromium. Not run in CI.

Each configuration is one headless Chromium launch (`--proxy-server=RULES`,
`--proxy-bypass-list=BYPASS`, omitted when empty, exactly like the oracle's probe.js) that
navigates to each URL in turn. Unlike probe.js, this script also passes
`--host-resolver-rules=MAP * 127.0.0.1:9`: every connection Chromium makes (to a proxy or, for
DIRECT, to the origin, including IP-literal origins such as 10.1.2.3) goes to a closed loopback
port and is refused. This keeps the recording off the network (no DNS, no packets to private or
public addresses, no DNS-error probes to public resolvers) and, because no connection ever
succeeds, Chromium never promotes a proxy to the service-wide bad-proxy list, so later navigations
in one launch are not reordered by earlier failures. Proxy selection happens before host
resolution, so the mapping does not change which proxy list is chosen.

Cases that are not comparable (first_resolution returns None or `unmapped:...`, e.g. URLs that
Chromium canonicalises to a different string, or ports Chromium refuses to navigate to) are
skipped and counted; so are cases containing a tab or newline. Non-ASCII switch values are skipped
too: Chromium reads --proxy-server / --proxy-bypass-list with GetSwitchValueASCII, which turns a
non-ASCII value into the empty string, so such a launch says nothing about Electron's setProxy.

The output is deterministic apart from the date/version header lines.
"""
import datetime
import os
import random
import shutil
import subprocess
import sys
import tempfile

PROBE_JS = r"""
const { chromium } = require('playwright-core');
(async () => {
  const [rules, bypass, log, ...urls] = process.argv.slice(2);
  const args = ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
    `--log-net-log=${log}`, '--net-log-capture-mode=Default',
    '--host-resolver-rules=MAP * 127.0.0.1:9'];
  if (rules) args.push(`--proxy-server=${rules}`);
  if (bypass) args.push(`--proxy-bypass-list=${bypass}`);
  const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args, headless: true });
  const p = await b.newPage();
  for (const u of urls) { try { await p.goto(u, { timeout: 3000 }); } catch (e) {} }
  await b.close();
})();
"""

# ---------------------------------------------------------------------------------------------
# a) Hand-picked cases (reference: shared/reference/chromium-proxy-semantics.md, sections 2-5).
# ---------------------------------------------------------------------------------------------
BASIC_URLS = ['http://example.com/', 'https://example.com/', 'http://example.com:8080/']

# Proxy-rules strings (section 2 / 3 / 4), no bypass list. For multi-proxy lists the first URL
# is the one that matters most; no connection ever succeeds, so nothing is reordered anyway.
RULES_CASES = [
    'foopy1:8080;foopy2:9090',
    'foopy ; ftp=ftp-proxy',
    'ftp=ftp-proxy ; foopy',
    'http=',
    'http=foopy;socks=foopy2',
    'socks=foopy',
    'socks=socks5://foopy',
    'socks=http://foopy',
    'socks=https://foopy',
    'http=foopy;https=',
    'HTTP=foo',
    'HTTPS=foo;http=bar',
    'bogus://x',
    'http=bogus://x',
    'http=bogus://x;socks=p4',
    'foo:,bar',
    '[::1]:8080',
    '[::1]',
    '::1',
    '[2001:DB8::5]:3128',
    'socks://p6',
    'Socks://p6',
    'socks4://p4',
    'socks5://p5:1081',
    'SOCKS5://p5',
    'https://p3',
    'HTTPS://p3:8443',
    'http://p1',
    'HTTP://p1:81',
    'quic://q1',
    'quic://q1,p1:80',
    '[https://a https://b]',
    'p7:65535',
    'p:0',
    'p:65536',
    'p1:080',
    'p1:+80',
    'p1:0x50',
    'p1:-1',
    'p1:80/',
    'p9:',
    ' p12 ',
    'P11:80',
    'UPPER.Example.COM:8080',
    'füpy:80',
    'xn--fpy-hoa:80',
    '127.1:80',
    '0x7F.0x1:3128',
    '0177.01:80',
    '0xA.020.3.4',
    '[::FFFF:129.144.52.38]:80',
    '[::192.9.5.5]:80',
    'foopy.111',
    'foo.80:80',
    'foo.80',
    'user@p10',
    'user:pass@p10:80',
    'direct://',
    'DIRECT://',
    'direct://xyz',
    'direct://,p1:80',
    'p1:80,direct://',
    'p1:80 , p2:81',
    'p1:80,p2:81,p3:82',
    ',p1:80',
    'p1:80;;',
    ';p1:80',
    'http=a:1,b:2;http=c:3',
    'a=b=c=d',
    ' ;http=x',
    '=p1',
    'http==p1',
    'http=p1=p2',
    'http=p1, https=p2',
    'http = p1 ; https = p2',
    'http=p1;https=p2;ftp=p3;socks=p4',
    'http=p1;HTTPS=p2',
    'https=p2:443',
    'ftp=p3',
    'socks=p4;https=p2',
    'https=https://p3;http=socks5://p5',
    'ws=p1',
    'wss=p1;socks=p4',
    'http=direct://;socks=p4',
    'http=p1:80,direct://;https=direct://',
]

P = 'p1:80'  # rules used for bypass cases: DIRECT vs PROXY p1:80 shows the bypass decision

# (bypass string, URLs) with rules p1:80 (section 5).
LOOPBACK_URLS = ['http://localhost/', 'http://foo.localhost/', 'http://localhost./',
                 'http://127.0.0.1/', 'http://127.0.0.2/', 'http://[::1]/', 'http://169.254.1.1/',
                 'http://[fe80::1]/', 'http://[::ffff:7f00:1]/', 'http://example.com/']
BYPASS_CASES = [
    ('*.example.com', ['http://example.com/', 'http://www.example.com/', 'https://www.example.com/',
                       'http://a.b.example.com/', 'http://notexample.com/']),
    ('.example.com', ['http://example.com/', 'http://www.example.com/', 'https://www.example.com/']),
    ('*example.com', ['http://example.com/', 'http://www.example.com/', 'http://notexample.com/',
                      'http://example.com.au/']),
    ('example.com', ['http://example.com/', 'http://www.example.com/', 'http://example.com./',
                     'https://example.com:8443/']),
    ('example.com.', ['http://example.com./', 'http://example.com/']),
    ('?xample.com', ['http://example.com/', 'http://xexample.com/']),
    ('example.com:8080', ['http://example.com/', 'http://example.com:8080/', 'https://example.com:8080/']),
    ('example.com:443', ['https://example.com/', 'http://example.com/', 'http://example.com:443/']),
    ('example.com:80', ['http://example.com/', 'https://example.com/']),
    ('*.example.com:8080', ['http://www.example.com:8080/', 'http://www.example.com/']),
    ('http://example.com', ['http://example.com/', 'https://example.com/', 'http://example.com:8080/']),
    ('HTTP://EXAMPLE.COM', ['http://example.com/', 'https://example.com/']),
    ('https://*.example.com:443', ['https://www.example.com/', 'https://www.example.com:8443/',
                                   'http://www.example.com:443/', 'https://example.com/']),
    ('*:8080', ['http://example.com:8080/', 'http://example.com/', 'http://10.1.2.3:8080/',
                'http://[2001:db8::5]:8080/']),
    ('*', ['http://example.com/', 'https://10.1.2.3/', 'http://[2001:db8::5]/', 'http://intranet/']),
    ('<local>', ['http://intranet/', 'http://localhost/', 'http://127.0.0.1/', 'http://[::1]/',
                 'http://localhost./', 'http://intranet./', 'http://example.com/', 'http://10.1.2.3/',
                 'http://[2001:db8::5]/', 'http://sub.intranet.corp/']),
    ('<LOCAL>', ['http://intranet/', 'http://example.com/']),
    ('<local>;<-loopback>', ['http://intranet/', 'http://localhost/', 'http://127.0.0.1/', 'http://[::1]/',
                             'http://localhost./', 'http://foo.localhost/']),
    ('<-loopback>;<local>', ['http://localhost/', 'http://intranet/', 'http://127.0.0.1/', 'http://[::1]/',
                             'http://localhost./', 'http://foo.localhost/']),
    ('<-loopback>', LOOPBACK_URLS + ['http://[fe91::1]/', 'http://[::ffff:a9fe:101]/']),
    ('<-LOOPBACK>', ['http://localhost/', 'http://127.0.0.1/']),
    ('<-loopback>;localhost', ['http://localhost/', 'http://foo.localhost/', 'http://127.0.0.1/',
                               'http://localhost./']),
    ('localhost;<-loopback>', ['http://localhost/', 'http://foo.localhost/', 'http://127.0.0.1/']),
    ('<-loopback>;127.0.0.1', ['http://127.0.0.1/', 'http://127.0.0.2/', 'http://localhost/']),
    ('127.0.0.1;<-loopback>', ['http://127.0.0.1/', 'http://127.0.0.2/', 'http://localhost/']),
    ('<-loopback>;127.0.0.1:8080', ['http://127.0.0.1:8080/', 'http://127.0.0.1/']),
    ('<-loopback>;*.localhost', ['http://foo.localhost/', 'http://localhost/']),
    ('<-loopback>;127.0.0.0/8', ['http://127.0.0.2/', 'http://[::1]/', 'http://[::ffff:7f00:1]/']),
    ('<-loopback>;127.1/8', ['http://127.0.0.1/', 'http://127.9.9.9/']),
    ('127.1/8', ['http://127.0.0.1/', 'http://128.0.0.1/']),
    ('<-loopback>;127.0.1', ['http://127.0.0.1/', 'http://127.0.0.2/']),
    ('<-loopback>;0x7f.1', ['http://127.0.0.1/', 'http://127.0.0.2/']),
    ('127.0.1', ['http://127.0.0.1/', 'http://example.com/']),
    ('0x7f.1', ['http://127.0.0.1/', 'http://example.com/']),
    ('10.0.1', ['http://10.0.0.1/', 'http://10.0.1.0/']),
    ('0xa.1', ['http://10.0.0.1/', 'http://10.1.0.0/']),
    ('<-loopback>;[::1]', ['http://[::1]/', 'http://localhost/']),
    ('<-loopback>;::1', ['http://[::1]/', 'http://localhost/']),
    ('[::1]', ['http://[::1]/', 'http://[::1]:8080/']),
    ('::1', ['http://[::1]/']),
    ('<-loopback>;fe80::/10', ['http://[fe80::1]/', 'http://[fe91::1]/', 'http://[fec0::1]/',
                               'http://169.254.1.1/']),
    ('fe80::/10', ['http://[fe80::1]/', 'http://[fec0::1]/']),
    ('10.0.0.0/8', ['http://10.1.2.3/', 'https://10.1.2.3/', 'http://10.1.2.3:8080/', 'http://11.1.2.3/',
                    'http://[::ffff:a01:203]/', 'http://example.com/']),
    ('ftp://10.0.0.0/8', ['http://10.1.2.3/', 'https://10.1.2.3/']),
    ('https://10.0.0.0/8', ['http://10.1.2.3/', 'https://10.1.2.3/']),
    ('http://10.0.0.0/8', ['http://10.1.2.3/', 'https://10.1.2.3/']),
    ('HTTP://10.0.0.0/8', ['http://10.1.2.3/', 'https://10.1.2.3/']),
    ('10.0.0.0 / 8', ['http://10.1.2.3/']),
    ('10.0.0.0/33', ['http://10.1.2.3/']),
    ('10.0.0.0/+8', ['http://10.1.2.3/']),
    ('10.0.0.0/8/8', ['http://10.1.2.3/']),
    ('10/8', ['http://10.1.2.3/', 'http://11.0.0.1/', 'http://0.1.2.3/']),  # 10 is URL-style 0.0.0.10
    ('ftp://10.1.2.3', ['http://10.1.2.3/', 'https://10.1.2.3/']),
    ('HTTP://10.1.2.3', ['http://10.1.2.3/', 'https://10.1.2.3/']),
    ('http://10.1.2.3', ['http://10.1.2.3/', 'https://10.1.2.3/']),
    ('https://10.1.2.3', ['http://10.1.2.3/', 'https://10.1.2.3/']),
    ('10.1.2.3', ['http://10.1.2.3/', 'http://10.1.2.3:8080/', 'http://[::ffff:a01:203]/']),
    ('10.1.2.3:8080', ['http://10.1.2.3:8080/', 'http://10.1.2.3/']),
    ('10.1.2.3:0', ['http://10.1.2.3/', 'http://10.1.2.3:8080/']),
    ('192.168.1.*', ['http://192.168.1.5/', 'http://192.168.10.5/']),
    ('192.168.0.0/16', ['http://192.168.1.5/', 'http://192.169.1.5/', 'http://[::ffff:c0a8:b0b]/']),
    ('::ffff:192.168.1.1/112', ['http://192.168.11.11/', 'http://192.169.1.5/']),
    ('::fffe:192.168.1.1/112', ['http://192.168.11.11/']),
    ('192.168.1.1/16:80', ['http://192.168.1.5/']),
    ('2001:db8::/32', ['http://[2001:db8::5]/', 'http://[2001:db9::5]/']),
    ('[2001:db8::]/32', ['http://[2001:db8::5]/']),
    ('a:b:c:d::/48', ['http://[a:b:c:d::1]/', 'http://[a:b:c:e::1]/', 'http://[a:b:d::1]/']),
    ('[a:b:c:d::]/48', ['http://[a:b:c:d::1]/']),
    ('[2001:db8::5]', ['http://[2001:db8::5]/', 'http://[2001:db8::5]:8080/']),
    ('[2001:DB8:0::5]:8080', ['http://[2001:db8::5]:8080/', 'http://[2001:db8::5]/']),
    ('2001:db8::5', ['http://[2001:db8::5]/']),
    ('example.com:+443', ['https://example.com/', 'http://example.com/']),
    ('example.com:-443', ['https://example.com/']),
    ('example.com:0x1bb', ['https://example.com/']),
    ('example.com:65536', ['https://example.com/', 'http://example.com/']),
    ('example.com:0', ['http://example.com/', 'https://example.com/', 'http://example.com:8080/']),
    ('example.*', ['http://example.com/', 'http://example.org/', 'http://www.example.com/']),
    ('*.org', ['http://example.org/', 'http://org/', 'http://example.com/']),
    ('EXAMPLE.ORG', ['http://example.org/', 'http://www.example.org/']),
    ('xn--bcher-kva.ch', ['http://xn--bcher-kva.ch/', 'http://bücher.ch/']),
    ('bücher.ch', ['http://xn--bcher-kva.ch/', 'http://bücher.ch/']),
    ('bad:port:x', ['http://example.com/']),
    ('bad:port:x,example.org', ['http://example.org/', 'http://example.com/']),
    ('://,http://,example.org', ['http://example.org/', 'http://example.com/']),
    ('www.example.com/path', ['http://www.example.com/']),
    (' example.com ; example.org ', ['http://example.com/', 'http://example.org/']),
    ('example.com,,;example.org', ['http://example.com/', 'http://example.org/']),
    ('intranet', ['http://intranet/', 'http://intranet./', 'http://sub.intranet.corp/']),
    ('*.corp', ['http://sub.intranet.corp/', 'http://intranet/']),
    ('localhost', ['http://localhost/', 'http://example.com/']),
]

# Per-scheme rules combined with bypass lists.
COMBO_CASES = [
    ('http=p1:80;https=p2:443', '*.example.com', ['http://www.example.com/', 'https://www.example.com/',
                                                  'http://example.com/', 'https://example.com/']),
    ('http=p1:80;socks=p4', '<local>', ['http://intranet/', 'https://intranet/', 'https://example.com/']),
    ('socks=socks5://p5:1081', '10.0.0.0/8', ['https://10.1.2.3/', 'https://11.1.2.3/']),
    ('bogus://x', '*.example.com', ['http://www.example.com/', 'http://example.com/']),
    ('direct://', '<-loopback>', ['http://localhost/', 'http://example.com/']),
]

# Implicit bypass rules, no bypass list (section 5.4).
IMPLICIT_URLS = [
    'http://localhost/', 'http://foo.localhost/', 'http://localhost./', 'http://foo.localhost./',
    'http://xlocalhost/', 'http://localhost.localdomain/', 'http://localhost6/', 'http://loopback/',
    'http://127.0.0.2/', 'http://127.255.255.255/', 'http://[::1]/', 'http://[::ffff:7f00:1]/',
    'http://[::ffff:7f64:0]/', 'http://[::7f00:1]/', 'http://169.254.1.1/', 'http://[::ffff:a9fe:101]/',
    'http://[fe80::1]/', 'http://[fe91::1]/', 'http://[feb8::1]/', 'http://[fec0::1]/', 'http://[fd80::1]/',
    'http://[::ffff:127.0.0.1]/', 'http://LOCALHOST/', 'https://localhost/', 'http://localhost:8080/',
]


def hand_picked():
    out = []
    for r in RULES_CASES:
        out.append(('rules', r, '', BASIC_URLS + ['http://localhost:8080/']))
    for b, us in BYPASS_CASES:
        out.append(('bypass', P, b, us))
    for r, b, us in COMBO_CASES:
        out.append(('combo', r, b, us))
    # 25 URLs in one launch is slow-ish but fine; split in two for shorter launches.
    out.append(('implicit', P, '', IMPLICIT_URLS[:13]))
    out.append(('implicit', P, '', IMPLICIT_URLS[13:]))
    out.append(('implicit', 'http=p1:80;https=p2:443;socks=p4', '', IMPLICIT_URLS[:6] + IMPLICIT_URLS[14:18]))
    return out


# ---------------------------------------------------------------------------------------------
# b) Random configurations, generated exactly like shared/tools/chromium-oracle/diff.py
#    (vocabularies and rules()/bypass()/urls() copied verbatim; one proxy per scheme list).
# ---------------------------------------------------------------------------------------------
HOSTS = ['example.com', 'www.example.com', 'a.b.example.com', 'example.org', 'intranet', 'localhost',
         'foo.localhost', '127.0.0.1', '127.0.0.2', '10.1.2.3', '192.168.1.5', '169.254.1.1',
         '[::1]', '[fe80::1]', '[2001:db8::5]', 'xn--bcher-kva.ch', 'EXAMPLE.COM', 'example.com.', 'sub.intranet.corp']
PORTS = ['', ':80', ':8080', ':443', ':1']
SCHEMES = ['http', 'https']
PROXIES = ['p1:80', 'p2', 'https://p3:443', 'socks4://p4', 'socks5://p5:1081', 'socks://p6', 'direct://',
           '[::1]:3128', 'p7:65535', 'bogus://p8', 'p9:', 'user@p10', 'P11:80', ' p12 ']
BYPASS = ['example.com', '*.example.com', '.example.com', '*example.com', 'example.*', '*.org', '<local>',
          '<-loopback>', 'localhost', '127.0.0.1', '127.0.0.1:8080', '10.0.0.0/8', '192.168.0.0/16',
          'fe80::/10', '[::1]', 'http://example.com', 'https://*.example.com:443', '*:8080', '*',
          'ftp://10.0.0.0/8', 'EXAMPLE.ORG', '169.254.1.1', 'intranet', '*.corp', 'xn--bcher-kva.ch', 'bad:port:x']
RANDOM_SEEDS = [(1, 60), (2, 40)]  # (seed, number of configurations): `diff.py BIN 60 1` etc.


def random_cases():
    out = []
    for seed, n in RANDOM_SEEDS:
        rnd = random.Random(seed)

        def rules():
            kind = rnd.random()
            if kind < 0.3:
                return rnd.choice(PROXIES)
            parts = []
            for key in rnd.sample(['http', 'https', 'ftp', 'socks', 'HTTP'], rnd.randint(1, 3)):
                parts.append(f"{key}={rnd.choice(PROXIES)}")
            return ';'.join(parts)

        def bypass():
            return rnd.choice([',', ';', ', ']).join(rnd.sample(BYPASS, rnd.randint(0, 4)))

        def urls():
            return [f"{rnd.choice(SCHEMES)}://{rnd.choice(HOSTS)}{rnd.choice(PORTS)}/p" for _ in range(6)]

        for _ in range(n):
            r, b, us = rules(), bypass(), urls()  # same call order as diff.py
            out.append((f'random-seed{seed}', r, b, us))
    return out


def main(argv):
    if len(argv) == 3:
        oracle, out_path = argv[1], argv[2]
    elif len(argv) == 2 and os.environ.get('CHROMIUM_ORACLE'):
        oracle, out_path = os.environ['CHROMIUM_ORACLE'], argv[1]
    else:
        sys.exit(__doc__)
    oracle = os.path.abspath(oracle)
    sys.path.insert(0, oracle)
    import oracle_lib  # noqa: E402

    version = subprocess.run(['chromium', '--version'], capture_output=True, text=True).stdout.strip()
    configs = hand_picked() + random_cases()
    tmp = tempfile.mkdtemp(prefix='record-chromium-')
    probe = os.path.join(tmp, 'probe.js')
    with open(probe, 'w') as f:
        f.write(PROBE_JS)
    env = dict(os.environ, NODE_PATH=os.path.join(oracle, 'node_modules'))

    rows, skipped = [], []
    seen = set()
    n_configs = 0
    try:
        for i, (kind, r, b, us) in enumerate(configs):
            us = list(dict.fromkeys(us))  # first navigation per URL is the one recorded
            bad = [s for s in [r, b, *us] if '\t' in s or '\n' in s or '\r' in s]
            if bad:
                skipped += [(kind, r, b, u, 'tab/newline in case') for u in us]
                continue
            if not (r.isascii() and b.isascii()):
                skipped += [(kind, r, b, u, 'non-ASCII switch value (dropped by GetSwitchValueASCII)') for u in us]
                continue
            log = os.path.join(tmp, f'log{i}.json')
            subprocess.run(['timeout', '90', 'node', probe, r, b, log, *us], capture_output=True, env=env)
            n_configs += 1
            for u in us:
                try:
                    c = oracle_lib.first_resolution(log, u)
                except Exception as e:  # missing/garbled log
                    c = None
                    why = f'no log ({type(e).__name__})'
                else:
                    why = 'None' if c is None else (c[:60] if c.startswith('unmapped') else '')
                if c is None or c.startswith('unmapped'):
                    skipped.append((kind, r, b, u, why))
                    continue
                if (r, b, u) in seen:
                    continue
                seen.add((r, b, u))
                rows.append((r, b, u, c))
            if os.path.exists(log):
                os.remove(log)
            print(f'[{i + 1}/{len(configs)}] {kind} rules={r!r} bypass={b!r}', file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    with open(out_path, 'w') as f:
        f.write('# Proxy resolution recorded from real Chromium by record_chromium.py (see its docstring).\n')
        f.write('# columns: rules<TAB>bypass<TAB>url<TAB>chromium_result\n')
        f.write('#   rules = --proxy-server value (Electron proxyRules), bypass = --proxy-bypass-list value\n')
        f.write('#   (Electron proxyBypassRules; empty = flag not passed), chromium_result = PAC-style\n')
        f.write('#   proxy list of the first resolution for url (empty = empty proxy list).\n')
        f.write(f'# chromium: {version}\n')
        f.write(f'# recorded: {datetime.date.today().isoformat()}\n')
        f.write(f'# {n_configs} configurations, {len(rows)} cases; {len(skipped)} not comparable (skipped)\n')
        for row in rows:
            f.write('\t'.join(row) + '\n')
    print(f'{n_configs} configurations, {len(rows)} cases written to {out_path}; '
          f'{len(skipped)} not comparable:', file=sys.stderr)
    for s in skipped:
        print('  skipped: ' + ' | '.join(repr(x) for x in s), file=sys.stderr)


if __name__ == '__main__':
    main(sys.argv)
