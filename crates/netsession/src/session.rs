//! Sessions, partitions and the registry that hands out one `Session` per partition.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};

use bytes::Bytes;
use netsession_cert_verify::CertVerifier;
use netsession_cookies::{CookieFilter, CookieJar};
use netsession_downloads::DownloadManager;
use netsession_http_cache::{Cache, CacheOptions};
use netsession_proxy::{ProxiedClient, ProxyConfig, ProxyResolver};
use netsession_storage::{ClearStorageDataOptions, Storage};
use psl::Psl as _;
use url::Url;

use crate::auth::{AuthCache, LoginHandler};
use crate::download::{WillDownloadSlot, download_manager};
use crate::emulation::{Emulation, NetworkConditions};
use crate::error::Error;
use crate::host_cache::HostResolver;
use crate::identity::{accept_language_header, default_user_agent};
use crate::logging::{LogConnects, cert_observer};
use crate::net_log::NetLog;
use crate::permissions::{
    CheckHandler, Permission, PermissionCheck, PermissionRequest, RequestHandler, request_handler,
};
use crate::preloads::{PreloadKind, PreloadScript, Preloads};
use crate::protocol::Protocol;
use crate::transport::Slots;
use crate::web_request::WebRequest;

/// Options of a session, applied only when the session is first created (Electron's
/// `fromPartition(partition, options)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionOptions {
    /// Whether the session has an HTTP cache (default `true`).
    pub cache: bool,
}

impl Default for SessionOptions {
    fn default() -> Self {
        Self { cache: true }
    }
}

impl SessionOptions {
    /// Sets [`SessionOptions::cache`].
    pub fn cache(mut self, cache: bool) -> Self {
        self.cache = cache;
        self
    }
}

/// A kind of data in Electron's `clearData({dataTypes})` (Electron 31+).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClearDataType {
    /// `backgroundFetch`: nothing here runs background fetches, so there is none to clear.
    BackgroundFetch,
    /// `cache`: the HTTP cache, by the entries' URLs.
    Cache,
    /// `cookies`: the cookie jar, by registrable domain (see [`Session::clear_data`]).
    Cookies,
    /// `downloads`: the download history; the session keeps none, so there is none to clear.
    Downloads,
    /// `fileSystems`: what the storage's `filesystem` clearers hold.
    FileSystems,
    /// `indexedDB`: what the storage's `indexdb` clearers hold.
    IndexedDb,
    /// `localStorage`: the session's DOM storage.
    LocalStorage,
    /// `serviceWorkers`: what the storage's `serviceworkers` clearers hold.
    ServiceWorkers,
    /// `webSQL`: what the storage's `websql` clearers hold.
    WebSql,
}

impl ClearDataType {
    /// Every kind, in Electron's documentation order (what `clearData` clears by default).
    pub const ALL: [Self; 9] = [
        Self::BackgroundFetch,
        Self::Cache,
        Self::Cookies,
        Self::Downloads,
        Self::FileSystems,
        Self::IndexedDb,
        Self::LocalStorage,
        Self::ServiceWorkers,
        Self::WebSql,
    ];

    /// Electron's name for the kind, as `dataTypes` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Self::BackgroundFetch => "backgroundFetch",
            Self::Cache => "cache",
            Self::Cookies => "cookies",
            Self::Downloads => "downloads",
            Self::FileSystems => "fileSystems",
            Self::IndexedDb => "indexedDB",
            Self::LocalStorage => "localStorage",
            Self::ServiceWorkers => "serviceWorkers",
            Self::WebSql => "webSQL",
        }
    }

    /// The kind Electron calls `name` (case-sensitive, as Electron's lookup is).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// The `clearStorageData` kind behind this one, for the kinds that live in the storage's
    /// clearing registry.
    fn storage_kind(self) -> Option<&'static str> {
        match self {
            Self::FileSystems => Some("filesystem"),
            Self::IndexedDb => Some("indexdb"),
            Self::LocalStorage => Some("localstorage"),
            Self::ServiceWorkers => Some("serviceworkers"),
            Self::WebSql => Some("websql"),
            Self::BackgroundFetch | Self::Cache | Self::Cookies | Self::Downloads => None,
        }
    }
}

