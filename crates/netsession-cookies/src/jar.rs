//! The cookie jar: Chromium's `CookieMonster` reduced to what a session needs, with
//! Electron's `Cookies` API on top and persistence through `netsession-storage`.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use netsession_storage::{ClearRequest, CookieOp, Storage, StorageClearer, StorageKind};
use url::Url;

use crate::cookie::{
    Canon, Cookie, CookieDetails, MICROS, SameSite, from_details, from_set_cookie, is_cookieable,
    is_secure_url, jar_key, registrable_domain,
};
use crate::error::{Error, Exclusion};

/// Chromium's per-domain (eTLD+1) limit, and what eviction brings a domain down to.
const DOMAIN_MAX: usize = 180;
const DOMAIN_PURGE_TO: usize = 150;
/// Chromium's total limit, and what global eviction brings the jar down to.
const TOTAL_MAX: usize = 3300;
const TOTAL_PURGE_TO: usize = 3000;
/// Cookies accessed within this time are never evicted by the global limit.
const SAFE_FROM_GLOBAL_PURGE: i64 = 30 * 24 * 3600 * MICROS;
/// The last-access time is refreshed at most this often (it costs a write).
const ACCESS_UPDATE_THRESHOLD: i64 = 60 * MICROS;
/// An unspecified-SameSite cookie younger than this still goes with a cross-site top-level
/// POST (Chromium's "Lax-allowing-unsafe" intervention).
const LAX_ALLOW_UNSAFE_MAX_AGE: i64 = 120 * MICROS;

/// Why a cookie changed, as Electron's `changed` event names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChangeCause {
    /// A new cookie was stored.
    Inserted,
    /// A cookie replaced an identical one (same value and attributes).
    InsertedNoChangeOverwrite,
    /// A cookie replaced one with the same value but other attributes.
    InsertedNoValueChangeOverwrite,
    /// Deleted through the API (`remove`, `clearStorageData`).
    Explicit,
    /// Replaced by a newer cookie with the same name, domain and path.
    Overwrite,
    /// Found expired and purged.
    Expired,
    /// Evicted by the per-domain or total limit.
    Evicted,
    /// Deleted by a cookie with the same name, domain and path that had already expired.
    ExpiredOverwrite,
}

impl ChangeCause {
    /// Electron's string for the cause.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inserted => "inserted",
            Self::InsertedNoChangeOverwrite => "inserted-no-change-overwrite",
            Self::InsertedNoValueChangeOverwrite => "inserted-no-value-change-overwrite",
            Self::Explicit => "explicit",
            Self::Overwrite => "overwrite",
            Self::Expired => "expired",
            Self::Evicted => "evicted",
            Self::ExpiredOverwrite => "expired-overwrite",
        }
    }
}

impl fmt::Display for ChangeCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `changed` event: `(cookie, cause, removed)`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CookieChange {
    /// The cookie added or removed.
    pub cookie: Cookie,
    /// Why.
    pub cause: ChangeCause,
    /// Whether the cookie was removed (else added).
    pub removed: bool,
}

/// The same-site context of a request (Chromium's `CookieOptions::SameSiteCookieContext`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SameSiteContext {
    /// A same-site request: every cookie goes.
    SameSite,
    /// A cross-site top-level navigation with a safe method (`GET`, `HEAD`, …): `Lax` and
    /// unspecified cookies go, `Strict` ones do not.
    CrossSiteTopLevel,
    /// A cross-site top-level navigation with an unsafe method (`POST`): only `None`
    /// cookies, and unspecified ones younger than two minutes.
    CrossSiteTopLevelUnsafe,
    /// Any other cross-site request: only `SameSite=None` cookies go.
    CrossSite,
}

