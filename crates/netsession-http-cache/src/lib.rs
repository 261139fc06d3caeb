//! A private (browser) HTTP cache for reqwest, with Chromium's behaviour: the cache behind
//! Electron's `session.getCacheSize`, `session.clearCache` and the `cache: false` partition
//! option.
//!
//! # Example
//!
//! ```
//! use netsession_http_cache::{Cache, CacheOptions, CacheStatus, CachedClient};
//! use std::io::{Read, Write};
//!
//! // A one-shot origin on loopback: one response, cacheable for an hour.
//! let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
//! let url = format!("http://{}/logo.png", listener.local_addr()?);
//! std::thread::spawn(move || {
//!     let (mut stream, _) = listener.accept()?;
//!     let mut request = [0; 1024];
//!     let _ = stream.read(&mut request)?;
//!     stream.write_all(
//!         b"HTTP/1.1 200 OK\r\nCache-Control: max-age=3600\r\nContent-Length: 5\r\n\r\nhello",
//!     )
//! });
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let client = CachedClient::new(reqwest::Client::new(), Cache::memory(CacheOptions::default()));
//! let first = client.get(&url).await?;
//! assert_eq!(CacheStatus::of(&first), Some(CacheStatus::Stored));
//! assert_eq!(first.bytes().await?, "hello");
//!
//! // The origin is gone; the second request never leaves the process.
//! let second = client.get(&url).await?;
//! assert_eq!(CacheStatus::of(&second), Some(CacheStatus::Hit));
//! assert_eq!(second.bytes().await?, "hello");
//! assert!(client.cache().size() > 5);
//!
//! client.cache().clear()?;
//! assert_eq!(client.cache().size(), 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Rules
//!
//! RFC 9111 for a private cache, with Chromium's behaviour where Chromium departs from it:
//!
//! - Freshness from `max-age` (`s-maxage` is ignored), else `Expires` minus `Date` (IMF-fixdate,
//!   RFC 850 and asctime dates, and the malformed forms Chromium accepts; an unparseable
//!   `Expires` means expired), else 10% of `Date` minus `Last-Modified` for heuristically
//!   cacheable statuses; 300, 301, 308 and 410 without explicit freshness stay fresh, as in
//!   Chromium.
//! - Age from the first `Age` value (`Age: 7200, 0` is 7200 seconds), corrected by the
//!   response delay. Directives are case-insensitive (`No-CaChE` is `no-cache`).
//! - `no-store` is never stored; `no-cache` and stale responses are validated with
//!   `If-None-Match`/`If-Modified-Since`; `must-revalidate` forbids serving stale even under a
//!   request's `max-stale`; `private` responses are stored (this is a private cache).
//! - `Vary` is matched on the request's header values; `Vary: *` never matches.
//! - A 304 is matched by its validators, and a 304 without any is matched to the stored
//!   response, as browsers do; its headers update the stored ones except Chromium's
//!   non-updated headers (hop-by-hop ones, challenges, `Content-Location`, `Content-MD5`,
//!   `X-Frame-Options`, `X-XSS-Protection`, `X-Content-*`, `X-WebKit-*`), the length and the
//!   headers the body depends on. The cache never rewrites `Date` or adds `Age`.
//! - Hop-by-hop headers, authentication challenges and cookies are never stored.
//! - A successful unsafe request invalidates its URL and the same-origin URLs in its
//!   `Location` and `Content-Location`.
//! - A client's own conditional request is answered from a fresh entry (304 or the full
//!   response); request `no-store`, `no-cache` (a reload), `max-age` (`0` validates),
//!   `min-fresh`, `max-stale` and `only-if-cached` are honoured.
//! - A failed origin never makes the cache serve stale content: the error is returned.
//!
//! # Stores
//!
//! [`Cache::memory`] for in-memory partitions, [`Cache::open`] for `persist:` partitions
//! (write to a temporary file, checksum, rename: a torn write is never served; bodies stream
//! in and out), [`Cache::disabled`] for `cache: false`. Both stores count sizes the same way,
//! evict the least recently used entries past [`CacheOptions::max_size`], and refuse entries
//! larger than [`CacheOptions::max_entry_size`]. A disk cache owns its directory: a second
//! [`Cache::open`] of it, from any process, fails with [`Error::InUse`] until the first is
//! dropped or its process ends. A response being stored reaches the disk through at most
//! 1 MiB of queued chunks; a slower disk slows the network read rather than filling memory.
//!
//! # Input guarantees
//!
//! Headers and entry files are untrusted: nothing derived from them can panic, corrupt or
//! truncated entry files are detected and deleted, and every size the input controls is
//! bounded (entry size, metadata size).
//!
//! # Related crates
//!
//! The `netsession` facade puts a [`CachedClient`] in each session's pipeline, with a store
//! under the partition's `Cache` directory; `netsession-cli` exposes it as
//! `netsession serve-cache` and `netsession cache size|clear`.

mod body;
mod cache;
mod client;
mod clock;
mod date;
mod directives;
mod error;
#[doc(hidden)]
pub mod fuzz;
mod meta;
mod policy;
mod store;

pub use body::sized_body;
pub use cache::{Cache, CacheOptions};
pub use client::{CacheStatus, CachedClient, OnlyIfCachedMiss};
pub use clock::{Clock, ManualClock, SystemClock};
pub use date::{format_http_date, parse_http_date};
pub use error::Error;
pub use store::EntryInfo;

#[cfg(test)]
mod tests;
