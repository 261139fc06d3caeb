#![no_main]
//! Calls `netsession_cookies::fuzz::store_and_lookup`, which asserts the invariants.

libfuzzer_sys::fuzz_target!(|data: &[u8]| netsession_cookies::fuzz::store_and_lookup(data));
