//! `ses.webRequest`: every event, in order, on a redirecting loopback origin; cancelling,
//! rewriting headers, filters, and listeners that fail or never answer.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use netsession::web_request::{
    BeforeRequestResponse, BeforeSendHeadersResponse, Details, Filter, HeadersReceivedResponse,
    ResourceType,
};
use netsession::{Session, SessionOptions, Sessions};
use netsession_test_support::{Reply, TempDir, TestServer};
use reqwest::header::{HeaderMap, HeaderValue};

use crate::{get, session};

type Log = Arc<Mutex<Vec<String>>>;

/// Records `event url` lines from every event.
fn record_everything(s: &Session) -> Log {
    let log: Log = Arc::default();
    let web = s.web_request();
    let entry = |log: &Log, event: &'static str| {
        let log = Arc::clone(log);
        move |details: &Details| {
            log.lock()
                .unwrap()
                .push(format!("{event} {} {}", details.id, details.url.path()));
        }
    };
    let before = entry(&log, "before_request");
    web.on_before_request(
        None,
        Some(move |d: Details| {
            before(&d);
            async { BeforeRequestResponse::proceed() }
        }),
    );
    let send = entry(&log, "before_send_headers");
    web.on_before_send_headers(
        None,
        Some(move |d: Details| {
            send(&d);
            async { BeforeSendHeadersResponse::proceed() }
        }),
    );
    let sent = entry(&log, "send_headers");
    web.on_send_headers(None, Some(move |d: Details| sent(&d)));
    let received = entry(&log, "headers_received");
    web.on_headers_received(
        None,
        Some(move |d: Details| {
            received(&d);
            async { HeadersReceivedResponse::proceed() }
        }),
    );
    let redirect = entry(&log, "before_redirect");
    web.on_before_redirect(None, Some(move |d: Details| redirect(&d)));
    let started = entry(&log, "response_started");
    web.on_response_started(None, Some(move |d: Details| started(&d)));
    let completed = entry(&log, "completed");
    web.on_completed(None, Some(move |d: Details| completed(&d)));
    let failed = entry(&log, "error_occurred");
    web.on_error_occurred(None, Some(move |d: Details| failed(&d)));
    log
}

fn redirecting_origin() -> impl Fn(&netsession_test_support::Recorded) -> Reply + Send + Sync {
    |request| match request.target.as_str() {
        "/start" => Reply::status(302).header("Location", "/end"),
        "/end" => Reply::ok(format!(
            "x-extra={}",
            request.header("x-extra").unwrap_or("-")
        )),
        _ => Reply::status(404),
    }
}

#[tokio::test]
async fn every_event_in_order_across_a_redirect() {
    let dir = TempDir::new("web-request-order");
    let s = session(&dir, "order");
    let origin = TestServer::start(redirecting_origin()).await;
    let log = record_everything(&s);
    let response = s.fetch(get(origin.url("/start").as_str())).await.unwrap();
    assert_eq!(response.url().path(), "/end");
    assert_eq!(
        response.content_length(),
        Some(9),
        "watched bodies keep their length"
    );
    // `completed` waits for the body.
    assert!(
        !log.lock()
            .unwrap()
            .iter()
            .any(|l| l.starts_with("completed"))
    );
    response.text().await.unwrap();
    let log = log.lock().unwrap().clone();
    let id = log[0].split(' ').nth(1).unwrap().to_owned();
    let expected: Vec<String> = [
        "before_request /start",
        "before_send_headers /start",
        "send_headers /start",
        "headers_received /start",
        "before_redirect /start",
        "before_request /end",
        "before_send_headers /end",
        "send_headers /end",
        "headers_received /end",
        "response_started /end",
        "completed /end",
    ]
    .iter()
    .map(|line| {
        let (event, path) = line.split_once(' ').unwrap();
        format!("{event} {id} {path}")
    })
    .collect();
    assert_eq!(log, expected);
}

