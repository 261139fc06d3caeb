//! The request pipeline against real loopback servers: SOCKS5 and CONNECT proxies, TLS with
//! generated certificates and the verify proc, Basic and Digest authentication, the HTTP
//! cache, the host resolver cache, downloads and blobs.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use md5::Digest as _;
use netsession::cert_verify::{CertVerifier, VerifyProc};
use netsession::downloads::{DownloadState, InterruptedDownloadOptions, WillDownload};
use netsession::http_cache::CacheStatus;
use netsession::{Credentials, LoginRequest, ProxyConfig, SessionOptions, Sessions};
use netsession_test_support::{
    ConnectProxy, Recorded, Reply, Socks5Server, TempDir, TestServer, TlsServer,
};

use crate::{get, session};

fn trusting(ca_pem: &str) -> CertVerifier {
    CertVerifier::builder()
        .add_roots_pem(ca_pem.as_bytes())
        .unwrap()
        .build()
        .unwrap()
}

/// Loopback is bypassed implicitly, as in Chromium; `<-loopback>` sends it to the proxy.
fn through(proxy: &str) -> ProxyConfig {
    ProxyConfig {
        proxy_rules: proxy.to_owned(),
        proxy_bypass_rules: "<-loopback>".into(),
        ..ProxyConfig::default()
    }
}

#[tokio::test]
async fn socks5_proxies_carry_requests_with_the_host_name() {
    let dir = TempDir::new("pipeline-socks");
    let s = session(&dir, "socks");
    let origin = TestServer::serving("via socks").await;
    let socks = Socks5Server::start().await;
    s.set_proxy(through(&socks.url())).await.unwrap();
    let url = format!("http://localhost:{}/x", origin.addr().port());
    assert_eq!(
        s.resolve_proxy(&url).await,
        format!("SOCKS5 {}", socks.addr())
    );
    let response = s.fetch(get(&url)).await.unwrap();
    assert_eq!(response.text().await.unwrap(), "via socks");
    // SOCKS5 in Chromium sends the name, not an address it resolved.
    assert_eq!(
        socks.targets(),
        vec![format!("localhost:{}", origin.addr().port())]
    );
}

#[tokio::test]
async fn https_goes_through_a_connect_tunnel_and_the_session_verifier() {
    let dir = TempDir::new("pipeline-connect");
    let s = session(&dir, "connect");
    let origin = TlsServer::serving("secret page").await;
    let proxy = ConnectProxy::start().await;
    s.set_proxy(through(&proxy.url())).await.unwrap();
    let url = origin.url("/page");

    // The test CA is nobody's root: Chromium's authority error.
    let error = s.fetch(get(url.as_str())).await.unwrap_err();
    assert_eq!(error.name(), "net::ERR_CERT_AUTHORITY_INVALID", "{error}");
    assert_eq!(error.code(), -202);

    s.set_certificate_verifier(trusting(&origin.ca_pem()))
        .unwrap();
    let response = s.fetch(get(url.as_str())).await.unwrap();
    assert_eq!(response.text().await.unwrap(), "secret page");
    let authority = format!("localhost:{}", origin.addr().port());
    assert!(
        proxy.targets().contains(&authority),
        "{:?}",
        proxy.targets()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_verify_proc_decides_and_none_restores_the_default() {
    let dir = TempDir::new("pipeline-proc");
    let s = session(&dir, "proc");
    let origin = TlsServer::serving("ok").await;
    let url = origin.url("/");
    let seen = Arc::new(Mutex::new(Vec::new()));

    // 0 accepts a chain the verifier refuses.
    let log = Arc::clone(&seen);
    s.set_certificate_verify_proc(Some(VerifyProc::from_fn(move |request| {
        log.lock()
            .unwrap()
            .push((request.hostname.clone(), request.error_code));
        0
    })))
    .unwrap();
    let response = s.fetch(get(url.as_str())).await.unwrap();
    assert_eq!(response.text().await.unwrap(), "ok");
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        [("localhost".to_owned(), -202)]
    );

    // Any other code fails the request with it (no saved TLS session skips the proc).
    s.set_certificate_verify_proc(Some(VerifyProc::from_fn(|_| -207)))
        .unwrap();
    let error = s.fetch(get(url.as_str())).await.unwrap_err();
    assert_eq!(error.name(), "net::ERR_CERT_INVALID", "{error}");

    // -3 uses the verifier's verdict; a verifier trusting the CA says yes.
    s.set_certificate_verify_proc(Some(VerifyProc::from_fn(|_| -3)))
        .unwrap();
    s.set_certificate_verifier(trusting(&origin.ca_pem()))
        .unwrap();
    s.fetch(get(url.as_str())).await.unwrap();

    // `None` restores the default, which a new verifier without the CA refuses.
    s.set_certificate_verify_proc(None).unwrap();
    s.set_certificate_verifier(CertVerifier::new()).unwrap();
    let error = s.fetch(get(url.as_str())).await.unwrap_err();
    assert_eq!(error.name(), "net::ERR_CERT_AUTHORITY_INVALID");
}

fn basic_origin() -> impl Fn(&Recorded) -> Reply + Send + Sync + 'static {
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("ada:lovelace")
    );
    move |request| {
        if request.header("authorization") == Some(expected.as_str()) {
            Reply::ok(format!("hello {}", request.target))
        } else {
            Reply::status(401).header("WWW-Authenticate", "Basic realm=\"vault\"")
        }
    }
}

