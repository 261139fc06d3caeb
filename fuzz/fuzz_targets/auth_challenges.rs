#![no_main]
//! Calls `netsession::fuzz::auth_challenges`, which asserts the invariants.

libfuzzer_sys::fuzz_target!(|data: &[u8]| netsession::fuzz::auth_challenges(data));
