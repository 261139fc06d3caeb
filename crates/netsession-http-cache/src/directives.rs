//! `Cache-Control` (and request `Pragma`) as a list of directives.
//!
//! Directive names are case-insensitive (RFC 9111 section 5.2), so `No-CaChE` is `no-cache`;
//! every `Cache-Control` line counts, commas inside quoted values do not split, and the first
//! occurrence of a directive wins.

use http::HeaderMap;
use http::header::{CACHE_CONTROL, PRAGMA};

/// The directives of a request or a response.
#[derive(Clone, Debug, Default)]
pub(crate) struct Directives {
    items: Vec<(String, Option<String>)>,
}

impl Directives {
    /// A response's directives.
    pub(crate) fn response(headers: &HeaderMap) -> Self {
        let mut items = Vec::new();
        for value in headers.get_all(CACHE_CONTROL) {
            push_items(&mut items, &String::from_utf8_lossy(value.as_bytes()));
        }
        Self { items }
    }

    /// A request's directives; `Pragma: no-cache` counts as `no-cache` when there is no
    /// `Cache-Control`, as in Chromium and RFC 9111 section 5.4.
    pub(crate) fn request(headers: &HeaderMap) -> Self {
        let mut directives = Self::response(headers);
        if !headers.contains_key(CACHE_CONTROL) {
            let pragma_no_cache = headers.get_all(PRAGMA).iter().any(|value| {
                split_list(&String::from_utf8_lossy(value.as_bytes()))
                    .iter()
                    .any(|item| item.eq_ignore_ascii_case("no-cache"))
            });
            if pragma_no_cache {
                directives.items.push(("no-cache".to_owned(), None));
            }
        }
        directives
    }

    /// Whether the directive is present.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.items.iter().any(|(n, _)| n == name)
    }

    /// The first occurrence's value as delta-seconds. A present directive with a value that is
    /// not a non-negative integer reads as 0 (RFC 9111 section 1.2.2 says to treat it as
    /// stale); a value too large to represent saturates.
    pub(crate) fn seconds(&self, name: &str) -> Option<u64> {
        let (_, value) = self.items.iter().find(|(n, _)| n == name)?;
        Some(value.as_deref().map_or(0, delta_seconds))
    }

    /// `max-stale`: a bare directive accepts any staleness.
    pub(crate) fn max_stale(&self) -> Option<u64> {
        let (_, value) = self.items.iter().find(|(n, _)| n == "max-stale")?;
        Some(value.as_deref().map_or(u64::MAX, delta_seconds))
    }
}

/// Parses delta-seconds (RFC 9111 section 1.2.2), saturating; anything else reads as 0.
pub(crate) fn delta_seconds(text: &str) -> u64 {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    text.bytes().fold(0u64, |acc, digit| {
        acc.saturating_mul(10)
            .saturating_add(u64::from(digit - b'0'))
    })
}

/// Splits a comma-separated list, keeping commas inside quoted strings, trimming items and
/// dropping empty ones.
pub(crate) fn split_list(text: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    let mut escaped = false;
    for (index, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == ',' && !quoted {
            items.push(text.get(start..index).unwrap_or_default());
            start = index + 1;
        }
    }
    items.push(text.get(start..).unwrap_or_default());
    items
        .into_iter()
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .collect()
}

fn push_items(items: &mut Vec<(String, Option<String>)>, text: &str) {
    for item in split_list(text) {
        let (name, value) = match item.split_once('=') {
            Some((name, value)) => {
                let value = value.trim();
                let value = value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(value);
                (name.trim(), Some(value.to_owned()))
            }
            None => (item, None),
        };
        items.push((name.to_ascii_lowercase(), value));
    }
}
