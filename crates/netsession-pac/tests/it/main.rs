//! Integration tests of `netsession-pac`: the conformance tables of `tests/data/`, limits,
//! threads, errors, the native fast paths against the library, and the replay of fuzz
//! regressions.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a panic is how a test fails"
)]

mod check;
mod conformance;
mod env;
mod errors;
mod fast_paths;
mod fuzz_regressions;
mod limits;
mod threads;
