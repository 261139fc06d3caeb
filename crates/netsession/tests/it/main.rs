//! Integration tests of the `netsession` facade: partitions, persistence, isolation, and the
//! session settings that need no request pipeline.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a panic is how a test fails"
)]

mod emulation;
mod fetch;
mod net_log;
mod partitions;
mod pipeline;
mod protocol;
mod settings;
mod web_request;

pub(crate) use netsession_test_support::TempDir;

use netsession::{Session, SessionOptions, Sessions};

/// A session of its own registry in `dir`.
pub(crate) fn session(dir: &TempDir, name: &str) -> Session {
    Sessions::new(dir.path())
        .from_partition(name, SessionOptions::default())
        .unwrap()
}

/// A `GET` for `url`.
pub(crate) fn get(url: &str) -> reqwest::Request {
    reqwest::Request::new(reqwest::Method::GET, url.parse().unwrap())
}
