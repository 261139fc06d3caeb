//! Invariant checks called by the `cargo fuzz` targets (and by the regression tests).
//!
//! Each function takes arbitrary bytes and panics only when an invariant is broken.

use std::time::{Duration, Instant};

use url::Url;

use crate::{ErrorKind, FixedClock, FixedLocalAddresses, PacScript, StaticResolver};

/// The deadline the fuzz target gives each script.
const DEADLINE: Duration = Duration::from_millis(100);
/// How far past the deadline a call may return (engine setup, slow CI machines).
const SLACK: Duration = Duration::from_millis(900);

/// `fuzz/fuzz_targets/pac_eval.rs`: the bytes are a script and a URL, split at the first NUL
/// or newline (script first). Loading and running never panic, any error is fine, every call
/// returns within its deadline (plus slack for engine setup), and a successful result is
/// ASCII and parses to a non-empty proxy list.
pub fn pac_eval(data: &[u8]) {
    let split = data.iter().position(|&b| b == 0 || b == b'\n');
    let (script, url) = match split {
        Some(at) => (
            data.get(..at).unwrap_or_default(),
            data.get(at + 1..).unwrap_or_default(),
        ),
        None => (data, &[][..]),
    };
    let script = String::from_utf8_lossy(script);
    let url = Url::parse(&String::from_utf8_lossy(url))
        .or_else(|_| Url::parse("http://example.com/path?q#f"));
    let Ok(url) = url else {
        return;
    };
    let started = Instant::now();
    let loaded = PacScript::builder(&script)
        .resolver(StaticResolver::new().with("example.com", [[93, 184, 216, 34].into()]))
        .clock(FixedClock::from_unix_millis(1_236_038_400_000, 3600))
        .local_addresses(FixedLocalAddresses::new())
        .deadline(DEADLINE)
        .memory_limit(16 << 20)
        .max_engines(1)
        .build();
    check_time(started, "loading");
    let Ok(script) = loaded else {
        return;
    };
    for _ in 0..2 {
        let started = Instant::now();
        let result = script.find_proxy_string(&url);
        check_time(started, "FindProxyForURL");
        match result {
            Ok(text) => {
                assert!(text.is_ascii(), "a PAC result is ASCII: {text:?}");
                let list = netsession_proxy_rules::ProxyList::from_pac_string(&text);
                assert!(!list.is_empty(), "a parsed PAC result is never empty");
            }
            Err(error) => {
                assert!(
                    error.kind() != ErrorKind::EmptyScript && error.kind() != ErrorKind::Engine,
                    "unexpected error {error}"
                );
            }
        }
    }
}

fn check_time(started: Instant, what: &str) {
    let took = started.elapsed();
    assert!(
        took <= DEADLINE + SLACK,
        "{what} took {took:?}, past the {DEADLINE:?} deadline"
    );
}
