//! Chromium's cookie semantics beyond the http-state suite, from `tests/data/semantics.txt`.

use netsession_cookies::{CookieJar, SameSiteContext};
use url::Url;

#[derive(Debug, Default)]
struct Case {
    name: String,
    steps: Vec<(String, String)>,
    to: String,
    context: String,
    expect: String,
}

/// Expands the escapes of the table: `\0`, `\x01`, `LONGn` (a run of `n` `x`s).
fn unescape(s: &str) -> String {
    let s = s.replace("\\0", "\0").replace("\\x01", "\x01");
    match s.find("LONG") {
        Some(i) => {
            let digits: String = s[i + 4..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let n: usize = digits.parse().unwrap();
            format!("{}{}{}", &s[..i], "x".repeat(n), &s[i + 4 + digits.len()..])
        }
        None => s,
    }
}

fn cases() -> Vec<Case> {
    let text = include_str!("../data/semantics.txt");
    let mut cases = Vec::new();
    let mut case = Case::default();
    let mut from = String::new();
    for line in text.lines().chain(std::iter::once("")) {
        if line.starts_with('#') {
            continue;
        }
        if line.trim().is_empty() {
            if !case.name.is_empty() {
                cases.push(std::mem::take(&mut case));
            }
            continue;
        }
        let (key, value) = line.split_once(':').unwrap();
        let value = value.strip_prefix(' ').unwrap_or(value).to_owned();
        match key {
            "case" => case.name = value,
            "from" => from = value,
            "set" => case.steps.push((from.clone(), unescape(&value))),
            "to" => case.to = value,
            "context" => case.context = value,
            "expect" => case.expect = value,
            other => panic!("unknown key {other}"),
        }
    }
    cases
}

fn check(case: &Case) -> Result<(), String> {
    let jar = CookieJar::in_memory();
    for (from, set_cookie) in &case.steps {
        let _ = jar.store(&Url::parse(from).unwrap(), set_cookie);
    }
    let context = match case.context.as_str() {
        "same-site" => SameSiteContext::SameSite,
        "cross-site-top-level" => SameSiteContext::CrossSiteTopLevel,
        "cross-site-top-level-unsafe" => SameSiteContext::CrossSiteTopLevelUnsafe,
        "cross-site" => SameSiteContext::CrossSite,
        other => panic!("unknown context {other}"),
    };
    let got = jar.cookie_header(&Url::parse(&case.to).unwrap(), context);
    if got == case.expect {
        Ok(())
    } else {
        Err(format!(
            "{}: got {got:?}, expected {:?}",
            case.name, case.expect
        ))
    }
}

#[test]
fn semantics_table() {
    let cases = cases();
    assert!(cases.len() >= 30, "{} cases", cases.len());
    let failures: Vec<String> = cases.iter().filter_map(|c| check(c).err()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn request_context_from_sites() {
    let url = Url::parse("https://api.example.com/x").unwrap();
    let same = Url::parse("https://www.example.com/").unwrap();
    let other = Url::parse("https://evil.example/").unwrap();
    let insecure = Url::parse("http://www.example.com/").unwrap();
    assert_eq!(
        SameSiteContext::for_request(&url, Some(&same), "POST", false),
        SameSiteContext::SameSite
    );
    assert_eq!(
        SameSiteContext::for_request(&url, Some(&other), "GET", true),
        SameSiteContext::CrossSiteTopLevel
    );
    assert_eq!(
        SameSiteContext::for_request(&url, Some(&other), "POST", true),
        SameSiteContext::CrossSiteTopLevelUnsafe
    );
    assert_eq!(
        SameSiteContext::for_request(&url, Some(&insecure), "GET", false),
        SameSiteContext::CrossSite,
        "sites are schemeful"
    );
    assert_eq!(
        SameSiteContext::for_request(&url, None, "GET", false),
        SameSiteContext::CrossSite
    );
}

#[test]
fn per_domain_limit_evicts_oldest_non_secure_first() {
    let jar = CookieJar::in_memory();
    let events = jar.subscribe();
    let url = Url::parse("https://example.com/").unwrap();
    jar.store(&url, "secure0=1; Secure").unwrap();
    for i in 0..180 {
        jar.store(&url, &format!("c{i}=1")).unwrap();
    }
    assert_eq!(jar.len(), 150);
    let header = jar.cookie_header(&url, SameSiteContext::SameSite);
    assert!(header.starts_with("secure0=1; c31=1"), "{header}");
    let evicted: Vec<String> = events
        .try_iter()
        .filter(|e| e.cause.as_str() == "evicted")
        .map(|e| e.cookie.name)
        .collect();
    assert_eq!(evicted.len(), 31);
    assert_eq!(evicted.first().map(String::as_str), Some("c0"));
}

#[test]
fn four_hundred_day_cap() {
    let jar = CookieJar::in_memory();
    let url = Url::parse("https://example.com/").unwrap();
    jar.store(&url, "a=1; Max-Age=999999999").unwrap();
    jar.store(&url, "b=1; Expires=Fri, 01 Jan 9999 00:00:00 GMT")
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    for cookie in jar.get(&Default::default()) {
        let expiry = cookie.expiration_date.unwrap();
        assert!(expiry <= now + 400.0 * 86400.0 + 5.0, "{cookie:?}");
        assert!(expiry >= now + 400.0 * 86400.0 - 5.0, "{cookie:?}");
    }
}

#[test]
fn many_domains_and_many_cookies() {
    // 10,000 cookies across 1,000 registrable domains stay (none is older than 30 days, so
    // the total limit evicts nothing, as in Chromium).
    let jar = CookieJar::in_memory();
    for d in 0..1000 {
        let url = Url::parse(&format!("https://www.d{d}.com/")).unwrap();
        for c in 0..10 {
            jar.store(&url, &format!("c{c}=v; Domain=d{d}.com"))
                .unwrap();
        }
    }
    assert_eq!(jar.len(), 10_000);
    let header = jar.cookie_header(
        &Url::parse("https://x.d500.com/").unwrap(),
        SameSiteContext::SameSite,
    );
    assert_eq!(header.matches("=v").count(), 10);
}

#[test]
fn total_limit_evicts_least_recently_used_older_than_30_days() {
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
    // 3300 cookies on 330 domains: at the limit, nothing evicted.
    for d in 0..330 {
        let url = Url::parse(&format!("https://d{d}.com/")).unwrap();
        for c in 0..10 {
            jar.store(&url, &format!("c{c}=1; Max-Age=31536000"))
                .unwrap();
        }
    }
    assert_eq!(jar.len(), 3300);
    // Recent cookies are safe: one more, 10 days later, evicts nothing.
    now.fetch_add(10 * 86_400, Ordering::Relaxed);
    jar.store(&Url::parse("https://new.com/").unwrap(), "n=1")
        .unwrap();
    assert_eq!(jar.len(), 3301);
    // Used one of them again (the access time is refreshed), then 31 days pass.
    now.fetch_add(21 * 86_400, Ordering::Relaxed);
    let used = Url::parse("https://d0.com/").unwrap();
    assert!(
        !jar.cookie_header(&used, SameSiteContext::SameSite)
            .is_empty()
    );
    now.fetch_add(86_400, Ordering::Relaxed);
    jar.store(&Url::parse("https://newer.com/").unwrap(), "n=1")
        .unwrap();
    assert_eq!(jar.len(), 3000);
    let evicted = events
        .try_iter()
        .filter(|e| e.cause.as_str() == "evicted")
        .count();
    assert_eq!(evicted, 302);
    // The recently used and the recently created ones survived.
    assert_eq!(
        jar.cookie_header(&used, SameSiteContext::SameSite)
            .matches("=1")
            .count(),
        10
    );
    assert_eq!(
        jar.cookie_header(
            &Url::parse("https://newer.com/").unwrap(),
            SameSiteContext::SameSite
        ),
        "n=1"
    );
}
