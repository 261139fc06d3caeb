#![no_main]
//! Calls `netsession_pac::fuzz::pac_eval`, which asserts the invariants.

libfuzzer_sys::fuzz_target!(|data: &[u8]| netsession_pac::fuzz::pac_eval(data));
