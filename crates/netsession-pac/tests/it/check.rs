//! This crate's tables in `tests/data/`, run by the workspace's shared table runner.

use std::path::Path;

pub(crate) use netsession_test_support::table::Case;

/// Runs `tests/data/FILE`; see `netsession_test_support::table::check`.
pub(crate) fn check(file: &str, run: impl Fn(&Case<'_>) -> String) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    netsession_test_support::table::check(&dir, file, run)
}
