//! `clearStorageData`: Electron's options and the registry of storage kinds.

use std::fmt;

use crate::Error;

/// A kind of storage named in `clearStorageData`'s `storages` option.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StorageKind {
    /// `appcache` (removed from Chromium; accepted for old callers).
    AppCache,
    /// `cookies`.
    Cookies,
    /// `filesystem`.
    FileSystem,
    /// `indexdb`.
    IndexedDb,
    /// `localstorage`: the DOM storage this crate implements.
    LocalStorage,
    /// `shadercache`.
    ShaderCache,
    /// `websql`.
    WebSql,
    /// `serviceworkers`.
    ServiceWorkers,
    /// `cachestorage`.
    CacheStorage,
}

impl StorageKind {
    /// Every kind, in Electron's documentation order.
    pub const ALL: [Self; 9] = [
        Self::AppCache,
        Self::Cookies,
        Self::FileSystem,
        Self::IndexedDb,
        Self::LocalStorage,
        Self::ShaderCache,
        Self::WebSql,
        Self::ServiceWorkers,
        Self::CacheStorage,
    ];

    /// Electron's name for the kind.
    pub fn name(self) -> &'static str {
        match self {
            Self::AppCache => "appcache",
            Self::Cookies => "cookies",
            Self::FileSystem => "filesystem",
            Self::IndexedDb => "indexdb",
            Self::LocalStorage => "localstorage",
            Self::ShaderCache => "shadercache",
            Self::WebSql => "websql",
            Self::ServiceWorkers => "serviceworkers",
            Self::CacheStorage => "cachestorage",
        }
    }

    /// The kind with Electron's name `name`, compared case-insensitively.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for StorageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A quota type named in `clearStorageData`'s `quotas` option.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum QuotaKind {
    /// `temporary`.
    Temporary,
    /// `persistent`.
    Persistent,
    /// `syncable`.
    Syncable,
}

impl QuotaKind {
    /// Every quota type.
    pub const ALL: [Self; 3] = [Self::Temporary, Self::Persistent, Self::Syncable];

    /// Electron's name for the quota type.
    pub fn name(self) -> &'static str {
        match self {
            Self::Temporary => "temporary",
            Self::Persistent => "persistent",
            Self::Syncable => "syncable",
        }
    }

    /// The quota type with Electron's name `name`, compared case-insensitively.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(name))
    }
}

/// The options of `clearStorageData`, as Electron takes them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClearStorageDataOptions {
    /// Only this origin, `scheme://host:port` as `window.location.origin` prints it; `None`
    /// clears every origin.
    pub origin: Option<String>,
    /// The kinds to clear by Electron's names, case-insensitive, unknown names ignored;
    /// `None` clears every kind.
    pub storages: Option<Vec<String>>,
    /// The quota types to clear, case-insensitive, unknown names ignored; `None` clears all.
    /// They narrow only quota-managed kinds (the file system, IndexedDB, WebSQL, service
    /// workers, Cache Storage), as in Chromium; cookies and local storage ignore them.
    pub quotas: Option<Vec<String>>,
}

/// What a [`StorageClearer`] is asked to clear.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClearRequest {
    /// The kind being cleared.
    pub kind: StorageKind,
    /// The origin, normalized to `scheme://host[:port]` (default port omitted); `None` for all.
    pub origin: Option<String>,
    /// The quota types to clear (never empty unless the caller named only unknown ones).
    pub quotas: Vec<QuotaKind>,
}

impl ClearRequest {
    /// The origin's host, for kinds keyed by host (cookies).
    pub fn host(&self) -> Option<String> {
        let origin = self.origin.as_deref()?;
        url::Url::parse(origin)
            .ok()
            .and_then(|url| url.host_str().map(str::to_owned))
    }
}

/// A storage kind implemented outside this crate (the cookie jar, a webview's IndexedDB),
/// registered with [`Storage::register_clearer`](crate::Storage::register_clearer) so that
/// `clear_storage_data` reaches it.
pub trait StorageClearer: Send + Sync {
    /// Clears what `request` names. Failures are the clearer's to report; clearing goes on
    /// with the other kinds, as Chromium's `ClearData` does.
    fn clear(&self, request: &ClearRequest);
}

/// The parsed options: which kinds, which origin, which quotas.
#[derive(Debug)]
pub(crate) struct ClearPlan {
    pub(crate) kinds: Vec<StorageKind>,
    pub(crate) origin: Option<String>,
    pub(crate) quotas: Vec<QuotaKind>,
}

impl ClearPlan {
    pub(crate) fn new(options: &ClearStorageDataOptions) -> Result<Self, Error> {
        let origin = options
            .origin
            .as_deref()
            .map(normalize_origin)
            .transpose()?;
        let kinds = match &options.storages {
            None => StorageKind::ALL.to_vec(),
            Some(names) => {
                let mut kinds: Vec<StorageKind> = names
                    .iter()
                    .filter_map(|name| StorageKind::from_name(name))
                    .collect();
                kinds.dedup();
                kinds
            }
        };
        let quotas = match &options.quotas {
            None => QuotaKind::ALL.to_vec(),
            Some(names) => names
                .iter()
                .filter_map(|name| QuotaKind::from_name(name))
                .collect(),
        };
        Ok(Self {
            kinds,
            origin,
            quotas,
        })
    }
}

/// Validates `scheme://host[:port]` (an optional trailing `/` is accepted, nothing else after
/// the port) and returns it as `window.location.origin` prints it.
pub(crate) fn normalize_origin(origin: &str) -> Result<String, Error> {
    let invalid = || Error::InvalidOrigin(origin.to_owned());
    let url = url::Url::parse(origin).map_err(|_| invalid())?;
    let bare = url.path() == "/" || url.path().is_empty();
    if !bare
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
        || url.host().is_none()
    {
        return Err(invalid());
    }
    match url.origin() {
        origin @ url::Origin::Tuple(..) => Ok(origin.ascii_serialization()),
        url::Origin::Opaque(_) => Err(invalid()),
    }
}

/// The origin of any URL, for DOM storage.
pub(crate) fn origin_of(url: &str) -> Result<String, Error> {
    let parsed = url::Url::parse(url).map_err(|_| Error::InvalidOrigin(url.to_owned()))?;
    match parsed.origin() {
        origin @ url::Origin::Tuple(..) => Ok(origin.ascii_serialization()),
        url::Origin::Opaque(_) => Err(Error::InvalidOrigin(url.to_owned())),
    }
}
