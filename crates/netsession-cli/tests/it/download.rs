//! The `download` command's contract: the final path as the last line of standard output
//! and exit status 0 on completion; exit status 1 on an interruption, leaving what the same
//! command needs to resume.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Output;
use std::sync::{Arc, Mutex};

use netsession_test_support::TempDir;

use crate::netsession;

/// A loopback origin on its own thread: answers request N with `script(N, request head)`,
/// given as `(head, body, bytes of the body to send before closing)`.
struct Origin {
    port: u16,
    requests: Arc<Mutex<Vec<String>>>,
}

type Script = dyn Fn(usize, &str) -> (String, Vec<u8>, usize) + Send + Sync;

impl Origin {
    fn start(script: Box<Script>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let n = {
                    let mut log = log.lock().unwrap();
                    log.push(String::new());
                    log.len() - 1
                };
                serve(stream, n, &*script, &log);
            }
        });
        Self { port, requests }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

fn serve(mut stream: TcpStream, n: usize, script: &Script, log: &Mutex<Vec<String>>) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).unwrap_or(0) == 0 {
            return;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    log.lock().unwrap()[n] = head.clone();
    let (response_head, body, send) = script(n, &head);
    let _ = stream.write_all(response_head.as_bytes());
    let _ = stream.write_all(&body[..send.min(body.len())]);
}

fn body() -> Vec<u8> {
    (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect()
}

/// An origin that sends `content` with `etag` but closes after `cut` bytes, then answers
/// 503 once (the automatic resume fails, so the download waits for the user), then answers
/// each request with a 206 from the offset its `Range` asks for.
fn cut_then_failing_then_ranged(content: Vec<u8>, etag: &'static str, cut: usize) -> Origin {
    Origin::start(Box::new(move |n, request| match n {
        0 => (
            format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nETag: {etag}\r\nConnection: close\r\n\r\n",
                content.len()
            ),
            content.clone(),
            cut,
        ),
        1 => (
            "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned(),
            Vec::new(),
            0,
        ),
        _ => {
            let start: usize = request
                .split("range: bytes=")
                .nth(1)
                .and_then(|r| r.split('-').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let head = format!(
                "HTTP/1.1 206 Partial\r\nContent-Length: {}\r\nETag: {etag}\r\n\
                 Content-Range: bytes {start}-{}/{}\r\nConnection: close\r\n\r\n",
                content.len() - start,
                content.len() - 1,
                content.len()
            );
            (head, content[start..].to_vec(), usize::MAX)
        }
    }))
}

/// `netsession download URL --dir DIR EXTRA...`.
fn download(dir: &TempDir, url: &str, extra: &[&str]) -> Output {
    let dir_arg = dir.path().to_str().unwrap();
    let mut args = vec!["download", url, "--dir", dir_arg];
    args.extend(extra);
    netsession(&args, "")
}

fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn last_line(stdout: &[u8]) -> String {
    String::from_utf8_lossy(stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn saves_under_the_chromium_name_and_prints_the_path() {
    let content = body();
    let c = content.clone();
    let origin = Origin::start(Box::new(move |_, _| {
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: text/plain\r\n\
             Content-Disposition: attachment; filename=\"../report.txt\"\r\nConnection: close\r\n\r\n",
            c.len()
        );
        (head, c.clone(), usize::MAX)
    }));
    let dir = TempDir::new("name");
    let out = download(&dir, &origin.url("/get?x=1"), &[]);
    assert_success(&out);
    let path = dir.path().join("_report.txt");
    assert_eq!(last_line(&out.stdout), path.display().to_string());
    assert_eq!(std::fs::read(&path).unwrap(), content);
    assert_eq!(dir.names(), ["_report.txt"]);

    // Again: the name is taken, so ` (1)` is added.
    let out = download(&dir, &origin.url("/get?x=1"), &[]);
    assert_success(&out);
    assert_eq!(
        last_line(&out.stdout),
        dir.path().join("_report (1).txt").display().to_string()
    );
}

#[test]
fn interrupted_download_exits_1_and_the_same_command_resumes_it() {
    let content = body();
    // Half the body, then the connection closes: a short body, resumed at once, but the
    // server is now failing, so the download waits for the user.
    let origin = cut_then_failing_then_ranged(content.clone(), "\"v1\"", 80_000);
    let dir = TempDir::new("resume");
    let url = origin.url("/files/data.bin");
    let out = download(&dir, &url, &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("SERVER_FAILED"), "{stderr}");
    assert_eq!(
        dir.names(),
        ["data.bin.crdownload", "data.bin.crdownload.resume"]
    );

    let out = download(&dir, &url, &[]);
    assert_success(&out);
    let path = dir.path().join("data.bin");
    assert_eq!(last_line(&out.stdout), path.display().to_string());
    assert_eq!(std::fs::read(&path).unwrap(), content);
    assert_eq!(dir.names(), ["data.bin"]);
    let requests = origin.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 3);
    assert!(
        requests[1].contains("range: bytes=80000-"),
        "{}",
        requests[1]
    );
    assert!(
        requests[2].contains("range: bytes=80000-"),
        "{}",
        requests[2]
    );
    assert!(requests[2].contains("if-range: \"v1\""), "{}", requests[2]);
}

#[test]
fn output_names_are_kept_inside_the_directory() {
    let origin = Origin::start(Box::new(|_, _| {
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n".to_owned(),
            b"ok".to_vec(),
            2,
        )
    }));
    let dir = TempDir::new("output");
    let out = download(&dir, &origin.url("/x"), &["--output", "../../evil"]);
    assert_success(&out);
    assert_eq!(dir.names(), ["_.._evil"]);
}