impl SameSiteContext {
    /// Computes the context of a request for `url` made from a page of `site_for_cookies`
    /// (`None` when there is no such page, as for a request from the app itself, which is
    /// then cross-site unless it is a top-level navigation). Sites are compared schemefully:
    /// `http://a.example` and `https://a.example` are different sites.
    pub fn for_request(
        url: &Url,
        site_for_cookies: Option<&Url>,
        method: &str,
        top_level_navigation: bool,
    ) -> Self {
        if site_for_cookies.is_some_and(|site| same_site(url, site)) {
            return Self::SameSite;
        }
        if top_level_navigation {
            let safe = ["GET", "HEAD", "OPTIONS", "TRACE"]
                .iter()
                .any(|m| m.eq_ignore_ascii_case(method));
            return if safe {
                Self::CrossSiteTopLevel
            } else {
                Self::CrossSiteTopLevelUnsafe
            };
        }
        Self::CrossSite
    }

    fn allows(self, cookie: &Canon, now: i64) -> bool {
        match cookie.same_site {
            SameSite::NoRestriction => true,
            SameSite::Strict => self == Self::SameSite,
            SameSite::Lax => matches!(self, Self::SameSite | Self::CrossSiteTopLevel),
            // Lax by default, with the two-minute allowance for top-level POSTs.
            _ => {
                matches!(self, Self::SameSite | Self::CrossSiteTopLevel)
                    || (self == Self::CrossSiteTopLevelUnsafe
                        && now.saturating_sub(cookie.creation) <= LAX_ALLOW_UNSAFE_MAX_AGE)
            }
        }
    }
}

/// Schemeful same-site: the same scheme class (`http`/`ws`, `https`/`wss`) and the same
/// registrable domain (or host, when there is none).
fn same_site(a: &Url, b: &Url) -> bool {
    let class = |u: &Url| matches!(u.scheme(), "https" | "wss");
    let site = |u: &Url| {
        let host = u.host_str().unwrap_or("").to_owned();
        registrable_domain(&host).map_or(host.clone(), str::to_owned)
    };
    class(a) == class(b) && a.host().is_some() && site(a) == site(b)
}

/// The filter of Electron's `cookies.get`; every field that is set must match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CookieFilter {
    /// Only cookies that would be sent to this URL (ignoring SameSite, including HttpOnly).
    pub url: Option<String>,
    /// The exact name.
    pub name: Option<String>,
    /// Cookies that would be sent to this host (Electron 37+: Chromium's host matching, so
    /// `a.example.com` also finds `.example.com` cookies).
    pub domain: Option<String>,
    /// The exact path.
    pub path: Option<String>,
    /// The `Secure` attribute.
    pub secure: Option<bool>,
    /// Whether the cookie is a session cookie.
    pub session: Option<bool>,
    /// The `HttpOnly` attribute.
    pub http_only: Option<bool>,
}

impl CookieFilter {
    /// A filter for the cookies of `url`.
    pub fn url(url: impl Into<String>) -> Self {
        Self {
            url: Some(url.into()),
            ..Self::default()
        }
    }

    /// Sets the name.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

/// A source of the current time, for tests and simulations.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Options of a [`CookieJar`].
#[derive(Clone)]
#[non_exhaustive]
pub struct JarOptions {
    /// Pending changes are committed at least this often (default 30 s, as Chromium's
    /// `SQLitePersistentCookieStore`).
    pub commit_interval: Duration,
    /// Pending changes are committed as soon as there are this many (default 512, as Chromium).
    pub commit_batch: usize,
    /// The clock (default the system clock).
    pub clock: Option<Clock>,
}

impl Default for JarOptions {
    fn default() -> Self {
        Self {
            commit_interval: Duration::from_secs(30),
            commit_batch: 512,
            clock: None,
        }
    }
}

impl JarOptions {
    /// Sets [`commit_interval`](Self::commit_interval).
    #[must_use]
    pub fn commit_interval(mut self, interval: Duration) -> Self {
        self.commit_interval = interval;
        self
    }

    /// Sets [`commit_batch`](Self::commit_batch).
    #[must_use]
    pub fn commit_batch(mut self, batch: usize) -> Self {
        self.commit_batch = batch;
        self
    }

