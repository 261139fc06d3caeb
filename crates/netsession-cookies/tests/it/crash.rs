//! The crash test: a real child process writes cookies and DOM storage and flushes at known
//! points; the parent kills it with SIGKILL at random moments, 50 times, all rounds writing
//! to the same partition. After each kill the database must open, pass SQLite's integrity
//! check, and hold everything flushed in that round and in every round before it.
//!
//! The child is this test binary again, started on the `crash::writer` test with
//! `CRASH_WRITER_DIR` set; without that variable `writer` returns at once.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
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
/// The child writes at most this many cookies (and DOM keys) per round, then waits to be
/// killed. All rounds together stay below the jar's 3300-cookie limit, so no eviction can
/// pass for a loss when every earlier round is checked again.
const WRITES_PER_ROUND: u64 = 8 * FLUSH_EVERY;
/// The minimum number of rounds whose kill must land after the child's first flush: fewer
/// would mean the test mostly checked empty databases.
const MIN_KILLS_AFTER_FLUSH: usize = 25;

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
    for i in 0..WRITES_PER_ROUND {
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
    // Wait for the kill with the partition still open, as a running app would.
    loop {
        std::thread::park();
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
    // Every round's last flushed write, to check again after every later kill.
    let mut flushed: Vec<(u64, u64)> = Vec::new();
    let mut kills_after_flush = 0;
    let mut checks = 0;
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
        let (progress, flushes) = mpsc::channel();
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
                    let i = std::str::from_utf8(i).unwrap().parse().unwrap();
                    last = Some(i);
                    // The parent may have stopped listening; the line still counts.
                    let _ = progress.send(i);
                }
                line.clear();
            }
            last
        });
        if round % 5 == 0 {
            // A fifth of the kills come at any time from the start, which includes before
            // the database exists and while it is being created.
            std::thread::sleep(Duration::from_micros(rng.next() % 150_000));
        } else {
            // The others come after a random number of flushes (1 to 7 of 8) and a random
            // part of a flush interval, so that they land among writes and commits however
            // fast or slow this machine starts the child. The timeout only keeps a writer
            // that died or hangs from hanging the test; the checks below then judge it.
            let wanted = 1 + rng.next() % (WRITES_PER_ROUND / FLUSH_EVERY - 1);
            for _ in 0..wanted {
                if flushes.recv_timeout(Duration::from_secs(60)).is_err() {
                    break;
                }
            }
            std::thread::sleep(Duration::from_micros(rng.next() % 5_000));
        }
        child.kill().unwrap(); // SIGKILL on Unix
        let status = child.wait().unwrap();
        assert!(
            !status.success(),
            "round {round}: the writer was expected to be killed"
        );
        // The writer never exits on its own, so anything but our SIGKILL means it failed.
        #[cfg(unix)]
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9),
            "round {round} (seed {seed}): the writer died before the kill: {status}"
        );
        if let Some(last) = reader.join().unwrap() {
            kills_after_flush += 1;
            flushed.push((round, last));
        }

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
        // Cumulative: a later round's recovery must not lose an earlier round's data.
        for &(earlier, last) in &flushed {
            for i in 0..=last {
                assert!(
                    names.contains(&format!("c{earlier}_{i}")),
                    "after round {round} (seed {seed}): cookie {i} of round {earlier} (flushed 0..={last}) lost"
                );
                assert!(
                    keys.contains(&format!("k{earlier}_{i}")),
                    "after round {round} (seed {seed}): key {i} of round {earlier} (flushed 0..={last}) lost"
                );
                checks += 1;
            }
        }
    }
    let verified: u64 = flushed.iter().map(|&(_, last)| last + 1).sum();
    println!(
        "crash test: {ROUNDS} rounds, {kills_after_flush} kills after a flush, \
         {verified} cookies and {verified} DOM keys flushed and found after every later kill \
         ({checks} cookie-and-key checks in all)"
    );
    assert!(
        kills_after_flush >= MIN_KILLS_AFTER_FLUSH,
        "only {kills_after_flush} of {ROUNDS} kills came after a flush (at least \
         {MIN_KILLS_AFTER_FLUSH} needed): the test mostly checked empty databases"
    );
}
