//! Load: 10,000 concurrent `Session::fetch` calls through one session to one loopback
//! origin all succeed with their own bodies, with bounded memory and file descriptors.
//!
//! Every fetch is called before any can complete: the origin holds its answers until all
//! 10,000 have been called. The session's six connection slots per host are what keeps the
//! connections (and so the descriptors) few; the origin counts the connections it holds.
//! Memory is checked through `/proc/self/status`: the peak resident size (`VmHWM`) after the
//! run, against the resident size (`VmRSS`) before it. Nothing here is timed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a panic is how a test fails"
)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use netsession::{SessionOptions, Sessions};
use tokio::net::TcpListener;
use tokio::sync::watch;
use url::Url;

/// Concurrent fetches.
const FETCHES: usize = 10_000;
/// Growth of the peak resident size allowed over the run.
const MEMORY_BOUND: u64 = 256 << 20;
/// Open descriptors allowed at any time in the process (the six connections at both ends,
/// the listener, the runtime's and the test harness's own).
const FD_BOUND: usize = 128;
/// The session's connection limit per host (Chromium's).
const CONNECTIONS_PER_HOST: usize = 6;

/// What the origin saw.
#[derive(Debug, Default)]
struct Counters {
    /// Connections accepted in all.
    accepted: AtomicUsize,
    /// Connections open now.
    open: AtomicUsize,
    /// The most connections open at once.
    max_open: AtomicUsize,
    /// Requests answered.
    answered: AtomicUsize,
}

/// A keep-alive loopback origin: `GET /item/N` answers `item N`, once `gate` opens.
async fn origin(gate: watch::Receiver<bool>) -> (SocketAddr, Arc<Counters>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let counters = Arc::new(Counters::default());
    let seen = Arc::clone(&counters);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            stream.set_nodelay(true).unwrap();
            seen.accepted.fetch_add(1, Ordering::SeqCst);
            let open = seen.open.fetch_add(1, Ordering::SeqCst) + 1;
            seen.max_open.fetch_max(open, Ordering::SeqCst);
            let (seen, gate) = (Arc::clone(&seen), gate.clone());
            tokio::spawn(async move {
                let answered = Arc::clone(&seen);
                let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                    let (answered, mut gate) = (Arc::clone(&answered), gate.clone());
                    async move {
                        gate.wait_for(|open| *open).await.unwrap();
                        let n = request.uri().path().strip_prefix("/item/").unwrap();
                        answered.answered.fetch_add(1, Ordering::SeqCst);
                        Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from(format!(
                            "item {n}"
                        )))))
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
                seen.open.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    (addr, counters)
}

/// A field of `/proc/self/status` in bytes (`VmRSS`, `VmHWM`).
fn status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"));
    let kib: u64 = line.trim().trim_end_matches("kB").trim().parse().unwrap();
    kib * 1024
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_fetches_through_one_session() {
    let (open_gate, gate) = watch::channel(false);
    let (addr, counters) = origin(gate).await;
    let base = Url::parse(&format!("http://{addr}/")).unwrap();
    // Not `persist:`: the session lives in memory, its data directory is never created.
    let session = Sessions::new(std::env::temp_dir().join("netsession-load-test"))
        .from_partition("load", SessionOptions::default())
        .unwrap();
    // Once, so that what is built on first use (clients, slots) is not counted as growth.
    let _ = status_bytes("VmHWM");
    let rss_before = status_bytes("VmRSS");

    let called = Arc::new(AtomicUsize::new(0));
    let completed = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::with_capacity(FETCHES);
    for i in 0..FETCHES {
        let session = session.clone();
        let url = base.join(&format!("/item/{i}")).unwrap();
        let (called, completed) = (Arc::clone(&called), Arc::clone(&completed));
        tasks.push(tokio::spawn(async move {
            let request = reqwest::Request::new(reqwest::Method::GET, url);
            called.fetch_add(1, Ordering::SeqCst);
            let response = session.fetch(request).await;
            completed.fetch_add(1, Ordering::SeqCst);
            let response = response.unwrap_or_else(|e| panic!("fetch {i}: {e}"));
            assert_eq!(response.status(), reqwest::StatusCode::OK, "fetch {i}");
            let body = response.text().await.unwrap();
            assert_eq!(body, format!("item {i}"));
        }));
    }

    // The origin answers nothing until every fetch has been called.
    let max_fds = Arc::new(AtomicUsize::new(open_fds()));
    while called.load(Ordering::SeqCst) < FETCHES {
        max_fds.fetch_max(open_fds(), Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(completed.load(Ordering::SeqCst), 0);
    assert_eq!(counters.answered.load(Ordering::SeqCst), 0);
    open_gate.send(true).unwrap();

    // Descriptors are sampled while the fetches run.
    let done = Arc::new(AtomicBool::new(false));
    let sampler = tokio::spawn({
        let (done, max_fds) = (Arc::clone(&done), Arc::clone(&max_fds));
        async move {
            while !done.load(Ordering::SeqCst) {
                max_fds.fetch_max(open_fds(), Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    });
    for task in tasks {
        task.await.unwrap();
    }
    done.store(true, Ordering::SeqCst);
    sampler.await.unwrap();

    let peak = status_bytes("VmHWM");
    let growth = peak.saturating_sub(rss_before);
    let accepted = counters.accepted.load(Ordering::SeqCst);
    let max_open = counters.max_open.load(Ordering::SeqCst);
    let max_fds = max_fds.load(Ordering::SeqCst);
    eprintln!(
        "load: {FETCHES} fetches; RSS before {} MiB, peak {} MiB (growth {} MiB); \
         origin: {accepted} connections accepted, at most {max_open} open at once; \
         at most {max_fds} descriptors open; cache {} bytes",
        rss_before >> 20,
        peak >> 20,
        growth >> 20,
        session.cache_size(),
    );
    assert_eq!(counters.answered.load(Ordering::SeqCst), FETCHES);
    assert!(
        growth < MEMORY_BOUND,
        "peak resident memory grew by {growth} bytes over {FETCHES} fetches"
    );
    assert!(
        max_open <= CONNECTIONS_PER_HOST,
        "the origin saw {max_open} connections open at once ({accepted} in all)"
    );
    assert!(max_fds <= FD_BOUND, "{max_fds} descriptors open at once");
}
