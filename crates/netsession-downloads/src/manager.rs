//! The download manager: the part of a session that starts downloads, announces them
//! through `will-download`, and owns the download directory (`setDownloadPath`).

use std::fmt;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, SystemTime};

use tokio::runtime::Handle;
use tokio::sync::watch;
use url::Url;

use crate::item::{Control, DEFAULT_UPDATE_INTERVAL, ItemData, Shared, temp_path_for};
use crate::{DownloadItem, DownloadState, Error, InterruptReason, Throttle};

/// What the `will-download` hook decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WillDownload {
    /// Go on (to the path the hook set with `set_save_path`, or the default one).
    Continue,
    /// Electron's `event.preventDefault()`: cancel before any byte is written.
    Cancel,
}

/// Called before each write of a download's bytes with the temporary file's path, the
/// offset and the length; an error fails the write as the file system would (an
/// application can enforce a quota; tests simulate a full disk).
pub type WriteHook = Arc<dyn Fn(&Path, u64, usize) -> io::Result<()> + Send + Sync>;

type WillDownloadHook = Arc<dyn Fn(&DownloadItem) -> WillDownload + Send + Sync>;

/// Sends one hop of a download (no redirects followed: the manager follows them to record
/// the chain) and answers the response, or why it failed. The `netsession` facade passes
/// its session's pipeline (webRequest, authentication, proxies, NetLog).
pub type Transport = Arc<dyn Fn(reqwest::Request) -> TransportFuture + Send + Sync>;

/// What a [`Transport`] answers.
pub type TransportFuture =
    std::pin::Pin<Box<dyn Future<Output = Result<reqwest::Response, InterruptReason>> + Send>>;

/// Builds the `GET` for one hop of a download: picks the client (a proxy route per URL) and
/// adds what the embedding session sends (cookies, user agent). The manager adds `Range`,
/// `If-Range` and the download's own headers after it.
pub type RequestHook = Arc<dyn Fn(&Url) -> reqwest::RequestBuilder + Send + Sync>;

/// Options of one download (Electron's `downloadURL(url, options)`).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct DownloadOptions {
    /// Extra request headers.
    pub headers: Vec<(String, String)>,
    /// Where to save, skipping the default path (a hook may still change it).
    pub save_path: Option<PathBuf>,
    /// Whether a user gesture started the download.
    pub has_user_gesture: bool,
}

impl DownloadOptions {
    /// Adds a request header.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets the save path.
    #[must_use]
    pub fn save_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.save_path = Some(path.into());
        self
    }
}

/// Electron's `createInterruptedDownload` options.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct InterruptedDownloadOptions {
    /// Where the file goes. The partial data is read from `path` + `.crdownload` if that
    /// exists, else from `path` itself (Electron's convention), and moved beside it.
    pub path: PathBuf,
    /// The URL and its redirects; the download resumes from the last.
    pub url_chain: Vec<Url>,
    /// The MIME type.
    pub mime_type: String,
    /// Bytes already downloaded.
    pub offset: u64,
    /// The full size.
    pub length: u64,
    /// The `Last-Modified` validator, or empty.
    pub last_modified: String,
    /// The `ETag` validator, or empty.
    pub etag: String,
    /// When the download started.
    pub start_time: Option<SystemTime>,
}

impl InterruptedDownloadOptions {
    /// Options with `path`, `url_chain`, `offset` and `length`; the rest empty.
    pub fn new(path: impl Into<PathBuf>, url_chain: Vec<Url>, offset: u64, length: u64) -> Self {
        Self {
            path: path.into(),
            url_chain,
            mime_type: String::new(),
            offset,
            length,
            last_modified: String::new(),
            etag: String::new(),
            start_time: None,
        }
    }
}

/// Starts and tracks downloads for one session.
///
/// Must be used within a Tokio runtime (multi-thread or current-thread) with time enabled.
#[derive(Clone)]
pub struct DownloadManager {
    inner: Arc<ManagerInner>,
}

impl fmt::Debug for DownloadManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DownloadManager")
            .field("download_path", &self.download_path())
            .finish_non_exhaustive()
    }
}

