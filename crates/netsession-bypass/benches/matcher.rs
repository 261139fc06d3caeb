//! Bypass-list matching and parsing, against hyper-util's `NO_PROXY` matcher.
//!
//! Lists of 10 to 10,000 entries in a realistic mix (mostly host names and `.suffix` domains,
//! some IP addresses and ranges) in the forms both libraries understand, and a fixed set of
//! URLs that mixes hits and misses. Each `lookups` iteration matches every URL of the set once;
//! divide by the set size for the time per lookup. `parse` measures throughput on a 1 MB list.

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
        let text = list(n);
        let urls = urls(n);
        let ours = BypassRules::parse(&text);
        let parsed: Vec<Url> = urls
            .iter()
            .map(|u| Url::parse(u).expect("bench URL"))
            .collect();
        let hyper = hyper_util::client::proxy::matcher::Matcher::builder()
            .no(text.clone())
            .http("http://proxy:80")
            .build();
        let uris: Vec<http::Uri> = urls.iter().map(|u| u.parse().expect("bench URI")).collect();
        // Both must answer the same for the set, or the comparison is meaningless.
        for (url, uri) in parsed.iter().zip(&uris) {
            assert_eq!(
                ours.matches(url),
                hyper.intercept(uri).is_none(),
                "{url} with {n} rules"
            );
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
    }
    group.finish();
}

fn parse(c: &mut Criterion) {
    let mut text = String::new();
    let mut i = 0;
    while text.len() < 1 << 20 {
        text.push_str(&entry(i));
        text.push(';');
        i += 1;
    }
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(20);
    group.bench_function("1MB", |b| {
        b.iter(|| black_box(BypassRules::parse(black_box(&text))))
    });
    group.finish();
}

criterion_group!(benches, lookups, parse);
criterion_main!(benches);
