//! Proxy auto-config (PAC) scripts, evaluated exactly as Chromium (and so Electron's
//! `session.resolveProxy`) evaluates them, on the QuickJS engine.
//!
//! A [`PacScript`] loads a script once and answers `FindProxyForURL` for any number of URLs,
//! from any number of threads. It gives the script Chromium's environment: the Netscape and
//! Mozilla helper library Chromium ships (`shExpMatch`, `dnsDomainIs`, `isInNet`,
//! `weekdayRange`, `dateRange`, `timeRange`, ... with their bug-compatible quirks), the
//! helpers Chromium implements natively (`isPlainHostName`, `dnsResolve`, `myIpAddress`, the
//! IPv6-aware `Ex` variants, `sortIpAddressList`, `isInNetEx`), `alert` (logged through
//! `tracing` at target `netsession_pac::alert`), `FindProxyForURLEx` preferred over
//! `FindProxyForURL` when defined, the URL sanitized as Chromium does ([`sanitize_url`]),
//! at most 20 unique DNS lookups per call, and the result parsed into a [`ProxyList`].
//!
//! # Example
//!
//! ```
//! use netsession_pac::{FixedClock, PacScript, StaticResolver};
//! use url::Url;
//!
//! let script = PacScript::builder(
//!     r#"function FindProxyForURL(url, host) {
//!            if (isPlainHostName(host) || isInNet(host, "10.0.0.0", "255.0.0.0"))
//!                return "DIRECT";
//!            if (weekdayRange("SAT", "SUN")) return "DIRECT";
//!            return "PROXY proxy.corp.test:8080; DIRECT";
//!        }"#,
//! )
//! .resolver(StaticResolver::new().with("wiki.corp.test", ["10.1.2.3".parse()?]))
//! // Monday 2024-06-03 09:00 in UTC+2.
//! .clock(FixedClock::from_local(2024, 6, 3, 9, 0, 0, 7200).unwrap())
//! .build()?;
//!
//! let list = script.find_proxy(&Url::parse("https://www.example.com/")?)?;
//! assert_eq!(list.to_string(), "PROXY proxy.corp.test:8080;DIRECT");
//! assert!(script.find_proxy(&Url::parse("http://wiki.corp.test/")?)?.is_direct());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The environment is injectable
//!
//! DNS goes through a [`Resolver`] ([`SystemResolver`] by default, [`StaticResolver`] for a
//! fixed table), the time through a [`Clock`] ([`SystemClock`], or [`FixedClock`] to ask what
//! the script would say at another time or in another time zone: the script's `Date` follows
//! it too), and `myIpAddress()` through [`LocalAddresses`] ([`SystemLocalAddresses`] or
//! [`FixedLocalAddresses`]). Tests need no network.
//!
//! # Untrusted scripts
//!
//! A PAC script usually comes from the network, so everything it controls is bounded, and
//! every bound is configurable on [`PacScriptBuilder`]:
//!
//! - size: at most [`DEFAULT_MAX_SCRIPT_SIZE`] (1 MiB) of source;
//! - time: each call (and the first evaluation) is stopped after [`DEFAULT_DEADLINE`] (2 s),
//!   also inside regular expressions, and fails with [`ErrorKind::Timeout`];
//! - memory: each engine may use [`DEFAULT_MEMORY_LIMIT`] (64 MiB), and its stack 256 KiB;
//! - DNS: 20 unique lookups per call, as in Chromium;
//! - reach: QuickJS without its `std` and `os` modules, no module loader, no timers: the
//!   script sees the ECMAScript built-ins and the PAC helpers, nothing else.
//!
//! No script makes this crate panic. A failed call (exception, non-string result, timeout)
//! is an [`Error`] with Chromium's message and the script line when known; what to do then
//! (Chromium falls back to `DIRECT`, Electron's mandatory mode fails the request) is the
//! caller's choice.
//!
//! # Related crates
//!
//! `netsession-proxy-rules` parses the result strings ([`ProxyList`] is its type).
//! Fetching PAC files, the implicit bypass rules and falling back on failure belong to
//! `netsession-proxy`, which uses this crate; this crate does no I/O of its own besides the
//! DNS and address probes it is given.

mod backtrace;
mod clock;
mod engine;
mod error;
mod fast;
mod helpers;
mod my_ip;
mod resolver;
mod sanitize;
mod script;

#[doc(hidden)]
pub mod fuzz;

pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{Error, ErrorKind};
pub use my_ip::{FixedLocalAddresses, LocalAddresses, SystemLocalAddresses};
pub use netsession_proxy_rules::ProxyList;
pub use resolver::{Resolver, StaticResolver, SystemResolver};
pub use sanitize::sanitize_url;
pub use script::{
    DEFAULT_DEADLINE, DEFAULT_MAX_SCRIPT_SIZE, DEFAULT_MEMORY_LIMIT, PacScript, PacScriptBuilder,
};
pub use url;

#[cfg(test)]
mod tests;