    /// Sets [`clock`](Self::clock).
    #[must_use]
    pub fn clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }
}

impl fmt::Debug for JarOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JarOptions")
            .field("commit_interval", &self.commit_interval)
            .field("commit_batch", &self.commit_batch)
            .field("clock", &self.clock.as_ref().map(|_| "custom"))
            .finish()
    }
}

/// A session's cookie jar (Electron's `ses.cookies`). Cloning gives another handle on the
/// same jar.
#[derive(Clone)]
pub struct CookieJar {
    inner: Arc<JarInner>,
}

struct JarInner {
    state: Mutex<State>,
    storage: Storage,
    options: JarOptions,
    subscribers: Mutex<Vec<Sender<CookieChange>>>,
    has_subscribers: AtomicBool,
}

type Buckets = HashMap<String, Vec<Canon>, foldhash::fast::RandomState>;

#[derive(Default)]
struct State {
    /// Cookies by the registrable domain of their domain (Chromium's key).
    buckets: Buckets,
    count: usize,
    /// Changes not yet committed to storage.
    pending: Vec<CookieOp>,
    /// The last creation time handed out: creation times are unique and increasing.
    last_time: i64,
    /// No cookie was accessed before this (a lower bound).
    earliest_access: i64,
    /// Events not yet delivered.
    events: Vec<CookieChange>,
    record_events: bool,
    persistent: bool,
}

impl CookieJar {
    /// A jar that keeps its cookies in `storage`, loading what is there (expired cookies are
    /// purged from the database first). An in-memory storage gives an in-memory jar.
    ///
    /// # Errors
    ///
    /// Reading the storage failed.
    pub fn open(storage: &Storage) -> Result<Self, Error> {
        Self::open_with(storage, JarOptions::default())
    }

    /// [`CookieJar::open`] with options.
    ///
    /// # Errors
    ///
    /// Reading the storage failed.
    pub fn open_with(storage: &Storage, options: JarOptions) -> Result<Self, Error> {
        let mut state = State {
            earliest_access: i64::MAX,
            persistent: !storage.is_in_memory(),
            ..State::default()
        };
        let now = now_micros(options.clock.as_ref());
        storage.purge_expired_cookies(now)?;
        for record in storage.load_cookies()? {
            let cookie = Canon::from_record(record);
            if cookie.is_expired(now) {
                continue;
            }
            state.last_time = state.last_time.max(cookie.creation);
            state.earliest_access = state.earliest_access.min(cookie.last_access);
            state.count += 1;
            let key = jar_key(cookie.bare_domain()).to_owned();
            state.buckets.entry(key).or_default().push(cookie);
        }
        let jar = Self {
            inner: Arc::new(JarInner {
                state: Mutex::new(state),
                storage: storage.clone(),
                options,
                subscribers: Mutex::new(Vec::new()),
                has_subscribers: AtomicBool::new(false),
            }),
        };
        storage.register_clearer(
            StorageKind::Cookies,
            Arc::new(Clearer(Arc::downgrade(&jar.inner))),
        );
        if !storage.is_in_memory() {
            jar.spawn_commit_timer();
        }
        Ok(jar)
    }

    /// A jar that keeps nothing on disk.
    pub fn in_memory() -> Self {
        Self::in_memory_with(JarOptions::default())
    }

    /// [`CookieJar::in_memory`] with options.
    pub fn in_memory_with(options: JarOptions) -> Self {
        let storage = Storage::in_memory();
        // An in-memory storage has nothing to read, so opening cannot fail; build the jar
        // directly rather than carry an impossible error.
        Self {
            inner: Arc::new(JarInner {
                state: Mutex::new(State {
                    earliest_access: i64::MAX,
                    ..State::default()
                }),
                storage,
                options,
                subscribers: Mutex::new(Vec::new()),
                has_subscribers: AtomicBool::new(false),
            }),
        }
    }

