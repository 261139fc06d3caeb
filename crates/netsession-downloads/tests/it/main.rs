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

pub(crate) use netsession_test_support::TempDir;

use netsession_downloads::{DownloadEvent, DownloadItem, Events};

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
