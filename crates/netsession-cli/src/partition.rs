//! Where a session's files live: Electron's layout, `<data dir>/Partitions/<name>` for
//! `persist:<name>` (the name lower-cased, as Electron does, so `persist:Foo` and
//! `persist:foo` share a folder), nothing on disk for any other partition.
//!
//! The data directory defaults to what Electron's `app.getPath('userData')` is on Linux for
//! an app named `netsession`: `$XDG_CONFIG_HOME/netsession`, else `~/.config/netsession`.

use std::path::PathBuf;

use crate::{Failure, Global};

/// The directory of the session named by `--partition`, or `None` for an in-memory one.
#[allow(dead_code, reason = "used by the storage subcommands as they land")]
pub(crate) fn dir(global: &Global) -> Result<Option<PathBuf>, Failure> {
    let Some(name) = global.partition.strip_prefix("persist:") else {
        return Ok(None);
    };
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\', '\0']) {
        return Err(Failure::Config(format!(
            "invalid partition {:?}: a persist: name cannot be empty or contain a path separator",
            global.partition
        )));
    }
    Ok(Some(
        data_dir(global)?
            .join("Partitions")
            .join(name.to_lowercase()),
    ))
}

/// `--data-dir`, or the platform default.
pub(crate) fn data_dir(global: &Global) -> Result<PathBuf, Failure> {
    if let Some(dir) = &global.data_dir {
        return Ok(dir.clone());
    }
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")));
    config
        .map(|dir| dir.join("netsession"))
        .ok_or_else(|| Failure::Config("no --data-dir given and HOME is not set".to_owned()))
}
