//! Sharing scripts between threads.

use std::io;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use netsession_pac::{ErrorKind, PacScript, ProxyList};
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

/// How long the runaway scripts below may spin. The tests never wait for a time: they only
/// need the deadline to be longer than the hundred short evaluations they run meanwhile.
const RUNAWAY_DEADLINE: Duration = Duration::from_secs(1);

/// A script whose `FindProxyForURL` spins for host `loop` until the deadline stops it, after
/// telling the test, through a lookup, that it has started spinning.
fn runaway_script(started: mpsc::Sender<()>) -> PacScript {
    PacScript::builder(
        "function FindProxyForURL(u, h) {\n\
         \x20 if (h == 'loop') {\n\
         \x20   dnsResolve('spinning.test');\n\
         \x20   for (;;) {}\n\
         \x20 }\n\
         \x20 return 'DIRECT';\n\
         }",
    )
    .resolver(move |host: &str| {
        if host == "spinning.test" {
            // The test may have stopped listening; the script goes on spinning regardless.
            let _ = started.send(());
        }
        Err(io::ErrorKind::NotFound.into())
    })
    .deadline(RUNAWAY_DEADLINE)
    .max_engines(2)
    .build()
    .unwrap()
}

/// Starts the runaway call on its own thread: the handle gives the call's result, the
/// receiver gets a message once it has returned.
fn spin(
    runaway: &PacScript,
) -> (
    thread::JoinHandle<Result<ProxyList, netsession_pac::Error>>,
    mpsc::Receiver<()>,
) {
    let (done_tx, done_rx) = mpsc::channel();
    let runaway = runaway.clone();
    let handle = thread::spawn(move || {
        let result = runaway.find_proxy(&Url::parse("http://loop/").unwrap());
        done_tx.send(()).unwrap();
        result
    });
    (handle, done_rx)
}

#[test]
fn a_runaway_script_does_not_block_another_script() {
    let (started_tx, started_rx) = mpsc::channel();
    let runaway = runaway_script(started_tx);
    let busy = PacScript::new(CORP).unwrap();
    let (runaway_call, done) = spin(&runaway);
    started_rx.recv().unwrap();
    let url = Url::parse("https://www.example.com/").unwrap();
    for _ in 0..100 {
        assert_eq!(busy.find_proxy(&url).unwrap().to_string(), "PROXY web:8080");
    }
    // Every answer above came while the runaway call was still spinning.
    assert_eq!(done.try_recv(), Err(mpsc::TryRecvError::Empty));
    assert_eq!(
        runaway_call.join().unwrap().unwrap_err().kind(),
        ErrorKind::Timeout
    );
}

#[test]
fn a_runaway_call_does_not_block_other_calls_of_the_same_script() {
    let (started_tx, started_rx) = mpsc::channel();
    let script = runaway_script(started_tx);
    let (runaway_call, done) = spin(&script);
    started_rx.recv().unwrap();
    let fine = Url::parse("http://fine/").unwrap();
    for _ in 0..100 {
        assert!(script.find_proxy(&fine).unwrap().is_direct());
    }
    // Every answer above came from the other engine while the first one was still spinning.
    assert_eq!(done.try_recv(), Err(mpsc::TryRecvError::Empty));
    assert_eq!(
        runaway_call.join().unwrap().unwrap_err().kind(),
        ErrorKind::Timeout
    );
    // The stopped engine was replaced.
    assert!(script.find_proxy(&fine).unwrap().is_direct());
}
