//! The time window `diagnose` looks at: the last hour by default, ten minutes
//! either side of `--at`, or `--since`/`--until`. Times are compared as the
//! sortable keys of `logs::timeline` (local time, as the logs are written).

use crate::ops::logs::timeline::parse_since;
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

/// A closed time window, as `YYYY-MM-DD HH:MM:SS.nnnnnnnnn` keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Window {
    pub since: String,
    pub until: String,
    /// The `--at` time the window was built around, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

impl Window {
    pub fn contains(&self, key: &str) -> bool {
        key >= self.since.as_str() && key <= self.until.as_str()
    }

    /// The window's start as `logs grep --since` takes it (`2025-09-18 16:14:31`).
    pub fn since_argument(&self) -> String {
        self.since.chars().take(19).collect()
    }
}

fn shifted(key: &str, minutes: i64) -> Result<String, String> {
    let civil: jiff::civil::DateTime = key
        .get(..19)
        .unwrap_or(key)
        .replace(' ', "T")
        .parse()
        .map_err(|error| format!("{key:?}: {error}"))?;
    let moved = civil
        .checked_add(jiff::SignedDuration::from_mins(minutes))
        .map_err(|error| error.to_string())?;
    Ok(format!(
        "{}.{}",
        moved.strftime("%Y-%m-%d %H:%M:%S"),
        &key[20..]
    ))
}

/// The window of `--at` / `--since` / `--until` (each a time or a duration
/// back from `now`); an empty or reversed window is a usage error.
pub fn window(
    at: Option<&str>,
    since: Option<&str>,
    until: Option<&str>,
    now: &jiff::Zoned,
) -> Result<Window, String> {
    let now_key = now.strftime("%Y-%m-%d %H:%M:%S.000000000").to_string();
    let parse = |flag: &str, text: &str| {
        parse_since(text, now.clone()).map_err(|error| error.replace("--since", flag))
    };
    let window = match (at, since) {
        (Some(_), Some(_)) => return Err("--at and --since cannot be used together".into()),
        (Some(at), None) => {
            let at = parse("--at", at)?;
            Window {
                since: shifted(&at, -AROUND_MINUTES)?,
                until: shifted(&at, AROUND_MINUTES)?,
                at: Some(at),
            }
        }
        (None, since) => {
            let until = match until {
                Some(text) => parse("--until", text)?,
                None => now_key.clone(),
            };
            let since = match since {
                Some(text) => parse("--since", text)?,
                None => shifted(&until, -DEFAULT_HOURS * 60)?,
            };
            Window {
                since,
                until,
                at: None,
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
            &window.until[..19]
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

    #[test]
    fn the_default_is_the_last_hour() {
        let window = window(None, None, None, &now()).unwrap();
        assert_eq!(window.since, "2025-09-18 16:00:00.000000000");
        assert_eq!(window.until, "2025-09-18 17:00:00.000000000");
    }

    #[test]
    fn at_is_ten_minutes_either_side() {
        let window = window(Some("2025-09-18 16:24:31"), None, None, &now()).unwrap();
        assert_eq!(window.since, "2025-09-18 16:14:31.000000000");
        assert_eq!(window.until, "2025-09-18 16:34:31.000000000");
        assert!(window.contains("2025-09-18 16:24:31.123000000"));
        assert!(!window.contains("2025-09-18 16:34:31.500000000"));
        assert_eq!(window.since_argument(), "2025-09-18 16:14:31");
    }

    #[test]
    fn since_and_until_take_times_and_durations() {
        let window = window(None, Some("2h"), Some("30m"), &now()).unwrap();
        assert_eq!(window.since, "2025-09-18 15:00:00.000000000");
        assert_eq!(window.until, "2025-09-18 16:30:00.000000000");
    }

    #[test]
    fn bad_windows_are_refused() {
        assert!(window(None, Some("yesterday"), None, &now()).is_err());
        assert!(window(Some("1h"), Some("2h"), None, &now()).is_err());
        assert!(window(Some("1h"), None, Some("2h"), &now()).is_err());
        let reversed = window(
            None,
            Some("2025-09-18 16:00"),
            Some("2025-09-18 15:00"),
            &now(),
        );
        assert!(reversed.unwrap_err().contains("empty"));
        let message = window(Some("soon"), None, None, &now()).unwrap_err();
        assert!(message.contains("--at"), "{message}");
    }
}