    /// Stores a cookie from a `Set-Cookie` header value received in a response from `url`.
    ///
    /// # Errors
    ///
    /// [`Error::Rejected`] with Chromium's reasons when the cookie is not stored (browsers
    /// drop such cookies silently; the reasons are for logs).
    ///
    /// # Examples
    ///
    /// ```
    /// use netsession_cookies::{CookieJar, SameSiteContext};
    /// use url::Url;
    ///
    /// let jar = CookieJar::in_memory();
    /// let url = Url::parse("https://www.example.com/login")?;
    /// jar.store(&url, "sid=31d4d96e; Path=/; Secure; HttpOnly")?;
    /// jar.store(&url, "lang=en-US; Domain=example.com")?;
    /// let shop = Url::parse("https://shop.example.com/")?;
    /// assert_eq!(jar.cookie_header(&shop, SameSiteContext::SameSite), "lang=en-US");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn store(&self, url: &Url, set_cookie: &str) -> Result<(), Error> {
        if !is_cookieable(url) {
            return Err(Error::Rejected(vec![Exclusion::NonCookieableScheme]));
        }
        let parsed = crate::parse::parse(set_cookie).map_err(|e| Error::Rejected(vec![e]))?;
        let now = self.now();
        let cookie = from_set_cookie(url, parsed, now).map_err(Error::Rejected)?;
        self.insert(cookie, is_secure_url(url), now)
    }

    /// The `Cookie` header value for a request to `url` in `context` (empty when no cookie
    /// goes): cookies ordered by longest path first, then earliest creation.
    pub fn cookie_header(&self, url: &Url, context: SameSiteContext) -> String {
        let mut header = String::new();
        if !is_cookieable(url) {
            return header;
        }
        let Some(host) = url.host_str() else {
            return header;
        };
        let now = self.now();
        let secure_url = is_secure_url(url);
        let path = url.path();
        let mut guard = self.lock();
        guard.record_events = self.inner.has_subscribers.load(Ordering::Acquire);
        let state = &mut *guard;
        let key = jar_key(host);
        let Some(bucket) = state.buckets.get(key) else {
            return header;
        };
        if bucket.iter().any(|c| c.is_expired(now)) {
            let key = key.to_owned();
            state.purge_expired_in(&key, now);
        }
        if let Some(bucket) = state.buckets.get_mut(key) {
            let mut matched: Vec<usize> = Vec::with_capacity(8);
            for (i, c) in bucket.iter().enumerate() {
                if c.is_domain_match(host)
                    && c.is_on_path(path)
                    && (!c.secure || secure_url)
                    && context.allows(c, now)
                {
                    matched.push(i);
                }
            }
            matched.sort_unstable_by_key(|&i| {
                bucket
                    .get(i)
                    .map(|c| (std::cmp::Reverse(c.path.len()), c.creation))
            });
            for (n, &i) in matched.iter().enumerate() {
                let Some(c) = bucket.get_mut(i) else { continue };
                if n > 0 {
                    header.push_str("; ");
                }
                c.write_pair(&mut header);
                if now.saturating_sub(c.last_access) > ACCESS_UPDATE_THRESHOLD {
                    c.last_access = now;
                    if state.persistent {
                        state.pending.push(CookieOp::Put(c.to_record()));
                    }
                }
            }
        }
        let events = std::mem::take(&mut state.events);
        drop(guard);
        self.deliver(events);
        header
    }

    /// Electron's `cookies.get(filter)`: with a URL, the cookies that would be sent to it;
    /// without, every cookie. Both in `Cookie` header order (longest path first, then
    /// earliest creation), as Chromium sorts them.
    pub fn get(&self, filter: &CookieFilter) -> Vec<Cookie> {
        let now = self.now();
        let url = match filter.url.as_deref().map(Url::parse) {
            Some(Ok(url)) => Some(url),
            Some(Err(_)) => return Vec::new(),
            None => None,
        };
        let mut state = self.lock();
        state.record_events = self.inner.has_subscribers.load(Ordering::Acquire);
        state.purge_all_expired(now);
        let mut found: Vec<&Canon> = state
            .buckets
            .values()
            .flatten()
            .filter(|c| match &url {
                Some(url) => {
                    is_cookieable(url)
                        && url.host_str().is_some_and(|h| c.is_domain_match(h))
                        && c.is_on_path(url.path())
                        && (!c.secure || is_secure_url(url))
                }
                None => true,
            })
            .filter(|c| matches_filter(c, filter))
            .collect();
        // Chromium sorts both lists (`GetCookieList` and `GetAllCookies`) with `CookieSorter`.
        found.sort_by(|a, b| {
            b.path
                .len()
                .cmp(&a.path.len())
                .then(a.creation.cmp(&b.creation))
        });
        let cookies = found.into_iter().map(Canon::to_cookie).collect();
        let events = std::mem::take(&mut state.events);
        drop(state);
        self.deliver(events);
        cookies
    }

    /// Electron's `cookies.set(details)`.
    ///
    /// # Errors
    ///
    /// [`Error::Rejected`]; its `Display` is Electron's message,
    /// `Failed to set cookie - <reason>`.
    ///
    /// # Examples
    ///
    /// ```
    /// use netsession_cookies::{CookieDetails, CookieFilter, CookieJar};
    ///
    /// let jar = CookieJar::in_memory();
    /// jar.set(&CookieDetails::new("https://example.com/a/b").name("n").value("v"))?;
    /// let cookies = jar.get(&CookieFilter::default());
    /// assert_eq!(cookies[0].path, "/a");
    /// assert_eq!(cookies[0].same_site.as_str(), "lax");
    ///
    /// let err = jar
    ///     .set(&CookieDetails::new("https://example.com").name("n").domain("other.org"))
    ///     .unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "Failed to set cookie - The cookie was set with an invalid Domain attribute."
    /// );
    /// # Ok::<(), netsession_cookies::Error>(())
    /// ```
    pub fn set(&self, details: &CookieDetails) -> Result<(), Error> {
        let now = self.now();
        let (url, cookie) = from_details(details, now).map_err(Error::Rejected)?;
        self.insert(cookie, is_secure_url(&url), now)
    }

    /// Electron's `cookies.remove(url, name)`: deletes the cookies named `name` that would be
    /// sent to `url`. Returns how many were deleted (Electron resolves either way).
    pub fn remove(&self, url: &str, name: &str) -> usize {
        let Ok(url) = Url::parse(url) else {
            return 0;
        };
        let Some(host) = url.host_str().map(str::to_owned) else {
            return 0;
        };
        let secure_url = is_secure_url(&url);
        self.delete_where(|c| {
            c.name == name
                && c.is_domain_match(&host)
                && c.is_on_path(url.path())
                && (!c.secure || secure_url)
        })
    }

    /// Deletes every cookie. Returns how many were deleted.
    pub fn clear(&self) -> usize {
        self.delete_where(|_| true)
    }

    /// Electron's `cookies.flushStore()`: commits every pending change to storage.
    ///
    /// # Errors
    ///
    /// The storage failed; the changes stay pending and the next flush retries them.
    pub fn flush_store(&self) -> Result<(), Error> {
        self.inner.flush()
    }

    /// Subscribes to the `changed` events. Events are delivered in order; a dropped receiver
    /// unsubscribes.
    pub fn subscribe(&self) -> Receiver<CookieChange> {
        let (sender, receiver) = channel();
        let mut subscribers = self
            .inner
            .subscribers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        subscribers.push(sender);
        self.inner.has_subscribers.store(true, Ordering::Release);
        receiver
    }

    /// The storage the jar persists to.
    pub fn storage(&self) -> &Storage {
        &self.inner.storage
    }

    /// The number of cookies in the jar (expired ones not yet purged included).
    pub fn len(&self) -> usize {
        self.lock().count
    }

    /// Whether the jar holds no cookie.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn now(&self) -> i64 {
        now_micros(self.inner.options.clock.as_ref())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.lock()
    }

    fn insert(&self, cookie: Canon, source_secure: bool, now: i64) -> Result<(), Error> {
        let mut state = self.lock();
        state.record_events = self.inner.has_subscribers.load(Ordering::Acquire);
        let result = state.insert(cookie, source_secure, now);
        if state.pending.len() >= self.inner.options.commit_batch {
            // A failed commit keeps the changes pending for the next attempt.
            let _ = self.inner.commit(&mut state);
        }
        let events = std::mem::take(&mut state.events);
        drop(state);
        self.deliver(events);
        result.map_err(Error::Rejected)
    }

    fn delete_where(&self, predicate: impl Fn(&Canon) -> bool) -> usize {
        self.inner.delete_where(predicate)
    }

    fn deliver(&self, events: Vec<CookieChange>) {
        self.inner.deliver(events);
    }

    fn spawn_commit_timer(&self) {
        let weak = Arc::downgrade(&self.inner);
        let interval = self.inner.options.commit_interval;
        // The thread holds only a weak handle and ends once the jar is gone.
        let _ = std::thread::Builder::new()
            .name("netsession-cookies-commit".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(interval);
                    let Some(inner) = weak.upgrade() else { break };
                    let _ = inner.flush();
                }
            });
    }
}

