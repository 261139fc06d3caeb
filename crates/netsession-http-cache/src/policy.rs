//! The caching rules: what may be stored, how long it stays fresh, when a request may use it,
//! how a 304 is matched and merged, and how a client's own conditional request is answered.
//!
//! This is RFC 9111 for a private cache, with Chromium's behaviour where Chromium departs from
//! it: malformed `Expires` dates are parsed leniently, `Date` and `Age` are never rewritten,
//! permanent redirects and 410 without explicit freshness stay fresh, a request's `no-cache`
//! bypasses the stored response and `max-age=0` always validates, a validator-less 304 is
//! matched to the stored response, a 304 leaves Chromium's non-updated headers alone, and
//! `Set-Cookie` and authentication challenges are not stored.

use std::time::{Duration, SystemTime};

use http::header::{
    AGE, CONTENT_LENGTH, DATE, ETAG, EXPIRES, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, VARY,
};
use http::{HeaderMap, HeaderName, Method, StatusCode};

use crate::date::parse_http_date;
use crate::directives::{Directives, delta_seconds, split_list};
use crate::meta::Meta;

/// Statuses that are heuristically cacheable (RFC 9110 section 15.1).
const HEURISTIC: [u16; 12] = [200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501];

/// Headers never stored: hop-by-hop ones, authentication challenges and cookies (Chromium
/// persists responses "sans cookies", "sans challenges" and "sans hop-by-hop").
const NOT_STORED: [&str; 11] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "www-authenticate",
    "proxy-authenticate",
    "set-cookie",
    "set-cookie2",
];

/// Headers a 304 does not update: Chromium's `kNonUpdatedHeaders`
/// (`net/http/http_response_headers.cc`), then the length and the headers the stored body
/// depends on (RFC 9111 section 3.2), which Chromium's list lacks: a 304 describes no body,
/// so its `Content-Length: 0` or another `Content-Type` must not relabel the stored one.
const NOT_UPDATED: [&str; 18] = [
    "connection",
    "proxy-connection",
    "keep-alive",
    "www-authenticate",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-location",
    "content-md5",
    "x-frame-options",
    "x-xss-protection",
    "content-length",
    "content-encoding",
    "content-range",
    "content-type",
];

/// Prefixes of headers a 304 does not update (Chromium's `kNonUpdatedHeaderPrefixes`):
/// security policies such as `X-Content-Type-Options` and `X-WebKit-CSP` stay those of the
/// response whose body is served.
const NOT_UPDATED_PREFIXES: [&str; 2] = ["x-content-", "x-webkit-"];

/// Whether a request with this method invalidates the URL when it succeeds (RFC 9111
/// section 4.4): every method but the safe ones, and not `M-SEARCH`, which Chromium treats
/// as safe.
pub(crate) fn is_unsafe(method: &Method) -> bool {
    !matches!(
        method.as_str(),
        "GET" | "HEAD" | "OPTIONS" | "TRACE" | "PROPFIND" | "SEARCH" | "M-SEARCH"
    )
}

/// Whether a response to a GET may be stored (RFC 9111 section 3, private cache).
pub(crate) fn storable(request: &Directives, status: StatusCode, headers: &HeaderMap) -> bool {
    let response = Directives::response(headers);
    if request.has("no-store") || response.has("no-store") {
        return false;
    }
    let code = status.as_u16();
    if !(200..=599).contains(&code) || code == 206 || code == 304 {
        return false;
    }
    if vary_names(headers).iter().any(|name| name == "*") {
        return false;
    }
    HEURISTIC.contains(&code)
        || response.has("max-age")
        || response.has("public")
        || response.has("private")
        || headers.contains_key(EXPIRES)
}

/// The headers to store: the response's minus hop-by-hop headers and cookies.
pub(crate) fn stored_headers(headers: &HeaderMap) -> HeaderMap {
    let mut stored = headers.clone();
    for name in NOT_STORED {
        stored.remove(name);
    }
    stored
}

/// The request's values of the headers the response's `Vary` names; `None` for `Vary: *`.
pub(crate) fn vary_values(
    response: &HeaderMap,
    request: &HeaderMap,
) -> Option<Vec<(HeaderName, Option<Vec<u8>>)>> {
    let mut values = Vec::new();
    for name in vary_names(response) {
        if name == "*" {
            return None;
        }
        let Ok(name) = HeaderName::from_bytes(name.as_bytes()) else {
            continue;
        };
        let value = request_value(request, &name);
        values.push((name, value));
    }
    Some(values)
}

