//! The http-state suite (the IETF httpstate working group's RFC 6265 tests), run offline
//! with the protocol of its test server: every `Set-Cookie` of a case is received from
//! `http://home.example.org:8888/cookie-parser?NAME`, the redirect is followed, and the
//! `Cookie` header sent there must equal the expected one byte for byte.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime};

use netsession_cookies::testing::{format_http_date, parse_cookie_date};
use netsession_cookies::{CookieJar, JarOptions, SameSiteContext};
use url::Url;

/// The instant every case runs at: 2011-04-28T00:00:00Z, in the month RFC 6265 was published,
/// when the suite was written. Its `Expires` dates are meant relative to then (7 Aug 2007 is past,
/// 7 Aug 2019 and 2027 are future), so a wall clock would turn passing cases into failures
/// as those dates lapse (0002 and the comma cases in 2019, chromium0016/0017 and 0003 in 2027).
const SUITE_NOW_SECS: u64 = 1_303_948_800;

/// Cases where today's Chromium (RFC 6265bis) deliberately differs from the 2011
/// expectations; `parser_cases_agree_with_recorded_chromium` checks that Chromium 156 sends
/// what we send for each. Each entry must fail: the test fails once one passes, so the list
/// only shrinks.
const EXPECTED_DIFFERENCES: &[(&str, &str)] = &[
    ("0004", NAMELESS),
    ("0021", NAMELESS),
    ("0023", NAMELESS),
    ("0024", NAMELESS),
    ("0025", NAMELESS),
    ("0026", NAMELESS),
    ("0027", NAMELESS),
    ("0028", NAMELESS),
    ("chromium0009", NAMELESS),
    ("chromium0010", NAMELESS),
    ("chromium0012", NAMELESS),
    (
        "disabled-path0029",
        "disabled upstream too: Chromium does not unescape %6F in the request path, so /f%6Fo/ is not on path /foo/",
    ),
    ("mozilla0012", NAMELESS),
    ("mozilla0014", NAMELESS),
    ("mozilla0015", NAMELESS),
    ("mozilla0016", NAMELESS),
    ("mozilla0017", NAMELESS),
    ("name0023", NAMELESS),
    ("name0028", NAMELESS),
    ("name0031", NAMELESS),
    ("name0032", NAMELESS),
    ("name0033", NAMELESS),
    (
        "optional-domain0042",
        "Chromium takes the last Domain attribute even when empty (`domain=`), which makes a host cookie; RFC 6265 ignores it and uses the earlier one",
    ),
];

/// RFC 6265bis section 5.7 and Chromium (since 2020, Electron 8) accept a pair without `=`
/// (or with an empty name) as a nameless cookie, sent as its bare value; RFC 6265 ignored it.
const NAMELESS: &str =
    "RFC 6265bis accepts nameless cookies (`foo`, `=foo`), which RFC 6265 ignored";

/// Cookie-date cases whose expectation differs from RFC 6265bis's algorithm as Chromium
/// runs it.
const DATE_EXPECTED_DIFFERENCES: &[(&str, &str)] = &[];

fn data() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/http-state"
    ))
}

/// Runs one case and returns the `Cookie` header sent and the one expected.
fn run_case(name: &str) -> (String, String) {
    run_case_at(name, SUITE_NOW_SECS)
}

/// [`run_case`] with the jar's clock at `now_secs`.
fn run_case_at(name: &str, now_secs: u64) -> (String, String) {
    let dir = data().join("parser");
    let test = std::fs::read(dir.join(format!("{name}-test"))).unwrap();
    let expected = std::fs::read(dir.join(format!("{name}-expected"))).unwrap();
    let test = String::from_utf8_lossy(&test);
    let expected = String::from_utf8_lossy(&expected);

    let jar = CookieJar::in_memory_with(
        JarOptions::default().clock(move || SystemTime::UNIX_EPOCH + Duration::from_secs(now_secs)),
    );
    let origin = Url::parse(&format!(
        "http://home.example.org:8888/cookie-parser?{name}"
    ))
    .unwrap();
    let mut location = format!("/cookie-parser-result?{name}");
    for line in test.lines() {
        let line = line.trim_end_matches('\r');
        let Some((header, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim_matches([' ', '\t']);
        if header.eq_ignore_ascii_case("set-cookie") {
            // A rejected cookie is dropped, as a browser drops it.
            let _ = jar.store(&origin, value);
        } else if header.eq_ignore_ascii_case("location") {
            location = value.to_owned();
        }
    }
    let target = origin.join(&location).unwrap();
    let sent = jar.cookie_header(&target, SameSiteContext::SameSite);
    // A malformed expectation file (0028) has no Cookie line: no cookie.
    let expected = expected
        .lines()
        .find_map(|l| l.strip_prefix("Cookie:"))
        .map(|v| v.trim_matches([' ', '\t', '\r']).to_owned())
        .unwrap_or_default();
    (sent, expected)
}

#[test]
fn parser_cases() {
    let mut names: Vec<String> = std::fs::read_dir(data().join("parser"))
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix("-test").map(str::to_owned)
        })
        .collect();
    names.sort();
    let expected_differences: BTreeMap<&str, &str> = EXPECTED_DIFFERENCES.iter().copied().collect();
    let mut passed = 0;
    let mut unexpected = Vec::new();
    let mut now_passing = Vec::new();
    for name in &names {
        let (sent, expected) = run_case(name);
        let ok = sent == expected;
        if ok {
            passed += 1;
        }
        match (ok, expected_differences.contains_key(name.as_str())) {
            (false, false) => {
                unexpected.push(format!("{name}: sent {sent:?}, expected {expected:?}"))
            }
            (true, true) => now_passing.push(name.clone()),
            _ => {}
        }
    }
    println!(
        "http-state parser cases: {passed}/{} passed ({} expected differences)",
        names.len(),
        EXPECTED_DIFFERENCES.len()
    );
    assert_eq!(names.len(), 222, "the vendored suite has 222 cases");
    let unknown: Vec<&str> = expected_differences
        .keys()
        .copied()
        .filter(|k| !names.iter().any(|n| n == k))
        .collect();
    assert!(
        unknown.is_empty(),
        "expected differences naming no case: {unknown:?}"
    );
    assert_eq!(
        expected_differences.len(),
        EXPECTED_DIFFERENCES.len(),
        "an expected difference is listed twice"
    );
    assert!(
        unexpected.is_empty(),
        "unexpected failures:\n{}",
        unexpected.join("\n")
    );
    assert!(
        now_passing.is_empty(),
        "expected differences that now pass (remove them from the list): {now_passing:?}"
    );
    assert_eq!(
        passed,
        names.len() - EXPECTED_DIFFERENCES.len(),
        "every case passes except the expected differences"
    );
}