impl fmt::Debug for CookieJar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CookieJar")
            .field("storage", &self.inner.storage)
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

impl JarInner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn flush(&self) -> Result<(), Error> {
        let mut state = self.lock();
        self.commit(&mut state)
    }

    fn commit(&self, state: &mut State) -> Result<(), Error> {
        if state.pending.is_empty() {
            return Ok(());
        }
        self.storage.commit_cookies(&state.pending)?;
        state.pending.clear();
        Ok(())
    }

    fn delete_where(&self, predicate: impl Fn(&Canon) -> bool) -> usize {
        let mut state = self.lock();
        state.record_events = self.has_subscribers.load(Ordering::Acquire);
        let removed = state.remove_where(|c| predicate(c), ChangeCause::Explicit);
        let _ = self.commit(&mut state);
        let events = std::mem::take(&mut state.events);
        drop(state);
        self.deliver(events);
        removed
    }

    fn deliver(&self, events: Vec<CookieChange>) {
        if events.is_empty() {
            return;
        }
        let mut subscribers = self
            .subscribers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for event in events {
            subscribers.retain(|s| s.send(event.clone()).is_ok());
        }
        if subscribers.is_empty() {
            self.has_subscribers.store(false, Ordering::Release);
        }
    }
}

impl Drop for JarInner {
    fn drop(&mut self) {
        // Commit what is pending, as Chromium does at shutdown; nobody is left to tell.
        let _ = self.flush();
    }
}

