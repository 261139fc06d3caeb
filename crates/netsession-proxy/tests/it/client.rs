//! The reqwest adapter: requests go through the chosen proxies, with failover, over loopback.

use netsession_proxy::{Error, ProxiedClient, ProxyResolver};
use netsession_test_support::{Reply, TestServer, dead_port};

use crate::rules;

/// A forward proxy on loopback that answers every request itself, naming itself.
async fn proxy(name: &'static str) -> TestServer {
    TestServer::start(move |request| Reply::ok(format!("{name} {}", request.target))).await
}

#[tokio::test]
async fn requests_go_through_the_first_proxy() {
    let first = proxy("first").await;
    let config = rules(&format!("{},direct://", first.addr()), "");
    let client = ProxiedClient::new(ProxyResolver::new(config));
    let request = client.get("http://origin.test/page").unwrap();
    let body = client.execute(request).await.unwrap().text().await.unwrap();
    assert_eq!(body, "first http://origin.test/page");
}

#[tokio::test]
async fn unreachable_proxies_fail_over_and_are_remembered() {
    let live = proxy("live").await;
    let dead = format!("127.0.0.1:{}", dead_port());
    let resolver = ProxyResolver::new(rules(&format!("{dead},{}", live.addr()), ""));
    let client = ProxiedClient::new(resolver.clone());
    let request = client.get("http://origin.test/").unwrap();
    let body = client.execute(request).await.unwrap().text().await.unwrap();
    assert_eq!(body, "live http://origin.test/");
    let bad: Vec<String> = resolver
        .bad_proxies()
        .iter()
        .map(|(c, _)| c.to_string())
        .collect();
    assert_eq!(bad, std::slice::from_ref(&dead));
    // The next request starts with the live proxy.
    let list = resolver
        .resolve_proxy(&crate::url("http://origin.test/"))
        .await;
    assert_eq!(list, format!("PROXY {};PROXY {dead}", live.addr()));
    assert_eq!(live.requests().len(), 1);
}

#[tokio::test]
async fn direct_entries_reach_the_origin() {
    let origin = TestServer::serving("from origin").await;
    let dead = format!("127.0.0.1:{}", dead_port());
    // <-loopback> so that a loopback origin is not bypassed implicitly before the rules apply.
    let resolver = ProxyResolver::new(rules(&format!("{dead},direct://"), "<-loopback>"));
    let client = ProxiedClient::new(resolver);
    let request = client.get(origin.url("/x").as_str()).unwrap();
    let body = client.execute(request).await.unwrap().text().await.unwrap();
    assert_eq!(body, "from origin");
    assert_eq!(origin.requests()[0].target, "/x");
}

#[tokio::test]
async fn every_route_failing_is_an_error_and_marks_nothing() {
    let dead = format!("127.0.0.1:{}", dead_port());
    let resolver = ProxyResolver::new(rules(&dead, ""));
    let client = ProxiedClient::new(resolver.clone());
    let error = client
        .execute(client.get("http://origin.test/").unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::ProxyConnectionFailed { .. }),
        "{error:?}"
    );
    assert_eq!(error.net_error(), "net::ERR_PROXY_CONNECTION_FAILED");
    assert!(resolver.bad_proxies().is_empty());

    let resolver = ProxyResolver::new(rules("bogus://x", ""));
    let client = ProxiedClient::new(resolver);
    let error = client
        .execute(client.get("http://origin.test/").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::NoProxyAvailable(_)), "{error:?}");
}
