//! Where a session's files live: Electron's layout, as `netsession_storage::partition_dir`
//! defines it: the default session (no `--partition`, or an empty one) in the data directory
//! itself, `persist:<name>` in `<data dir>/Partitions/<name>` (the name lower-cased, as
//! Electron does, so `persist:Foo` and `persist:foo` share a folder), and nothing on disk for
//! any other partition.
//!
//! The data directory defaults to what Electron's `app.getPath('userData')` is on Linux for
//! an app named `netsession`: `$XDG_CONFIG_HOME/netsession`, else `~/.config/netsession`.

use std::path::PathBuf;

use crate::{Failure, Global};

/// The directory of the session named by `--partition`, or `None` for an in-memory one.
pub(crate) fn dir(global: &Global) -> Result<Option<PathBuf>, Failure> {
    if !global.partition.is_empty() && !global.partition.starts_with("persist:") {
        return Ok(None);
    }
    netsession_storage::partition_dir(&data_dir(global)?, &global.partition)
        .map_err(|e| Failure::Config(e.to_string()))
}

/// `--data-dir`, or the platform default.
pub(crate) fn data_dir(global: &Global) -> Result<PathBuf, Failure> {
    if let Some(dir) = &global.data_dir {
        return Ok(dir.clone());
    }
    // The facade's choice; without it the CLI asks rather than writing to a temp folder.
    netsession::platform_data_dir()
        .ok_or_else(|| Failure::Config("no --data-dir given and HOME is not set".to_owned()))
}
