//! RFC 3339 times for `--now`, without a date-time dependency.

use netsession_pac::FixedClock;

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (`t` and a space also separate date and
/// time) into a clock frozen at that instant, whose local time zone is the given offset.
pub(crate) fn parse_rfc3339(text: &str) -> Option<FixedClock> {
    let text = text.trim();
    let number = |from: usize, len: usize| -> Option<u32> {
        let digits = text.get(from..from + len)?;
        digits
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| digits.parse().ok())?
    };
    let bytes = text.as_bytes();
    let at = |i: usize, allowed: &[u8]| bytes.get(i).is_some_and(|b| allowed.contains(b));
    if !(at(4, b"-") && at(7, b"-") && at(10, b"Tt ") && at(13, b":") && at(16, b":")) {
        return None;
    }
    let year = i32::try_from(number(0, 4)?).ok()?;
    let (month, day) = (number(5, 2)?, number(8, 2)?);
    let (hour, minute) = (number(11, 2)?, number(14, 2)?);
    // A leap second (:60) is read as :59.
    let second = number(17, 2)?.min(59);
    let mut rest = text.get(19..)?;
    let mut millis = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        millis = format!("{:0<3}", fraction.get(..digits.min(3))?)
            .parse()
            .ok()?;
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
            if rest.len() != 6 || rest.get(3..4)? != ":" {
                return None;
            }
            let hours: i32 = rest.get(1..3)?.parse().ok().filter(|h| *h <= 23)?;
            let minutes: i32 = rest.get(4..6)?.parse().ok().filter(|m| *m <= 59)?;
            sign * (hours * 3600 + minutes * 60)
        }
    };
    let whole = FixedClock::from_local(year, month, day, hour, minute, second, offset)?;
    Some(FixedClock::from_unix_millis(
        whole.unix_millis() + millis,
        offset,
    ))
}

#[cfg(test)]
mod tests {
    use netsession_pac::Clock;

    use super::parse_rfc3339;

    fn parts(text: &str) -> Option<(i64, Option<i32>)> {
        parse_rfc3339(text).map(|clock| (clock.unix_millis(), clock.utc_offset()))
    }

    #[test]
    fn parses_rfc3339() {
        assert_eq!(parts("1970-01-01T00:00:00Z"), Some((0, Some(0))));
        assert_eq!(
            parts("2009-03-03T12:00:00.5Z"),
            Some((1_236_081_600_500, Some(0)))
        );
        assert_eq!(
            parts("2026-11-28T09:00:00+01:00"),
            Some((1_795_852_800_000, Some(3600)))
        );
        assert_eq!(
            parts("2024-02-29 23:59:59-05:30"),
            Some((1_709_270_999_000, Some(-19_800)))
        );
        for bad in [
            "2023-02-29T00:00:00Z",
            "2026-11-28",
            "2026-11-28T25:00:00Z",
            "2026-11-28T09:00:00",
            "x",
        ] {
            assert_eq!(parts(bad), None, "{bad}");
        }
    }
}
