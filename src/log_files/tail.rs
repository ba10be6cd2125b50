//! The last lines of log files, read backwards from the end (a 5 GB log costs
//! no more than a small one), and merged into one timeline when several
//! services or files are shown together.

use super::timeline::line_time;
use std::io::{Read, Seek, SeekFrom};

/// The last `count` lines of a file (without their newlines).
#[cfg(test)]
pub fn last_lines(path: &std::path::Path, count: usize) -> std::io::Result<Vec<Vec<u8>>> {
    let mut file = std::fs::File::open(path)?;
    let length = file.seek(SeekFrom::End(0))?;
    last_lines_before(&mut file, length, count)
}

/// The last `count` lines of a file ending at byte `length` (where a follower
/// takes over, so no line is shown twice or lost).
pub fn last_lines_before(
    file: &mut std::fs::File,
    length: u64,
    count: usize,
) -> std::io::Result<Vec<Vec<u8>>> {
    if count == 0 || length == 0 {
        return Ok(Vec::new());
    }
    const CHUNK: u64 = 64 * 1024;
    let mut position = length;
    let mut buffer: Vec<u8> = Vec::new();
    loop {
        let start = position.saturating_sub(CHUNK);
        let mut chunk = vec![0; usize::try_from(position - start).unwrap_or(0)];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut chunk)?;
        chunk.extend_from_slice(&buffer);
        buffer = chunk;
        position = start;
        let body = buffer.strip_suffix(b"\n").unwrap_or(&buffer);
        let newlines = body.iter().filter(|byte| **byte == b'\n').count();
        if newlines >= count || position == 0 {
            break;
        }
    }
    let body = buffer.strip_suffix(b"\n").unwrap_or(&buffer);
    let mut lines: Vec<Vec<u8>> = body
        .split(|byte| *byte == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    if position > 0 && !lines.is_empty() {
        lines.remove(0);
    }
    let skip = lines.len().saturating_sub(count);
    Ok(lines.split_off(skip))
}

/// A line with where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcedLine {
    pub source: String,
    pub text: Vec<u8>,
}

/// The lines of one source, in its own order, and the zone its writer
/// writes times in.
pub struct Source {
    pub name: String,
    pub zone: jiff::tz::TimeZone,
    pub lines: Vec<Vec<u8>>,
}

/// Merges sources into one timeline: by the instant of each line's time, a
/// line without one staying after the line before it in its source. Keeps
/// the last `count` lines.
pub fn merge(sources: Vec<Source>, count: usize) -> Vec<SourcedLine> {
    let mut keyed: Vec<(Option<jiff::Timestamp>, usize, usize, SourcedLine)> = Vec::new();
    for (
        source_index,
        Source {
            name: source,
            zone,
            lines,
        },
    ) in sources.into_iter().enumerate()
    {
        let mut last_time = None;
        for (line_index, text) in lines.into_iter().enumerate() {
            if let Some(time) = line_time(&text, &zone) {
                last_time = Some(time);
            }
            keyed.push((
                last_time,
                source_index,
                line_index,
                SourcedLine {
                    source: source.clone(),
                    text,
                },
            ));
        }
    }
    keyed.sort_by_key(|line| (line.0, line.1, line.2));
    let skip = keyed.len().saturating_sub(count);
    keyed
        .into_iter()
        .skip(skip)
        .map(|(_, _, _, line)| line)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::tz::TimeZone;

    fn source(name: &str, zone: TimeZone, lines: Vec<Vec<u8>>) -> Source {
        Source {
            name: name.into(),
            zone,
            lines,
        }
    }

    #[test]
    fn the_last_lines_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.log");
        let text: String = (1..=100_000)
            .map(|number| format!("line {number}\n"))
            .collect();
        std::fs::write(&path, &text).unwrap();
        let lines = last_lines(&path, 3).unwrap();
        assert_eq!(
            lines,
            vec![
                b"line 99998".to_vec(),
                b"line 99999".to_vec(),
                b"line 100000".to_vec()
            ]
        );
        assert_eq!(last_lines(&path, 100_000).unwrap().len(), 100_000);
        assert_eq!(last_lines(&path, 200_000).unwrap()[0], b"line 1".to_vec());
        std::fs::write(&path, "no newline at the end").unwrap();
        assert_eq!(
            last_lines(&path, 5).unwrap(),
            vec![b"no newline at the end".to_vec()]
        );
        std::fs::write(&path, "").unwrap();
        assert!(last_lines(&path, 5).unwrap().is_empty());
    }

    #[test]
    fn merged_by_time_with_untimed_lines_kept_in_place() {
        let api = vec![
            b"2025-09-18 16:00:01 api one".to_vec(),
            b"Traceback follows".to_vec(),
            b"2025-09-18 16:00:03 api two".to_vec(),
        ];
        let engine = vec![
            b"2025-09-18 16:00:02 engine one".to_vec(),
            b"2025-09-18 16:00:04 engine two".to_vec(),
        ];
        let merged = merge(
            vec![
                source("porter-api", TimeZone::UTC, api),
                source("unicloud-engine", TimeZone::UTC, engine),
            ],
            10,
        );
        let texts: Vec<String> = merged
            .iter()
            .map(|line| String::from_utf8_lossy(&line.text).into_owned())
            .collect();
        assert_eq!(
            texts,
            vec![
                "2025-09-18 16:00:01 api one",
                "Traceback follows",
                "2025-09-18 16:00:02 engine one",
                "2025-09-18 16:00:03 api two",
                "2025-09-18 16:00:04 engine two"
            ]
        );
        assert_eq!(
            merge(
                vec![source(
                    "a",
                    TimeZone::UTC,
                    vec![b"x".to_vec(), b"y".to_vec()]
                )],
                1
            )[0]
            .text,
            b"y".to_vec()
        );
    }

    #[test]
    fn utc_and_local_writers_merge_by_their_instants() {
        let shanghai = TimeZone::get("Asia/Shanghai").unwrap();
        let merged = merge(
            vec![
                source("host", shanghai, vec![b"2026-12-04 18:00:10 host".to_vec()]),
                source(
                    "container",
                    TimeZone::UTC,
                    vec![
                        b"2026-12-04 10:00:05 untimed-zone".to_vec(),
                        b"2026-12-04T10:00:30Z marked".to_vec(),
                    ],
                ),
            ],
            10,
        );
        let sources: Vec<&str> = merged
            .iter()
            .map(|line| line.text.rsplit(|byte| *byte == b' ').next().unwrap())
            .map(|word| std::str::from_utf8(word).unwrap())
            .collect();
        assert_eq!(sources, vec!["untimed-zone", "host", "marked"]);
    }
}
