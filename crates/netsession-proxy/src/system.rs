//! `mode: "system"`: the platform's proxy settings that exist here, read as Chromium's Linux
//! `ProxyConfigServiceLinux` reads them.
//!
//! # GNOME
//!
//! When `XDG_CURRENT_DESKTOP` names a GNOME-family desktop (GNOME, Unity, Cinnamon, Pantheon,
//! Budgie, Deepin, ...) and a `gsettings` program is found, the `org.gnome.system.proxy`
//! settings decide: `mode` `none` is direct; `auto` uses `autoconfig-url` (a path becomes a
//! `file://` URL) or, when empty, auto-detection; `manual` uses the `http`, `https`, `ftp` and
//! `socks` hosts and ports (`socks` is SOCKS5; with `use-same-proxy`, the HTTP proxy serves
//! every scheme; a SOCKS proxy alone serves every scheme) and `ignore-hosts` as bypass rules.
//! Unreadable or incomplete settings fall back to the environment, and so do settings that
//! take too long: each `gsettings` run is killed after 2 s (see
//! [`SystemEnvironment::with_gsettings_timeout`]), and after one such run the GNOME settings
//! are abandoned as a whole, so that half-read settings never apply.
//!
//! # Environment variables
//!
//! Each name is looked up as written, then in the opposite case (`http_proxy`, then
//! `HTTP_PROXY`):
//!
//! - `auto_proxy`: a PAC URL, or auto-detection when set but empty;
//! - `all_proxy`: one proxy for every scheme; otherwise `http_proxy`, `https_proxy` and
//!   `ftp_proxy` for their schemes only (`http_proxy` is *not* used for https);
//! - with none of those, `SOCKS_SERVER` (SOCKS5, or SOCKS4 when `SOCKS_VERSION=4`);
//! - `no_proxy`: bypass rules with suffix matching (`example.com` also bypasses
//!   `www.example.com` and `badexample.com`, as in Chromium), `,`- or `;`-separated.
//!
//! A value's scheme is dropped, so `https://p:443` is an *HTTP* proxy on port 443 (Chromium's
//! behaviour), user info is ignored, and a trailing `/` is removed. Nothing set means direct.

use std::cell::Cell;
use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use netsession_bypass::BypassRules;
use netsession_proxy_rules::{ProxyChain, ProxyList, ProxyRules, Scheme};
use url::Url;

use crate::config::Settings;

/// Where `system` mode reads settings from: the process (by default) or given values, for
/// tests and for "what would happen with these settings" questions.
///
/// # Examples
///
/// ```
/// use netsession_proxy::{ProxyConfig, Mode, ProxyResolver, ResolverOptions, SystemEnvironment};
/// use url::Url;
///
/// let env = SystemEnvironment::from_vars([("HTTPS_PROXY", "http://corp:3128/"), ("no_proxy", "internal.example")]);
/// let config = ProxyConfig { mode: Some(Mode::System), ..ProxyConfig::default() };
/// let resolver = ProxyResolver::with_options(config, ResolverOptions::default().system(env));
/// # let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// # rt.block_on(async {
/// assert_eq!(resolver.resolve_proxy(&Url::parse("https://example.com/")?).await, "PROXY corp:3128");
/// assert_eq!(resolver.resolve_proxy(&Url::parse("http://example.com/")?).await, "DIRECT");
/// assert_eq!(resolver.resolve_proxy(&Url::parse("https://a.internal.example/")?).await, "DIRECT");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct SystemEnvironment {
    /// `None` reads the process environment.
    vars: Option<HashMap<String, String>>,
    /// The `gsettings` program; `None` looks it up on `PATH` when the desktop is GNOME-like.
    gsettings: Option<PathBuf>,
    /// How long one `gsettings` run may take; `None` is `GSETTINGS_TIMEOUT`.
    gsettings_timeout: Option<Duration>,
}

/// How long one `gsettings` run may take by default. It answers in milliseconds when the
/// settings daemon is healthy; a hung D-Bus session must not hang the resolver's construction.
const GSETTINGS_TIMEOUT: Duration = Duration::from_secs(2);

impl SystemEnvironment {
    /// The process environment, and `gsettings` from `PATH` on GNOME-like desktops.
    pub fn process() -> Self {
        Self::default()
    }

