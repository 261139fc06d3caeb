//! File naming against the names Chromium 156 chose (`tests/data/names.tsv`).

use netsession_downloads::{NameSource, generate_file_name};
use url::Url;

/// Names this crate still gets wrong, by line number in `names.tsv`; the test fails
/// once one of them passes, so the list stays honest.
const EXPECTED_FAILURES: &[usize] = &[];

#[test]
fn names_match_chromium() {
    let table = include_str!("../data/names.tsv");
    let mut failures = Vec::new();
    let mut fixed = Vec::new();
    let mut total = 0;
    for (index, line) in table.lines().enumerate() {
        let line_number = index + 1;
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        total += 1;
        let columns: Vec<&str> = line.split('\t').collect();
        let [url, disposition, mime, expected] = columns[..] else {
            panic!("line {line_number}: four columns expected");
        };
        let url = Url::parse(url).unwrap();
        let disposition = if disposition == "-" {
            Vec::new()
        } else {
            unescape(disposition)
        };
        let got = generate_file_name(&url, &NameSource::new(&disposition, mime));
        let expected_failure = EXPECTED_FAILURES.contains(&line_number);
        match (got == expected, expected_failure) {
            (false, false) => failures.push(format!("line {line_number}: {got:?} != {expected:?}")),
            (true, true) => fixed.push(line_number),
            _ => {}
        }
    }
    assert!(total > 100, "the table has {total} rows");
    assert!(
        failures.is_empty(),
        "{} of {total} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        fixed.is_empty(),
        "now passing, remove from EXPECTED_FAILURES: {fixed:?}"
    );
}

/// `\xHH` is a byte, `\\` a backslash.
fn unescape(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'\\') {
            out.push(b'\\');
            i += 2;
        } else if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'x') {
            out.push(u8::from_str_radix(&text[i + 2..i + 4], 16).unwrap());
            i += 4;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

#[test]
fn hostile_names_are_single_components() {
    let url = Url::parse("http://example.com/x").unwrap();
    let hostile: &[&[u8]] = &[
        b"attachment; filename=\"../../x\"",
        b"attachment; filename=\"..\"",
        b"attachment; filename=\"/\"",
        b"attachment; filename*=UTF-8''%2F%2E%2E%2Fetc",
        b"attachment; filename*=UTF-8''%00",
        b"attachment; filename=\"=?utf-8?B?Li4vLi4v?=\"",
        b"attachment; filename=\"\\\\server\\\\share\"",
        b"attachment; filename=\" . \"",
        b"attachment; filename=\"\xe2\x80\xae\"",
    ];
    for disposition in hostile {
        let name = generate_file_name(&url, &NameSource::new(disposition, ""));
        let mut parts = std::path::Path::new(&name).components();
        assert!(
            matches!(parts.next(), Some(std::path::Component::Normal(p)) if p == name.as_str())
                && parts.next().is_none(),
            "{:?} gave {name:?}",
            String::from_utf8_lossy(disposition)
        );
        assert!(!name.contains(['/', '\\', '\0']) && !name.starts_with('.'));
    }
}