/// Clears the jar for `clearStorageData`.
struct Clearer(Weak<JarInner>);

impl StorageClearer for Clearer {
    fn clear(&self, request: &ClearRequest) {
        let Some(jar) = self.0.upgrade() else { return };
        let origin = request.origin.as_deref().map(Url::parse);
        match origin {
            // Chromium deletes the cookies that a request to the origin would carry (its
            // `CookieDeletionInfo` with a URL): domain, path `/` and `Secure` apply.
            Some(Ok(url)) => {
                let Some(host) = url.host_str().map(str::to_owned) else {
                    return;
                };
                let secure_url = is_secure_url(&url);
                jar.delete_where(|c| {
                    c.is_domain_match(&host)
                        && c.is_on_path(url.path())
                        && (!c.secure || secure_url)
                });
            }
            Some(Err(_)) => {}
            None => {
                jar.delete_where(|_| true);
            }
        }
    }
}

impl State {
    fn event(&mut self, cookie: &Canon, cause: ChangeCause, removed: bool) {
        if self.record_events {
            self.events.push(CookieChange {
                cookie: cookie.to_cookie(),
                cause,
                removed,
            });
        }
    }

    fn persist_delete(&mut self, cookie: &Canon) {
        if self.persistent {
            self.pending.push(CookieOp::Delete {
                domain: cookie.domain.clone(),
                name: cookie.name.clone(),
                path: cookie.path.clone(),
            });
        }
    }

