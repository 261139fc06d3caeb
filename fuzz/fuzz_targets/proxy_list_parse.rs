#![no_main]
//! Calls `netsession_proxy_rules::fuzz::proxy_list_parse`, which asserts the invariants.

libfuzzer_sys::fuzz_target!(|data: &[u8]| netsession_proxy_rules::fuzz::proxy_list_parse(data));
