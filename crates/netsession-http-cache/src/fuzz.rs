//! Invariant checks for fuzz targets (`http_cache_date`, `http_cache_entry`): each takes
//! arbitrary bytes and panics only if an invariant breaks.

use crate::date::{format_http_date, parse_http_date};
use crate::directives::Directives;
use crate::meta::{EntryHeader, Meta};

/// Date parsing never panics, and a parsed date prints as an IMF-fixdate that parses back
/// to the same instant.
pub fn http_date(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(time) = parse_http_date(text) {
        let printed = format_http_date(time);
        assert_eq!(
            parse_http_date(&printed),
            Some(time),
            "{text:?} -> {printed}"
        );
    }
}

/// Decoding entry headers and metadata never panics, and decoded metadata survives an
/// encode/decode round trip; directive parsing never panics.
pub fn entry(data: &[u8]) {
    let _ = EntryHeader::decode(data);
    if let Some(meta) = Meta::decode(data) {
        let encoded = meta.encode();
        let again = Meta::decode(&encoded).map(|m| m.encode());
        assert_eq!(again.as_deref(), Some(encoded.as_slice()));
        let _ = Directives::response(&meta.headers).seconds("max-age");
    }
}
