//! Parsing throughput of `proxyRules` strings and PAC results on about 1 MB of input, and the
//! cost of choosing a list for a URL.
//!
//! Target (issue 2): at least 100 MB/s. No other Rust crate parses Chromium's grammar, so
//! there is no peer to run beside these.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "bench setup: a panic is how a broken bench fails"
)]

use std::fmt::Write;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use netsession_proxy_rules::{ProxyList, ProxyRules};
use url::Url;

/// About 1 MB of realistic per-scheme rules: host names, IPv4 and IPv6 literals, every URI
/// scheme, some invalid entries that are dropped.
fn rules_text() -> String {
    let mut text = String::new();
    let keys = ["http", "https", "ftp", "socks"];
    let mut i = 0u32;
    while text.len() < 1 << 20 {
        let key = keys[(i % 4) as usize];
        let _ = write!(
            text,
            "{key}=proxy{i}.corp.example.com:8080,socks5://10.{}.{}.1:1080,https://[2001:db8::{i:x}]:443,\
             proxy-{i}-b.example.net,bad{i}:,direct://;",
            i % 256,
            (i / 256) % 256,
        );
        i += 1;
    }
    text
}

/// About 1 MB of PAC results, as a script that returns long lists would produce.
fn pac_text() -> String {
    let mut text = String::new();
    let mut i = 0u32;
    while text.len() < 1 << 20 {
        let _ = write!(
            text,
            "PROXY proxy{i}.corp.example.com:8080; SOCKS5 10.{}.0.1:1080; HTTPS secure{i}.example.net; DIRECT;",
            i % 256
        );
        i += 1;
    }
    text
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    let rules = rules_text();
    group.throughput(Throughput::Bytes(rules.len() as u64));
    group.bench_function("proxy_rules_1MB", |b| {
        b.iter(|| ProxyRules::parse(black_box(&rules)))
    });
    let pac = pac_text();
    group.throughput(Throughput::Bytes(pac.len() as u64));
    group.bench_function("pac_result_1MB", |b| {
        b.iter(|| ProxyList::from_pac_string(black_box(&pac)))
    });
    group.finish();
}

fn apply(c: &mut Criterion) {
    let rules = ProxyRules::parse("http=foopy:80,bar:8080;https=secure:443;socks=s:1080");
    let urls: Vec<Url> = [
        "http://a.example/",
        "https://b.example/",
        "wss://c.example/",
    ]
    .iter()
    .map(|u| Url::parse(u).unwrap())
    .collect();
    c.bench_function("proxies_for", |b| {
        b.iter(|| {
            for url in &urls {
                black_box(rules.proxies_for(black_box(url)));
            }
        })
    });
    let list = rules.proxies_for(&urls[0]);
    c.bench_function("to_pac_string", |b| b.iter(|| black_box(&list).to_string()));
}

criterion_group!(benches, parse, apply);
criterion_main!(benches);