impl fmt::Display for ClearDataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which origins `clearData` clears: all, only `origins`, or all but `excludeOrigins` (the
/// two lists cannot be combined, in Electron as here). Only the origin of each URL counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum OriginFilter {
    /// Every origin (no list given).
    #[default]
    All,
    /// `origins`: only these.
    Only(Vec<Url>),
    /// `excludeOrigins`: every origin but these.
    Except(Vec<Url>),
}

/// The options of Electron's `clearData`.
///
/// Electron's `avoidClosingConnections` and `originMatchingMode` have no counterpart:
/// clearing here never closes connections, and nothing is partitioned by top-level site, so
/// both matching modes clear the same data.
///
/// # Examples
///
/// ```
/// use netsession::{ClearDataOptions, ClearDataType};
///
/// let options = ClearDataOptions::default()
///     .data_types([ClearDataType::Cache, ClearDataType::Cookies])
///     .origins([url::Url::parse("https://app.example")?]);
/// # let _ = options;
/// # Ok::<(), url::ParseError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClearDataOptions {
    /// `dataTypes`: the kinds to clear; `None` clears every kind, as in Electron.
    pub data_types: Option<Vec<ClearDataType>>,
    /// `origins` or `excludeOrigins`.
    pub origins: OriginFilter,
}

impl ClearDataOptions {
    /// Sets [`ClearDataOptions::data_types`].
    #[must_use]
    pub fn data_types(mut self, kinds: impl IntoIterator<Item = ClearDataType>) -> Self {
        self.data_types = Some(kinds.into_iter().collect());
        self
    }

    /// Clears only these origins (Electron's `origins`), replacing any filter set before.
    #[must_use]
    pub fn origins(mut self, origins: impl IntoIterator<Item = Url>) -> Self {
        self.origins = OriginFilter::Only(origins.into_iter().collect());
        self
    }

    /// Clears every origin but these (Electron's `excludeOrigins`), replacing any filter set
    /// before.
    #[must_use]
    pub fn exclude_origins(mut self, origins: impl IntoIterator<Item = Url>) -> Self {
        self.origins = OriginFilter::Except(origins.into_iter().collect());
        self
    }
}

/// Hands out sessions: the same partition name (or path) always gives the same [`Session`].
///
/// Apps usually use the process-wide registry through [`Session::from_partition`]; a
/// `Sessions` of its own is for tests and for hosting several apps' data in one process.
#[derive(Debug)]
pub struct Sessions {
    data_dir: PathBuf,
    by_partition: Mutex<HashMap<String, Session>>,
    by_path: Mutex<HashMap<PathBuf, Session>>,
}

impl Sessions {
    /// A registry whose `persist:` partitions live under `data_dir` (Electron's `userData`):
    /// the default session in `data_dir` itself, `persist:NAME` in
    /// `data_dir/Partitions/name` (lower-cased, as Electron does).
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            by_partition: Mutex::default(),
            by_path: Mutex::default(),
        }
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Electron's `session.fromPartition`: `""` is the default session, `persist:NAME` lives
    /// on disk, any other name in memory. Options apply only on first creation.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPartition`] for a `persist:` name that cannot name a folder, and
    /// [`Error::Storage`] when the partition's database cannot be opened (corrupt, from a
    /// newer version, or in use by another process).
    pub fn from_partition(
        &self,
        partition: &str,
        options: SessionOptions,
    ) -> Result<Session, Error> {
        let mut sessions = self
            .by_partition
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(session) = sessions.get(partition) {
            return Ok(session.clone());
        }
        let dir =
            netsession_storage::partition_dir(&self.data_dir, partition).map_err(|e| match e {
                netsession_storage::Error::InvalidPartition(name) => Error::InvalidPartition(name),
                other => Error::Storage(other),
            })?;
        let session = Session::create(partition.to_owned(), dir, options)?;
        sessions.insert(partition.to_owned(), session.clone());
        Ok(session)
    }

    /// Electron's `session.fromPath`: a session stored in an absolute directory.
    ///
    /// # Errors
    ///
    /// [`Error::RelativePath`] for an empty or relative path; [`Error::Storage`] as for
    /// [`Sessions::from_partition`].
    pub fn from_path(&self, path: &Path, options: SessionOptions) -> Result<Session, Error> {
        if !path.is_absolute() {
            return Err(Error::RelativePath(path.to_owned()));
        }
        let mut sessions = self.by_path.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(session) = sessions.get(path) {
            return Ok(session.clone());
        }
        let session = Session::create(String::new(), Some(path.to_owned()), options)?;
        sessions.insert(path.to_owned(), session.clone());
        Ok(session)
    }

    /// Electron's `session.defaultSession`: the same as `from_partition("")`.
    ///
    /// # Errors
    ///
    /// As [`Sessions::from_partition`].
    pub fn default_session(&self) -> Result<Session, Error> {
        self.from_partition("", SessionOptions::default())
    }
}

