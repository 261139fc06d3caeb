//! The servers and proxies of `netsession-test-support`, driven by reqwest and by hand.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::time::Duration;

use netsession_test_support::{
    ConnectProxy, Recorded, Reply, Socks5Server, TestServer, TlsServer, dead_port,
};
use reqwest::{Certificate, Client, Proxy, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// Long enough for a loaded CI machine, short enough that a hang fails the test.
const LIMIT: Duration = Duration::from_secs(20);

fn client_via(proxy: Proxy) -> Client {
    Client::builder().proxy(proxy).build().unwrap()
}

fn trusting(server: &TlsServer) -> reqwest::ClientBuilder {
    let ca = Certificate::from_pem(server.ca_pem().as_bytes()).unwrap();
    Client::builder().tls_certs_only([ca])
}

/// An origin that echoes the request target and method.
async fn echo_server() -> TestServer {
    TestServer::start(|request: &Recorded| {
        Reply::ok(format!("{} {}", request.method, request.target)).header("X-Origin", "yes")
    })
    .await
}

async fn get_text(client: &Client, url: &str) -> (StatusCode, String) {
    let response = timeout(LIMIT, client.get(url).send())
        .await
        .expect("request timed out")
        .unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

// --- SOCKS5 -------------------------------------------------------------------------------

#[tokio::test]
async fn socks5h_get_reaches_the_origin_by_name() {
    let origin = echo_server().await;
    let socks = Socks5Server::start().await;
    assert_eq!(socks.url(), format!("socks5://{}", socks.addr()));
    let client = client_via(Proxy::all(format!("socks5h://{}", socks.addr())).unwrap());
    let port = origin.addr().port();

    let (status, body) = get_text(&client, &format!("http://localhost:{port}/via/socks")).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "GET /via/socks");
    assert_eq!(socks.targets(), [format!("localhost:{port}")]);
    assert_eq!(origin.requests().len(), 1);
}

#[tokio::test]
async fn socks5_get_with_an_ip_target() {
    let origin = echo_server().await;
    let socks = Socks5Server::start().await;
    let client = client_via(Proxy::all(socks.url()).unwrap());

    let (status, body) = get_text(&client, origin.url("/ip").as_str()).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "GET /ip");
    assert_eq!(socks.targets(), [origin.addr().to_string()]);
}

#[tokio::test]
async fn socks5_to_a_dead_port_is_an_error_not_a_hang() {
    let socks = Socks5Server::start().await;
    let client = client_via(Proxy::all(socks.url()).unwrap());
    let port = dead_port();

    let result = timeout(
        LIMIT,
        client.get(format!("http://127.0.0.1:{port}/")).send(),
    )
    .await
    .expect("the SOCKS5 server must answer, not hang");

    assert!(result.is_err(), "{result:?}");
    assert_eq!(socks.targets(), [format!("127.0.0.1:{port}")]);
}

/// Sends `greeting` then `request` by hand and returns the method choice and the reply.
async fn raw_socks(socks: &Socks5Server, greeting: &[u8], request: &[u8]) -> (Vec<u8>, Vec<u8>) {
    timeout(LIMIT, async {
        let mut stream = TcpStream::connect(socks.addr()).await.unwrap();
        stream.write_all(greeting).await.unwrap();
        let mut choice = vec![0; 2];
        stream.read_exact(&mut choice).await.unwrap();
        if choice[1] == 0xFF {
            let mut rest = Vec::new();
            stream.read_to_end(&mut rest).await.unwrap();
            assert!(rest.is_empty(), "closed after refusing the methods");
            return (choice, Vec::new());
        }
        stream.write_all(request).await.unwrap();
        let mut reply = Vec::new();
        stream.read_to_end(&mut reply).await.unwrap();
        (choice, reply)
    })
    .await
    .expect("raw SOCKS exchange timed out")
}

