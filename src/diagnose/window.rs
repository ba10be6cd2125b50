//! The time window `diagnose` looks at: the last hour by default, ten minutes
//! either side of `--at`, or `--since`/`--until`. The operator's times are in
//! their own zone unless they carry an offset; the window is two instants,
//! compared with each line's instant (`logs::timeline`).

use crate::log_files::timeline::parse_since;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

/// How far either side of `--at` the window reaches.
pub const AROUND_MINUTES: i64 = 10;
/// The window without `--at` or `--since`.
pub const DEFAULT_HOURS: i64 = 1;

/// The window as the operator asked for it: `--at`, `--since`, `--until`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Asked {
    pub at: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
}

/// A closed time window, and the operator's zone it is shown in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Window {
    pub since: Timestamp,
    pub until: Timestamp,
    /// The `--at` time the window was built around, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
    #[serde(skip)]
    pub zone: TimeZone,
}

impl Window {
    pub fn contains(&self, time: Timestamp) -> bool {
        self.since <= time && time <= self.until
    }

    /// A time of the window as the operator reads it (`2025-09-18 16:14:31`),
    /// and as `logs grep --since` takes it back.
    pub fn local(&self, time: Timestamp) -> String {
        time.to_zoned(self.zone.clone())
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string()
    }

    /// The window's start as `logs grep --since` takes it (`2025-09-18 16:14:31`).
    pub fn since_argument(&self) -> String {
        self.local(self.since)
    }
}

fn shifted(time: Timestamp, minutes: i64) -> Result<Timestamp, String> {
    time.checked_add(jiff::SignedDuration::from_mins(minutes))
        .map_err(|error| error.to_string())
}

/// The window of `--at` / `--since` / `--until` (each a time or a duration
/// back from `now`, in `now`'s zone); an empty or reversed window is a usage
/// error.
pub fn window(
    at: Option<&str>,
    since: Option<&str>,
    until: Option<&str>,
    now: &jiff::Zoned,
) -> Result<Window, String> {
    let parse = |flag: &str, text: &str| {
        parse_since(text, now).map_err(|error| error.replace("--since", flag))
    };
    let zone = now.time_zone().clone();
    let window = match (at, since) {
        (Some(_), Some(_)) => return Err("--at and --since cannot be used together".into()),
        (Some(at), None) => {
            let at = parse("--at", at)?;
            Window {
                since: shifted(at, -AROUND_MINUTES)?,
                until: shifted(at, AROUND_MINUTES)?,
                at: Some(at),
                zone,
            }
        }
        (None, since) => {
            let until = match until {
                Some(text) => parse("--until", text)?,
                None => now.timestamp(),
            };
            let since = match since {
                Some(text) => parse("--since", text)?,
                None => shifted(until, -DEFAULT_HOURS * 60)?,
            };
            Window {
                since,
                until,
                at: None,
                zone,
            }
        }
    };
    if at.is_some() && until.is_some() {
        return Err("--at and --until cannot be used together".into());
    }
    if window.since > window.until {
        return Err(format!(
            "the window is empty: --since {} is after --until {}",
            window.since_argument(),
            window.local(window.until)
        ));
    }
    Ok(window)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> jiff::Zoned {
        "2025-09-18T17:00:00+00:00[UTC]".parse().unwrap()
    }

    fn instant(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn the_default_is_the_last_hour() {
        let window = window(None, None, None, &now()).unwrap();
        assert_eq!(window.since, instant("2025-09-18T16:00:00Z"));
        assert_eq!(window.until, instant("2025-09-18T17:00:00Z"));
    }

    #[test]
    fn at_is_ten_minutes_either_side() {
        let window = window(Some("2025-09-18 16:24:31"), None, None, &now()).unwrap();
        assert_eq!(window.since, instant("2025-09-18T16:14:31Z"));
        assert_eq!(window.until, instant("2025-09-18T16:34:31Z"));
        assert!(window.contains(instant("2025-09-18T16:24:31.123Z")));
        assert!(!window.contains(instant("2025-09-18T16:34:31.5Z")));
        assert_eq!(window.since_argument(), "2025-09-18 16:14:31");
    }

    #[test]
    fn times_are_the_operators_unless_they_carry_an_offset() {
        let shanghai: jiff::Zoned = "2026-12-04T19:00:00+08:00[Asia/Shanghai]".parse().unwrap();
        let window = window(Some("2026-12-04 18:00:30"), None, None, &shanghai).unwrap();
        assert_eq!(window.at, Some(instant("2026-12-04T10:00:30Z")));
        assert_eq!(window.since_argument(), "2026-12-04 17:50:30");
        let marked = super::window(Some("2026-12-04T10:00:30Z"), None, None, &shanghai).unwrap();
        assert_eq!(marked, window);
    }

    #[test]
    fn since_and_until_take_times_and_durations() {
        let window = window(None, Some("2h"), Some("30m"), &now()).unwrap();
        assert_eq!(window.since, instant("2025-09-18T15:00:00Z"));
        assert_eq!(window.until, instant("2025-09-18T16:30:00Z"));
    }

    #[test]
    fn bad_windows_are_refused() {
        assert!(window(None, Some("yesterday"), None, &now()).is_err());
        assert!(window(None, Some("2025-13-45"), None, &now()).is_err());
        assert!(window(Some("1h"), Some("2h"), None, &now()).is_err());
        assert!(window(Some("1h"), None, Some("2h"), &now()).is_err());
        let reversed = window(
            None,
            Some("2025-09-18 16:00"),
            Some("2025-09-18 15:00"),
            &now(),
        );
        assert_eq!(
            reversed.unwrap_err(),
            "the window is empty: --since 2025-09-18 16:00:00 is after --until 2025-09-18 15:00:00"
        );
        let message = window(Some("soon"), None, None, &now()).unwrap_err();
        assert!(message.contains("--at"), "{message}");
    }
}
