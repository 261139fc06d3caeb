//! The error [`BypassRules::parse_strict`](crate::BypassRules::parse_strict) returns.

use std::fmt;

/// Why [`BypassRules::parse_strict`](crate::BypassRules::parse_strict) refused a bypass list:
/// every entry Chromium would have dropped, in input order (at least one).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Error {
    rejections: Vec<Rejection>,
}

impl Error {
    pub(crate) fn new(rejections: Vec<Rejection>) -> Option<Self> {
        (!rejections.is_empty()).then_some(Self { rejections })
    }

    /// The rejected entries, in input order; never empty.
    pub fn rejections(&self) -> &[Rejection] {
        &self.rejections
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rejections.as_slice() {
            [single] => single.fmt(f),
            all => {
                write!(f, "{} invalid proxy bypass entries", all.len())?;
                for rejection in all {
                    f.write_str("\n  ")?;
                    rejection.fmt_location(f)?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Error {}

/// One entry of a bypass list that is not a valid rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub(crate) kind: ErrorKind,
    pub(crate) offset: usize,
    pub(crate) line: usize,
    pub(crate) text: String,
}

impl Rejection {
    /// What is wrong with the entry.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Byte offset of the entry (after leading whitespace) in the parsed text.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// 1-based line of the entry's first byte (entries are separated by `,` and `;` only, so
    /// an entry may span lines).
    pub fn line(&self) -> usize {
        self.line
    }

    /// The entry, trimmed of surrounding whitespace.
    pub fn text(&self) -> &str {
        &self.text
    }

    fn fmt_location(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` at offset {}",
            self.text.escape_debug(),
            self.offset
        )?;
        if self.line > 1 {
            write!(f, " (line {})", self.line)?;
        }
        write!(f, ": {}", self.kind)
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid proxy bypass entry ")?;
        self.fmt_location(f)
    }
}

/// The reason an entry was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `://` with nothing before it, as in `://example.com`.
    EmptyScheme,
    /// A scheme with nothing after it, as in `http://`.
    EmptyHost,
    /// An entry with a `/` that is not `address/prefix-length` with exactly one `/`, as in
    /// `example.com/path` or `10.0.0.0/8/9`.
    InvalidCidr,
    /// The part before the `/` is not an IP literal, as in `example.com/8` or the bracketed
    /// `[a:b:c:d::]/48` (ranges take IPv6 without brackets).
    InvalidCidrAddress,
    /// The part after the `/` is not a plain decimal number within the address size, as in
    /// `10.0.0.0/33`, `10.0.0.0/+8` or `192.168.1.1/16:80`.
    InvalidPrefixLength,
    /// The text after the last `:` of a host pattern is not a plain decimal number from 0 to
    /// 65535, as in `example.com:+443`, `example.com:0x443` or `example.com:65536`.
    InvalidPort,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::EmptyScheme => "the scheme before `://` is empty",
            Self::EmptyHost => "nothing follows the scheme",
            Self::InvalidCidr => "expected one `/` between an ip address and a prefix length",
            Self::InvalidCidrAddress => {
                "the text before `/` is not an ip address (ipv6 ranges are written without brackets)"
            }
            Self::InvalidPrefixLength => {
                "the prefix length is not a number from 0 to 32 (ipv4) or 128 (ipv6)"
            }
            Self::InvalidPort => "port is not a number from 0 to 65535",
        })
    }
}
