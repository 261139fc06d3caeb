//! The Certificate shape against what `openssl x509` prints for the same certificate: the
//! subject and issuer principals, display names, serial number, dates, fingerprint and PEM,
//! for a certificate made here and for every bundled Mozilla root.

use std::io::Write;
use std::process::{Command, Stdio};

use base64::Engine as _;
use netsession_cert_verify::rustls::pki_types::CertificateDer;
use netsession_cert_verify::{Certificate, CertificatePrincipal};
use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, SerialNumber};

use crate::Ca;

/// Runs `openssl x509` on a PEM certificate with `args`.
fn openssl(pem: &str, args: &[&str]) -> String {
    let mut child = Command::new("openssl")
        .arg("x509")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl is part of the base image");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(pem.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// What openssl says about a certificate, in the Certificate shape's terms.
#[derive(Debug, Default)]
struct Printed {
    subject: Vec<(String, String)>,
    issuer: Vec<(String, String)>,
    serial: String,
    not_before: i64,
    not_after: i64,
    fingerprint: String,
}

fn printed(pem: &str) -> Printed {
    let text = openssl(
        pem,
        &[
            "-noout",
            "-subject",
            "-issuer",
            "-serial",
            "-dates",
            "-fingerprint",
            "-sha256",
            "-nameopt",
            "sep_multiline,sname,space_eq,utf8",
            "-dateopt",
            "iso_8601",
        ],
    );
    let mut result = Printed::default();
    let mut section: Option<bool> = None;
    for line in text.lines() {
        if let Some(attribute) = line.strip_prefix("    ") {
            let (key, value) = attribute.split_once(" = ").unwrap();
            let target = if section == Some(true) {
                &mut result.subject
            } else {
                &mut result.issuer
            };
            target.push((key.to_owned(), value.to_owned()));
            continue;
        }
        let (key, value) = line.split_once('=').unwrap();
        match key {
            "subject" => section = Some(true),
            "issuer" => section = Some(false),
            "serial" => result.serial = value.to_owned(),
            "notBefore" => result.not_before = iso_seconds(value),
            "notAfter" => result.not_after = iso_seconds(value),
            _ if key.eq_ignore_ascii_case("sha256 Fingerprint") => {
                let bytes: Vec<u8> = value
                    .split(':')
                    .map(|pair| u8::from_str_radix(pair, 16).unwrap())
                    .collect();
                result.fingerprint = format!(
                    "sha256/{}",
                    base64::engine::general_purpose::STANDARD.encode(bytes)
                );
            }
            other => panic!("unexpected openssl line {other:?}"),
        }
    }
    result
}

/// `2026-11-28 08:00:00Z` as Unix seconds.
fn iso_seconds(text: &str) -> i64 {
    let (date, time) = text.trim_end_matches('Z').split_once(' ').unwrap();
    let date: Vec<i64> = date.split('-').map(|part| part.parse().unwrap()).collect();
    let time: Vec<i64> = time.split(':').map(|part| part.parse().unwrap()).collect();
    // Howard Hinnant's days_from_civil.
    let (year, month, day) = (date[0], date[1], date[2]);
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    days * 86_400 + time[0] * 3600 + time[1] * 60 + time[2]
}

fn principal_matches(ours: &CertificatePrincipal, theirs: &[(String, String)], what: &str) {
    let all = |key: &str| -> Vec<String> {
        theirs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let first = |key: &str| all(key).into_iter().next().unwrap_or_default();
    assert_eq!(ours.common_name, first("CN"), "{what} CN");
    assert_eq!(ours.organizations, all("O"), "{what} O");
    assert_eq!(ours.organization_units, all("OU"), "{what} OU");
    assert_eq!(ours.locality, first("L"), "{what} L");
    assert_eq!(ours.state, first("ST"), "{what} ST");
    assert_eq!(ours.country, first("C"), "{what} C");
}

/// Checks every field of `der`'s Certificate shape against openssl.
fn check_against_openssl(der: &CertificateDer<'_>) {
    let ours = Certificate::from_der(der).unwrap();
    let what = ours.subject_name.clone();
    // openssl re-encodes the certificate as PEM exactly as Chromium does.
    assert_eq!(
        ours.data,
        openssl(&ours.data, &["-outform", "PEM"]),
        "{what}"
    );
    let theirs = printed(&ours.data);
    principal_matches(&ours.subject, &theirs.subject, &format!("{what} subject"));
    principal_matches(&ours.issuer, &theirs.issuer, &format!("{what} issuer"));
    assert_eq!(ours.subject_name, ours.subject.display_name());
    assert_eq!(ours.issuer_name, ours.issuer.display_name());
    // openssl prints the integer's value; Chromium hex-encodes the DER content bytes, which
    // keep a leading 00 when the top bit of the value is set.
    assert_eq!(ours.serial_number.len() % 2, 0, "{what}");
    let value = ours.serial_number.trim_start_matches("00");
    assert_eq!(
        value,
        theirs.serial.trim_start_matches("00"),
        "{what} serial"
    );
    if ours.serial_number.starts_with("00") && !value.is_empty() {
        assert!(value.as_bytes()[0] >= b'8', "{what}: a needless leading 00");
    }
    assert_eq!(ours.valid_start, theirs.not_before, "{what} notBefore");
    assert_eq!(ours.valid_expiry, theirs.not_after, "{what} notAfter");
    assert_eq!(ours.fingerprint, theirs.fingerprint, "{what} fingerprint");
}

#[test]
fn a_certificate_made_here_matches_openssl() {
    let root = Ca::root("Fields Root");
    let mut params = CertificateParams::new(vec!["fields.test".to_owned()]).unwrap();
    let mut name = DistinguishedName::new();
    name.push(DnType::CountryName, "DE");
    name.push(DnType::StateOrProvinceName, "Berlin");
    name.push(DnType::LocalityName, "Kreuzberg");
    name.push(DnType::OrganizationName, "Example GmbH");
    name.push(DnType::OrganizationalUnitName, "Netz");
    name.push(DnType::CommonName, "fields.test");
    params.distinguished_name = name;
    // The top bit is set: Chromium's serial keeps the DER's leading zero byte.
    params.serial_number = Some(SerialNumber::from_slice(&[0x9A, 0xBC, 0x01, 0x02]));
    params.not_before = time::OffsetDateTime::from_unix_timestamp(1_764_316_800).unwrap();
    params.not_after = time::OffsetDateTime::from_unix_timestamp(1_795_852_800).unwrap();
    let key = KeyPair::generate().unwrap();
    let issuer = rcgen::Issuer::from_params(&root.params, &root.key);
    let leaf = params.signed_by(&key, &issuer).unwrap().der().clone();

    let certificate = Certificate::from_chain(&[leaf.clone(), root.der.clone()]).unwrap();
    assert_eq!(certificate.subject_name, "fields.test");
    assert_eq!(certificate.issuer_name, "Fields Root");
    assert_eq!(certificate.serial_number, "009ABC0102");
    assert_eq!(certificate.valid_start, 1_764_316_800);
    assert_eq!(certificate.valid_expiry, 1_795_852_800);
    assert_eq!(certificate.subject.organizations, ["Example GmbH"]);
    assert_eq!(certificate.subject.organization_units, ["Netz"]);
    assert_eq!(certificate.subject.locality, "Kreuzberg");
    assert_eq!(certificate.subject.state, "Berlin");
    assert_eq!(certificate.subject.country, "DE");
    let issuer_cert = certificate.issuer_cert.as_deref().unwrap();
    assert_eq!(issuer_cert.subject_name, "Fields Root");
    assert!(
        issuer_cert.issuer_cert.is_none(),
        "absent at the top of the chain"
    );

    check_against_openssl(&leaf);
    check_against_openssl(&root.der);
}

#[test]
fn repeated_attributes_match_openssl() {
    // rcgen keeps one value per attribute type, so openssl makes this one.
    let pem = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "/dev/null",
            "-days",
            "30",
            "-set_serial",
            "0x00ff01",
            "-subj",
            "/C=DE/ST=Berlin/L=Kreuzberg/O=Example GmbH/O=Zweite Firma/OU=Netz/OU=Sicherheit/CN=multi.test/CN=second.test",
        ])
        .output()
        .unwrap();
    assert!(
        pem.status.success(),
        "{}",
        String::from_utf8_lossy(&pem.stderr)
    );
    let certificate = Certificate::from_pem(&pem.stdout).unwrap();
    assert_eq!(
        certificate.subject.organizations,
        ["Example GmbH", "Zweite Firma"]
    );
    assert_eq!(
        certificate.subject.organization_units,
        ["Netz", "Sicherheit"]
    );
    assert_eq!(certificate.subject.common_name, "multi.test");
    assert_eq!(certificate.serial_number, "00FF01");
    let der = netsession_cert_verify::parse_pem(&pem.stdout).unwrap();
    check_against_openssl(&der[0]);
}