static GLOBAL: OnceLock<Sessions> = OnceLock::new();

/// Sets the process-wide data directory (Electron's `userData`), once, before the first
/// session is created.
///
/// # Errors
///
/// [`Error::DataDirAlreadySet`] when it was set before, or when a session already exists (the
/// default directory was then chosen).
pub fn set_data_dir(dir: impl Into<PathBuf>) -> Result<(), Error> {
    let dir = dir.into();
    let mut fresh = false;
    let sessions = GLOBAL.get_or_init(|| {
        fresh = true;
        Sessions::new(dir.clone())
    });
    if fresh {
        Ok(())
    } else {
        Err(Error::DataDirAlreadySet(sessions.data_dir.clone()))
    }
}

/// The process-wide registry; its data directory is [`set_data_dir`]'s, else the platform's
/// (`$XDG_CONFIG_HOME/netsession` or `~/.config/netsession` on Linux, where Electron keeps
/// `userData`).
pub fn sessions() -> &'static Sessions {
    GLOBAL.get_or_init(|| {
        Sessions::new(
            platform_data_dir().unwrap_or_else(|| std::env::temp_dir().join("netsession")),
        )
    })
}

/// Where Electron would keep `userData` for an app called `netsession` on Linux:
/// `$XDG_CONFIG_HOME/netsession`, else `~/.config/netsession`; `None` with neither set.
pub fn platform_data_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))
        .map(|dir| dir.join("netsession"))
}

/// A network session: Electron's `Session`. Cheap to clone; clones are the same session.
#[derive(Clone)]
pub struct Session {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    partition: String,
    storage_path: Option<PathBuf>,
    options: SessionOptions,
    storage: Storage,
    cookies: CookieJar,
    proxy: RwLock<ProxyResolver>,
    client: RwLock<ProxiedClient>,
    pub(crate) cache: Cache,
    pub(crate) verifier: RwLock<CertVerifier>,
    pub(crate) host_resolver: HostResolver,
    pub(crate) auth_cache: AuthCache,
    pub(crate) login: RwLock<Option<LoginHandler>>,
    pub(crate) slots: Slots,
    pub(crate) downloads: DownloadManager,
    pub(crate) will_download: WillDownloadSlot,
    pub(crate) blobs: Mutex<HashMap<String, Bytes>>,
    web_request: WebRequest,
    net_log: NetLog,
    protocol: Protocol,
    identity: RwLock<Identity>,
    download_path: RwLock<Option<PathBuf>>,
    emulation: RwLock<Option<Arc<Emulation>>>,
    permission_request: RwLock<Option<RequestHandler>>,
    permission_check: RwLock<Option<CheckHandler>>,
    preloads: Mutex<Preloads>,
    ntlm_domains: RwLock<Vec<String>>,
}

#[derive(Debug, Default)]
struct Identity {
    user_agent: Option<String>,
    accept_language: Option<String>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("partition", &self.inner.partition)
            .field("storage_path", &self.inner.storage_path)
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

/// Two handles are equal when they are the same session.
impl PartialEq for Session {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Eq for Session {}

impl Session {
    /// Electron's `session.fromPartition`, on the process-wide registry (see [`sessions`]).
    ///
    /// # Errors
    ///
    /// As [`Sessions::from_partition`].
    ///
    /// # Examples
    ///
    /// ```
    /// use netsession::{Session, SessionOptions};
    ///
    /// let scratch = Session::from_partition("scratch", SessionOptions::default())?;
    /// assert!(!scratch.is_persistent());
    /// assert_eq!(scratch, Session::from_partition("scratch", SessionOptions::default())?);
    /// # Ok::<(), netsession::Error>(())
    /// ```
    pub fn from_partition(partition: &str, options: SessionOptions) -> Result<Self, Error> {
        sessions().from_partition(partition, options)
    }

    /// Electron's `session.fromPath`, on the process-wide registry.
    ///
    /// # Errors
    ///
    /// As [`Sessions::from_path`].
    pub fn from_path(path: &Path, options: SessionOptions) -> Result<Self, Error> {
        sessions().from_path(path, options)
    }

