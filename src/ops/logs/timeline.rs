//! Timestamps at the start of log lines, so lines from several services can be
//! merged into one timeline, and `--since` understood. Handles the forms the
//! product's logs use: `2025-09-18 16:24:31.123`, `2025-09-18T16:24:31Z`,
//! `2025-09-18 16:24:31,123` (Python logging), optionally in `[...]`.

/// A sortable key (`2025-09-18 16:24:31.123000000`) of a line's leading
/// timestamp, if it has one within its first 40 bytes.
pub fn line_time(line: &[u8]) -> Option<String> {
    let window = &line[..line.len().min(40)];
    let start = window.iter().position(u8::is_ascii_digit)?;
    let text = &window[start..];
    if text.len() < 19 {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| text[range].iter().all(u8::is_ascii_digit);
    let shape = digits(0..4)
        && text[4] == b'-'
        && digits(5..7)
        && text[7] == b'-'
        && digits(8..10)
        && matches!(text[10], b' ' | b'T')
        && digits(11..13)
        && text[13] == b':'
        && digits(14..16)
        && text[16] == b':'
        && digits(17..19);
    if !shape {
        return None;
    }
    let mut key = String::with_capacity(29);
    key.push_str(std::str::from_utf8(&text[0..10]).ok()?);
    key.push(' ');
    key.push_str(std::str::from_utf8(&text[11..19]).ok()?);
    key.push('.');
    let fraction: Vec<u8> = if text.len() > 20 && matches!(text[19], b'.' | b',') {
        text[20..]
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .take(9)
            .copied()
            .collect()
    } else {
        Vec::new()
    };
    key.push_str(std::str::from_utf8(&fraction).ok()?);
    for _ in fraction.len()..9 {
        key.push('0');
    }
    Some(key)
}

/// Parses `--since`: a duration back from now (`30m`, `2h`, `1d`, `90s`) or a
/// time (`2025-09-18 16:00`, `2025-09-18T16:00:00`, `2025-09-18`), into the
/// same key form as [`line_time`], in local time as log lines are written.
#[allow(clippy::needless_pass_by_value)] // callers pass `Zoned::now()`
pub fn parse_since(text: &str, now: jiff::Zoned) -> Result<String, String> {
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
        let then = now
            .checked_sub(jiff::SignedDuration::from_secs(count.saturating_mul(unit)))
            .map_err(|error| error.to_string())?;
        return Ok(then.strftime("%Y-%m-%d %H:%M:%S.000000000").to_string());
    }
    let normalized = text.replace('T', " ");
    let padded = match normalized.len() {
        10 => format!("{normalized} 00:00:00"),
        16 => format!("{normalized}:00"),
        _ => normalized.clone(),
    };
    line_time(padded.as_bytes()).ok_or_else(|| {
        format!(
            "--since {text:?} is neither a duration (30m, 2h, 1d) nor a time (2025-09-18 16:00)"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_product_timestamp_forms() {
        assert_eq!(
            line_time(b"2025-09-18 16:24:31.123 12 ERROR x").as_deref(),
            Some("2025-09-18 16:24:31.123000000")
        );
        assert_eq!(
            line_time(b"2025-09-18T16:24:31Z INFO").as_deref(),
            Some("2025-09-18 16:24:31.000000000")
        );
        assert_eq!(
            line_time(b"[2025-09-18 16:24:31,5] x").as_deref(),
            Some("2025-09-18 16:24:31.500000000")
        );
        assert_eq!(line_time(b"Traceback (most recent call last):"), None);
        assert_eq!(line_time(b"   at line 2025"), None);
        assert_eq!(line_time(b""), None);
    }

    #[test]
    fn since_takes_durations_and_times() {
        let now: jiff::Zoned = "2025-09-18T16:24:31+00:00[UTC]".parse().unwrap();
        for (since, key) in [
            ("2h", "2025-09-18 14:24:31.000000000"),
            ("1d", "2025-09-17 16:24:31.000000000"),
            ("2025-09-18 16:00", "2025-09-18 16:00:00.000000000"),
            ("2025-09-18", "2025-09-18 00:00:00.000000000"),
        ] {
            assert_eq!(parse_since(since, now.clone()).unwrap(), key, "{since}");
        }
        assert!(parse_since("yesterday", now).is_err());
    }
}