pub(crate) struct ManagerInner {
    pub(crate) client: reqwest::Client,
    pub(crate) request: Option<RequestHook>,
    pub(crate) transport: Option<Transport>,
    download_path: RwLock<PathBuf>,
    will_download: Option<WillDownloadHook>,
    pub(crate) throttle: Option<Arc<dyn Throttle>>,
    pub(crate) before_write: Option<WriteHook>,
    pub(crate) update_interval: Duration,
    pub(crate) max_redirects: usize,
    runtime: Option<Handle>,
    next_id: AtomicU32,
    items: Mutex<Vec<Weak<Shared>>>,
}

impl ManagerInner {
    pub(crate) fn download_path(&self) -> PathBuf {
        match self.download_path.read() {
            Ok(path) => path.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The `GET` for one hop: the request hook's, else the client's.
    pub(crate) fn get(&self, url: &Url) -> reqwest::RequestBuilder {
        match &self.request {
            Some(hook) => hook(url),
            None => self.client.get(url.clone()),
        }
    }

    pub(crate) fn runtime(&self) -> Option<Handle> {
        Handle::try_current().ok().or_else(|| self.runtime.clone())
    }

    /// Runs the `will-download` hook.
    pub(crate) fn announce(&self, item: &DownloadItem) -> WillDownload {
        item.shared.lock().announced = true;
        match &self.will_download {
            Some(hook) => hook(item),
            None => WillDownload::Continue,
        }
    }
}

/// Configures a [`DownloadManager`].
#[must_use]
pub struct DownloadManagerBuilder {
    client: Option<reqwest::Client>,
    request: Option<RequestHook>,
    transport: Option<Transport>,
    download_path: PathBuf,
    will_download: Option<WillDownloadHook>,
    throttle: Option<Arc<dyn Throttle>>,
    before_write: Option<WriteHook>,
    update_interval: Duration,
    max_redirects: usize,
}

impl fmt::Debug for DownloadManagerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DownloadManagerBuilder")
            .field("download_path", &self.download_path)
            .field("update_interval", &self.update_interval)
            .finish_non_exhaustive()
    }
}

impl DownloadManagerBuilder {
    /// The HTTP client. The manager follows redirects itself (to record the URL chain and
    /// cap them at 20 as Chromium does), so give it a client built with
    /// `redirect(reqwest::redirect::Policy::none())`. By default: such a client, with no
    /// other changes.
    pub fn client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// Builds each hop's request instead of [`client`](Self::client) (see [`RequestHook`]);
    /// the `netsession` facade routes downloads through its session with it.
    pub fn request(
        mut self,
        hook: impl Fn(&Url) -> reqwest::RequestBuilder + Send + Sync + 'static,
    ) -> Self {
        self.request = Some(Arc::new(hook));
        self
    }

    /// Sends each hop through `transport` instead of the client (see [`Transport`]).
    pub fn transport<F, Fut>(mut self, transport: F) -> Self
    where
        F: Fn(reqwest::Request) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<reqwest::Response, InterruptReason>> + Send + 'static,
    {
        self.transport = Some(Arc::new(move |request| Box::pin(transport(request))));
        self
    }

    /// The download directory (Electron's `setDownloadPath`).
    pub fn download_path(mut self, dir: impl Into<PathBuf>) -> Self {
        self.download_path = dir.into();
        self
    }

    /// The `will-download` hook: called once the response headers are known and before any
    /// byte is written (for `create_interrupted_download`, when the item is created). It
    /// may call [`DownloadItem::set_save_path`], and cancels the download by returning
    /// [`WillDownload::Cancel`].
    pub fn will_download(
        mut self,
        hook: impl Fn(&DownloadItem) -> WillDownload + Send + Sync + 'static,
    ) -> Self {
        self.will_download = Some(Arc::new(hook));
        self
    }

    /// Limits every download's rate (the facade's network emulation).
    pub fn throttle(mut self, throttle: Arc<dyn Throttle>) -> Self {
        self.throttle = Some(throttle);
        self
    }

    /// A hook called before each write (see [`WriteHook`]).
    pub fn before_write(
        mut self,
        hook: impl Fn(&Path, u64, usize) -> io::Result<()> + Send + Sync + 'static,
    ) -> Self {
        self.before_write = Some(Arc::new(hook));
        self
    }

    /// The least time between two `updated(progressing)` events of one item (default
    /// 500 ms, Chromium's).
    pub fn update_interval(mut self, interval: Duration) -> Self {
        self.update_interval = interval;
        self
    }

