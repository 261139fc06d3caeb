//! Electron's `Certificate` and `CertificatePrincipal` structures, read from DER.

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;
use x509_parser::prelude::{FromDer as _, X509Certificate};
use x509_parser::x509::{AttributeTypeAndValue, X509Name};

use crate::Error;

/// Electron's `Certificate`: what a verify proc (and `certificate-error`) sees of a
/// certificate, with the fields computed as Chromium computes them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Certificate {
    /// The certificate as PEM: 64-character base64 lines between `-----BEGIN CERTIFICATE-----`
    /// and `-----END CERTIFICATE-----`, each line ending in `\n`.
    pub data: String,
    /// The issuer's distinguished name.
    pub issuer: CertificatePrincipal,
    /// The issuer's display name: its common name, else its first organization, else its
    /// first organizational unit, else empty.
    pub issuer_name: String,
    /// The next certificate of the chain as supplied (not necessarily the real issuer), absent
    /// at the top of the chain.
    pub issuer_cert: Option<Box<Certificate>>,
    /// The subject's distinguished name.
    pub subject: CertificatePrincipal,
    /// The subject's display name, chosen as for `issuer_name`.
    pub subject_name: String,
    /// The serial number as upper-case hex of its DER content bytes, so a serial whose top bit
    /// is set keeps its leading `00`.
    pub serial_number: String,
    /// `notBefore`, in seconds since the Unix epoch.
    pub valid_start: i64,
    /// `notAfter`, in seconds since the Unix epoch.
    pub valid_expiry: i64,
    /// `sha256/` followed by the standard base64 of the SHA-256 of the DER.
    pub fingerprint: String,
}

/// Electron's `CertificatePrincipal`: the parts of a distinguished name Chromium reports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CertificatePrincipal {
    /// The first common name (CN), or empty.
    pub common_name: String,
    /// Every organization (O), in order.
    pub organizations: Vec<String>,
    /// Every organizational unit (OU), in order.
    pub organization_units: Vec<String>,
    /// The first locality (L), or empty.
    pub locality: String,
    /// The first state or province (ST), or empty.
    pub state: String,
    /// The first country (C), or empty.
    pub country: String,
}

impl Certificate {
    /// Reads one DER certificate; `issuer_cert` is `None`.
    ///
    /// # Errors
    ///
    /// [`Error::MalformedCertificate`] when the DER is not an X.509 certificate.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        Self::from_der_at(der, 0)
    }

    /// Reads a chain, leaf first: each certificate's `issuer_cert` is the next one, as
    /// Electron builds it from the chain the server sent.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyChain`] for an empty chain, [`Error::MalformedCertificate`] when a
    /// certificate does not parse.
    pub fn from_chain(chain: &[CertificateDer<'_>]) -> Result<Self, Error> {
        let mut certificate: Option<Self> = None;
        for (index, der) in chain.iter().enumerate().rev() {
            let mut current = Self::from_der_at(der, index)?;
            current.issuer_cert = certificate.map(Box::new);
            certificate = Some(current);
        }
        certificate.ok_or(Error::EmptyChain)
    }

    /// Reads a PEM chain (`-----BEGIN CERTIFICATE-----` blocks, leaf first), as
    /// [`Certificate::from_chain`].
    ///
    /// # Errors
    ///
    /// [`Error::Pem`] when the PEM does not decode, otherwise as [`Certificate::from_chain`].
    pub fn from_pem(pem: &[u8]) -> Result<Self, Error> {
        Self::from_chain(&parse_pem_chain(pem)?)
    }

    /// The certificates from this one up through `issuer_cert`, this one first.
    pub fn chain(&self) -> impl Iterator<Item = &Certificate> {
        std::iter::successors(Some(self), |certificate| certificate.issuer_cert.as_deref())
    }

    fn from_der_at(der: &[u8], index: usize) -> Result<Self, Error> {
        let (_, parsed) =
            X509Certificate::from_der(der).map_err(|_| Error::MalformedCertificate { index })?;
        let issuer = CertificatePrincipal::from_name(parsed.issuer());
        let subject = CertificatePrincipal::from_name(parsed.subject());
        Ok(Self {
            data: pem_encode(der),
            issuer_name: issuer.display_name().to_owned(),
            issuer,
            issuer_cert: None,
            subject_name: subject.display_name().to_owned(),
            subject,
            serial_number: hex_upper(parsed.raw_serial()),
            valid_start: parsed.validity().not_before.timestamp(),
            valid_expiry: parsed.validity().not_after.timestamp(),
            fingerprint: fingerprint(der),
        })
    }
}

