//! Pathological 1 MB inputs: each must parse (leniently and strictly) to a sane result. The
//! crate promises parsing linear in the input, so a quadratic path would make these tests
//! take minutes instead of moments; they assert results, never timings.

use netsession_proxy_rules::{ErrorKind, ProxyChain, ProxyList, ProxyRules, RulesKind};

/// Input size for every case: 1 MiB.
const SIZE: usize = 1 << 20;

/// `unit` repeated until the text is at least [`SIZE`] bytes long.
fn repeated(unit: &str) -> String {
    unit.repeat(SIZE.div_ceil(unit.len()))
}

/// Parses `text` as `proxyRules` both ways; when the strict parser accepts, both agree.
fn rules(
    text: &str,
) -> (
    ProxyRules,
    Result<ProxyRules, netsession_proxy_rules::Error>,
) {
    let lenient = ProxyRules::parse(text);
    let strict = ProxyRules::parse_strict(text);
    if let Ok(strict) = &strict {
        assert_eq!(strict, &lenient, "strict and lenient parses differ");
    }
    (lenient, strict)
}

/// Parses `text` as a PAC result both ways; when the strict parser accepts, both agree.
fn pac(text: &str) -> (ProxyList, Result<ProxyList, netsession_proxy_rules::Error>) {
    let lenient = ProxyList::from_pac_string(text);
    let strict = ProxyList::parse_pac_strict(text);
    if let Ok(strict) = &strict {
        assert_eq!(strict, &lenient, "strict and lenient parses differ");
    }
    (lenient, strict)
}

fn rejection_kinds(error: &netsession_proxy_rules::Error) -> Vec<ErrorKind> {
    let mut kinds: Vec<ErrorKind> = error.rejections().iter().map(|r| r.kind()).collect();
    kinds.dedup();
    kinds
}

#[test]
fn separators_only() {
    for unit in [";", ",", ";,", " ; "] {
        let (parsed, _) = rules(&repeated(unit));
        assert!(
            matches!(parsed.kind(), RulesKind::Empty | RulesKind::SingleList),
            "{unit:?}"
        );
        assert!(parsed.single_proxies().is_empty(), "{unit:?}");
        let (list, _) = pac(&repeated(unit));
        assert!(list.is_direct() || list.is_empty(), "{unit:?}");
    }
    let (list, strict) = pac(&repeated(";"));
    assert!(list.is_direct(), "nothing valid means DIRECT");
    assert!(strict.is_ok());
}

#[test]
fn equals_signs() {
    // `====…`: one entry holding only separators of `key=value`, so nothing at all.
    let (parsed, strict) = rules(&repeated("="));
    assert!(parsed.is_empty());
    assert!(strict.is_ok());

    // `http=http=http=…`: keys and values alternate, every value a proxy named `http`.
    let text = repeated("http=");
    let (parsed, strict) = rules(&text);
    assert_eq!(parsed.kind(), RulesKind::PerScheme);
    assert_eq!(
        parsed.proxies_for_http().len(),
        text.matches("http").count() / 2
    );
    assert_eq!(
        parsed.proxies_for_http().first().unwrap().to_string(),
        "http:80"
    );
    assert!(strict.is_ok());

    let (list, strict) = pac(&repeated("="));
    assert!(list.is_direct());
    assert_eq!(
        rejection_kinds(&strict.unwrap_err()),
        [ErrorKind::UnknownPacKeyword]
    );
}

#[test]
fn colon_chains() {
    // `a:a:a:…`: the port after the last `:` is empty.
    let (parsed, strict) = rules(&repeated("a:"));
    assert_eq!(parsed.kind(), RulesKind::SingleList);
    assert!(parsed.single_proxies().is_empty());
    assert_eq!(
        rejection_kinds(&strict.unwrap_err()),
        [ErrorKind::EmptyPort]
    );
    let (list, strict) = pac(&format!("PROXY {}", repeated("a:")));
    assert!(list.is_direct());
    assert_eq!(
        rejection_kinds(&strict.unwrap_err()),
        [ErrorKind::EmptyPort]
    );
    // `a:a:…:1`: a valid port after a host full of colons, which is an invalid IPv6 literal.
    let (_, strict) = rules(&format!("{}1", repeated("a:")));
    assert_eq!(
        rejection_kinds(&strict.unwrap_err()),
        [ErrorKind::InvalidHost]
    );
}

#[test]
fn brackets_and_wildcards() {
    for unit in ["[", "]", "[]", "[::1]", "[[::1]"] {
        let (parsed, strict) = rules(&repeated(unit));
        assert!(parsed.single_proxies().is_empty(), "{unit:?}");
        assert!(strict.is_err(), "{unit:?}");
        let (list, strict) = pac(&format!("PROXY {}", repeated(unit)));
        assert!(list.is_direct(), "{unit:?}");
        assert!(strict.is_err(), "{unit:?}");
    }
    // `*.*.*.…` is a valid URL host (the URL Standard forbids no `*`), and prints back as it
    // parsed.
    let (parsed, strict) = rules(&repeated("*."));
    assert!(strict.is_ok());
    assert_eq!(ProxyRules::parse(&parsed.to_string()), parsed);
    let (list, _) = pac(&format!("PROXY {}", repeated("*.")));
    assert_eq!(ProxyList::from_pac_string(&list.to_string()), list);
}

