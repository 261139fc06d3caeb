//! Integration tests for `netsession-bypass`: the data tables in `tests/data/`, the public API
//! and its messages, property tests against the reference matcher, and fuzz regressions.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    reason = "test code: a panic is how a test fails, and the tables print their counts"
)]

mod api;
mod data;
mod linear;
mod props;
mod regressions;