    /// Chromium's `SetCanonicalCookie` after the cookie was built.
    fn insert(
        &mut self,
        mut cookie: Canon,
        source_secure: bool,
        now: i64,
    ) -> Result<(), Vec<Exclusion>> {
        let key = jar_key(cookie.bare_domain()).to_owned();
        let bucket = self.buckets.entry(key.clone()).or_default();
        // Leave secure cookies alone: an insecure origin cannot overwrite or shadow them.
        if !source_secure
            && bucket
                .iter()
                .any(|c| c.secure && cookie.is_equivalent_for_secure_matching(c))
        {
            if bucket.is_empty() {
                self.buckets.remove(&key);
            }
            return Err(vec![Exclusion::OverwriteSecure]);
        }
        let old = bucket
            .iter()
            .position(|c| c.is_equivalent(&cookie))
            .map(|i| bucket.swap_remove(i));
        let expired = cookie.is_expired(now);
        if let Some(old) = &old {
            self.count -= 1;
            let cause = if expired {
                ChangeCause::ExpiredOverwrite
            } else {
                ChangeCause::Overwrite
            };
            self.event(old, cause, true);
        }
        if expired {
            if let Some(old) = &old {
                self.persist_delete(old);
            }
            if self.buckets.get(&key).is_some_and(Vec::is_empty) {
                self.buckets.remove(&key);
            }
            return Ok(());
        }
        // Overwriting with the same value keeps the creation time (and so the position in
        // the Cookie header), as Chromium does.
        cookie.creation = match &old {
            Some(old) if old.value == cookie.value => old.creation,
            _ => {
                let t = now.max(self.last_time.saturating_add(1));
                self.last_time = t;
                t
            }
        };
        cookie.last_access = now;
        let cause = match &old {
            Some(old) if old.same_content(&cookie) => ChangeCause::InsertedNoChangeOverwrite,
            Some(old) if old.value == cookie.value => ChangeCause::InsertedNoValueChangeOverwrite,
            _ => ChangeCause::Inserted,
        };
        self.event(&cookie, cause, false);
        if self.persistent {
            self.pending.push(CookieOp::Put(cookie.to_record()));
        }
        self.earliest_access = self.earliest_access.min(cookie.last_access);
        self.count += 1;
        self.buckets.entry(key.clone()).or_default().push(cookie);
        self.garbage_collect(&key, now);
        Ok(())
    }

    /// Chromium's `GarbageCollect`: the per-domain limit, then the total limit.
    fn garbage_collect(&mut self, key: &str, now: i64) {
        if self.buckets.get(key).is_some_and(|b| b.len() > DOMAIN_MAX) {
            self.purge_expired_in(key, now);
            let len = self.buckets.get(key).map_or(0, Vec::len);
            if len > DOMAIN_MAX {
                // Non-secure cookies go first, least recently used first.
                let mut order: Vec<(bool, i64, usize)> = self
                    .buckets
                    .get(key)
                    .map(|b| {
                        b.iter()
                            .enumerate()
                            .map(|(i, c)| (c.secure, c.last_access, i))
                            .collect()
                    })
                    .unwrap_or_default();
                order.sort_unstable();
                let doomed: Vec<usize> = order
                    .iter()
                    .take(len - DOMAIN_PURGE_TO)
                    .map(|&(_, _, i)| i)
                    .collect();
                self.remove_indices(key, &doomed, ChangeCause::Evicted);
            }
        }
        if self.count > TOTAL_MAX
            && self.earliest_access < now.saturating_sub(SAFE_FROM_GLOBAL_PURGE)
        {
            self.purge_all_expired(now);
            if self.count > TOTAL_MAX {
                let safe = now.saturating_sub(SAFE_FROM_GLOBAL_PURGE);
                let mut old: Vec<(i64, String, usize)> = Vec::new();
                for (k, bucket) in &self.buckets {
                    for (i, c) in bucket.iter().enumerate() {
                        if c.last_access < safe {
                            old.push((c.last_access, k.clone(), i));
                        }
                    }
                }
                old.sort_unstable();
                old.truncate(self.count - TOTAL_PURGE_TO);
                let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
                for (_, k, i) in old {
                    by_key.entry(k).or_default().push(i);
                }
                for (k, doomed) in by_key {
                    self.remove_indices(&k, &doomed, ChangeCause::Evicted);
                }
            }
            self.earliest_access = self
                .buckets
                .values()
                .flatten()
                .map(|c| c.last_access)
                .min()
                .unwrap_or(i64::MAX);
        }
    }

