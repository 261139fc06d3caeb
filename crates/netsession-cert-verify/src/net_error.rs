//! Chromium's net error codes (`net/base/net_error_list.h`) and their `net::ERR_*` names.

use std::fmt;

/// A Chromium net error: `0` is `net::OK`, negative codes are errors.
///
/// Any `i32` is representable, because a verify proc may answer any code; [`NetError::name`]
/// knows the names of the codes this crate produces and of the common ones around them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NetError(i32);

macro_rules! net_errors {
    ($($(#[$doc:meta])* $konst:ident = $code:literal, $name:literal;)*) => {
        impl NetError {
            $($(#[$doc])* pub const $konst: Self = Self($code);)*

            /// Chromium's name for the code (`net::ERR_CERT_DATE_INVALID`), as
            /// `net::ErrorToString` prints it; `net::ERR_<unknown>` for codes it does not know.
            pub fn name(self) -> &'static str {
                match self.0 {
                    $($code => $name,)*
                    _ => "net::ERR_<unknown>",
                }
            }

            /// The code named `name` (`net::ERR_CERT_DATE_INVALID` or `ERR_CERT_DATE_INVALID`).
            pub fn from_name(name: &str) -> Option<Self> {
                let name = name.strip_prefix("net::").unwrap_or(name);
                match name {
                    $(_ if $name.strip_prefix("net::") == Some(name) => Some(Self($code)),)*
                    _ => None,
                }
            }
        }
    };
}

net_errors! {
    /// `net::OK` (0): success.
    OK = 0, "net::OK";
    /// `net::ERR_IO_PENDING` (-1).
    IO_PENDING = -1, "net::ERR_IO_PENDING";
    /// `net::ERR_FAILED` (-2): a generic failure; what a verify proc's `-2` becomes.
    FAILED = -2, "net::ERR_FAILED";
    /// `net::ERR_ABORTED` (-3): as a verify proc answer, "use the verifier's verdict".
    ABORTED = -3, "net::ERR_ABORTED";
    /// `net::ERR_INVALID_ARGUMENT` (-4).
    INVALID_ARGUMENT = -4, "net::ERR_INVALID_ARGUMENT";
    /// `net::ERR_INVALID_HANDLE` (-5).
    INVALID_HANDLE = -5, "net::ERR_INVALID_HANDLE";
    /// `net::ERR_FILE_NOT_FOUND` (-6).
    FILE_NOT_FOUND = -6, "net::ERR_FILE_NOT_FOUND";
    /// `net::ERR_TIMED_OUT` (-7).
    TIMED_OUT = -7, "net::ERR_TIMED_OUT";
    /// `net::ERR_UNEXPECTED` (-9).
    UNEXPECTED = -9, "net::ERR_UNEXPECTED";
    /// `net::ERR_ACCESS_DENIED` (-10).
    ACCESS_DENIED = -10, "net::ERR_ACCESS_DENIED";
    /// `net::ERR_NOT_IMPLEMENTED` (-11).
    NOT_IMPLEMENTED = -11, "net::ERR_NOT_IMPLEMENTED";
    /// `net::ERR_BLOCKED_BY_CLIENT` (-20).
    BLOCKED_BY_CLIENT = -20, "net::ERR_BLOCKED_BY_CLIENT";
    /// `net::ERR_CONNECTION_CLOSED` (-100).
    CONNECTION_CLOSED = -100, "net::ERR_CONNECTION_CLOSED";
    /// `net::ERR_CONNECTION_RESET` (-101).
    CONNECTION_RESET = -101, "net::ERR_CONNECTION_RESET";
    /// `net::ERR_CONNECTION_REFUSED` (-102).
    CONNECTION_REFUSED = -102, "net::ERR_CONNECTION_REFUSED";
    /// `net::ERR_CONNECTION_ABORTED` (-103).
    CONNECTION_ABORTED = -103, "net::ERR_CONNECTION_ABORTED";
    /// `net::ERR_CONNECTION_FAILED` (-104).
    CONNECTION_FAILED = -104, "net::ERR_CONNECTION_FAILED";
    /// `net::ERR_NAME_NOT_RESOLVED` (-105).
    NAME_NOT_RESOLVED = -105, "net::ERR_NAME_NOT_RESOLVED";
    /// `net::ERR_INTERNET_DISCONNECTED` (-106).
    INTERNET_DISCONNECTED = -106, "net::ERR_INTERNET_DISCONNECTED";
    /// `net::ERR_SSL_PROTOCOL_ERROR` (-107).
    SSL_PROTOCOL_ERROR = -107, "net::ERR_SSL_PROTOCOL_ERROR";
    /// `net::ERR_SSL_PINNED_KEY_NOT_IN_CERT_CHAIN` (-150).
    SSL_PINNED_KEY_NOT_IN_CERT_CHAIN = -150, "net::ERR_SSL_PINNED_KEY_NOT_IN_CERT_CHAIN";
    /// `net::ERR_CERT_COMMON_NAME_INVALID` (-200): the certificate does not name the host.
    CERT_COMMON_NAME_INVALID = -200, "net::ERR_CERT_COMMON_NAME_INVALID";
    /// `net::ERR_CERT_DATE_INVALID` (-201): expired or not yet valid.
    CERT_DATE_INVALID = -201, "net::ERR_CERT_DATE_INVALID";
    /// `net::ERR_CERT_AUTHORITY_INVALID` (-202): no path to a trusted root.
    CERT_AUTHORITY_INVALID = -202, "net::ERR_CERT_AUTHORITY_INVALID";
    /// `net::ERR_CERT_CONTAINS_ERRORS` (-203, obsolete).
    CERT_CONTAINS_ERRORS = -203, "net::ERR_CERT_CONTAINS_ERRORS";
    /// `net::ERR_CERT_NO_REVOCATION_MECHANISM` (-204).
    CERT_NO_REVOCATION_MECHANISM = -204, "net::ERR_CERT_NO_REVOCATION_MECHANISM";
    /// `net::ERR_CERT_UNABLE_TO_CHECK_REVOCATION` (-205).
    CERT_UNABLE_TO_CHECK_REVOCATION = -205, "net::ERR_CERT_UNABLE_TO_CHECK_REVOCATION";
    /// `net::ERR_CERT_REVOKED` (-206).
    CERT_REVOKED = -206, "net::ERR_CERT_REVOKED";
    /// `net::ERR_CERT_INVALID` (-207): malformed, or a constraint of the chain is violated.
    CERT_INVALID = -207, "net::ERR_CERT_INVALID";
    /// `net::ERR_CERT_WEAK_SIGNATURE_ALGORITHM` (-208): MD2, MD4, MD5 or SHA-1. Chromium's
    /// builtin verifier also marks such a chain INVALID, which outranks it, so the verifier
    /// reports -207; a verify proc may still answer -208.
    CERT_WEAK_SIGNATURE_ALGORITHM = -208, "net::ERR_CERT_WEAK_SIGNATURE_ALGORITHM";
    /// `net::ERR_CERT_NON_UNIQUE_NAME` (-210): only from a proc; Chromium treats the condition
    /// as a warning (see the crate docs).
    CERT_NON_UNIQUE_NAME = -210, "net::ERR_CERT_NON_UNIQUE_NAME";
    /// `net::ERR_CERT_WEAK_KEY` (-211): a key too small or of an unacceptable kind.
    CERT_WEAK_KEY = -211, "net::ERR_CERT_WEAK_KEY";
    /// `net::ERR_CERT_NAME_CONSTRAINT_VIOLATION` (-212): only from a proc; a name constraint
    /// of the chain is [`CERT_INVALID`](Self::CERT_INVALID), as in Chromium.
    CERT_NAME_CONSTRAINT_VIOLATION = -212, "net::ERR_CERT_NAME_CONSTRAINT_VIOLATION";
    /// `net::ERR_CERT_VALIDITY_TOO_LONG` (-213).
    CERT_VALIDITY_TOO_LONG = -213, "net::ERR_CERT_VALIDITY_TOO_LONG";
    /// `net::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED` (-214).
    CERTIFICATE_TRANSPARENCY_REQUIRED = -214, "net::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED";
    /// `net::ERR_CERT_SYMANTEC_LEGACY` (-215).
    CERT_SYMANTEC_LEGACY = -215, "net::ERR_CERT_SYMANTEC_LEGACY";
    /// `net::ERR_CERT_KNOWN_INTERCEPTION_BLOCKED` (-217).
    CERT_KNOWN_INTERCEPTION_BLOCKED = -217, "net::ERR_CERT_KNOWN_INTERCEPTION_BLOCKED";
}

impl NetError {
    /// The error with this code.
    pub const fn from_code(code: i32) -> Self {
        Self(code)
    }

    /// The numeric code (`-202`).
    pub const fn code(self) -> i32 {
        self.0
    }

    /// Whether this is `net::OK`.
    pub const fn is_ok(self) -> bool {
        self.0 == 0
    }

    /// Whether the code is in Chromium's certificate error range (`net::IsCertificateError`:
    /// -200 down to, but not including, `CERT_END` -219).
    pub const fn is_certificate_error(self) -> bool {
        self.0 <= -200 && self.0 > -219
    }
}

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl From<NetError> for i32 {
    fn from(error: NetError) -> Self {
        error.0
    }
}

impl From<i32> for NetError {
    fn from(code: i32) -> Self {
        Self(code)
    }
}
