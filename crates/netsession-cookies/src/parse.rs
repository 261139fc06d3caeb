//! `Set-Cookie` lines parsed as Chromium's `ParsedCookie` does (RFC 6265bis section 5.7).

use crate::error::Exclusion;

/// The most bytes of name and value together.
pub(crate) const MAX_NAME_VALUE: usize = 4096;
/// The most bytes of one attribute value; longer attributes are ignored.
pub(crate) const MAX_ATTRIBUTE_VALUE: usize = 1024;
/// Chromium reads at most this many pairs (the name-value pair and 15 attributes).
const MAX_PAIRS: usize = 16;

/// The parts of a `Set-Cookie` line, attributes still unvalidated.
#[derive(Debug, Default)]
pub(crate) struct ParsedCookie {
    pub(crate) name: String,
    pub(crate) value: String,
    pub(crate) domain: Option<String>,
    pub(crate) path: Option<String>,
    pub(crate) expires: Option<String>,
    pub(crate) max_age: Option<String>,
    pub(crate) secure: bool,
    pub(crate) http_only: bool,
    pub(crate) same_site: Option<String>,
    pub(crate) partitioned: bool,
}

fn trim(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// Whether `c` is a control character other than HTAB.
pub(crate) fn is_forbidden_control(c: char) -> bool {
    (c.is_ascii_control() && c != '\t') || c == '\u{7f}'
}

/// Parses one `Set-Cookie` value.
pub(crate) fn parse(line: &str) -> Result<ParsedCookie, Exclusion> {
    // Chromium truncates the line at the first NUL, CR or LF and rejects it when another
    // control character (HTAB aside) remains.
    let line = line
        .find(['\0', '\r', '\n'])
        .and_then(|end| line.get(..end))
        .unwrap_or(line);
    if line.chars().any(is_forbidden_control) {
        return Err(Exclusion::DisallowedCharacter);
    }
    let mut pairs = line.split(';');
    let first = pairs.next().unwrap_or("");
    let (name, value) = match first.split_once('=') {
        Some((name, value)) => (trim(name), trim(value)),
        // A pair without `=` is a nameless cookie whose value is the whole pair.
        None => ("", trim(first)),
    };
    if name.is_empty() && value.is_empty() {
        return Err(Exclusion::NoCookieContent);
    }
    // A nameless cookie is sent as its bare value, so a value with `=` would be read back as
    // a named cookie: Chromium 156 drops `=a=bar` (recorded with the http-state cases).
    if name.is_empty() && value.contains('=') {
        return Err(Exclusion::DisallowedCharacter);
    }
    if name.len().saturating_add(value.len()) > MAX_NAME_VALUE {
        return Err(Exclusion::NameValueTooLarge);
    }
    let mut cookie = ParsedCookie {
        name: name.to_owned(),
        value: value.to_owned(),
        ..ParsedCookie::default()
    };
    for pair in pairs.take(MAX_PAIRS - 1) {
        let (key, value) = match pair.split_once('=') {
            Some((key, value)) => (trim(key), trim(value)),
            None => (trim(pair), ""),
        };
        if value.len() > MAX_ATTRIBUTE_VALUE {
            continue;
        }
        // The last occurrence of an attribute wins.
        if key.eq_ignore_ascii_case("domain") {
            // Chromium skips `Domain=.`; any other value, empty included, replaces the
            // earlier ones (an empty one makes a host cookie).
            if value != "." {
                cookie.domain = Some(value.to_owned());
            }
        } else if key.eq_ignore_ascii_case("path") {
            cookie.path = Some(value.to_owned());
        } else if key.eq_ignore_ascii_case("expires") {
            cookie.expires = Some(value.to_owned());
        } else if key.eq_ignore_ascii_case("max-age") {
            cookie.max_age = Some(value.to_owned());
        } else if key.eq_ignore_ascii_case("secure") {
            cookie.secure = true;
        } else if key.eq_ignore_ascii_case("httponly") {
            cookie.http_only = true;
        } else if key.eq_ignore_ascii_case("samesite") {
            cookie.same_site = Some(value.to_owned());
        } else if key.eq_ignore_ascii_case("partitioned") {
            cookie.partitioned = true;
        }
    }
    Ok(cookie)
}

/// Parses `Max-Age` as Chromium does: an optional `-` and digits; anything else ignores the
/// attribute. Returns seconds, saturated.
pub(crate) fn parse_max_age(value: &str) -> Option<i64> {
    let (negative, digits) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude = digits.parse::<i64>().unwrap_or(i64::MAX);
    Some(if negative { -magnitude } else { magnitude })
}