#[tokio::test]
async fn basic_auth_asks_the_login_handler_once_and_caches() {
    let dir = TempDir::new("pipeline-basic");
    let s = session(&dir, "basic");
    let origin = TestServer::start(basic_origin()).await;

    // No handler: the 401 comes back as it is.
    let response = s.fetch(get(origin.url("/a/one").as_str())).await.unwrap();
    assert_eq!(response.status(), 401);

    let asked = Arc::new(Mutex::new(Vec::<LoginRequest>::new()));
    let log = Arc::clone(&asked);
    s.set_login_handler(Some(move |request: LoginRequest| {
        log.lock().unwrap().push(request);
        async { Some(Credentials::new("ada", "lovelace")) }
    }));
    let response = s.fetch(get(origin.url("/a/one").as_str())).await.unwrap();
    assert_eq!(response.text().await.unwrap(), "hello /a/one");
    {
        let asked = asked.lock().unwrap();
        assert_eq!(asked.len(), 1);
        let info = &asked[0].auth_info;
        assert_eq!(
            (info.scheme.as_str(), info.realm.as_str(), info.is_proxy),
            ("basic", "vault", false)
        );
        assert_eq!(info.port, origin.addr().port());
    }

    // Below the same directory, the credentials go at once.
    let before = origin.requests().len();
    let response = s.fetch(get(origin.url("/a/two").as_str())).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(origin.requests().len(), before + 1);
    assert_eq!(asked.lock().unwrap().len(), 1);

    // Elsewhere on the origin: one 401, answered from the cache without asking.
    let response = s.fetch(get(origin.url("/b").as_str())).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(asked.lock().unwrap().len(), 1);

    // clearAuthCache: the handler is asked again.
    s.clear_auth_cache().await;
    let response = s.fetch(get(origin.url("/c").as_str())).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(asked.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn credentials_in_the_url_answer_the_first_challenge() {
    let dir = TempDir::new("pipeline-url-auth");
    let s = session(&dir, "url-auth");
    let origin = TestServer::start(basic_origin()).await;
    let url = format!("http://ada:lovelace@127.0.0.1:{}/x", origin.addr().port());
    let response = s.fetch(get(&url)).await.unwrap();
    assert_eq!(response.text().await.unwrap(), "hello /x");
    let requests = origin.requests();
    // Not sent before the challenge, then sent once.
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].header("authorization"), None);

    let wrong = format!("http://ada:babbage@127.0.0.1:{}/y", origin.addr().port());
    let s2 = session(&dir, "url-auth-wrong");
    let response = s2.fetch(get(&wrong)).await.unwrap();
    assert_eq!(response.status(), 401);
}

