//! Chromium's certificate status flags (`net/cert/cert_status_flags_list.h`) and
//! `MapCertStatusToNetError`, which picks the one net error a set of flags reports.

use std::fmt;
use std::ops::{BitOr, BitOrAssign};

use crate::NetError;

/// The set of problems found with a certificate chain, as Chromium's `CertStatus` bits.
///
/// Several problems can be found at once (an expired certificate for the wrong host);
/// [`CertStatus::net_error`] reports the most serious one by Chromium's priority order.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CertStatus(u32);

impl CertStatus {
    /// No problem.
    pub const NONE: Self = Self(0);
    /// The certificate does not name the host.
    pub const COMMON_NAME_INVALID: Self = Self(1 << 0);
    /// A certificate of the chain is expired or not yet valid.
    pub const DATE_INVALID: Self = Self(1 << 1);
    /// No path to a trusted root (unknown issuer, missing intermediate, bad signature).
    pub const AUTHORITY_INVALID: Self = Self(1 << 2);
    /// The chain offers no way to check revocation.
    pub const NO_REVOCATION_MECHANISM: Self = Self(1 << 4);
    /// Revocation could not be checked.
    pub const UNABLE_TO_CHECK_REVOCATION: Self = Self(1 << 5);
    /// A certificate of the chain is revoked.
    pub const REVOKED: Self = Self(1 << 6);
    /// The chain is malformed or breaks a constraint (extended key usage, basic constraints,
    /// path length, name constraints, critical extensions).
    pub const INVALID: Self = Self(1 << 7);
    /// A certificate is signed with MD2, MD4, MD5 or SHA-1.
    pub const WEAK_SIGNATURE_ALGORITHM: Self = Self(1 << 8);
    /// A publicly trusted certificate names a non-unique (intranet) host. A warning in
    /// Chromium, never turned into an error, and never set by this crate's verifier.
    pub const NON_UNIQUE_NAME: Self = Self(1 << 10);
    /// A key of the chain is too small or of an unacceptable kind.
    pub const WEAK_KEY: Self = Self(1 << 11);
    /// A pinned key is not in the chain.
    pub const PINNED_KEY_MISSING: Self = Self(1 << 13);
    /// A name constraint of Chromium's legacy hard-coded list is violated. Never set by
    /// this crate's verifier: a name constraint of the chain itself is [`Self::INVALID`].
    pub const NAME_CONSTRAINT_VIOLATION: Self = Self(1 << 14);
    /// A publicly trusted certificate is valid for longer than the Baseline Requirements allow.
    pub const VALIDITY_TOO_LONG: Self = Self(1 << 15);
    /// Certificate Transparency was required and not met.
    pub const CT_REQUIRED: Self = Self(1 << 24);
    /// The chain depends on Symantec's legacy infrastructure.
    pub const SYMANTEC_LEGACY: Self = Self(1 << 25);
    /// The chain belongs to a known interception product.
    pub const KNOWN_INTERCEPTION_BLOCKED: Self = Self(1 << 26);

    /// Chromium's `MapCertStatusToNetError`: the most serious flag's net error, in the order
    /// INVALID, PINNED_KEY_MISSING, KNOWN_INTERCEPTION_BLOCKED, REVOKED, AUTHORITY_INVALID,
    /// COMMON_NAME_INVALID, CT_REQUIRED, SYMANTEC_LEGACY, NAME_CONSTRAINT_VIOLATION,
    /// WEAK_SIGNATURE_ALGORITHM, WEAK_KEY, DATE_INVALID, VALIDITY_TOO_LONG, NON_UNIQUE_NAME,
    /// UNABLE_TO_CHECK_REVOCATION, NO_REVOCATION_MECHANISM; `net::OK` when no flag is set.
    pub fn net_error(self) -> NetError {
        PRIORITY
            .iter()
            .find(|(flag, _)| self.contains(*flag))
            .map_or(NetError::OK, |&(_, error)| error)
    }

    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether no flag is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The raw bits, as Chromium numbers them.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// The flags set, by their Chromium names (`DATE_INVALID`), most serious first.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        PRIORITY
            .iter()
            .zip(NAMES)
            .filter(move |((flag, _), _)| self.contains(*flag))
            .map(|(_, name)| name)
    }
}

