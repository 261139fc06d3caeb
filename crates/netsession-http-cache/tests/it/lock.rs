//! One owner per cache directory: a second open, in another process or in the same one,
//! fails with `Error::InUse` before it touches a file, and the lock goes with its owner
//! (dropped, exited or killed). The other process is this test binary, re-executed with
//! `LOCK_DIR` set.
//!
//! The checks within one process run in the child: there nothing else starts processes,
//! and a process being started elsewhere in this binary (the crash test's) would hold a
//! copy of every open lock until it execs, which makes a drop-then-reopen racy here.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

use netsession_http_cache::{Cache, CacheOptions, Error};

use crate::TempDir;

const LOCK_DIR: &str = "NETSESSION_HTTP_CACHE_LOCK_DIR";
/// What the child prints once it holds the cache. The test harness prints the test's name
/// on the same line first, so the parent looks at the line's end.
const HOLDING: &str = "child holds the cache";

/// The child: opens the cache, checks that a second open in this process fails while any
/// clone lives, says it holds the cache, holds it until its stdin closes, then checks that
/// dropping it frees the directory. A no-op when run as an ordinary test.
#[test]
fn lock_holder_child() {
    let Some(dir) = std::env::var_os(LOCK_DIR) else {
        return;
    };
    let dir = Path::new(&dir);
    let cache = Cache::open(dir, CacheOptions::default()).unwrap();
    let clone = cache.clone();
    assert_in_use(dir);
    drop(cache);
    // A clone is the same cache and keeps the directory.
    assert_in_use(dir);
    println!("{HOLDING}");
    std::io::stdout().flush().unwrap();
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    drop(clone);
    Cache::open(dir, CacheOptions::default()).unwrap();
}

/// A child process holding a cache directory.
struct Holder {
    child: Child,
    stdout: BufReader<ChildStdout>,
}

impl Holder {
    /// Starts a child holding `dir` and returns once it holds it.
    fn start(dir: &Path) -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "lock::lock_holder_child",
                "--exact",
                "--test-threads=1",
                "--nocapture",
            ])
            .env(LOCK_DIR, dir)
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        // Reading ends at the child's exit at the latest, so a child that fails cannot hang
        // this test.
        let mut line = String::new();
        while stdout.read_line(&mut line).unwrap() > 0 {
            if line.trim_end().ends_with(HOLDING) {
                return Self { child, stdout };
            }
            line.clear();
        }
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        child.wait().unwrap();
        panic!("the child never held the cache: {stderr}");
    }

    /// Lets the child drop the cache and exit, and checks that all its checks passed.
    fn release(mut self) {
        drop(self.child.stdin.take());
        // The rest of the harness's output goes somewhere, so the child cannot fail writing.
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).unwrap();
        let mut stderr = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "the child failed: {rest}{stderr}");
    }

    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

fn assert_in_use(dir: &Path) {
    match Cache::open(dir, CacheOptions::default()) {
        Err(error @ Error::InUse { .. }) => {
            assert_eq!(
                error.to_string(),
                format!(
                    "cache directory {} is in use by another process",
                    dir.display()
                )
            );
            assert_eq!(error.net_error(), "net::ERR_FAILED");
        }
        other => panic!("expected InUse, got {other:?}"),
    }
}

#[test]
fn one_process_owns_a_directory_and_the_lock_goes_with_it() {
    let dir = TempDir::new("lock");
    let holder = Holder::start(dir.path());
    // What a dead writer would leave: an open that went ahead would delete it.
    let dead = dir.path().join("tmp").join("999999999-0");
    std::fs::write(&dead, b"left by a dead writer").unwrap();
    assert_in_use(dir.path());
    assert!(dead.exists(), "the refused open deleted files");

    // A killed owner leaves nothing locked: the next child opens the directory.
    holder.kill();
    let holder = Holder::start(dir.path());
    assert_in_use(dir.path());

    // Nor does one that exits after dropping its cache.
    holder.release();
    let cache = Cache::open(dir.path(), CacheOptions::default()).unwrap();
    assert_eq!(cache.size(), 0);
    assert!(!dead.exists(), "the owner cleans up once it holds the lock");
}
