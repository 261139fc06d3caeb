//! Cookies: Electron's `Cookie` structure, and the canonical cookie the jar keeps, created
//! from a `Set-Cookie` line or from `cookies.set` details with Chromium's rules.

use netsession_storage::CookieRecord;
use psl::Psl as _;
use url::{Host, Url};

use crate::date::parse_cookie_date;
use crate::error::Exclusion;
use crate::parse::{MAX_ATTRIBUTE_VALUE, MAX_NAME_VALUE, ParsedCookie, is_forbidden_control};

/// Microseconds in a second.
pub(crate) const MICROS: i64 = 1_000_000;
/// The longest lifetime a cookie may ask for: 400 days (RFC 6265bis section 5.5).
pub(crate) const MAX_LIFETIME: i64 = 400 * 24 * 3600 * MICROS;

/// A cookie's `SameSite` attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum SameSite {
    /// No (or an unknown) attribute: treated as `Lax` on requests, as Chromium does.
    Unspecified,
    /// `SameSite=None`: sent on cross-site requests too; requires `Secure`.
    NoRestriction,
    /// `SameSite=Lax` (the default of Electron's `cookies.set`).
    #[default]
    Lax,
    /// `SameSite=Strict`.
    Strict,
}

impl SameSite {
    /// Electron's name: `unspecified`, `no_restriction`, `lax` or `strict`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::NoRestriction => "no_restriction",
            Self::Lax => "lax",
            Self::Strict => "strict",
        }
    }

    /// The value with Electron's name `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::Unspecified,
            Self::NoRestriction,
            Self::Lax,
            Self::Strict,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }

    /// The attribute of a `Set-Cookie` line: `None`, `Lax`, `Strict` (case-insensitive),
    /// anything else unspecified.
    fn from_attribute(value: Option<&str>) -> Self {
        match value {
            Some(v) if v.eq_ignore_ascii_case("none") => Self::NoRestriction,
            Some(v) if v.eq_ignore_ascii_case("lax") => Self::Lax,
            Some(v) if v.eq_ignore_ascii_case("strict") => Self::Strict,
            _ => Self::Unspecified,
        }
    }

    pub(crate) fn code(self) -> i64 {
        match self {
            Self::Unspecified => -1,
            Self::NoRestriction => 0,
            Self::Lax => 1,
            Self::Strict => 2,
        }
    }

    fn from_code(code: i64) -> Self {
        match code {
            0 => Self::NoRestriction,
            1 => Self::Lax,
            2 => Self::Strict,
            _ => Self::Unspecified,
        }
    }
}

/// Electron's `Cookie` structure.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Cookie {
    /// The name (empty for a nameless cookie).
    pub name: String,
    /// The value.
    pub value: String,
    /// The domain: the host for a host-only cookie, `.domain` for a domain cookie.
    pub domain: String,
    /// Whether the cookie was set without a `Domain` attribute.
    pub host_only: bool,
    /// The path.
    pub path: String,
    /// The `Secure` attribute.
    pub secure: bool,
    /// The `HttpOnly` attribute.
    pub http_only: bool,
    /// Whether the cookie ends with the session (has no expiry).
    pub session: bool,
    /// The expiry in seconds since the Unix epoch, fractional; `None` for a session cookie.
    pub expiration_date: Option<f64>,
    /// The `SameSite` attribute.
    pub same_site: SameSite,
}

/// The cookie as the jar keeps it (Chromium's `CanonicalCookie`). Times are microseconds
/// since the Unix epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Canon {
    pub(crate) name: String,
    pub(crate) value: String,
    /// The host of a host-only cookie, `.domain` of a domain cookie.
    pub(crate) domain: String,
    pub(crate) path: String,
    pub(crate) creation: i64,
    pub(crate) expiry: Option<i64>,
    pub(crate) last_access: i64,
    pub(crate) secure: bool,
    pub(crate) http_only: bool,
    pub(crate) same_site: SameSite,
    pub(crate) source_secure: bool,
}

impl Canon {
    pub(crate) fn host_only(&self) -> bool {
        !self.domain.starts_with('.')
    }

    pub(crate) fn is_expired(&self, now: i64) -> bool {
        self.expiry.is_some_and(|e| e <= now)
    }