/// The flags in `MapCertStatusToNetError`'s order, with the error each reports.
const PRIORITY: [(CertStatus, NetError); 16] = [
    (CertStatus::INVALID, NetError::CERT_INVALID),
    (
        CertStatus::PINNED_KEY_MISSING,
        NetError::SSL_PINNED_KEY_NOT_IN_CERT_CHAIN,
    ),
    (
        CertStatus::KNOWN_INTERCEPTION_BLOCKED,
        NetError::CERT_KNOWN_INTERCEPTION_BLOCKED,
    ),
    (CertStatus::REVOKED, NetError::CERT_REVOKED),
    (
        CertStatus::AUTHORITY_INVALID,
        NetError::CERT_AUTHORITY_INVALID,
    ),
    (
        CertStatus::COMMON_NAME_INVALID,
        NetError::CERT_COMMON_NAME_INVALID,
    ),
    (
        CertStatus::CT_REQUIRED,
        NetError::CERTIFICATE_TRANSPARENCY_REQUIRED,
    ),
    (CertStatus::SYMANTEC_LEGACY, NetError::CERT_SYMANTEC_LEGACY),
    (
        CertStatus::NAME_CONSTRAINT_VIOLATION,
        NetError::CERT_NAME_CONSTRAINT_VIOLATION,
    ),
    (
        CertStatus::WEAK_SIGNATURE_ALGORITHM,
        NetError::CERT_WEAK_SIGNATURE_ALGORITHM,
    ),
    (CertStatus::WEAK_KEY, NetError::CERT_WEAK_KEY),
    (CertStatus::DATE_INVALID, NetError::CERT_DATE_INVALID),
    (
        CertStatus::VALIDITY_TOO_LONG,
        NetError::CERT_VALIDITY_TOO_LONG,
    ),
    (CertStatus::NON_UNIQUE_NAME, NetError::CERT_NON_UNIQUE_NAME),
    (
        CertStatus::UNABLE_TO_CHECK_REVOCATION,
        NetError::CERT_UNABLE_TO_CHECK_REVOCATION,
    ),
    (
        CertStatus::NO_REVOCATION_MECHANISM,
        NetError::CERT_NO_REVOCATION_MECHANISM,
    ),
];

/// The names of [`PRIORITY`]'s flags, in the same order.
const NAMES: [&str; 16] = [
    "INVALID",
    "PINNED_KEY_MISSING",
    "KNOWN_INTERCEPTION_BLOCKED",
    "REVOKED",
    "AUTHORITY_INVALID",
    "COMMON_NAME_INVALID",
    "CT_REQUIRED",
    "SYMANTEC_LEGACY",
    "NAME_CONSTRAINT_VIOLATION",
    "WEAK_SIGNATURE_ALGORITHM",
    "WEAK_KEY",
    "DATE_INVALID",
    "VALIDITY_TOO_LONG",
    "NON_UNIQUE_NAME",
    "UNABLE_TO_CHECK_REVOCATION",
    "NO_REVOCATION_MECHANISM",
];

impl BitOr for CertStatus {
    type Output = Self;

    fn bitor(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
}

impl BitOrAssign for CertStatus {
    fn bitor_assign(&mut self, other: Self) {
        self.0 |= other.0;
    }
}

impl fmt::Debug for CertStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.names()).finish()
    }
}

impl fmt::Display for CertStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for name in self.names() {
            if !first {
                f.write_str(" | ")?;
            }
            f.write_str(name)?;
            first = false;
        }
        if first {
            f.write_str("NONE")?;
        }
        Ok(())
    }
}
