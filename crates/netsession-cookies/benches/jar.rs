//! The jar against `cookie_store`, measured in the same run: building the `Cookie` header
//! for a URL with 10,000 cookies across 1,000 registrable domains, and storing a
//! `Set-Cookie` into that jar.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs,
    reason = "bench code"
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use netsession_cookies::{CookieJar, SameSiteContext};
use url::Url;

const DOMAINS: usize = 1000;

/// Ten cookies per domain: domain cookies, host cookies on three paths, secure ones.
fn cookies() -> Vec<(Url, String)> {
    let mut all = Vec::with_capacity(DOMAINS * 10);
    for d in 0..DOMAINS {
        let url = Url::parse(&format!("https://www.d{d}.com/a/b/page")).unwrap();
        for c in 0..4 {
            all.push((
                url.clone(),
                format!("dom{c}=value{c}; Domain=d{d}.com; Path=/"),
            ));
        }
        for (c, path) in ["/", "/a", "/a/b"].iter().enumerate() {
            all.push((url.clone(), format!("host{c}=value{c}; Path={path}")));
        }
        all.push((
            url.clone(),
            "sid=0123456789abcdef; Path=/; Secure; HttpOnly".to_owned(),
        ));
        all.push((url.clone(), "pref=x; Path=/a; Max-Age=86400".to_owned()));
        all.push((
            url.clone(),
            "track=1; Path=/; Secure; SameSite=None".to_owned(),
        ));
    }
    all
}

fn ours() -> CookieJar {
    let jar = CookieJar::in_memory();
    for (url, set_cookie) in cookies() {
        jar.store(&url, &set_cookie).unwrap();
    }
    assert_eq!(jar.len(), DOMAINS * 10);
    jar
}

fn theirs() -> cookie_store::CookieStore {
    let mut store = cookie_store::CookieStore::default();
    for (url, set_cookie) in cookies() {
        store.parse(&set_cookie, &url).unwrap();
    }
    assert_eq!(store.iter_any().count(), DOMAINS * 10);
    store
}

fn header_of(store: &cookie_store::CookieStore, url: &Url) -> String {
    let mut header = String::new();
    for (name, value) in store.get_request_values(url) {
        if !header.is_empty() {
            header.push_str("; ");
        }
        header.push_str(name);
        header.push('=');
        header.push_str(value);
    }
    header
}

fn header(c: &mut Criterion) {
    let url = Url::parse("https://www.d500.com/a/b/next").unwrap();
    let jar = ours();
    let store = theirs();
    let ours_header = jar.cookie_header(&url, SameSiteContext::SameSite);
    let theirs_header = header_of(&store, &url);
    assert_eq!(ours_header.split("; ").count(), 10, "{ours_header}");
    assert_eq!(theirs_header.split("; ").count(), 10, "{theirs_header}");

    let mut group = c.benchmark_group("cookie_header_10k");
    group.bench_function("netsession", |b| {
        b.iter(|| jar.cookie_header(black_box(&url), SameSiteContext::SameSite));
    });
    group.bench_function("cookie_store", |b| {
        b.iter(|| header_of(&store, black_box(&url)));
    });
    group.finish();
}

fn store(c: &mut Criterion) {
    let url = Url::parse("https://www.d500.com/login").unwrap();
    let set_cookie = "session=0123456789abcdef; Path=/; Max-Age=3600; Secure; HttpOnly";
    let jar = ours();
    let mut theirs = theirs();
    let mut group = c.benchmark_group("store_set_cookie_10k");
    group.bench_function("netsession", |b| {
        b.iter(|| jar.store(black_box(&url), black_box(set_cookie)).unwrap());
    });
    group.bench_function("cookie_store", |b| {
        b.iter(|| {
            theirs
                .parse(black_box(set_cookie), black_box(&url))
                .unwrap()
        });
    });
    group.finish();
}

criterion_group!(benches, header, store);
criterion_main!(benches);
