//! Bounds on time, memory, size and DNS lookups; state kept between calls; `alert`.

use std::io;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use netsession_pac::{ErrorKind, PacScript};
use url::Url;

use crate::env::builder;

fn url(text: &str) -> Url {
    Url::parse(text).unwrap()
}

#[test]
fn runaway_call_is_stopped_at_the_deadline() {
    let script = PacScript::builder(
        "function FindProxyForURL(u, h) {\n\
         \x20 if (h == 'loop') spin();\n\
         \x20 return 'DIRECT';\n\
         }\n\
         function spin() {\n\
         \x20 while (true) {}\n\
         }",
    )
    .deadline(Duration::from_millis(200))
    .build()
    .unwrap();
    let error = script.find_proxy(&url("http://loop/")).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    // QuickJS places the stop at the last position it recorded in the running function: a
    // loop that calls nothing is placed where its function is defined.
    assert_eq!(error.line(), Some(5));
    assert_eq!(
        error.to_string(),
        "pac script timed out at line 5: script ran longer than 200ms"
    );
    // The script still answers afterwards (from a fresh engine).
    assert!(script.find_proxy(&url("http://fine/")).unwrap().is_direct());
}

#[test]
fn a_timeout_is_placed_at_the_last_call_before_it() {
    let script = PacScript::builder(
        "function FindProxyForURL(u, h) {\n\
         \x20 var tries = 0;\n\
         \x20 while (!isResolvable('proxy' + tries + '.test')) {\n\
         \x20   tries++;\n\
         \x20 }\n\
         \x20 return 'PROXY proxy' + tries + '.test';\n\
         }",
    )
    .resolver(|_: &str| Err(io::ErrorKind::NotFound.into()))
    .deadline(Duration::from_millis(200))
    .build()
    .unwrap();
    let error = script.find_proxy(&url("http://a/")).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert_eq!(error.line(), Some(3));
}

#[test]
fn runaway_load_is_stopped_at_the_deadline() {
    let error =
        PacScript::builder("var n = 0;\n\nfor (;;) { n++; }\nfunction FindProxyForURL(u, h) {}")
            .deadline(Duration::from_millis(100))
            .build()
            .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    // The top level is placed like a function that starts on line 1.
    assert_eq!(error.line(), Some(1));
}

#[test]
fn catastrophic_regexp_is_stopped_at_the_deadline() {
    let script = PacScript::builder(
        "function FindProxyForURL(u, h) {\n\
         \x20 return /^(a+)+$/.test('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!') ? 'DIRECT' : 'PROXY p';\n\
         }",
    )
    .deadline(Duration::from_millis(200))
    .build()
    .unwrap();
    let error = script.find_proxy(&url("http://a/")).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert_eq!(error.line(), Some(2));
}

#[test]
fn memory_is_capped() {
    let script = PacScript::builder(
        "var keep = [];\n\
         function FindProxyForURL(u, h) { for (;;) keep.push(keep.length + 'xxxxxxxxxxxxxxxx'); }",
    )
    .memory_limit(8 << 20)
    .build()
    .unwrap();
    let error = script.find_proxy(&url("http://a/")).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::OutOfMemory, "{error}");
    let error = PacScript::builder(
        "var a = []; for (;;) a.push(new Array(1000).fill(1));\nfunction FindProxyForURL(u, h) {}",
    )
    .memory_limit(8 << 20)
    .build()
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::OutOfMemory, "{error}");
}

#[test]
fn deep_recursion_is_an_exception() {
    let script = PacScript::new(
        "function f(n) { return f(n + 1) + 1; }\nfunction FindProxyForURL(u, h) { return f(0); }",
    )
    .unwrap();
    let error = script.find_proxy(&url("http://a/")).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Exception, "{error}");
}

#[test]
fn script_size_is_capped() {
    let source = format!(
        "function FindProxyForURL(u, h) {{ return 'DIRECT'; }}\n//{}",
        "x".repeat(2 << 20)
    );
    let error = PacScript::new(&source).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ScriptTooLarge);
    assert!(
        PacScript::builder(&source)
            .max_script_size(4 << 20)
            .build()
            .is_ok()
    );
}

/// A resolver that counts its calls: every `hostN.test` resolves to 10.0.0.N.
fn counting_resolver(calls: Arc<AtomicUsize>) -> impl Fn(&str) -> io::Result<Vec<IpAddr>> {
    move |host: &str| {
        calls.fetch_add(1, Ordering::SeqCst);
        let n: u8 = host
            .strip_prefix("host")
            .and_then(|rest| rest.strip_suffix(".test"))
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
        Ok(vec![IpAddr::from([10, 0, 0, n])])
    }
}