    /// Only these variables, no desktop settings.
    pub fn from_vars<K: Into<String>, V: Into<String>>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            vars: Some(
                vars.into_iter()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect(),
            ),
            gsettings: None,
            gsettings_timeout: None,
        }
    }

    /// Reads GNOME settings through this program (it is run as `PROGRAM get SCHEMA KEY`),
    /// whatever the desktop.
    pub fn with_gsettings(mut self, program: impl Into<PathBuf>) -> Self {
        self.gsettings = Some(program.into());
        self
    }

    /// How long one `gsettings` run may take before it is killed and the environment
    /// variables decide instead (default 2 s). Settings are read when a resolver is created
    /// and when it reloads, on the calling thread.
    pub fn with_gsettings_timeout(mut self, timeout: Duration) -> Self {
        self.gsettings_timeout = Some(timeout);
        self
    }

    /// A variable, as written or in the opposite case, as Chromium's `base::Environment`.
    fn var(&self, name: &str) -> Option<String> {
        let get = |name: &str| match &self.vars {
            Some(vars) => vars.get(name).cloned(),
            None => std::env::var(name).ok(),
        };
        get(name).or_else(|| {
            let first = name.chars().next()?;
            let other = if first.is_ascii_lowercase() {
                name.to_ascii_uppercase()
            } else if first.is_ascii_uppercase() {
                name.to_ascii_lowercase()
            } else {
                return None;
            };
            get(&other)
        })
    }

    fn gsettings_program(&self) -> Option<PathBuf> {
        if let Some(program) = &self.gsettings {
            return Some(program.clone());
        }
        if self.vars.is_some() {
            return None;
        }
        let desktop = self.var("XDG_CURRENT_DESKTOP").unwrap_or_default();
        let gnome_like = desktop.split(':').any(|d| {
            matches!(
                d.to_ascii_lowercase().as_str(),
                "gnome"
                    | "unity"
                    | "cinnamon"
                    | "x-cinnamon"
                    | "pantheon"
                    | "budgie"
                    | "deepin"
                    | "ubuntu"
            )
        });
        gnome_like.then(|| PathBuf::from("gsettings"))
    }
}

/// Reads the settings `system` mode stands for.
pub(crate) fn read(env: &SystemEnvironment) -> Settings {
    env.gsettings_program()
        .and_then(|program| {
            let gsettings = Gsettings {
                program,
                timeout: env.gsettings_timeout.unwrap_or(GSETTINGS_TIMEOUT),
                stalled: Cell::new(false),
            };
            let settings = from_gnome(&gsettings);
            // Settings read around a run that stalled may be incomplete: use none of them.
            if gsettings.stalled.get() {
                tracing::debug!(
                    program = %gsettings.program.display(),
                    "gsettings did not answer in time; using the environment"
                );
                return None;
            }
            settings
        })
        .or_else(|| from_env(env))
        .unwrap_or(Settings::Direct)
}

/// Chromium's `GetConfigFromEnv`; `None` when the environment says nothing.
fn from_env(env: &SystemEnvironment) -> Option<Settings> {
    if let Some(auto) = env.var("auto_proxy") {
        return Some(if auto.is_empty() {
            Settings::AutoDetect
        } else {
            match Url::parse(&auto) {
                Ok(url) => Settings::Pac {
                    url,
                    mandatory: false,
                },
                Err(_) => Settings::Direct,
            }
        });
    }
    let proxy = |name: &str, scheme: Scheme| {
        env.var(name)
            .filter(|v| !v.is_empty())
            .and_then(|value| chain_from_setting(scheme, &value))
    };
    let mut rules = if let Some(all) = proxy("all_proxy", Scheme::Http) {
        Some(ProxyRules::single(list_of(Some(all))))
    } else {
        let (http, https, ftp) = (
            proxy("http_proxy", Scheme::Http),
            proxy("https_proxy", Scheme::Http),
            proxy("ftp_proxy", Scheme::Http),
        );
        (http.is_some() || https.is_some() || ftp.is_some()).then(|| {
            ProxyRules::per_scheme(
                list_of(http),
                list_of(https),
                list_of(ftp),
                ProxyList::new(),
            )
        })
    };
    if rules.is_none() {
        let socks = if env.var("SOCKS_VERSION").as_deref() == Some("4") {
            Scheme::Socks4
        } else {
            Scheme::Socks5
        };
        rules = proxy("SOCKS_SERVER", socks).map(|chain| ProxyRules::single(list_of(Some(chain))));
    }
    let no_proxy = env.var("no_proxy").unwrap_or_default();
    match rules {
        // Only `no_proxy` set (say to `*`) still says the environment chose: go direct.
        None => (!no_proxy.is_empty()).then_some(Settings::Direct),
        Some(rules) => Some(Settings::Manual {
            rules,
            bypass: BypassRules::parse_with_suffix_matching(&no_proxy),
        }),
    }
}