    /// Electron's `session.defaultSession`, on the process-wide registry.
    ///
    /// # Errors
    ///
    /// As [`Sessions::from_partition`].
    pub fn default_session() -> Result<Self, Error> {
        sessions().default_session()
    }

    fn create(
        partition: String,
        dir: Option<PathBuf>,
        options: SessionOptions,
    ) -> Result<Self, Error> {
        let storage = match &dir {
            Some(dir) => Storage::open(dir)?,
            None => Storage::in_memory(),
        };
        let cookies = CookieJar::open(&storage)?;
        let cache = match (&dir, options.cache) {
            (_, false) => Cache::disabled(),
            // Electron keeps a partition's HTTP cache in its `Cache` folder.
            (Some(dir), true) => Cache::open(dir.join("Cache"), CacheOptions::default())?,
            (None, true) => Cache::memory(CacheOptions::default()),
        };
        let resolver = ProxyResolver::new(ProxyConfig::default());
        let net_log = NetLog::new();
        let verifier = CertVerifier::new();
        verifier.set_observer(Some(cert_observer(&net_log)));
        let host_resolver = HostResolver::new(net_log.clone());
        let client = pipeline_client(resolver.clone(), &verifier, &host_resolver, &net_log)?;
        let will_download = WillDownloadSlot::default();
        let inner = Arc::new_cyclic(|session| Inner {
            partition,
            storage_path: dir,
            options,
            storage,
            cookies,
            client: RwLock::new(client),
            proxy: RwLock::new(resolver),
            cache,
            verifier: RwLock::new(verifier),
            host_resolver,
            auth_cache: AuthCache::default(),
            login: RwLock::default(),
            slots: Slots::default(),
            downloads: download_manager(session.clone(), &will_download),
            will_download,
            blobs: Mutex::default(),
            web_request: WebRequest::default(),
            net_log,
            protocol: Protocol::default(),
            identity: RwLock::default(),
            download_path: RwLock::default(),
            emulation: RwLock::new(None),
            permission_request: RwLock::default(),
            permission_check: RwLock::default(),
            preloads: Mutex::default(),
            ntlm_domains: RwLock::default(),
        });
        Ok(Self { inner })
    }

    /// The partition name this session was created for (`""` for the default session and
    /// for sessions from a path).
    pub fn partition(&self) -> &str {
        &self.inner.partition
    }

    /// The options the session was created with.
    pub fn options(&self) -> SessionOptions {
        self.inner.options
    }

    /// Electron's `isPersistent`: whether the session lives on disk.
    pub fn is_persistent(&self) -> bool {
        self.inner.storage_path.is_some()
    }

    /// Electron's `getStoragePath`: the session's directory, `None` in memory.
    pub fn storage_path(&self) -> Option<&Path> {
        self.inner.storage_path.as_deref()
    }

    /// Electron's `ses.cookies`.
    pub fn cookies(&self) -> &CookieJar {
        &self.inner.cookies
    }

    /// Electron's `ses.webRequest`.
    pub fn web_request(&self) -> &WebRequest {
        &self.inner.web_request
    }

    /// Electron's `ses.netLog`.
    pub fn net_log(&self) -> &NetLog {
        &self.inner.net_log
    }

    /// Electron's `ses.protocol`.
    pub fn protocol(&self) -> &Protocol {
        &self.inner.protocol
    }

    /// The session's storage: DOM storage and the clearing registry.
    pub fn storage(&self) -> &Storage {
        &self.inner.storage
    }

    /// Electron's `flushStorageData`: makes every DOM storage write so far durable.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`] when the database cannot be written.
    pub async fn flush_storage_data(&self) -> Result<(), Error> {
        let storage = self.inner.storage.clone();
        blocking(move || storage.flush_storage_data().map_err(Error::from)).await
    }

    /// Electron's `clearStorageData`. As in Electron, the HTTP cache is not storage: it is
    /// [`Session::clear_cache`]'s, or [`Session::clear_data`]'s with [`ClearDataType::Cache`].
    ///
    /// # Errors
    ///
    /// [`Error::Storage`] for an invalid origin or a database that cannot be written.
    pub async fn clear_storage_data(&self, options: ClearStorageDataOptions) -> Result<(), Error> {
        let storage = self.inner.storage.clone();
        blocking(move || storage.clear_storage_data(&options).map_err(Error::from)).await
    }

