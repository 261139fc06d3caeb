//! A cookie jar with the semantics Chromium ships (RFC 6265bis) and Electron's `Cookies`
//! API (`ses.cookies`), persisted through `netsession-storage`.
//!
//! # Example
//!
//! ```
//! use netsession_cookies::{CookieDetails, CookieFilter, CookieJar, SameSiteContext};
//! use url::Url;
//!
//! let jar = CookieJar::in_memory();
//! let events = jar.subscribe();
//!
//! // The response side: Set-Cookie headers received from a URL.
//! let url = Url::parse("https://app.example.com/account/login")?;
//! jar.store(&url, "sid=abc; Path=/; Secure; HttpOnly; SameSite=Strict")?;
//! jar.store(&url, "theme=dark")?; // Path defaults to /account, SameSite to Lax
//!
//! // The request side: the Cookie header for a URL in a same-site context.
//! let page = Url::parse("https://app.example.com/account/settings")?;
//! assert_eq!(jar.cookie_header(&page, SameSiteContext::SameSite), "theme=dark; sid=abc");
//! // A cross-site top-level navigation carries Lax cookies but not Strict ones.
//! assert_eq!(jar.cookie_header(&page, SameSiteContext::CrossSiteTopLevel), "theme=dark");
//!
//! // Electron's API.
//! jar.set(&CookieDetails::new("https://app.example.com").name("n").value("v"))?;
//! let found = jar.get(&CookieFilter::default().name("n"));
//! assert_eq!(found[0].domain, "app.example.com");
//! jar.remove("https://app.example.com/", "n");
//!
//! let first = events.try_recv()?;
//! assert_eq!((first.cookie.name.as_str(), first.cause.as_str(), first.removed), ("sid", "inserted", false));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Semantics
//!
//! As Chromium's `CookieMonster` and `CanonicalCookie`:
//!
//! * **Parsing**: nameless cookies (`Set-Cookie: foo` is a cookie with an empty name, sent
//!   as `foo`); a line is cut at NUL, CR or LF and rejected for other control characters;
//!   name and value at most 4096 bytes together, attribute values at most 1024 (longer
//!   attributes are ignored); the last occurrence of an attribute wins; at most 16 pairs.
//! * **Expiry**: `Max-Age` wins over `Expires`; `Expires` reads IMF-fixdate, RFC 850 and
//!   asctime dates (RFC 6265 section 5.1.1); every expiry is capped at 400 days.
//! * **Domain**: no `Domain` makes a host-only cookie; a `Domain` must cover the URL's host
//!   and must not be a public suffix (the compiled-in list of the `psl` crate, ICANN and
//!   private sections; a suffix equal to the host makes a host cookie instead). Names
//!   without a known registry cannot carry domain cookies.
//! * **Security**: `Secure` only from secure URLs (`https`, `wss`, localhost);
//!   `SameSite=None` requires `Secure`; `__Secure-` and `__Host-` prefixes (matched
//!   case-insensitively); an insecure URL cannot overwrite or shadow a secure cookie
//!   ("leave secure cookies alone").
//! * **SameSite**: unspecified is Lax on requests (with Chromium's two-minute allowance for
//!   cross-site top-level POSTs); see [`SameSiteContext`].
//! * **Limits**: 180 cookies per registrable domain (evicted down to 150, non-secure and
//!   least recently used first) and 3300 in total (down to 3000, least recently used first,
//!   never a cookie used in the last 30 days).
//! * **Order**: the `Cookie` header lists longer paths first, then earlier creation;
//!   overwriting a cookie with the same value keeps its creation time.
//!
//! Not implemented: cookie priorities (every cookie is `Medium`), `Partitioned` cookie
//! partitioning (a `Partitioned` cookie must be `Secure` and is then stored unpartitioned,
//! as Chromium does without a top-frame site), and Chromium's scheme- and port-bound cookies
//! (disabled in shipped Chromium).
//!
//! # Persistence
//!
//! [`CookieJar::open`] loads the jar from a [`netsession_storage::Storage`] and purges
//! expired cookies. Changes are batched as Chromium batches them: committed every 30
//! seconds or as soon as 512 are pending (see [`JarOptions`]), and at once by
//! [`CookieJar::flush_store`]. Session cookies are persisted too, so that a later process
//! of the same partition sees them. The jar registers itself as the `cookies` kind of its
//! storage, so `clear_storage_data` clears it.
//!
//! # Input guarantees
//!
//! Header values, URLs and details are untrusted: nothing they contain can make the jar
//! panic, and what they can make it store is bounded by the size and count limits above.
//!
//! # Related crates
//!
//! The `netsession` facade gives every session a jar and attaches cookies to its requests.
//! `cookie_store` is lighter but implements RFC 6265 (2011) without SameSite, prefixes or
//! limits.

