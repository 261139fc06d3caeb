//! The `verify-cert` command's contract: the first line is `net::OK` or the error name, exit
//! status 0, 1 or 2, `--roots` replaces the trusted roots, `--at` sets the time.

use std::path::PathBuf;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

use crate::netsession;

const DAY: i64 = 86_400;
/// 2026-01-01T00:00:00Z: the test certificates are valid for 2026 only.
const START: i64 = 1_767_225_600;

fn at(seconds: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(seconds).unwrap()
}

/// A root and a leaf for `files.test`, both as PEM files in a fresh directory.
struct Files {
    dir: PathBuf,
}

impl Files {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "netsession-verify-cert-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();

        let mut root_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        root_params
            .distinguished_name
            .push(DnType::CommonName, "CLI Test Root");
        root_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        root_params.not_before = at(START - DAY);
        root_params.not_after = at(START + 400 * DAY);
        let root_key = KeyPair::generate().unwrap();
        let root = root_params.self_signed(&root_key).unwrap();

        let mut leaf_params = CertificateParams::new(vec!["files.test".to_owned()]).unwrap();
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, "files.test");
        leaf_params
            .distinguished_name
            .push(DnType::OrganizationName, "Files Inc");
        leaf_params.not_before = at(START);
        leaf_params.not_after = at(START + 365 * DAY);
        let leaf_key = KeyPair::generate().unwrap();
        let issuer = Issuer::from_params(&root_params, &root_key);
        let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();

        let other_key = KeyPair::generate().unwrap();
        let other = root_params.self_signed(&other_key).unwrap();
        std::fs::write(dir.join("root.pem"), root.pem()).unwrap();
        std::fs::write(dir.join("other-root.pem"), other.pem()).unwrap();
        std::fs::write(dir.join("chain.pem"), leaf.pem()).unwrap();
        std::fs::write(dir.join("empty.pem"), "no certificate here\n").unwrap();
        Self { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `verify-cert` and returns (exit code, stdout lines, stderr).
fn verify(args: &[&str]) -> (i32, Vec<String>, String) {
    let mut all = vec!["verify-cert"];
    all.extend_from_slice(args);
    let output = netsession(&all, "");
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn a_good_chain_is_net_ok_with_the_fields_the_proc_sees() {
    let files = Files::new("ok");
    let in_2026 = (START + 100 * DAY).to_string();
    let (code, lines, stderr) = verify(&[
        "--host",
        "files.test",
        "--chain",
        &files.path("chain.pem"),
        "--roots",
        &files.path("root.pem"),
        "--at",
        &in_2026,
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(lines[0], "net::OK");
    assert_eq!(lines[1], "code: 0");
    for expected in [
        "hostname: \"files.test\"",
        "verificationResult: \"net::OK\"",
        "errorCode: 0",
        "isIssuedByKnownRoot: false",
        "certificate:",
        "  subjectName: \"files.test\"",
        "    organizations: [\"Files Inc\"]",
        "  issuerName: \"CLI Test Root\"",
        "validatedCertificate:",
        "    subjectName: \"CLI Test Root\"",
    ] {
        assert!(
            lines.iter().any(|line| line == expected),
            "no line {expected:?} in {lines:#?}"
        );
    }
    assert!(lines.contains(&format!("  validStart: {START}")));
    assert!(lines.contains(&format!("  validExpiry: {}", START + 365 * DAY)));
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("  fingerprint: \"sha256/"))
    );
}

#[test]
fn a_leaf_given_as_a_root_is_trusted_as_chromium_does() {
    let files = Files::new("leaf-root");
    let chain = files.path("chain.pem");
    let in_2026 = (START + 100 * DAY).to_string();
    let args = [
        "--host",
        "files.test",
        "--chain",
        &chain,
        "--roots",
        &chain,
        "--at",
        &in_2026,
    ];
    let (code, lines, stderr) = verify(&args);
    assert_eq!((code, lines[0].as_str()), (0, "net::OK"), "{stderr}");
    let in_2030 = (START + 4 * 365 * DAY).to_string();
    let args = [
        "--host",
        "files.test",
        "--chain",
        &chain,
        "--roots",
        &chain,
        "--at",
        &in_2030,
    ];
    let (code, lines, _) = verify(&args);
    assert_eq!((code, lines[0].as_str()), (1, "net::ERR_CERT_DATE_INVALID"));
}

#[test]
fn certificate_errors_exit_with_status_1() {
    let files = Files::new("errors");
    let chain = files.path("chain.pem");
    let roots = files.path("root.pem");
    let other = files.path("other-root.pem");
    let in_2026 = (START + 100 * DAY).to_string();
    let in_2030 = (START + 4 * 365 * DAY).to_string();
    let cases: [(&[&str], &str); 4] = [
        (
            &[
                "--host",
                "other.test",
                "--chain",
                &chain,
                "--roots",
                &roots,
                "--at",
                &in_2026,
            ],
            "net::ERR_CERT_COMMON_NAME_INVALID",
        ),
        (
            &[
                "--host",
                "files.test",
                "--chain",
                &chain,
                "--roots",
                &roots,
                "--at",
                &in_2030,
            ],
            "net::ERR_CERT_DATE_INVALID",
        ),
        // Without --roots only the bundled Mozilla roots are trusted.
        (
            &["--host", "files.test", "--chain", &chain, "--at", &in_2026],
            "net::ERR_CERT_AUTHORITY_INVALID",
        ),
        // With --roots only those roots are trusted.
        (
            &[
                "--host",
                "files.test",
                "--chain",
                &chain,
                "--roots",
                &other,
                "--at",
                &in_2026,
            ],
            "net::ERR_CERT_AUTHORITY_INVALID",
        ),
    ];
    for (args, name) in cases {
        let (code, lines, stderr) = verify(args);
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert_eq!(lines[0], name, "{args:?}");
        assert!(lines[1].starts_with("code: -2"), "{args:?}: {}", lines[1]);
        assert!(stderr.contains(name), "{stderr}");
    }
}

#[test]
fn unusable_arguments_exit_with_status_2() {
    let files = Files::new("unusable");
    let chain = files.path("chain.pem");
    let empty = files.path("empty.pem");
    let missing = files.path("missing.pem");
    let cases: [&[&str]; 6] = [
        &["--host", "files.test", "--chain", &missing],
        &["--host", "files.test", "--chain", &empty],
        &["--host", "files.test", "--chain", &chain, "--roots", &empty],
        &["--host", "not a host", "--chain", &chain],
        &["--host", "files.test", "--chain", &chain, "--at", "-5"],
        &["--chain", &chain],
    ];
    for args in cases {
        let (code, lines, stderr) = verify(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(lines.is_empty(), "{args:?}: {lines:?}");
        assert!(!stderr.is_empty());
    }
}
