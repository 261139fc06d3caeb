#![no_main]
//! Calls `netsession_http_cache::fuzz::entry`, which asserts the invariants.

libfuzzer_sys::fuzz_target!(|data: &[u8]| netsession_http_cache::fuzz::entry(data));