/// Whether a stored response's `Vary` headers match the request (`*` never matches).
pub(crate) fn vary_matches(meta: &Meta, request: &HeaderMap) -> bool {
    if vary_names(&meta.headers).iter().any(|name| name == "*") {
        return false;
    }
    meta.vary
        .iter()
        .all(|(name, stored)| request_value(request, name) == *stored)
}

/// How long the response stays fresh from its generation.
pub(crate) fn freshness_lifetime(meta: &Meta) -> Duration {
    let directives = Directives::response(&meta.headers);
    // `s-maxage` applies only to shared caches: a private cache ignores it.
    if let Some(max_age) = directives.seconds("max-age") {
        return Duration::from_secs(max_age);
    }
    let date = date_value(meta);
    if meta.headers.contains_key(EXPIRES) {
        // An `Expires` that does not parse means "already expired" (RFC 9111 section 5.3).
        return header_date(&meta.headers, EXPIRES)
            .and_then(|expires| expires.duration_since(date).ok())
            .unwrap_or(Duration::ZERO);
    }
    let code = meta.status.as_u16();
    // Chromium keeps permanent redirects and 410 without explicit freshness forever.
    if matches!(code, 300 | 301 | 308 | 410) {
        return Duration::MAX;
    }
    if HEURISTIC.contains(&code) || directives.has("public") {
        if let Some(modified) = header_date(&meta.headers, LAST_MODIFIED) {
            // The usual heuristic: 10% of the time since the last modification.
            return date.duration_since(modified).unwrap_or(Duration::ZERO) / 10;
        }
    }
    Duration::ZERO
}

/// The response's current age (RFC 9111 section 4.2.3), using the first `Age` value.
pub(crate) fn current_age(meta: &Meta, now: SystemTime) -> Duration {
    let date = date_value(meta);
    let apparent_age = meta
        .response_time
        .duration_since(date)
        .unwrap_or(Duration::ZERO);
    let response_delay = meta
        .response_time
        .duration_since(meta.request_time)
        .unwrap_or(Duration::ZERO);
    let corrected_age_value = Duration::from_secs(age_value(&meta.headers))
        .checked_add(response_delay)
        .unwrap_or(Duration::MAX);
    let corrected_initial_age = apparent_age.max(corrected_age_value);
    let resident_time = now
        .duration_since(meta.response_time)
        .unwrap_or(Duration::ZERO);
    corrected_initial_age
        .checked_add(resident_time)
        .unwrap_or(Duration::MAX)
}

/// Whether the stored response may answer the request without contacting the origin.
pub(crate) fn usable(meta: &Meta, request: &Directives, now: SystemTime) -> bool {
    let response = Directives::response(&meta.headers);
    if response.has("no-cache") {
        return false;
    }
    let lifetime = freshness_lifetime(meta);
    let age = current_age(meta, now);
    if let Some(max_age) = request.seconds("max-age") {
        // Chromium turns `max-age=0` into "validate"; otherwise the age must not exceed it.
        if max_age == 0 || age > Duration::from_secs(max_age) {
            return false;
        }
    }
    if let Some(min_fresh) = request.seconds("min-fresh") {
        if lifetime.saturating_sub(age) < Duration::from_secs(min_fresh) {
            return false;
        }
    }
    if lifetime > age {
        return true;
    }
    if response.has("must-revalidate") {
        return false;
    }
    request
        .max_stale()
        .is_some_and(|max_stale| age.saturating_sub(lifetime) <= Duration::from_secs(max_stale))
}

/// Whether the request carries its own validators.
pub(crate) fn is_conditional(request: &HeaderMap) -> bool {
    request.contains_key(IF_NONE_MATCH) || request.contains_key(IF_MODIFIED_SINCE)
}

