//! The crate's error type.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// The error of this crate: a call was refused. Failures of the download itself are not
/// errors but an [`InterruptReason`](crate::InterruptReason) on the item.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The URL does not parse.
    InvalidUrl(String),
    /// Only `http:` and `https:` URLs can be downloaded.
    UnsupportedScheme(String),
    /// `create_interrupted_download` was given an empty `path`.
    EmptyPath,
    /// `create_interrupted_download` was given an empty `url_chain`.
    EmptyUrlChain,
    /// `create_interrupted_download` was given a `length` of 0.
    EmptyLength,
    /// `create_interrupted_download` was given an `offset` not below `length`.
    OffsetNotBelowLength {
        /// The offset given.
        offset: u64,
        /// The length given.
        length: u64,
    },
    /// The save path can no longer change: bytes have been written to it.
    SavePathLocked(PathBuf),
    /// No Tokio runtime to run the download on: call from within a runtime.
    NoRuntime,
    /// The download directory holds no free name for the file (` (1)` to ` (100)` and the
    /// timestamped fallback all exist).
    NoUniqueName(PathBuf),
    /// A path could not be reserved: the download directory or the `.crdownload` file
    /// could not be created.
    Reserve {
        /// The directory or file that could not be created.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidUrl(url) => write!(f, "invalid URL {url:?}"),
            Self::UnsupportedScheme(url) => {
                write!(
                    f,
                    "cannot download {url}: only http: and https: URLs are supported"
                )
            }
            Self::EmptyPath => f.write_str("the download path is empty"),
            Self::EmptyUrlChain => f.write_str("the URL chain is empty"),
            Self::EmptyLength => f.write_str("the download length is 0"),
            Self::OffsetNotBelowLength { offset, length } => {
                write!(f, "offset {offset} is not below length {length}")
            }
            Self::SavePathLocked(path) => write!(
                f,
                "the save path {} can no longer change: the download has started writing",
                path.display()
            ),
            Self::NoRuntime => f.write_str("downloads need a running Tokio runtime"),
            Self::NoUniqueName(path) => {
                write!(f, "no free file name left for {}", path.display())
            }
            Self::Reserve { path, .. } => write!(f, "cannot create {}", path.display()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Reserve { source, .. } => Some(source),
            _ => None,
        }
    }
}
