//! Loaded PAC scripts, their settings, and the pool of engines that runs them.

use std::fmt;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use netsession_proxy_rules::ProxyList;
use url::Url;

use crate::clock::{Clock, SystemClock};
use crate::engine::{Config, Engine};
use crate::error::{Error, ErrorKind};
use crate::my_ip::{LocalAddresses, SystemLocalAddresses};
use crate::resolver::{Resolver, SystemResolver};
use crate::sanitize::{sanitize_url, script_host};

/// The default maximum script size: 1 MiB, Chromium's limit for a fetched PAC file.
pub const DEFAULT_MAX_SCRIPT_SIZE: usize = 1 << 20;
/// The default time one `FindProxyForURL` call (or the script's first evaluation) may take.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(2);
/// The default memory budget of each engine (runtime) running the script: 64 MiB.
pub const DEFAULT_MEMORY_LIMIT: usize = 64 << 20;

const MAX_STACK_SIZE: usize = 256 << 10;

/// A loaded PAC script, ready to answer `FindProxyForURL` for any number of URLs.
///
/// Cloning is cheap and clones share the engines. `PacScript` is `Send + Sync`: calls from
/// several threads run in parallel on a small pool of engines (QuickJS runtimes), each of
/// which evaluated the script once when it was created. As in Chromium, global variables
/// persist from one call to the next within an engine; a single thread always gets the same
/// engine back, while concurrent callers may see different engines (each with its own
/// globals).
///
/// # Examples
///
/// ```
/// use netsession_pac::PacScript;
/// use url::Url;
///
/// let script = PacScript::new(
///     r#"function FindProxyForURL(url, host) {
///            if (isPlainHostName(host) || dnsDomainIs(host, ".corp.test")) return "DIRECT";
///            if (shExpMatch(url, "http://*.example.com/*")) return "PROXY proxy1:8080; DIRECT";
///            return "SOCKS5 socks.test:1080";
///        }"#,
/// )?;
/// let list = script.find_proxy(&Url::parse("http://www.example.com/index.html")?)?;
/// assert_eq!(list.to_string(), "PROXY proxy1:8080;DIRECT");
/// let list = script.find_proxy(&Url::parse("https://intranet/")?)?;
/// assert!(list.is_direct());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct PacScript {
    inner: Arc<Inner>,
}

struct Inner {
    config: Arc<Config>,
    pool: Pool,
}

impl PacScript {
    /// Loads a script with the default settings: system resolver, clock and addresses, a
    /// 1 MiB size limit, a 2 s deadline per call and 64 MiB of memory per engine.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::EmptyScript`], [`ErrorKind::ScriptTooLarge`], [`ErrorKind::Syntax`],
    /// [`ErrorKind::Exception`] (thrown at the top level), [`ErrorKind::Timeout`],
    /// [`ErrorKind::OutOfMemory`], or [`ErrorKind::MissingFunction`] when the script defines
    /// neither `FindProxyForURL` nor `FindProxyForURLEx` as a function.
    ///
    /// # Examples
    ///
    /// ```
    /// use netsession_pac::{ErrorKind, PacScript};
    ///
    /// let err = PacScript::new("var x = 1;").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::MissingFunction);
    /// assert_eq!(err.message(), "FindProxyForURL is undefined or not a function.");
    /// ```
    pub fn new(source: &str) -> Result<Self, Error> {
        Self::builder(source).build()
    }

    /// Starts loading a script with custom settings.
    pub fn builder(source: &str) -> PacScriptBuilder {
        PacScriptBuilder {
            source: source.to_owned(),
            resolver: Arc::new(SystemResolver::new()),
            clock: Arc::new(SystemClock::new()),
            local: Arc::new(SystemLocalAddresses::new()),
            deadline: DEFAULT_DEADLINE,
            memory_limit: DEFAULT_MEMORY_LIMIT,
            max_script_size: DEFAULT_MAX_SCRIPT_SIZE,
            max_engines: default_engines(),
        }
    }

