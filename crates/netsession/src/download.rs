//! Downloads on the session: Electron's `downloadURL`, the `will-download` event and
//! `createInterruptedDownload`, on `netsession-downloads`.
//!
//! Each hop of a download is a `GET` built by the session: the client of the proxy route for
//! the URL (from the resolver's synchronous snapshot, so `set_proxy` applies to downloads),
//! with the session's user agent, `Accept-Language` and cookies. Its bytes are paced by the
//! session's emulated download throughput.

use std::sync::{Arc, PoisonError, RwLock, Weak};

use netsession_downloads::{
    DownloadItem, DownloadManager, DownloadOptions, InterruptedDownloadOptions, WillDownload,
};
use netsession_proxy_rules::ProxyChain;
use reqwest::header::{ACCEPT_LANGUAGE, COOKIE, USER_AGENT};
use url::Url;

use crate::emulation::{Emulation, SessionThrottle};
use crate::error::Error;
use crate::session::{Inner, Session};

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

/// The session's download manager: requests built by the session, its throttle, its
/// `will-download` slot, and Electron's default directory (`~/Downloads`).
pub(crate) fn download_manager(
    session: Weak<Inner>,
    emulation: &Arc<RwLock<Option<Arc<Emulation>>>>,
    will_download: &WillDownloadSlot,
) -> DownloadManager {
    let slot = will_download.clone();
    DownloadManager::builder()
        .download_path(default_download_dir())
        .request(move |url| match session.upgrade() {
            Some(inner) => Session { inner }.download_request(url),
            // The session is gone: the download fails as a dropped network would.
            None => reqwest::Client::new().get(url.clone()),
        })
        .throttle(Arc::new(SessionThrottle(Arc::clone(emulation))))
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
    /// The `GET` for one hop of a download.
    fn download_request(&self, url: &Url) -> reqwest::RequestBuilder {
        let route = self
            .inner
            .routes
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .and_then(|routes| routes.resolve_info(url).ok())
            .and_then(|info| info.current().cloned())
            .unwrap_or(ProxyChain::Direct);
        let client = self
            .client()
            .client_for(&route)
            .unwrap_or_else(|_| reqwest::Client::new());
        let mut request = client
            .get(url.clone())
            .header(USER_AGENT, self.user_agent());
        if let Some(languages) = self.accept_language() {
            request = request.header(ACCEPT_LANGUAGE, languages);
        }
        let cookies = self
            .cookies()
            .cookie_header(url, netsession_cookies::SameSiteContext::SameSite);
        if !cookies.is_empty() {
            request = request.header(COOKIE, cookies);
        }
        request
    }

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
