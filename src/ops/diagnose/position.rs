//! Where a time window lies in a log file, without reading the file: its
//! last modification (a file last written before the window holds nothing
//! in it), and — logs being written in time order — the byte offsets of the
//! window's first and last lines, found by bisection.

use crate::ops::logs::timeline::line_time;
use std::os::unix::fs::FileExt;

/// Bisection stops when the range is this small.
pub const BISECT_PRECISION: u64 = 64 * 1024;

/// A probe reads this much first (a few lines), and 64 KiB only when that
/// holds no timestamped line.
const PROBE: usize = 4096;

fn time_in(file: &std::fs::File, offset: u64, size: usize) -> Option<String> {
    let mut buffer = vec![0; size];
    let count = file.read_at(&mut buffer, offset).ok()?;
    let chunk = &buffer[..count];
    let start = if offset == 0 {
        0
    } else {
        chunk.iter().position(|byte| *byte == b'\n')? + 1
    };
    // The last piece may be a cut line: only whole lines count.
    let whole = chunk[start..]
        .iter()
        .rposition(|byte| *byte == b'\n')
        .map_or(&chunk[start..], |end| &chunk[start..start + end]);
    whole.split(|byte| *byte == b'\n').find_map(line_time)
}

/// The time of the first whole line with a timestamp at or after `offset`.
fn time_after(file: &std::fs::File, offset: u64) -> Option<String> {
    time_in(file, offset, PROBE).or_else(|| time_in(file, offset, 64 * 1024))
}

/// The time of the last timestamped line of a file of `length` bytes.
fn last_time(file: &std::fs::File, length: u64) -> Option<String> {
    let size = PROBE as u64;
    let offset = length.saturating_sub(size);
    let mut buffer = vec![0; PROBE];
    let count = file.read_at(&mut buffer, offset).ok()?;
    buffer[..count]
        .split(|byte| *byte == b'\n')
        .skip(usize::from(offset > 0))
        .filter_map(line_time)
        .last()
}

/// The byte range of a time-ordered file that holds the window
/// `since..=until`: the whole file when its first and last lines are inside,
/// else bisected to it.
pub fn window_range(file: &std::fs::File, length: u64, since: &str, until: &str) -> (u64, u64) {
    let start = match time_after(file, 0) {
        Some(first) if first.as_str() >= since => 0,
        _ => bisect(file, length, since, false),
    };
    let end = match last_time(file, length) {
        Some(last) if last.as_str() <= until => length,
        _ => bisect(file, length, until, true),
    };
    (start, end.max(start))
}

/// A line-aligned offset at or before the first line timed after (`strict`)
/// or at/after `key`, found by bisection; a conservative guess where a range
/// has no timestamps.
fn bisect(file: &std::fs::File, length: u64, key: &str, strict: bool) -> u64 {
    let (mut low, mut high) = (0, length);
    while high - low > BISECT_PRECISION {
        let middle = low + (high - low) / 2;
        match time_after(file, middle) {
            Some(time) if time.as_str() < key || (strict && time.as_str() == key) => low = middle,
            None if strict => low = middle,
            Some(_) | None => high = middle,
        }
    }
    if strict { high } else { low }
}

/// The local-time key of a file's last modification.
pub fn modified_key(metadata: &std::fs::Metadata) -> Option<String> {
    let modified = metadata.modified().ok()?;
    let timestamp = jiff::Timestamp::try_from(modified).ok()?;
    let zoned = timestamp.to_zoned(jiff::tz::TimeZone::system());
    Some(zoned.strftime("%Y-%m-%d %H:%M:%S.999999999").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn bisection_finds_the_window_in_a_large_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        for minute in 0..1440 {
            for second in 0..10 {
                writeln!(out, "2025-09-18 {:02}:{:02}:{second:02}.000 1 INFO x padding padding padding padding", minute / 60, minute % 60).unwrap();
            }
        }
        drop(out);
        let file = std::fs::File::open(&path).unwrap();
        let length = file.metadata().unwrap().len();
        let (start, end) = window_range(
            &file,
            length,
            "2025-09-18 12:00:00.000000000",
            "2025-09-18 12:59:59.999999999",
        );
        let first = time_after(&file, start).unwrap();
        assert!(first.as_str() < "2025-09-18 12:00:00", "{first}");
        // An hour of a day, within the bisection's precision either side.
        assert!(
            end > start && end - start < length / 4,
            "{start}..{end} of {length}"
        );
        assert!(time_after(&file, end).is_none_or(|time| time.as_str() > "2025-09-18 12:59:59"));
        // A window holding the whole file is not bisected.
        assert_eq!(
            window_range(&file, length, "2025-09-18 00:00:00", "2025-09-19 00:00:00"),
            (0, length)
        );
    }
}
