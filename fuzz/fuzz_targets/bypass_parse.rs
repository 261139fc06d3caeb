#![no_main]
//! Calls `netsession_bypass::fuzz::bypass_parse`, which asserts the invariants.

libfuzzer_sys::fuzz_target!(|data: &[u8]| netsession_bypass::fuzz::bypass_parse(data));