#[test]
fn at_most_20_unique_lookups_per_run() {
    let calls = Arc::new(AtomicUsize::new(0));
    let script = PacScript::builder(
        "function FindProxyForURL(u, h) {\n\
         \x20 var answers = [];\n\
         \x20 for (var i = 0; i < 25; i++) answers.push(dnsResolve('host' + i + '.test'));\n\
         \x20 // Repeats come from the per-run cache and do not count.\n\
         \x20 for (var i = 0; i < 25; i++) answers.push(dnsResolve('host' + i + '.test'));\n\
         \x20 return answers.join(',');\n\
         }",
    )
    .resolver(counting_resolver(Arc::clone(&calls)))
    .build()
    .unwrap();
    let answers = script.find_proxy_string(&url("http://a/")).unwrap();
    let answers: Vec<&str> = answers.split(',').collect();
    assert_eq!(answers.len(), 50);
    for (i, answer) in answers.iter().enumerate() {
        let n = i % 25;
        if n < 20 {
            assert_eq!(*answer, format!("10.0.0.{n}"), "lookup {i}");
        } else {
            assert_eq!(*answer, "", "lookup {i} is past the limit");
        }
    }
    assert_eq!(calls.load(Ordering::SeqCst), 20);
    // The limit and the cache are per run.
    script.find_proxy_string(&url("http://a/")).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 40);
}

#[test]
fn lookups_count_per_operation_and_my_ip_counts_too() {
    let calls = Arc::new(AtomicUsize::new(0));
    let script = builder(
        "function FindProxyForURL(u, h) {\n\
         \x20 var a = [];\n\
         \x20 for (var i = 0; i < 19; i++) a.push(dnsResolve('host' + i + '.test'));\n\
         \x20 a.push(myIpAddress());\n\
         \x20 a.push(dnsResolveEx('host0.test'));\n\
         \x20 a.push(myIpAddress());\n\
         \x20 return a.slice(18).join(',');\n\
         }",
        "",
    )
    .resolver(counting_resolver(Arc::clone(&calls)))
    .build()
    .unwrap();
    // Lookup 20 is myIpAddress(); dnsResolveEx would be lookup 21 and fails; the second
    // myIpAddress() is cached.
    assert_eq!(
        script.find_proxy_string(&url("http://a/")).unwrap(),
        "10.0.0.18,192.168.1.20,,192.168.1.20"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 19);
}

#[test]
fn globals_persist_between_calls() {
    let script = PacScript::new(
        "var calls = 0;\n\
         function FindProxyForURL(u, h) { calls++; return 'PROXY p' + calls; }",
    )
    .unwrap();
    for n in 1..=5 {
        assert_eq!(
            script.find_proxy(&url("http://a/")).unwrap().to_string(),
            format!("PROXY p{n}:80")
        );
    }
    // Reloading resets them.
    let reloaded = PacScript::new(
        "var calls = 0;\n\
         function FindProxyForURL(u, h) { calls++; return 'PROXY p' + calls; }",
    )
    .unwrap();
    assert_eq!(
        reloaded.find_proxy(&url("http://a/")).unwrap().to_string(),
        "PROXY p1:80"
    );
}

#[test]
fn no_io_modules_are_reachable() {
    let script = PacScript::new(
        "function FindProxyForURL(u, h) {\n\
         \x20 return [typeof std, typeof os, typeof require, typeof print, typeof performance,\n\
         \x20         typeof scriptArgs, typeof setTimeout, typeof fetch].join(',');\n\
         }",
    )
    .unwrap();
    assert_eq!(
        script.find_proxy_string(&url("http://a/")).unwrap(),
        "undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined"
    );
    let error =
        PacScript::new("import * as os from 'os';\nfunction FindProxyForURL(u, h) {}").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Syntax);
}

#[derive(Default)]
struct Alerts(Mutex<Vec<String>>);

struct Recorder(Arc<Alerts>);

struct MessageVisitor<'a>(&'a mut String);

impl tracing::field::Visit for MessageVisitor<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            *self.0 = format!("{value:?}");
        }
    }
}

impl tracing::Subscriber for Recorder {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        if event.metadata().target() == "netsession_pac::alert" {
            let mut message = String::new();
            event.record(&mut MessageVisitor(&mut message));
            self.0.0.lock().unwrap().push(message);
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn alert_goes_to_tracing() {
    let alerts = Arc::new(Alerts::default());
    let script = PacScript::new(
        "alert('loading');\n\
         function FindProxyForURL(u, h) { alert(h); alert(); alert(1, 2); alert({}); return 'DIRECT'; }",
    );
    let script = tracing::subscriber::with_default(Recorder(Arc::clone(&alerts)), || {
        let script = script.unwrap();
        script.find_proxy(&url("http://example.com/")).unwrap();
        script
    });
    drop(script);
    assert_eq!(
        *alerts.0.lock().unwrap(),
        ["example.com", "undefined", "1", "[object Object]"]
    );
}