    /// The domain without its leading dot.
    pub(crate) fn bare_domain(&self) -> &str {
        self.domain.strip_prefix('.').unwrap_or(&self.domain)
    }

    /// Whether the cookie would be sent to `host` (Chromium's `IsDomainMatch`).
    pub(crate) fn is_domain_match(&self, host: &str) -> bool {
        match self.domain.strip_prefix('.') {
            None => self.domain == host,
            Some(bare) => {
                host == bare
                    || (host.len() > bare.len()
                        && host.ends_with(bare)
                        && host
                            .as_bytes()
                            .get(host.len() - bare.len() - 1)
                            .is_some_and(|&b| b == b'.'))
            }
        }
    }

    /// Whether the cookie would be sent to a URL with path `url_path` (RFC 6265 5.1.4).
    pub(crate) fn is_on_path(&self, url_path: &str) -> bool {
        path_matches(&self.path, url_path)
    }

    /// Chromium's `IsEquivalent`: the same name, domain and path.
    pub(crate) fn is_equivalent(&self, other: &Self) -> bool {
        self.name == other.name && self.domain == other.domain && self.path == other.path
    }

    /// Chromium's `IsEquivalentForSecureCookieMatching`: `self` would shadow or overwrite the
    /// secure cookie `secure`.
    pub(crate) fn is_equivalent_for_secure_matching(&self, secure: &Canon) -> bool {
        self.name == secure.name
            && (self.is_domain_match(secure.bare_domain())
                || secure.is_domain_match(self.bare_domain()))
            && secure.is_on_path(&self.path)
    }

    /// Whether everything but the times is equal.
    pub(crate) fn same_content(&self, other: &Self) -> bool {
        self.is_equivalent(other)
            && self.value == other.value
            && self.expiry == other.expiry
            && self.secure == other.secure
            && self.http_only == other.http_only
            && self.same_site == other.same_site
    }

    /// Appends `name=value` (or the bare value of a nameless cookie) to a `Cookie` header.
    pub(crate) fn write_pair(&self, out: &mut String) {
        if !self.name.is_empty() {
            out.push_str(&self.name);
            out.push('=');
        }
        out.push_str(&self.value);
    }

    pub(crate) fn to_cookie(&self) -> Cookie {
        Cookie {
            name: self.name.clone(),
            value: self.value.clone(),
            domain: self.domain.clone(),
            host_only: self.host_only(),
            path: self.path.clone(),
            secure: self.secure,
            http_only: self.http_only,
            session: self.expiry.is_none(),
            #[expect(
                clippy::cast_precision_loss,
                reason = "Electron's expirationDate is a double of seconds"
            )]
            expiration_date: self.expiry.map(|e| e as f64 / MICROS as f64),
            same_site: self.same_site,
        }
    }

    pub(crate) fn to_record(&self) -> CookieRecord {
        CookieRecord {
            domain: self.domain.clone(),
            name: self.name.clone(),
            path: self.path.clone(),
            value: self.value.clone(),
            host_only: self.host_only(),
            creation_micros: self.creation,
            expiry_micros: self.expiry,
            last_access_micros: self.last_access,
            secure: self.secure,
            http_only: self.http_only,
            same_site: self.same_site.code(),
            source_secure: self.source_secure,
        }
    }

    pub(crate) fn from_record(r: CookieRecord) -> Self {
        Self {
            name: r.name,
            value: r.value,
            domain: r.domain,
            path: r.path,
            creation: r.creation_micros,
            expiry: r.expiry_micros,
            last_access: r.last_access_micros,
            secure: r.secure,
            http_only: r.http_only,
            same_site: SameSite::from_code(r.same_site),
            source_secure: r.source_secure,
        }
    }
}

/// RFC 6265 section 5.1.4 path-match.
pub(crate) fn path_matches(cookie_path: &str, url_path: &str) -> bool {
    if cookie_path == url_path {
        return true;
    }
    url_path.starts_with(cookie_path)
        && (cookie_path.ends_with('/')
            || url_path
                .as_bytes()
                .get(cookie_path.len())
                .is_some_and(|&b| b == b'/'))
}

/// The default path of a URL path (RFC 6265 section 5.1.4).
pub(crate) fn default_path(url_path: &str) -> String {
    if !url_path.starts_with('/') {
        return "/".to_owned();
    }
    match url_path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(i) => url_path.get(..i).unwrap_or("/").to_owned(),
    }
}