    /// Electron's `clearData` (Chromium's `BrowsingDataRemover`): clears the kinds in
    /// `options` for the origins it names. Each kind is cleared even when another fails.
    ///
    /// - [`ClearDataType::Cache`]: the HTTP cache entries whose URL has a matching origin.
    /// - [`ClearDataType::Cookies`]: with an origin filter, cookies are matched by
    ///   registrable domain, as Electron documents: clearing `https://a.site.example` removes
    ///   every cookie of `site.example`; excluding it keeps them all.
    /// - The storage kinds (local storage and the kinds registered with the storage's
    ///   clearing registry): for all origins or for each listed origin, as
    ///   [`Session::clear_storage_data`] would.
    /// - [`ClearDataType::BackgroundFetch`] and [`ClearDataType::Downloads`]: the session
    ///   keeps no such data.
    ///
    /// # Errors
    ///
    /// [`Error::DataNotCleared`], Electron's `failedDataTypes`: the kinds that could not be
    /// cleared, with the first cause. With [`OriginFilter::Except`], the storage kinds always
    /// fail: the storage clears one origin or all, and cannot list the origins it holds.
    ///
    /// # Examples
    ///
    /// ```
    /// use netsession::{ClearDataOptions, ClearDataType, Session, SessionOptions};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let session = Session::from_partition("clear-data-doc", SessionOptions::default())?;
    /// let app = url::Url::parse("https://app.example/")?;
    /// session.cookies().store(&app, "id=1")?;
    /// let options = ClearDataOptions::default()
    ///     .data_types([ClearDataType::Cache, ClearDataType::Cookies])
    ///     .origins([app]);
    /// session.clear_data(options).await?;
    /// assert!(session.cookies().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn clear_data(&self, options: ClearDataOptions) -> Result<(), Error> {
        let session = self.clone();
        blocking(move || session.clear_data_now(&options)).await
    }

    fn clear_data_now(&self, options: &ClearDataOptions) -> Result<(), Error> {
        let mut kinds: Vec<ClearDataType> = Vec::new();
        // A kind listed twice is cleared (and reported) once.
        for kind in options.data_types.as_deref().unwrap_or(&ClearDataType::ALL) {
            if !kinds.contains(kind) {
                kinds.push(*kind);
            }
        }
        let mut failed = Vec::new();
        let mut cause = None;
        for kind in kinds {
            let result = match kind {
                ClearDataType::Cache => self.clear_cache_origins(&options.origins).map_err(Some),
                ClearDataType::Cookies => {
                    clear_cookie_sites(&self.inner.cookies, &options.origins);
                    Ok(())
                }
                ClearDataType::BackgroundFetch | ClearDataType::Downloads => Ok(()),
                ClearDataType::FileSystems
                | ClearDataType::IndexedDb
                | ClearDataType::LocalStorage
                | ClearDataType::ServiceWorkers
                | ClearDataType::WebSql => self.clear_storage_kind(kind, &options.origins),
            };
            match result {
                Ok(()) => {}
                Err(error) => {
                    failed.push(kind);
                    cause = cause.or(error);
                }
            }
        }
        if failed.is_empty() {
            Ok(())
        } else {
            Err(Error::DataNotCleared {
                data_types: failed,
                source: cause.map(Box::new),
            })
        }
    }

    /// The HTTP cache part of `clearData`: entries go by their URL's origin.
    fn clear_cache_origins(&self, origins: &OriginFilter) -> Result<(), Error> {
        let cache = &self.inner.cache;
        let result = match origins {
            OriginFilter::All => cache.clear(),
            OriginFilter::Only(listed) => cache.retain(|url| !has_origin(listed, url)),
            OriginFilter::Except(listed) => cache.retain(|url| has_origin(listed, url)),
        };
        result.map_err(Error::Cache)
    }