/// Runs `gsettings get SCHEMA KEY` and returns its GVariant text output.
struct Gsettings {
    program: PathBuf,
    /// The time limit of one run.
    timeout: Duration,
    /// Set when a run did not finish in time; later runs are not attempted.
    stalled: Cell<bool>,
}

impl Gsettings {
    fn get(&self, schema: &str, key: &str) -> Option<String> {
        if self.stalled.get() {
            return None;
        }
        // A timeout too large to add to the clock means no deadline.
        let deadline = Instant::now().checked_add(self.timeout);
        let mut child = Command::new(&self.program)
            .args(["get", schema, key])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        // Standard output is read on a thread so that the wait below can time out; the thread
        // ends when the pipe closes, at the latest when the killed child's is released.
        let mut stdout = child.stdout.take()?;
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut output = Vec::new();
            let read = stdout.read_to_end(&mut output).map(|_| output);
            // The receiver is gone when the run timed out; the output is not wanted then.
            let _ = sender.send(read);
        });
        let remaining = || {
            deadline.map_or(Duration::MAX, |deadline| {
                deadline.saturating_duration_since(Instant::now())
            })
        };
        let output = match receiver.recv_timeout(remaining()) {
            Ok(Ok(output)) => output,
            Ok(Err(_)) => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            Err(_) => return self.give_up(&mut child),
        };
        // The output is complete; the child normally exits at once, but is not waited for
        // past the deadline.
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if !remaining().is_zero() => {
                    std::thread::sleep(Duration::from_millis(1));
                }
                Ok(None) | Err(_) => return self.give_up(&mut child),
            }
        };
        status
            .success()
            .then(|| String::from_utf8_lossy(&output).trim().to_owned())
    }

    /// Kills a run that took too long and stops further runs.
    fn give_up(&self, child: &mut Child) -> Option<String> {
        self.stalled.set(true);
        // The child may have exited meanwhile; either way it is reaped below.
        let _ = child.kill();
        let _ = child.wait();
        None
    }

    fn string(&self, schema: &str, key: &str) -> Option<String> {
        gvariant::string(&self.get(schema, key)?)
    }

    fn int(&self, schema: &str, key: &str) -> Option<i64> {
        let text = self.get(schema, key)?;
        // Integers may carry a type annotation: `int32 8080`, `uint32 0`.
        text.rsplit(' ').next()?.parse().ok()
    }

    fn bool(&self, schema: &str, key: &str) -> Option<bool> {
        match self.get(schema, key)?.as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }

    fn string_list(&self, schema: &str, key: &str) -> Option<Vec<String>> {
        gvariant::string_list(&self.get(schema, key)?)
    }
}

const PROXY_SCHEMA: &str = "org.gnome.system.proxy";

/// Chromium's `GetConfigFromSettings` for GNOME; `None` when the settings cannot be used.
fn from_gnome(gs: &Gsettings) -> Option<Settings> {
    match gs.string(PROXY_SCHEMA, "mode")?.as_str() {
        "none" => Some(Settings::Direct),
        "auto" => {
            let pac = gs
                .string(PROXY_SCHEMA, "autoconfig-url")
                .unwrap_or_default();
            if pac.is_empty() {
                return Some(Settings::AutoDetect);
            }
            let pac = if pac.starts_with('/') {
                format!("file://{pac}")
            } else {
                pac
            };
            Url::parse(&pac).ok().map(|url| Settings::Pac {
                url,
                mandatory: false,
            })
        }
        "manual" => {
            let http_schema = format!("{PROXY_SCHEMA}.http");
            if gs.bool(&http_schema, "enabled") == Some(false) {
                return Some(Settings::Direct);
            }
            let same_proxy = gs.bool(PROXY_SCHEMA, "use-same-proxy").unwrap_or(false);
            let host = |name: &str, scheme: Scheme| {
                let schema = format!("{PROXY_SCHEMA}.{name}");
                let host = gs.string(&schema, "host").filter(|h| !h.is_empty())?;
                let port = gs.int(&schema, "port").unwrap_or(0);
                let value = if port == 0 {
                    host
                } else {
                    format!("{host}:{port}")
                };
                chain_from_setting(scheme, &value)
            };
            let http = host("http", Scheme::Http);
            let https = host("https", Scheme::Http);
            let ftp = host("ftp", Scheme::Http);
            let socks = host("socks", Scheme::Socks5);
            let specified = [&http, &https, &ftp, &socks]
                .iter()
                .filter(|p| p.is_some())
                .count();
            let rules = if same_proxy {
                http.map(|chain| ProxyRules::single(list_of(Some(chain))))
            } else if specified == 1 && socks.is_some() {
                Some(ProxyRules::single(list_of(socks)))
            } else if specified > 0 {
                Some(ProxyRules::per_scheme(
                    list_of(http),
                    list_of(https),
                    list_of(ftp),
                    list_of(socks),
                ))
            } else {
                None
            }?;
            let ignore = gs
                .string_list(PROXY_SCHEMA, "ignore-hosts")
                .unwrap_or_default();
            Some(Settings::Manual {
                rules,
                bypass: BypassRules::parse(&ignore.join(",")),
            })
        }
        _ => None,
    }
}

