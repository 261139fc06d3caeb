//! The resolver behind `session.setProxy` / `session.resolveProxy`.

use std::fmt;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};
use std::time::Duration;

use netsession_bypass::BypassRules;
use netsession_pac::PacScript;
use netsession_proxy_rules::{ProxyChain, ProxyList};
use tokio::time::Instant;
use url::Url;

use crate::config::{ProxyConfig, Settings};
use crate::error::{Error, FetchFailure};
use crate::fetch::{FetchLimits, fetch};
use crate::retry::{ProxyInfo, RetryMap};
use crate::system::{self, SystemEnvironment};

/// After a PAC fetch fails, the next attempts wait 8 s, 32 s, 2 min, then 4 h each, as
/// Chromium's PAC poller does (it counts from the last failure).
const PAC_RETRY_DELAYS: [Duration; 4] = [
    Duration::from_secs(8),
    Duration::from_secs(32),
    Duration::from_secs(120),
    Duration::from_secs(4 * 3600),
];

/// A PAC script that loaded is fetched again after this long.
const PAC_REFRESH: Duration = Duration::from_secs(12 * 3600);

/// Turns PAC source text into a script: where its DNS, clock and limits come from.
pub type PacCompiler =
    Arc<dyn Fn(&str) -> Result<PacScript, netsession_pac::Error> + Send + Sync + 'static>;

/// How a [`ProxyResolver`] fetches scripts, reads system settings and remembers bad proxies.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use netsession_proxy::ResolverOptions;
///
/// let options = ResolverOptions::default()
///     .bad_proxy_duration(Duration::from_secs(60))
///     .pac_fetch_timeout(Duration::from_secs(5));
/// # let _ = options;
/// ```
#[derive(Clone)]
pub struct ResolverOptions {
    bad_proxy_duration: Duration,
    pac_fetch_timeout: Duration,
    pac_max_size: usize,
    wpad_url: Url,
    system: SystemEnvironment,
    compile: PacCompiler,
    http: Option<reqwest::Client>,
}

impl Default for ResolverOptions {
    fn default() -> Self {
        Self {
            bad_proxy_duration: Duration::from_secs(5 * 60),
            pac_fetch_timeout: Duration::from_secs(30),
            pac_max_size: 1 << 20,
            wpad_url: wpad_url(),
            system: SystemEnvironment::process(),
            compile: Arc::new(PacScript::new),
            http: None,
        }
    }
}

impl ResolverOptions {
    /// How long a proxy that failed goes to the end of lists (default 5 minutes).
    pub fn bad_proxy_duration(mut self, duration: Duration) -> Self {
        self.bad_proxy_duration = duration;
        self
    }

    /// The time limit of one PAC fetch (default 30 s), whatever the scheme: a `file:` URL
    /// naming a FIFO nobody writes to fails with [`FetchFailure::Timeout`] too.
    pub fn pac_fetch_timeout(mut self, timeout: Duration) -> Self {
        self.pac_fetch_timeout = timeout;
        self
    }

    /// The size limit of a PAC script in bytes (default 1 MiB), whatever the scheme: files
    /// are read through the limit, so `/dev/zero` fails with [`FetchFailure::TooLarge`].
    pub fn pac_max_size(mut self, bytes: usize) -> Self {
        self.pac_max_size = bytes;
        self
    }

    /// Where `auto_detect` looks for a script (default `http://wpad/wpad.dat`).
    pub fn wpad_url(mut self, url: Url) -> Self {
        self.wpad_url = url;
        self
    }

    /// Where `system` mode reads settings (default: this process's environment and desktop).
    pub fn system(mut self, environment: SystemEnvironment) -> Self {
        self.system = environment;
        self
    }

    /// How PAC source becomes a script, for a custom DNS resolver, clock or limits (default
    /// `PacScript::new`).
    pub fn pac_compiler(
        mut self,
        compile: impl Fn(&str) -> Result<PacScript, netsession_pac::Error> + Send + Sync + 'static,
    ) -> Self {
        self.compile = Arc::new(compile);
        self
    }

