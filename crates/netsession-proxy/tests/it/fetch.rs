//! The PAC fetch's size and time limits for every scheme: files that never end or never
//! answer, a server that accepts and stalls, and `https:` through a client that trusts the
//! test CA.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use netsession_proxy::{Error, FetchFailure, ProxyResolver, ResolverOptions};
use netsession_test_support::{TempDir, TlsServer};

use crate::{pac, resolve, url};

const SCRIPT: &str = "function FindProxyForURL(url, host) { return 'PROXY corp:3128; DIRECT'; }\n";

/// A short fetch limit: every test that reaches it waits this long, once.
const SHORT: Duration = Duration::from_millis(300);

/// The error of resolving a URL under `pac_url` with `options`, and what `resolveProxy`
/// returns for it.
async fn failure(pac_url: &str, options: ResolverOptions) -> (Error, String) {
    let resolver = ProxyResolver::with_options(pac(pac_url), options);
    let error = resolver
        .resolve(&url("http://example.com/"))
        .await
        .unwrap_err();
    assert_eq!(
        error.net_error(),
        "net::ERR_MANDATORY_PROXY_CONFIGURATION_FAILED"
    );
    // The failed fetch is remembered, so this does not fetch again.
    let answer = resolve(&resolver, "http://example.com/").await;
    (error, answer)
}

fn fetch_failure(error: &Error) -> &FetchFailure {
    match error {
        Error::PacFetch { failure, .. } => failure,
        other => panic!("expected a fetch failure, got {other:?}"),
    }
}

/// Makes a FIFO with `mkfifo(1)` (no libc binding is a dependency of this crate).
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

#[tokio::test]
async fn dev_zero_is_too_large_not_endless() {
    // `/dev/zero` reports a length of 0 and never ends.
    let options = ResolverOptions::default().pac_max_size(64 << 10);
    let (error, answer) = failure("file:///dev/zero", options).await;
    assert_eq!(fetch_failure(&error), &FetchFailure::TooLarge(64 << 10));
    assert_eq!(answer, "");
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_file_of_unknown_length_is_read_and_bounded() {
    // A `/proc` file reports a length of 0 but has content; it is read, not trusted by its
    // metadata, and is no PAC script, so the failure is the script's, not the fetch's.
    let resolver = ProxyResolver::new(pac("file:///proc/self/status"));
    let error = resolver
        .resolve(&url("http://example.com/"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::PacScript { .. }), "{error:?}");

    // The same file with a limit below its size.
    let options = ResolverOptions::default().pac_max_size(16);
    let (error, _) = failure("file:///proc/self/status", options).await;
    assert_eq!(fetch_failure(&error), &FetchFailure::TooLarge(16));
}

#[tokio::test]
async fn a_fifo_that_never_ends_is_too_large() {
    let dir = TempDir::new("proxy-fifo-endless");
    let fifo = dir.join("endless.pac");
    mkfifo(&fifo);
    // Opening for writing waits for the resolver to open the FIFO for reading; writing stops
    // with an error (EPIPE) once the resolver has read enough and closed it.
    let path = fifo.clone();
    let writer = std::thread::spawn(move || {
        let mut fifo = std::fs::OpenOptions::new().write(true).open(path)?;
        let chunk = [b'/'; 4096];
        loop {
            fifo.write_all(&chunk)?;
        }
    });
    let options = ResolverOptions::default().pac_max_size(64 << 10);
    let file_url = url::Url::from_file_path(&fifo).unwrap();
    let (error, answer) = failure(file_url.as_str(), options).await;
    assert_eq!(fetch_failure(&error), &FetchFailure::TooLarge(64 << 10));
    assert_eq!(answer, "");
    let stopped: std::io::Result<()> = writer.join().unwrap();
    assert_eq!(
        stopped.unwrap_err().kind(),
        std::io::ErrorKind::BrokenPipe,
        "the writer stops only because the reader went away"
    );
}

#[tokio::test]
async fn a_fifo_nobody_writes_to_times_out() {
    let dir = TempDir::new("proxy-fifo-silent");
    let fifo = dir.join("silent.pac");
    mkfifo(&fifo);
    let file_url = url::Url::from_file_path(&fifo).unwrap();
    let options = ResolverOptions::default().pac_fetch_timeout(SHORT);
    let (error, answer) = failure(file_url.as_str(), options.clone()).await;
    assert_eq!(fetch_failure(&error), &FetchFailure::Timeout);
    assert_eq!(answer, "");

    // A writer that opens the FIFO but never writes: still a timeout, not an empty script.
    let silent_writer = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&fifo)
        .unwrap();
    let (error, _) = failure(file_url.as_str(), options).await;
    assert_eq!(fetch_failure(&error), &FetchFailure::Timeout);
    drop(silent_writer);
}

#[tokio::test]
async fn a_fifo_with_a_script_is_read() {
    let dir = TempDir::new("proxy-fifo-script");
    let fifo = dir.join("script.pac");
    mkfifo(&fifo);
    let path = fifo.clone();
    let writer = std::thread::spawn(move || {
        let mut fifo = std::fs::OpenOptions::new().write(true).open(path)?;
        fifo.write_all(SCRIPT.as_bytes())
    });
    let file_url = url::Url::from_file_path(&fifo).unwrap();
    let resolver = ProxyResolver::new(pac(file_url.as_str()));
    assert_eq!(
        resolve(&resolver, "http://example.com/").await,
        "PROXY corp:3128;DIRECT"
    );
    writer.join().unwrap().unwrap();
}

#[tokio::test]
async fn https_pac_urls_are_fetched_through_the_given_client() {
    let server = TlsServer::serving(SCRIPT).await;
    let pac_url = server.url("/proxy.pac");

    // The default client trusts only public roots: the test CA is refused.
    let (error, answer) = failure(pac_url.as_str(), ResolverOptions::default()).await;
    assert!(
        matches!(fetch_failure(&error), FetchFailure::Http(_)),
        "{error:?}"
    );
    assert_eq!(answer, "");
    assert!(server.requests().is_empty(), "no request without TLS");

    let ca = reqwest::Certificate::from_pem(server.ca_pem().as_bytes()).unwrap();
    let client = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([ca])
        .build()
        .unwrap();
    let options = ResolverOptions::default().http_client(client);
    let resolver = ProxyResolver::with_options(pac(pac_url.as_str()), options);
    assert_eq!(
        resolve(&resolver, "http://example.com/").await,
        "PROXY corp:3128;DIRECT"
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].target, "/proxy.pac");
}

#[tokio::test]
async fn a_server_that_accepts_and_stalls_times_out() {
    // The kernel completes connections into the backlog; nobody ever accepts or answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let pac_url = format!("http://{}/proxy.pac", listener.local_addr().unwrap());
    let options = ResolverOptions::default().pac_fetch_timeout(SHORT);
    let (error, answer) = failure(&pac_url, options).await;
    assert_eq!(fetch_failure(&error), &FetchFailure::Timeout);
    assert_eq!(answer, "", "Electron's mandatory-PAC answer");
    assert!(
        error.to_string().contains("timed out"),
        "the message says why: {error}"
    );
    drop(listener);
}
