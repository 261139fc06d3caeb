//! The crate's error type.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// The error of this crate.
///
/// A database that cannot be used is never reset or repaired silently: opening it fails with
/// [`Error::Corrupt`], [`Error::NewerVersion`] or [`Error::Locked`], and the files stay as
/// they are so that nothing is lost.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Creating the partition directory failed.
    Io {
        /// The directory.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// A `persist:` partition name that cannot be a directory name (empty, `.`, `..`, or
    /// containing a path separator or NUL).
    InvalidPartition(String),
    /// An origin that is not `scheme://host[:port]` (with nothing after the port).
    InvalidOrigin(String),
    /// The database file is not a SQLite database or SQLite found it damaged.
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What SQLite reported (`None` when `PRAGMA integrity_check` found the damage).
        source: Option<rusqlite::Error>,
    },
    /// The database was written by a newer version of this crate, whose schema this version
    /// does not know.
    NewerVersion {
        /// The database file.
        path: PathBuf,
        /// The schema version found in the file.
        found: i64,
        /// The newest schema version this crate knows.
        supported: i64,
    },
    /// Another process (or another [`Storage`](crate::Storage) in this one) has the
    /// partition open.
    Locked {
        /// The database file.
        path: PathBuf,
        /// What SQLite reported.
        source: rusqlite::Error,
    },
    /// Any other SQLite failure (disk full, I/O error, read-only file system).
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// What SQLite reported.
        source: rusqlite::Error,
    },
    /// A DOM storage write would take an origin past its quota.
    QuotaExceeded {
        /// The origin, `scheme://host[:port]`.
        origin: String,
        /// The quota in bytes.
        quota: usize,
        /// The bytes the origin would use after the write.
        needed: usize,
    },
}

impl Error {
    /// Classifies a SQLite error for the database at `path`.
    pub(crate) fn sqlite(path: &std::path::Path, source: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        let path = path.to_path_buf();
        match source.sqlite_error_code() {
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => Self::Corrupt {
                path,
                source: Some(source),
            },
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                Self::Locked { path, source }
            }
            _ => Self::Sqlite { path, source },
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, .. } => write!(f, "cannot create {}", path.display()),
            Self::InvalidPartition(name) => write!(
                f,
                "invalid partition {name:?}: a persist: name cannot be empty, `.`, `..` or contain a path separator"
            ),
            Self::InvalidOrigin(origin) => write!(
                f,
                "invalid origin {origin:?}: expected scheme://host:port as window.location.origin"
            ),
            Self::Corrupt { path, .. } => write!(
                f,
                "the database {} is corrupt; it was left untouched",
                path.display()
            ),
            Self::NewerVersion {
                path,
                found,
                supported,
            } => write!(
                f,
                "the database {} has schema version {found}, newer than version {supported} that this build knows; it was left untouched",
                path.display()
            ),
            Self::Locked { path, .. } => write!(
                f,
                "the database {} is in use by another process",
                path.display()
            ),
            Self::Sqlite { path, .. } => write!(f, "database error in {}", path.display()),
            Self::QuotaExceeded {
                origin,
                quota,
                needed,
            } => write!(
                f,
                "the storage quota of {origin} is exceeded: {needed} bytes needed, {quota} allowed"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            Self::Corrupt {
                source: Some(source),
                ..
            }
            | Self::Locked { source, .. }
            | Self::Sqlite { source, .. } => Some(source),
            _ => None,
        }
    }
}