    /// Removes the cookies at `indices` of bucket `key`, reporting them in that order.
    fn remove_indices(&mut self, key: &str, indices: &[usize], cause: ChangeCause) {
        let Some(mut bucket) = self.buckets.remove(key) else {
            return;
        };
        let mut doomed = vec![false; bucket.len()];
        for &i in indices.iter() {
            if let (Some(cookie), Some(flag)) = (bucket.get(i), doomed.get_mut(i)) {
                if !*flag {
                    *flag = true;
                    self.count -= 1;
                    self.event(cookie, cause, true);
                    self.persist_delete(cookie);
                }
            }
        }
        let mut flags = doomed.into_iter();
        bucket.retain(|_| !flags.next().unwrap_or(false));
        if !bucket.is_empty() {
            self.buckets.insert(key.to_owned(), bucket);
        }
    }

    fn purge_expired_in(&mut self, key: &str, now: i64) {
        let doomed: Vec<usize> = self
            .buckets
            .get(key)
            .map(|b| {
                b.iter()
                    .enumerate()
                    .filter(|(_, c)| c.is_expired(now))
                    .map(|(i, _)| i)
                    .collect()
            })
            .unwrap_or_default();
        if !doomed.is_empty() {
            self.remove_indices(key, &doomed, ChangeCause::Expired);
        }
    }

    fn purge_all_expired(&mut self, now: i64) {
        self.remove_where(|c| c.is_expired(now), ChangeCause::Expired);
    }

    fn remove_where(&mut self, predicate: impl Fn(&Canon) -> bool, cause: ChangeCause) -> usize {
        let keys: Vec<String> = self
            .buckets
            .iter()
            .filter(|(_, b)| b.iter().any(&predicate))
            .map(|(k, _)| k.clone())
            .collect();
        let before = self.count;
        for key in keys {
            let doomed: Vec<usize> = self
                .buckets
                .get(&key)
                .map(|b| {
                    b.iter()
                        .enumerate()
                        .filter(|(_, c)| predicate(c))
                        .map(|(i, _)| i)
                        .collect()
                })
                .unwrap_or_default();
            self.remove_indices(&key, &doomed, cause);
        }
        before - self.count
    }
}

fn matches_filter(c: &Canon, filter: &CookieFilter) -> bool {
    filter.name.as_ref().is_none_or(|n| *n == c.name)
        && filter.path.as_ref().is_none_or(|p| *p == c.path)
        && filter.domain.as_ref().is_none_or(|d| {
            let d = d.strip_prefix('.').unwrap_or(d).to_ascii_lowercase();
            c.is_domain_match(&d)
        })
        && filter.secure.is_none_or(|s| s == c.secure)
        && filter.session.is_none_or(|s| s == c.expiry.is_none())
        && filter.http_only.is_none_or(|h| h == c.http_only)
}

fn now_micros(clock: Option<&Clock>) -> i64 {
    let now = clock.map_or_else(SystemTime::now, |clock| clock());
    match now.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_micros()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_micros()).map_or(i64::MIN, |m| -m),
    }
}
