//! The crate's error type and the reasons a cookie is rejected.

use std::fmt;

/// Why a cookie was not stored: Chromium's `CookieInclusionStatus` exclusion reasons that
/// apply to setting a cookie.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Exclusion {
    /// `Secure` from a URL that is not secure (`EXCLUDE_SECURE_ONLY`).
    SecureOnly,
    /// The `Domain` attribute does not cover the URL's host, is a public suffix, or the URL
    /// has no host (`EXCLUDE_INVALID_DOMAIN`).
    InvalidDomain,
    /// The `Domain` attribute has non-ASCII characters (`EXCLUDE_DOMAIN_NON_ASCII`).
    DomainNonAscii,
    /// `__Secure-` or `__Host-` without what the prefix requires (`EXCLUDE_INVALID_PREFIX`).
    InvalidPrefix,
    /// `SameSite=None` without `Secure` (`EXCLUDE_SAMESITE_NONE_INSECURE`).
    SameSiteNoneInsecure,
    /// A non-secure cookie would overwrite or shadow a `Secure` one
    /// (`EXCLUDE_OVERWRITE_SECURE`).
    OverwriteSecure,
    /// The URL's scheme does not carry cookies (`EXCLUDE_NONCOOKIEABLE_SCHEME`).
    NonCookieableScheme,
    /// A control character, or `;`/`=` where they cannot be (`EXCLUDE_DISALLOWED_CHARACTER`).
    DisallowedCharacter,
    /// Name and value together exceed 4096 bytes
    /// (`EXCLUDE_NAME_VALUE_PAIR_EXCEEDS_MAX_SIZE`).
    NameValueTooLarge,
    /// An attribute value exceeds 1024 bytes (`EXCLUDE_ATTRIBUTE_VALUE_EXCEEDS_MAX_SIZE`).
    AttributeValueTooLarge,
    /// Both name and value are empty (`EXCLUDE_NO_COOKIE_CONTENT`).
    NoCookieContent,
    /// `Partitioned` without `Secure` (`EXCLUDE_INVALID_PARTITIONED`).
    InvalidPartitioned,
    /// The cookie is malformed in another way, such as a path that does not start with `/`
    /// (`EXCLUDE_FAILURE_TO_STORE`).
    FailureToStore,
}

impl Exclusion {
    /// Electron's sentence for the reason, as it appears after `Failed to set cookie - `.
    pub fn message(self) -> &'static str {
        match self {
            Self::SecureOnly => {
                "The cookie was Secure, but the URL was not allowed to access Secure cookies."
            }
            Self::InvalidDomain => "The cookie was set with an invalid Domain attribute.",
            Self::DomainNonAscii => "The cookie's domain attribute had non-ASCII characters.",
            Self::InvalidPrefix => "The cookie was set with an invalid prefix.",
            Self::SameSiteNoneInsecure => {
                "The cookie had the 'SameSite=None' attribute, but it did not specify the 'Secure' attribute, which is required in order to use 'SameSite=None'."
            }
            Self::OverwriteSecure => {
                "The cookie was not set because it would have overwritten a Secure cookie from an insecure origin."
            }
            Self::NonCookieableScheme => "The cookie was set with a non-cookieable scheme.",
            Self::DisallowedCharacter => "The cookie contained a forbidden character.",
            Self::NameValueTooLarge => {
                "The cookie's name and value exceeded the maximum size of 4096 bytes."
            }
            Self::AttributeValueTooLarge => {
                "One of the cookie's attribute values exceeded the maximum size of 1024 bytes."
            }
            Self::NoCookieContent => "The cookie had neither a name nor a value.",
            Self::InvalidPartitioned => "The cookie was set with an invalid Partitioned attribute.",
            Self::FailureToStore => "The cookie was malformed and could not be stored.",
        }
    }
}

/// The error of this crate.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The cookie was rejected. `Display` prints Electron's message,
    /// `Failed to set cookie - <reasons>`.
    Rejected(Vec<Exclusion>),
    /// Reading or writing the partition's storage failed.
    Storage(netsession_storage::Error),
}

impl Error {
    /// The exclusion reasons of a rejected cookie (empty for a storage failure).
    pub fn exclusions(&self) -> &[Exclusion] {
        match self {
            Self::Rejected(reasons) => reasons,
            Self::Storage(_) => &[],
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rejected(reasons) => {
                // Electron concatenates the sentences of every reason, without separators.
                f.write_str("Failed to set cookie - ")?;
                for reason in reasons {
                    f.write_str(reason.message())?;
                }
                Ok(())
            }
            Self::Storage(_) => f.write_str("the cookie store failed"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Storage(e) => Some(e),
            Self::Rejected(_) => None,
        }
    }
}

impl From<netsession_storage::Error> for Error {
    fn from(e: netsession_storage::Error) -> Self {
        Self::Storage(e)
    }
}
