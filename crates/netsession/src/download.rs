//! Downloads on the session: Electron's `downloadURL`, the `will-download` event and
//! `createInterruptedDownload`, on `netsession-downloads`.
//!
//! Each hop of a download goes through the session's pipeline (see [`download_manager`]), so
//! proxies, authentication, webRequest, the NetLog, emulation and cookies apply to downloads
//! as to any request of the session.

use std::sync::{Arc, PoisonError, RwLock, Weak};

use netsession_downloads::{
    DownloadItem, DownloadManager, DownloadOptions, InterruptReason, InterruptedDownloadOptions,
    WillDownload,
};

use crate::error::Error;
use crate::fetch::FetchMode;
use crate::session::{Inner, Session};
use crate::web_request::ResourceType;

type WillDownloadHandler = Arc<dyn Fn(&DownloadItem) -> WillDownload + Send + Sync>;

/// The session's `will-download` listener, replaceable at any time.
#[derive(Clone, Default)]
pub(crate) struct WillDownloadSlot(Arc<RwLock<Option<WillDownloadHandler>>>);

impl WillDownloadSlot {
    fn call(&self, item: &DownloadItem) -> WillDownload {
        let handler = self
            .0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        handler.map_or(WillDownload::Continue, |handler| handler(item))
    }
}

/// The session's download manager: every hop goes through the session's pipeline (proxies,
/// authentication, webRequest, NetLog, emulation, cookies; not the HTTP cache, and redirects
/// are left to the manager, which records the chain), with the session's `will-download`
/// slot and Electron's default directory (`~/Downloads`).
pub(crate) fn download_manager(
    session: Weak<Inner>,
    will_download: &WillDownloadSlot,
) -> DownloadManager {
    let slot = will_download.clone();
    DownloadManager::builder()
        .download_path(default_download_dir())
        .transport(move |request| {
            let session = session.upgrade().map(|inner| Session { inner });
            async move {
                // The session is gone: the download fails as a dropped network would.
                let session = session.ok_or(InterruptReason::NetworkFailed)?;
                let mode = FetchMode {
                    resource_type: ResourceType::Other,
                    follow_redirects: false,
                    cache: false,
                    ..FetchMode::FETCH
                };
                session
                    .fetch_with(request, mode)
                    .await
                    .map_err(|error| InterruptReason::for_net_error(error.code()))
            }
        })
        .will_download(move |item| slot.call(item))
        .build()
}

fn default_download_dir() -> std::path::PathBuf {
    std::env::var_os("XDG_DOWNLOAD_DIR")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|home| std::path::PathBuf::from(home).join("Downloads"))
        })
        .unwrap_or_else(std::env::temp_dir)
}

impl Session {
    /// Electron's `downloadURL`: starts downloading `url` into the download directory
    /// ([`Session::set_download_path`], else `~/Downloads`). `will-download` runs when the
    /// response headers arrive.
    ///
    /// # Errors
    ///
    /// [`Error::Download`] for a URL that does not parse, a scheme other than `http` and
    /// `https`, or a call outside a Tokio runtime.
    pub fn download(&self, url: &str) -> Result<DownloadItem, Error> {
        self.download_with(url, DownloadOptions::default())
    }

    /// [`Session::download`] with Electron's options (headers, a save path).
    ///
    /// # Errors
    ///
    /// As [`Session::download`].
    pub fn download_with(
        &self,
        url: &str,
        options: DownloadOptions,
    ) -> Result<DownloadItem, Error> {
        Ok(self.inner.downloads.download_with(url, options)?)
    }

    /// Electron's `createInterruptedDownload`: an interrupted item that continues where
    /// `offset` says when resumed (announced through `will-download` at once).
    ///
    /// # Errors
    ///
    /// [`Error::Download`] for an empty path, URL chain or length, an offset not below the
    /// length, or an unsupported scheme.
    pub fn create_interrupted_download(
        &self,
        options: InterruptedDownloadOptions,
    ) -> Result<DownloadItem, Error> {
        Ok(self.inner.downloads.create_interrupted_download(options)?)
    }

    /// Electron's `will-download` event: `handler` sees each download before any byte is
    /// written; it may call [`DownloadItem::set_save_path`] and cancels the download by
    /// returning [`WillDownload::Cancel`] (Electron's `event.preventDefault()`). `None`
    /// removes it.
    pub fn on_will_download<F>(&self, handler: Option<F>)
    where
        F: Fn(&DownloadItem) -> WillDownload + Send + Sync + 'static,
    {
        *self
            .inner
            .will_download
            .0
            .write()
            .unwrap_or_else(PoisonError::into_inner) =
            handler.map(|h| Arc::new(h) as WillDownloadHandler);
    }

    /// The session's download manager (its items, `shutdown`).
    pub fn download_manager(&self) -> &DownloadManager {
        &self.inner.downloads
    }
}