#[tokio::test]
async fn socks5_refuses_clients_that_want_authentication() {
    let socks = Socks5Server::start().await;
    // Offers only username/password (0x02) and GSSAPI (0x01).
    let (choice, _) = raw_socks(&socks, &[5, 2, 0x02, 0x01], &[]).await;
    assert_eq!(choice, [5, 0xFF]);
    assert!(socks.targets().is_empty());
}

#[tokio::test]
async fn socks5_supports_connect_only() {
    let socks = Socks5Server::start().await;
    // BIND (0x02) to 127.0.0.1:80.
    let (choice, reply) = raw_socks(&socks, &[5, 1, 0], &[5, 2, 0, 1, 127, 0, 0, 1, 0, 80]).await;
    assert_eq!(choice, [5, 0]);
    assert_eq!(reply, [5, 0x07, 0, 1, 0, 0, 0, 0, 0, 0]);
    assert!(socks.targets().is_empty());
}

#[tokio::test]
async fn socks5_rejects_unknown_address_types() {
    let socks = Socks5Server::start().await;
    let (_, reply) = raw_socks(&socks, &[5, 1, 0], &[5, 1, 0, 9]).await;
    assert_eq!(reply, [5, 0x08, 0, 1, 0, 0, 0, 0, 0, 0]);
}

#[tokio::test]
async fn socks5_raw_refused_connect_replies_0x05() {
    let socks = Socks5Server::start().await;
    let port = dead_port().to_be_bytes();
    let request = [5, 1, 0, 1, 127, 0, 0, 1, port[0], port[1]];
    let (_, reply) = raw_socks(&socks, &[5, 1, 0], &request).await;
    assert_eq!(reply, [5, 0x05, 0, 1, 0, 0, 0, 0, 0, 0]);
}