#[test]
fn one_huge_host() {
    let host = repeated("a");
    let (parsed, strict) = rules(&format!("{host}:8080"));
    assert!(strict.is_ok());
    let proxy = parsed.single_proxies().first().unwrap();
    assert_eq!(proxy.server().unwrap().port(), 8080);
    assert_eq!(proxy.to_string().len(), host.len() + ":8080".len());

    let (list, strict) = pac(&format!("PROXY {host}; DIRECT"));
    assert!(strict.is_ok());
    assert_eq!(list.len(), 2);

    // Dotted labels and upper case: canonicalized (lower-cased) in one pass.
    let dotted = repeated("A.");
    let (parsed, strict) = rules(&format!("socks5://{dotted}b"));
    assert!(strict.is_ok());
    let chain = parsed.single_proxies().first().unwrap();
    assert!(chain.to_string().starts_with("socks5://a.a.a."));
}

#[test]
fn one_huge_international_host() {
    // A million bytes of non-ASCII in one label, as punycode must encode it: many distinct code
    // points, so an encoder that rescans the label per code point would be quadratic.
    let label: String = (0..SIZE / 3)
        .map(|i| char::from_u32(0x4e00 + (i % 20_000) as u32).unwrap())
        .collect();
    let (parsed, _) = rules(&label);
    assert!(parsed.single_proxies().len() <= 1);
    let (list, _) = pac(&format!("PROXY {label}"));
    assert!(list.len() == 1);
    // The same spread over many labels.
    let dotted: String = label
        .chars()
        .enumerate()
        .flat_map(|(i, c)| (i % 16 == 15).then_some('.').into_iter().chain([c]))
        .collect();
    let (parsed, _) = rules(&dotted);
    assert!(parsed.single_proxies().len() <= 1);
}

#[test]
fn many_entries() {
    // Half a million one-letter proxies in one list.
    let (parsed, strict) = rules(&repeated("a,"));
    assert!(strict.is_ok());
    assert_eq!(parsed.single_proxies().len(), SIZE / 2);

    // The first plain list ends parsing: everything after is reported, line by line.
    let text = repeated("p;\n");
    let units = text.len() / 3;
    let (parsed, strict) = rules(&text);
    assert_eq!(parsed.single_proxies().len(), 1);
    let error = strict.unwrap_err();
    assert_eq!(error.rejections().len(), units - 1);
    assert_eq!(rejection_kinds(&error), [ErrorKind::IgnoredAfterProxyList]);
    assert_eq!(error.rejections().last().unwrap().line(), units);

    // Per-scheme entries: a hundred thousand keys, half of them unknown.
    let (parsed, strict) = rules(&repeated("http=a;ws=b;"));
    assert_eq!(parsed.proxies_for_http().len(), SIZE.div_ceil(12));
    assert_eq!(
        rejection_kinds(&strict.unwrap_err()),
        [ErrorKind::UnknownRulesKey]
    );

    // A PAC result with a quarter of a million entries.
    let (list, strict) = pac(&repeated("DIRECT;"));
    assert!(strict.is_ok());
    assert_eq!(list.len(), SIZE.div_ceil(7));
    let (list, strict) = pac(&repeated("PROXY p:1;bogus;"));
    assert_eq!(list.len(), SIZE.div_ceil(16));
    assert_eq!(strict.unwrap_err().rejections().len(), SIZE.div_ceil(16));
}

#[test]
fn huge_ports_and_schemes() {
    // A port with a million leading zeros is port 8080; a million digits is out of range.
    let (parsed, strict) = rules(&format!("p:{}8080", "0".repeat(SIZE)));
    assert!(strict.is_ok());
    assert_eq!(
        parsed.single_proxies().first().unwrap().to_string(),
        "p:8080"
    );
    let (_, strict) = rules(&format!("p:{}", "9".repeat(SIZE)));
    assert_eq!(
        rejection_kinds(&strict.unwrap_err()),
        [ErrorKind::InvalidPort]
    );
    // A scheme name of a million letters, and `://` repeated.
    let (_, strict) = rules(&format!("{}://p", "s".repeat(SIZE)));
    assert_eq!(
        rejection_kinds(&strict.unwrap_err()),
        [ErrorKind::UnknownUriScheme]
    );
    let (parsed, _) = rules(&repeated("://"));
    assert!(parsed.single_proxies().is_empty());
    // `direct://` followed by a million bytes.
    let (_, strict) = rules(&format!("direct://{}", repeated("x")));
    assert_eq!(
        rejection_kinds(&strict.unwrap_err()),
        [ErrorKind::DirectWithHost]
    );
    assert_eq!(
        ProxyChain::from_uri(&repeated("@")).unwrap_err().kind(),
        ErrorKind::UserInfo
    );
}