    /// The client that fetches `http:` and `https:` PAC scripts. It must not use a proxy
    /// (Chromium never fetches PAC scripts through one); the default is built that way.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }
}

impl fmt::Debug for ResolverOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResolverOptions")
            .field("bad_proxy_duration", &self.bad_proxy_duration)
            .field("pac_fetch_timeout", &self.pac_fetch_timeout)
            .field("pac_max_size", &self.pac_max_size)
            .field("wpad_url", &self.wpad_url.as_str())
            .field("system", &self.system)
            .finish_non_exhaustive()
    }
}

/// Resolves the proxies for URLs as Electron's `session.resolveProxy` does, and remembers
/// proxies that failed.
///
/// Cheap to clone: clones share the configuration, the loaded PAC script and the bad-proxy
/// memory. A new configuration is a new resolver (as `setProxy` replaces the old one).
///
/// # Examples
///
/// ```
/// use netsession_proxy::{ProxyConfig, ProxyResolver};
/// use url::Url;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let resolver = ProxyResolver::new(ProxyConfig {
///     pac_script: "data:,function FindProxyForURL(u, h) { return 'PROXY corp:3128; DIRECT'; }".into(),
///     ..ProxyConfig::default()
/// });
/// let url = Url::parse("https://example.com/")?;
/// assert_eq!(resolver.resolve_proxy(&url).await, "PROXY corp:3128;DIRECT");
/// // localhost and friends never reach a PAC script.
/// assert_eq!(resolver.resolve_proxy(&Url::parse("http://localhost/")?).await, "DIRECT");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct ProxyResolver {
    inner: Arc<Inner>,
}

struct Inner {
    config: ProxyConfig,
    options: ResolverOptions,
    settings: RwLock<Arc<Settings>>,
    pac: tokio::sync::Mutex<PacState>,
    retry: Arc<RetryMap>,
    http: OnceLock<Result<reqwest::Client, String>>,
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyResolver")
            .field("config", &self.config)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

enum PacState {
    Unloaded,
    Loaded {
        url: Url,
        script: Arc<PacScript>,
        next_check: Instant,
    },
    Failed {
        url: Url,
        error: Error,
        failures: usize,
        retry_at: Instant,
    },
}

impl ProxyResolver {
    /// A resolver for `config` with default options. Nothing is fetched until the first
    /// resolution; `system` settings are read now.
    pub fn new(config: ProxyConfig) -> Self {
        Self::with_options(config, ResolverOptions::default())
    }

    /// A resolver for `config` with `options`.
    pub fn with_options(config: ProxyConfig, options: ResolverOptions) -> Self {
        let settings = effective(config.settings(), &options);
        Self {
            inner: Arc::new(Inner {
                config,
                options,
                settings: RwLock::new(Arc::new(settings)),
                pac: tokio::sync::Mutex::new(PacState::Unloaded),
                retry: Arc::new(RetryMap::default()),
                http: OnceLock::new(),
            }),
        }
    }

    /// The configuration this resolver applies.
    pub fn config(&self) -> &ProxyConfig {
        &self.inner.config
    }

    /// Electron's `resolveProxy`: Chromium's PAC string (`PROXY a:80;DIRECT`), or `""` when
    /// resolution fails (a mandatory PAC script that cannot be fetched or fails) or no proxy
    /// is usable. Never an error.
    pub async fn resolve_proxy(&self, url: &Url) -> String {
        match self.resolve(url).await {
            Ok(list) => list.to_string(),
            Err(_) => String::new(),
        }
    }