/// An origin checking Digest answers on its own (RFC 7616), independent of the session's
/// implementation.
fn digest_origin(algorithm: &'static str) -> impl Fn(&Recorded) -> Reply + Send + Sync {
    let nonces = Arc::new(AtomicUsize::new(0));
    move |request| {
        let challenge = || {
            let nonce = format!("n{}", nonces.fetch_add(1, Ordering::SeqCst));
            Reply::status(401).header(
                "WWW-Authenticate",
                &format!(
                    "Digest realm=\"digest@test\", qop=\"auth,auth-int\", algorithm={algorithm}, nonce=\"{nonce}\", opaque=\"op\""
                ),
            )
        };
        let Some(header) = request.header("authorization") else {
            return challenge();
        };
        let Some(params) = header.strip_prefix("Digest ") else {
            return challenge();
        };
        let field = |name: &str| -> String {
            params
                .split(", ")
                .find_map(|p| p.strip_prefix(&format!("{name}=")))
                .unwrap_or_default()
                .trim_matches('"')
                .to_owned()
        };
        let hash = |text: String| -> String {
            if algorithm == "SHA-256" {
                hex(&sha2::Sha256::digest(text.as_bytes()))
            } else {
                hex(&md5::Md5::digest(text.as_bytes()))
            }
        };
        let ha1 = hash(format!("{}:digest@test:Circle of Life", field("username")));
        let ha2 = hash(format!("{}:{}", request.method, field("uri")));
        let expected = hash(format!(
            "{ha1}:{}:{}:{}:auth:{ha2}",
            field("nonce"),
            field("nc"),
            field("cnonce")
        ));
        if field("response") == expected
            && field("opaque") == "op"
            && field("uri") == request.target
            && field("username") == "Mufasa"
        {
            Reply::ok(format!("digest ok nc={}", field("nc")))
        } else {
            challenge()
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn digest_auth_md5_and_sha256() {
    for algorithm in ["MD5", "SHA-256"] {
        let dir = TempDir::new("pipeline-digest");
        let s = session(&dir, "digest");
        let origin = TestServer::start(digest_origin(algorithm)).await;
        s.set_login_handler(Some(|request: LoginRequest| async move {
            assert_eq!(request.auth_info.scheme, "digest");
            assert_eq!(request.auth_info.realm, "digest@test");
            Some(Credentials::new("Mufasa", "Circle of Life"))
        }));
        let response = s
            .fetch(get(origin.url("/dir/index.html?q=1").as_str()))
            .await
            .unwrap();
        assert_eq!(
            response.text().await.unwrap(),
            "digest ok nc=00000001",
            "{algorithm}"
        );
        // The next request under the directory answers at once, with the next count.
        let response = s
            .fetch(get(origin.url("/dir/other").as_str()))
            .await
            .unwrap();
        assert_eq!(
            response.text().await.unwrap(),
            "digest ok nc=00000002",
            "{algorithm}"
        );
        assert_eq!(origin.requests().len(), 3, "{algorithm}");
    }
}

#[tokio::test]
async fn the_cache_answers_and_is_sized_cleared_and_per_partition() {
    let dir = TempDir::new("pipeline-cache");
    let s = session(&dir, "persist:cached");
    let origin =
        TestServer::start(|_| Reply::ok(vec![b'c'; 10_000]).header("Cache-Control", "max-age=600"))
            .await;
    let url = origin.url("/doc");
    let first = s.fetch(get(url.as_str())).await.unwrap();
    assert_eq!(CacheStatus::of(&first), Some(CacheStatus::Stored));
    // Every layer keeps the body's length.
    assert_eq!(first.content_length(), Some(10_000));
    assert_eq!(first.bytes().await.unwrap().len(), 10_000);
    let second = s.fetch(get(url.as_str())).await.unwrap();
    assert_eq!(CacheStatus::of(&second), Some(CacheStatus::Hit));
    assert_eq!(second.content_length(), Some(10_000));
    assert_eq!(second.bytes().await.unwrap().len(), 10_000);
    assert_eq!(origin.requests().len(), 1);
    assert!(s.cache_size() > 10_000, "{}", s.cache_size());
    assert!(s.storage_path().unwrap().join("Cache").is_dir());

    // Another partition has a cache of its own.
    let other = session(&dir, "other");
    let response = other.fetch(get(url.as_str())).await.unwrap();
    assert_eq!(CacheStatus::of(&response), Some(CacheStatus::Stored));
    drop(response);
    assert_eq!(origin.requests().len(), 2);

    s.clear_cache().await.unwrap();
    assert_eq!(s.cache_size(), 0);
    let third = s.fetch(get(url.as_str())).await.unwrap();
    assert_eq!(CacheStatus::of(&third), Some(CacheStatus::Stored));
    drop(third);

    // `cache: false`: never stored.
    let uncached = Sessions::new(dir.path())
        .from_partition("uncached", SessionOptions::default().cache(false))
        .unwrap();
    for _ in 0..2 {
        let response = uncached.fetch(get(url.as_str())).await.unwrap();
        assert_eq!(CacheStatus::of(&response), Some(CacheStatus::Miss));
    }
    assert_eq!(uncached.cache_size(), 0);
}

#[tokio::test]
async fn the_host_resolver_cache_is_used_and_cleared() {
    let dir = TempDir::new("pipeline-dns");
    let s = session(&dir, "dns");
    let origin = TestServer::serving("named").await;
    let url = format!("http://localhost:{}/", origin.addr().port());
    s.fetch(get(&url)).await.unwrap();
    assert_eq!(s.host_resolver().len(), 1);
    assert_eq!(s.host_resolver().lookups(), 1);
    // A new connection, the same name: answered from the cache.
    s.close_all_connections().await;
    s.fetch(get(&url)).await.unwrap();
    assert_eq!(s.host_resolver().lookups(), 1);

    s.clear_host_resolver_cache().await;
    assert!(s.host_resolver().is_empty());
    s.close_all_connections().await;
    s.fetch(get(&url)).await.unwrap();
    assert_eq!(s.host_resolver().lookups(), 2);
}

#[tokio::test]
async fn downloads_go_through_the_session_and_will_download() {
    let dir = TempDir::new("pipeline-download");
    let s = session(&dir, "download");
    let downloads = TempDir::new("pipeline-download-files");
    s.set_download_path(downloads.path()).unwrap();
    let origin = TestServer::start(|request| {
        Reply::ok(format!(
            "cookie={}",
            request.header("cookie").unwrap_or("-")
        ))
        .header("Content-Disposition", "attachment; filename=\"report.txt\"")
    })
    .await;
    s.cookies()
        .store(&origin.url("/"), "sid=downloader")
        .unwrap();
    s.set_user_agent("Downloader/1.0", None);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    s.on_will_download(Some(move |item: &netsession::downloads::DownloadItem| {
        log.lock().unwrap().push(item.file_name());
        WillDownload::Continue
    }));

    let item = s.download(origin.url("/get").as_str()).unwrap();
    assert_eq!(item.settled().await, DownloadState::Completed);
    assert_eq!(seen.lock().unwrap().as_slice(), ["report.txt"]);
    let saved = downloads.path().join("report.txt");
    assert_eq!(
        std::fs::read_to_string(&saved).unwrap(),
        "cookie=sid=downloader"
    );
    assert_eq!(
        origin.requests()[0].header("user-agent"),
        Some("Downloader/1.0")
    );

    // Cancelled in will-download: nothing is written.
    s.on_will_download(Some(|_: &netsession::downloads::DownloadItem| {
        WillDownload::Cancel
    }));
    let item = s.download(origin.url("/again").as_str()).unwrap();
    assert_eq!(item.settled().await, DownloadState::Cancelled);
    assert_eq!(downloads.names(), vec!["report.txt".to_owned()]);

    // createInterruptedDownload goes through the same manager and hook.
    let error = s
        .create_interrupted_download(InterruptedDownloadOptions::new(
            downloads.path().join("x.bin"),
            vec![origin.url("/x.bin")],
            10,
            5,
        ))
        .unwrap_err();
    assert!(error.to_string().contains("offset"), "{error}");
}

#[tokio::test]
async fn blobs_are_registered_per_session() {
    let dir = TempDir::new("pipeline-blobs");
    let s = session(&dir, "blobs");
    let id = s.create_blob(&b"blob bytes"[..]);
    assert_eq!(&s.get_blob_data(&id).await.unwrap()[..], b"blob bytes");
    let other = session(&dir, "blobs-other");
    let error = other.get_blob_data(&id).await.unwrap_err();
    assert_eq!(error.to_string(), "Could not get blob data handle");
}

#[test]
fn everything_persists_across_a_new_registry() {
    let dir = TempDir::new("pipeline-restart");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let origin = runtime.block_on(TestServer::start(|request| {
        Reply::ok(format!(
            "cookie={}",
            request.header("cookie").unwrap_or("-")
        ))
        .header("Cache-Control", "max-age=600")
        .header("Set-Cookie", "kept=1; Max-Age=3600")
    }));
    let url = origin.url("/page");
    runtime.block_on(async {
        let s = session(&dir, "persist:restart");
        let response = s.fetch(get(url.as_str())).await.unwrap();
        assert_eq!(response.text().await.unwrap(), "cookie=-");
        s.cookies().flush_store().unwrap();
    });
    // Every handle of the first registry is gone; a new one reads the same folder.
    runtime.block_on(async {
        let s = session(&dir, "persist:restart");
        let response = s.fetch(get(url.as_str())).await.unwrap();
        assert_eq!(CacheStatus::of(&response), Some(CacheStatus::Hit));
        assert!(s.cache_size() > 0);
        let again = s.fetch(get(origin.url("/other").as_str())).await.unwrap();
        assert_eq!(again.text().await.unwrap(), "cookie=kept=1");
    });
    assert_eq!(origin.requests().len(), 2);
}

#[tokio::test]
async fn proxies_that_ask_for_credentials_get_them_from_the_login_handler() {
    let dir = TempDir::new("pipeline-proxy-auth");
    let s = session(&dir, "proxy-auth");
    let origin = TestServer::serving("behind the proxy").await;
    let tls = TlsServer::serving("tunnelled").await;
    let proxy = ConnectProxy::requiring_basic("puser", "ppass").await;
    s.set_proxy(through(&proxy.url())).await.unwrap();
    s.set_certificate_verifier(trusting(&tls.ca_pem())).unwrap();

    // No login handler: the 407 comes back for plain http, a tunnel fails.
    let response = s.fetch(get(origin.url("/a").as_str())).await.unwrap();
    assert_eq!(response.status(), 407);
    let error = s.fetch(get(tls.url("/t").as_str())).await.unwrap_err();
    assert_eq!(error.name(), "net::ERR_PROXY_AUTH_REQUESTED", "{error}");
    assert_eq!(error.code(), -127);

    let asked = Arc::new(Mutex::new(Vec::<netsession::AuthInfo>::new()));
    let log = Arc::clone(&asked);
    s.set_login_handler(Some(move |request: LoginRequest| {
        log.lock().unwrap().push(request.auth_info.clone());
        async move {
            request
                .auth_info
                .is_proxy
                .then(|| Credentials::new("puser", "ppass"))
        }
    }));
    let response = s.fetch(get(origin.url("/b").as_str())).await.unwrap();
    assert_eq!(response.text().await.unwrap(), "behind the proxy");
    {
        let asked = asked.lock().unwrap();
        assert_eq!(asked.len(), 1);
        assert!(asked[0].is_proxy);
        assert_eq!(asked[0].realm, "proxy");
        assert_eq!(asked[0].port, proxy.addr().port());
    }
    // The route now carries the credentials: tunnels work without asking again.
    let response = s.fetch(get(tls.url("/t").as_str())).await.unwrap();
    assert_eq!(response.text().await.unwrap(), "tunnelled");
    assert_eq!(asked.lock().unwrap().len(), 1);
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("puser:ppass")
    );
    assert!(proxy.proxy_authorizations().contains(&expected));

    // clearAuthCache forgets proxy credentials too; a tunnel asks first this time.
    s.clear_auth_cache().await;
    let response = s.fetch(get(tls.url("/t2").as_str())).await.unwrap();
    assert_eq!(response.text().await.unwrap(), "tunnelled");
    let asked = asked.lock().unwrap();
    assert_eq!(asked.len(), 2);
    assert_eq!(asked[1].realm, "");
}

#[tokio::test]
async fn navigating_to_an_attachment_downloads_it() {
    let dir = TempDir::new("pipeline-navigate");
    let s = session(&dir, "navigate");
    let downloads = TempDir::new("pipeline-navigate-files");
    s.set_download_path(downloads.path()).unwrap();
    let origin = TestServer::start(|request| match request.target.as_str() {
        "/report" => Reply::ok("quarterly numbers")
            .header("Content-Disposition", "Attachment; filename=\"q3.txt\""),
        "/go" => Reply::status(302).header("Location", "/report"),
        _ => Reply::ok("<h1>page</h1>").header("Content-Type", "text/html"),
    })
    .await;
    let announced = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&announced);
    s.on_will_download(Some(move |item: &netsession::downloads::DownloadItem| {
        seen.lock().unwrap().push(item.url_chain().len());
        WillDownload::Continue
    }));
    let main_frames = Arc::new(Mutex::new(Vec::new()));
    let frames = Arc::clone(&main_frames);
    s.web_request().on_send_headers(
        Some(
            netsession::web_request::Filter::default()
                .types([netsession::web_request::ResourceType::MainFrame]),
        ),
        Some(move |d: netsession::web_request::Details| {
            frames.lock().unwrap().push(d.url.path().to_owned());
        }),
    );

    match s.navigate(get(origin.url("/").as_str())).await.unwrap() {
        netsession::Navigation::Page(response) => {
            assert_eq!(response.text().await.unwrap(), "<h1>page</h1>");
        }
        other => panic!("a page, not {other:?}"),
    }
    let netsession::Navigation::Download(item) =
        s.navigate(get(origin.url("/go").as_str())).await.unwrap()
    else {
        panic!("a download");
    };
    assert_eq!(item.settled().await, DownloadState::Completed);
    assert_eq!(
        std::fs::read_to_string(downloads.path().join("q3.txt")).unwrap(),
        "quarterly numbers"
    );
    // The chain holds the redirect; will-download ran once; the origin saw one request.
    assert_eq!(announced.lock().unwrap().as_slice(), [2]);
    assert_eq!(
        origin
            .requests()
            .iter()
            .filter(|r| r.target == "/report")
            .count(),
        1
    );
    assert_eq!(
        main_frames.lock().unwrap().as_slice(),
        ["/", "/go", "/report"]
    );
    // `fetch` is not a navigation: an attachment stays a response.
    let response = s.fetch(get(origin.url("/report").as_str())).await.unwrap();
    assert_eq!(response.text().await.unwrap(), "quarterly numbers");
}

#[tokio::test]
async fn downloads_go_through_the_pipeline_with_auth_and_webrequest() {
    let dir = TempDir::new("pipeline-download-auth");
    let s = session(&dir, "download-auth");
    let downloads = TempDir::new("pipeline-download-auth-files");
    s.set_download_path(downloads.path()).unwrap();
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("ada:lovelace")
    );
    let origin = TestServer::start(move |request| match request.target.as_str() {
        "/moved" => Reply::status(302).header("Location", "/private.bin"),
        _ if request.header("authorization") == Some(expected.as_str()) => {
            Reply::ok("secret bytes")
        }
        _ => Reply::status(401).header("WWW-Authenticate", "Basic realm=\"files\""),
    })
    .await;
    s.set_login_handler(Some(|_: LoginRequest| async {
        Some(Credentials::new("ada", "lovelace"))
    }));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    s.web_request().on_send_headers(
        None,
        Some(move |d: netsession::web_request::Details| {
            log.lock()
                .unwrap()
                .push((d.url.path().to_owned(), d.resource_type));
        }),
    );
    let item = s.download(origin.url("/moved").as_str()).unwrap();
    assert_eq!(item.settled().await, DownloadState::Completed);
    assert_eq!(
        std::fs::read_to_string(item.save_path().unwrap()).unwrap(),
        "secret bytes"
    );
    // The manager followed the redirect (the chain has both URLs); each hop went through
    // webRequest as an `other` request.
    assert_eq!(item.url_chain().len(), 2);
    let other = netsession::web_request::ResourceType::Other;
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        [
            ("/moved".to_owned(), other),
            ("/private.bin".to_owned(), other)
        ]
    );
}
