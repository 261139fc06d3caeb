"""Record real Chromium's certificate errors for chromium-156-certs.tsv (not run in CI).

This is shared/tools/chromium-oracle/certs_oracle.py, extended with more cases (name constraints,
SHA-1 signatures, weak RSA keys, wildcards, IP addresses, combinations). Each chain is served over
TLS on loopback and visited by Chromium with the test root trusted through a private NSS database
(needs libnss3-tools, python3-cryptography and openssl); the net error Chromium reports is written
to chromium-156-certs.tsv with the chain in certs/CASE.pem and the root in certs/root.pem, so the
replay test can ask `netsession verify-cert --roots certs/root.pem --at RECORDED_TIME` the same
question without a browser.

Usage: python3 record_chromium_certs.py ORACLE_DIR   (a copy of shared/tools/chromium-oracle with
`npm install playwright-core` run in it; Debian's chromium at /usr/bin/chromium)
"""
import datetime as dt, json, os, ssl, subprocess, sys, tempfile, threading, socket
from http.server import BaseHTTPRequestHandler, HTTPServer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID
HERE = sys.argv[1]
OUT = os.path.dirname(os.path.abspath(__file__))
now = dt.datetime.now(dt.timezone.utc)
tmp = tempfile.mkdtemp(prefix='certs-oracle-')


def key():
    return ec.generate_private_key(ec.SECP256R1())


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "netsession test")])


def cert(subject_cn, subject_key, issuer_cn, issuer_key, ca=False, sans=(), nb=None, na=None, eku=ExtendedKeyUsageOID.SERVER_AUTH, pathlen=None, alg=None, permitted=None, ips=()):
    b = (x509.CertificateBuilder().subject_name(name(subject_cn)).issuer_name(name(issuer_cn))
         .public_key(subject_key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(nb or now - dt.timedelta(days=1)).not_valid_after(na or now + dt.timedelta(days=90))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=pathlen), critical=True))
    if ca:
        b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
    else:
        b = b.add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        if eku is not None:
            b = b.add_extension(x509.ExtendedKeyUsage([eku]), critical=False)
    if sans or ips:
        import ipaddress
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]), critical=False)
    if permitted:
        b = b.add_extension(x509.NameConstraints(permitted_subtrees=[x509.DNSName(p) for p in permitted], excluded_subtrees=None), critical=True)
    return b.sign(issuer_key, alg or hashes.SHA256())


def write(path, certs, k=None):
    with open(path, 'wb') as f:
        for c in certs:
            f.write(c.public_bytes(serialization.Encoding.PEM))
    if k is not None:
        with open(path + '.key', 'wb') as f:
            f.write(k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


rk = key(); root = cert("Test Root", rk, "Test Root", rk, ca=True)
ik = key(); inter = cert("Test Intermediate", ik, "Test Root", rk, ca=True, pathlen=0)
lk = key(); leaf = cert("good.test", lk, "Test Intermediate", ik, sans=["good.test"])
ek = key(); expired = cert("good.test", ek, "Test Intermediate", ik, sans=["good.test"], nb=now - dt.timedelta(days=60), na=now - dt.timedelta(days=1))
fk = key(); future = cert("good.test", fk, "Test Intermediate", ik, sans=["good.test"], nb=now + dt.timedelta(days=5), na=now + dt.timedelta(days=60))
ck = key(); client_only = cert("good.test", ck, "Test Intermediate", ik, sans=["good.test"], eku=ExtendedKeyUsageOID.CLIENT_AUTH)
ok2 = key(); uk = key(); unknown = cert("good.test", uk, "Other Root", ok2, sans=["good.test"])
sk = key(); selfsigned = cert("good.test", sk, "good.test", sk, sans=["good.test"])
lak = key(); leaf_ca = cert("not-a-ca.test", lak, "Test Intermediate", ik, sans=["not-a-ca.test"])
ulk = key(); under_leaf = cert("good.test", ulk, "not-a-ca.test", lak, sans=["good.test"])
cases = [
    ("valid chain", "good.test", [leaf, inter], lk, "net::OK"),
    ("wrong host", "evil.test", [leaf, inter], lk, "net::ERR_CERT_COMMON_NAME_INVALID"),
    ("expired", "good.test", [expired, inter], ek, "net::ERR_CERT_DATE_INVALID"),
    ("not yet valid", "good.test", [future, inter], fk, "net::ERR_CERT_DATE_INVALID"),
    ("unknown issuer", "good.test", [unknown], uk, "net::ERR_CERT_AUTHORITY_INVALID"),
    ("self-signed leaf", "good.test", [selfsigned], sk, "net::ERR_CERT_AUTHORITY_INVALID"),
    ("missing intermediate", "good.test", [leaf], lk, "net::ERR_CERT_AUTHORITY_INVALID"),
    ("client-auth only EKU", "good.test", [client_only, inter], ck, "net::ERR_CERT_INVALID"),
    ("leaf used as issuer", "good.test", [under_leaf, leaf_ca, inter], ulk, "net::ERR_CERT_INVALID"),
]

from cryptography.hazmat.primitives.asymmetric import rsa
nck = key(); nc_inter = cert("NC Intermediate", nck, "Test Root", rk, ca=True, pathlen=0, permitted=["allowed.test"])
ncl = key(); nc_leaf = cert("good.test", ncl, "NC Intermediate", nck, sans=["good.test"])
nco = key(); nc_ok = cert("a.allowed.test", nco, "NC Intermediate", nck, sans=["a.allowed.test"])
s1k = key()
def der_len(n):
    if n < 0x80: return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, 'big'); return bytes([0x80 | len(b)]) + b
