//! The crate's error type: one or more rejected entries, each with its position and reason.

use std::fmt;

/// Why an entry of a proxy configuration string was rejected.
///
/// Chromium drops every one of these silently; the strict parsers report them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text before `://` is not `http`, `https`, `socks`, `socks4`, `socks5` or `direct`.
    UnknownUriScheme,
    /// The first word of a PAC element is not `PROXY`, `HTTPS`, `SOCKS`, `SOCKS4`, `SOCKS5`
    /// or `DIRECT`.
    UnknownPacKeyword,
    /// `direct://` or `DIRECT` followed by a host.
    DirectWithHost,
    /// The host is missing.
    EmptyHost,
    /// The host is followed by `:` and no port.
    EmptyPort,
    /// The port is not a decimal number from 0 to 65535.
    InvalidPort,
    /// The entry carries `user:password@`, which proxy strings do not allow.
    UserInfo,
    /// The host is not a valid host name or IP literal (for example `foopy.111`, whose last
    /// label is numeric but which is not an IPv4 address).
    InvalidHost,
    /// A `scheme=` key other than the exact, lower-case `http`, `https`, `ftp` or `socks`.
    UnknownRulesKey,
    /// A `scheme=` key with nothing after the `=`: Chromium then reads the key as a proxy host.
    EmptyRulesValue,
    /// An entry after the first plain (key-less) proxy list, which ends parsing.
    IgnoredAfterProxyList,
    /// A plain (key-less) proxy list after `scheme=` entries, which Chromium ignores.
    PlainListAfterSchemes,
}

impl ErrorKind {
    fn describe(self) -> &'static str {
        match self {
            Self::UnknownUriScheme => {
                "unknown proxy scheme (expected http, https, socks, socks4, socks5 or direct)"
            }
            Self::UnknownPacKeyword => {
                "unknown PAC keyword (expected PROXY, HTTPS, SOCKS, SOCKS4, SOCKS5 or DIRECT)"
            }
            Self::DirectWithHost => "DIRECT takes no host",
            Self::EmptyHost => "missing host",
            Self::EmptyPort => "`:` is not followed by a port",
            Self::InvalidPort => "port is not a decimal number from 0 to 65535",
            Self::UserInfo => "user name or password is not allowed",
            Self::InvalidHost => "host is not a valid host name or IP literal",
            Self::UnknownRulesKey => {
                "unknown key (keys are case-sensitive: http, https, ftp or socks); entry ignored"
            }
            Self::EmptyRulesValue => {
                "key without proxies; Chromium reads the key itself as a proxy host"
            }
            Self::IgnoredAfterProxyList => {
                "ignored: a plain proxy list ends parsing (use `,` to list fallbacks)"
            }
            Self::PlainListAfterSchemes => "ignored: a plain proxy list after `scheme=` entries",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// One rejected entry: what it was, where it started, and why it was rejected.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Rejection {
    kind: ErrorKind,
    offset: usize,
    line: usize,
    text: String,
}

impl Rejection {
    pub(crate) fn new(kind: ErrorKind, offset: usize, line: usize, text: &str) -> Self {
        Self {
            kind,
            offset,
            line,
            text: text.to_owned(),
        }
    }

    /// Why the entry was rejected.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The byte offset in the parsed string where the entry starts.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The 1-based line of the parsed string where the entry starts.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The rejected entry, as it appeared in the input.
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` at offset {}: {}",
            self.text.escape_debug(),
            self.offset,
            self.kind
        )
    }
}

/// The error of this crate's parsers: every entry that was rejected, in input order.
///
/// An `Error` always holds at least one [`Rejection`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Error {
    rejections: Vec<Rejection>,
}

impl Error {
    pub(crate) fn from_rejections(rejections: Vec<Rejection>) -> Option<Self> {
        if rejections.is_empty() {
            None
        } else {
            Some(Self { rejections })
        }
    }

    pub(crate) fn single(kind: ErrorKind, input: &str) -> Self {
        Self {
            rejections: vec![Rejection::new(kind, 0, 1, input)],
        }
    }

    /// The kind of the first rejection.
    pub fn kind(&self) -> ErrorKind {
        self.first().map_or(ErrorKind::InvalidHost, Rejection::kind)
    }

    /// Every rejected entry, in input order (never empty).
    pub fn rejections(&self) -> &[Rejection] {
        &self.rejections
    }

    fn first(&self) -> Option<&Rejection> {
        self.rejections.first()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rejections.as_slice() {
            [one] => write!(f, "invalid proxy entry {one}"),
            many => {
                write!(f, "{} invalid proxy entries", many.len())?;
                for r in many {
                    write!(f, "; {r}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Error {}
