//! Integration tests of `netsession-proxy-rules`: conformance tables, strict-parser reports,
//! property tests and the replay of fuzz regressions.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a panic is how a test fails"
)]

mod check;
mod conformance;
mod fuzz_regressions;
mod linear;
mod props;
mod strict;
