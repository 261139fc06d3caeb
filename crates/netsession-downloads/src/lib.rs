//! Electron's downloads for Rust: `DownloadItem` with its states and events, `will-download`,
//! `setDownloadPath` and `createInterruptedDownload`, with Chromium's resume rules and
//! Chromium's file naming.
//!
//! # Example
//!
//! ```no_run
//! use netsession_downloads::{DownloadManager, DownloadState, WillDownload};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let manager = DownloadManager::builder()
//!     .download_path("/tmp/downloads")
//!     .will_download(|item| {
//!         // Refuse executables; everything else goes to the download directory.
//!         if item.file_name().ends_with(".exe") {
//!             WillDownload::Cancel
//!         } else {
//!             WillDownload::Continue
//!         }
//!     })
//!     .build();
//! let item = manager.download("https://example.com/report.pdf")?;
//! match item.settled().await {
//!     DownloadState::Completed => println!("saved {}", item.save_path().unwrap().display()),
//!     DownloadState::Interrupted if item.can_resume() => item.resume(),
//!     state => println!("{state}: {:?}", item.interrupt_reason()),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! File naming runs without a network:
//!
//! ```
//! use netsession_downloads::{NameSource, generate_file_name};
//! use url::Url;
//!
//! let url = Url::parse("https://example.com/get?id=1")?;
//! let cd = b"attachment; filename=\"=?utf-8?B?5pel5pys6KqeLnR4dA==?=\"";
//! assert_eq!(generate_file_name(&url, &NameSource::new(cd, "text/plain")), "日本語.txt");
//! assert_eq!(generate_file_name(&url, &NameSource::new(b"", "image/png")), "get.png");
//! # Ok::<(), url::ParseError>(())
//! ```
//!
//! # How a download runs
//!
//! The request is sent (redirects followed by the manager, at most 20); the response is
//! checked as Chromium's `HandleSuccessfulServerResponse` does; the file name is generated
//! ([`generate_file_name`]); the `will-download` hook may cancel or set the save path; else
//! the save path is a free name in the download directory ([`reserve_unique_path`]: ` (1)`,
//! ` (2)`..., reserved by creating its `.crdownload` at once, so that two downloads of one
//! name never share a file). Bytes go to `SAVE_PATH.crdownload`, in vectored writes of about
//! 256 KiB, and the file is renamed to the save path when complete. Cancelling removes the
//! temporary file; an interruption that can be resumed keeps it.
//!
//! # Resume
//!
//! As Chromium: `ETag` and `Last-Modified` are kept only from a response with strong
//! validators; a resume sends `Range: bytes=N-`, `If-Range` (the strong `ETag`, else
//! `Last-Modified`) and `Accept-Encoding: identity`, and without a validator starts over. A
//! 206 at the right offset appends; a 200 starts over (the file changed); a 206 at another
//! offset, or with a `Content-Encoding` (its bytes are not the file's), is `SERVER_NO_RANGE`
//! and a 206 without a usable `Content-Range` `SERVER_BAD_CONTENT`; 416 is `SERVER_NO_RANGE`;
//! other
//! statuses, connection failures, short bodies and file errors each have their Chromium
//! [`InterruptReason`]. Its [`ResumeMode`] decides: transient failures (`NETWORK_TIMEOUT`,
//! `SERVER_CONTENT_LENGTH_MISMATCH`, `SERVER_NO_RANGE`...) resume by themselves up to 5
//! times; others wait for [`DownloadItem::resume`]; some (`SERVER_BAD_CONTENT`,
//! `SERVER_FORBIDDEN`...) cannot resume, and their partial file is deleted.
//!
//! # Input guarantees
//!
//! Nothing a server sends can make a download write outside its directory: generated names
//! are one path component, never empty, `.` or `..`, without separators or control
//! characters. Header parsing never panics. Memory stays bounded whatever the file size
//! (one batch of about 256 KiB of chunks per download).
//!
//! # Related crates
//!
//! The `netsession` facade gives each session a manager and implements [`Throttle`] for its
//! network emulation; `netsession-cli` offers `netsession download`.

mod disposition;
mod engine;
mod error;
mod httpdate;
mod item;
mod manager;
mod naming;
mod reason;
mod throttle;
mod writer;

pub use disposition::filename_from_content_disposition;
pub use error::Error;
pub use item::{
    DEFAULT_UPDATE_INTERVAL, DownloadEvent, DownloadItem, DownloadState, Events, temp_path_for,
};
pub use manager::{
    DownloadManager, DownloadManagerBuilder, DownloadOptions, InterruptedDownloadOptions,
    RequestHook, Transport, TransportFuture, WillDownload, WriteHook,
};
pub use naming::{
    DEFAULT_NAME, MAX_NAME_BYTES, NameSource, generate_file_name, reserve_unique_path, safe_leaf,
    unique_path,
};
pub use reason::{InterruptReason, ResumeMode};
pub use throttle::{RateLimit, Throttle};

#[cfg(test)]
mod tests;