/// Reads the `{test, expected}` objects of a dates file (a `//` licence header stripped).
fn date_cases(file: &str) -> Vec<(String, Option<String>)> {
    let text = std::fs::read_to_string(data().join("dates").join(file)).unwrap();
    let text: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut cases = Vec::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("\"test\"") {
        rest = &rest[i + 6..];
        let (test, after) = json_string(rest);
        rest = after;
        let j = rest.find("\"expected\"").unwrap();
        rest = rest[j + 10..]
            .trim_start()
            .strip_prefix(':')
            .unwrap()
            .trim_start();
        if let Some(after) = rest.strip_prefix("null") {
            cases.push((test, None));
            rest = after;
        } else {
            let (expected, after) = json_string(rest);
            cases.push((test, Some(expected)));
            rest = after;
        }
    }
    cases
}

/// The first JSON string in `s`, and what follows it.
fn json_string(s: &str) -> (String, &str) {
    let start = s.find('"').unwrap() + 1;
    let mut out = String::new();
    let mut chars = s[start..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return (out, &s[start + i + 1..]),
            '\\' => match chars.next().unwrap().1 {
                'u' => {
                    let hex: String = (0..4).map(|_| chars.next().unwrap().1).collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
                }
                'n' => out.push('\n'),
                't' => out.push('\t'),
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    panic!("unterminated JSON string");
}

#[test]
fn date_cases_match() {
    let differences: BTreeMap<&str, &str> = DATE_EXPECTED_DIFFERENCES.iter().copied().collect();
    let mut total = 0;
    let mut passed = 0;
    let mut unexpected = Vec::new();
    let mut now_passing = Vec::new();
    for file in ["examples.json", "bsd-examples.json"] {
        for (test, expected) in date_cases(file) {
            total += 1;
            let got = parse_cookie_date(&test).map(format_http_date);
            let ok = got == expected;
            if ok {
                passed += 1;
            }
            match (ok, differences.contains_key(test.as_str())) {
                (false, false) => {
                    unexpected.push(format!("{test:?}: got {got:?}, expected {expected:?}"));
                }
                (true, true) => now_passing.push(test.clone()),
                _ => {}
            }
        }
    }
    println!("http-state date cases: {passed}/{total} passed");
    assert_eq!(total, 70);
    assert!(
        unexpected.is_empty(),
        "unexpected failures:\n{}",
        unexpected.join("\n")
    );
    assert!(now_passing.is_empty(), "now passing: {now_passing:?}");
}

/// Replays `tests/data/chromium-156-parser.tsv`: every parser case, with the jar's clock at
/// the instant the real browser ran them, must send exactly the `Cookie` header Chromium 156
/// sent. This is what the expected differences above are checked against: where we depart from
/// the 2011 expectations, Chromium departs the same way.
#[test]
fn parser_cases_agree_with_recorded_chromium() {
    let table = std::fs::read_to_string(data().with_file_name("chromium-156-parser.tsv")).unwrap();
    let now: u64 = table
        .lines()
        .find_map(|l| l.strip_prefix("# recorded at unix time "))
        .and_then(|l| l.split(' ').next())
        .and_then(|t| t.parse().ok())
        .expect("the table records when it was made");
    let (mut total, mut problems) = (0, Vec::new());
    for line in table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (name, chromium) = line.split_once('\t').unwrap();
        let chromium = if chromium == "<none>" { "" } else { chromium };
        let (sent, _) = run_case_at(name, now);
        total += 1;
        if sent != chromium {
            problems.push(format!("{name}: Chromium {chromium:?}, ours {sent:?}"));
        }
    }
    eprintln!(
        "http-state parser cases, agreement with Chromium 156: {}/{total}",
        total - problems.len()
    );
    assert!(total >= 220, "the table lost its cases");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
