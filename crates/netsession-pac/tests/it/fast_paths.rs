//! The native fast paths of `shExpMatch`, `dnsDomainIs`, `localHostOrDomainIs` and `isInNet`
//! against the JavaScript of Chromium's PAC library that they stand in for.
//!
//! The script under test loads the library's source a second time inside a function, so that
//! its definitions stay local and the globals remain the native versions; each generated call
//! then runs through both and compares the outcome: the value, or the exception thrown.

use std::net::IpAddr;
use std::sync::OnceLock;

use netsession_pac::{FixedClock, FixedLocalAddresses, PacScript, StaticResolver};
use proptest::prelude::*;

/// The library as the engine loads it.
const LIBRARY: &str = include_str!("../../src/pac_library.js");

/// Compares `name(args...)` as the script sees it (the fast path) with the library's own
/// function; empty when they agree, else a description of the difference.
const HARNESS: &str = r#"
function FindProxyForURL(url, host) { return 'DIRECT'; }
function outcome(f, args) {
    try {
        return 'returns ' + JSON.stringify(f.apply(this, args));
    } catch (e) {
        return 'throws ' + String(e);
    }
}
function differ(name, args) {
    var fast = outcome(globalThis[name], args);
    var library = outcome(reference[name], args);
    return fast === library ? '' : name + ': native ' + fast + ', library ' + library;
}
"#;

/// Host names the script can resolve, for `isInNet` on names (which the native path leaves to
/// the library and its `dnsResolve`).
const NAMES: &[(&str, &str)] = &[
    ("intranet.test", "10.1.2.3"),
    ("wiki.test", "192.168.7.9"),
    ("a.b", "172.16.0.1"),
];

fn script() -> &'static PacScript {
    static SCRIPT: OnceLock<PacScript> = OnceLock::new();
    SCRIPT.get_or_init(|| {
        let resolver = NAMES.iter().fold(StaticResolver::new(), |r, (name, ip)| {
            r.with(name, [ip.parse::<IpAddr>().unwrap()])
        });
        let source = format!(
            "var reference = (function () {{\n{LIBRARY}\nreturn {{shExpMatch: shExpMatch, \
             dnsDomainIs: dnsDomainIs, localHostOrDomainIs: localHostOrDomainIs, \
             isInNet: isInNet}};\n}})();\n{HARNESS}"
        );
        PacScript::builder(&source)
            .resolver(resolver)
            .clock(FixedClock::from_unix_millis(0, 0))
            .local_addresses(FixedLocalAddresses::new())
            .build()
            .unwrap()
    })
}

/// One call: a helper name and its arguments as JavaScript source.
#[derive(Clone, Debug)]
struct Call {
    name: &'static str,
    args: Vec<String>,
}

/// Asserts that every call gives the same outcome both ways, in one evaluation.
fn check(calls: &[Call]) -> Result<(), TestCaseError> {
    let checks: Vec<String> = calls
        .iter()
        .map(|call| format!("differ('{}', [{}])", call.name, call.args.join(", ")))
        .collect();
    let expression = format!("[{}].filter(Boolean).join('\\n')", checks.join(",\n"));
    let differences = script().eval_expression(&expression).unwrap();
    prop_assert_eq!(differences, "\"\"", "{:#?}", calls);
    Ok(())
}

