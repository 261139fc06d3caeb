//! Replays every input kept in `tests/data/fuzz-regressions/` through the fuzz checks.
//!
//! File names start with the fuzz target (`proxy_rules_parse-…`, `proxy_list_parse-…`).

use std::path::Path;
use std::time::{Duration, Instant};

use netsession_proxy_rules::fuzz;

#[test]
fn fuzz_regressions_replay() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz-regressions");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(&path).unwrap();
        let started = Instant::now();
        if name.starts_with("proxy_rules_parse") {
            fuzz::proxy_rules_parse(&data);
        } else if name.starts_with("proxy_list_parse") {
            fuzz::proxy_list_parse(&data);
        } else {
            assert!(name == "README.md", "unknown regression file {name}");
        }
        // A generous bound: a regression that hangs is a failure, not a slow test.
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{name} took too long"
        );
    }
}