def der_tlv(tag, body): return bytes([tag]) + der_len(len(body)) + body
def der_split(b):
    # returns (tag, body, rest)
    tag = b[0]; l = b[1]; off = 2
    if l & 0x80:
        k = l & 0x7f; l = int.from_bytes(b[2:2+k], 'big'); off = 2 + k
    return tag, b[off:off+l], b[off+l:]
def resign_sha1(c, ikey):
    """Rebuilds c (ECDSA-signed) as ecdsa-with-SHA1 signed by ikey (an EC key)."""
    from cryptography.hazmat.primitives.asymmetric import ec as _ec
    _, body, _ = der_split(c.public_bytes(serialization.Encoding.DER))
    tag, tbs_body, _ = der_split(body)
    sha256_alg = bytes.fromhex('300a06082a8648ce3d040302'); sha1_alg = bytes.fromhex('300906072a8648ce3d0401')
    assert sha256_alg in tbs_body
    tbs = der_tlv(0x30, tbs_body.replace(sha256_alg, sha1_alg, 1))
    sig = ikey.sign(tbs, _ec.ECDSA(hashes.SHA1()))
    return x509.load_der_x509_certificate(der_tlv(0x30, tbs + sha1_alg + der_tlv(0x03, b'\x00' + sig)))
def sha1_cert():
    d = tempfile.mkdtemp()
    open(d + '/i.pem', 'wb').write(inter.public_bytes(serialization.Encoding.PEM))
    open(d + '/i.key', 'wb').write(ik.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    open(d + '/l.key', 'wb').write(s1k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    open(d + '/ext', 'w').write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:good.test\n")
    subprocess.run(['openssl', 'req', '-new', '-key', d + '/l.key', '-subj', '/CN=good.test/O=netsession test', '-out', d + '/l.csr'], check=True)
    subprocess.run(['openssl', 'x509', '-req', '-in', d + '/l.csr', '-CA', d + '/i.pem', '-CAkey', d + '/i.key', '-CAcreateserial', '-sha1', '-days', '30', '-extfile', d + '/ext', '-out', d + '/l.pem'], check=True, capture_output=True)
    return x509.load_pem_x509_certificate(open(d + '/l.pem', 'rb').read())
sha1 = sha1_cert()
wk = rsa.generate_private_key(public_exponent=65537, key_size=1024); weak = cert("good.test", wk, "Test Intermediate", ik, sans=["good.test"])
cnk = key(); cn_only = cert("good.test", cnk, "Test Intermediate", ik)
wck = key(); wild = cert("*.good.test", wck, "Test Intermediate", ik, sans=["*.good.test"])
ipk = key(); ipc = cert("127.0.0.1", ipk, "Test Intermediate", ik, ips=["127.0.0.1"])
eek = key(); exp_wrong = cert("good.test", eek, "Test Intermediate", ik, sans=["good.test"], nb=now - dt.timedelta(days=60), na=now - dt.timedelta(days=1))
rk768 = serialization.load_pem_private_key(subprocess.run(['openssl', 'genrsa', '768'], capture_output=True, check=True).stdout, None)
weak768 = cert("good.test", rk768, "Test Intermediate", ik, sans=["good.test"])
exp768 = cert("good.test", rk768, "Test Intermediate", ik, sans=["good.test"], nb=now - dt.timedelta(days=60), na=now - dt.timedelta(days=1))
sha1_expired = resign_sha1(cert("good.test", s1k, "Test Intermediate", ik, sans=["good.test"], nb=now - dt.timedelta(days=60), na=now - dt.timedelta(days=1)), ik)
sha1_weak = resign_sha1(cert("good.test", rk768, "Test Intermediate", ik, sans=["good.test"]), ik)
sha1_untrusted = resign_sha1(cert("good.test", uk, "Other Root", ok2, sans=["good.test"]), ok2)
sha1_plain = resign_sha1(cert("good.test", s1k, "Test Intermediate", ik, sans=["good.test"]), ik)
cases += [
    ("sha1 and expired", "good.test", [sha1_expired, inter], s1k, "?"),
    ("sha1 and rsa 768", "good.test", [sha1_weak, inter], rk768, "?"),
    ("sha1 and untrusted", "good.test", [sha1_untrusted], uk, "?"),
    ("sha1 (rebuilt) alone", "good.test", [sha1_plain, inter], s1k, "?"),
    ("rsa 768 leaf", "good.test", [weak768, inter], rk768, "?"),
    ("rsa 768 and expired", "good.test", [exp768, inter], rk768, "?"),
    ("rsa 768 and wrong host", "evil.test", [weak768, inter], rk768, "?"),
    ("name constraint violated", "good.test", [nc_leaf, nc_inter], ncl, "?"),
    ("name constraint satisfied", "a.allowed.test", [nc_ok, nc_inter], nco, "?"),
    ("sha1 leaf", "good.test", [sha1, inter], s1k, "?"),
    ("rsa 1024 leaf", "good.test", [weak, inter], wk, "?"),
    ("cn only, no san", "good.test", [cn_only, inter], cnk, "?"),
    ("wildcard match", "a.good.test", [wild, inter], wck, "?"),
    ("wildcard apex", "good.test", [wild, inter], wck, "?"),
    ("ip san", "127.0.0.1", [ipc, inter], ipk, "?"),
    ("expired and wrong host", "evil.test", [exp_wrong, inter], eek, "?"),
    ("sha1 and wrong host", "evil.test", [sha1, inter], s1k, "?"),
    ("untrusted and expired", "good.test", [cert("good.test", uk, "Other Root", ok2, sans=["good.test"], nb=now - dt.timedelta(days=60), na=now - dt.timedelta(days=1))], uk, "?"),
]

home = os.path.join(tmp, 'home'); db = os.path.join(home, '.pki', 'nssdb'); os.makedirs(db)
write(os.path.join(tmp, 'root.pem'), [root])
subprocess.run(['certutil', '-d', 'sql:' + db, '-N', '--empty-password'], check=True)
subprocess.run(['certutil', '-d', 'sql:' + db, '-A', '-t', 'C,,', '-n', 'netsession-test-root', '-i', os.path.join(tmp, 'root.pem')], check=True)


class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        self.send_response(200); self.send_header('Content-Length', '2'); self.end_headers(); self.wfile.write(b'ok')


urls, rules = [], []
for i, (label, host, chain, k, want) in enumerate(cases):
    p = os.path.join(tmp, f'c{i}.pem'); write(p, chain, k)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.set_ciphers('DEFAULT:@SECLEVEL=0'); ctx.load_cert_chain(p, p + '.key')
    srv = HTTPServer(('127.0.0.1', 0), H); srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    alias = f'h{i}.{host}'
    urls.append(f'https://{host}:{srv.server_address[1]}/')
env = dict(os.environ, HOME=home)
out = subprocess.run(['timeout', '300', 'node', os.path.join(HERE, 'cert_probe.js'), 'MAP * 127.0.0.1', *urls], capture_output=True, text=True, env=env)
res = [json.loads(l) for l in out.stdout.splitlines()]
import re, shutil
rows = []
os.makedirs(os.path.join(OUT, 'certs'), exist_ok=True)
shutil.copy(os.path.join(tmp, 'root.pem'), os.path.join(OUT, 'certs', 'root.pem'))
for i, ((label, host, chain, k, want), r) in enumerate(zip(cases, res)):
    slug = re.sub(r'[^a-z0-9]+', '-', label.lower()).strip('-')
    write(os.path.join(OUT, 'certs', slug + '.pem'), chain)
    rows.append(f"{slug}\t{host}\t{'net::OK' if r['result'] == 'OK' else r['result']}")
with open(os.path.join(OUT, 'chromium-156-certs.tsv'), 'w') as f:
    f.write("# Certificate errors recorded from real Chromium 156 by record_chromium_certs.py (see its docstring).\n"
            f"# recorded at unix time {int(now.timestamp())} (the replay passes it as --at)\n"
            "# columns: case<TAB>host<TAB>chromium net error; the chain is certs/CASE.pem, the only trusted root certs/root.pem\n"
            + "\n".join(rows) + "\n")
if out.stderr.strip():
    print(out.stderr[-500:], file=sys.stderr)
