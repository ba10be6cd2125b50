//! Times at the start of log lines, as absolute instants, so lines from
//! several services (some writing UTC, some local time) merge into one true
//! timeline, and `--since` / `--until` / `--at` compare with them. The one
//! parser of a line's time: it finds the forms the product's logs use —
//! `2025-09-18 16:24:31.123`, `2025-09-18T16:24:31Z`, `2025-09-18
//! 16:24:31,123` (Python logging), `2026-12-04T18:00:10+0800` (journal),
//! optionally in `[...]` — and jiff reads them, so `2025-13-45` is no time.
//! A time with an offset (`Z`, `±hh:mm`, `±hhmm`) is that instant; one without
//! is read in its writer's zone.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::fmt::temporal::DateTimeParser;
use jiff::tz::TimeZone;

static PARSER: DateTimeParser = DateTimeParser::new();

/// How far into a line its time may start.
const TIME_START_WITHIN: usize = 40;
/// The most fractional digits jiff reads (nanoseconds).
const MAX_FRACTION_DIGITS: usize = 9;

/// The time at the start of a line as written: its date and time (with any
/// fraction), and its offset if it carries one.
struct Written<'a> {
    date_time: &'a [u8],
    offset: Option<&'a [u8]>,
}

impl Written<'_> {
    /// The time with its offset, as jiff reads a timestamp.
    fn with_offset(&self, offset: &[u8]) -> Vec<u8> {
        let mut text = Vec::with_capacity(self.date_time.len() + offset.len());
        text.extend_from_slice(self.date_time);
        text.extend_from_slice(offset);
        text
    }
}

/// Whether `text` starts with `YYYY-MM-DD HH:MM:SS` (or `T` between): where a
/// time may be; jiff decides whether it is one.
fn has_time_shape(text: &[u8]) -> bool {
    const SHAPE: &[u8; 19] = b"0000-00-00 00:00:00";
    text.len() >= SHAPE.len()
        && SHAPE
            .iter()
            .zip(text)
            .enumerate()
            .all(|(index, (wanted, byte))| match wanted {
                b'0' => byte.is_ascii_digit(),
                b' ' if index == 10 => matches!(byte, b' ' | b'T'),
                _ => byte == wanted,
            })
}

/// The length of an offset at the start of `text`: `Z`, `±hh:mm` or `±hhmm`,
/// not followed by another digit.
fn offset_length(text: &[u8]) -> Option<usize> {
    let digits = |range: std::ops::Range<usize>| {
        text.get(range)
            .is_some_and(|part| part.iter().all(u8::is_ascii_digit))
    };
    let length = match text.first()? {
        b'Z' | b'z' => 1,
        b'+' | b'-' if digits(1..3) && text.get(3) == Some(&b':') && digits(4..6) => 6,
        b'+' | b'-' if digits(1..5) => 5,
        _ => return None,
    };
    let followed_by_digit = text.get(length).is_some_and(u8::is_ascii_digit);
    (!followed_by_digit).then_some(length)
}

fn written(line: &[u8]) -> Option<Written<'_>> {
    let window = &line[..line.len().min(TIME_START_WITHIN)];
    let start = window.iter().position(u8::is_ascii_digit)?;
    let text = &line[start..];
    if !has_time_shape(text) {
        return None;
    }
    let digits = if matches!(text.get(19), Some(b'.' | b',')) {
        text[20..]
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count()
    } else {
        0
    };
    // Digits beyond nanoseconds are dropped; an offset may follow them all.
    let (end, after) = if digits > 0 {
        (20 + digits.min(MAX_FRACTION_DIGITS), 20 + digits)
    } else {
        (19, 19)
    };
    Some(Written {
        date_time: &text[..end],
        offset: offset_length(&text[after..]).map(|length| &text[after..after + length]),
    })
}

/// The instant of a line's leading time, if it has one within its first 40
/// bytes: at its offset when it carries one, else read in `zone`, the zone
/// its writer writes in.
pub fn line_time(line: &[u8], zone: &TimeZone) -> Option<Timestamp> {
    let found = written(line)?;
    match found.offset {
        Some(offset) => PARSER.parse_timestamp(found.with_offset(offset)).ok(),
        None => {
            let civil: DateTime = PARSER.parse_datetime(found.date_time).ok()?;
            zone.to_ambiguous_timestamp(civil).compatible().ok()
        }
    }
}

/// A time as the operator reads it: in their zone, to the millisecond
/// (`2025-09-18 16:24:31.123`).
pub fn local_text(time: Timestamp, zone: &TimeZone) -> String {
    time.to_zoned(zone.clone())
        .strftime("%Y-%m-%d %H:%M:%S%.3f")
        .to_string()
}

