//! Bypass-list matching and parsing, against hyper-util's `NO_PROXY` matcher.
//!
//! Lists of 10 to 10,000 entries in a realistic mix (mostly host names and `.suffix` domains,
//! some IP addresses and ranges) in the forms both libraries understand, and a fixed set of
//! URLs that mixes hits and misses. Each `lookups` iteration matches every URL of the set once;
//! the throughput is set to the number of URLs, so criterion reports lookups per second (its
//! `thrpt` line: 20 Melem/s is 50 ns per lookup).
//!
//! `hostname_lookups` is the target case: 10,000 host name rules only (exact hosts and
//! `.suffix` domains, no addresses or ranges), which should cost under 100 ns per lookup, again
//! against hyper-util's matcher on the same `NO_PROXY` list and again in lookups per second.
//!
//! `parse` measures throughput (MB/s) on a realistic 1 MB list and, beside it, on pathological
//! 1 MB inputs (only separators, one huge entry, runs of wildcards, colons or brackets, 100,000
//! `<local>`). Parsing is linear, so every line should show a throughput of the same order; a
//! collapse on one of them would be a superlinear path.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "bench setup: a panic is how a broken bench fails"
)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use netsession_bypass::BypassRules;
use url::Url;

/// The `i`-th entry of the mixed list: 70% exact hosts, 20% `.suffix` domains, 5% addresses,
/// 5% /24 ranges.
fn entry(i: usize) -> String {
    match i % 20 {
        0..=13 => format!("host{i}.example.com"),
        14..=17 => format!(".suffix{i}.corp"),
        18 => format!("10.{}.{}.{}", (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff),
        _ => format!("172.{}.{}.0/24", 16 + ((i >> 16) & 0x0f), (i >> 8) & 0xff),
    }
}

fn list(n: usize) -> String {
    (0..n).map(entry).collect::<Vec<_>>().join(",")
}

/// Half hits (one per rule kind, spread over the list), half misses.
fn urls(n: usize) -> Vec<String> {
    let pick = |kind: usize| (0..n).rev().find(|i| i % 20 == kind).unwrap_or(0);
    let (host, suffix, ip, cidr) = (pick(7), pick(15), pick(18), pick(19));
    vec![
        format!("http://host{host}.example.com/index.html"),
        format!("http://www.suffix{suffix}.corp/"),
        format!(
            "http://10.{}.{}.{}/",
            (ip >> 16) & 0xff,
            (ip >> 8) & 0xff,
            ip & 0xff
        ),
        format!(
            "http://172.{}.{}.99/",
            16 + ((cidr >> 16) & 0x0f),
            (cidr >> 8) & 0xff
        ),
        format!("http://host{}.example.com:8080/", pick(0)),
        format!("http://a.b.suffix{}.corp/", pick(16)),
        "http://www.google.com/search?q=proxy".to_owned(),
        "http://host1.example.net/".to_owned(),
        "http://deep.sub.domain.example.org/".to_owned(),
        "http://192.168.5.5/".to_owned(),
        "http://cdn.jsdelivr.net/npm/x".to_owned(),
        "http://unrelated.corp/".to_owned(),
    ]
}

fn lookups(c: &mut Criterion) {
    let mut group = c.benchmark_group("lookups");
    for n in [10, 100, 1_000, 10_000] {
        compare(&mut group, n, &list(n), &urls(n));
    }
    group.finish();
}

/// Benches both matchers on `urls` against the same list `text` of `n` entries, after
/// checking that they answer alike (else the comparison is meaningless); returns how many
/// of the URLs are bypassed.
fn compare(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    n: usize,
    text: &str,
    urls: &[String],
) -> usize {
    let ours = BypassRules::parse(text);
    let parsed: Vec<Url> = urls
        .iter()
        .map(|u| Url::parse(u).expect("bench URL"))
        .collect();
    let hyper = hyper_util::client::proxy::matcher::Matcher::builder()
        .no(text.to_owned())
        .http("http://proxy:80")
        .https("http://proxy:80")
        .build();
    let uris: Vec<http::Uri> = urls.iter().map(|u| u.parse().expect("bench URI")).collect();
    let mut hits = 0;
    for (url, uri) in parsed.iter().zip(&uris) {
        let matched = ours.matches(url);
        assert_eq!(
            matched,
            hyper.intercept(uri).is_none(),
            "{url} with {n} rules"
        );
        hits += usize::from(matched);
    }
    group.throughput(Throughput::Elements(urls.len() as u64));
    group.bench_with_input(BenchmarkId::new("netsession", n), &parsed, |b, urls| {
        b.iter(|| {
            for url in urls {
                black_box(ours.matches(black_box(url)));
            }
        });
    });
    group.bench_with_input(BenchmarkId::new("hyper-util", n), &uris, |b, uris| {
        b.iter(|| {
            for uri in uris {
                black_box(hyper.intercept(black_box(uri)).is_none());
            }
        });
    });
    hits
}

/// The `i`-th entry of the host-name-only list: 70% exact hosts under a few dozen domains,
/// 30% `.suffix` domains.
fn hostname_entry(i: usize) -> String {
    match i % 10 {
        0..=6 => format!("host{i}.team{}.example.com", i % 37),
        _ => format!(".suffix{i}.corp"),
    }
}

/// Hits of both kinds spread over the list (first, middle, last), and misses that share a
/// domain with the rules, go deep, or are unrelated. None of them is a case where the two
/// libraries disagree (hyper-util's `.suffix` also matches `suffix` itself, and its exact
/// names also match subdomains).
fn hostname_urls(n: usize) -> Vec<String> {
    let pick = |kind: usize, at: usize| {
        (0..=at.min(n - 1))
            .rev()
            .find(|i| i % 10 == kind)
            .unwrap_or(0)
    };
    let exact = |i: usize| format!("http://host{i}.team{}.example.com/", i % 37);
    vec![
        exact(pick(0, 0)),
        exact(pick(3, n / 2)),
        exact(pick(6, n)),
        format!("https://www.suffix{}.corp/", pick(7, 10)),
        format!("http://a.b.c.suffix{}.corp/path", pick(8, n / 2)),
        format!("http://x.suffix{}.corp:8080/", pick(9, n)),
        "http://host1.team1.example.org/".to_owned(),
        "http://unknown.team3.example.com/".to_owned(),
        "http://a.b.c.d.e.f.g.h.example.com/".to_owned(),
        "https://www.google.com/search?q=proxy".to_owned(),
        "http://cdn.jsdelivr.net/npm/x".to_owned(),
        "http://suffixless.corp/".to_owned(),
    ]
}

fn hostname_lookups(c: &mut Criterion) {
    let n = 10_000;
    let text = (0..n).map(hostname_entry).collect::<Vec<_>>().join(",");
    assert_eq!(BypassRules::parse(&text).len(), n);
    let mut group = c.benchmark_group("hostname_lookups");
    let hits = compare(&mut group, n, &text, &hostname_urls(n));
    assert_eq!(hits, 6, "half the set are hits");
    group.finish();
}

/// About 1 MB of `unit` repeated.
fn repeated(unit: &str) -> String {
    unit.repeat((1 << 20) / unit.len())
}

fn parse(c: &mut Criterion) {
    let mut text = String::new();
    let mut i = 0;
    while text.len() < 1 << 20 {
        text.push_str(&entry(i));
        text.push(';');
        i += 1;
    }
    let mut host = repeated("a");
    host.push_str(".example");
    let inputs = [
        ("1MB", text),
        ("1MB_separators", repeated(";")),
        ("1MB_equals", repeated("=")),
        ("1MB_colons", repeated("a:")),
        ("1MB_brackets", repeated("[")),
        ("1MB_stars", repeated("*.")),
        ("1MB_optionals", repeated("?")),
        ("1MB_one_host", host),
        ("1MB_one_letter_hosts", repeated("a,")),
        ("1MB_local", repeated("<local>,")),
    ];
    let mut group = c.benchmark_group("parse");
    group.sample_size(20);
    for (name, input) in &inputs {
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function(*name, |b| {
            b.iter(|| black_box(BypassRules::parse(black_box(input))))
        });
    }
    group.finish();
}

criterion_group!(benches, lookups, hostname_lookups, parse);
criterion_main!(benches);