/// Whether cookies travel on URLs of this scheme (Chromium's default cookieable schemes).
pub(crate) fn is_cookieable(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https" | "ws" | "wss") && url.host().is_some()
}

/// Whether `url` may receive and set `Secure` cookies: a cryptographic scheme, or a
/// localhost URL (which Chromium treats as potentially trustworthy).
pub(crate) fn is_secure_url(url: &Url) -> bool {
    matches!(url.scheme(), "https" | "wss")
        || match url.host() {
            Some(Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
            Some(Host::Ipv4(ip)) => ip.is_loopback(),
            Some(Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        }
}

/// The registrable domain (eTLD+1) of `host` under the public suffix list, counting only
/// suffixes the list knows (Chromium excludes unknown registries for cookies).
pub(crate) fn registrable_domain(host: &str) -> Option<&str> {
    let domain = psl::List.domain(host.as_bytes())?;
    if !domain.suffix().is_known() {
        return None;
    }
    let len = domain.as_bytes().len();
    host.get(host.len().checked_sub(len)?..)
}

/// The key of the jar's bucket for a host or bare cookie domain: its registrable domain, or
/// the host itself (IP addresses, `localhost`, public suffixes), as Chromium keys its map.
pub(crate) fn jar_key(host: &str) -> &str {
    if host.starts_with('[') || host.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return host;
    }
    registrable_domain(host).unwrap_or(host)
}

/// Chromium's `GetCookieDomainWithString`: the cookie's domain for a `Domain` attribute
/// (`""` for none) on a URL with host `host`.
fn cookie_domain(url: &Url, attribute: &str) -> Result<String, Exclusion> {
    let host = url.host_str().ok_or(Exclusion::InvalidDomain)?;
    if attribute.is_empty() {
        return Ok(host.to_owned());
    }
    if !attribute.is_ascii() {
        return Err(Exclusion::DomainNonAscii);
    }
    let is_ip = !matches!(url.host(), Some(Host::Domain(_)));
    let bare = attribute.strip_prefix('.').unwrap_or(attribute);
    if is_ip {
        // An IP address only accepts itself, and the cookie stays a host cookie.
        return if bare.eq_ignore_ascii_case(host) {
            Ok(host.to_owned())
        } else {
            Err(Exclusion::InvalidDomain)
        };
    }
    // Canonicalize as a URL host would be: lower case, IDNA, percent-decoding.
    let canonical = match Host::parse(bare) {
        Ok(Host::Domain(d)) => d,
        _ => return Err(Exclusion::InvalidDomain),
    };
    if canonical.is_empty() || canonical.starts_with('.') {
        return Err(Exclusion::InvalidDomain);
    }
    if registrable_domain(&canonical).is_none() {
        // A public suffix (or a name without a known registry) is only acceptable as the
        // URL's own host, and then makes a host cookie.
        return if canonical == host {
            Ok(host.to_owned())
        } else {
            Err(Exclusion::InvalidDomain)
        };
    }
    let matches = host == canonical
        || (host.len() > canonical.len()
            && host.ends_with(canonical.as_str())
            && host
                .as_bytes()
                .get(host.len() - canonical.len() - 1)
                .is_some_and(|&b| b == b'.'));
    if !matches {
        return Err(Exclusion::InvalidDomain);
    }
    Ok(format!(".{canonical}"))
}

/// Whether `name` starts with `prefix`, ASCII case-insensitively (Chromium matches cookie
/// prefixes case-insensitively).
fn has_prefix(name: &str, prefix: &str) -> bool {
    name.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// The `__Secure-` and `__Host-` rules (RFC 6265bis section 4.1.3).
fn check_prefixes(
    name: &str,
    value: &str,
    secure: bool,
    secure_url: bool,
    domain_attribute: bool,
    path: Option<&str>,
) -> Result<(), Exclusion> {
    if name.is_empty() && (has_prefix(value, "__Secure-") || has_prefix(value, "__Host-")) {
        // A nameless cookie whose value looks like a prefixed name would be read back as one.
        return Err(Exclusion::InvalidPrefix);
    }
    if has_prefix(name, "__Secure-") && !(secure && secure_url) {
        return Err(Exclusion::InvalidPrefix);
    }
    if has_prefix(name, "__Host-")
        && !(secure && secure_url && !domain_attribute && path == Some("/"))
    {
        return Err(Exclusion::InvalidPrefix);
    }
    Ok(())
}

/// Caps an expiry at 400 days from `now`.
fn cap_expiry(expiry: Option<i64>, now: i64) -> Option<i64> {
    expiry.map(|e| e.min(now.saturating_add(MAX_LIFETIME)))
}

/// Chromium's `CanonicalCookie::Create`: the cookie a `Set-Cookie` line received from `url`
/// at `now` makes. The creation time is set by the jar.
pub(crate) fn from_set_cookie(
    url: &Url,
    parsed: ParsedCookie,
    now: i64,
) -> Result<Canon, Vec<Exclusion>> {
    let mut reasons = Vec::new();
    let secure_url = is_secure_url(url);
    let domain = cookie_domain(url, parsed.domain.as_deref().unwrap_or(""))
        .map_err(|e| reasons.push(e))
        .unwrap_or_default();
    let path = match parsed.path.as_deref() {
        Some(p) if p.starts_with('/') => p.to_owned(),
        _ => default_path(url.path()),
    };
    let mut expiry = None;
    if let Some(max_age) = parsed
        .max_age
        .as_deref()
        .and_then(crate::parse::parse_max_age)
    {
        expiry = Some(if max_age <= 0 {
            i64::MIN
        } else {
            now.saturating_add(max_age.saturating_mul(MICROS))
        });
    } else if let Some(expires) = parsed.expires.as_deref() {
        expiry = parse_cookie_date(expires).map(|s| s.saturating_mul(MICROS));
    }
    let same_site = SameSite::from_attribute(parsed.same_site.as_deref());
    if parsed.secure && !secure_url {
        reasons.push(Exclusion::SecureOnly);
    }
    if same_site == SameSite::NoRestriction && !parsed.secure {
        reasons.push(Exclusion::SameSiteNoneInsecure);
    }
    if parsed.partitioned && !parsed.secure {
        reasons.push(Exclusion::InvalidPartitioned);
    }
    let domain_attribute = parsed.domain.as_deref().is_some_and(|d| !d.is_empty());
    if let Err(e) = check_prefixes(
        &parsed.name,
        &parsed.value,
        parsed.secure,
        secure_url,
        domain_attribute,
        parsed.path.as_deref(),
    ) {
        reasons.push(e);
    }
    if !reasons.is_empty() {
        return Err(reasons);
    }
    Ok(Canon {
        name: parsed.name,
        value: parsed.value,
        domain,
        path,
        creation: now,
        expiry: cap_expiry(expiry, now),
        last_access: now,
        secure: parsed.secure,
        http_only: parsed.http_only,
        same_site,
        source_secure: secure_url,
    })
}

/// The details of Electron's `cookies.set`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CookieDetails {
    /// The URL the cookie is set for (required).
    pub url: String,
    /// The name; default empty.
    pub name: Option<String>,
    /// The value; default empty.
    pub value: Option<String>,
    /// The domain; given, it makes a domain cookie (with a leading dot).
    pub domain: Option<String>,
    /// The path; default the URL's default path.
    pub path: Option<String>,
    /// `Secure`; default true exactly when `same_site` is `NoRestriction`.
    pub secure: Option<bool>,
    /// `HttpOnly`; default false.
    pub http_only: Option<bool>,
    /// The expiry in seconds since the Unix epoch; `None` makes a session cookie.
    pub expiration_date: Option<f64>,
    /// `SameSite`; default `Lax`.
    pub same_site: Option<SameSite>,
}

impl CookieDetails {
    /// Details for `url` with everything else defaulted.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            ..Self::default()
        }
    }

    /// Sets the name.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the value.
    #[must_use]
    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(value.into());
        self
    }

    /// Sets the domain.
    #[must_use]
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// Sets the path.
    #[must_use]
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Sets `Secure`.
    #[must_use]
    pub fn secure(mut self, secure: bool) -> Self {
        self.secure = Some(secure);
        self
    }

    /// Sets `HttpOnly`.
    #[must_use]
    pub fn http_only(mut self, http_only: bool) -> Self {
        self.http_only = Some(http_only);
        self
    }

    /// Sets the expiry, in seconds since the Unix epoch.
    #[must_use]
    pub fn expiration_date(mut self, seconds: f64) -> Self {
        self.expiration_date = Some(seconds);
        self
    }

    /// Sets `SameSite`.
    #[must_use]
    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.same_site = Some(same_site);
        self
    }
}

