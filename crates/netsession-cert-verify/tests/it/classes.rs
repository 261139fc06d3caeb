//! Every failure class on a loopback TLS server, through reqwest and directly, against
//! `tests/data/failure-classes.tsv`.

use std::sync::atomic::{AtomicU32, Ordering};

use netsession_cert_verify::rustls::pki_types::{CertificateDer, UnixTime};
use netsession_cert_verify::{CertStatus, CertVerifier, NetError, Roots};
use rcgen::{ExtendedKeyUsagePurpose, GeneralSubtree, KeyPair, NameConstraints, PublicKeyData};

use crate::{Ca, Leaf, ca_params, days_from_now, fetch, leaf_params, net_error, serve, verifier};

/// A server and what the client trusts.
pub(crate) struct Scenario {
    pub(crate) verifier: CertVerifier,
    pub(crate) chain: Vec<CertificateDer<'static>>,
    pub(crate) key: KeyPair,
    pub(crate) host: &'static str,
}

/// The RSA-512 public key of `tests/data/rsa512-public.der` (PKCS#1, made by `openssl genrsa
/// 512`), which rcgen cannot generate; only the public half is needed, since the client
/// rejects the certificate before the server ever signs with it. Chromium's path builder
/// refuses RSA keys under 1024 bits (under 2048 for publicly trusted chains).
struct WeakRsa(Vec<u8>);

impl PublicKeyData for WeakRsa {
    fn der_bytes(&self) -> &[u8] {
        &self.0
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_RSA_SHA256
    }
}

fn weak_rsa() -> WeakRsa {
    WeakRsa(include_bytes!("../data/rsa512-public.der").to_vec())
}

/// A leaf for `names`, issued by `ca` and signed with ECDSA over SHA-1, valid for `days`
/// days from now, and its key; with `weak_key`, it carries the RSA-512 key of
/// `rsa512-public.der` instead (the key returned is then not the leaf's).
/// rcgen cannot sign with SHA-1, so `openssl x509 -req -sha1` signs a request rcgen writes
/// (the request only carries the subject and its key; openssl sets the extensions).
fn sha1_leaf(
    ca: &Ca,
    names: &[&str],
    days: u32,
    weak_key: bool,
) -> (CertificateDer<'static>, KeyPair) {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    let serial = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!(
        "netsession-cert-verify-sha1-{}-{serial}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let key = KeyPair::generate().unwrap();
    let request = leaf_params(names).serialize_request(&key).unwrap();
    std::fs::write(dir.join("leaf.csr"), request.pem().unwrap()).unwrap();
    std::fs::write(dir.join("ca.der"), &ca.der).unwrap();
    std::fs::write(dir.join("ca.key"), ca.key.serialize_pem()).unwrap();
    let alt_names: Vec<String> = names.iter().map(|name| format!("DNS:{name}")).collect();
    std::fs::write(
        dir.join("ext.cnf"),
        format!(
            "subjectAltName={}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n",
            alt_names.join(",")
        ),
    )
    .unwrap();
    let days = days.to_string();
    let serial = serial.to_string();
    let mut args = vec![
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.der",
        "-CAform",
        "DER",
        "-CAkey",
        "ca.key",
        "-sha1",
        "-days",
        &days,
        "-set_serial",
        &serial,
        "-extfile",
        "ext.cnf",
        "-outform",
        "DER",
        "-out",
        "leaf.der",
    ];
    if weak_key {
        std::fs::write(
            dir.join("weak.der"),
            include_bytes!("../data/rsa512-public.der"),
        )
        .unwrap();
        openssl(
            &dir,
            &[
                "rsa",
                "-pubin",
                "-RSAPublicKey_in",
                "-inform",
                "DER",
                "-in",
                "weak.der",
                "-out",
                "weak.pem",
            ],
        );
        args.extend(["-force_pubkey", "weak.pem"]);
    }
    openssl(&dir, &args);
    let der = std::fs::read(dir.join("leaf.der")).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        x509_signature_oid(&der),
        "1.2.840.10045.4.1",
        "ecdsa-with-SHA1"
    );
    (CertificateDer::from(der), key)
}

