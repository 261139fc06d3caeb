//! HTTP dates (RFC 9110 §5.6.7: IMF-fixdate, RFC 850 and asctime), only as far as the
//! strong-validator rule needs them, and the timestamp Chromium puts in a unique name.

/// Seconds since the Unix epoch of an HTTP date, or `None` when it does not parse.
pub(crate) fn parse(input: &str) -> Option<i64> {
    let words: Vec<&str> = input
        .split([' ', ',', '-', ':'])
        .filter(|w| !w.is_empty())
        .collect();
    // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
    // RFC 850:     Sunday, 06-Nov-94 08:49:37 GMT
    // asctime:     Sun Nov  6 08:49:37 1994
    let (day, month, year, h, m, s) = match words.as_slice() {
        [_, day, month, year, h, m, s, "GMT"] => (*day, *month, *year, *h, *m, *s),
        [_, month, day, h, m, s, year] => (*day, *month, *year, *h, *m, *s),
        _ => return None,
    };
    let day: i64 = parse_number(day, 2)?;
    let month = month_number(month)?;
    let mut year: i64 = parse_number(year, 4)?;
    if year < 100 {
        // RFC 9110: a two-digit year more than 50 years ahead is in the past century.
        year += if year < 70 { 2000 } else { 1900 };
    }
    let (h, m, s): (i64, i64, i64) = (
        parse_number(h, 2)?,
        parse_number(m, 2)?,
        parse_number(s, 2)?,
    );
    if !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s)
}

/// `(year, month, day, hour, minute, second)` of Unix time `secs`.
pub(crate) fn civil(secs: i64) -> (i64, i64, i64, i64, i64, i64) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, rem / 3600, rem % 3600 / 60, rem % 60)
}

fn parse_number(word: &str, max_digits: usize) -> Option<i64> {
    if word.is_empty() || word.len() > max_digits || !word.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    word.parse().ok()
}

fn month_number(name: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let position = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(name))?;
    i64::try_from(position).ok().map(|p| p + 1)
}

fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}