#[tokio::test]
async fn details_carry_electrons_fields() {
    let dir = TempDir::new("web-request-details");
    let s = session(&dir, "details");
    let origin = TestServer::start(redirecting_origin()).await;
    let seen: Arc<Mutex<Vec<Details>>> = Arc::default();
    let keep = |seen: &Arc<Mutex<Vec<Details>>>| {
        let seen = Arc::clone(seen);
        move |d: Details| seen.lock().unwrap().push(d)
    };
    s.web_request().on_before_redirect(None, Some(keep(&seen)));
    s.web_request().on_completed(None, Some(keep(&seen)));
    s.web_request().on_send_headers(None, Some(keep(&seen)));
    s.fetch(get(origin.url("/start").as_str()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let seen = seen.lock().unwrap();
    let sent = &seen[0];
    assert_eq!(sent.method, "GET");
    assert_eq!(sent.resource_type, ResourceType::Xhr);
    assert!(
        sent.request_headers
            .as_ref()
            .unwrap()
            .contains_key("user-agent")
    );
    let redirect = &seen[1];
    assert_eq!(redirect.status_code, Some(302));
    assert_eq!(redirect.status_line.as_deref(), Some("HTTP/1.1 302 Found"));
    assert_eq!(redirect.redirect_url.as_ref().unwrap().path(), "/end");
    assert_eq!(redirect.from_cache, Some(false));
    assert_eq!(redirect.ip.as_deref(), Some("127.0.0.1"));
    let completed = &seen[3];
    assert_eq!(completed.error.as_deref(), Some("net::OK"));
    // The final hop went through the cache (stored) and still knows its peer.
    assert_eq!(completed.ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(completed.status_code, Some(200));
    assert!(completed.timestamp > 1.6e12, "{}", completed.timestamp);
}

#[tokio::test]
async fn cancel_redirect_and_header_rewrites() {
    let dir = TempDir::new("web-request-rewrite");
    let s = session(&dir, "rewrite");
    let origin = TestServer::start(redirecting_origin()).await;
    let errors: Log = Arc::default();
    let log = Arc::clone(&errors);
    s.web_request().on_error_occurred(
        None,
        Some(move |d: Details| log.lock().unwrap().push(d.error.unwrap())),
    );

    // Cancelled before sending: nothing reaches the origin.
    s.web_request().on_before_request(
        Some(Filter::urls(["*://*/blocked*"]).unwrap()),
        Some(|_| async { BeforeRequestResponse::cancel() }),
    );
    let error = s
        .fetch(get(origin.url("/blocked").as_str()))
        .await
        .unwrap_err();
    assert_eq!(error.name(), "net::ERR_BLOCKED_BY_CLIENT");
    assert_eq!(error.code(), -20);
    assert!(origin.requests().is_empty());
    assert_eq!(
        errors.lock().unwrap().as_slice(),
        ["net::ERR_BLOCKED_BY_CLIENT"]
    );

    // Redirected by the listener: an internal redirect to /end.
    let end = origin.url("/end");
    s.web_request().on_before_request(
        Some(Filter::urls(["*://*/moved"]).unwrap()),
        Some(move |_| {
            let end = end.clone();
            async move { BeforeRequestResponse::redirect(end) }
        }),
    );
    let response = s.fetch(get(origin.url("/moved").as_str())).await.unwrap();
    assert_eq!(response.url().path(), "/end");

    // Request headers replaced.
    s.web_request().on_before_send_headers(
        None,
        Some(|d: Details| async move {
            let mut headers = d.request_headers.unwrap();
            headers.insert("x-extra", HeaderValue::from_static("added"));
            BeforeSendHeadersResponse::headers(headers)
        }),
    );
    let response = s.fetch(get(origin.url("/end").as_str())).await.unwrap();
    assert_eq!(response.text().await.unwrap(), "x-extra=added");

    // Response headers and status line replaced; a Set-Cookie added here is stored.
    s.web_request().on_headers_received(
        Some(Filter::urls(["*://*/end"]).unwrap()),
        Some(|_| async {
            let mut headers = HeaderMap::new();
            headers.insert("x-rewritten", HeaderValue::from_static("yes"));
            headers.insert("set-cookie", HeaderValue::from_static("by=listener"));
            HeadersReceivedResponse::headers(headers, Some("HTTP/1.1 418 I'm a teapot".into()))
        }),
    );
    let response = s.fetch(get(origin.url("/end").as_str())).await.unwrap();
    assert_eq!(response.status(), 418);
    assert_eq!(response.headers()["x-rewritten"], "yes");
    assert_eq!(
        s.cookies().cookie_header(
            &origin.url("/"),
            netsession::cookies::SameSiteContext::SameSite
        ),
        "by=listener"
    );

    // Cancelled on the response.
    s.web_request()
        .on_headers_received(None, Some(|_| async { HeadersReceivedResponse::cancel() }));
    let error = s.fetch(get(origin.url("/end").as_str())).await.unwrap_err();
    assert_eq!(error.name(), "net::ERR_BLOCKED_BY_CLIENT");

    // `None` removes the listener.
    s.web_request()
        .on_headers_received(None, None::<fn(Details) -> std::future::Ready<_>>);
    s.fetch(get(origin.url("/end").as_str())).await.unwrap();
}

#[tokio::test]
async fn filters_select_urls_and_types() {
    let dir = TempDir::new("web-request-filter");
    let s = session(&dir, "filter");
    let origin = TestServer::serving("ok").await;
    let log: Log = Arc::default();
    let seen = Arc::clone(&log);
    s.web_request().on_completed(
        Some(
            Filter::urls(["http://127.0.0.1/*"])
                .unwrap()
                .exclude_urls(["*://*/skip*"])
                .unwrap(),
        ),
        Some(move |d: Details| seen.lock().unwrap().push(d.url.path().to_owned())),
    );
    for path in ["/a", "/skip-me", "/b"] {
        let response = s.fetch(get(origin.url(path).as_str())).await.unwrap();
        response.text().await.unwrap();
    }
    assert_eq!(log.lock().unwrap().as_slice(), ["/a", "/b"]);

    // A type filter that excludes `xhr` sees nothing from `ses.fetch`.
    let seen = Arc::clone(&log);
    s.web_request().on_completed(
        Some(Filter::default().types([ResourceType::Image])),
        Some(move |d: Details| seen.lock().unwrap().push(d.url.path().to_owned())),
    );
    s.fetch(get(origin.url("/c").as_str())).await.unwrap();
    assert_eq!(log.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn listeners_that_hang_or_panic_cannot_hold_the_request() {
    let dir = TempDir::new("web-request-timeout");
    let s = session(&dir, "timeout");
    let origin = TestServer::serving("went through").await;
    s.web_request()
        .set_listener_timeout(Duration::from_millis(200));
    s.web_request().on_before_request(
        None,
        Some(|_| async {
            std::future::pending::<()>().await;
            BeforeRequestResponse::cancel()
        }),
    );
    let response = s.fetch(get(origin.url("/").as_str())).await.unwrap();
    assert_eq!(response.text().await.unwrap(), "went through");

    s.web_request().on_before_request(
        None,
        Some(|d: Details| async move {
            assert!(d.url.path().is_empty(), "a listener that panics");
            BeforeRequestResponse::cancel()
        }),
    );
    s.web_request().on_completed(
        None,
        Some(|_: Details| panic!("a notification listener that panics")),
    );
    let response = s.fetch(get(origin.url("/").as_str())).await.unwrap();
    assert_eq!(response.text().await.unwrap(), "went through");
}

#[tokio::test]
async fn a_body_cut_short_or_dropped_ends_in_error_occurred() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let mut buffer = [0; 4096];
                let _ = socket.read(&mut buffer).await;
                // 100 bytes promised, 10 sent, then the connection closes.
                let _ = socket
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
                    .await;
            });
        }
    });
    let dir = TempDir::new("web-request-cut");
    let s = Sessions::new(dir.path())
        .from_partition("cut", SessionOptions::default().cache(false))
        .unwrap();
    let errors: Log = Arc::default();
    let log = Arc::clone(&errors);
    s.web_request().on_error_occurred(
        None,
        Some(move |d: Details| log.lock().unwrap().push(d.error.unwrap())),
    );
    let url = format!("http://127.0.0.1:{port}/cut");
    let response = s.fetch(get(&url)).await.unwrap();
    let error = response.bytes().await.unwrap_err();
    let net_error = netsession::NetError::find(&error).expect("a NetError inside");
    assert_eq!(net_error.name(), "net::ERR_CONTENT_LENGTH_MISMATCH");
    assert_eq!(net_error.code(), -354);

    // Dropped before its end: Chromium's ERR_ABORTED.
    let response = s.fetch(get(&url)).await.unwrap();
    drop(response);
    assert_eq!(
        errors.lock().unwrap().as_slice(),
        ["net::ERR_CONTENT_LENGTH_MISMATCH", "net::ERR_ABORTED"]
    );
}
