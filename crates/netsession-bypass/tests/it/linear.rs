//! Pathological 1 MB inputs: each must parse (leniently and strictly) to a sane result. The
//! crate promises parsing linear in the input, so a quadratic path would make these tests
//! take minutes instead of moments; they assert results, never timings.

use netsession_bypass::{BypassRules, ErrorKind, Rule};
use url::Url;

/// Input size for every case: 1 MiB.
const SIZE: usize = 1 << 20;

/// `unit` repeated until the text is at least [`SIZE`] bytes long.
fn repeated(unit: &str) -> String {
    unit.repeat(SIZE.div_ceil(unit.len()))
}

fn url(text: &str) -> Url {
    Url::parse(text).expect("test URL parses")
}

/// Parses `input` both ways and checks that they agree on the rules kept.
fn both(input: &str) -> (BypassRules, Result<BypassRules, netsession_bypass::Error>) {
    let lenient = BypassRules::parse(input);
    let strict = BypassRules::parse_strict(input);
    if let Ok(strict) = &strict {
        assert_eq!(strict, &lenient, "strict and lenient parses differ");
    }
    (lenient, strict)
}

#[test]
fn separators_only() {
    for unit in [";", ",", ";,", " ;\n,"] {
        let (rules, strict) = both(&repeated(unit));
        assert!(rules.is_empty(), "{unit:?}");
        assert!(strict.is_ok(), "blank entries are no error: {unit:?}");
    }
}

#[test]
fn one_huge_entry_of_repeated_bytes() {
    // `====…`, `[[[[…`, `::::…`: one entry each, a host pattern or nothing, never a panic.
    let (rules, strict) = both(&repeated("="));
    assert_eq!(rules.len(), 1);
    assert!(strict.is_ok());
    assert!(!rules.matches(&url("http://example.com/")));

    let (rules, strict) = both(&repeated("["));
    assert_eq!(rules.len(), 1, "an unclosed `[` is a host pattern");
    assert!(strict.is_ok());

    let (rules, strict) = both(&repeated(":"));
    assert!(rules.is_empty());
    assert_eq!(strict.unwrap_err().rejections().len(), 1);

    let (rules, strict) = both(&repeated("://"));
    assert!(rules.is_empty());
    assert_eq!(
        strict.unwrap_err().rejections()[0].kind(),
        ErrorKind::EmptyScheme
    );
}

#[test]
fn colon_chains() {
    // `a:a:a:…`: the port after the last `:` is empty, so the entry is dropped.
    let (rules, strict) = both(&repeated("a:"));
    assert!(rules.is_empty());
    let error = strict.unwrap_err();
    assert_eq!(error.rejections().len(), 1);
    assert_eq!(error.rejections()[0].kind(), ErrorKind::InvalidPort);

    // `a:a:…:a`: a port that is not a number.
    let mut text = repeated("a:");
    text.push('a');
    let (rules, _) = both(&text);
    assert!(rules.is_empty());

    // `1:1:…:1`: the last piece is a valid port; the rest is a (strange) host pattern.
    let mut text = repeated("1:");
    text.push('1');
    let (rules, strict) = both(&text);
    assert_eq!(rules.len(), 1);
    assert!(strict.is_ok());
}

#[test]
fn wildcard_runs() {
    // `*.*.*.…`: one pattern with half a million stars, matched without backtracking.
    let (rules, strict) = both(&repeated("*."));
    assert_eq!(rules.len(), 1);
    assert!(strict.is_ok());
    assert!(!rules.matches(&url("http://a.b.c/")));

    // `????…` and `*?*?…`: runs of wildcards collapse as they are read.
    for unit in ["?", "*?", "?*", "\\?", "\\"] {
        let (rules, strict) = both(&repeated(unit));
        assert_eq!(rules.len(), 1, "{unit:?}");
        assert!(strict.is_ok(), "{unit:?}");
    }
    let (rules, _) = both(&repeated("?"));
    // A million optional characters match any host up to a million bytes long.
    assert!(rules.matches(&url("http://example.com/")));
    let (rules, _) = both(&repeated("*?"));
    assert!(rules.matches(&url("http://example.com/")));
}

#[test]
fn one_huge_host() {
    let mut host = repeated("a");
    host.push_str(".example");
    let (rules, strict) = both(&host);
    assert_eq!(rules.len(), 1);
    assert!(strict.is_ok());
    assert!(!rules.matches(&url("http://a.example/")));
    assert!(rules.matches(&url(&format!("http://{host}/"))));

    // The same as a suffix rule and with a scheme and port.
    let (rules, _) = both(&format!(".{host}"));
    assert!(matches!(rules.rules(), [Rule::Hostname(_)]));
    let (rules, _) = both(&format!("https://{host}:443"));
    assert!(rules.matches(&url(&format!("https://{host}/"))));
}

#[test]
fn many_rules() {
    // 100,000 times `<local>`, and half a million one-letter hosts.
    let text = "<local>,".repeat(100_000);
    let (rules, strict) = both(&text);
    assert_eq!(rules.len(), 100_000);
    assert!(strict.is_ok());
    assert!(rules.matches(&url("http://intranet/")));
    assert!(!rules.matches(&url("http://example.com/")));

    let (rules, _) = both(&repeated("a,"));
    assert_eq!(rules.len(), SIZE / 2);
    assert!(rules.matches(&url("http://a/")));

    // Suffix rules of every length: one table probe per distinct length.
    let mut text = String::new();
    let mut n = 1;
    while text.len() < SIZE {
        text.push('*');
        text.push_str(&"a".repeat(n));
        text.push(',');
        n += 1;
    }
    let (rules, _) = both(&text);
    assert_eq!(rules.len(), n - 1);
    assert!(rules.matches(&url("http://baaa/")));
    assert!(!rules.matches(&url("http://b/")));
}

#[test]
fn many_invalid_entries_over_many_lines() {
    // Every entry is rejected and every rejection needs its line number.
    let text = "x:y\n,".repeat(SIZE / 5);
    let (rules, strict) = both(&text);
    assert!(rules.is_empty());
    let error = strict.unwrap_err();
    assert_eq!(error.rejections().len(), SIZE / 5);
    let last = error.rejections().last().unwrap();
    assert_eq!(last.line(), SIZE / 5);
}

#[test]
fn huge_numbers_and_addresses() {
    // A range whose prefix length has a million leading zeros, an address with a million-digit
    // component, and an IPv6 literal that never ends.
    let (rules, strict) = both(&format!("10.0.0.0/{}8", "0".repeat(SIZE)));
    assert_eq!(rules.len(), 1);
    assert!(strict.is_ok());
    assert!(rules.matches(&url("http://10.1.2.3/")));

    let (rules, _) = both(&format!("10.0.0.{}", "9".repeat(SIZE)));
    assert_eq!(rules.len(), 1, "not an address, so a host pattern");
    let (rules, _) = both(&format!("0x{}1", "0".repeat(SIZE)));
    assert_eq!(rules.len(), 1);
    // Not an IPv6 literal, so `]` is read as a port, which is invalid.
    let (rules, strict) = both(&format!("[{}]", "1:".repeat(SIZE / 2)));
    assert!(rules.is_empty());
    assert_eq!(
        strict.unwrap_err().rejections()[0].kind(),
        ErrorKind::InvalidPort
    );
    let (rules, _) = both(&repeated("1."));
    assert_eq!(rules.len(), 1);
}