/// A JavaScript string literal for `text`.
fn js_string(text: &str) -> String {
    let mut literal = String::from("\"");
    for c in text.chars() {
        match c {
            ' '..='~' if c != '"' && c != '\\' => literal.push(c),
            _ => {
                let mut units = [0; 2];
                for unit in c.encode_utf16(&mut units) {
                    literal.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    literal.push('"');
    literal
}

/// Strings over `alphabet`, up to `max` characters.
fn text(alphabet: &'static [char], max: usize) -> impl Strategy<Value = String> + Clone {
    prop::collection::vec(prop::sample::select(alphabet), 0..=max)
        .prop_map(|chars| chars.into_iter().collect())
}

/// Characters of host names and URLs, with the line terminators that `.` in a regular
/// expression does not match, a NUL, and the wildcards themselves.
const HOSTISH: &[char] = &['a', 'b', '.', '-', '/', ':', '\n', '\r', '\0', '*', '?'];

/// What a pattern holds: mostly wildcards and host characters, sometimes regular-expression
/// syntax (which the fast path must leave to the library) or a non-ASCII character.
const PATTERNISH: &[char] = &[
    'a', 'b', '.', '-', '*', '*', '?', '?', '\n', '+', '[', ']', '\\', '$', '^', '(', ')', '|',
    '{', '}', 'é', '\u{2028}',
];

/// A pattern that `text` might match: each character kept, turned into a wildcard, or
/// followed by a star.
fn pattern_for(text: String) -> impl Strategy<Value = String> {
    let len = text.chars().count();
    prop::collection::vec(0u8..6, len).prop_map(move |choices| {
        let mut pattern = String::new();
        for (c, choice) in text.chars().zip(choices) {
            match choice {
                0 => pattern.push('?'),
                1 => pattern.push('*'),
                2 => {
                    pattern.push(c);
                    pattern.push('*');
                }
                _ => pattern.push(c),
            }
        }
        pattern
    })
}

/// A value that is not an ASCII string, which the fast paths must leave to the library.
fn other_value() -> impl Strategy<Value = String> {
    prop::sample::select(
        &[
            "undefined",
            "null",
            "42",
            "1.5",
            "true",
            "['a.b']",
            "{toString: function () { return 'a.b'; }}",
            "'\\u00e9.a'",
            "'a\\ud800'",
        ][..],
    )
    .prop_map(str::to_owned)
}

/// Mostly the string itself, sometimes another value in its place.
fn arg(text: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    prop_oneof![
        12 => text.prop_map(|t| js_string(&t)),
        1 => other_value(),
    ]
}

/// The arguments with, sometimes, the last one missing or an extra one.
fn arity(args: Vec<String>) -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        10 => Just(args.clone()),
        1 => Just(args[..args.len() - 1].to_vec()),
        1 => Just([args, vec![js_string("a")]].concat()),
    ]
}

fn sh_exp_match() -> impl Strategy<Value = Call> {
    let texts = text(HOSTISH, 10);
    let pair = prop_oneof![
        // A pattern made from the text: matches are frequent.
        3 => texts.clone().prop_flat_map(|t| (Just(t.clone()), pattern_for(t))),
        1 => (texts, text(PATTERNISH, 8)),
    ];
    pair.prop_flat_map(|(t, p)| (arg(Just(t)), arg(Just(p))))
        .prop_flat_map(|(t, p)| arity(vec![t, p]))
        .prop_map(|args| Call {
            name: "shExpMatch",
            args,
        })
}

fn dns_domain_is() -> impl Strategy<Value = Call> {
    const CHARS: &[char] = &['a', 'b', '.', '-', '*'];
    text(CHARS, 8)
        .prop_flat_map(|host| {
            let len = host.len();
            let domain = prop_oneof![
                // A suffix of the host, often starting at a dot.
                3 => (0..=len).prop_map({
                    let host = host.clone();
                    move |at| host[at..].to_owned()
                }),
                1 => text(CHARS, 8),
            ];
            (arg(Just(host)), arg(domain))
        })
        .prop_flat_map(|(host, domain)| arity(vec![host, domain]))
        .prop_map(|args| Call {
            name: "dnsDomainIs",
            args,
        })
}

fn local_host_or_domain_is() -> impl Strategy<Value = Call> {
    const CHARS: &[char] = &['a', 'b', '.', '-'];
    text(CHARS, 8)
        .prop_flat_map(|hostdom| {
            let len = hostdom.len();
            let host = prop_oneof![
                // A prefix of the full name, often ending before a dot.
                3 => (0..=len).prop_map({
                    let hostdom = hostdom.clone();
                    move |at| hostdom[..at].to_owned()
                }),
                1 => text(CHARS, 8),
            ];
            (arg(host), arg(Just(hostdom)))
        })
        .prop_flat_map(|(host, hostdom)| arity(vec![host, hostdom]))
        .prop_map(|args| Call {
            name: "localHostOrDomainIs",
            args,
        })
}

/// Dotted quads, near misses (a part over 255, four digits, a sign, spaces, a missing or
/// extra part, a trailing newline) and names.
fn address() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        6 => (0u32..=255).prop_map(|n| n.to_string()),
        1 => (0u32..=255).prop_map(|n| format!("0{n}")),
        1 => prop::sample::select(&["256", "999", "0000", "", "+1", " 1", "1 ", "0x1", "١"][..])
            .prop_map(str::to_owned),
    ];
    prop_oneof![
        8 => prop::collection::vec(part, 3..=5).prop_map(|parts| parts.join(".")),
        1 => prop::sample::select(&["intranet.test", "wiki.test", "a.b", "nowhere.test", ""][..])
            .prop_map(str::to_owned),
        1 => (0u32..=255).prop_map(|n| format!("10.0.0.{n}\n")),
    ]
}

