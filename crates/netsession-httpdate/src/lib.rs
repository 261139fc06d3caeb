//! HTTP dates and the calendar arithmetic under them, shared by the netsession crates.
//!
//! Parsing is as lenient as Chromium's `base::Time::FromString` for HTTP headers:
//! IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`)
//! and asctime (`Sun Nov  6 08:49:37 1994`) are accepted, and so are the malformed variants
//! browsers accept (extra spaces, a missing or wrong weekday, a missing zone, a numeric zone
//! offset). Printing is always IMF-fixdate. The civil-date functions are Howard Hinnant's
//! proleptic Gregorian algorithms, exact for every `i64` day count a date can have.
//!
//! No input makes these functions panic; parsing is linear in the input.
//!
//! # Example
//!
//! ```
//! use netsession_httpdate::{civil_from_days, days_from_civil, parse_http_date};
//!
//! assert_eq!(days_from_civil(2000, 3, 1), 11_017);
//! assert_eq!(civil_from_days(11_017), (2000, 3, 1));
//! assert!(parse_http_date("Sat, 28 Nov 2026 09:00:00 GMT").is_some());
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
/// Weekday names from the Unix epoch, a Thursday.
const DAY_NAMES: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// Parses an HTTP date in any of its three forms (and the malformed variants browsers
/// accept). Dates before 1970 come back as the Unix epoch.
///
/// # Examples
///
/// ```
/// use netsession_httpdate::{format_http_date, parse_http_date};
///
/// let imf = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT");
/// assert_eq!(imf, parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"));
/// assert_eq!(imf, parse_http_date("Sun Nov  6 08:49:37 1994"));
/// assert_eq!(format_http_date(imf.unwrap()), "Sun, 06 Nov 1994 08:49:37 GMT");
/// assert_eq!(parse_http_date("0"), None);
/// ```
pub fn parse_http_date(text: &str) -> Option<SystemTime> {
    let mut day = None;
    let mut month = None;
    let mut year: Option<(i64, usize)> = None;
    let mut time = None;
    let mut offset: i64 = 0;
    for token in text
        .split(|c: char| c.is_ascii_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
    {
        let lower = token.to_ascii_lowercase();
        if lower.contains(':') {
            time = Some(parse_time(&lower)?);
        } else if let Some(rest) = lower.strip_prefix(['+', '-']).filter(|r| is_digits(r)) {
            // A numeric zone, `+0100` or `-0800`.
            if rest.len() != 4 {
                return None;
            }
            let value: i64 = rest.parse().ok()?;
            let seconds = (value / 100) * 3600 + (value % 100) * 60;
            offset = if lower.starts_with('-') {
                -seconds
            } else {
                seconds
            };
        } else if lower.contains('-') {
            // RFC 850: `06-Nov-94`.
            let mut parts = lower.split('-');
            let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
            if parts.next().is_some() {
                return None;
            }
            day = Some(parse_number(d)?);
            month = Some(month_index(m)?);
            year = Some((parse_number(y)?, y.len()));
        } else if is_digits(&lower) {
            let value = parse_number(&lower)?;
            if day.is_none() && lower.len() <= 2 {
                day = Some(value);
            } else {
                year = Some((value, lower.len()));
            }
        } else if let Some(m) = month_index(&lower) {
            month = Some(m);
        } else if WEEKDAYS.iter().any(|w| lower.starts_with(w))
            || matches!(lower.as_str(), "gmt" | "utc" | "ut" | "z")
        {
        } else {
            return None;
        }
    }
    let (day, month) = (day?, month?);
    let (year, digits) = year?;
    let year = match (year, digits) {
        (y, 1 | 2) if y < 70 => y + 2000,
        (y, 1 | 2) => y + 1900,
        (y, _) => y,
    };
    let (hour, minute, second) = time.unwrap_or((0, 0, 0));
    if !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 || year > 9999 {
        return None;
    }
    let days = days_from_civil(year, month + 1, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second.min(59) - offset;
    let seconds = u64::try_from(seconds).unwrap_or(0);
    UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
}

/// Prints `time` as an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), whole seconds; times
/// before 1970 print as the epoch and times after 9999 as its last second.
pub fn format_http_date(time: SystemTime) -> String {
    let seconds = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        .min(253_402_300_799);
    format_unix_seconds(i64::try_from(seconds).unwrap_or(0))
}

/// Prints seconds since the Unix epoch (negative before it) as an IMF-fixdate.
///
/// # Examples
///
/// ```
/// assert_eq!(netsession_httpdate::format_unix_seconds(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
/// assert_eq!(netsession_httpdate::format_unix_seconds(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
/// ```
pub fn format_unix_seconds(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let weekday = usize::try_from(days.rem_euclid(7))
        .ok()
        .and_then(|d| DAY_NAMES.get(d))
        .copied();
    let month = usize::try_from(month - 1)
        .ok()
        .and_then(|m| MONTH_NAMES.get(m))
        .copied();
    format!(
        "{}, {day:02} {} {year:04} {:02}:{:02}:{:02} GMT",
        weekday.unwrap_or("Thu"),
        month.unwrap_or("Jan"),
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Days since 1970-01-01 of a proleptic Gregorian date (month and day 1-based; Howard
/// Hinnant's `days_from_civil`).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`]: `(year, month 1-12, day 1-31)`.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

fn parse_number(text: &str) -> Option<i64> {
    if !is_digits(text) || text.len() > 4 {
        return None;
    }
    text.parse().ok()
}

fn month_index(text: &str) -> Option<i64> {
    let prefix = text.get(..3)?;
    let index = MONTHS.iter().position(|m| *m == prefix)?;
    i64::try_from(index).ok()
}

fn parse_time(text: &str) -> Option<(i64, i64, i64)> {
    let mut parts = text.split(':');
    let hour = parse_number(parts.next()?)?;
    let minute = parse_number(parts.next()?)?;
    let second = match parts.next() {
        Some(s) => parse_number(s)?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    Some((hour, minute, second))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trips() {
        for days in (-800_000..800_000).step_by(97) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(1969, 12, 31), -1);
    }

    #[test]
    fn formats_and_parses() {
        let time = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(
            format_http_date(time.unwrap_or(UNIX_EPOCH)),
            "Sun, 06 Nov 1994 08:49:37 GMT"
        );
        assert_eq!(
            format_http_date(UNIX_EPOCH),
            "Thu, 01 Jan 1970 00:00:00 GMT"
        );
        assert_eq!(parse_http_date("yesterday"), None);
    }
}
