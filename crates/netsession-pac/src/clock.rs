//! The current time for `weekdayRange`, `dateRange`, `timeRange` and the script's `Date`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Tells the script what time it is, and in which time zone.
///
/// The engine reads the clock for every `new Date()`, `Date.now()` and local-time getter or
/// setter, so the time helpers and any `Date` use in the script see the same time.
///
/// # Examples
///
/// "What would this PAC say on Saturday 2024-06-01 at 09:00 in UTC+2?"
///
/// ```
/// use netsession_pac::{FixedClock, PacScript};
///
/// let clock = FixedClock::from_local(2024, 6, 1, 9, 0, 0, 2 * 3600).unwrap();
/// let script = PacScript::builder(
///     "function FindProxyForURL(u, h) {
///          return weekdayRange('MON', 'FRI') ? 'PROXY work:8080' : 'DIRECT';
///      }",
/// )
/// .clock(clock)
/// .build()?;
/// let url = url::Url::parse("http://example.com/")?;
/// assert_eq!(script.find_proxy(&url)?.to_string(), "DIRECT");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> SystemTime;

    /// The local time zone's offset from UTC in seconds east of Greenwich (UTC+2 is `7200`),
    /// or `None` to use the process's own time zone rules (the C library's `localtime`),
    /// which is what [`SystemClock`] does.
    fn utc_offset(&self) -> Option<i32>;
}

impl<T: Clock + ?Sized> Clock for std::sync::Arc<T> {
    fn now(&self) -> SystemTime {
        (**self).now()
    }

    fn utc_offset(&self) -> Option<i32> {
        (**self).utc_offset()
    }
}

/// The system clock and the process's time zone. This is the default.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct SystemClock;

impl SystemClock {
    /// The system clock.
    pub fn new() -> Self {
        Self
    }
}

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    fn utc_offset(&self) -> Option<i32> {
        None
    }
}

/// A clock stopped at one instant, in a time zone with a fixed offset from UTC.
///
/// # Examples
///
/// ```
/// use netsession_pac::FixedClock;
///
/// let clock = FixedClock::from_local(2009, 3, 3, 0, 0, 0, 0).unwrap();
/// assert_eq!(clock.unix_millis(), 1_236_038_400_000);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FixedClock {
    unix_millis: i64,
    utc_offset: i32,
}

impl FixedClock {
    /// The instant `unix_millis` milliseconds after 1970-01-01T00:00:00Z, seen from a time zone
    /// `utc_offset` seconds east of UTC.
    pub fn from_unix_millis(unix_millis: i64, utc_offset: i32) -> Self {
        Self {
            unix_millis,
            utc_offset,
        }
    }

    /// The instant whose local wall-clock time is the given date and time (month and day
    /// 1-based) in a time zone `utc_offset` seconds east of UTC.
    ///
    /// Returns `None` for an impossible date or time (February 30, hour 24, ...).
    pub fn from_local(
        year: i32,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
        utc_offset: i32,
    ) -> Option<Self> {
        if !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return None;
        }
        let days =
            netsession_httpdate::days_from_civil(i64::from(year), i64::from(month), i64::from(day));
        let seconds =
            days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second)
                - i64::from(utc_offset);
        Some(Self::from_unix_millis(seconds * 1000, utc_offset))
    }

    /// Milliseconds since 1970-01-01T00:00:00Z.
    pub fn unix_millis(&self) -> i64 {
        self.unix_millis
    }
}

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        let magnitude = Duration::from_millis(self.unix_millis.unsigned_abs());
        if self.unix_millis >= 0 {
            UNIX_EPOCH.checked_add(magnitude).unwrap_or(UNIX_EPOCH)
        } else {
            UNIX_EPOCH.checked_sub(magnitude).unwrap_or(UNIX_EPOCH)
        }
    }

    fn utc_offset(&self) -> Option<i32> {
        Some(self.utc_offset)
    }
}

/// Milliseconds since the epoch of `time`, as JavaScript's `Date.now()` counts them.
pub(crate) fn unix_millis(time: SystemTime) -> f64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_millis() as f64,
        Err(before) => -(before.duration().as_millis() as f64),
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}
