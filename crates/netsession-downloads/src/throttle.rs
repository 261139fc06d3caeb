//! The throttling hook: how a download's rate is limited, so that the session facade's
//! network emulation (`enableNetworkEmulation({downloadThroughput})`) applies to downloads.

use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Limits a download's rate. Before passing on `bytes` more bytes, a download waits for the
/// duration [`reserve`](Throttle::reserve) returns, on Tokio's clock (so tests can run it on
/// a paused clock). One throttle may be shared by many downloads.
pub trait Throttle: Send + Sync + fmt::Debug {
    /// Accounts for `bytes` and says how long to wait before passing them on.
    fn reserve(&self, bytes: u64) -> Duration;
}

/// A token bucket: at most `bytes_per_second` on average, bursts up to one second's worth.
/// A rate of 0 means unlimited, as in Electron's network emulation.
#[derive(Debug)]
pub struct RateLimit {
    bytes_per_second: u64,
    state: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    /// When the bytes reserved so far have all been sent at the limited rate.
    free_at: Instant,
}

impl RateLimit {
    /// A limit of `bytes_per_second` (0: unlimited).
    pub fn new(bytes_per_second: u64) -> Self {
        Self {
            bytes_per_second,
            state: Mutex::new(Bucket {
                free_at: Instant::now(),
            }),
        }
    }

    /// The configured rate.
    pub fn bytes_per_second(&self) -> u64 {
        self.bytes_per_second
    }
}

impl Throttle for RateLimit {
    fn reserve(&self, bytes: u64) -> Duration {
        if self.bytes_per_second == 0 {
            return Duration::ZERO;
        }
        let cost = Duration::from_secs_f64(bytes as f64 / self.bytes_per_second as f64);
        let now = Instant::now();
        let mut bucket = match self.state.lock() {
            Ok(bucket) => bucket,
            Err(poisoned) => poisoned.into_inner(),
        };
        // Idle time earns a burst of at most one second's worth.
        let earliest = now.checked_sub(Duration::from_secs(1)).unwrap_or(now);
        let start = bucket.free_at.max(earliest);
        bucket.free_at = start + cost;
        bucket.free_at.saturating_duration_since(now)
    }
}
