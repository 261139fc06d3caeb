#![no_main]
//! Calls `netsession_http_cache::fuzz::http_date`, which asserts the invariants.

libfuzzer_sys::fuzz_target!(|data: &[u8]| netsession_http_cache::fuzz::http_date(data));
