//! Where a time window lies in a log file, without reading the file: its
//! last modification (a file last written before the window holds nothing
//! in it), and — logs being written in time order — the byte offsets of the
//! window's first and last lines, found by bisection.

use crate::log_files::timeline::line_time;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::os::unix::fs::FileExt;

/// Bisection stops when the range is this small.
pub const BISECT_PRECISION: u64 = 64 * 1024;

/// A probe reads this much first (a few lines), and 64 KiB only when that
/// holds no timestamped line.
const PROBE: usize = 4096;

fn time_in(file: &std::fs::File, zone: &TimeZone, offset: u64, size: usize) -> Option<Timestamp> {
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
    whole
        .split(|byte| *byte == b'\n')
        .find_map(|line| line_time(line, zone))
}

/// The time of the first whole line with a timestamp at or after `offset`.
fn time_after(file: &std::fs::File, zone: &TimeZone, offset: u64) -> Option<Timestamp> {
    time_in(file, zone, offset, PROBE).or_else(|| time_in(file, zone, offset, 64 * 1024))
}

/// The time of the last timestamped line of a file of `length` bytes.
fn last_time(file: &std::fs::File, zone: &TimeZone, length: u64) -> Option<Timestamp> {
    let size = PROBE as u64;
    let offset = length.saturating_sub(size);
    let mut buffer = vec![0; PROBE];
    let count = file.read_at(&mut buffer, offset).ok()?;
    buffer[..count]
        .split(|byte| *byte == b'\n')
        .skip(usize::from(offset > 0))
        .filter_map(|line| line_time(line, zone))
        .last()
}

/// A time-ordered file, and the zone its writer writes times in.
#[derive(Clone, Copy)]
pub struct Timed<'a> {
    pub file: &'a std::fs::File,
    pub length: u64,
    pub zone: &'a TimeZone,
}

/// The byte range of a time-ordered file that holds the window
/// `since..=until`: the whole file when its first and last lines are inside,
/// else bisected to it.
pub fn window_range(timed: &Timed<'_>, since: Timestamp, until: Timestamp) -> (u64, u64) {
    let Timed { file, length, zone } = *timed;
    let start = match time_after(file, zone, 0) {
        Some(first) if first >= since => 0,
        _ => bisect(timed, since, false),
    };
    let end = match last_time(file, zone, length) {
        Some(last) if last <= until => length,
        _ => bisect(timed, until, true),
    };
    (start, end.max(start))
}

/// A line-aligned offset at or before the first line timed after (`strict`)
/// or at/after `key`, found by bisection; a conservative guess where a range
/// has no timestamps.
fn bisect(timed: &Timed<'_>, key: Timestamp, strict: bool) -> u64 {
    let (mut low, mut high) = (0, timed.length);
    while high - low > BISECT_PRECISION {
        let middle = low + (high - low) / 2;
        match time_after(timed.file, timed.zone, middle) {
            Some(time) if time < key || (strict && time == key) => low = middle,
            None if strict => low = middle,
            Some(_) | None => high = middle,
        }
    }
    if strict { high } else { low }
}

/// When a file was last modified.
pub fn modified_time(metadata: &std::fs::Metadata) -> Option<Timestamp> {
    Timestamp::try_from(metadata.modified().ok()?).ok()
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
        let zone = TimeZone::UTC;
        let timed = Timed {
            file: &file,
            length,
            zone: &zone,
        };
        let instant = |text: &str| text.parse::<Timestamp>().unwrap();
        let (start, end) = window_range(
            &timed,
            instant("2025-09-18T12:00:00Z"),
            instant("2025-09-18T12:59:59.999999999Z"),
        );
        let first = time_after(&file, &zone, start).unwrap();
        assert!(first < instant("2025-09-18T12:00:00Z"), "{first}");
        // An hour of a day, within the bisection's precision either side.
        assert!(
            end > start && end - start < length / 4,
            "{start}..{end} of {length}"
        );
        assert!(
            time_after(&file, &zone, end).is_none_or(|time| time > instant("2025-09-18T12:59:59Z"))
        );
        // A window holding the whole file is not bisected.
        assert_eq!(
            window_range(
                &timed,
                instant("2025-09-18T00:00:00Z"),
                instant("2025-09-19T00:00:00Z")
            ),
            (0, length)
        );
        // Read in Shanghai, the same lines are eight hours earlier.
        let shanghai = TimeZone::get("Asia/Shanghai").unwrap();
        let east = Timed {
            zone: &shanghai,
            ..timed
        };
        let (start, _) = window_range(
            &east,
            instant("2025-09-18T04:00:00Z"),
            instant("2025-09-18T04:59:59Z"),
        );
        let first = time_after(&file, &zone, start).unwrap();
        assert!(first < instant("2025-09-18T12:00:00Z"), "{first}");
        // (within the bisection's precision: 64 KiB, some 80 minutes of lines)
        assert!(first > instant("2025-09-18T10:00:00Z"), "{first}");
    }
}
