//! The cost of the session's request pipeline: a loopback HTTP/1.1 GET of a 1 KiB body
//! through a `netsession::Session` with every feature configured but idle, against a bare
//! `reqwest::Client` fetching the same URL from the same origin in the same run.
//!
//! The session has a proxy config whose rules name another scheme and whose bypass list
//! sends loopback DIRECT, a cookie jar of a few hundred cookies for other sites and one for
//! the origin, the HTTP cache (the origin answers `Cache-Control: no-store`, so the cache is
//! consulted and stores nothing), network emulation with all-zero conditions, a login
//! handler, permission handlers, a user agent and accept languages. The origin is a hyper
//! keep-alive server, so both clients reuse their connection and the measurement is the
//! pipeline, not connection setup. Every measured request reads the whole body.
//!
//! The origin runs on a thread of its own and the clients on a current-thread runtime on the
//! bench's thread: with both on one multi-thread runtime, which worker was parked when a
//! reply arrived moved either median by up to 2x from run to run (ratios from 0.8 to 1.7).
//!
//! Target: the session at most 15% slower than bare reqwest. After the criterion groups the
//! bench prints both medians and the ratio on one line (not asserted). Run without
//! `--bench` (as `cargo test --benches` does) it checks the setup and runs each side once.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    reason = "bench code: a panic is how a bench fails, and it reports on stdout"
)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::Criterion;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use netsession::{
    Credentials, LoginRequest, NetworkConditions, Permission, PermissionCheck, PermissionRequest,
    ProxyConfig, Session, SessionOptions, Sessions,
};
use tokio::net::TcpListener;
use tokio::runtime::Runtime;
use url::Url;

/// The body of every measured response.
const BODY_LEN: usize = 1024;
/// Criterion samples per side; the medians are taken over these.
const SAMPLE_SIZE: usize = 100;
/// Cookies the jar holds for sites other than the origin.
const OTHER_COOKIES: usize = 300;

/// A keep-alive loopback origin on a thread and a runtime of its own: `/echo` answers the
/// request's headers, one `name: value` a line; any other path answers `BODY_LEN` bytes.
/// Nothing may be stored by a cache.
fn origin() -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(serve(tx));
    });
    rx.recv().unwrap()
}