/// Whether `s` is a valid cookie name or value for `cookies.set`: no control characters, no
/// `;`, no leading or trailing whitespace (a `Set-Cookie` round trip would lose it).
fn valid_token(s: &str, allow_equals: bool) -> bool {
    !s.chars()
        .any(|c| is_forbidden_control(c) || c == ';' || (!allow_equals && c == '='))
        && !s.starts_with([' ', '\t'])
        && !s.ends_with([' ', '\t'])
}

/// Chromium's `CanonicalCookie::CreateSanitizedCookie`, with Electron's defaults.
pub(crate) fn from_details(
    details: &CookieDetails,
    now: i64,
) -> Result<(Url, Canon), Vec<Exclusion>> {
    let Ok(url) = Url::parse(&details.url) else {
        return Err(vec![Exclusion::InvalidDomain]);
    };
    if url.host().is_none() {
        return Err(vec![Exclusion::InvalidDomain]);
    }
    if !is_cookieable(&url) {
        return Err(vec![Exclusion::NonCookieableScheme]);
    }
    let name = details.name.clone().unwrap_or_default();
    let value = details.value.clone().unwrap_or_default();
    let same_site = details.same_site.unwrap_or(SameSite::Lax);
    let secure = details
        .secure
        .unwrap_or(same_site == SameSite::NoRestriction);
    let secure_url = is_secure_url(&url);
    let mut reasons = Vec::new();
    // A nameless cookie's value is sent bare, so `=` in it would read back as a name.
    if !valid_token(&name, false)
        || !valid_token(&value, true)
        || (name.is_empty() && value.contains('='))
    {
        reasons.push(Exclusion::DisallowedCharacter);
    }
    if name.len().saturating_add(value.len()) > MAX_NAME_VALUE {
        reasons.push(Exclusion::NameValueTooLarge);
    }
    if name.is_empty() && value.is_empty() {
        reasons.push(Exclusion::NoCookieContent);
    }
    let domain_attribute = details.domain.as_deref().unwrap_or("");
    if domain_attribute.len() > MAX_ATTRIBUTE_VALUE {
        reasons.push(Exclusion::AttributeValueTooLarge);
    }
    let domain = cookie_domain(&url, domain_attribute)
        .map_err(|e| reasons.push(e))
        .unwrap_or_default();
    let path = match details.path.as_deref() {
        None | Some("") => default_path(url.path()),
        Some(p) => {
            if p.len() > MAX_ATTRIBUTE_VALUE {
                reasons.push(Exclusion::AttributeValueTooLarge);
            } else if !p.starts_with('/') || p.chars().any(|c| is_forbidden_control(c) || c == ';')
            {
                reasons.push(Exclusion::FailureToStore);
            }
            p.to_owned()
        }
    };
    if secure && !secure_url {
        reasons.push(Exclusion::SecureOnly);
    }
    if same_site == SameSite::NoRestriction && !secure {
        reasons.push(Exclusion::SameSiteNoneInsecure);
    }
    if let Err(e) = check_prefixes(
        &name,
        &value,
        secure,
        secure_url,
        !domain_attribute.is_empty(),
        // `cookies.set` checks the final path, the default one included.
        Some(path.as_str()),
    ) {
        reasons.push(e);
    }
    if !reasons.is_empty() {
        return Err(reasons);
    }
    #[expect(
        clippy::cast_possible_truncation,
        reason = "saturating float-to-int conversion; NaN becomes a session cookie below"
    )]
    let expiry = details
        .expiration_date
        .filter(|s| !s.is_nan())
        .map(|s| (s * 1_000_000.0) as i64);
    Ok((
        url,
        Canon {
            name,
            value,
            domain,
            path,
            creation: now,
            expiry: cap_expiry(expiry, now),
            last_access: now,
            secure,
            http_only: details.http_only.unwrap_or(false),
            same_site,
            source_secure: secure_url,
        },
    ))
}
