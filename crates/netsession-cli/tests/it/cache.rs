//! `netsession serve-cache` and `netsession cache size|clear`, run as child processes in
//! front of a loopback origin.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use netsession_test_support::{Reply, TestServer};

use crate::{netsession, stdout_lines};

struct Served {
    child: Child,
    base: String,
    log: mpsc::Receiver<String>,
}

impl Served {
    /// Starts `serve-cache` in front of `origin`, waiting for its "listening" line.
    fn start(global: &[&str], origin: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_netsession"))
            .args(global)
            .args(["serve-cache", "--listen", "127.0.0.1:0", "--origin", origin])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (send, log) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { return };
                if send.send(line).is_err() {
                    return;
                }
            }
        });
        let first = log.recv_timeout(Duration::from_secs(20)).unwrap();
        let base = first
            .split("listening on ")
            .nth(1)
            .and_then(|rest| rest.split(',').next())
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_owned();
        Self { child, base, log }
    }

    /// The next log line.
    fn line(&self) -> String {
        self.log.recv_timeout(Duration::from_secs(20)).unwrap()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "netsession-cli-cache-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn entry_bytes(cache_dir: &Path) -> u64 {
    std::fs::read_dir(cache_dir.join("entries"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum()
}

async fn origin() -> TestServer {
    TestServer::start(
        |request| match (request.method.as_str(), request.target.as_str()) {
            ("GET", "/fresh") => Reply::ok("fresh body").header("Cache-Control", "max-age=3600"),
            ("GET", "/validated") if request.header("if-none-match") == Some("\"v\"") => {
                Reply::status(304)
            }
            ("GET", "/validated") => Reply::ok("validated body")
                .header("Cache-Control", "no-cache")
                .header("ETag", "\"v\""),
            ("GET", _) => Reply::ok("uncacheable").header("Cache-Control", "no-store"),
            _ => Reply::status(201).body(request.body.clone()),
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_cache_logs_and_answers_from_a_persistent_cache() {
    let origin = origin().await;
    let data = temp_dir("serve");
    let data_arg = data.to_str().unwrap();
    let global = ["--data-dir", data_arg, "--partition", "persist:Dev"];
    let served = Served::start(&global, origin.url("/").as_str());
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let get = |path: &str| {
        let request = client
            .get(format!("{}{path}", served.base))
            .header("X-Custom", "kept");
        async move {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };

    assert_eq!(get("/fresh").await, (200, "fresh body".to_owned()));
    assert_eq!(served.line(), "GET /fresh 200 stored");
    assert_eq!(get("/fresh").await, (200, "fresh body".to_owned()));
    assert_eq!(served.line(), "GET /fresh 200 hit");
    assert_eq!(get("/validated").await.1, "validated body");
    assert_eq!(served.line(), "GET /validated 200 stored");
    assert_eq!(get("/validated").await.1, "validated body");
    assert_eq!(served.line(), "GET /validated 200 revalidated");
    assert_eq!(get("/other?q=1").await.1, "uncacheable");
    assert_eq!(served.line(), "GET /other?q=1 200 miss");

    let posted = client
        .post(format!("{}/submit?x=y", served.base))
        .header("X-Custom", "kept")
        .body("payload")
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status().as_u16(), 201);
    assert_eq!(posted.text().await.unwrap(), "payload");
    assert_eq!(served.line(), "POST /submit?x=y 201 miss");

    let requests = origin.requests();
    let targets: Vec<&str> = requests.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(
        targets,
        [
            "/fresh",
            "/validated",
            "/validated",
            "/other?q=1",
            "/submit?x=y"
        ]
    );
    let post = &requests[4];
    assert_eq!(
        (post.method.as_str(), post.body.as_slice()),
        ("POST", &b"payload"[..])
    );
    assert_eq!(post.header("x-custom"), Some("kept"));
    assert_eq!(
        post.header("host"),
        Some(origin.addr().to_string().as_str())
    );
    drop(served);

    // The partition's cache outlives the server: `cache size` counts its entry files.
    let cache_dir = data.join("Partitions").join("dev").join("Cache");
    let size = stdout_lines(&netsession(&[&global[..], &["cache", "size"]].concat(), ""));
    assert_eq!(size, [entry_bytes(&cache_dir).to_string()]);
    assert!(entry_bytes(&cache_dir) > 20);
    stdout_lines(&netsession(
        &[&global[..], &["cache", "clear"]].concat(),
        "",
    ));
    let size = stdout_lines(&netsession(&[&global[..], &["cache", "size"]].concat(), ""));
    assert_eq!(size, ["0"]);
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_clear_is_refused_while_serve_cache_owns_the_partition() {
    let origin = origin().await;
    let data = temp_dir("in-use");
    let data_arg = data.to_str().unwrap();
    let global = ["--data-dir", data_arg, "--partition", "persist:Busy"];
    let clear = [&global[..], &["cache", "clear"]].concat();
    let served = Served::start(&global, origin.url("/").as_str());
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let fresh = format!("{}/fresh", served.base);
    assert_eq!(client.get(&fresh).send().await.unwrap().status(), 200);
    assert_eq!(served.line(), "GET /fresh 200 stored");

    let cache_dir = data.join("Partitions").join("busy").join("Cache");
    let refused = netsession(&clear, "");
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.starts_with(&format!(
            "netsession: cache directory {} is in use by another process",
            cache_dir.display()
        )),
        "{stderr}"
    );
    // Nothing was cleared under the server: it still answers from its entry.
    assert!(entry_bytes(&cache_dir) > 0);
    assert_eq!(client.get(&fresh).send().await.unwrap().status(), 200);
    assert_eq!(served.line(), "GET /fresh 200 hit");

    // Once the server is gone (killed: the lock dies with it), clearing works.
    drop(served);
    stdout_lines(&netsession(&clear, ""));
    assert_eq!(entry_bytes(&cache_dir), 0);
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_origins_are_a_502_and_memory_partitions_have_no_size() {
    let gone = format!("http://127.0.0.1:{}/", netsession_test_support::dead_port());
    let served = Served::start(&["--partition", "in-memory"], &gone);
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("{}/x", served.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 502);
    assert!(served.line().starts_with("GET /x 502 error"));
    drop(served);
    let data = temp_dir("memory");
    let data_arg = data.to_str().unwrap();
    let memory = [
        "--data-dir",
        data_arg,
        "--partition",
        "in-memory",
        "cache",
        "size",
    ];
    assert_eq!(stdout_lines(&netsession(&memory, "")), ["0"]);
    // A partition that never cached anything reports 0 and is not created by asking.
    let fresh = [
        "--data-dir",
        data_arg,
        "--partition",
        "persist:new",
        "cache",
        "size",
    ];
    assert_eq!(stdout_lines(&netsession(&fresh, "")), ["0"]);
    assert!(!data.join("Partitions").exists());
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn a_bad_origin_is_a_configuration_error() {
    let output = netsession(
        &[
            "serve-cache",
            "--listen",
            "127.0.0.1:0",
            "--origin",
            "ftp://example.com/",
        ],
        "",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("invalid --origin"));
}