    /// A kind of the storage's clearing registry. `Err(None)` when the filter cannot be
    /// expressed to the registry, which takes one origin or all.
    fn clear_storage_kind(
        &self,
        kind: ClearDataType,
        origins: &OriginFilter,
    ) -> Result<(), Option<Error>> {
        let Some(name) = kind.storage_kind() else {
            return Ok(());
        };
        let clear = |origin: Option<String>| {
            self.inner
                .storage
                .clear_storage_data(&ClearStorageDataOptions {
                    origin,
                    storages: Some(vec![name.to_owned()]),
                    ..ClearStorageDataOptions::default()
                })
                .map_err(|error| Some(Error::Storage(error)))
        };
        match origins {
            OriginFilter::All => clear(None),
            OriginFilter::Only(listed) => {
                let mut result = Ok(());
                for url in listed {
                    let done = clear(Some(url.origin().ascii_serialization()));
                    result = result.and(done);
                }
                result
            }
            OriginFilter::Except(_) => Err(None),
        }
    }

    /// Electron's `setProxy`: a new resolver for `config` (bad-proxy memory starts over).
    ///
    /// # Errors
    ///
    /// [`Error::Certificate`] when the clients' TLS cannot be set up (an invalid `mode` is
    /// refused earlier, when the config is built with `ProxyConfig::from_electron`).
    pub async fn set_proxy(&self, config: ProxyConfig) -> Result<(), Error> {
        let resolver = ProxyResolver::new(config);
        let client = self.clients_for(resolver.clone(), &self.verifier())?;
        *self
            .inner
            .proxy
            .write()
            .unwrap_or_else(PoisonError::into_inner) = resolver;
        // New routes need new clients: the old ones keep connections to the old proxies.
        *self
            .inner
            .client
            .write()
            .unwrap_or_else(PoisonError::into_inner) = client;
        Ok(())
    }

    /// Electron's `resolveProxy`: Chromium's PAC string for `url`, `""` on failure (also for
    /// a URL that does not parse). Never an error.
    pub async fn resolve_proxy(&self, url: &str) -> String {
        let Ok(url) = Url::parse(url) else {
            return String::new();
        };
        self.proxy_resolver().resolve_proxy(&url).await
    }

    /// Electron's `forceReloadProxyConfig`: system settings read again, the PAC script
    /// fetched again, bad proxies forgotten.
    pub async fn force_reload_proxy_config(&self) {
        self.proxy_resolver().reload().await;
    }

    /// Electron's `closeAllConnections`: drops every pooled connection (requests in flight
    /// finish on the connections they hold).
    pub async fn close_all_connections(&self) {
        self.client().close_all_connections();
    }

    /// New pipeline clients for `resolver` and `verifier`, with the session's host cache and
    /// NetLog.
    pub(crate) fn clients_for(
        &self,
        resolver: ProxyResolver,
        verifier: &CertVerifier,
    ) -> Result<ProxiedClient, Error> {
        pipeline_client(
            resolver,
            verifier,
            &self.inner.host_resolver,
            self.net_log(),
        )
    }

    /// Replaces the pipeline's clients (a new verifier).
    pub(crate) fn set_client(&self, client: ProxiedClient) {
        *self
            .inner
            .client
            .write()
            .unwrap_or_else(PoisonError::into_inner) = client;
    }

