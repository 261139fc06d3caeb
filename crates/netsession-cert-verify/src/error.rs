//! The crate's error type.

use std::fmt;
use std::sync::Arc;

use crate::{CertStatus, NetError};

/// The error of this crate: a rejected certificate, or input that cannot be used.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Error {
    /// The server's certificate was rejected: by the verifier, or by the verify proc.
    ///
    /// This is the error a TLS connection fails with; find it in a `reqwest` or rustls error
    /// with [`Error::find`].
    Rejected {
        /// The host the connection was for.
        hostname: String,
        /// The net error Chromium (or the proc) reports.
        net_error: NetError,
        /// Everything the verifier found wrong (empty when only the proc rejected).
        status: CertStatus,
    },
    /// A certificate of a chain does not parse as X.509 (`index` 0 is the leaf).
    MalformedCertificate {
        /// The certificate's position in the chain or file.
        index: usize,
    },
    /// A chain with no certificate.
    EmptyChain,
    /// PEM input that does not decode.
    Pem(Arc<rustls::pki_types::pem::Error>),
    /// A root certificate that cannot be a trust anchor.
    InvalidRoot {
        /// The root's position among the added roots.
        index: usize,
        /// Why webpki refused it.
        source: webpki::Error,
    },
    /// The root store is empty: no certificate could ever be trusted.
    NoTrustAnchors,
    /// The platform's root store could not be read.
    PlatformRoots(Arc<rustls_native_certs::Error>),
    /// The host name is neither a DNS name nor an IP address.
    InvalidHostname(String),
    /// rustls refused the client configuration (the crypto provider supports no safe
    /// protocol version).
    Tls(rustls::Error),
}

impl Error {
    /// The net error of a rejected certificate; `None` for the other errors.
    pub fn net_error(&self) -> Option<NetError> {
        match self {
            Self::Rejected { net_error, .. } => Some(*net_error),
            _ => None,
        }
    }

    /// Finds this crate's error in an error chain, however deep: through `source()`, inside
    /// `std::io::Error`s (where `tokio-rustls` puts TLS errors) and inside rustls's
    /// `CertificateError::Other`. This is how a `reqwest` caller learns the net error.
    ///
    /// # Examples
    ///
    /// ```
    /// use netsession_cert_verify::Error;
    ///
    /// let io = std::io::Error::other("not a certificate error");
    /// assert!(Error::find(&io).is_none());
    /// ```
    pub fn find<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a Self> {
        let mut next = Some(error);
        let mut depth = 0;
        while let Some(current) = next {
            if let Some(found) = Self::find_here(current) {
                return Some(found);
            }
            // Chains are short; the bound guards against a cycle.
            depth += 1;
            if depth > 64 {
                return None;
            }
            next = current.source();
        }
        None
    }

    fn find_here<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a Self> {
        if let Some(found) = error.downcast_ref::<Self>() {
            return Some(found);
        }
        if let Some(rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other))) =
            error.downcast_ref::<rustls::Error>()
        {
            return other.0.downcast_ref::<Self>();
        }
        // `io::Error::source` skips the wrapped error itself, so look inside by hand.
        if let Some(inner) = error
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            let inner: &(dyn std::error::Error + 'static) = inner;
            return Self::find_here(inner);
        }
        None
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rejected {
                hostname,
                net_error,
                ..
            } => write!(
                f,
                "certificate for {hostname} rejected: {net_error} ({})",
                net_error.code()
            ),
            Self::MalformedCertificate { index } => {
                write!(f, "certificate {index} of the chain is not valid X.509")
            }
            Self::EmptyChain => f.write_str("no certificate in the chain"),
            Self::Pem(error) => write!(f, "invalid PEM: {error}"),
            Self::InvalidRoot { index, source } => {
                write!(
                    f,
                    "root certificate {index} cannot be a trust anchor: {source}"
                )
            }
            Self::NoTrustAnchors => f.write_str("no trusted root certificate"),
            Self::PlatformRoots(error) => write!(f, "cannot read the platform roots: {error}"),
            Self::InvalidHostname(host) => write!(f, "invalid host name {host:?}"),
            Self::Tls(error) => write!(f, "cannot configure TLS: {error}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Pem(error) => Some(error.as_ref()),
            Self::InvalidRoot { source, .. } => Some(source),
            Self::PlatformRoots(error) => Some(error.as_ref()),
            Self::Tls(error) => Some(error),
            _ => None,
        }
    }
}