#[test]
fn every_bundled_mozilla_root_matches_openssl() {
    let roots = webpki_root_certs::TLS_SERVER_ROOT_CERTS;
    assert!(roots.len() > 100);
    for root in roots {
        check_against_openssl(root);
    }
}

#[test]
fn display_names_fall_back_to_organization_then_unit() {
    let root = Ca::root("Names Root");
    let issuer = rcgen::Issuer::from_params(&root.params, &root.key);
    let make = |entries: &[(DnType, &str)]| {
        let mut params = CertificateParams::new(vec!["names.test".to_owned()]).unwrap();
        let mut name = DistinguishedName::new();
        for (kind, value) in entries {
            name.push(kind.clone(), *value);
        }
        params.distinguished_name = name;
        let key = KeyPair::generate().unwrap();
        let der = params.signed_by(&key, &issuer).unwrap().der().clone();
        Certificate::from_der(&der).unwrap().subject_name
    };
    assert_eq!(
        make(&[
            (DnType::OrganizationalUnitName, "Unit"),
            (DnType::OrganizationName, "Org"),
        ]),
        "Org"
    );
    assert_eq!(make(&[(DnType::OrganizationalUnitName, "Unit")]), "Unit");
    assert_eq!(make(&[(DnType::CountryName, "FR")]), "");
}
