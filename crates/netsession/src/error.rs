//! The facade's error type.

use std::fmt;
use std::path::PathBuf;

/// The error of the `netsession` facade.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A `persist:` partition name that cannot name a folder.
    InvalidPartition(String),
    /// A path that must be absolute is not (`from_path`, preloads, download path).
    RelativePath(PathBuf),
    /// The data directory was set after sessions were created, or twice.
    DataDirAlreadySet(PathBuf),
    /// A permission name Electron does not know.
    UnknownPermission(String),
    /// `register_preload_script` with an id already in use.
    DuplicatePreloadId(String),
    /// `unregister_preload_script` with an unknown id.
    UnknownPreloadId(String),
    /// The proxy configuration was refused (Electron's message for an unknown mode).
    Proxy(netsession_proxy::Error),
    /// The partition's storage failed: a corrupt database, one from a newer version, one in
    /// use by another process, or a write that failed.
    Storage(netsession_storage::Error),
    /// The cookie jar failed to load or write.
    Cookies(netsession_cookies::Error),
    /// The HTTP cache could not be opened or cleared.
    Cache(netsession_http_cache::Error),
    /// A download could not start (a bad URL or scheme, no runtime) or be created.
    Download(netsession_downloads::Error),
    /// The certificate verifier could not be built (bad extra roots, TLS setup).
    Certificate(netsession_cert_verify::Error),
    /// `get_blob_data` with an id the session does not know (Electron's message).
    UnknownBlob(String),
    /// The work was cancelled (the runtime is shutting down).
    Cancelled,
    /// `clear_data` could not clear these kinds (Electron's `failedDataTypes`); the others
    /// were cleared.
    DataNotCleared {
        /// The kinds that were not cleared.
        data_types: Vec<crate::ClearDataType>,
        /// The first failure, when one caused it (an origin filter a kind cannot take has
        /// none).
        source: Option<Box<Error>>,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidPartition(name) => write!(
                f,
                "invalid partition {name:?}: a persist: name cannot be empty or hold a path separator"
            ),
            Self::RelativePath(path) => write!(f, "path {} is not absolute", path.display()),
            Self::DataDirAlreadySet(dir) => write!(
                f,
                "the data directory is already {} (set it once, before creating sessions)",
                dir.display()
            ),
            Self::UnknownPermission(name) => write!(f, "unknown permission {name:?}"),
            // Electron's messages (`Session::RegisterPreloadScript` and
            // `UnregisterPreloadScript`).
            Self::DuplicatePreloadId(id) => {
                write!(f, "Cannot register preload script with existing ID '{id}'")
            }
            Self::UnknownPreloadId(id) => {
                write!(
                    f,
                    "Cannot unregister preload script with non-existing ID '{id}'"
                )
            }
            Self::Proxy(error) => error.fmt(f),
            Self::Storage(error) => write!(f, "session storage: {error}"),
            Self::Cookies(error) => write!(f, "cookie jar: {error}"),
            Self::Cache(error) => write!(f, "HTTP cache: {error}"),
            Self::Download(error) => write!(f, "download: {error}"),
            Self::Certificate(error) => write!(f, "certificate verifier: {error}"),
            Self::UnknownBlob(_) => f.write_str("Could not get blob data handle"),
            Self::Cancelled => f.write_str("the operation was cancelled"),
            Self::DataNotCleared { data_types, .. } => {
                f.write_str("failed to clear data types:")?;
                for (n, kind) in data_types.iter().enumerate() {
                    write!(f, "{} {kind}", if n == 0 { "" } else { "," })?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Proxy(error) => Some(error),
            Self::Storage(error) => Some(error),
            Self::Cookies(error) => Some(error),
            Self::Cache(error) => Some(error),
            Self::Download(error) => Some(error),
            Self::Certificate(error) => Some(error),
            Self::DataNotCleared {
                source: Some(error),
                ..
            } => Some(error.as_ref()),
            _ => None,
        }
    }
}

impl From<netsession_proxy::Error> for Error {
    fn from(error: netsession_proxy::Error) -> Self {
        Self::Proxy(error)
    }
}

impl From<netsession_storage::Error> for Error {
    fn from(error: netsession_storage::Error) -> Self {
        Self::Storage(error)
    }
}

impl From<netsession_cookies::Error> for Error {
    fn from(error: netsession_cookies::Error) -> Self {
        Self::Cookies(error)
    }
}

impl From<netsession_http_cache::Error> for Error {
    fn from(error: netsession_http_cache::Error) -> Self {
        Self::Cache(error)
    }
}

impl From<netsession_downloads::Error> for Error {
    fn from(error: netsession_downloads::Error) -> Self {
        Self::Download(error)
    }
}

impl From<netsession_cert_verify::Error> for Error {
    fn from(error: netsession_cert_verify::Error) -> Self {
        Self::Certificate(error)
    }
}