#[test]
fn output_never_overwrites_and_is_length_limited() {
    let origin = Origin::start(Box::new(|_, _| {
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\n".to_owned(),
            b"new".to_vec(),
            3,
        )
    }));
    let dir = TempDir::new("output-taken");
    std::fs::write(dir.path().join("report.txt"), b"old").unwrap();
    let out = download(&dir, &origin.url("/x"), &["--output", "report.txt"]);
    assert_success(&out);
    let path = dir.path().join("report (1).txt");
    assert_eq!(last_line(&out.stdout), path.display().to_string());
    assert_eq!(
        std::fs::read(dir.path().join("report.txt")).unwrap(),
        b"old"
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"new");

    // A name above the file system's 255 bytes is cut, keeping its extension.
    let long = format!("{}.txt", "é".repeat(200));
    let out = download(&dir, &origin.url("/x"), &["--output", &long]);
    assert_success(&out);
    let saved = std::path::PathBuf::from(last_line(&out.stdout));
    assert_eq!(saved.parent(), Some(dir.path()));
    let name = saved.file_name().unwrap().to_str().unwrap();
    assert!(name.len() <= 238 && name.ends_with(".txt"), "{name}");
    assert!(long.starts_with(name.trim_end_matches(".txt")), "{name}");
    assert_eq!(std::fs::read(&saved).unwrap(), b"new");
}

#[test]
fn an_uniquified_output_resumes_under_its_own_name() {
    let content = body();
    let origin = cut_then_failing_then_ranged(content.clone(), "\"o\"", 60_000);
    let dir = TempDir::new("output-resume");
    std::fs::write(dir.path().join("data.bin"), b"someone else's").unwrap();
    let url = origin.url("/files/data");
    let out = download(&dir, &url, &["--output", "data.bin"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        dir.names(),
        [
            "data (1).bin.crdownload",
            "data (1).bin.crdownload.resume",
            "data.bin"
        ]
    );
    let out = download(&dir, &url, &["--output", "data.bin"]);
    assert_success(&out);
    let path = dir.path().join("data (1).bin");
    assert_eq!(last_line(&out.stdout), path.display().to_string());
    assert_eq!(std::fs::read(&path).unwrap(), content);
    assert_eq!(
        std::fs::read(dir.path().join("data.bin")).unwrap(),
        b"someone else's"
    );
    let requests = origin.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 3);
    assert!(
        requests[2].contains("range: bytes=60000-"),
        "{}",
        requests[2]
    );
}