/// Runs `openssl` in `dir`, failing the test with its error output.
fn openssl(dir: &std::path::Path, args: &[&str]) {
    let output = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is part of the base image");
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The signature algorithm of a certificate, as a dotted OID.
fn x509_signature_oid(der: &[u8]) -> String {
    let (_, certificate) = x509_parser::parse_x509_certificate(der).unwrap();
    certificate.signature_algorithm.algorithm.to_id_string()
}

fn issued(ca: &Ca, params: rcgen::CertificateParams) -> (CertificateDer<'static>, KeyPair) {
    let Leaf { der, key } = ca.sign_leaf(params);
    (der, key)
}

/// Builds the scenario of a class of `failure-classes.tsv`.
pub(crate) fn scenario(class: &str) -> Scenario {
    let root = Ca::root("Test Root");
    let host = match class {
        "wrong-host"
        | "expired-and-wrong-host"
        | "untrusted-and-wrong-host"
        | "wrong-eku-and-wrong-host"
        | "weak-signature-and-wrong-host" => "wrong.test",
        _ => "right.test",
    };
    // Verify at another time than now (only to expire a certificate openssl made).
    let mut at = None;
    let mut params = leaf_params(&["right.test"]);
    let mut roots = vec![&root];
    let stranger = Ca::root("Stranger Root");
    let (chain, key) = match class {
        "valid" | "wrong-host" => {
            let (leaf, key) = issued(&root, params);
            (vec![leaf], key)
        }
        "expired" | "expired-and-wrong-host" => {
            params.not_before = days_from_now(-60);
            params.not_after = days_from_now(-1);
            let (leaf, key) = issued(&root, params);
            (vec![leaf], key)
        }
        "not-yet-valid" => {
            params.not_before = days_from_now(1);
            params.not_after = days_from_now(90);
            let (leaf, key) = issued(&root, params);
            (vec![leaf], key)
        }
        "expired-intermediate" => {
            let mut inter_params = ca_params("Expired Intermediate");
            inter_params.not_before = days_from_now(-400);
            inter_params.not_after = days_from_now(-2);
            let intermediate = root.sign_ca(inter_params);
            let (leaf, key) = issued(&intermediate, params);
            (vec![leaf, intermediate.der.clone()], key)
        }
        "unknown-issuer" | "untrusted-and-wrong-host" => {
            let (leaf, key) = issued(&stranger, params);
            (vec![leaf], key)
        }
        "expired-and-untrusted" => {
            params.not_before = days_from_now(-60);
            params.not_after = days_from_now(-1);
            let (leaf, key) = issued(&stranger, params);
            (vec![leaf], key)
        }
        "self-signed" => {
            let Leaf { der, key } = Leaf::self_signed(&["right.test"]);
            (vec![der], key)
        }
        "missing-intermediate" => {
            let intermediate = root.intermediate("Test Intermediate");
            let (leaf, key) = issued(&intermediate, params);
            (vec![leaf], key)
        }
        "wrong-eku" | "wrong-eku-and-wrong-host" => {
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
            let (leaf, key) = issued(&root, params);
            (vec![leaf], key)
        }
        "leaf-as-ca" => {
            // An end-entity certificate (no CA basic constraint) signing another.
            let not_a_ca = root.sign_ca(leaf_params(&["leaf-ca.test"]));
            let (leaf, key) = issued(&not_a_ca, params);
            (vec![leaf, not_a_ca.der.clone()], key)
        }
        "name-constraint" => {
            let mut inter_params = ca_params("Constrained Intermediate");
            inter_params.name_constraints = Some(NameConstraints {
                permitted_subtrees: vec![GeneralSubtree::DnsName("allowed.test".into())],
                excluded_subtrees: Vec::new(),
            });
            let intermediate = root.sign_ca(inter_params);
            let (leaf, key) = issued(&intermediate, params);
            (vec![leaf, intermediate.der.clone()], key)
        }
        "weak-key" | "weak-key-and-expired" => {
            if class == "weak-key-and-expired" {
                params.not_before = days_from_now(-60);
                params.not_after = days_from_now(-1);
            }
            let issuer = rcgen::Issuer::from_params(&root.params, &root.key);
            let leaf = params.signed_by(&weak_rsa(), &issuer).unwrap();
            (vec![leaf.der().clone()], KeyPair::generate().unwrap())
        }
        "weak-signature" | "weak-signature-and-wrong-host" => {
            let (leaf, key) = sha1_leaf(&root, &["right.test"], 30, false);
            (vec![leaf], key)
        }
        "weak-signature-and-untrusted" => {
            let (leaf, key) = sha1_leaf(&stranger, &["right.test"], 30, false);
            (vec![leaf], key)
        }
        "weak-signature-and-expired" => {
            // openssl 3.0 cannot backdate, so the verifier looks from 3 days ahead at a
            // certificate valid for 1 day.
            at = Some(UnixTime::since_unix_epoch(std::time::Duration::from_secs(
                u64::try_from(crate::unix_now() + 3 * 86_400).unwrap(),
            )));
            let (leaf, key) = sha1_leaf(&root, &["right.test"], 1, false);
            (vec![leaf], key)
        }
        // Named `weak-key-...` like the other classes whose server cannot sign for its leaf.
        "weak-key-and-weak-signature" => {
            let (leaf, key) = sha1_leaf(&root, &["right.test"], 30, true);
            (vec![leaf], key)
        }
        other => panic!("no scenario for class {other}"),
    };
    if class == "unknown-issuer" {
        roots = vec![&root];
    }
    let verifier = match at {
        None => verifier(&roots),
        Some(time) => roots
            .iter()
            .fold(
                CertVerifier::builder().roots(Roots::Empty).time(time),
                |builder, ca| builder.add_root(ca.der.clone()),
            )
            .build()
            .unwrap(),
    };
    Scenario {
        verifier,
        chain,
        key,
        host,
    }
}

/// The rows of `failure-classes.tsv`: class, name, code.
pub(crate) fn table() -> Vec<(String, String, i32)> {
    include_str!("../data/failure-classes.tsv")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 3, "bad table line {line:?}");
            (
                fields[0].to_owned(),
                fields[1].to_owned(),
                fields[2].parse().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn every_class_over_tls_through_reqwest() {
    let mut failures = Vec::new();
    for (class, name, code) in table() {
        let scenario = scenario(&class);
        let server = serve(scenario.chain.clone(), &scenario.key).await;
        let result = fetch(&scenario.verifier, scenario.host, server).await;
        let over_tls = net_error(&result);
        let direct = scenario
            .verifier
            .verify(scenario.host, &scenario.chain)
            .unwrap();
        if over_tls.code() != code || over_tls.name() != name || direct.net_error != over_tls {
            failures.push(format!(
                "{class}: expected {name} ({code}), TLS gave {over_tls} ({}), verify gave {} with {}",
                over_tls.code(),
                direct.net_error,
                direct.status
            ));
        }
        if let Err(error) = &result {
            let text = error.to_string();
            assert!(text.contains(&name), "{class}: {text}");
            assert!(text.contains(scenario.host), "{class}: {text}");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn several_problems_are_all_reported() {
    let verification = {
        let scenario = scenario("expired-and-wrong-host");
        scenario
            .verifier
            .verify(scenario.host, &scenario.chain)
            .unwrap()
    };
    assert!(verification.status.contains(CertStatus::DATE_INVALID));
    assert!(
        verification
            .status
            .contains(CertStatus::COMMON_NAME_INVALID)
    );
    assert_eq!(verification.net_error, NetError::CERT_COMMON_NAME_INVALID);

    let scenario = scenario("expired-and-untrusted");
    let verification = scenario
        .verifier
        .verify(scenario.host, &scenario.chain)
        .unwrap();
    assert_eq!(
        verification.status,
        CertStatus::DATE_INVALID | CertStatus::AUTHORITY_INVALID
    );
}

#[test]
fn a_name_constraint_in_the_chain_is_cert_invalid_not_212() {
    // Chromium's builtin verifier fails the path, and its path builder maps that error to
    // CERT_STATUS_INVALID; -212 is only for the roots on its legacy hard-coded list.
    let scenario = scenario("name-constraint");
    let verification = scenario
        .verifier
        .verify(scenario.host, &scenario.chain)
        .unwrap();
    assert_eq!(verification.status, CertStatus::INVALID);
    assert_eq!(verification.net_error, NetError::CERT_INVALID);
    assert_eq!(verification.net_error.code(), -207);
    assert_ne!(
        verification.net_error,
        NetError::CERT_NAME_CONSTRAINT_VIOLATION
    );
}

#[test]
fn a_verified_chain_runs_to_the_root() {
    let root = Ca::root("Path Root");
    let intermediate = root.intermediate("Path Intermediate");
    let leaf = intermediate.leaf(&["path.test"]);
    let verifier = verifier(&[&root]);
    let verification = verifier
        .verify("path.test", &[leaf.der.clone(), intermediate.der.clone()])
        .unwrap();
    assert!(verification.is_ok());
    assert!(!verification.is_issued_by_known_root);
    let names: Vec<String> = verification
        .validated_certificate
        .as_ref()
        .unwrap()
        .chain()
        .map(|certificate| certificate.subject_name.clone())
        .collect();
    assert_eq!(names, ["path.test", "Path Intermediate", "Path Root"]);
    let sent: Vec<String> = verification
        .certificate
        .as_ref()
        .unwrap()
        .chain()
        .map(|certificate| certificate.subject_name.clone())
        .collect();
    assert_eq!(sent, ["path.test", "Path Intermediate"]);
}

#[test]
fn ip_address_hosts_need_an_ip_address_name() {
    let root = Ca::root("IP Root");
    let leaf = root.leaf(&["127.0.0.1"]);
    let verifier = verifier(&[&root]);
    assert!(
        verifier
            .verify("127.0.0.1", std::slice::from_ref(&leaf.der))
            .unwrap()
            .is_ok()
    );
    assert_eq!(
        verifier.verify("127.0.0.2", &[leaf.der]).unwrap().net_error,
        NetError::CERT_COMMON_NAME_INVALID
    );
}

#[test]
fn mozilla_roots_do_not_trust_test_roots() {
    let root = Ca::root("Nobody's Root");
    let leaf = root.leaf(&["right.test"]);
    let verification = CertVerifier::new()
        .verify("right.test", &[leaf.der, root.der.clone()])
        .unwrap();
    assert_eq!(verification.net_error, NetError::CERT_AUTHORITY_INVALID);
}

#[test]
fn an_impostor_issuer_of_the_same_name_is_an_authority_error() {
    // The trusted root and the real issuer share a name but not a key: the signature check
    // fails, which Chromium reports as an authority error, whatever the kinds of keys.
    for algorithm in [&rcgen::PKCS_ECDSA_P256_SHA256, &rcgen::PKCS_RSA_SHA256] {
        let trusted = {
            let params = ca_params("Same Name");
            let key = KeyPair::generate_for(algorithm).unwrap();
            let der = params.self_signed(&key).unwrap().der().clone();
            Ca { params, key, der }
        };
        let impostor = Ca::root("Same Name");
        let leaf = impostor.leaf(&["right.test"]);
        let verification = verifier(&[&trusted])
            .verify("right.test", &[leaf.der])
            .unwrap();
        assert_eq!(
            verification.net_error,
            NetError::CERT_AUTHORITY_INVALID,
            "{:?}",
            verification.status
        );
    }
}
