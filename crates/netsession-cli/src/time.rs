//! RFC 3339 times for `--now`, without a date-time dependency.

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (`t` and a space also separate date and
/// time) into Unix milliseconds and the offset from UTC in seconds.
pub(crate) fn parse_rfc3339(text: &str) -> Option<(i64, i32)> {
    let text = text.trim();
    let number = |from: usize, len: usize| -> Option<i64> {
        let digits = text.get(from..from + len)?;
        digits
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| digits.parse().ok())?
    };
    let separators = text.as_bytes();
    let expect =
        |at: usize, allowed: &[u8]| separators.get(at).is_some_and(|b| allowed.contains(b));
    if !(expect(4, b"-")
        && expect(7, b"-")
        && expect(10, b"Tt ")
        && expect(13, b":")
        && expect(16, b":"))
    {
        return None;
    }
    let (year, month, day) = (number(0, 4)?, number(5, 2)?, number(8, 2)?);
    let (hour, minute, second) = (number(11, 2)?, number(14, 2)?, number(17, 2)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = text.get(19..)?;
    let mut millis = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let first_three = format!("{:0<3}", fraction.get(..digits.min(3))?);
        millis = first_three.parse::<i64>().ok()?;
        rest = fraction.get(digits..)?;
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.get(..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let (hours, minutes) = (rest.get(1..3)?, rest.get(4..6)?);
            if rest.len() != 6 || rest.get(3..4)? != ":" {
                return None;
            }
            let hours: i32 = hours.parse().ok().filter(|h| *h <= 23)?;
            let minutes: i32 = minutes.parse().ok().filter(|m| *m <= 59)?;
            sign * (hours * 3600 + minutes * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    let local = days * 86_400 + hour * 3600 + minute * 60 + second;
    Some(((local - i64::from(offset)) * 1000 + millis, offset))
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::parse_rfc3339;

    #[test]
    fn parses_rfc3339() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some((0, 0)));
        assert_eq!(
            parse_rfc3339("2009-03-03T12:00:00.5Z"),
            Some((1_236_081_600_500, 0))
        );
        assert_eq!(
            parse_rfc3339("2026-11-28T09:00:00+01:00"),
            Some((1_795_852_800_000, 3600))
        );
        assert_eq!(
            parse_rfc3339("2024-02-29 23:59:59-05:30"),
            Some((1_709_270_999_000, -19_800))
        );
        for bad in [
            "2023-02-29T00:00:00Z",
            "2026-11-28",
            "2026-11-28T25:00:00Z",
            "2026-11-28T09:00:00",
            "x",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
