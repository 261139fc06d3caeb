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
