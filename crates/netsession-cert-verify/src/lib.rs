//! Certificate verification with Electron's `setCertificateVerifyProc` and Chromium's net
//! errors, as a rustls `ServerCertVerifier` that plugs into reqwest.
//!
//! [`CertVerifier`] verifies a server's chain as webpki does (bundled Mozilla roots by
//! default, platform roots as an option, extra roots addable), checks what Chromium checks
//! beyond that (host name, key sizes and kinds, weak signature algorithms), and names the
//! outcome as Chromium would: `net::ERR_CERT_DATE_INVALID`, `net::ERR_CERT_AUTHORITY_INVALID`,
//! chosen among several problems by Chromium's priority order ([`CertStatus::net_error`]).
//! An application's [`VerifyProc`] then sees Electron's request ([`VerifyRequest`], with the
//! [`Certificate`] shape) and answers `0` (accept), `-2` (fail), `-3` (keep the verdict) or
//! another net error, synchronously or asynchronously; its verdicts are cached per host and
//! chain until the proc changes.
//!
//! A rejected certificate fails the TLS handshake with [`Error::Rejected`], which carries the
//! net error code and name; [`Error::find`] digs it out of a reqwest error.
//!
//! # Example
//!
//! ```
//! use netsession_cert_verify::{CertVerifier, NetError, VerifyProc};
//! # let pem = include_bytes!("../tests/data/self-signed.pem");
//!
//! // A self-signed certificate for `localhost`.
//! let chain = netsession_cert_verify::parse_pem(pem)?;
//! let verifier = CertVerifier::new();
//! let verdict = verifier.verify("localhost", &chain)?;
//! assert_eq!(verdict.net_error.name(), "net::ERR_CERT_AUTHORITY_INVALID");
//! assert_eq!(verdict.net_error.code(), -202);
//!
//! // Electron's verify proc: accept it for localhost only.
//! verifier.set_certificate_verify_proc(Some(VerifyProc::from_fn(|request| {
//!     assert_eq!(request.verification_result, "net::ERR_CERT_AUTHORITY_INVALID");
//!     if request.hostname == "localhost" { 0 } else { -3 }
//! })));
//! assert_eq!(verifier.verify("localhost", &chain)?.net_error, NetError::OK);
//!
//! // With reqwest: `ClientBuilder::tls_backend_preconfigured(verifier.client_config()?)`.
//! let _config: rustls::ClientConfig = verifier.client_config()?;
//! # Ok::<(), netsession_cert_verify::Error>(())
//! ```
//!
//! # Differences from Chromium
//!
//! Path building is webpki's, which reports one error per chain where Chromium collects every
//! error of the best path; the verifier makes a second attempt inside the validity period when
//! dates fail, so that a date problem never hides a worse one. There is no revocation
//! checking, no AIA fetching of missing intermediates, no Certificate Transparency and no
//! pinning, so `-206`, `-214` and `-150` never come from the verifier itself (a proc may still
//! answer them).
//!
//! # Name constraints and non-unique names
//!
//! A name constraint of the chain that the leaf breaks is `net::ERR_CERT_INVALID` (-207), not
//! `net::ERR_CERT_NAME_CONSTRAINT_VIOLATION` (-212), because that is what Chromium reports:
//! its builtin verifier finds the violation while building the path, and
//! `MapPathBuilderErrorsToCertStatus` turns every path error it has no flag of its own for
//! (name constraints, extended key usage, basic constraints, path length) into
//! `CERT_STATUS_INVALID`. Chromium's `CERT_STATUS_NAME_CONSTRAINT_VIOLATION`, the only source of
//! -212, comes from constraints Chromium itself imposes on a hard-coded list of legacy roots;
//! this crate has no such list, so -212 only comes from a proc.
//!
//! `net::ERR_CERT_NON_UNIQUE_NAME` (-210) is never produced either. Chromium flags a publicly
//! trusted certificate for a non-unique (intranet) name with `CERT_STATUS_NON_UNIQUE_NAME`,
//! but as a warning: `CertVerifyProc::Verify` does not turn the flag into an error, and
//! publicly trusted CAs have not issued such certificates since 2015. The verifier does not
//! set the flag, and the connection succeeds; the code stays in [`NetError`] and
//! [`CertStatus`]'s priority order for procs and for completeness.
//!
//! # Input guarantees
//!
//! Certificates come from the network: nothing derived from them can panic. The verdict
//! cache holds at most [`DEFAULT_CACHE_CAPACITY`] entries unless configured otherwise.
//!
//! # Related crates
//!
//! The `netsession` facade gives every session one verifier and exposes
//! `set_certificate_verify_proc` on `Session`; use this crate alone to give any rustls or
//! reqwest client Chromium's verdicts.

mod certificate;
mod error;
mod net_error;
mod proc;
mod status;
mod verifier;

pub use certificate::{Certificate, CertificatePrincipal};
pub use error::Error;
pub use net_error::NetError;
pub use proc::{ProcFuture, VerifyProc, VerifyRequest};
pub use status::CertStatus;
pub use verifier::{
    CertVerifier, CertVerifierBuilder, DEFAULT_CACHE_CAPACITY, Observer, Roots, Verification,
};

/// Rustls, at exactly the version the verifier implements (reqwest's).
pub use rustls;

/// Reads the certificates of a PEM file, in order (leaf first for a chain).
///
/// # Errors
///
/// [`Error::Pem`] when the PEM does not decode, [`Error::EmptyChain`] when it holds no
/// certificate.
pub fn parse_pem(pem: &[u8]) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, Error> {
    certificate::parse_pem_chain(pem)
}

#[cfg(test)]
mod tests;