    /// The most redirects followed (default 20, Chromium's); more interrupt the download
    /// with `NETWORK_INVALID_REQUEST`.
    pub fn max_redirects(mut self, max: usize) -> Self {
        self.max_redirects = max;
        self
    }

    /// Builds the manager. Within a Tokio runtime, the manager keeps its handle, so that
    /// items can later be resumed from any thread.
    pub fn build(self) -> DownloadManager {
        let client = self.client.unwrap_or_else(default_client);
        DownloadManager {
            inner: Arc::new(ManagerInner {
                client,
                request: self.request,
                transport: self.transport,
                download_path: RwLock::new(self.download_path),
                will_download: self.will_download,
                throttle: self.throttle,
                before_write: self.before_write,
                update_interval: self.update_interval,
                max_redirects: self.max_redirects,
                runtime: Handle::try_current().ok(),
                next_id: AtomicU32::new(1),
                items: Mutex::new(Vec::new()),
            }),
        }
    }
}

fn default_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        // Building fails only when the TLS backend cannot initialise; a default client then
        // fails the same way on every request, which interrupts downloads with a reason.
        .unwrap_or_default()
}

impl DownloadManager {
    /// A manager saving into `download_path`, with default settings.
    pub fn new(download_path: impl Into<PathBuf>) -> Self {
        Self::builder().download_path(download_path).build()
    }

    /// A builder; the download directory defaults to the current directory.
    pub fn builder() -> DownloadManagerBuilder {
        DownloadManagerBuilder {
            client: None,
            request: None,
            transport: None,
            download_path: PathBuf::from("."),
            will_download: None,
            throttle: None,
            before_write: None,
            update_interval: DEFAULT_UPDATE_INTERVAL,
            max_redirects: 20,
        }
    }

    /// The download directory.
    pub fn download_path(&self) -> PathBuf {
        self.inner.download_path()
    }

    /// Electron's `setDownloadPath`: the directory for downloads that start from now on.
    pub fn set_download_path(&self, dir: impl Into<PathBuf>) {
        match self.inner.download_path.write() {
            Ok(mut path) => *path = dir.into(),
            Err(poisoned) => *poisoned.into_inner() = dir.into(),
        }
    }

    /// Electron's `downloadURL`: starts downloading `url`. The item is returned at once, in
    /// state `progressing`; `will-download` runs when the response headers arrive.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`], [`Error::UnsupportedScheme`], or [`Error::NoRuntime`] when
    /// called outside a Tokio runtime.
    pub fn download(&self, url: &str) -> Result<DownloadItem, Error> {
        self.download_with(url, DownloadOptions::default())
    }

    /// [`download`](Self::download) with options.
    ///
    /// # Errors
    ///
    /// As [`download`](Self::download).
    pub fn download_with(
        &self,
        url: &str,
        options: DownloadOptions,
    ) -> Result<DownloadItem, Error> {
        let url = Url::parse(url).map_err(|_| Error::InvalidUrl(url.to_owned()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::UnsupportedScheme(url.into()));
        }
        if self.inner.runtime().is_none() {
            return Err(Error::NoRuntime);
        }
        let mut data = ItemData::new(url, options.headers, options.has_user_gesture);
        data.save_path = options.save_path.map(|path| self.absolute(path));
        let item = self.register(data);
        crate::engine::spawn(&item.shared);
        Ok(item)
    }

    /// Turns a response fetched elsewhere into a download (what a browser does when a
    /// navigation answers `Content-Disposition: attachment`): `will-download` runs at once
    /// with the response's headers, then its body is written as a download's. `url_chain`
    /// is the URL and its redirects, last the response's; a resume after an interruption
    /// sends its own request to the last URL. The response's body is not paced by this
    /// manager's throttle (whoever fetched it paced it).
    ///
    /// # Errors
    ///
    /// [`Error::EmptyUrlChain`], [`Error::UnsupportedScheme`], or [`Error::NoRuntime`].
    pub fn adopt(
        &self,
        response: reqwest::Response,
        url_chain: Vec<Url>,
        options: DownloadOptions,
    ) -> Result<DownloadItem, Error> {
        let Some(first) = url_chain.first().cloned() else {
            return Err(Error::EmptyUrlChain);
        };
        if let Some(url) = url_chain
            .iter()
            .find(|url| !matches!(url.scheme(), "http" | "https"))
        {
            return Err(Error::UnsupportedScheme(url.to_string()));
        }
        if self.inner.runtime().is_none() {
            return Err(Error::NoRuntime);
        }
        let mut data = ItemData::new(first, options.headers, options.has_user_gesture);
        data.url_chain = url_chain;
        data.save_path = options.save_path.map(|path| self.absolute(path));
        let item = self.register(data);
        *item
            .shared
            .adopted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(response);
        crate::engine::spawn(&item.shared);
        Ok(item)
    }

