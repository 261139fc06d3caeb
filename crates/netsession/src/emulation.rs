//! Network emulation: Electron's `enableNetworkEmulation` (DevTools-style throttling).
//!
//! Offline fails requests with `net::ERR_INTERNET_DISCONNECTED`; latency is added once per
//! request; throughputs limit both directions through a token bucket on tokio's clock, so
//! tests run on a paused clock. Zero disables a dimension, as in Electron.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// Electron's `enableNetworkEmulation` options.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use netsession::NetworkConditions;
///
/// let slow_3g = NetworkConditions {
///     latency: Duration::from_millis(400),
///     download_throughput: 50_000,
///     upload_throughput: 50_000,
///     ..NetworkConditions::default()
/// };
/// assert!(!slow_3g.offline);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetworkConditions {
    /// Every request fails with `net::ERR_INTERNET_DISCONNECTED`.
    pub offline: bool,
    /// Added to each request before it starts (zero: none).
    pub latency: Duration,
    /// Bytes per second received (zero: unlimited).
    pub download_throughput: u64,
    /// Bytes per second sent (zero: unlimited).
    pub upload_throughput: u64,
}

/// A token bucket of `rate` bytes per second, at most one second of burst.
///
/// # Examples
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build()?.block_on(async {
/// use netsession::Throttle;
/// let throttle = Throttle::new(1_000);
/// let started = tokio::time::Instant::now();
/// throttle.consume(3_000).await; // one second of burst, then two seconds of waiting
/// assert_eq!(started.elapsed().as_secs(), 2);
/// # });
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Throttle {
    rate: u64,
    state: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl Throttle {
    /// A bucket of `rate` bytes per second; zero means unlimited.
    pub fn new(rate: u64) -> Self {
        Self {
            rate,
            state: Mutex::new(Bucket {
                tokens: rate as f64,
                updated: Instant::now(),
            }),
        }
    }

    /// Waits until `bytes` may pass.
    pub async fn consume(&self, bytes: u64) {
        if self.rate == 0 || bytes == 0 {
            return;
        }
        let rate = self.rate as f64;
        let mut bucket = self.state.lock().await;
        let now = Instant::now();
        let earned = now.duration_since(bucket.updated).as_secs_f64() * rate;
        bucket.tokens = (bucket.tokens + earned).min(rate);
        bucket.updated = now;
        bucket.tokens -= bytes as f64;
        if bucket.tokens < 0.0 {
            let wait = Duration::from_secs_f64(-bucket.tokens / rate);
            // Holding the lock while waiting keeps callers in order.
            tokio::time::sleep(wait).await;
            bucket.tokens = 0.0;
            bucket.updated = Instant::now();
        }
    }
}
