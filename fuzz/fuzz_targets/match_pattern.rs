#![no_main]
//! Calls `netsession::fuzz::match_pattern`, which asserts the invariants.

libfuzzer_sys::fuzz_target!(|data: &[u8]| netsession::fuzz::match_pattern(data));
