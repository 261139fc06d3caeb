//! Unit tests.

use crate::cookie::{default_path, jar_key, path_matches, registrable_domain};
use crate::date::{format_http_date, parse_cookie_date};
use crate::parse::{parse, parse_max_age};

#[test]
fn dates_in_all_three_forms() {
    let expected = Some(784_111_777);
    assert_eq!(parse_cookie_date("Sun, 06 Nov 1994 08:49:37 GMT"), expected);
    assert_eq!(
        parse_cookie_date("Sunday, 06-Nov-94 08:49:37 GMT"),
        expected
    );
    assert_eq!(parse_cookie_date("Sun Nov  6 08:49:37 1994"), expected);
    assert_eq!(parse_cookie_date("Sun, 31 Feb 1994 08:49:37 GMT"), None);
    assert_eq!(parse_cookie_date("Sun, 06 Nov 1600 08:49:37 GMT"), None);
    assert_eq!(parse_cookie_date("garbage"), None);
    assert_eq!(
        format_http_date(784_111_777),
        "Sun, 06 Nov 1994 08:49:37 GMT"
    );
    assert_eq!(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}

#[test]
fn max_age_grammar() {
    assert_eq!(parse_max_age("60"), Some(60));
    assert_eq!(parse_max_age("-1"), Some(-1));
    assert_eq!(parse_max_age("+1"), None);
    assert_eq!(parse_max_age("2.5"), None);
    assert_eq!(parse_max_age(""), None);
    assert_eq!(parse_max_age("99999999999999999999999"), Some(i64::MAX));
}

#[test]
fn parsing_keeps_the_last_attribute() {
    let c = parse(" a = b ; Path=/x; path=/y; SECURE; samesite=strict").unwrap();
    assert_eq!((c.name.as_str(), c.value.as_str()), ("a", "b"));
    assert_eq!(c.path.as_deref(), Some("/y"));
    assert!(c.secure);
    assert_eq!(c.same_site.as_deref(), Some("strict"));
    let c = parse("novalue").unwrap();
    assert_eq!((c.name.as_str(), c.value.as_str()), ("", "novalue"));
    assert!(parse("").is_err());
    assert!(parse("  =  ").is_err());
}

#[test]
fn paths() {
    assert_eq!(default_path("/a/b/c"), "/a/b");
    assert_eq!(default_path("/a"), "/");
    assert_eq!(default_path(""), "/");
    assert!(path_matches("/a", "/a/b"));
    assert!(path_matches("/a/", "/a/b"));
    assert!(!path_matches("/a", "/ab"));
    assert!(path_matches("/", "/anything"));
}

#[test]
fn registrable_domains() {
    assert_eq!(
        registrable_domain("www.example.co.uk"),
        Some("example.co.uk")
    );
    assert_eq!(registrable_domain("co.uk"), None);
    assert_eq!(registrable_domain("me.github.io"), Some("me.github.io"));
    assert_eq!(registrable_domain("host.unknown-tld"), None);
    assert_eq!(jar_key("a.b.example.com"), "example.com");
    assert_eq!(jar_key("localhost"), "localhost");
    assert_eq!(jar_key("127.0.0.1"), "127.0.0.1");
    assert_eq!(jar_key("[::1]"), "[::1]");
}
