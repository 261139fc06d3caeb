//! Parsing throughput of `proxyRules` strings and PAC results on about 1 MB of input, and the
//! cost of choosing a list for a URL.
//!
//! Target (issue 2): at least 100 MB/s. No other Rust crate parses Chromium's grammar, so
//! there is no peer to run beside these.
//!
//! `parse_pathological` runs the same parsers on 1 MB inputs built to find superlinear paths
//! (only separators, one huge host, runs of `=`, `:`, `[` or `*.`, hundreds of thousands of
//! entries, a strict parse that reports every entry), each reported in MB/s beside the
//! realistic 1 MB input. Parsing is linear, so these lines should stay of the same order as
//! the realistic one; a collapse on one of them would be a quadratic path.

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

/// About 1 MB of `unit` repeated.
fn repeated(unit: &str) -> String {
    unit.repeat((1 << 20) / unit.len())
}

fn parse_pathological(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_pathological");
    group.sample_size(20);
    let rules = [
        ("rules_1MB", rules_text()),
        ("rules_separators", repeated(";")),
        ("rules_equals", repeated("=")),
        ("rules_colons", repeated("a:")),
        ("rules_brackets", repeated("[")),
        ("rules_stars", repeated("*.")),
        ("rules_one_host", format!("{}:8080", repeated("a"))),
        ("rules_one_letter_proxies", repeated("a,")),
        ("rules_keys", repeated("http=")),
    ];
    for (name, text) in &rules {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(*name, |b| b.iter(|| ProxyRules::parse(black_box(text))));
    }
    // The strict parser reports each of these entries, with its line.
    let ignored = repeated("p;\n");
    group.throughput(Throughput::Bytes(ignored.len() as u64));
    group.bench_function("rules_strict_ignored_entries", |b| {
        b.iter(|| ProxyRules::parse_strict(black_box(&ignored)))
    });
    let pac = [
        ("pac_1MB", pac_text()),
        ("pac_separators", repeated(";")),
        ("pac_one_host", format!("PROXY {}", repeated("a"))),
        ("pac_direct", repeated("DIRECT;")),
        ("pac_invalid", repeated("bogus;")),
    ];
    for (name, text) in &pac {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(*name, |b| {
            b.iter(|| ProxyList::from_pac_string(black_box(text)))
        });
    }
    group.finish();
}

criterion_group!(benches, parse, parse_pathological, apply);
criterion_main!(benches);
