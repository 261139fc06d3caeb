//! Integration tests of the cookie jar.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a panic is how a test fails"
)]

mod api;
mod crash;
mod fuzzed;
mod http_state;
mod persistence;
mod semantics;

pub(crate) use netsession_test_support::TempDir;
