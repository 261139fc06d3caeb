//! Sharing scripts between threads.

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use netsession_pac::{ErrorKind, PacScript};
use url::Url;

const CORP: &str = r#"
function FindProxyForURL(url, host) {
    if (isPlainHostName(host) || dnsDomainIs(host, ".corp.test")) return "DIRECT";
    if (shExpMatch(host, "*.example.com")) return "PROXY web:8080";
    if (isInNet(host, "10.0.0.0", "255.0.0.0")) return "DIRECT";
    return "PROXY default:3128";
}
"#;

#[test]
fn scripts_are_send_and_sync() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<PacScript>();
}

#[test]
fn many_threads_share_one_script() {
    let script = PacScript::builder(CORP).max_engines(4).build().unwrap();
    let cases = [
        ("http://intranet/", "DIRECT"),
        ("http://wiki.corp.test/page", "DIRECT"),
        ("https://www.example.com/login", "PROXY web:8080"),
        ("http://10.1.2.3/", "DIRECT"),
        ("http://11.1.2.3/", "PROXY default:3128"),
    ];
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let script = script.clone();
            thread::spawn(move || {
                for i in 0..200 {
                    let (url, expected) = cases[(t + i) % cases.len()];
                    let list = script.find_proxy(&Url::parse(url).unwrap()).unwrap();
                    assert_eq!(list.to_string(), expected, "{url}");
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
}

#[test]
fn a_runaway_script_does_not_block_another_script() {
    let runaway = PacScript::builder(
        "function FindProxyForURL(u, h) { if (h == 'loop') for (;;) {} return 'DIRECT'; }",
    )
    .deadline(Duration::from_millis(1500))
    .build()
    .unwrap();
    let busy = PacScript::new(CORP).unwrap();
    let start = Arc::new(Barrier::new(2));
    let runaway_thread = {
        let start = Arc::clone(&start);
        thread::spawn(move || {
            start.wait();
            let began = Instant::now();
            let error = runaway
                .find_proxy(&Url::parse("http://loop/").unwrap())
                .unwrap_err();
            (error.kind(), began.elapsed())
        })
    };
    start.wait();
    let began = Instant::now();
    let url = Url::parse("https://www.example.com/").unwrap();
    let mut answered = 0;
    // Keep evaluating the second script while the first one spins.
    while began.elapsed() < Duration::from_millis(1000) {
        assert_eq!(busy.find_proxy(&url).unwrap().to_string(), "PROXY web:8080");
        answered += 1;
    }
    let (kind, took) = runaway_thread.join().unwrap();
    assert_eq!(kind, ErrorKind::Timeout);
    assert!(took >= Duration::from_millis(1500), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(
        answered > 100,
        "only {answered} answers while the other script ran"
    );
}

#[test]
fn a_runaway_call_does_not_block_other_calls_of_the_same_script() {
    let script = PacScript::builder(
        "function FindProxyForURL(u, h) { if (h == 'loop') for (;;) {} return 'DIRECT'; }",
    )
    .deadline(Duration::from_millis(1000))
    .max_engines(2)
    .build()
    .unwrap();
    let spinning = {
        let script = script.clone();
        thread::spawn(move || script.find_proxy(&Url::parse("http://loop/").unwrap()))
    };
    thread::sleep(Duration::from_millis(100));
    let began = Instant::now();
    assert!(
        script
            .find_proxy(&Url::parse("http://fine/").unwrap())
            .unwrap()
            .is_direct()
    );
    assert!(began.elapsed() < Duration::from_millis(800));
    assert_eq!(
        spinning.join().unwrap().unwrap_err().kind(),
        ErrorKind::Timeout
    );
}