#[tokio::test]
async fn socks5_connects_to_domain_names_and_reports_the_bound_address() {
    let origin = TestServer::serving("by name").await;
    let socks = Socks5Server::start().await;
    let port = origin.addr().port();
    let mut stream = TcpStream::connect(socks.addr()).await.unwrap();
    stream.write_all(&[5, 1, 0]).await.unwrap();
    let mut choice = [0; 2];
    stream.read_exact(&mut choice).await.unwrap();
    assert_eq!(choice, [5, 0]);
    let mut request = vec![5, 1, 0, 3, 9];
    request.extend_from_slice(b"localhost");
    request.extend_from_slice(&port.to_be_bytes());
    stream.write_all(&request).await.unwrap();

    let mut head = [0; 4];
    stream.read_exact(&mut head).await.unwrap();
    assert_eq!(head[..3], [5, 0, 0]);
    let address_length = match head[3] {
        1 => 4,
        4 => 16,
        other => panic!("address type {other}"),
    };
    let mut bound = vec![0; address_length + 2];
    stream.read_exact(&mut bound).await.unwrap();

    stream
        .write_all(b"GET /raw HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    timeout(LIMIT, stream.read_to_string(&mut response))
        .await
        .unwrap()
        .unwrap();
    assert!(response.starts_with("HTTP/1.1 200 "), "{response}");
    assert!(response.ends_with("by name"), "{response}");
    assert_eq!(socks.targets(), [format!("localhost:{port}")]);
    assert_eq!(origin.requests()[0].target, "/raw");
}

#[tokio::test]
async fn socks5_connects_to_ipv6_targets() {
    // Skipped where the machine has no IPv6 loopback.
    let Ok(listener) = tokio::net::TcpListener::bind("[::1]:0").await else {
        return;
    };
    let target = listener.local_addr().unwrap();
    let socks = Socks5Server::start().await;
    let mut request = vec![5, 1, 0, 4];
    request.extend_from_slice(&std::net::Ipv6Addr::LOCALHOST.octets());
    request.extend_from_slice(&target.port().to_be_bytes());
    let mut stream = TcpStream::connect(socks.addr()).await.unwrap();
    stream.write_all(&[5, 1, 0]).await.unwrap();
    stream.write_all(&request).await.unwrap();
    let (mut accepted, _) = timeout(LIMIT, listener.accept()).await.unwrap().unwrap();
    let mut reply = [0; 2 + 4 + 16 + 2];
    stream.read_exact(&mut reply).await.unwrap();
    assert_eq!(reply[..6], [5, 0, 5, 0, 0, 4]);

    accepted.write_all(b"pong").await.unwrap();
    let mut pong = [0; 4];
    stream.read_exact(&mut pong).await.unwrap();
    assert_eq!(&pong, b"pong");
    assert_eq!(socks.targets(), [format!("[::1]:{}", target.port())]);
}

// --- HTTP forward proxy ---------------------------------------------------------------------

#[tokio::test]
async fn proxy_forwards_absolute_form_requests() {
    let origin = echo_server().await;
    let proxy = ConnectProxy::start().await;
    let client = client_via(Proxy::http(proxy.url()).unwrap());
    let url = origin.url("/path?q=1");

    let response = timeout(LIMIT, client.post(url.as_str()).body("payload").send())
        .await
        .unwrap()
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-origin"], "yes");
    assert_eq!(response.text().await.unwrap(), "POST /path?q=1");
    assert_eq!(proxy.targets(), [url.to_string()]);
    assert!(proxy.proxy_authorizations().is_empty());
    let seen = &origin.requests()[0];
    assert_eq!(seen.target, "/path?q=1", "origin form at the origin");
    assert_eq!(seen.body, b"payload");
    assert_eq!(seen.header("connection"), Some("close"));
    assert_eq!(
        seen.header("host"),
        Some(url[url::Position::BeforeHost..url::Position::AfterPort].as_ref())
    );
}

#[tokio::test]
async fn proxy_tunnels_https_to_the_tls_origin() {
    let origin = TlsServer::serving("secure").await;
    let proxy = ConnectProxy::start().await;
    let client = trusting(&origin)
        .proxy(Proxy::all(proxy.url()).unwrap())
        .build()
        .unwrap();
    let url = origin.url("/tunnel");
    assert_eq!(
        url.as_str(),
        format!("https://localhost:{}/tunnel", origin.addr().port())
    );

    let (status, body) = get_text(&client, url.as_str()).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "secure");
    assert_eq!(
        proxy.targets(),
        [format!("localhost:{}", origin.addr().port())]
    );
    assert_eq!(origin.requests()[0].target, "/tunnel");
}

#[tokio::test]
async fn proxy_answers_407_without_credentials() {
    let origin = echo_server().await;
    let proxy = ConnectProxy::requiring_basic("user", "pass").await;
    let client = client_via(Proxy::http(proxy.url()).unwrap());
    let url = origin.url("/secret");

    let response = timeout(LIMIT, client.get(url.as_str()).send())
        .await
        .unwrap()
        .unwrap();

    assert_eq!(response.status(), StatusCode::PROXY_AUTHENTICATION_REQUIRED);
    assert_eq!(
        response.headers()["proxy-authenticate"],
        "Basic realm=\"proxy\""
    );
    assert_eq!(response.headers()["content-length"], "0");
    assert_eq!(proxy.targets(), [url.to_string()]);
    assert!(proxy.proxy_authorizations().is_empty());
    assert!(origin.requests().is_empty());
}

#[tokio::test]
async fn proxy_answers_407_to_wrong_credentials_on_connect() {
    let origin = TlsServer::serving("secure").await;
    let proxy = ConnectProxy::requiring_basic("user", "pass").await;
    let with_wrong_password = format!("http://user:nope@{}", proxy.addr());
    let client = trusting(&origin)
        .proxy(Proxy::all(with_wrong_password).unwrap())
        .build()
        .unwrap();

    let result = timeout(LIMIT, client.get(origin.url("/").as_str()).send())
        .await
        .unwrap();

    assert!(result.is_err(), "{result:?}");
    // base64("user:nope")
    assert_eq!(proxy.proxy_authorizations(), ["Basic dXNlcjpub3Bl"]);
    assert!(origin.requests().is_empty());
}

