//! HTTP dates (RFC 9110 §5.6.7: IMF-fixdate, RFC 850 and asctime), only as far as the
//! strong-validator rule needs them, and the timestamp Chromium puts in a unique name.

/// Seconds since the Unix epoch of an HTTP date (Chromium's lenient reading, shared with
/// the cache through `netsession-httpdate`), or `None` when it does not parse.
pub(crate) fn parse(input: &str) -> Option<i64> {
    let time = netsession_httpdate::parse_http_date(input)?;
    let seconds = time.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    i64::try_from(seconds).ok()
}

/// `(year, month, day, hour, minute, second)` of Unix time `secs`.
pub(crate) fn civil(secs: i64) -> (i64, i64, i64, i64, i64, i64) {
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = netsession_httpdate::civil_from_days(secs.div_euclid(86_400));
    (year, month, day, rem / 3600, rem % 3600 / 60, rem % 60)
}