mod cookie;
mod date;
mod error;
mod jar;
mod parse;

pub use cookie::{Cookie, CookieDetails, SameSite};
pub use error::{Error, Exclusion};
pub use jar::{
    ChangeCause, Clock, CookieChange, CookieFilter, CookieJar, JarOptions, SameSiteContext,
};

/// Internals exposed for the conformance tests; not part of the API.
#[doc(hidden)]
pub mod testing {
    /// Parses a cookie date into seconds since the Unix epoch.
    pub fn parse_cookie_date(input: &str) -> Option<i64> {
        crate::date::parse_cookie_date(input)
    }

    /// Formats seconds since the Unix epoch as an IMF-fixdate.
    pub fn format_http_date(seconds: i64) -> String {
        crate::date::format_http_date(seconds)
    }
}

/// Invariant checks for fuzzing; not part of the API.
#[doc(hidden)]
pub mod fuzz {
    use url::Url;

    use crate::{CookieFilter, CookieJar, SameSiteContext};

    /// Stores `data` (lossily decoded, split into `Set-Cookie` lines at `\n`) from a few
    /// URLs and checks the jar's invariants: nothing panics, every cookie respects the size,
    /// path and lifetime limits, `get` and `len` agree, and no header carries a line break.
    ///
    /// # Panics
    ///
    /// When an invariant does not hold: that is what a fuzzer looks for.
    #[expect(clippy::panic, reason = "a failed invariant is the finding")]
    pub fn store_and_lookup(data: &[u8]) {
        let text = String::from_utf8_lossy(data);
        let jar = CookieJar::in_memory();
        let urls = [
            "https://www.example.com/a/b",
            "http://example.com/",
            "https://sub.www.example.com/",
            "http://127.0.0.1:8080/x",
            "https://github.io/",
        ];
        let urls: Vec<Url> = urls.iter().filter_map(|u| Url::parse(u).ok()).collect();
        for (i, line) in text.split('\n').enumerate() {
            if let Some(url) = urls.get(i % urls.len().max(1)) {
                let _ = jar.store(url, line);
            }
        }
        let cookies = jar.get(&CookieFilter::default());
        if cookies.len() != jar.len() {
            panic!(
                "get found {} cookies, len says {}",
                cookies.len(),
                jar.len()
            );
        }
        let horizon = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64())
            + 400.0 * 86_400.0
            + 60.0;
        for c in &cookies {
            if c.name.len() + c.value.len() > 4096 || (c.name.is_empty() && c.value.is_empty()) {
                panic!("size limits broken: {c:?}");
            }
            if !c.path.starts_with('/') || c.expiration_date.is_some_and(|e| e > horizon) {
                panic!("path or lifetime broken: {c:?}");
            }
        }
        for url in &urls {
            for context in [SameSiteContext::SameSite, SameSiteContext::CrossSite] {
                let header = jar.cookie_header(url, context);
                if header.contains(['\r', '\n', '\0']) {
                    panic!("line break in header {header:?}");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
