//! `ses.netLog` on real requests: the file is read back by an independent parser (the
//! `netlog` crate), every stage of the pipeline shows up, failures carry `net_error`, and
//! sensitive data appears only in the modes that allow it.

use std::collections::BTreeSet;
use std::io::BufReader;
use std::path::Path;

use netsession::net_log::{CaptureMode, NetLogOptions};
use netsession_test_support::{Reply, TempDir, TestServer, TlsServer, dead_port};

use crate::{get, session};

fn options(capture_mode: CaptureMode) -> NetLogOptions {
    NetLogOptions {
        capture_mode,
        max_file_size: None,
    }
}

/// One event as the `netlog` crate reads it, with its parameters.
#[derive(Debug)]
struct Event {
    name: String,
    phase: String,
    source: u64,
    params: serde_json::Value,
}

/// Reads a whole file with the `netlog` crate: the constants line, then each event line.
fn read(path: &Path) -> Vec<Event> {
    use std::io::BufRead;
    let mut reader = BufReader::new(std::fs::File::open(path).unwrap());
    let mut constants_line = String::new();
    reader.read_line(&mut constants_line).unwrap();
    let constants = netlog::read_netlog_constants(&mut constants_line.as_bytes()).unwrap();
    assert_eq!(constants.log_format_version, 1);
    // Line 2, `"events": [`, is not a record.
    assert!(netlog::read_netlog_record(&mut reader).is_none());
    let mut events = Vec::new();
    while let Some(record) = netlog::read_netlog_record(&mut reader) {
        let mut header: netlog::EventHeader = serde_json::from_slice(&record).unwrap();
        header.populate_strings(&constants);
        // The viewer's rule: times are strings.
        let raw: serde_json::Value = serde_json::from_slice(&record).unwrap();
        assert!(raw["time"].is_string(), "{raw}");
        assert!(raw["source"]["start_time"].is_string(), "{raw}");
        events.push(Event {
            name: header.ty_string,
            phase: header.phase_string,
            source: raw["source"]["id"].as_u64().unwrap(),
            params: raw.get("params").cloned().unwrap_or_default(),
        });
    }
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_stage_of_the_pipeline_is_logged() {
    let dir = TempDir::new("net-log-stages");
    let s = session(&dir, "stages");
    let origin = TestServer::start(|request| match request.target.as_str() {
        "/start" => Reply::status(302)
            .header("Location", "/page")
            .header("Set-Cookie", "sid=SECRET-COOKIE; Path=/"),
        _ => Reply::ok("page").header("Cache-Control", "max-age=60"),
    })
    .await;
    let tls = TlsServer::serving("secure").await;
    s.set_certificate_verifier(
        netsession::cert_verify::CertVerifier::builder()
            .add_roots_pem(tls.ca_pem().as_bytes())
            .unwrap()
            .build()
            .unwrap(),
    )
    .unwrap();
    let path = dir.path().join("stages.json");
    assert!(!s.net_log().currently_logging());
    s.net_log()
        .start_logging(&path, options(CaptureMode::Default))
        .unwrap();
    assert!(s.net_log().currently_logging());

    let start = format!("http://localhost:{}/start", origin.addr().port());
    let response = s.fetch(get(&start)).await.unwrap();
    assert_eq!(response.text().await.unwrap(), "page");
    // A cache hit, a TLS request, and a failure.
    let page = format!("http://localhost:{}/page", origin.addr().port());
    s.fetch(get(&page)).await.unwrap().text().await.unwrap();
    s.fetch(get(tls.url("/").as_str()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let refused = format!("http://127.0.0.1:{}/", dead_port());
    s.fetch(get(&refused)).await.unwrap_err();
    s.net_log().stop_logging().await.unwrap();
    assert!(!s.net_log().currently_logging());

    let events = read(&path);
    let names: BTreeSet<&str> = events.iter().map(|e| e.name.as_str()).collect();
    for expected in [
        "REQUEST_ALIVE",
        "URL_REQUEST_START_JOB",
        "PROXY_RESOLUTION_SERVICE",
        "PROXY_RESOLUTION_SERVICE_RESOLVED_PROXY_LIST",
        "HOST_RESOLVER_MANAGER_JOB",
        "TCP_CONNECT",
        "CERT_VERIFIER_JOB",
        "HTTP_TRANSACTION_SEND_REQUEST_HEADERS",
        "HTTP_TRANSACTION_READ_RESPONSE_HEADERS",
        "HTTP_CACHE_OPEN_OR_CREATE_ENTRY",
        "HTTP_CACHE_WRITE_DATA",
        "HTTP_CACHE_READ_DATA",
        "COOKIE_INCLUSION_STATUS",
        "URL_REQUEST_REDIRECTED",
        "FAILED",
    ] {
        assert!(names.contains(expected), "no {expected} in {names:?}");
    }
    // Each request's REQUEST_ALIVE begins and ends on its own source.
    let alive: Vec<&Event> = events
        .iter()
        .filter(|e| e.name == "REQUEST_ALIVE")
        .collect();
    assert_eq!(alive.len(), 8, "{alive:?}");
    for begin in alive.iter().filter(|e| e.phase == "PHASE_BEGIN") {
        assert!(
            alive
                .iter()
                .any(|e| e.phase == "PHASE_END" && e.source == begin.source),
            "{begin:?} never ends"
        );
    }
    // The refused request ends with its net error.
    let failed = events.iter().find(|e| e.name == "FAILED").unwrap();
    assert_eq!(failed.params["net_error"], -102);
    assert!(events.iter().any(|e| e.name == "REQUEST_ALIVE"
        && e.phase == "PHASE_END"
        && e.params["net_error"] == -102));
    // The certificate was verified for the TLS origin's host.
    let cert = events
        .iter()
        .find(|e| e.name == "CERT_VERIFIER_JOB" && e.phase == "PHASE_BEGIN")
        .unwrap();
    assert_eq!(cert.params["host"], "localhost");
    assert!(
        cert.params["certificates"][0]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    // The host resolver found localhost.
    let dns = events
        .iter()
        .find(|e| e.name == "HOST_RESOLVER_MANAGER_JOB" && e.phase == "PHASE_END")
        .unwrap();
    assert!(dns.params["address_list"].as_array().is_some(), "{dns:?}");
    // Default mode: the cookie's value is nowhere in the file.
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("SECRET-COOKIE"));
    assert!(text.contains("bytes were stripped"));
}

#[tokio::test]
async fn sensitive_data_only_where_the_mode_allows_it() {
    let dir = TempDir::new("net-log-sensitive");
    let origin =
        TestServer::start(|_| Reply::ok("x").header("Set-Cookie", "token=HUSH; Path=/")).await;
    for (mode, shown) in [
        (CaptureMode::Default, false),
        (CaptureMode::IncludeSensitive, true),
        (CaptureMode::Everything, true),
    ] {
        let s = session(&dir, &format!("sensitive-{mode:?}"));
        let path = dir.path().join(format!("{mode:?}.json"));
        s.net_log().start_logging(&path, options(mode)).unwrap();
        let mut request = get(origin.url("/").as_str());
        request.headers_mut().insert(
            "authorization",
            reqwest::header::HeaderValue::from_static("Bearer PASSWORD-42"),
        );
        s.fetch(request).await.unwrap().text().await.unwrap();
        s.fetch(get(origin.url("/again").as_str()))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        s.net_log().stop_logging().await.unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.contains("PASSWORD-42"), shown, "{mode:?}");
        assert_eq!(text.contains("HUSH"), shown, "{mode:?}");
        assert!(!read(&path).is_empty());
    }
}

#[tokio::test]
async fn electrons_errors() {
    let dir = TempDir::new("net-log-errors");
    let s = session(&dir, "errors");
    let error = s.net_log().stop_logging().await.unwrap_err();
    assert_eq!(error.to_string(), "No net log in progress");
    let path = dir.path().join("once.json");
    s.net_log()
        .start_logging(&path, NetLogOptions::default())
        .unwrap();
    assert!(
        s.net_log()
            .start_logging(dir.path().join("twice.json"), NetLogOptions::default())
            .is_err()
    );
    s.net_log().stop_logging().await.unwrap();
    assert!(
        s.net_log()
            .start_logging(
                dir.path().join("no/such/dir/x.json"),
                NetLogOptions::default()
            )
            .is_err()
    );
    // Sessions log on their own.
    let other = session(&dir, "errors-other");
    assert!(!other.net_log().currently_logging());
}