fn mask() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(
            &["255.0.0.0", "255.255.0.0", "255.255.255.0", "255.255.255.255", "0.0.0.0"][..]
        )
        .prop_map(str::to_owned),
        1 => address(),
    ]
}

fn is_in_net() -> impl Strategy<Value = Call> {
    (arg(address()), arg(address()), arg(mask()))
        .prop_flat_map(|(host, pattern, mask)| arity(vec![host, pattern, mask]))
        .prop_map(|args| Call {
            name: "isInNet",
            args,
        })
}

fn call() -> impl Strategy<Value = Call> {
    prop_oneof![
        3 => sh_exp_match(),
        1 => dns_domain_is(),
        1 => local_host_or_domain_is(),
        2 => is_in_net(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn native_helpers_answer_as_the_library_does(calls in prop::collection::vec(call(), 1..32)) {
        check(&calls)?;
    }
}

/// The harness itself tells a difference apart: a global that disagrees with the library is
/// reported.
#[test]
fn the_harness_reports_a_difference() {
    let expression = "(function () { var saved = dnsDomainIs; \
         dnsDomainIs = function () { return 'different'; }; \
         try { return differ('dnsDomainIs', ['a.b', '.b']); } finally { dnsDomainIs = saved; } })()";
    let report = script().eval_expression(expression).unwrap();
    assert_eq!(
        report,
        r#""dnsDomainIs: native returns \"different\", library returns true""#
    );
}

/// Fixed cases at the edges of each fast path, checked the same way.
#[test]
fn edge_cases_agree() {
    let calls: Vec<Call> = [
        ("shExpMatch", &["a\nb", "a?b"][..]),
        ("shExpMatch", &["a\rb", "a*b"]),
        ("shExpMatch", &["a\u{2028}b", "a?b"]),
        ("shExpMatch", &["", "*"]),
        ("shExpMatch", &["", ""]),
        ("shExpMatch", &["abc", "a**c"]),
        ("shExpMatch", &["a.b", "a?b"]),
        ("shExpMatch", &["axb", "a.b"]),
        ("shExpMatch", &["aab", "a+b"]),
        ("shExpMatch", &["a\0b", "a?b"]),
        ("dnsDomainIs", &["www.example.com", ".example.com"]),
        ("dnsDomainIs", &["notexample.com", "example.com"]),
        ("dnsDomainIs", &["", ""]),
        ("localHostOrDomainIs", &["www", "www.example.com"]),
        (
            "localHostOrDomainIs",
            &["www.example.com", "www.example.com"],
        ),
        ("localHostOrDomainIs", &["ww", "www.example.com"]),
        ("localHostOrDomainIs", &["", ".a"]),
        ("isInNet", &["10.1.2.3", "10.0.0.0", "255.0.0.0"]),
        ("isInNet", &["010.1.2.3", "10.0.0.0", "255.0.0.0"]),
        ("isInNet", &["10.1.2.256", "10.0.0.0", "255.0.0.0"]),
        ("isInNet", &["intranet.test", "10.0.0.0", "255.0.0.0"]),
        ("isInNet", &["nowhere.test", "0.0.0.0", "0.0.0.0"]),
        ("isInNet", &["10.1.2.3", "10.0.0.0", "255.0.0"]),
        ("isInNet", &["255.255.255.255", "255.0.0.0", "255.0.0.0"]),
    ]
    .into_iter()
    .map(|(name, args)| Call {
        name,
        args: args.iter().map(|a| js_string(a)).collect(),
    })
    .collect();
    check(&calls).unwrap();
}