    /// Asks the script which proxies to use for `url`: the raw result of
    /// [`PacScript::find_proxy_string`] parsed as Chromium parses it (invalid entries dropped,
    /// nothing valid or the empty string means `DIRECT`).
    ///
    /// # Errors
    ///
    /// As [`PacScript::find_proxy_string`].
    ///
    /// # Examples
    ///
    /// ```
    /// use netsession_pac::PacScript;
    ///
    /// let script = PacScript::new("function FindProxyForURL(u, h) { return 'PROXY a; bogus; SOCKS b' }")?;
    /// let list = script.find_proxy(&url::Url::parse("http://example.com/")?)?;
    /// assert_eq!(list.to_string(), "PROXY a:80;SOCKS b:1080");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn find_proxy(&self, url: &Url) -> Result<ProxyList, Error> {
        Ok(ProxyList::from_pac_string(&self.find_proxy_string(url)?))
    }

    /// Runs `FindProxyForURLEx(url, host)` if the script defines it as a function, else
    /// `FindProxyForURL(url, host)`, with the URL sanitized by [`sanitize_url`] and the host
    /// without brackets or port, and returns the string the script returned.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Exception`] when the script throws, [`ErrorKind::NotAString`] or
    /// [`ErrorKind::NonAscii`] for a bad result, [`ErrorKind::Timeout`] when the call runs
    /// past the deadline, [`ErrorKind::OutOfMemory`], [`ErrorKind::MissingFunction`] when the
    /// script has since replaced its `FindProxyForURL`, and the load errors of
    /// [`PacScript::new`] if a new engine had to be created and the script behaved differently
    /// this time.
    ///
    /// # Examples
    ///
    /// ```
    /// use netsession_pac::PacScript;
    ///
    /// let script = PacScript::new("function FindProxyForURL(url, host) { return url + ' ' + host }")?;
    /// let url = url::Url::parse("https://user:pw@[::1]:88/hi?x#frag")?;
    /// assert_eq!(script.find_proxy_string(&url)?, "https://[::1]:88/ ::1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn find_proxy_string(&self, url: &Url) -> Result<String, Error> {
        let sanitized = sanitize_url(url);
        let host = script_host(&sanitized);
        self.inner
            .with_engine(|engine| engine.find_proxy(sanitized.as_str(), &host))
    }

    /// Evaluates a JavaScript expression in the script's context with the per-call limits,
    /// for the helper conformance tables: strings come back JSON-quoted, other values through
    /// `String()`.
    ///
    /// # Errors
    ///
    /// As [`PacScript::find_proxy_string`].
    #[doc(hidden)]
    pub fn eval_expression(&self, expression: &str) -> Result<String, Error> {
        self.inner
            .with_engine(|engine| engine.eval_expression(expression))
    }
}

impl fmt::Debug for PacScript {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PacScript")
            .field("source_len", &self.inner.config.source.len())
            .field("deadline", &self.inner.config.deadline)
            .field("memory_limit", &self.inner.config.memory_limit)
            .field("max_engines", &self.inner.pool.max)
            .finish_non_exhaustive()
    }
}

/// Settings for loading a [`PacScript`]; see [`PacScript::builder`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use netsession_pac::{FixedClock, FixedLocalAddresses, PacScript, StaticResolver};
///
/// let script = PacScript::builder("function FindProxyForURL(u, h) { return 'DIRECT' }")
///     .resolver(StaticResolver::new())
///     .clock(FixedClock::from_local(2024, 1, 1, 12, 0, 0, 0).unwrap())
///     .local_addresses(FixedLocalAddresses::new())
///     .deadline(Duration::from_millis(500))
///     .memory_limit(16 << 20)
///     .max_script_size(64 << 10)
///     .max_engines(2)
///     .build()?;
/// # Ok::<(), netsession_pac::Error>(())
/// ```
pub struct PacScriptBuilder {
    source: String,
    resolver: Arc<dyn Resolver>,
    clock: Arc<dyn Clock>,
    local: Arc<dyn LocalAddresses>,
    deadline: Duration,
    memory_limit: usize,
    max_script_size: usize,
    max_engines: usize,
}

impl PacScriptBuilder {
    /// The resolver for `dnsResolve` and friends (default: [`SystemResolver`]).
    #[must_use]
    pub fn resolver(mut self, resolver: impl Resolver + 'static) -> Self {
        self.resolver = Arc::new(resolver);
        self
    }

    /// The clock and time zone for the time helpers and `Date` (default: [`SystemClock`]).
    #[must_use]
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The probes behind `myIpAddress()` (default: [`SystemLocalAddresses`]).
    #[must_use]
    pub fn local_addresses(mut self, local: impl LocalAddresses + 'static) -> Self {
        self.local = Arc::new(local);
        self
    }