/// Chromium's `FixupProxyHostScheme` then `ProxyUriToProxyChain`: the value's own scheme is
/// dropped (only `socks4://` is honoured, for SOCKS settings), user info is ignored, SOCKS
/// settings get their scheme, and a trailing `/` is removed.
fn chain_from_setting(scheme: Scheme, value: &str) -> Option<ProxyChain> {
    let mut scheme = scheme;
    if scheme == Scheme::Socks5
        && value
            .get(..9)
            .is_some_and(|p| p.eq_ignore_ascii_case("socks4://"))
    {
        scheme = Scheme::Socks4;
    }
    let host = value.split_once("://").map_or(value, |(_, rest)| rest);
    let host = host.split_once('@').map_or(host, |(_, rest)| rest);
    let host = host.strip_suffix('/').unwrap_or(host);
    let uri = match scheme {
        Scheme::Socks4 => format!("socks4://{host}"),
        Scheme::Socks5 => format!("socks5://{host}"),
        _ => host.to_owned(),
    };
    ProxyChain::from_uri(&uri).ok()
}

fn list_of(chain: Option<ProxyChain>) -> ProxyList {
    chain.into_iter().collect()
}

/// The GVariant text format `gsettings get` prints, for the types proxy settings use.
mod gvariant {
    /// `'text'` or `"text"`, with backslash escapes.
    pub(super) fn string(text: &str) -> Option<String> {
        let (value, rest) = quoted(text.trim())?;
        rest.trim().is_empty().then_some(value)
    }

    /// `['a', 'b']`, or `@as []` when empty.
    pub(super) fn string_list(text: &str) -> Option<Vec<String>> {
        let text = text.trim();
        let text = text.strip_prefix("@as").map_or(text, str::trim_start);
        let mut rest = text.strip_prefix('[')?.trim_start();
        let mut items = Vec::new();
        loop {
            if let Some(after) = rest.strip_prefix(']') {
                return after.trim().is_empty().then_some(items);
            }
            let (item, after) = quoted(rest)?;
            items.push(item);
            rest = after.trim_start();
            rest = rest.strip_prefix(',').map_or(rest, str::trim_start);
        }
    }

    fn quoted(text: &str) -> Option<(String, &str)> {
        let mut chars = text.char_indices();
        let (_, quote) = chars.next().filter(|(_, c)| *c == '\'' || *c == '"')?;
        let mut value = String::new();
        while let Some((at, c)) = chars.next() {
            match c {
                '\\' => value.push(chars.next()?.1),
                c if c == quote => return Some((value, text.get(at + 1..)?)),
                c => value.push(c),
            }
        }
        None
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn parses_gsettings_output() {
            assert_eq!(super::string("'manual'").as_deref(), Some("manual"));
            assert_eq!(super::string(r#""it's""#).as_deref(), Some("it's"));
            assert_eq!(super::string(r"'a\'b'").as_deref(), Some("a'b"));
            assert_eq!(super::string("'open"), None);
            assert_eq!(
                super::string_list("['localhost', '127.0.0.0/8', '::1']").unwrap(),
                ["localhost", "127.0.0.0/8", "::1"]
            );
            assert_eq!(super::string_list("@as []").unwrap(), Vec::<String>::new());
            assert_eq!(super::string_list("['a' 'b'"), None);
        }
    }
}