#[tokio::test]
async fn proxy_lets_the_right_credentials_through() {
    let plain = echo_server().await;
    let secure = TlsServer::serving("secure").await;
    let proxy = ConnectProxy::requiring_basic("user", "pass").await;
    let with_credentials = format!("http://user:pass@{}", proxy.addr());
    let client = trusting(&secure)
        .proxy(Proxy::all(with_credentials).unwrap())
        .build()
        .unwrap();

    let (status, body) = get_text(&client, plain.url("/plain").as_str()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "GET /plain");
    let (status, body) = get_text(&client, secure.url("/tls").as_str()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "secure");

    // base64("user:pass"), once per request (the CONNECT carries it too).
    assert_eq!(
        proxy.proxy_authorizations(),
        ["Basic dXNlcjpwYXNz", "Basic dXNlcjpwYXNz"]
    );
    assert_eq!(
        plain.requests()[0].header("proxy-authorization"),
        None,
        "not forwarded to the origin"
    );
}

#[tokio::test]
async fn proxy_connect_to_a_dead_port_is_502() {
    let proxy = ConnectProxy::start().await;
    let mut stream = TcpStream::connect(proxy.addr()).await.unwrap();
    let target = format!("127.0.0.1:{}", dead_port());
    stream
        .write_all(format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut response = String::new();
    timeout(LIMIT, stream.read_to_string(&mut response))
        .await
        .unwrap()
        .unwrap();
    assert!(response.starts_with("HTTP/1.1 502 "), "{response}");
    assert_eq!(proxy.targets(), [target]);
}

// --- TLS origin -----------------------------------------------------------------------------

#[tokio::test]
async fn tls_origin_serves_and_records_requests() {
    let origin = TlsServer::start(|request: &Recorded| {
        Reply::status(201)
            .header("X-Path", &request.target)
            .body("made")
    })
    .await;
    let client = trusting(&origin).no_proxy().build().unwrap();

    let response = timeout(
        LIMIT,
        client
            .put(origin.url("/thing").as_str())
            .header("X-Test", "1")
            .body("content")
            .send(),
    )
    .await
    .unwrap()
    .unwrap();

    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["x-path"], "/thing");
    assert_eq!(response.text().await.unwrap(), "made");
    let seen = &origin.requests()[0];
    assert_eq!(seen.method, "PUT");
    assert_eq!(seen.header("x-test"), Some("1"));
    assert_eq!(seen.body, b"content");
}

#[tokio::test]
async fn tls_origin_certificate_covers_the_loopback_ip() {
    let origin = TlsServer::serving("by ip").await;
    let client = trusting(&origin).no_proxy().build().unwrap();
    let (status, body) = get_text(&client, &format!("https://{}/", origin.addr())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "by ip");
}

#[tokio::test]
async fn tls_origin_is_untrusted_without_its_ca() {
    let origin = TlsServer::serving("secret").await;
    let other = TlsServer::serving("other").await;
    assert_ne!(origin.ca_der(), other.ca_der(), "a CA per server");
    assert!(origin.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
    let client = trusting(&other).no_proxy().build().unwrap();

    let result = timeout(LIMIT, client.get(origin.url("/").as_str()).send())
        .await
        .unwrap();

    assert!(result.is_err(), "{result:?}");
    assert!(origin.requests().is_empty());
}

#[tokio::test]
async fn plain_server_still_answers() {
    let origin = TestServer::serving("plain").await;
    let client = Client::builder().no_proxy().build().unwrap();
    let (status, body) = get_text(&client, origin.url("/").as_str()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "plain");
    assert_eq!(origin.requests()[0].target, "/");
}
