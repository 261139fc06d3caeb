//! Integration tests of partition storage.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a panic is how a test fails"
)]

mod clear;
mod dom;
mod open;

pub(crate) use netsession_test_support::TempDir;
