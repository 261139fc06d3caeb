//! HTTP dates (RFC 9110 section 5.6.7): all three forms parsed, IMF-fixdate printed, as
//! `netsession-httpdate` does it (shared with the cookie jar, downloads and PAC crates).
//!
//! Unparsable dates are `None`, which the freshness rules treat as a date in the past.

pub use netsession_httpdate::{format_http_date, parse_http_date};
