//! Integration tests of netsession-downloads against a fault-injecting loopback origin.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a panic is how a test fails"
)]

mod items;
mod naming;
mod origin;
mod property;
mod resume;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use netsession_downloads::{DownloadEvent, DownloadItem, Events};

/// A fresh directory under the system temp dir, removed when dropped.
#[derive(Debug)]
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new() -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "nsdl-it-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }

    /// The names in the directory, sorted.
    pub(crate) fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every event waiting on `events`.
pub(crate) fn drain(events: &mut Events) -> Vec<DownloadEvent> {
    let mut all = Vec::new();
    while let Some(event) = events.try_next() {
        all.push(event);
    }
    all
}

pub(crate) fn saved(item: &DownloadItem) -> Vec<u8> {
    std::fs::read(item.save_path().unwrap()).unwrap()
}
