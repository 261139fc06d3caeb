//! The crate's error type.

use std::fmt;
use std::io;
use std::path::PathBuf;

use url::Url;

/// The error of this crate.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing the cache directory failed.
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// Another process (or another open [`Cache`](crate::Cache) in this one) holds the
    /// cache directory: one owner at a time keeps the size accounting true, as one Chromium
    /// profile owns its cache.
    InUse {
        /// The cache directory.
        dir: PathBuf,
    },
    /// The request to the network failed (connection, TLS, protocol).
    Request(reqwest::Error),
    /// The request said `Cache-Control: only-if-cached` and nothing usable is stored.
    CacheMiss(Url),
}

impl Error {
    /// Chromium's net error name for this failure, as Electron would surface it.
    pub fn net_error(&self) -> &'static str {
        match self {
            Self::Io { .. } | Self::InUse { .. } | Self::Request(_) => "net::ERR_FAILED",
            Self::CacheMiss(_) => "net::ERR_CACHE_MISS",
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, .. } => write!(f, "cache i/o failed on {}", path.display()),
            Self::InUse { dir } => write!(
                f,
                "cache directory {} is in use by another process",
                dir.display()
            ),
            Self::Request(_) => f.write_str("the request failed"),
            Self::CacheMiss(url) => write!(f, "{url} is not in the cache (only-if-cached)"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            Self::Request(source) => Some(source),
            Self::InUse { .. } | Self::CacheMiss(_) => None,
        }
    }
}