    /// The ordered list of ways to reach `url`, proxies that failed recently moved last.
    ///
    /// # Errors
    ///
    /// Under `pac_script` mode (mandatory, as in Electron), [`Error::PacFetch`] or
    /// [`Error::PacScript`] when the script cannot be fetched or fails for this URL. URLs to
    /// localhost, loopback and link-local addresses are `DIRECT` without running the script.
    pub async fn resolve(&self, url: &Url) -> Result<ProxyList, Error> {
        Ok(self.resolve_info(url).await?.list().clone())
    }

    /// Like [`ProxyResolver::resolve`], as a [`ProxyInfo`] to fall back through while
    /// connecting.
    ///
    /// # Errors
    ///
    /// As [`ProxyResolver::resolve`].
    pub async fn resolve_info(&self, url: &Url) -> Result<ProxyInfo, Error> {
        let settings = self.settings();
        let list = match plan(&settings, url) {
            Plan::Decided(list) => list,
            Plan::RunPac { pac_url, mandatory } => {
                settle(self.run_pac(pac_url, url).await, mandatory)?
            }
        };
        Ok(self.info(list))
    }

    /// The resolver as it is now, for resolving many URLs synchronously: the configuration,
    /// the PAC script (fetched now if needed) and the bad-proxy memory. Resolving through a
    /// snapshot skips the hand-off to a blocking thread that each
    /// [`ProxyResolver::resolve`] makes for a PAC script, which is most of the cost for
    /// command-line tools that resolve thousands of URLs.
    pub async fn snapshot(&self) -> ResolverSnapshot {
        let settings = self.settings();
        let script = match &*settings {
            Settings::Pac { url, .. } => Some(self.script(url).await),
            _ => None,
        };
        ResolverSnapshot {
            resolver: self.clone(),
            settings,
            script,
        }
    }

    /// Fetches and compiles the PAC script now, when the configuration uses one, so that a
    /// broken script is reported before the first request rather than as `""` answers.
    ///
    /// # Errors
    ///
    /// [`Error::PacFetch`] or [`Error::PacScript`], also under `auto_detect` and `system`
    /// (where resolution itself would fall back to direct).
    pub async fn preload(&self) -> Result<(), Error> {
        match &*self.settings() {
            Settings::Pac { url, .. } => self.script(url).await.map(drop),
            _ => Ok(()),
        }
    }

    /// Marks `chain` bad now, as a request that fell back from it and then succeeded would.
    /// DIRECT is never marked.
    pub fn mark_bad(&self, chain: &ProxyChain) {
        if !chain.is_direct() {
            let until = Instant::now() + self.inner.options.bad_proxy_duration;
            self.inner.retry.merge([(chain.clone(), until)]);
        }
    }

    /// The proxies currently marked bad, with the time left before they are tried first again.
    pub fn bad_proxies(&self) -> Vec<(ProxyChain, Duration)> {
        self.inner.retry.bad_proxies()
    }

    /// Electron's `forceReloadProxyConfig`: reads `system` settings again, drops the loaded
    /// PAC script (the next resolution fetches it again) and forgets bad proxies.
    pub async fn reload(&self) {
        let settings = effective(self.inner.config.settings(), &self.inner.options);
        *self
            .inner
            .settings
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(settings);
        *self.inner.pac.lock().await = PacState::Unloaded;
        self.inner.retry.clear();
    }