/// Evaluates a client's own conditional request against a stored response (RFC 9110
/// section 13.2.2): `Some(true)` when the answer is 304, `Some(false)` when it is the full
/// response, `None` when the request is not conditional.
pub(crate) fn not_modified(request: &HeaderMap, stored: &HeaderMap) -> Option<bool> {
    if request.contains_key(IF_NONE_MATCH) {
        let etag = stored
            .get(ETAG)
            .map(|v| String::from_utf8_lossy(v.as_bytes()));
        let matched = request.get_all(IF_NONE_MATCH).iter().any(|value| {
            let value = String::from_utf8_lossy(value.as_bytes());
            split_list(&value)
                .iter()
                .any(|tag| *tag == "*" || etag.as_deref().is_some_and(|etag| weak_eq(tag, etag)))
        });
        return Some(matched);
    }
    let since = header_date(request, IF_MODIFIED_SINCE)?;
    Some(header_date(stored, LAST_MODIFIED).is_some_and(|modified| modified <= since))
}

/// Whether a 304 answers the stored response (RFC 9111 section 4.3.4, as browsers apply
/// it): an entity tag both carry must match; else a `Last-Modified` both carry must match;
/// a 304 without validators (or with one the stored response lacks) is matched to the one
/// stored response.
pub(crate) fn matches_304(stored: &HeaderMap, not_modified: &HeaderMap) -> bool {
    if let (Some(new), Some(old)) = (not_modified.get(ETAG), stored.get(ETAG)) {
        return weak_eq(
            &String::from_utf8_lossy(new.as_bytes()),
            &String::from_utf8_lossy(old.as_bytes()),
        );
    }
    if let (Some(new), Some(old)) = (not_modified.get(LAST_MODIFIED), stored.get(LAST_MODIFIED)) {
        return new == old
            || header_date(stored, LAST_MODIFIED) == header_date(not_modified, LAST_MODIFIED);
    }
    true
}

/// Updates stored headers from a 304 (RFC 9111 section 3.2, as Chromium's
/// `HttpResponseHeaders::Update`): each header the 304 carries replaces the stored one,
/// except those in `NOT_UPDATED` or starting with one of `NOT_UPDATED_PREFIXES`, and
/// those never stored; such a header is not added either when the stored response lacks it.
/// `Date` is the origin's new `Date`, never the cache's clock.
pub(crate) fn merge_304(stored: &mut HeaderMap, not_modified: &HeaderMap) {
    for name in not_modified.keys() {
        // Header names are lower case in `http`, as the lists are.
        let name_str = name.as_str();
        if NOT_UPDATED.contains(&name_str)
            || NOT_UPDATED_PREFIXES
                .iter()
                .any(|prefix| name_str.starts_with(prefix))
            || NOT_STORED.contains(&name_str)
        {
            continue;
        }
        stored.remove(name);
        for value in not_modified.get_all(name) {
            stored.append(name.clone(), value.clone());
        }
    }
}

/// The headers of a 304 answered from the cache: the stored ones minus the body's framing.
pub(crate) fn not_modified_headers(stored: &HeaderMap) -> HeaderMap {
    let mut headers = stored.clone();
    headers.remove(CONTENT_LENGTH);
    headers
}

/// The `Date` of the response, or when it arrived if it has no valid one.
fn date_value(meta: &Meta) -> SystemTime {
    header_date(&meta.headers, DATE).unwrap_or(meta.response_time)
}

/// The first `Age` value (a list like `7200, 0` uses 7200); 0 when absent or invalid.
pub(crate) fn age_value(headers: &HeaderMap) -> u64 {
    let Some(value) = headers.get(AGE) else {
        return 0;
    };
    let text = String::from_utf8_lossy(value.as_bytes());
    let first = text.split(',').next().unwrap_or_default().trim();
    delta_seconds(first)
}

fn header_date(headers: &HeaderMap, name: HeaderName) -> Option<SystemTime> {
    let value = headers.get(name)?.to_str().ok()?;
    parse_http_date(value)
}

fn vary_names(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(VARY)
        .iter()
        .flat_map(|value| {
            split_list(&String::from_utf8_lossy(value.as_bytes()))
                .into_iter()
                .map(str::to_ascii_lowercase)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn request_value(request: &HeaderMap, name: &HeaderName) -> Option<Vec<u8>> {
    let mut values = request.get_all(name).iter();
    let first = values.next()?;
    let mut joined = first.as_bytes().to_vec();
    for value in values {
        joined.extend_from_slice(b", ");
        joined.extend_from_slice(value.as_bytes());
    }
    Some(joined)
}

/// Weak comparison of entity tags (RFC 9110 section 8.8.3.2).
fn weak_eq(a: &str, b: &str) -> bool {
    let strip = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    strip(a) == strip(b)
}