async fn serve(addr: std::sync::mpsc::Sender<SocketAddr>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    addr.send(listener.local_addr().unwrap()).unwrap();
    let body = Bytes::from(vec![b'x'; BODY_LEN]);
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        stream.set_nodelay(true).unwrap();
        let body = body.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                let reply = if request.uri().path() == "/echo" {
                    let mut echo = String::new();
                    for (name, value) in request.headers() {
                        echo.push_str(&format!("{name}: {}\n", value.to_str().unwrap()));
                    }
                    Bytes::from(echo)
                } else {
                    body.clone()
                };
                async move {
                    Ok::<_, Infallible>(
                        hyper::Response::builder()
                            .header("content-type", "application/octet-stream")
                            .header("cache-control", "no-store")
                            .body(Full::new(reply))
                            .unwrap(),
                    )
                }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// A session with every feature configured and nothing for them to do on a loopback GET.
async fn configured_session(origin: &Url) -> Session {
    let sessions = Sessions::new(std::env::temp_dir().join("netsession-bench-pipeline"));
    // Not `persist:`: the session, its cookies and its cache live in memory.
    let session = sessions
        .from_partition("bench-pipeline", SessionOptions::default())
        .unwrap();
    session
        .set_proxy(ProxyConfig {
            proxy_rules: "ftp=proxy.invalid:21".into(),
            proxy_bypass_rules: "<local>;*.corp;10.0.0.0/8".into(),
            ..ProxyConfig::default()
        })
        .await
        .unwrap();
    assert_eq!(session.resolve_proxy(origin.as_str()).await, "DIRECT");
    assert_eq!(
        session.resolve_proxy("ftp://files.example/").await,
        "PROXY proxy.invalid:21",
        "the rules are in force for their scheme"
    );
    for i in 0..OTHER_COOKIES {
        let site = Url::parse(&format!("https://site{}.example/", i / 3)).unwrap();
        session
            .cookies()
            .store(&site, &format!("c{i}=value{i}; Path=/; Secure"))
            .unwrap();
    }
    session.cookies().store(origin, "sid=abc; Path=/").unwrap();
    assert_eq!(session.cookies().len(), OTHER_COOKIES + 1);
    assert!(session.http_cache().is_enabled(), "the cache is consulted");
    session.enable_network_emulation(NetworkConditions::default());
    assert_eq!(
        session.network_conditions(),
        Some(NetworkConditions::default())
    );
    session.set_login_handler(Some(|_: LoginRequest| async { None::<Credentials> }));
    session.set_permission_request_handler(Some(|_: Permission, _: PermissionRequest| async {
        false
    }));
    session.set_permission_check_handler(Some(|_: Permission, _: &str, _: &PermissionCheck| false));
    session.set_user_agent("BenchApp/1.0", Some("en-US,fr,de"));
    session
}

fn bare_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

async fn through_session(session: &Session, url: &Url) -> Bytes {
    let request = reqwest::Request::new(reqwest::Method::GET, url.clone());
    session.fetch(request).await.unwrap().bytes().await.unwrap()
}

async fn through_reqwest(client: &reqwest::Client, url: &Url) -> Bytes {
    client
        .get(url.clone())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
}

/// Checks that the session's features are in force on the wire and leave the body alone.
fn check_setup(runtime: &Runtime, session: &Session, client: &reqwest::Client, base: &Url) {
    runtime.block_on(async {
        let echo = String::from_utf8(
            through_session(session, &base.join("/echo").unwrap())
                .await
                .to_vec(),
        )
        .unwrap();
        assert!(echo.contains("user-agent: BenchApp/1.0\n"), "{echo}");
        assert!(
            echo.contains("accept-language: en-US,fr;q=0.9,de;q=0.8\n"),
            "{echo}"
        );
        assert!(echo.contains("cookie: sid=abc\n"), "{echo}");
        let url = base.join("/data").unwrap();
        assert_eq!(through_session(session, &url).await.len(), BODY_LEN);
        assert_eq!(through_reqwest(client, &url).await.len(), BODY_LEN);
        assert_eq!(session.cache_size(), 0, "no-store: nothing is cached");
    });
}

/// The (iterations, time) of every batch criterion ran, warm-up first, samples last.
#[derive(Clone, Default)]
struct Batches(Arc<Mutex<Vec<(u64, Duration)>>>);

impl Batches {
    fn record(&self, iterations: u64, elapsed: Duration) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((iterations, elapsed));
    }

    /// The median time per iteration over the last `SAMPLE_SIZE` batches (criterion's
    /// samples), as criterion's own median estimate; `None` when criterion measured less
    /// (test mode, or the bench was filtered out).
    fn median(&self) -> Option<Duration> {
        let batches = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let start = batches.len().checked_sub(SAMPLE_SIZE)?;
        let mut per_iteration: Vec<f64> = batches[start..]
            .iter()
            .map(|(iterations, elapsed)| elapsed.as_secs_f64() / *iterations as f64)
            .collect();
        per_iteration.sort_by(f64::total_cmp);
        let mid = per_iteration.len() / 2;
        let median = if per_iteration.len() % 2 == 0 {
            (per_iteration[mid - 1] + per_iteration[mid]) / 2.0
        } else {
            per_iteration[mid]
        };
        Some(Duration::from_secs_f64(median))
    }
}

/// Runs the two groups; returns the medians of the session and of bare reqwest.
fn pipeline(c: &mut Criterion) -> (Option<Duration>, Option<Duration>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let base = Url::parse(&format!("http://{}/", origin())).unwrap();
    let session = runtime.block_on(configured_session(&base));
    let client = bare_client();
    check_setup(&runtime, &session, &client, &base);
    let url = base.join("/data").unwrap();

    let (ours, peer) = (Batches::default(), Batches::default());
    let mut group = c.benchmark_group("pipeline/1KiB");
    group.sample_size(SAMPLE_SIZE);
    group.bench_function("netsession", |b| {
        b.iter_custom(|iterations| {
            let elapsed = runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iterations {
                    let body = through_session(&session, &url).await;
                    assert_eq!(body.len(), BODY_LEN);
                }
                start.elapsed()
            });
            ours.record(iterations, elapsed);
            elapsed
        });
    });
    group.bench_function("reqwest", |b| {
        b.iter_custom(|iterations| {
            let elapsed = runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iterations {
                    let body = through_reqwest(&client, &url).await;
                    assert_eq!(body.len(), BODY_LEN);
                }
                start.elapsed()
            });
            peer.record(iterations, elapsed);
            elapsed
        });
    });
    group.finish();
    (ours.median(), peer.median())
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    let medians = pipeline(&mut criterion);
    criterion.final_summary();
    match medians {
        (Some(ours), Some(peer)) => println!(
            "pipeline: netsession {:.1} µs, reqwest {:.1} µs, ratio {:.2} (target <= 1.15)",
            micros(ours),
            micros(peer),
            ours.as_secs_f64() / peer.as_secs_f64()
        ),
        _ => println!("pipeline: not measured in this mode (run with `cargo bench`)"),
    }
}