/// Parses `--since` (and `--until`, `--at`): a duration back from now (`30m`,
/// `2h`, `1d`, `90s`) or a time (`2025-09-18 16:00`, `2025-09-18T16:00:00`,
/// `2025-09-18`), in the operator's zone (`now`'s) unless it carries an
/// offset (`2025-09-18T08:00:00Z`, `2025-09-18 16:00+08:00`).
pub fn parse_since(text: &str, now: &jiff::Zoned) -> Result<Timestamp, String> {
    let text = text.trim();
    let relative = text
        .strip_suffix('d')
        .map(|number| (number, 86_400))
        .or_else(|| text.strip_suffix('h').map(|number| (number, 3600)))
        .or_else(|| text.strip_suffix('m').map(|number| (number, 60)))
        .or_else(|| text.strip_suffix('s').map(|number| (number, 1)));
    if let Some((number, unit)) = relative
        && let Ok(count) = number.parse::<i64>()
    {
        return now
            .timestamp()
            .checked_sub(jiff::SignedDuration::from_secs(count.saturating_mul(unit)))
            .map_err(|error| format!("--since {text:?}: {error}"));
    }
    let padded = match text.len() {
        10 => format!("{text} 00:00:00"),
        16 => format!("{text}:00"),
        _ => match text.get(16..) {
            // `2025-09-18 16:00+08:00`: seconds go before the offset.
            Some(rest) if offset_length(rest.as_bytes()) == Some(rest.len()) => {
                format!("{}:00{rest}", &text[..16])
            }
            _ => text.to_string(),
        },
    };
    let refused = || {
        format!(
            "--since {text:?} is neither a duration (30m, 2h, 1d) nor a time (2025-09-18 16:00)"
        )
    };
    if !whole_time(&padded) {
        return Err(refused());
    }
    // A whole time starts the text: its first 19 bytes are ASCII.
    match PARSER.parse_datetime(&padded[..19]) {
        Ok(_) => line_time(padded.as_bytes(), now.time_zone()).ok_or_else(refused),
        Err(error) => Err(format!("--since {text:?} is not a valid time: {error}")),
    }
}

/// Whether all of `text` is its leading time (nothing follows it).
fn whole_time(text: &str) -> bool {
    written(text.as_bytes()).is_some_and(|found| {
        found.date_time.len() + found.offset.map_or(0, <[u8]>::len) == text.len()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shanghai() -> TimeZone {
        TimeZone::get("Asia/Shanghai").unwrap()
    }

    fn instant(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn the_product_timestamp_forms() {
        let utc = TimeZone::UTC;
        assert_eq!(
            line_time(b"2025-09-18 16:24:31.123 12 ERROR x", &utc),
            Some(instant("2025-09-18T16:24:31.123Z"))
        );
        assert_eq!(
            line_time(b"2025-09-18T16:24:31Z INFO", &shanghai()),
            Some(instant("2025-09-18T16:24:31Z"))
        );
        assert_eq!(
            line_time(b"[2025-09-18 16:24:31,5] x", &utc),
            Some(instant("2025-09-18T16:24:31.5Z"))
        );
        assert_eq!(line_time(b"Traceback (most recent call last):", &utc), None);
        assert_eq!(line_time(b"   at line 2025", &utc), None);
        assert_eq!(line_time(b"", &utc), None);
    }

    #[test]
    fn a_line_with_an_offset_is_that_instant_whatever_the_writers_zone() {
        for line in [
            "2026-12-04T10:00:30Z porter",
            "2026-12-04T10:00:30+00:00 porter",
            "2026-12-04 18:00:30+08:00 porter",
            "2026-12-04T18:00:30+0800 host s3block[12]: up",
            "[2026-12-04 05:00:30.000-0500] x",
        ] {
            assert_eq!(
                line_time(line.as_bytes(), &shanghai()),
                Some(instant("2026-12-04T10:00:30Z")),
                "{line}"
            );
        }
        // Without one, the writer's zone decides.
        assert_eq!(
            line_time(b"2026-12-04 18:00:10 INFO x", &shanghai()),
            Some(instant("2026-12-04T10:00:10Z"))
        );
        assert_eq!(
            line_time(b"2026-12-04 18:00:10 INFO x", &TimeZone::UTC),
            Some(instant("2026-12-04T18:00:10Z"))
        );
        // A number after the time is no offset.
        assert_eq!(
            line_time(b"2026-12-04 18:00:10 -12345 x", &TimeZone::UTC),
            Some(instant("2026-12-04T18:00:10Z"))
        );
    }

    #[test]
    fn an_impossible_date_is_no_time() {
        for line in [
            "2025-13-45 10:00:00 ERROR x",
            "2025-02-30 10:00:00 ERROR x",
            "2025-09-18 25:61:00 ERROR x",
        ] {
            assert_eq!(line_time(line.as_bytes(), &TimeZone::UTC), None, "{line}");
        }
    }

    #[test]
    fn a_time_is_shown_in_the_operators_zone() {
        assert_eq!(
            local_text(instant("2026-12-04T10:00:30.5Z"), &shanghai()),
            "2026-12-04 18:00:30.500"
        );
    }

    #[test]
    fn since_takes_durations_and_local_times() {
        let now: jiff::Zoned = "2025-09-18T16:24:31+08:00[Asia/Shanghai]".parse().unwrap();
        for (since, expected) in [
            ("2h", "2025-09-18T06:24:31Z"),
            ("1d", "2025-09-17T08:24:31Z"),
            ("2025-09-18 16:00", "2025-09-18T08:00:00Z"),
            ("2025-09-18T16:00:00", "2025-09-18T08:00:00Z"),
            ("2025-09-18", "2025-09-17T16:00:00Z"),
            ("2025-09-18T16:00:00Z", "2025-09-18T16:00:00Z"),
            ("2025-09-18 16:00+00:00", "2025-09-18T16:00:00Z"),
        ] {
            assert_eq!(
                parse_since(since, &now).unwrap(),
                instant(expected),
                "{since}"
            );
        }
    }

    #[test]
    fn since_refuses_what_is_no_time() {
        let now: jiff::Zoned = "2025-09-18T16:24:31+00:00[UTC]".parse().unwrap();
        assert_eq!(
            parse_since("yesterday", &now).unwrap_err(),
            "--since \"yesterday\" is neither a duration (30m, 2h, 1d) nor a time (2025-09-18 16:00)"
        );
        assert_eq!(
            parse_since("2025-13-45", &now).unwrap_err(),
            "--since \"2025-13-45\" is not a valid time: failed to parse two digit integer as month: parameter 'month' is not in the required range of 1..=12"
        );
        assert!(parse_since("2025-09-18 16:00 tomorrow", &now).is_err());
    }
}
