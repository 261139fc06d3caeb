//! Electron's `ProxyConfig` (`mode`, `pacScript`, `proxyRules`, `proxyBypassRules`) and the
//! settings it selects.

use std::fmt;
use std::str::FromStr;

use netsession_bypass::BypassRules;
use netsession_proxy_rules::ProxyRules;
use url::Url;

use crate::error::Error;

/// How proxies are chosen: Electron's `mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mode {
    /// Every connection is direct; rules and PAC are ignored.
    Direct,
    /// Web Proxy Auto-Discovery: the PAC script at `http://wpad/wpad.dat`, else direct.
    AutoDetect,
    /// The PAC script at `pac_script` (mandatory: if it fails, resolution fails).
    PacScript,
    /// `proxy_rules` and `proxy_bypass_rules`.
    FixedServers,
    /// The platform's settings (see [`crate::system`]).
    System,
}

impl Mode {
    /// Electron's spelling (`direct`, `auto_detect`, `pac_script`, `fixed_servers`, `system`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::AutoDetect => "auto_detect",
            Self::PacScript => "pac_script",
            Self::FixedServers => "fixed_servers",
            Self::System => "system",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses Electron's spelling, exactly (Electron compares case-sensitively).
///
/// # Examples
///
/// ```
/// use netsession_proxy::Mode;
/// assert_eq!("pac_script".parse::<Mode>()?, Mode::PacScript);
/// let err = "PAC".parse::<Mode>().unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "Invalid mode, must be one of direct, auto_detect, pac_script, fixed_servers or system"
/// );
/// # Ok::<(), netsession_proxy::Error>(())
/// ```
impl FromStr for Mode {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        [
            Self::Direct,
            Self::AutoDetect,
            Self::PacScript,
            Self::FixedServers,
            Self::System,
        ]
        .into_iter()
        .find(|mode| mode.as_str() == text)
        .ok_or_else(|| Error::InvalidMode(text.to_owned()))
    }
}

/// Electron's `ProxyConfig`: what `session.setProxy(config)` takes.
///
/// Every field is optional in Electron; here absent strings are empty. With no `mode`, a
/// non-empty `pac_script` selects [`Mode::PacScript`] and anything else
/// [`Mode::FixedServers`]; an empty `proxy_rules` then means direct (and the bypass list is
/// dropped with it).
///
/// # Examples
///
/// ```
/// use netsession_proxy::{Mode, ProxyConfig};
///
/// let config = ProxyConfig {
///     proxy_rules: "http=foopy:80".into(),
///     proxy_bypass_rules: "<local>".into(),
///     ..ProxyConfig::default()
/// };
/// assert_eq!(config.effective_mode(), Mode::FixedServers);
///
/// // Electron's validation of a mode given as text.
/// assert!(ProxyConfig::from_electron(Some("bogus"), "", "", "").is_err());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxyConfig {
    /// Electron's `mode`; `None` chooses from the other fields.
    pub mode: Option<Mode>,
    /// Electron's `pacScript`: the URL of the PAC script (`data:`, `file:`, `http:`, `https:`).
    pub pac_script: String,
    /// Electron's `proxyRules` (see `netsession_proxy_rules::ProxyRules`).
    pub proxy_rules: String,
    /// Electron's `proxyBypassRules` (see `netsession_bypass::BypassRules`).
    pub proxy_bypass_rules: String,
}

impl ProxyConfig {
    /// Builds a config from Electron's four strings, validating `mode` as Electron does.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidMode`] when `mode` is not one of Electron's five names.
    pub fn from_electron(
        mode: Option<&str>,
        pac_script: &str,
        proxy_rules: &str,
        proxy_bypass_rules: &str,
    ) -> Result<Self, Error> {
        Ok(Self {
            mode: mode.map(str::parse).transpose()?,
            pac_script: pac_script.to_owned(),
            proxy_rules: proxy_rules.to_owned(),
            proxy_bypass_rules: proxy_bypass_rules.to_owned(),
        })
    }

    /// The mode in force: `mode`, or with none, `pac_script` when a PAC URL is given, else
    /// `fixed_servers`.
    pub fn effective_mode(&self) -> Mode {
        self.mode.unwrap_or(if self.pac_script.is_empty() {
            Mode::FixedServers
        } else {
            Mode::PacScript
        })
    }

    /// What the config means once translated as Electron and Chromium translate it (system
    /// settings are read by the caller).
    pub(crate) fn settings(&self) -> Settings {
        match self.effective_mode() {
            Mode::Direct => Settings::Direct,
            Mode::AutoDetect => Settings::AutoDetect,
            Mode::System => Settings::System,
            // An empty or invalid PAC URL makes a direct config, as Chromium's translator does.
            Mode::PacScript => match Url::parse(&self.pac_script) {
                Ok(url) if !self.pac_script.is_empty() => Settings::Pac {
                    url,
                    mandatory: true,
                },
                _ => Settings::Direct,
            },
            // Electron makes an empty `proxyRules` a direct config, bypass list included.
            Mode::FixedServers if self.proxy_rules.is_empty() => Settings::Direct,
            Mode::FixedServers => Settings::Manual {
                rules: ProxyRules::parse(&self.proxy_rules),
                bypass: BypassRules::parse(&self.proxy_bypass_rules),
            },
        }
    }
}

/// A config reduced to what resolution needs.
#[derive(Clone, Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "one value per resolver, shared behind an Arc"
)]
pub(crate) enum Settings {
    Direct,
    AutoDetect,
    System,
    Pac {
        url: Url,
        mandatory: bool,
    },
    Manual {
        rules: ProxyRules,
        bypass: BypassRules,
    },
}
