//! `ses.protocol`: custom schemes, interception of http, every body kind, the old API's
//! answers, per-session handlers, and a file handler that cannot leave its directory.

use bytes::Bytes;
use netsession::Session;
use netsession::protocol::{ProtocolError, ProtocolResponse, serve_directory};
use netsession_test_support::{TempDir, TestServer};

use crate::session;

async fn fetch(s: &Session, url: &str) -> Result<reqwest::Response, netsession::NetError> {
    s.fetch(reqwest::Request::new(
        reqwest::Method::GET,
        url.parse().unwrap(),
    ))
    .await
}

#[tokio::test]
async fn handle_serves_every_body_kind() {
    let dir = TempDir::new("protocol-bodies");
    let s = session(&dir, "bodies");
    let file = dir.path().join("data.json");
    std::fs::write(&file, "{\"from\":\"file\"}").unwrap();
    let origin = TestServer::serving("from the network").await;
    let network = origin.url("/n");
    s.protocol()
        .handle("app", move |request| {
            let file = file.clone();
            let network = network.clone();
            async move {
                match request.url.path() {
                    "/text" => ProtocolResponse::text("hello"),
                    "/bytes" => ProtocolResponse::bytes(Bytes::from_static(b"\x00\x01"))
                        .mime_type("application/octet-stream")
                        .status(201)
                        .header("X-Custom", "1"),
                    "/file" => ProtocolResponse::file(file),
                    "/stream" => ProtocolResponse::stream(futures_util::stream::iter(vec![
                        Ok(Bytes::from_static(b"one ")),
                        Ok(Bytes::from_static(b"two")),
                    ])),
                    "/url" => ProtocolResponse::url(network),
                    "/refused" => ProtocolResponse::error(-20),
                    _ => ProtocolResponse::error(-6),
                }
            }
        })
        .unwrap();

    let text = fetch(&s, "app://host/text").await.unwrap();
    assert_eq!(text.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(text.text().await.unwrap(), "hello");

    let bytes = fetch(&s, "app://host/bytes").await.unwrap();
    assert_eq!(bytes.status(), 201);
    assert_eq!(bytes.headers()["x-custom"], "1");
    assert_eq!(bytes.headers()["content-type"], "application/octet-stream");
    assert_eq!(&bytes.bytes().await.unwrap()[..], b"\x00\x01");

    let file = fetch(&s, "app://host/file").await.unwrap();
    assert_eq!(file.content_length(), Some(15));
    assert_eq!(file.headers()["content-type"], "application/json");
    assert_eq!(file.text().await.unwrap(), "{\"from\":\"file\"}");

    let stream = fetch(&s, "app://host/stream").await.unwrap();
    assert_eq!(stream.text().await.unwrap(), "one two");

    let network = fetch(&s, "app://host/url").await.unwrap();
    assert_eq!(network.text().await.unwrap(), "from the network");

    let error = fetch(&s, "app://host/refused").await.unwrap_err();
    assert_eq!(error.name(), "net::ERR_BLOCKED_BY_CLIENT");
    let error = fetch(&s, "app://host/missing").await.unwrap_err();
    assert_eq!(error.name(), "net::ERR_FILE_NOT_FOUND");
    assert_eq!(error.code(), -6);
}

#[tokio::test]
async fn intercepting_http_and_reaching_the_network_from_the_handler() {
    let dir = TempDir::new("protocol-intercept");
    let s = session(&dir, "intercept");
    let origin = TestServer::serving("real").await;
    s.protocol()
        .handle("http", |request| async move {
            if request.url.path() == "/fake" {
                ProtocolResponse::text("intercepted")
            } else {
                // Through the session, without the handlers: no loop.
                ProtocolResponse::url(request.url)
            }
        })
        .unwrap();
    assert!(s.protocol().is_protocol_handled("http"));
    assert!(s.protocol().is_protocol_intercepted("http"));
    let fake = fetch(&s, origin.url("/fake").as_str()).await.unwrap();
    assert_eq!(fake.text().await.unwrap(), "intercepted");
    assert!(origin.requests().is_empty());
    let real = fetch(&s, origin.url("/real").as_str()).await.unwrap();
    assert_eq!(real.text().await.unwrap(), "real");
    assert_eq!(origin.requests().len(), 1);

    s.protocol().unhandle("http").unwrap();
    let real = fetch(&s, origin.url("/fake").as_str()).await.unwrap();
    assert_eq!(real.text().await.unwrap(), "real");
}

#[tokio::test]
async fn electrons_errors_and_the_old_api() {
    let dir = TempDir::new("protocol-api");
    let s = session(&dir, "api");
    s.protocol()
        .handle("app", |_| async { ProtocolResponse::text("a") })
        .unwrap();
    let error = s
        .protocol()
        .handle("APP", |_| async { ProtocolResponse::text("b") })
        .unwrap_err();
    assert_eq!(error, ProtocolError::Register("app".into()));
    assert_eq!(error.to_string(), "Failed to register protocol: app");
    assert_eq!(
        s.protocol().unhandle("nope").unwrap_err().to_string(),
        "Failed to unhandle protocol: nope"
    );

    assert!(
        s.protocol()
            .register_string_protocol("old", |_| async { "old text".to_owned() })
    );
    assert!(
        !s.protocol()
            .register_buffer_protocol("old", |_| async { Bytes::new() })
    );
    assert!(s.protocol().is_protocol_registered("old"));
    assert!(!s.protocol().is_protocol_intercepted("old"));
    let response = fetch(&s, "old://x/").await.unwrap();
    assert_eq!(response.text().await.unwrap(), "old text");
    assert!(!s.protocol().unintercept_protocol("old"));
    assert!(s.protocol().unregister_protocol("old"));
    assert!(!s.protocol().unregister_protocol("old"));
    let error = fetch(&s, "old://x/").await.unwrap_err();
    assert_eq!(error.name(), "net::ERR_UNKNOWN_URL_SCHEME");

    assert!(
        s.protocol()
            .intercept_string_protocol("https", |_| async { "not really https".to_owned() })
    );
    assert!(s.protocol().is_protocol_intercepted("https"));
    let response = fetch(&s, "https://example.invalid/").await.unwrap();
    assert_eq!(response.text().await.unwrap(), "not really https");
    assert!(s.protocol().unintercept_protocol("https"));

    // Handlers are per session.
    let other = session(&dir, "api-other");
    assert!(!other.protocol().is_protocol_handled("app"));
    assert!(fetch(&other, "app://x/").await.is_err());
}

#[tokio::test]
async fn a_directory_handler_never_serves_outside_its_directory() {
    let dir = TempDir::new("protocol-files");
    let root = dir.path().join("web");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(root.join("index.html"), "<p>index</p>").unwrap();
    std::fs::write(root.join("sub/page.css"), "p{}").unwrap();
    std::fs::write(dir.path().join("secret.txt"), "secret").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("link.txt")).unwrap();
    let s = session(&dir, "files");
    s.protocol().handle("app", serve_directory(&root)).unwrap();

    let index = fetch(&s, "app://bundle/").await.unwrap();
    assert_eq!(index.text().await.unwrap(), "<p>index</p>");
    let css = fetch(&s, "app://bundle/sub/page.css").await.unwrap();
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");

    for escape in [
        "app://bundle/../secret.txt",
        "app://bundle/sub/../../secret.txt",
        "app://bundle/%2e%2e/secret.txt",
        "app://bundle/sub%2f..%2f..%2fsecret.txt",
        "app://bundle/..%5csecret.txt",
        "app://bundle/%00",
        "app://bundle/link.txt",
    ] {
        match fetch(&s, escape).await {
            Ok(response) => {
                let body = response.text().await.unwrap();
                assert!(!body.contains("secret"), "{escape} served {body:?}");
            }
            Err(error) => assert!(
                matches!(
                    error.name(),
                    "net::ERR_ACCESS_DENIED" | "net::ERR_FILE_NOT_FOUND"
                ),
                "{escape}: {error}"
            ),
        }
    }
    let missing = fetch(&s, "app://bundle/nothing.js").await.unwrap_err();
    assert_eq!(missing.name(), "net::ERR_FILE_NOT_FOUND");
}

#[tokio::test]
async fn blob_urls_are_fetchable() {
    let dir = TempDir::new("protocol-blob");
    let s = session(&dir, "blob");
    let id = s.create_blob(&b"blob body"[..]);
    let response = fetch(&s, &format!("blob:app://bundle/{id}")).await.unwrap();
    assert_eq!(response.text().await.unwrap(), "blob body");
    let error = fetch(&s, "blob:app://bundle/unknown").await.unwrap_err();
    assert_eq!(error.name(), "net::ERR_FILE_NOT_FOUND");
}

#[tokio::test]
async fn data_urls_are_fetchable() {
    let dir = TempDir::new("protocol-data");
    let s = session(&dir, "data");
    let response = fetch(&s, "data:text/plain;charset=utf-8,hello%20world")
        .await
        .unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "text/plain;charset=utf-8"
    );
    assert_eq!(response.text().await.unwrap(), "hello world");
    let response = fetch(&s, "data:application/octet-stream;base64,AAEC")
        .await
        .unwrap();
    assert_eq!(&response.bytes().await.unwrap()[..], [0, 1, 2]);
    let error = fetch(&s, "data:;base64,%%%").await.unwrap_err();
    assert_eq!(error.name(), "net::ERR_INVALID_URL");
}
