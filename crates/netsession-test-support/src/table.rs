//! The one helper that runs a conformance table from a crate's `tests/data/`.
//!
//! A case line is `` `INPUT` [ARG] => `EXPECTED` `` or `` `INPUT` [ARG] => invalid KIND ``;
//! `\t` inside backticks is a tab; `#` starts a comment line. Failures are compared with the
//! directory's `expected-failures.txt` (`file:line` per line): a new failure fails the test,
//! and so does a listed failure that now passes, so the list stays honest.

use std::collections::BTreeSet;
use std::path::Path;

/// One parsed line of a table.
#[derive(Debug)]
pub struct Case<'a> {
    /// The input, between the first pair of backticks.
    pub input: String,
    /// What stands between the input and `=>` (a URL, an expression...), trimmed.
    pub arg: &'a str,
    /// The expected outcome, unquoted.
    pub expected: String,
}

/// Runs every case of `dir/file` through `run`, which returns the actual outcome in the
/// table's notation, and returns the number of cases run.
///
/// # Panics
///
/// When a case fails that is not listed in `dir/expected-failures.txt`, when a listed case
/// passes, or when a line is malformed.
pub fn check(dir: &Path, file: &str, run: impl Fn(&Case<'_>) -> String) -> usize {
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    let expected_failures = expected_failures(dir);
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

fn expected_failures(dir: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(dir.join("expected-failures.txt")).unwrap_or_default();
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}
