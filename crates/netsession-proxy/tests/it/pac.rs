//! PAC scripts from data:, file: and loopback http: URLs, and the mandatory-PAC rule.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use netsession_proxy::{Error, FetchFailure, Mode, ProxyConfig, ProxyResolver, ResolverOptions};
use netsession_test_support::{Reply, TestServer, dead_port};

use crate::{pac, pac_data, resolve, url};

const SCRIPT: &str = "function FindProxyForURL(url, host) {\n\
    if (dnsDomainIs(host, '.internal')) return 'DIRECT';\n\
    if (url.substring(0, 6) == 'https:') return 'HTTPS secure:443; PROXY fallback:8080';\n\
    return 'PROXY corp:3128; DIRECT';\n}\n";

#[tokio::test]
async fn data_urls() {
    let resolver = ProxyResolver::new(pac(&pac_data(SCRIPT)));
    assert_eq!(
        resolve(&resolver, "http://example.com/").await,
        "PROXY corp:3128;DIRECT"
    );
    assert_eq!(
        resolve(&resolver, "https://example.com/").await,
        "HTTPS secure:443;PROXY fallback:8080"
    );
    assert_eq!(resolve(&resolver, "http://wiki.internal/").await, "DIRECT");
}

#[tokio::test]
async fn file_urls() {
    let dir = std::env::temp_dir().join(format!("netsession-proxy-pac-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("proxy.pac");
    std::fs::write(&path, SCRIPT).unwrap();
    let file_url = url::Url::from_file_path(&path).unwrap();
    let resolver = ProxyResolver::new(pac(file_url.as_str()));
    assert_eq!(
        resolve(&resolver, "http://example.com/").await,
        "PROXY corp:3128;DIRECT"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn http_urls_fetched_once_and_decoded_as_latin1_by_default() {
    // The comment holds byte 0xE9, which is not UTF-8: ISO-8859-1 decoding must accept it.
    let mut body = b"// caf\xe9\n".to_vec();
    body.extend_from_slice(SCRIPT.as_bytes());
    let server = TestServer::start(move |_| Reply::ok(body.clone())).await;
    let resolver = ProxyResolver::new(pac(server.url("/proxy.pac").as_str()));
    for _ in 0..3 {
        assert_eq!(
            resolve(&resolver, "http://example.com/").await,
            "PROXY corp:3128;DIRECT"
        );
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "the script is fetched once and reused");
    assert_eq!(
        requests[0].target, "/proxy.pac",
        "PAC scripts are never fetched via a proxy"
    );
}

#[tokio::test]
async fn mandatory_pac_failures_give_the_empty_string_except_for_implicit_hosts() {
    let server = TestServer::start(|_| Reply::status(404)).await;
    let resolver = ProxyResolver::new(pac(server.url("/missing.pac").as_str()));
    assert_eq!(resolve(&resolver, "http://example.com/").await, "");
    let error = resolver
        .resolve(&url("http://example.com/"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            Error::PacFetch {
                failure: FetchFailure::Status(404),
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.net_error(),
        "net::ERR_MANDATORY_PROXY_CONFIGURATION_FAILED"
    );
    for implicit in [
        "http://localhost/",
        "http://127.0.0.1/",
        "http://[::1]/",
        "http://169.254.3.4/",
    ] {
        assert_eq!(resolve(&resolver, implicit).await, "DIRECT", "{implicit}");
    }

    let refused = format!("http://127.0.0.1:{}/proxy.pac", dead_port());
    let resolver = ProxyResolver::new(pac(&refused));
    assert_eq!(resolve(&resolver, "http://example.com/").await, "");
}

#[tokio::test]
async fn script_errors_are_mandatory_failures_too() {
    let throws = pac_data("function FindProxyForURL(u, h) { throw new Error('boom'); }");
    let resolver = ProxyResolver::new(pac(&throws));
    assert_eq!(resolve(&resolver, "http://example.com/").await, "");
    let error = resolver
        .resolve(&url("http://example.com/"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::PacScript { .. }), "{error:?}");
    assert!(error.to_string().contains("boom"), "{error}");

    let syntax = pac_data("function FindProxyForURL(u, h) { return 'DIRECT' ");
    let resolver = ProxyResolver::new(pac(&syntax));
    assert_eq!(resolve(&resolver, "http://example.com/").await, "");
}

#[tokio::test]
async fn a_failed_fetch_is_retried_only_after_the_schedule_allows() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    let server = TestServer::start(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
        Reply::status(500)
    })
    .await;
    let resolver = ProxyResolver::new(pac(server.url("/p.pac").as_str()));
    for _ in 0..5 {
        assert_eq!(resolve(&resolver, "http://example.com/").await, "");
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        1,
        "no refetch before 8 seconds have passed"
    );
    resolver.reload().await;
    assert_eq!(resolve(&resolver, "http://example.com/").await, "");
    assert_eq!(hits.load(Ordering::SeqCst), 2, "reload fetches again");
}

#[tokio::test]
async fn oversized_scripts_are_refused() {
    let big = format!("{}\n{SCRIPT}", "//".repeat(600_000));
    let server = TestServer::serving(&big).await;
    let options = ResolverOptions::default().pac_max_size(1 << 20);
    let resolver = ProxyResolver::with_options(pac(server.url("/big.pac").as_str()), options);
    let error = resolver
        .resolve(&url("http://example.com/"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::PacFetch {
                failure: FetchFailure::TooLarge(_),
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn auto_detect_falls_back_to_direct() {
    let wpad = format!("http://127.0.0.1:{}/wpad.dat", dead_port());
    let config = ProxyConfig {
        mode: Some(Mode::AutoDetect),
        ..ProxyConfig::default()
    };
    let options = ResolverOptions::default().wpad_url(url(&wpad));
    let resolver = ProxyResolver::with_options(config.clone(), options);
    assert_eq!(resolve(&resolver, "http://example.com/").await, "DIRECT");

    let server = TestServer::serving(SCRIPT).await;
    let options = ResolverOptions::default().wpad_url(server.url("/wpad.dat"));
    let resolver = ProxyResolver::with_options(config, options);
    assert_eq!(
        resolve(&resolver, "http://example.com/").await,
        "PROXY corp:3128;DIRECT"
    );
}

#[tokio::test]
async fn pac_sees_sanitized_urls() {
    let script = pac_data(
        "function FindProxyForURL(url, host) { return 'PROXY ' + host + ':1;' + 'PROXY x' + url.length + ':2'; }",
    );
    let resolver = ProxyResolver::new(pac(&script));
    // https://example.com:88/ is 23 characters: path, query, userinfo and fragment are gone.
    assert_eq!(
        resolve(&resolver, "https://user:pw@example.com:88/secret?q=1#frag").await,
        "PROXY example.com:1;PROXY x23:2"
    );
}

#[tokio::test]
async fn a_runaway_script_fails_its_url_only() {
    // The script spins for host `loop`, after a lookup that tells the test it started and
    // then waits for the test's go-ahead: the other URLs are answered while that call is
    // provably still running, with no assumption about how long anything takes.
    let (started_tx, mut started) = tokio::sync::mpsc::unbounded_channel();
    let (release, gate) = std::sync::mpsc::channel::<()>();
    let gate = Arc::new(std::sync::Mutex::new(gate));
    let script = "function FindProxyForURL(u, h) {\n\
                  \x20 if (h == 'loop') {\n\
                  \x20   dnsResolve('spinning.test');\n\
                  \x20   while (true) {}\n\
                  \x20 }\n\
                  \x20 return 'PROXY p:1';\n\
                  }";
    let options = ResolverOptions::default().pac_compiler(move |source| {
        let (started_tx, gate) = (started_tx.clone(), Arc::clone(&gate));
        netsession_pac::PacScript::builder(source)
            .resolver(move |host: &str| {
                if host == "spinning.test" {
                    // Nobody listens after the first call; later calls just spin.
                    let _ = started_tx.send(());
                    // Returns when the test releases the gate or has dropped it.
                    let _ = gate.lock().unwrap().recv();
                }
                Err(std::io::ErrorKind::NotFound.into())
            })
            // The loop is stopped this long after the call began; the test never relies on it.
            .deadline(std::time::Duration::from_millis(200))
            .max_engines(2)
            .build()
    });
    let resolver = ProxyResolver::with_options(pac(&pac_data(script)), options);
    let spinning = {
        let resolver = resolver.clone();
        tokio::spawn(async move { resolve(&resolver, "http://loop/").await })
    };
    started.recv().await.unwrap();
    for host in ["a.test", "b.test", "c.test"] {
        assert_eq!(
            resolve(&resolver, &format!("http://{host}/")).await,
            "PROXY p:1",
            "{host}"
        );
    }
    // Every answer above came while the runaway call was held at its lookup.
    assert!(!spinning.is_finished());
    release.send(()).unwrap();
    assert_eq!(
        spinning.await.unwrap(),
        "",
        "Electron's mandatory-PAC answer"
    );
    drop(release);

    let error = resolver.resolve(&url("http://loop/")).await.unwrap_err();
    match &error {
        Error::PacScript { source, .. } => {
            assert_eq!(source.kind(), netsession_pac::ErrorKind::Timeout);
        }
        other => panic!("expected the script's timeout, got {other:?}"),
    }
    assert_eq!(resolve(&resolver, "http://after.test/").await, "PROXY p:1");
}