    /// The wall-clock time one call may take, including the script's first evaluation
    /// (default: [`DEFAULT_DEADLINE`]). A script still running then is stopped and the call
    /// fails with [`ErrorKind::Timeout`]. The check runs between JavaScript instructions: a
    /// DNS lookup in progress finishes first.
    #[must_use]
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The memory budget of each engine in bytes (default: [`DEFAULT_MEMORY_LIMIT`]). A
    /// script that needs more fails with [`ErrorKind::OutOfMemory`].
    #[must_use]
    pub fn memory_limit(mut self, bytes: usize) -> Self {
        self.memory_limit = bytes;
        self
    }

    /// The largest script accepted, in bytes of UTF-8 (default:
    /// [`DEFAULT_MAX_SCRIPT_SIZE`]).
    #[must_use]
    pub fn max_script_size(mut self, bytes: usize) -> Self {
        self.max_script_size = bytes;
        self
    }

    /// How many engines may run the script at once (default: the number of CPUs, at most
    /// 8; at least 1). Further callers wait for a free engine.
    #[must_use]
    pub fn max_engines(mut self, engines: usize) -> Self {
        self.max_engines = engines.max(1);
        self
    }

    /// Loads the script: checks its size, then creates the first engine, which evaluates it.
    ///
    /// # Errors
    ///
    /// As [`PacScript::new`].
    pub fn build(self) -> Result<PacScript, Error> {
        if self.source.is_empty() {
            return Err(Error::new(
                ErrorKind::EmptyScript,
                None,
                "the script is empty",
            ));
        }
        if self.source.len() > self.max_script_size {
            return Err(Error::new(
                ErrorKind::ScriptTooLarge,
                None,
                format!(
                    "the script has {} bytes, more than the limit of {}",
                    self.source.len(),
                    self.max_script_size
                ),
            ));
        }
        let config = Arc::new(Config {
            source: self.source,
            resolver: self.resolver,
            clock: self.clock,
            local: self.local,
            deadline: self.deadline,
            memory_limit: self.memory_limit,
            max_stack_size: MAX_STACK_SIZE,
        });
        let first = Engine::new(Arc::clone(&config))?;
        let pool = Pool {
            max: self.max_engines,
            state: Mutex::new(PoolState {
                idle: vec![first],
                live: 1,
            }),
            available: Condvar::new(),
        };
        Ok(PacScript {
            inner: Arc::new(Inner { config, pool }),
        })
    }
}

impl fmt::Debug for PacScriptBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PacScriptBuilder")
            .field("source_len", &self.source.len())
            .field("deadline", &self.deadline)
            .field("memory_limit", &self.memory_limit)
            .field("max_script_size", &self.max_script_size)
            .field("max_engines", &self.max_engines)
            .finish_non_exhaustive()
    }
}

/// Idle engines, last used first, so that a single caller always gets the same one back.
struct Pool {
    max: usize,
    state: Mutex<PoolState>,
    available: Condvar,
}

struct PoolState {
    idle: Vec<Engine>,
    live: usize,
}

impl Inner {
    fn with_engine<R>(
        &self,
        run: impl FnOnce(&mut Engine) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let pool = &self.pool;
        let taken = {
            let mut state = pool.state.lock().unwrap_or_else(PoisonError::into_inner);
            loop {
                if let Some(engine) = state.idle.pop() {
                    break Some(engine);
                }
                if state.live < pool.max {
                    state.live += 1;
                    break None;
                }
                state = pool
                    .available
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        };
        let mut engine = match taken {
            Some(engine) => engine,
            None => match Engine::new(Arc::clone(&self.config)) {
                Ok(engine) => engine,
                Err(error) => {
                    self.release(None);
                    return Err(error);
                }
            },
        };
        let result = run(&mut engine);
        // An engine stopped mid-way may hold half-updated globals: start afresh next time.
        self.release((!engine.is_broken()).then_some(engine));
        result
    }

    fn release(&self, engine: Option<Engine>) {
        let pool = &self.pool;
        let mut state = pool.state.lock().unwrap_or_else(PoisonError::into_inner);
        match engine {
            Some(engine) => state.idle.push(engine),
            None => state.live = state.live.saturating_sub(1),
        }
        drop(state);
        pool.available.notify_one();
    }
}

fn default_engines() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}
