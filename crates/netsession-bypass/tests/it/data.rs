//! The data-driven tables in `tests/data/`, run through one [`check`] helper.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use netsession_bypass::{BypassRules, ErrorKind, fuzz};
use url::Url;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// Expands the placeholders the tables use for characters a tab-separated line cannot show.
fn expand(field: &str) -> String {
    if field == "{EMPTY}" {
        return String::new();
    }
    field
        .replace("{SP}", " ")
        .replace("{TAB}", "\t")
        .replace("{LF}", "\n")
        .replace("{CR}", "\r")
        .replace("{VT}", "\u{b}")
        .replace("{FF}", "\u{c}")
}

/// Runs every case of `file` (tab-separated `columns` fields per line; `#` lines and blank
/// lines skipped) through `run`, which returns `Err(why)` when the case fails.
///
/// A failing case must be listed in `expected-failures.txt`, and a listed case must fail: a
/// known gap that starts passing fails the test until its row is removed.
fn check(file: &str, columns: usize, run: impl Fn(&[String]) -> Result<(), String>) {
    let text = std::fs::read_to_string(data_dir().join(file)).expect("data file is readable");
    let listed: BTreeSet<String> =
        std::fs::read_to_string(data_dir().join("expected-failures.txt"))
            .expect("expected-failures.txt is readable")
            .lines()
            .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
            .filter_map(|line| line.split_once('\t'))
            .filter(|(f, _)| *f == file)
            .map(|(_, case)| case.to_owned())
            .collect();
    let mut problems = Vec::new();
    let (mut total, mut passed, mut known) = (0, 0, 0);
    let mut seen = BTreeSet::new();
    for (number, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields: Vec<String> = line.split('\t').map(expand).collect();
        assert_eq!(
            fields.len(),
            columns,
            "{file}:{}: expected {columns} fields: {line:?}",
            number + 1
        );
        total += 1;
        seen.insert(line.to_owned());
        let result = run(&fields);
        match (result, listed.contains(line)) {
            (Ok(()), false) => passed += 1,
            (Err(_), true) => known += 1,
            (Ok(()), true) => problems.push(format!(
                "{file}:{}: {line:?} now passes; remove it from expected-failures.txt",
                number + 1
            )),
            (Err(why), false) => problems.push(format!("{file}:{}: {line:?}: {why}", number + 1)),
        }
    }
    for stale in listed.difference(&seen) {
        problems.push(format!(
            "expected-failures.txt lists {stale:?}, which is not in {file}"
        ));
    }
    println!("{file}: {passed} passed / {total} total, {known} expected failures");
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn parse_table() {
    check("parse.txt", 3, |fields| {
        let [input, printed, rejected] = fields else {
            unreachable!()
        };
        let rules = BypassRules::parse(input);
        if rules.to_string() != *printed {
            return Err(format!(
                "printed {:?}, expected {printed:?}",
                rules.to_string()
            ));
        }
        let kinds: Vec<String> = match BypassRules::parse_strict(input) {
            Ok(strict) => {
                if strict != rules {
                    return Err("strict and lenient parses differ".into());
                }
                vec![]
            }
            Err(error) => error
                .rejections()
                .iter()
                .map(|r| format!("{:?}", r.kind()))
                .collect(),
        };
        let expected: Vec<String> = match rejected.as_str() {
            "-" => vec![],
            list => list.split(' ').map(str::to_owned).collect(),
        };
        if kinds != expected {
            return Err(format!("rejections {kinds:?}, expected {expected:?}"));
        }
        fuzz::bypass_parse(input.as_bytes());
        Ok(())
    });
}

#[test]
fn match_table() {
    check("match.txt", 3, |fields| {
        let [rules, url, expected] = fields else {
            unreachable!()
        };
        let expected = match expected.as_str() {
            "bypass" => true,
            "proxy" => false,
            other => return Err(format!("expected `bypass` or `proxy`, found {other:?}")),
        };
        let url = Url::parse(url).map_err(|e| format!("bad test URL: {e}"))?;
        let parsed = BypassRules::parse(rules);
        let got = parsed.matches(&url);
        if got != expected {
            return Err(format!("matches() = {got}"));
        }
        if fuzz::reference_matches(&parsed, &url) != expected {
            return Err("the reference matcher disagrees".into());
        }
        if rules.is_empty() && BypassRules::matches_implicit(&url) != expected {
            return Err("matches_implicit() disagrees".into());
        }
        Ok(())
    });
}

#[test]
fn error_kinds_in_the_table_exist() {
    // The table spells kinds by their Debug names; keep the spelling tied to the real enum.
    let names: Vec<String> = [
        ErrorKind::EmptyScheme,
        ErrorKind::EmptyHost,
        ErrorKind::InvalidCidr,
        ErrorKind::InvalidCidrAddress,
        ErrorKind::InvalidPrefixLength,
        ErrorKind::InvalidPort,
    ]
    .iter()
    .map(|k| format!("{k:?}"))
    .collect();
    let text = std::fs::read_to_string(data_dir().join("parse.txt")).expect("readable");
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let rejected = line.rsplit('\t').next().unwrap_or_default();
        for kind in rejected.split(' ').filter(|k| *k != "-") {
            assert!(
                names.iter().any(|n| n == kind),
                "unknown kind {kind:?} in {line:?}"
            );
        }
    }
}