#[test]
fn failed_download_exits_1() {
    let origin = Origin::start(Box::new(|_, _| {
        (
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned(),
            Vec::new(),
            0,
        )
    }));
    let dir = TempDir::new("failed");
    let out = download(&dir, &origin.url("/x"), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SERVER_BAD_CONTENT"));
    assert!(out.stdout.is_empty());
    assert!(dir.names().is_empty());
}

/// An origin that sends `content` slowly (16 KiB every 10 ms) and honours `Range`; the
/// request heads it received, lowercased, in order.
fn slow_origin(content: Vec<u8>) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let requests = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&requests);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let content = content.clone();
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if stream.read(&mut byte).unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
                log.lock().unwrap().push(head.clone());
                let start: usize = head
                    .split("range: bytes=")
                    .nth(1)
                    .and_then(|r| r.split('-').next())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                let response = if start > 0 {
                    format!(
                        "HTTP/1.1 206 Partial\r\nContent-Length: {}\r\nETag: \"s\"\r\n\
                         Content-Range: bytes {start}-{}/{}\r\nConnection: close\r\n\r\n",
                        content.len() - start,
                        content.len() - 1,
                        content.len()
                    )
                } else {
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nETag: \"s\"\r\nConnection: close\r\n\r\n",
                        content.len()
                    )
                };
                if stream.write_all(response.as_bytes()).is_err() {
                    return;
                }
                let pause = if start > 0 { 0 } else { 10 };
                for piece in content[start..].chunks(16 * 1024) {
                    if stream.write_all(piece).is_err() {
                        return;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(pause));
                }
            });
        }
    });
    (port, requests)
}

#[test]
fn ctrl_c_keeps_the_partial_file_for_the_same_command() {
    let content: Vec<u8> = (0..2_000_000u32).map(|i| (i % 253) as u8).collect();
    let (port, requests) = slow_origin(content.clone());
    let dir = TempDir::new("ctrlc");
    let dir_arg = dir.path().to_str().unwrap().to_owned();
    let url = format!("http://127.0.0.1:{port}/big.bin");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_netsession"))
        .args(["download", &url, "--dir", &dir_arg])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let partial = dir.path().join("big.bin.crdownload");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::fs::metadata(&partial).map_or(0, |m| m.len()) == 0 {
        assert!(std::time::Instant::now() < deadline, "no bytes arrived");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("USER_SHUTDOWN"), "{stderr}");
    let kept = std::fs::metadata(&partial).unwrap().len();
    assert!(kept > 0 && kept < content.len() as u64);
    assert_eq!(
        dir.names(),
        ["big.bin.crdownload", "big.bin.crdownload.resume"]
    );
    let first_run = requests.lock().unwrap().len();
    assert_eq!(first_run, 1, "{:?}", requests.lock().unwrap());

    let out = download(&dir, &url, &[]);
    assert_success(&out);
    let path = dir.path().join("big.bin");
    assert_eq!(last_line(&out.stdout), path.display().to_string());
    assert_eq!(std::fs::read(&path).unwrap(), content);
    assert_eq!(dir.names(), ["big.bin"]);
    // The second run resumed: one request, for exactly the bytes that were not kept.
    let requests = requests.lock().unwrap().clone();
    let second_run = &requests[first_run..];
    assert_eq!(second_run.len(), 1, "{second_run:?}");
    let resumed = &second_run[0];
    assert!(
        resumed.contains(&format!("\r\nrange: bytes={kept}-\r\n")),
        "{resumed}"
    );
    assert!(resumed.contains("\r\nif-range: \"s\"\r\n"), "{resumed}");
    assert!(!requests[0].contains("\r\nrange:"), "{}", requests[0]);
}
