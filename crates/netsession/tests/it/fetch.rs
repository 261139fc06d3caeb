//! `Session::fetch` against loopback origins and proxies.

use netsession::{NetworkConditions, ProxyConfig, Session, SessionOptions, Sessions};
use netsession_test_support::{Reply, TempDir, TestServer, dead_port};

fn session(name: &str) -> (TempDir, Session) {
    let dir = TempDir::new(name);
    let session = Sessions::new(dir.path())
        .from_partition(name, SessionOptions::default())
        .unwrap();
    (dir, session)
}

fn get(session: &Session, url: &str) -> reqwest::Request {
    let _ = session;
    reqwest::Request::new(reqwest::Method::GET, url.parse().unwrap())
}

#[tokio::test]
async fn identity_headers_reach_the_origin() {
    let (_dir, s) = session("fetch-identity");
    let origin = TestServer::serving("hello").await;
    s.set_user_agent("MyApp/1.0", Some("en-US,fr"));
    let response = s.fetch(get(&s, origin.url("/x").as_str())).await.unwrap();
    assert_eq!(response.text().await.unwrap(), "hello");
    let seen = &origin.requests()[0];
    assert_eq!(seen.header("user-agent"), Some("MyApp/1.0"));
    assert_eq!(seen.header("accept-language"), Some("en-US,fr;q=0.9"));
}

#[tokio::test]
async fn cookies_are_stored_and_sent_back_across_redirects() {
    let (_dir, s) = session("fetch-cookies");
    let origin = TestServer::start(|request| match request.target.as_str() {
        "/login" => Reply::status(302)
            .header("Location", "/home")
            .header("Set-Cookie", "sid=abc; Path=/"),
        _ => Reply::ok(format!(
            "cookie={}",
            request.header("cookie").unwrap_or("-")
        )),
    })
    .await;
    let response = s
        .fetch(get(&s, origin.url("/login").as_str()))
        .await
        .unwrap();
    assert_eq!(response.url().path(), "/home");
    assert_eq!(response.text().await.unwrap(), "cookie=sid=abc");
    let again = s
        .fetch(get(&s, origin.url("/other").as_str()))
        .await
        .unwrap();
    assert_eq!(again.text().await.unwrap(), "cookie=sid=abc");

    // Another partition has none of it.
    let (_dir2, other) = session("fetch-cookies-other");
    let response = other
        .fetch(get(&other, origin.url("/other").as_str()))
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), "cookie=-");
}

#[tokio::test]
async fn redirect_loops_end_in_too_many_redirects() {
    let (_dir, s) = session("fetch-loop");
    let origin = TestServer::start(|_| Reply::status(302).header("Location", "/again")).await;
    let error = s
        .fetch(get(&s, origin.url("/").as_str()))
        .await
        .unwrap_err();
    assert_eq!(error.name(), "net::ERR_TOO_MANY_REDIRECTS");
    assert_eq!(error.code(), -310);
    assert_eq!(
        origin.requests().len(),
        21,
        "the first request and 20 redirects"
    );
}

#[tokio::test]
async fn offline_emulation_fails_without_touching_the_network() {
    let (_dir, s) = session("fetch-offline");
    let origin = TestServer::serving("x").await;
    s.enable_network_emulation(NetworkConditions {
        offline: true,
        ..NetworkConditions::default()
    });
    let error = s
        .fetch(get(&s, origin.url("/").as_str()))
        .await
        .unwrap_err();
    assert_eq!(error.name(), "net::ERR_INTERNET_DISCONNECTED");
    assert!(origin.requests().is_empty());
    s.disable_network_emulation();
    assert!(s.fetch(get(&s, origin.url("/").as_str())).await.is_ok());
}

#[tokio::test]
async fn requests_fail_over_along_the_proxy_list() {
    let (_dir, s) = session("fetch-proxy");
    let live =
        TestServer::start(|request| Reply::ok(format!("via proxy {}", request.target))).await;
    let dead = format!("127.0.0.1:{}", dead_port());
    s.set_proxy(ProxyConfig {
        proxy_rules: format!("{dead},{}", live.addr()),
        ..ProxyConfig::default()
    })
    .await
    .unwrap();
    let response = s.fetch(get(&s, "http://origin.test/page")).await.unwrap();
    assert_eq!(
        response.text().await.unwrap(),
        "via proxy http://origin.test/page"
    );
    assert_eq!(
        s.resolve_proxy("http://origin.test/").await,
        format!("PROXY {};PROXY {dead}", live.addr()),
        "the dead proxy now goes last"
    );

    s.set_proxy(ProxyConfig {
        proxy_rules: dead.clone(),
        ..ProxyConfig::default()
    })
    .await
    .unwrap();
    let error = s.fetch(get(&s, "http://origin.test/")).await.unwrap_err();
    assert_eq!(error.name(), "net::ERR_PROXY_CONNECTION_FAILED", "{error}");
}

#[tokio::test]
async fn direct_failures_and_unknown_schemes() {
    let (_dir, s) = session("fetch-errors");
    let url = format!("http://127.0.0.1:{}/", dead_port());
    let error = s.fetch(get(&s, &url)).await.unwrap_err();
    assert_eq!(error.name(), "net::ERR_CONNECTION_REFUSED", "{error}");
    let error = s.fetch(get(&s, "ftp://example.com/")).await.unwrap_err();
    assert_eq!(error.name(), "net::ERR_UNKNOWN_URL_SCHEME");
    let pac = ProxyConfig {
        pac_script: "data:,function FindProxyForURL(u, h) { throw 1; }".into(),
        ..ProxyConfig::default()
    };
    s.set_proxy(pac).await.unwrap();
    let error = s.fetch(get(&s, "http://origin.test/")).await.unwrap_err();
    assert_eq!(
        error.name(),
        "net::ERR_MANDATORY_PROXY_CONFIGURATION_FAILED"
    );
}