impl CertificatePrincipal {
    fn from_name(name: &X509Name<'_>) -> Self {
        let first = |mut values: std::vec::IntoIter<String>| values.next().unwrap_or_default();
        let values = |iter: &mut dyn Iterator<Item = &AttributeTypeAndValue<'_>>| {
            iter.map(attribute_text).collect::<Vec<_>>()
        };
        Self {
            common_name: first(values(&mut name.iter_common_name()).into_iter()),
            organizations: values(&mut name.iter_organization()),
            organization_units: values(&mut name.iter_organizational_unit()),
            locality: first(values(&mut name.iter_locality()).into_iter()),
            state: first(values(&mut name.iter_state_or_province()).into_iter()),
            country: first(values(&mut name.iter_country()).into_iter()),
        }
    }

    /// Chromium's `CertPrincipal::GetDisplayName`: the common name, else the first
    /// organization, else the first organizational unit, else empty.
    pub fn display_name(&self) -> &str {
        if !self.common_name.is_empty() {
            return &self.common_name;
        }
        self.organizations
            .first()
            .or(self.organization_units.first())
            .map_or("", String::as_str)
    }
}

/// Splits a PEM file into its certificates, in order.
pub(crate) fn parse_pem_chain(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certificates = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| Error::Pem(std::sync::Arc::new(error)))?;
    if certificates.is_empty() {
        return Err(Error::EmptyChain);
    }
    Ok(certificates)
}

/// The text of a name attribute: the string types as they are, BMPString (UTF-16BE) and
/// UniversalString (UTF-32BE) decoded, anything else as lossy UTF-8 of its bytes.
fn attribute_text(attribute: &AttributeTypeAndValue<'_>) -> String {
    if let Ok(text) = attribute.as_str() {
        return text.to_owned();
    }
    let value = attribute.attr_value();
    let data = value.data;
    match value.tag().0 {
        // BMPString.
        30 => char::decode_utf16(
            data.chunks_exact(2)
                .filter_map(|pair| pair.try_into().ok().map(u16::from_be_bytes)),
        )
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect(),
        // UniversalString.
        28 => data
            .chunks_exact(4)
            .filter_map(|quad| quad.try_into().ok().map(u32::from_be_bytes))
            .map(|code| char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
        // T61String and anything else: Chromium reads T61 as Latin-1.
        _ => data.iter().map(|&byte| char::from(byte)).collect(),
    }
}

/// Chromium's `X509Certificate::GetPEMEncodedFromDER`.
pub(crate) fn pem_encode(der: &[u8]) -> String {
    let encoded = STANDARD.encode(der);
    let mut pem = String::with_capacity(encoded.len() + encoded.len() / 64 + 60);
    pem.push_str("-----BEGIN CERTIFICATE-----\n");
    for line in encoded.as_bytes().chunks(64) {
        pem.extend(line.iter().map(|&byte| char::from(byte)));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

/// `sha256/<base64>` of the DER, as Electron's `fingerprint`.
pub(crate) fn fingerprint(der: &[u8]) -> String {
    format!(
        "sha256/{}",
        STANDARD.encode(digest::digest(&digest::SHA256, der))
    )
}

fn hex_upper(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut text, byte| {
        // Writing to a String cannot fail.
        let _ = write!(text, "{byte:02X}");
        text
    })
}
