//! `netsession fetch`: one request through a session, against loopback origins.

use std::process::Output;

use netsession_test_support::{Reply, TempDir, TestServer, TlsServer, dead_port};

use crate::netsession;

/// Runs `netsession --data-dir DIR --partition PARTITION fetch ARGS...` off the runtime's
/// threads, so that the origin keeps answering.
async fn fetch(dir: &TempDir, partition: &str, args: &[&str]) -> Output {
    let mut all: Vec<String> = vec![
        "--data-dir".into(),
        dir.path().to_str().unwrap().into(),
        "--partition".into(),
        partition.into(),
        "fetch".into(),
    ];
    all.extend(args.iter().map(|a| (*a).to_owned()));
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = all.iter().map(String::as_str).collect();
        netsession(&args, "")
    })
    .await
    .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_success(output: &Output) {
    assert!(output.status.success(), "stderr: {}", stderr(output));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_with_include_prints_the_head_then_the_body() {
    let origin = TestServer::start(|_| Reply::ok("hello\n").header("X-Origin", "loopback")).await;
    let dir = TempDir::new("fetch-include");
    let out = fetch(&dir, "mem", &["-i", origin.url("/greeting").as_str()]).await;
    assert_success(&out);
    let text = stdout(&out);
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    assert_eq!(lines.next(), Some("HTTP/1.1 200 OK"));
    assert!(head.lines().any(|l| l == "x-origin: loopback"), "{head}");
    assert!(head.lines().any(|l| l == "content-length: 6"), "{head}");
    assert_eq!(body, "hello\n");
    assert_eq!(origin.requests()[0].method, "GET");
    assert_eq!(origin.requests()[0].target, "/greeting");

    // Without -i: the body only.
    let out = fetch(&dir, "mem", &[origin.url("/").as_str()]).await;
    assert_success(&out);
    assert_eq!(stdout(&out), "hello\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_and_headers_reach_the_origin() {
    let origin = TestServer::serving("created").await;
    let dir = TempDir::new("fetch-post");
    let url = origin.url("/items");
    let out = fetch(
        &dir,
        "mem",
        &[
            url.as_str(),
            "-d",
            "name=ada&lang=en",
            "-H",
            "X-Token: abc 123",
            "-H",
            "Accept:text/plain",
        ],
    )
    .await;
    assert_success(&out);
    assert_eq!(stdout(&out), "created");
    let request = &origin.requests()[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.body, b"name=ada&lang=en");
    assert_eq!(request.header("x-token"), Some("abc 123"));
    assert_eq!(request.header("accept"), Some("text/plain"));
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );

    // -X wins over the POST implied by -d; -H Content-Type wins over the default.
    let out = fetch(
        &dir,
        "mem",
        &[
            url.as_str(),
            "-X",
            "PUT",
            "-d",
            "{\"a\":1}",
            "-H",
            "Content-Type: application/json",
        ],
    )
    .await;
    assert_success(&out);
    let request = &origin.requests()[1];
    assert_eq!(request.method, "PUT");
    assert_eq!(request.body, b"{\"a\":1}");
    assert_eq!(request.header("content-type"), Some("application/json"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_writes_the_body_to_a_file() {
    let body: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let served = body.clone();
    let origin = TestServer::start(move |_| Reply::ok(served.clone())).await;
    let dir = TempDir::new("fetch-output");
    let file = dir.path().join("body.bin");
    let out = fetch(
        &dir,
        "mem",
        &[origin.url("/data").as_str(), "-o", file.to_str().unwrap()],
    )
    .await;
    assert_success(&out);
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read(&file).unwrap(), body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_fails_with_internet_disconnected() {
    let origin = TestServer::serving("unreachable").await;
    let dir = TempDir::new("fetch-offline");
    let file = dir.path().join("never.txt");
    let out = fetch(
        &dir,
        "mem",
        &[
            "--offline",
            origin.url("/").as_str(),
            "-o",
            file.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("netsession: net::ERR_INTERNET_DISCONNECTED"),
        "{}",
        stderr(&out)
    );
    assert!(origin.requests().is_empty());
    // No response, no file.
    assert!(!file.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_proxy_fails_with_proxy_connection_failed() {
    let dir = TempDir::new("fetch-proxy");
    let rules = format!("http=127.0.0.1:{}", dead_port());
    let out = fetch(
        &dir,
        "mem",
        &["--proxy-rules", &rules, "http://www.example.com/"],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("net::ERR_PROXY_CONNECTION_FAILED"),
        "{}",
        stderr(&out)
    );

    // A live proxy (the test server sees the absolute-form target) answers for the origin.
    let proxy = TestServer::serving("via the proxy").await;
    let rules = format!("http=127.0.0.1:{}", proxy.addr().port());
    let out = fetch(
        &dir,
        "mem",
        &["--proxy-rules", &rules, "http://www.example.com/page"],
    )
    .await;
    assert_success(&out);
    assert_eq!(stdout(&out), "via the proxy");
    assert_eq!(proxy.requests()[0].target, "http://www.example.com/page");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_option_values_exit_2() {
    let dir = TempDir::new("fetch-bad");
    for args in [
        &["http://127.0.0.1:9/", "-H", "no colon here"][..],
        &["http://127.0.0.1:9/", "-H", "Bad Name: x"],
        &["http://127.0.0.1:9/", "-X", "NOT A METHOD"],
        &["not a url"],
        &["http://127.0.0.1:9/", "--latency", "soon"],
        &[
            "http://127.0.0.1:9/",
            "--ca",
            dir.path().join("missing.pem").to_str().unwrap(),
        ],
    ] {
        let out = fetch(&dir, "mem", args).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persistent_partition_sends_the_cookie_in_the_next_process() {
    let origin = TestServer::start(|request| match request.target.as_str() {
        "/login" => Reply::ok("welcome").header("Set-Cookie", "sid=42; Path=/; HttpOnly"),
        _ => Reply::ok(request.header("cookie").unwrap_or("none").to_owned()),
    })
    .await;
    let dir = TempDir::new("fetch-persist");
    let out = fetch(&dir, "persist:app", &[origin.url("/login").as_str()]).await;
    assert_success(&out);
    let out = fetch(&dir, "persist:app", &[origin.url("/whoami").as_str()]).await;
    assert_success(&out);
    assert_eq!(stdout(&out), "sid=42");
    assert_eq!(origin.requests()[1].header("cookie"), Some("sid=42"));

    // An in-memory partition forgets when its process exits.
    let out = fetch(&dir, "scratch", &[origin.url("/login").as_str()]).await;
    assert_success(&out);
    let out = fetch(&dir, "scratch", &[origin.url("/whoami").as_str()]).await;
    assert_eq!(stdout(&out), "none");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ca_adds_a_trusted_root() {
    let origin = TlsServer::serving("secure").await;
    let dir = TempDir::new("fetch-ca");
    let url = origin.url("/");
    let out = fetch(&dir, "mem", &[url.as_str()]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("net::ERR_CERT_AUTHORITY_INVALID"),
        "{}",
        stderr(&out)
    );

    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, origin.ca_pem()).unwrap();
    let out = fetch(&dir, "mem", &["--ca", ca.to_str().unwrap(), url.as_str()]).await;
    assert_success(&out);
    assert_eq!(stdout(&out), "secure");

    // A file without a certificate is a bad option value.
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate\n").unwrap();
    let out = fetch(&dir, "mem", &["--ca", junk.to_str().unwrap(), url.as_str()]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_agent_languages_and_latency_are_the_sessions() {
    let origin = TestServer::serving("ok").await;
    let dir = TempDir::new("fetch-identity");
    let started = std::time::Instant::now();
    let out = fetch(
        &dir,
        "mem",
        &[
            "--user-agent",
            "TourBot/1.0",
            "--accept-languages",
            "en-US,fr",
            "--latency",
            "200",
            origin.url("/").as_str(),
        ],
    )
    .await;
    assert_success(&out);
    assert!(started.elapsed() >= std::time::Duration::from_millis(200));
    let request = &origin.requests()[0];
    assert_eq!(request.header("user-agent"), Some("TourBot/1.0"));
    assert_eq!(request.header("accept-language"), Some("en-US,fr;q=0.9"));
}

/// The viewer's rule for a file cut short: cut at the last `",\n"` and close the list.
fn repaired(text: &str) -> serde_json::Value {
    if let Ok(value) = serde_json::from_str(text) {
        return value;
    }
    let cut = text.rfind(",\n").expect("at least one complete event");
    serde_json::from_str(&format!("{}]}}", &text[..cut])).expect("repaired JSON")
}

/// `(type name, phase)` of every event, by the file's own constants.
fn event_names(log: &serde_json::Value) -> Vec<(String, u64)> {
    let types = log["constants"]["logEventTypes"].as_object().unwrap();
    log["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| {
            let number = event["type"].as_u64().unwrap();
            let name = types
                .iter()
                .find(|(_, value)| value.as_u64() == Some(number))
                .map(|(name, _)| name.clone())
                .unwrap();
            (name, event["phase"].as_u64().unwrap())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn netlog_writes_a_viewer_loadable_file() {
    let origin = TestServer::serving("logged").await;
    let dir = TempDir::new("fetch-netlog");
    let path = dir.path().join("log.json");
    let out = fetch(
        &dir,
        "mem",
        &[
            "--netlog",
            path.to_str().unwrap(),
            origin.url("/x").as_str(),
        ],
    )
    .await;
    assert_success(&out);
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(log["constants"]["logFormatVersion"], 1);
    let names = event_names(&log);
    assert_eq!(names.first().unwrap(), &("REQUEST_ALIVE".to_owned(), 1));
    assert!(
        names.contains(&("REQUEST_ALIVE".to_owned(), 2)),
        "{names:?}"
    );
    assert!(
        names
            .iter()
            .any(|(name, _)| name == "HTTP_TRANSACTION_READ_RESPONSE_HEADERS")
    );

    let out = fetch(
        &dir,
        "mem",
        &[
            "--netlog",
            path.to_str().unwrap(),
            "--netlog-capture-mode",
            "verbose",
            origin.url("/x").as_str(),
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_netlog_cut_off_by_a_killed_process_still_loads() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // An origin that sends the head and part of the body, then stalls.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buffer = [0; 4096];
        let _ = socket.read(&mut buffer).await;
        socket
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\npartial")
            .await
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    });
    let dir = TempDir::new("fetch-netlog-killed");
    let path = dir.path().join("log.json");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_netsession"))
        .args([
            "--data-dir",
            dir.path().to_str().unwrap(),
            "fetch",
            "--netlog",
        ])
        .arg(&path)
        .arg(format!("http://127.0.0.1:{port}/stall"))
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the response head is in the file, then kill the process mid-request.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let head_logged = text.starts_with("{\"constants\"")
            && std::panic::catch_unwind(|| event_names(&repaired(&text))).is_ok_and(|names| {
                names
                    .iter()
                    .any(|(name, _)| name == "HTTP_TRANSACTION_READ_RESPONSE_HEADERS")
            });
        if head_logged {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no events: {text:.200}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        serde_json::from_str::<serde_json::Value>(&text).is_err(),
        "the file is cut"
    );
    let names = event_names(&repaired(&text));
    assert_eq!(names.first().unwrap(), &("REQUEST_ALIVE".to_owned(), 1));
    // The request never ended.
    assert!(!names.contains(&("REQUEST_ALIVE".to_owned(), 2)));
}