    /// The client of the request pipeline: one reqwest client per proxy route.
    pub(crate) fn client(&self) -> ProxiedClient {
        self.inner
            .client
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The session's proxy resolver, for requests made outside the session.
    pub fn proxy_resolver(&self) -> ProxyResolver {
        self.inner
            .proxy
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Electron's `setUserAgent(userAgent, acceptLanguages)`: `accept_languages` is a comma
    /// list sent as Chromium's q-weighted `Accept-Language` (see
    /// [`accept_language_header`](crate::accept_language_header)).
    pub fn set_user_agent(&self, user_agent: &str, accept_languages: Option<&str>) {
        let mut identity = self
            .inner
            .identity
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        identity.user_agent = Some(user_agent.to_owned());
        if let Some(languages) = accept_languages {
            identity.accept_language = Some(accept_language_header(languages));
        }
    }

    /// Electron's `getUserAgent`: the override, else the default (Chromium's format naming
    /// netsession).
    pub fn user_agent(&self) -> String {
        let identity = self
            .inner
            .identity
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        identity
            .user_agent
            .clone()
            .unwrap_or_else(|| default_user_agent().to_owned())
    }

    /// The `Accept-Language` header the session sends, if languages were set.
    pub fn accept_language(&self) -> Option<String> {
        let identity = self
            .inner
            .identity
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        identity.accept_language.clone()
    }

    /// Electron's `setDownloadPath`: where downloads are saved by default.
    ///
    /// # Errors
    ///
    /// [`Error::RelativePath`] for a relative path (it would depend on the working directory).
    pub fn set_download_path(&self, path: impl Into<PathBuf>) -> Result<(), Error> {
        let path = path.into();
        if !path.is_absolute() {
            return Err(Error::RelativePath(path));
        }
        self.inner.downloads.set_download_path(&path);
        *self
            .inner
            .download_path
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(path);
        Ok(())
    }

    /// The download directory set by [`Session::set_download_path`], if any.
    pub fn download_path(&self) -> Option<PathBuf> {
        self.inner
            .download_path
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Electron's `enableNetworkEmulation`.
    pub fn enable_network_emulation(&self, conditions: NetworkConditions) {
        *self
            .inner
            .emulation
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(Emulation::new(conditions)));
    }

    /// Electron's `disableNetworkEmulation`.
    pub fn disable_network_emulation(&self) {
        *self
            .inner
            .emulation
            .write()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// The emulated conditions in force, if any.
    pub fn network_conditions(&self) -> Option<NetworkConditions> {
        self.emulation().map(|e| e.conditions)
    }

    /// The emulation in force and its token buckets.
    pub(crate) fn emulation(&self) -> Option<Arc<Emulation>> {
        self.inner
            .emulation
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Electron's `setPermissionRequestHandler`; `None` restores the default (grant all).
    pub fn set_permission_request_handler<F, Fut>(&self, handler: Option<F>)
    where
        F: Fn(Permission, PermissionRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = bool> + Send + 'static,
    {
        *self
            .inner
            .permission_request
            .write()
            .unwrap_or_else(PoisonError::into_inner) = handler.map(request_handler);
    }

    /// Electron's `setPermissionCheckHandler`; `None` restores the default (grant all).
    pub fn set_permission_check_handler<F>(&self, handler: Option<F>)
    where
        F: Fn(Permission, &str, &PermissionCheck) -> bool + Send + Sync + 'static,
    {
        *self
            .inner
            .permission_check
            .write()
            .unwrap_or_else(PoisonError::into_inner) = handler.map(|h| Arc::new(h) as CheckHandler);
    }

    /// Asks the request handler, as a page asking for `permission` would; with no handler the
    /// permission is granted, as in Electron.
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// use netsession::{Permission, PermissionRequest, Session, SessionOptions};
    ///
    /// let session = Session::from_partition("permissions-doc", SessionOptions::default())?;
    /// session.set_permission_request_handler(Some(|permission, _request| async move {
    ///     permission == Permission::Notifications
    /// }));
    /// let request = PermissionRequest::new("https://app.example/");
    /// assert!(session.request_permission(Permission::Notifications, request.clone()).await);
    /// assert!(!session.request_permission(Permission::Geolocation, request).await);
    /// # Ok::<(), netsession::Error>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn request_permission(
        &self,
        permission: Permission,
        request: PermissionRequest,
    ) -> bool {
        let handler = self
            .inner
            .permission_request
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match handler {
            Some(handler) => handler(permission, request).await,
            None => true,
        }
    }

    /// Asks the check handler, as a page checking `permission` for `requesting_origin`
    /// would; with no handler the answer is yes, as in Electron.
    pub fn check_permission(
        &self,
        permission: Permission,
        requesting_origin: &str,
        details: &PermissionCheck,
    ) -> bool {
        let handler = self
            .inner
            .permission_check
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        handler.is_none_or(|handler| handler(permission, requesting_origin, details))
    }

    /// Electron's `setPreloads` (deprecated there in v35, kept here): replaces the frame
    /// preload scripts.
    ///
    /// # Errors
    ///
    /// [`Error::RelativePath`] if a path is not absolute; nothing is changed then.
    pub fn set_preloads(&self, paths: &[PathBuf]) -> Result<(), Error> {
        self.preloads_mut().set_frame_scripts(paths)
    }

    /// Electron's `getPreloads`.
    pub fn preloads(&self) -> Vec<PathBuf> {
        self.preloads_mut().frame_paths()
    }

    /// Electron's `registerPreloadScript`: returns the id (a random UUID when `id` is `None`).
    ///
    /// # Errors
    ///
    /// [`Error::RelativePath`] or [`Error::DuplicatePreloadId`].
    pub fn register_preload_script(
        &self,
        kind: PreloadKind,
        id: Option<&str>,
        file_path: &Path,
    ) -> Result<String, Error> {
        self.preloads_mut().register(kind, id, file_path)
    }

    /// Electron's `unregisterPreloadScript`.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownPreloadId`].
    pub fn unregister_preload_script(&self, id: &str) -> Result<(), Error> {
        self.preloads_mut().unregister(id)
    }

    /// Electron's `getPreloadScripts`.
    pub fn preload_scripts(&self) -> Vec<PreloadScript> {
        self.preloads_mut().scripts()
    }

    fn preloads_mut(&self) -> std::sync::MutexGuard<'_, Preloads> {
        self.inner
            .preloads
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Electron's `allowNTLMCredentialsForDomains`: a comma list of host patterns (`*` any
    /// text, so `*` alone allows every host) that may receive integrated credentials. With
    /// the `ntlm` feature, these are the hosts whose NTLM challenges the session answers (no
    /// ambient credentials exist here: the identity comes from the URL, the auth cache or
    /// the login handler, with `scheme` `ntlm`); elsewhere NTLM is passed over for the
    /// server's other schemes.
    pub fn allow_ntlm_credentials_for_domains(&self, domains: &str) {
        let patterns = domains
            .split(',')
            .map(|d| d.trim().to_ascii_lowercase())
            .filter(|d| !d.is_empty())
            .collect();
        *self
            .inner
            .ntlm_domains
            .write()
            .unwrap_or_else(PoisonError::into_inner) = patterns;
    }

    /// Whether integrated (NTLM/Negotiate) credentials may be sent to `host`.
    pub fn ntlm_credentials_allowed(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.inner
            .ntlm_domains
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .any(|pattern| crate::glob::glob(pattern, &host))
    }
}

/// The pipeline's clients: redirects are followed by the pipeline, hop by hop, so that each
/// hop gets the session's cookies and headers; TLS verifies through the session's verifier
/// (and its verify proc); names resolve through the session's host cache.
pub(crate) fn pipeline_client(
    resolver: ProxyResolver,
    verifier: &CertVerifier,
    host_resolver: &HostResolver,
    net_log: &NetLog,
) -> Result<ProxiedClient, Error> {
    let tls = verifier.client_config()?;
    let host_resolver = host_resolver.clone();
    let connects = LogConnects(net_log.clone());
    Ok(ProxiedClient::with_builder(resolver, move || {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .tls_backend_preconfigured(tls.clone())
            .dns_resolver(host_resolver.clone())
            .connector_layer(connects.clone())
    }))
}

/// Whether `url`'s origin is one of `listed`'s.
fn has_origin(listed: &[Url], url: &Url) -> bool {
    let origin = url.origin();
    listed.iter().any(|entry| entry.origin() == origin)
}

/// `clearData`'s cookie part: Chromium's cookie deletion filter matches cookies by the
/// registrable domain of each listed origin (and of each cookie's domain), never by origin.
fn clear_cookie_sites(jar: &CookieJar, origins: &OriginFilter) {
    let (listed, remove_listed) = match origins {
        OriginFilter::All => {
            jar.clear();
            return;
        }
        OriginFilter::Only(listed) => (listed, true),
        OriginFilter::Except(listed) => (listed, false),
    };
    let sites: Vec<String> = listed
        .iter()
        .filter_map(Url::host_str)
        .map(cookie_site)
        .collect();
    for cookie in jar.get(&CookieFilter::default()) {
        if sites.contains(&cookie_site(&cookie.domain)) != remove_listed {
            continue;
        }
        // The cookies a secure request to the cookie's own domain and path would carry: this
        // one, and others of its name on that host, all of the same registrable domain.
        let host = cookie.domain.trim_start_matches('.');
        let url = format!("https://{host}{}", cookie.path);
        jar.remove(&url, &cookie.name);
    }
}

/// The registrable domain (eTLD+1, private registries included, unknown ones not) of a host
/// or cookie domain, else the host itself (IP addresses, `localhost`), as Chromium's
/// `GetDomainAndRegistry` falls back for cookies.
fn cookie_site(host: &str) -> String {
    let host = host.trim_start_matches('.').to_ascii_lowercase();
    let site = psl::List
        .domain(host.as_bytes())
        .filter(|domain| domain.suffix().is_known())
        .and_then(|domain| {
            let len = domain.as_bytes().len();
            host.get(host.len().checked_sub(len)?..)
        })
        .map(str::to_owned);
    site.unwrap_or(host)
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or(Err(Error::Cancelled))
}
