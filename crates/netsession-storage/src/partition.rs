//! Where a session's files live.

use std::path::{Path, PathBuf};

use crate::Error;

/// The directory of a session, as Electron lays them out under the app's data directory
/// (`app.getPath('userData')`), or `None` for an in-memory session.
///
/// * `""`, the default session, lives in `data_dir` itself.
/// * `persist:NAME` lives in `data_dir/Partitions/name`, with the name lower-cased as
///   Electron does (it folds the name with `base::ToLowerASCII`; this crate lower-cases
///   Unicode letters too), so `persist:Foo` and `persist:foo` are the same directory and
///   share their data.
/// * Any other name is an in-memory session: nothing is written to disk.
///
/// # Errors
///
/// [`Error::InvalidPartition`] when the name after `persist:` is empty, `.` or `..`, or
/// contains `/`, `\` or NUL: such a name could escape the `Partitions` directory.
///
/// # Examples
///
/// ```
/// use std::path::Path;
/// use netsession_storage::partition_dir;
///
/// let data = Path::new("/home/me/.config/app");
/// assert_eq!(
///     partition_dir(data, "persist:Work")?,
///     Some(data.join("Partitions").join("work"))
/// );
/// assert_eq!(partition_dir(data, "")?, Some(data.to_path_buf()));
/// assert_eq!(partition_dir(data, "scratch")?, None);
/// # Ok::<(), netsession_storage::Error>(())
/// ```
pub fn partition_dir(data_dir: &Path, partition: &str) -> Result<Option<PathBuf>, Error> {
    if partition.is_empty() {
        return Ok(Some(data_dir.to_path_buf()));
    }
    let Some(name) = partition.strip_prefix("persist:") else {
        return Ok(None);
    };
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\', '\0']) {
        return Err(Error::InvalidPartition(partition.to_owned()));
    }
    Ok(Some(data_dir.join("Partitions").join(name.to_lowercase())))
}