    /// Electron's `createInterruptedDownload`: an `interrupted` item (reason
    /// `USER_SHUTDOWN`, as after a restart) that continues when
    /// [`resume`](DownloadItem::resume) is called. It is announced through `will-download`
    /// at once; a hook that cancels it removes the partial file.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyPath`], [`Error::EmptyUrlChain`], [`Error::EmptyLength`],
    /// [`Error::OffsetNotBelowLength`], [`Error::UnsupportedScheme`].
    pub fn create_interrupted_download(
        &self,
        options: InterruptedDownloadOptions,
    ) -> Result<DownloadItem, Error> {
        if options.path.as_os_str().is_empty() {
            return Err(Error::EmptyPath);
        }
        let Some(first) = options.url_chain.first().cloned() else {
            return Err(Error::EmptyUrlChain);
        };
        if options.length == 0 {
            return Err(Error::EmptyLength);
        }
        if options.offset >= options.length {
            return Err(Error::OffsetNotBelowLength {
                offset: options.offset,
                length: options.length,
            });
        }
        if let Some(last) = options
            .url_chain
            .last()
            .filter(|last| !matches!(last.scheme(), "http" | "https"))
        {
            return Err(Error::UnsupportedScheme(last.to_string()));
        }
        let path = self.absolute(options.path);
        let temp = temp_path_for(&path);
        // Electron keeps the partial data at `path`; this crate beside it.
        if !temp.exists() && path.exists() {
            let _ = std::fs::rename(&path, &temp);
        }
        let mut data = ItemData::new(first, Vec::new(), false);
        data.url_chain = options.url_chain;
        data.mime_type = options.mime_type;
        data.received = options.offset;
        data.total = options.length;
        data.last_modified = options.last_modified;
        data.etag = options.etag;
        data.start_time = options.start_time.unwrap_or_else(SystemTime::now);
        data.end_time = Some(SystemTime::now());
        data.file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        data.save_path = Some(path);
        data.path_locked = true;
        data.state = DownloadState::Interrupted;
        data.reason = Some(InterruptReason::UserShutdown);
        let item = self.register(data);
        item.shared.running.send_replace(false);
        if self.inner.announce(&item) == WillDownload::Cancel {
            item.cancel();
        }
        Ok(item)
    }

    /// Interrupts every running download with `USER_SHUTDOWN`, keeping the partial files,
    /// as Chromium does when the browser exits; waits until they have stopped.
    pub async fn shutdown(&self) {
        let items: Vec<DownloadItem> = {
            let items = match self.inner.items.lock() {
                Ok(items) => items,
                Err(poisoned) => poisoned.into_inner(),
            };
            items
                .iter()
                .filter_map(Weak::upgrade)
                .map(|shared| DownloadItem { shared })
                .collect()
        };
        for item in &items {
            if *item.shared.running.borrow() {
                item.shared.control.send_replace(Control::Shutdown);
            }
        }
        for item in &items {
            item.settled().await;
        }
    }

    fn absolute(&self, path: PathBuf) -> PathBuf {
        if path.is_relative() {
            self.download_path().join(path)
        } else {
            path
        }
    }

    fn register(&self, data: ItemData) -> DownloadItem {
        let (control, _) = watch::channel(Control::Run);
        let (running, _) = watch::channel(true);
        let shared = Arc::new(Shared {
            id: self.inner.next_id.fetch_add(1, Ordering::Relaxed),
            manager: Arc::clone(&self.inner),
            data: Mutex::new(data),
            control,
            running,
            listeners: Mutex::new(Vec::new()),
            adopted: Mutex::new(None),
        });
        let mut items = match self.inner.items.lock() {
            Ok(items) => items,
            Err(poisoned) => poisoned.into_inner(),
        };
        items.retain(|item| item.strong_count() > 0);
        items.push(Arc::downgrade(&shared));
        DownloadItem { shared }
    }
}
