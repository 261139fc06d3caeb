//! The crash test: a real child process writes cookies and DOM storage and flushes at known
//! points; the parent kills it with SIGKILL at random moments, 50 times. After each kill the
//! database must open, pass SQLite's integrity check, and hold everything flushed before.
//!
//! The child is this test binary again, started on the `crash::writer` test with
//! `CRASH_WRITER_DIR` set; without that variable `writer` returns at once.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use netsession_cookies::{CookieFilter, CookieJar, JarOptions};
use netsession_storage::Storage;
use url::Url;

use crate::TempDir;

const DIR_VAR: &str = "CRASH_WRITER_DIR";
const ROUND_VAR: &str = "CRASH_WRITER_ROUND";
const ROUNDS: u64 = 50;
/// The child flushes after every this many writes.
const FLUSH_EVERY: u64 = 7;

#[test]
fn writer() {
    let (Some(dir), Some(round)) = (std::env::var_os(DIR_VAR), std::env::var_os(ROUND_VAR)) else {
        return;
    };
    let round = round.to_str().unwrap();
    let storage = Storage::open(Path::new(&dir)).unwrap();
    // A small batch so that the count trigger also commits between explicit flushes.
    let jar = CookieJar::open_with(&storage, JarOptions::default().commit_batch(5)).unwrap();
    let local = storage.local_storage("https://crash.example").unwrap();
    for i in 0u64.. {
        // One registrable domain per cookie keeps the per-domain limit out of the way.
        let url = Url::parse(&format!("https://www.r{round}-{i}.com/")).unwrap();
        jar.store(&url, &format!("c{round}_{i}=v{i}; Max-Age=86400"))
            .unwrap();
        local
            .set(&format!("k{round}_{i}"), &format!("v{i}"))
            .unwrap();
        if i % FLUSH_EVERY == FLUSH_EVERY - 1 {
            jar.flush_store().unwrap();
            storage.flush_storage_data().unwrap();
            // One write call, so that a kill cannot leave half a line behind.
            let line = format!("FLUSHED {i}\n");
            std::io::stderr().write_all(line.as_bytes()).unwrap();
        }
    }
}

/// xorshift64*, seeded from the clock: random enough for kill times, and the seed is printed
/// so that a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[test]
fn sigkill_at_random_moments_loses_nothing_flushed() {
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    println!("crash test seed: {seed} (set CRASH_SEED to replay)");
    let mut rng = Rng(seed);
    let dir = TempDir::new("crash");
    let exe = std::env::current_exe().unwrap();
    let mut total_flushed = 0;
    for round in 0..ROUNDS {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "crash::writer",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(DIR_VAR, dir.path())
            .env(ROUND_VAR, round.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut last: Option<u64> = None;
            let mut reader = BufReader::new(stderr);
            let mut line = Vec::new();
            // Only whole lines count: the kill may cut the last one short.
            while reader.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
                if let Some(i) = line
                    .strip_prefix(b"FLUSHED ")
                    .and_then(|rest| rest.strip_suffix(b"\n"))
                {
                    last = Some(std::str::from_utf8(i).unwrap().parse().unwrap());
                }
                line.clear();
            }
            last
        });
        // Anywhere from before the database exists to well into the writing.
        std::thread::sleep(Duration::from_millis(rng.next() % 400));
        child.kill().unwrap(); // SIGKILL on Unix
        let status = child.wait().unwrap();
        assert!(
            !status.success(),
            "round {round}: the writer was expected to be killed"
        );
        let last = reader.join().unwrap();

        let storage = Storage::open(dir.path())
            .unwrap_or_else(|e| panic!("round {round} (seed {seed}): {e}"));
        storage
            .integrity_check()
            .unwrap_or_else(|e| panic!("round {round} (seed {seed}): {e}"));
        let jar = CookieJar::open(&storage).unwrap();
        let names: HashSet<String> = jar
            .get(&CookieFilter::default())
            .into_iter()
            .map(|c| c.name)
            .collect();
        let keys: HashSet<String> = storage
            .local_storage("https://crash.example")
            .unwrap()
            .keys()
            .unwrap()
            .into_iter()
            .collect();
        if let Some(last) = last {
            total_flushed += last + 1;
            for i in 0..=last {
                assert!(
                    names.contains(&format!("c{round}_{i}")),
                    "round {round} (seed {seed}): cookie {i} of 0..={last} lost"
                );
                assert!(
                    keys.contains(&format!("k{round}_{i}")),
                    "round {round} (seed {seed}): key {i} of 0..={last} lost"
                );
            }
        }
    }
    println!("crash test: {ROUNDS} kills, {total_flushed} flushed writes all found");
    assert!(
        total_flushed > 0,
        "the writer never got to flush: the kills came too early"
    );
}
