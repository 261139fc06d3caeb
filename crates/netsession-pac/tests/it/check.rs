//! The one helper that runs a data table from `tests/data/` against the crate.
//!
//! A case line is `` `INPUT` [ARG] => `EXPECTED` `` or `` `INPUT` [ARG] => invalid KIND ``;
//! `\t` inside backticks is a tab. Failures are compared with `expected-failures.txt`: a new
//! failure fails the test, and so does a listed failure that now passes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One parsed line of a table.
pub(crate) struct Case<'a> {
    pub(crate) input: String,
    pub(crate) arg: &'a str,
    pub(crate) expected: String,
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn unescape(text: &str) -> String {
    text.replace("\\t", "\t")
}

fn parse_line(line: &str) -> Option<Case<'_>> {
    let rest = line.strip_prefix('`')?;
    let (input, rest) = rest.split_once('`')?;
    let (arg, expected) = rest.split_once("=>")?;
    let expected = expected.trim();
    let expected = match expected.strip_prefix('`').and_then(|e| e.strip_suffix('`')) {
        Some(quoted) => unescape(quoted),
        None => expected.to_owned(),
    };
    Some(Case {
        input: unescape(input),
        arg: arg.trim(),
        expected,
    })
}

/// Runs every case of `file` through `run`, which returns the actual outcome in the table's
/// notation. Returns the number of cases run.
pub(crate) fn check(file: &str, run: impl Fn(&Case<'_>) -> String) -> usize {
    let text = std::fs::read_to_string(data_dir().join(file)).unwrap();
    let expected_failures = expected_failures();
    let mut problems = Vec::new();
    let mut count = 0;
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let location = format!("{file}:{}", index + 1);
        let case =
            parse_line(line).unwrap_or_else(|| panic!("{location}: malformed case {line:?}"));
        count += 1;
        let actual = run(&case);
        let passed = actual == case.expected;
        match (passed, expected_failures.contains(&location)) {
            (true, true) => problems.push(format!(
                "{location}: listed in expected-failures.txt but passes now; remove it"
            )),
            (false, false) => problems.push(format!(
                "{location}: {:?} {}: expected {:?}, got {actual:?}",
                case.input, case.arg, case.expected
            )),
            _ => {}
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {count} cases:\n{}",
        problems.len(),
        problems.join("\n")
    );
    count
}

fn expected_failures() -> BTreeSet<String> {
    let text = std::fs::read_to_string(data_dir().join("expected-failures.txt")).unwrap();
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}
