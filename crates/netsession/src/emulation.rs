//! Network emulation: Electron's `enableNetworkEmulation` (DevTools-style throttling).
//!
//! Offline fails requests with `net::ERR_INTERNET_DISCONNECTED` (answers from the HTTP cache
//! still come, as the network service throttles below the cache); latency is added once per
//! request; throughputs limit both directions through token buckets on tokio's clock
//! (`netsession_downloads::RateLimit`), so tests run on a paused clock. Zero disables a
//! dimension, as in Electron.

use std::sync::Arc;
use std::time::Duration;

use netsession_downloads::RateLimit;

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

/// The conditions in force and the two token buckets that enforce them (shared by every
/// request of the session, downloads included, as DevTools throttles the whole profile).
#[derive(Debug)]
pub(crate) struct Emulation {
    pub(crate) conditions: NetworkConditions,
    pub(crate) download: Arc<RateLimit>,
    pub(crate) upload: Arc<RateLimit>,
}

impl Emulation {
    pub(crate) fn new(conditions: NetworkConditions) -> Self {
        Self {
            conditions,
            download: Arc::new(RateLimit::new(conditions.download_throughput)),
            upload: Arc::new(RateLimit::new(conditions.upload_throughput)),
        }
    }
}
