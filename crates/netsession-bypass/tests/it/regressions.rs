//! Replays every saved fuzz input in `tests/data/fuzz-regressions/` through both fuzz checks.

use std::path::Path;
use std::time::{Duration, Instant};

use netsession_bypass::fuzz;

#[test]
fn fuzz_regressions_replay() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz-regressions");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).expect("regression directory exists") {
        let path = entry.expect("directory entry").path();
        if path.extension().is_some_and(|e| e == "md") || !path.is_file() {
            continue;
        }
        let data = std::fs::read(&path).expect("regression input is readable");
        let started = Instant::now();
        fuzz::bypass_parse(&data);
        fuzz::bypass_match(&data);
        let elapsed = started.elapsed();
        assert!(
            elapsed < Duration::from_secs(2),
            "{} took {elapsed:?}",
            path.display()
        );
        replayed += 1;
    }
    println!("replayed {replayed} fuzz regression input(s)");
}
