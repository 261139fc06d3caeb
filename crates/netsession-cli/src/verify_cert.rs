//! `netsession verify-cert`: what a session's certificate verifier decides for a chain, as
//! Chromium's net error, and the certificate fields a verify proc would see.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use netsession_cert_verify::rustls::pki_types::UnixTime;
use netsession_cert_verify::{
    CertVerifier, Certificate, CertificatePrincipal, Roots, Verification, parse_pem,
};

use crate::{Failure, Global};

pub(crate) const HELP: &str = "\
The first output line is Chromium's verdict: net::OK or the error name
(net::ERR_CERT_AUTHORITY_INVALID). The next lines give the code and what Electron's
setCertificateVerifyProc would be shown: hostname, verificationResult, errorCode,
isIssuedByKnownRoot, certificate (the chain as given, through issuerCert) and
validatedCertificate (the chain as verified, leaf to root).

Among several problems the most serious is reported, in Chromium's order: INVALID,
REVOKED, AUTHORITY_INVALID, COMMON_NAME_INVALID, ..., WEAK_KEY, DATE_INVALID.

Exit status: 0 for net::OK, 1 for a certificate error, 2 for unusable arguments (an
unreadable file, a file with no certificate, a host that is not a name or an address).

Examples:
  netsession verify-cert --host example.com --chain chain.pem
  netsession verify-cert --host intranet.test --chain chain.pem --roots corp-root.pem
  netsession verify-cert --host example.com --chain chain.pem --at 1767225600";

#[derive(Debug, Args)]
pub(crate) struct VerifyCert {
    /// The host name or IP address the certificate must be valid for.
    #[arg(long, value_name = "HOST")]
    host: String,
    /// PEM file with the chain as a server sends it, leaf first.
    #[arg(long, value_name = "CHAIN.pem")]
    chain: PathBuf,
    /// PEM file of the only roots to trust (default: the bundled Mozilla roots).
    #[arg(long, value_name = "ROOTS.pem")]
    roots: Option<PathBuf>,
    /// Verify at this time, in seconds since the Unix epoch (default: now).
    #[arg(long, value_name = "UNIX_SECONDS")]
    at: Option<u64>,
    /// Also print each certificate's `data` (its PEM).
    #[arg(long)]
    pem: bool,
}

pub(crate) fn run(_global: &Global, args: &VerifyCert) -> Result<(), Failure> {
    let chain = parse_pem(&read(&args.chain)?)
        .map_err(|error| Failure::Config(format!("{}: {error}", args.chain.display())))?;
    let mut builder = CertVerifier::builder();
    if let Some(path) = &args.roots {
        builder = builder
            .roots(Roots::Empty)
            .add_roots_pem(&read(path)?)
            .map_err(|error| Failure::Config(format!("{}: {error}", path.display())))?;
    }
    if let Some(at) = args.at {
        builder = builder.time(UnixTime::since_unix_epoch(Duration::from_secs(at)));
    }
    let verifier = builder
        .build()
        .map_err(|error| Failure::Config(error.to_string()))?;
    let verification = verifier
        .verify(&args.host, &chain)
        .map_err(|error| Failure::Config(error.to_string()))?;

    let mut out = BufWriter::new(io::stdout().lock());
    print_verification(&mut out, &verification, args.pem)?;
    out.flush()?;
    match verification.into_result() {
        Ok(()) => Ok(()),
        Err(error) => Err(Failure::Refused(error.to_string())),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path)
        .map_err(|error| Failure::Config(format!("cannot read {}: {error}", path.display())))
}

fn print_verification(
    out: &mut impl Write,
    verification: &Verification,
    pem: bool,
) -> io::Result<()> {
    let error = verification.net_error;
    writeln!(out, "{}", error.name())?;
    writeln!(out, "code: {}", error.code())?;
    writeln!(out, "hostname: {:?}", verification.hostname)?;
    writeln!(out, "verificationResult: {:?}", error.name())?;
    writeln!(out, "errorCode: {}", error.code())?;
    writeln!(out, "certStatus: {}", verification.status)?;
    writeln!(
        out,
        "isIssuedByKnownRoot: {}",
        verification.is_issued_by_known_root
    )?;
    print_certificate(
        out,
        "certificate",
        verification.certificate.as_ref(),
        0,
        pem,
    )?;
    print_certificate(
        out,
        "validatedCertificate",
        verification.validated_certificate.as_ref(),
        0,
        pem,
    )
}

fn print_certificate(
    out: &mut impl Write,
    key: &str,
    certificate: Option<&Certificate>,
    depth: usize,
    pem: bool,
) -> io::Result<()> {
    let indent = "  ".repeat(depth);
    let Some(certificate) = certificate else {
        return writeln!(out, "{indent}{key}: null");
    };
    writeln!(out, "{indent}{key}:")?;
    let inner = "  ".repeat(depth + 1);
    writeln!(out, "{inner}subjectName: {:?}", certificate.subject_name)?;
    print_principal(out, "subject", &certificate.subject, depth + 1)?;
    writeln!(out, "{inner}issuerName: {:?}", certificate.issuer_name)?;
    print_principal(out, "issuer", &certificate.issuer, depth + 1)?;
    writeln!(out, "{inner}serialNumber: {:?}", certificate.serial_number)?;
    writeln!(out, "{inner}validStart: {}", certificate.valid_start)?;
    writeln!(out, "{inner}validExpiry: {}", certificate.valid_expiry)?;
    writeln!(out, "{inner}fingerprint: {:?}", certificate.fingerprint)?;
    if pem {
        writeln!(out, "{inner}data: |")?;
        for line in certificate.data.lines() {
            writeln!(out, "{inner}  {line}")?;
        }
    }
    match certificate.issuer_cert.as_deref() {
        // Deep chains are still printed: their depth is bounded by the PEM file's size.
        Some(issuer) => print_certificate(out, "issuerCert", Some(issuer), depth + 1, pem),
        None => Ok(()),
    }
}

fn print_principal(
    out: &mut impl Write,
    key: &str,
    principal: &CertificatePrincipal,
    depth: usize,
) -> io::Result<()> {
    let indent = "  ".repeat(depth);
    let inner = "  ".repeat(depth + 1);
    writeln!(out, "{indent}{key}:")?;
    writeln!(out, "{inner}commonName: {:?}", principal.common_name)?;
    writeln!(out, "{inner}organizations: {:?}", principal.organizations)?;
    writeln!(
        out,
        "{inner}organizationUnits: {:?}",
        principal.organization_units
    )?;
    writeln!(out, "{inner}locality: {:?}", principal.locality)?;
    writeln!(out, "{inner}state: {:?}", principal.state)?;
    writeln!(out, "{inner}country: {:?}", principal.country)
}
