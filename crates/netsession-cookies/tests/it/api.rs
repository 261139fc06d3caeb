//! Electron's Cookies API: `get`, `set`, `remove`, `changed`.

use netsession_cookies::{CookieDetails, CookieFilter, CookieJar, SameSite, SameSiteContext};
use url::Url;

fn details(url: &str, pairs: &str) -> CookieDetails {
    let mut d = CookieDetails::new(url);
    for pair in pairs.split_whitespace() {
        let (key, value) = pair.split_once('=').unwrap();
        d = match key {
            "name" => d.name(value),
            "value" => d.value(value),
            "domain" => d.domain(value),
            "path" => d.path(value),
            "secure" => d.secure(value == "true"),
            "http_only" => d.http_only(value == "true"),
            "expires" => d.expiration_date(value.parse().unwrap()),
            "same_site" => d.same_site(SameSite::from_name(value).unwrap()),
            other => panic!("unknown key {other}"),
        };
    }
    d
}

#[test]
fn set_errors_table() {
    let mut failures = Vec::new();
    for line in include_str!("../data/set-errors.txt").lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut parts = line.split('|').map(str::trim);
        let (url, pairs, expected) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let jar = CookieJar::in_memory();
        let got = match jar.set(&details(url, pairs)) {
            Ok(()) => "ok".to_owned(),
            Err(e) => e.to_string(),
        };
        if got != expected {
            failures.push(format!("{line}\n  got: {got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn set_defaults_as_electron() {
    let jar = CookieJar::in_memory();
    jar.set(&details("https://example.com/a/b", "name=n value=v"))
        .unwrap();
    jar.set(&details(
        "https://example.com/",
        "name=d value=v domain=example.com same_site=no_restriction expires=4102444800.5",
    ))
    .unwrap();
    let cookies = jar.get(&CookieFilter::default());
    let n = &cookies[0];
    assert_eq!(
        (
            n.domain.as_str(),
            n.host_only,
            n.path.as_str(),
            n.secure,
            n.http_only
        ),
        ("example.com", true, "/a", false, false)
    );
    assert!(n.session && n.expiration_date.is_none());
    assert_eq!(n.same_site, SameSite::Lax);
    let d = &cookies[1];
    assert_eq!(
        (d.domain.as_str(), d.host_only, d.secure),
        (".example.com", false, true)
    );
    assert!(!d.session);
    // Capped at 400 days from now.
    assert!(d.expiration_date.unwrap() < 4_102_444_800.0);
}

#[test]
fn get_filters() {
    let jar = CookieJar::in_memory();
    let url = Url::parse("https://www.example.com/app/page").unwrap();
    jar.store(&url, "host=1").unwrap();
    jar.store(&url, "dom=2; Domain=example.com; Path=/")
        .unwrap();
    jar.store(&url, "sec=3; Secure; HttpOnly; Max-Age=60")
        .unwrap();
    let other = Url::parse("https://other.org/").unwrap();
    jar.store(&other, "o=4").unwrap();

    let names = |filter: CookieFilter| -> Vec<String> {
        jar.get(&filter).into_iter().map(|c| c.name).collect()
    };
    assert_eq!(names(CookieFilter::default()), ["host", "sec", "dom", "o"]);
    assert_eq!(
        names(CookieFilter::url("https://www.example.com/app/x")),
        ["host", "sec", "dom"]
    );
    assert_eq!(
        names(CookieFilter::url("http://www.example.com/app/x")),
        ["host", "dom"]
    );
    assert_eq!(
        names(CookieFilter::url("https://api.example.com/")),
        ["dom"]
    );
    let by_domain = |d: &str| {
        names(CookieFilter {
            domain: Some(d.into()),
            ..CookieFilter::default()
        })
    };
    // Electron 37+: the domain filter is a host the cookie would be sent to.
    assert_eq!(by_domain("www.example.com"), ["host", "sec", "dom"]);
    assert_eq!(by_domain("example.com"), ["dom"]);
    assert_eq!(
        names(CookieFilter {
            session: Some(false),
            ..CookieFilter::default()
        }),
        ["sec"]
    );
    assert_eq!(
        names(CookieFilter {
            http_only: Some(true),
            ..CookieFilter::default()
        }),
        ["sec"]
    );
    assert_eq!(
        names(CookieFilter {
            secure: Some(false),
            path: Some("/".into()),
            ..CookieFilter::default()
        }),
        ["dom", "o"]
    );
    assert!(names(CookieFilter::url("not a url")).is_empty());
}

#[test]
fn remove_matches_url_and_name() {
    let jar = CookieJar::in_memory();
    let url = Url::parse("https://www.example.com/").unwrap();
    jar.store(&url, "a=1").unwrap();
    jar.store(&url, "a=2; Domain=example.com").unwrap();
    jar.store(&url, "b=3").unwrap();
    assert_eq!(jar.remove("https://www.example.com/", "a"), 2);
    assert_eq!(jar.remove("https://www.example.com/", "missing"), 0);
    assert_eq!(jar.cookie_header(&url, SameSiteContext::SameSite), "b=3");
}

#[test]
fn changed_events_with_modern_causes() {
    let jar = CookieJar::in_memory();
    let events = jar.subscribe();
    let url = Url::parse("https://example.com/").unwrap();
    jar.store(&url, "a=1").unwrap();
    jar.store(&url, "a=1").unwrap();
    jar.store(&url, "a=1; HttpOnly").unwrap();
    jar.store(&url, "a=2").unwrap();
    jar.store(&url, "a=3; Max-Age=0").unwrap();
    jar.store(&url, "b=1").unwrap();
    jar.remove("https://example.com/", "b");
    let got: Vec<(String, String, &str, bool)> = events
        .try_iter()
        .map(|e| (e.cookie.name, e.cookie.value, e.cause.as_str(), e.removed))
        .collect();
    let expected = [
        ("a", "1", "inserted", false),
        ("a", "1", "overwrite", true),
        ("a", "1", "inserted-no-change-overwrite", false),
        ("a", "1", "overwrite", true),
        ("a", "1", "inserted-no-value-change-overwrite", false),
        ("a", "1", "overwrite", true),
        ("a", "2", "inserted", false),
        ("a", "2", "expired-overwrite", true),
        ("b", "1", "inserted", false),
        ("b", "1", "explicit", true),
    ];
    let got: Vec<(&str, &str, &str, bool)> = got
        .iter()
        .map(|(n, v, c, r)| (n.as_str(), v.as_str(), *c, *r))
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn expired_cookies_are_purged_with_an_event() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{Duration, UNIX_EPOCH};

    let now = Arc::new(AtomicU64::new(1_700_000_000));
    let clock = Arc::clone(&now);
    let jar = CookieJar::in_memory_with(
        netsession_cookies::JarOptions::default()
            .clock(move || UNIX_EPOCH + Duration::from_secs(clock.load(Ordering::Relaxed))),
    );
    let events = jar.subscribe();
    let url = Url::parse("https://example.com/").unwrap();
    jar.store(&url, "a=1; Max-Age=10").unwrap();
    now.fetch_add(11, Ordering::Relaxed);
    assert_eq!(jar.cookie_header(&url, SameSiteContext::SameSite), "");
    let causes: Vec<&str> = events.try_iter().map(|e| e.cause.as_str()).collect();
    assert_eq!(causes, ["inserted", "expired"]);
    assert!(jar.is_empty());
}
