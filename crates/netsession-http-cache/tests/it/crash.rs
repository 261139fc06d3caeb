//! The disk store under `SIGKILL`: a child process (this test binary, re-executed with
//! `CRASH_DIR` set) streams bodies from a slow loopback origin into a disk cache forever,
//! overwriting and evicting entries; the parent kills it at spread-out moments, many times.
//! After every kill a fresh open must account exactly the bytes of the entry files, leave no
//! temporary file behind, and serve every entry it lists complete and byte-exact.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use netsession_http_cache::{Cache, CacheOptions, CacheStatus, CachedClient};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::{TempDir, bytes_on_disk, fetch, reqwest_client};

const CRASH_DIR: &str = "NETSESSION_HTTP_CACHE_CRASH_DIR";
const KILLS: u64 = 40;
const MAX_SIZE: u64 = 6 * 1024 * 1024;
const MAX_ENTRY: u64 = 2 * 1024 * 1024;

/// The body of `/e/ID/LEN`: deterministic, so the parent can check it without the origin.
fn body(id: u64, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| {
            ((i as u64)
                .wrapping_mul(31)
                .wrapping_add(id.wrapping_mul(17))
                % 251) as u8
        })
        .collect()
}

fn parse_path(path: &str) -> (u64, usize) {
    let mut parts = path.trim_start_matches("/e/").split('/');
    let id = parts.next().unwrap().parse().unwrap();
    let len = parts.next().unwrap().parse().unwrap();
    (id, len)
}

/// An origin that streams bodies in 16 KiB pieces with pauses, so kills land mid-body.
async fn slow_origin() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let request_line = lines.next_line().await.ok().flatten().unwrap_or_default();
                while let Ok(Some(line)) = lines.next_line().await {
                    if line.is_empty() {
                        break;
                    }
                }
                let path = request_line
                    .split(' ')
                    .nth(1)
                    .unwrap_or("/e/0/0")
                    .to_owned();
                let (id, len) = parse_path(&path);
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {len}\r\nCache-Control: max-age=3600\r\nConnection: close\r\n\r\n"
                );
                if write.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                for piece in body(id, len).chunks(16 * 1024) {
                    if write.write_all(piece).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            });
        }
    });
    addr
}

/// The child: writes entries until killed. A no-op when run as an ordinary test.
#[test]
fn crash_writer_child() {
    let Some(dir) = std::env::var_os(CRASH_DIR) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let origin = slow_origin().await;
        let cache = Cache::open(
            &dir,
            CacheOptions::default()
                .max_size(MAX_SIZE)
                .max_entry_size(MAX_ENTRY),
        )
        .unwrap();
        let client = CachedClient::new(reqwest_client(), cache);
        let mut state = u64::from(std::process::id());
        loop {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let id = (state >> 33) % 24;
            // Mostly bodies a hit reads in one go, some that stream in chunks.
            let len = if id % 6 == 0 {
                1_100_000 + ((state >> 13) % 500_000) as usize
            } else {
                ((state >> 13) % 300_000) as usize
            };
            let url = format!("http://{origin}/e/{id}/{len}");
            let response = client.get(&url).await.unwrap();
            let _ = response.bytes().await;
        }
    });
}

struct Verdict {
    entries: usize,
    /// Entries larger than one read, whose bodies streamed in chunks.
    streamed: usize,
    temporaries_before_open: usize,
}

/// Opens the cache a killed child left and checks everything it would serve.
async fn verify(dir: &Path) -> Verdict {
    let temporaries_before_open = std::fs::read_dir(dir.join("tmp")).map_or(0, |d| d.count());
    let cache = Cache::open(
        dir,
        CacheOptions::default()
            .max_size(MAX_SIZE)
            .max_entry_size(MAX_ENTRY),
    )
    .unwrap();
    assert_eq!(
        std::fs::read_dir(dir.join("tmp")).unwrap().count(),
        0,
        "temporaries left"
    );
    assert_eq!(cache.size(), bytes_on_disk(dir), "size accounting");
    assert_eq!(
        cache.entries().len(),
        std::fs::read_dir(dir.join("entries")).unwrap().count()
    );
    let client = CachedClient::new(reqwest_client(), cache.clone());
    let entries = cache.entries();
    for entry in &entries {
        let url = url::Url::parse(&entry.url).unwrap();
        let (id, len) = parse_path(url.path());
        // `only-if-cached` never touches the network (the child's origin is gone).
        let seen = fetch(&client, &entry.url, &[("Cache-Control", "only-if-cached")]).await;
        assert_eq!(seen.cache, CacheStatus::Hit);
        assert_eq!(seen.body.len(), len, "{}: truncated body served", entry.url);
        assert!(
            seen.body == body(id, len),
            "{}: corrupt body served",
            entry.url
        );
    }
    assert_eq!(
        cache.size(),
        bytes_on_disk(dir),
        "size accounting after reads"
    );
    Verdict {
        entries: entries.len(),
        streamed: entries
            .iter()
            .filter(|e| e.size > 1024 * 1024 + 16 * 1024)
            .count(),
        temporaries_before_open,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_writers_never_leave_a_servable_torn_entry() {
    let dir = TempDir::new("crash");
    let exe = std::env::current_exe().unwrap();
    let (mut mid_body, mut served, mut streamed, mut max_entries) = (0u64, 0, 0, 0);
    for round in 0..KILLS {
        let mut child = Command::new(&exe)
            .args([
                "crash::crash_writer_child",
                "--exact",
                "--test-threads=1",
                "--nocapture",
            ])
            .env(CRASH_DIR, dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Spread the kill times over 40..500 ms so they land in headers, bodies and commits.
        let wait = 40 + (round * 97) % 460;
        tokio::time::sleep(Duration::from_millis(wait)).await;
        child.kill().unwrap();
        child.wait().unwrap();
        let verdict = verify(dir.path()).await;
        mid_body += u64::from(verdict.temporaries_before_open > 0);
        served += verdict.entries;
        streamed += verdict.streamed;
        max_entries = max_entries.max(verdict.entries);
    }
    eprintln!(
        "crash test: {KILLS} kills, {mid_body} with a partial entry on disk, \
         {served} entries served intact in total ({streamed} of them streamed in chunks; \
         at most {max_entries} at once)"
    );
    assert!(
        mid_body > KILLS / 4,
        "too few kills landed mid-body: {mid_body}"
    );
    assert!(max_entries > 0, "the child never committed an entry");
    assert!(
        streamed > 0,
        "no entry large enough to stream was ever checked"
    );
}