    fn settings(&self) -> Arc<Settings> {
        Arc::clone(
            &self
                .inner
                .settings
                .read()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    fn info(&self, mut list: ProxyList) -> ProxyInfo {
        self.inner.retry.deprioritize(&mut list);
        ProxyInfo::new(
            list,
            Arc::clone(&self.inner.retry),
            self.inner.options.bad_proxy_duration,
        )
    }

    /// Runs the script on a blocking thread: it may wait for DNS.
    async fn run_pac(&self, pac_url: &Url, url: &Url) -> Result<ProxyList, Error> {
        let script = self.script(pac_url).await?;
        let (pac_url, target) = (pac_url.clone(), url.clone());
        tokio::task::spawn_blocking(move || evaluate(&script, &pac_url, &target))
            .await
            .unwrap_or(Err(Error::Cancelled))
    }

    /// The loaded script, fetching it when needed and allowed by the retry schedule.
    async fn script(&self, pac_url: &Url) -> Result<Arc<PacScript>, Error> {
        let mut state = self.inner.pac.lock().await;
        let now = Instant::now();
        match &*state {
            PacState::Loaded {
                url,
                script,
                next_check,
            } if url == pac_url && now < *next_check => return Ok(Arc::clone(script)),
            PacState::Failed {
                url,
                error,
                retry_at,
                ..
            } if url == pac_url && now < *retry_at => return Err(error.clone()),
            _ => {}
        }
        match self.load(pac_url).await {
            Ok(script) => {
                *state = PacState::Loaded {
                    url: pac_url.clone(),
                    script: Arc::clone(&script),
                    next_check: now + PAC_REFRESH,
                };
                Ok(script)
            }
            Err(error) => {
                if let PacState::Loaded {
                    script, next_check, ..
                } = &mut *state
                {
                    // A refresh that fails keeps the script that worked.
                    *next_check = now + PAC_RETRY_DELAYS[0];
                    return Ok(Arc::clone(script));
                }
                let failures = match &*state {
                    PacState::Failed { url, failures, .. } if url == pac_url => failures + 1,
                    _ => 1,
                };
                let delay = PAC_RETRY_DELAYS
                    .get(failures - 1)
                    .or(PAC_RETRY_DELAYS.last())
                    .copied()
                    .unwrap_or_default();
                *state = PacState::Failed {
                    url: pac_url.clone(),
                    error: error.clone(),
                    failures,
                    retry_at: now + delay,
                };
                Err(error)
            }
        }
    }

    async fn load(&self, pac_url: &Url) -> Result<Arc<PacScript>, Error> {
        let options = &self.inner.options;
        let limits = FetchLimits {
            timeout: options.pac_fetch_timeout,
            max_size: options.pac_max_size,
        };
        let http = self.http_client().map_err(|message| Error::PacFetch {
            url: pac_url.clone(),
            failure: FetchFailure::Http(message),
        })?;
        let source = fetch(pac_url, limits, &http).await?;
        let compile = Arc::clone(&options.compile);
        let compiled = tokio::task::spawn_blocking(move || compile(&source)).await;
        match compiled {
            Ok(Ok(script)) => Ok(Arc::new(script)),
            Ok(Err(error)) => Err(Error::PacScript {
                url: pac_url.clone(),
                source: Arc::new(error),
            }),
            Err(_) => Err(Error::Cancelled),
        }
    }

    fn http_client(&self) -> Result<reqwest::Client, String> {
        if let Some(client) = &self.inner.options.http {
            return Ok(client.clone());
        }
        self.inner
            .http
            .get_or_init(|| {
                reqwest::Client::builder()
                    .no_proxy()
                    .build()
                    .map_err(|e| e.to_string())
            })
            .clone()
    }
}

/// A [`ProxyResolver`] frozen at one moment, resolving synchronously: see
/// [`ProxyResolver::snapshot`].
///
/// Resolution runs the PAC script (if any) on the calling thread, where its DNS lookups
/// block; call it from a blocking context, not from an async task. Bad proxies reported to
/// the resolver after the snapshot was taken are still honoured.
///
/// # Examples
///
/// ```
/// use netsession_proxy::{ProxyConfig, ProxyResolver};
/// use url::Url;
///
/// # let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// let resolver = ProxyResolver::new(ProxyConfig {
///     pac_script: "data:,function FindProxyForURL(u, h) { return 'PROXY p:1'; }".into(),
///     ..ProxyConfig::default()
/// });
/// let snapshot = runtime.block_on(resolver.snapshot());
/// for host in ["a.test", "b.test"] {
///     let url = Url::parse(&format!("http://{host}/"))?;
///     assert_eq!(snapshot.resolve_proxy(&url), "PROXY p:1");
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct ResolverSnapshot {
    resolver: ProxyResolver,
    settings: Arc<Settings>,
    script: Option<Result<Arc<PacScript>, Error>>,
}

impl ResolverSnapshot {
    /// As [`ProxyResolver::resolve_info`], synchronously.
    ///
    /// # Errors
    ///
    /// As [`ProxyResolver::resolve`].
    pub fn resolve_info(&self, url: &Url) -> Result<ProxyInfo, Error> {
        let list = match plan(&self.settings, url) {
            Plan::Decided(list) => list,
            Plan::RunPac { pac_url, mandatory } => {
                let evaluated = match &self.script {
                    Some(Ok(script)) => evaluate(script, pac_url, url),
                    Some(Err(error)) => Err(error.clone()),
                    None => Err(Error::Cancelled),
                };
                settle(evaluated, mandatory)?
            }
        };
        Ok(self.resolver.info(list))
    }

    /// As [`ProxyResolver::resolve`], synchronously.
    ///
    /// # Errors
    ///
    /// As [`ProxyResolver::resolve`].
    pub fn resolve(&self, url: &Url) -> Result<ProxyList, Error> {
        Ok(self.resolve_info(url)?.list().clone())
    }

    /// As [`ProxyResolver::resolve_proxy`], synchronously: Electron's string, never an error.
    pub fn resolve_proxy(&self, url: &Url) -> String {
        self.resolve(url)
            .map(|list| list.to_string())
            .unwrap_or_default()
    }
}

/// What resolution does for a URL before any script runs.
enum Plan<'a> {
    Decided(ProxyList),
    RunPac { pac_url: &'a Url, mandatory: bool },
}

/// The decisions that need no script: Chromium's `ProxyRules::Apply` for manual settings, and
/// the implicit bypass that precedes every PAC script (and cannot be turned off).
fn plan<'a>(settings: &'a Settings, url: &Url) -> Plan<'a> {
    match settings {
        Settings::Direct | Settings::AutoDetect | Settings::System => {
            Plan::Decided(ProxyList::direct())
        }
        Settings::Manual { rules, bypass } => {
            Plan::Decided(if rules.is_empty() || bypass.matches(url) {
                ProxyList::direct()
            } else {
                rules.proxies_for(url)
            })
        }
        Settings::Pac { .. } if BypassRules::matches_implicit(url) => {
            Plan::Decided(ProxyList::direct())
        }
        Settings::Pac {
            url: pac_url,
            mandatory,
        } => Plan::RunPac {
            pac_url,
            mandatory: *mandatory,
        },
    }
}

/// A script's failure fails resolution when the script is mandatory (Electron's
/// `pac_script`); otherwise connections go direct.
fn settle(result: Result<ProxyList, Error>, mandatory: bool) -> Result<ProxyList, Error> {
    match result {
        Err(_) if !mandatory => Ok(ProxyList::direct()),
        other => other,
    }
}

fn evaluate(script: &PacScript, pac_url: &Url, url: &Url) -> Result<ProxyList, Error> {
    script.find_proxy(url).map_err(|error| Error::PacScript {
        url: pac_url.clone(),
        source: Arc::new(error),
    })
}

/// Reduces `system` and `auto_detect` to what they stand for now.
fn effective(settings: Settings, options: &ResolverOptions) -> Settings {
    let settings = match settings {
        Settings::System => system::read(&options.system),
        other => other,
    };
    match settings {
        // WPAD is never mandatory: without a script, connections go direct.
        Settings::AutoDetect => Settings::Pac {
            url: options.wpad_url.clone(),
            mandatory: false,
        },
        Settings::System => Settings::Direct,
        other => other,
    }
}

#[expect(clippy::expect_used, reason = "a constant, valid URL")]
fn wpad_url() -> Url {
    Url::parse("http://wpad/wpad.dat").expect("http://wpad/wpad.dat is a valid URL")
}
