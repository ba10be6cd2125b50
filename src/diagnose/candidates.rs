//! The fast first pass of `diagnose`'s log reading. A file is read in large
//! chunks and each chunk is searched as a whole for the candidate literals (one
//! SIMD pass, like grep's); only a line holding one, found by going back to its
//! start, is handed on, with the lines right after it while the reader of the
//! lines asks for them (an open event's traceback). Every other line is never
//! looked at. Lines are counted only when their numbers are asked for, and
//! reading stops at a NUL byte (a binary file), as grep's searcher does.
//!
//! Measured against grep-searcher with the same literals, reading the same
//! 64 MiB through `Read` (`measure_against_grep_searcher`, opt-level 2 test
//! build, best of 5, the 2-core VM while other builds loaded it,
//! 2026-12-05): error-dense scenario lines 65 to 84 ms by hand, 63 to 83 ms
//! grep-searcher; a quiet log (one ERROR in 1,000 lines) 16 to 22 ms by
//! hand, 17 to 18 ms grep-searcher. Within noise: this pass does not beat
//! the library, which finds the same lines
//! (`the_candidate_lines_are_grep_searchers_on_the_scenarios_logs`); what it
//! keeps is the shape `scan` reads through (a shared byte budget, the lines
//! after an error on request, offsets for the window's bisection).

use aho_corasick::{AhoCorasick, Input};
use memchr::{memchr, memrchr};
use std::io::Read;

/// The size of a read, and of the buffer a chunk is searched in (it grows for
/// a longer line): large enough that system calls cost little, small enough
/// that the bytes just read are still in the core's cache when searched.
pub const CHUNK: usize = 256 * 1024;

/// One line handed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// 1-based, from where reading started; `None` when lines are not counted.
    pub number: Option<u64>,
    /// Where the line starts, in bytes from where reading started.
    pub offset: u64,
    /// The line without its `\n` (a `\r` before it is kept).
    pub bytes: &'a [u8],
    /// Whether it holds one of the finder's literals.
    pub candidate: bool,
}

impl Line<'_> {
    /// Where the line after this one starts.
    pub fn next_offset(&self) -> u64 {
        self.offset + self.bytes.len() as u64 + 1
    }
}

/// What the lines are handed to.
pub trait Visitor {
    /// Whether the next line must be handed on whatever it holds.
    fn wants_next_line(&self) -> bool;
    /// Takes a line; `false` stops the reading.
    fn visit(&mut self, line: &Line<'_>) -> bool;
}

/// The state of one reading: the finder, and how far lines are counted.
struct Reading<'a, V> {
    finder: &'a AhoCorasick,
    visitor: &'a mut V,
    count_lines: bool,
    /// The number of the line at `counted` (an offset in the current region).
    number: u64,
    counted: usize,
}

impl<V: Visitor> Reading<'_, V> {
    /// The number of the line starting at `start` of `region`, counting the
    /// newlines since the last line numbered.
    fn number_at(&mut self, region: &[u8], start: usize) -> Option<u64> {
        if !self.count_lines {
            return None;
        }
        self.number += memchr::memchr_iter(b'\n', &region[self.counted..start]).count() as u64;
        self.counted = start;
        Some(self.number)
    }

    /// Hands on the candidate lines of `region` (whole lines, the last one
    /// without its newline only at the end of the input), `base` being the
    /// offset of its first byte; `false`: the visitor stopped the reading.
    fn region(&mut self, region: &[u8], base: u64) -> bool {
        let mut position = 0;
        while position < region.len() {
            let (start, candidate) = if self.visitor.wants_next_line() {
                (position, None)
            } else {
                let rest = Input::new(region).range(position..);
                let Some(found) = self.finder.find(rest) else {
                    break;
                };
                let start = memrchr(b'\n', &region[position..found.start()])
                    .map_or(position, |index| position + index + 1);
                (start, Some(true))
            };
            let end = memchr(b'\n', &region[start..]).map_or(region.len(), |index| start + index);
            let bytes = &region[start..end];
            let line = Line {
                number: self.number_at(region, start),
                offset: base + start as u64,
                bytes,
                candidate: candidate.unwrap_or_else(|| self.finder.is_match(bytes)),
            };
            if !self.visitor.visit(&line) {
                return false;
            }
            position = end + 1;
        }
        self.number_at(region, region.len());
        self.counted = 0;
        true
    }
}

/// Reads `reader` to its end (or its first NUL byte), handing the lines that
/// hold one of the `finder`'s literals to `visitor`, with those it asks for
/// after them. No literal may hold a line end.
pub fn read_candidates<V: Visitor>(
    mut reader: impl Read,
    finder: &AhoCorasick,
    count_lines: bool,
    visitor: &mut V,
) -> std::io::Result<()> {
    let mut reading = Reading {
        finder,
        visitor,
        count_lines,
        number: 1,
        counted: 0,
    };
    let mut buffer = vec![0; CHUNK];
    let (mut filled, mut base, mut ended) = (0, 0, false);
    while !ended {
        if filled == buffer.len() {
            // A line longer than the buffer.
            buffer.resize(buffer.len() * 2, 0);
        }
        let count = match reader.read(&mut buffer[filled..]) {
            Ok(count) => count,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        // What was kept of the last read holds no line end: only the fresh
        // bytes are looked at.
        let kept = filled;
        match memchr(0, &buffer[kept..kept + count]) {
            Some(binary) => (filled, ended) = (kept + binary, true),
            None => (filled, ended) = (kept + count, count == 0),
        }
        let end = match memrchr(b'\n', &buffer[kept..filled]) {
            _ if ended => filled,
            Some(index) => kept + index + 1,
            None => continue,
        };
        if !reading.region(&buffer[..end], base) {
            break;
        }
        buffer.copy_within(end..filled, 0);
        base += end as u64;
        filled -= end;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Hands out its bytes `size` at a time: every read ends a chunk.
    struct Trickle<'a> {
        bytes: &'a [u8],
        size: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
            let count = self.size.min(buffer.len()).min(self.bytes.len());
            buffer[..count].copy_from_slice(&self.bytes[..count]);
            self.bytes = &self.bytes[count..];
            Ok(count)
        }
    }

    /// Records every line; asks for `after` lines after each candidate.
    struct Record {
        after: usize,
        remaining: usize,
        lines: Vec<(Option<u64>, u64, Vec<u8>, bool)>,
    }

    impl Visitor for Record {
        fn wants_next_line(&self) -> bool {
            self.remaining > 0
        }

        fn visit(&mut self, line: &Line<'_>) -> bool {
            self.remaining = if line.candidate {
                self.after
            } else {
                self.remaining.saturating_sub(1)
            };
            let owned = (
                line.number,
                line.offset,
                line.bytes.to_vec(),
                line.candidate,
            );
            self.lines.push(owned);
            true
        }
    }

    fn finder() -> AhoCorasick {
        AhoCorasick::new(["ERROR", "CRITICAL"]).unwrap()
    }

    fn read(text: &[u8], size: usize, after: usize) -> Vec<(Option<u64>, u64, Vec<u8>, bool)> {
        let mut record = Record {
            after,
            remaining: 0,
            lines: Vec::new(),
        };
        let reader = Trickle { bytes: text, size };
        read_candidates(reader, &finder(), true, &mut record).unwrap();
        record.lines
    }

    /// The same, line by line: what `read_candidates` must hand on.
    fn naive(text: &[u8], after: usize) -> Vec<(Option<u64>, u64, Vec<u8>, bool)> {
        let text = &text[..memchr(0, text).unwrap_or(text.len())];
        let (mut lines, mut remaining, mut offset) = (Vec::new(), 0, 0);
        let pieces: Vec<&[u8]> = text.split(|byte| *byte == b'\n').collect();
        let whole = if text.ends_with(b"\n") || text.is_empty() {
            pieces.len() - 1
        } else {
            pieces.len()
        };
        for (index, piece) in pieces[..whole].iter().enumerate() {
            let candidate = finder().is_match(piece);
            if candidate || remaining > 0 {
                lines.push((Some(index as u64 + 1), offset, piece.to_vec(), candidate));
                remaining = if candidate { after } else { remaining - 1 };
            }
            offset += piece.len() as u64 + 1;
        }
        lines
    }

    #[test]
    fn a_hit_at_the_start_and_a_last_line_without_newline() {
        let text = b"ERROR first\nok\nok\nlast CRITICAL";
        let lines = read(text, CHUNK, 0);
        assert_eq!(
            lines,
            vec![
                (Some(1), 0, b"ERROR first".to_vec(), true),
                (Some(4), 18, b"last CRITICAL".to_vec(), true),
            ]
        );
    }

    #[test]
    fn crlf_lines_keep_their_carriage_return() {
        let lines = read(b"ok\r\nan ERROR\r\nnext\r\n", CHUNK, 1);
        assert_eq!(
            lines,
            vec![
                (Some(2), 4, b"an ERROR\r".to_vec(), true),
                (Some(3), 14, b"next\r".to_vec(), false),
            ]
        );
    }

    #[test]
    fn lines_across_chunks_and_longer_than_a_chunk() {
        let long = "x".repeat(CHUNK * 2 + 17);
        let text = format!("{long}\n{long} ERROR {long}\n{long}\nERROR\n");
        for size in [CHUNK / 3, CHUNK, 5] {
            assert_eq!(read(text.as_bytes(), size, 1), naive(text.as_bytes(), 1));
        }
        let lines = read(text.as_bytes(), 5, 1);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].0, Some(2));
    }

    #[test]
    fn reading_stops_at_a_nul_byte() {
        let lines = read(b"ERROR one\nERROR two\0ERROR three\n", CHUNK, 0);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].2, b"ERROR two".to_vec());
    }

    #[test]
    fn lines_are_numbered_only_when_asked() {
        let mut record = Record {
            after: 0,
            remaining: 0,
            lines: Vec::new(),
        };
        read_candidates(&b"a\nERROR\n"[..], &finder(), false, &mut record).unwrap();
        assert_eq!(record.lines, vec![(None, 2, b"ERROR".to_vec(), true)]);
    }

    proptest! {
        #[test]
        fn the_same_lines_as_reading_line_by_line(
            pieces in proptest::collection::vec(
                prop_oneof![Just("ERROR"), Just("CRITICAL"), Just("\n"), Just("\r\n"), Just("ok "), Just("ERR")],
                0..60,
            ),
            size in 1usize..40,
            after in 0usize..3,
        ) {
            let text = pieces.concat();
            prop_assert_eq!(read(text.as_bytes(), size, after), naive(text.as_bytes(), after));
        }
    }

    /// Every log line of the diagnose scenarios (tests/data/diagnose, in the
    /// product's formats; rotations unpacked), one after another.
    fn scenario_logs() -> Vec<u8> {
        fn walk(dir: &std::path::Path, files: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, files);
                } else if path.to_string_lossy().contains(".log") {
                    files.push(path);
                }
            }
        }
        let mut files = Vec::new();
        walk(
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/diagnose")),
            &mut files,
        );
        files.sort();
        let mut all = Vec::new();
        for file in files {
            let bytes = std::fs::read(&file).unwrap();
            if file.extension().is_some_and(|extension| extension == "gz") {
                flate2::read::MultiGzDecoder::new(&bytes[..])
                    .read_to_end(&mut all)
                    .unwrap();
            } else {
                all.extend_from_slice(&bytes);
            }
            if !all.ends_with(b"\n") {
                all.push(b'\n');
            }
        }
        all
    }

    /// The candidate lines (number, text) as `scan` reads them.
    fn by_hand(text: &[u8]) -> Vec<(u64, String)> {
        let finder = super::super::scan::finder(&[]).unwrap();
        let mut record = Record {
            after: 0,
            remaining: 0,
            lines: Vec::new(),
        };
        read_candidates(text, &finder, true, &mut record).unwrap();
        record
            .lines
            .into_iter()
            .map(|(number, _, bytes, _)| {
                (
                    number.unwrap_or_default(),
                    String::from_utf8_lossy(&bytes).into_owned(),
                )
            })
            .collect()
    }

    /// The same through ripgrep's searcher and a regex of the same literals,
    /// reading `text` as a slice (`reader` false) or, as `scan` reads a
    /// file, through `Read` in chunks.
    fn by_grep_searcher(text: &[u8]) -> Vec<(u64, String)> {
        grep_searcher_lines(text, false)
    }

    fn grep_searcher_lines(text: &[u8], reader: bool) -> Vec<(u64, String)> {
        let matcher = grep_regex::RegexMatcherBuilder::new()
            .fixed_strings(true)
            .line_terminator(Some(b'\n'))
            .build_literals(super::super::scan::CANDIDATES)
            .unwrap();
        let mut searcher = grep_searcher::SearcherBuilder::new()
            .line_number(true)
            .binary_detection(grep_searcher::BinaryDetection::quit(0))
            .build();
        let mut lines = Vec::new();
        let sink = grep_searcher::sinks::Bytes(|number, line| {
            let line = line.strip_suffix(b"\n").unwrap_or(line);
            lines.push((number, String::from_utf8_lossy(line).into_owned()));
            Ok(true)
        });
        if reader {
            searcher.search_reader(&matcher, text, sink).unwrap();
        } else {
            searcher.search_slice(&matcher, text, sink).unwrap();
        }
        lines
    }

    #[test]
    fn the_candidate_lines_are_grep_searchers_on_the_scenarios_logs() {
        let logs = scenario_logs();
        let lines = by_hand(&logs);
        assert!(lines.len() > 20, "{}", lines.len());
        assert_eq!(lines, by_grep_searcher(&logs));
    }

    /// The first pass over 64 MiB of the scenarios' lines, by hand and
    /// through grep-searcher; run it with an optimised build:
    /// `cargo test --lib candidates -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement, not a check"]
    fn measure_against_grep_searcher() {
        // The scenarios' lines (an error in every few), and a quiet day: an
        // ERROR among 1,000 INFO lines.
        let dense = scenario_logs();
        let mut quiet = Vec::new();
        for second in 0..1000 {
            let level = if second == 0 { "ERROR" } else { "INFO" };
            quiet.extend_from_slice(
                format!("2025-09-18 10:00:00.000 4242 {level} porter.api [req-{second:08x}] request {second} handled in 12 ms\n")
                    .as_bytes(),
            );
        }
        for logs in [dense, quiet] {
            measure_on(&logs);
        }
    }

    fn measure_on(logs: &[u8]) {
        let mut text = Vec::with_capacity(64 << 20);
        while text.len() < 64 << 20 {
            text.extend_from_slice(logs);
        }
        let time = |search: &dyn Fn() -> usize| {
            let mut best = std::time::Duration::MAX;
            let mut found = 0;
            for _ in 0..5 {
                let started = std::time::Instant::now();
                found = search();
                best = best.min(started.elapsed());
            }
            (best, found)
        };
        let hand = time(&|| by_hand(&text).len());
        let slice = time(&|| grep_searcher_lines(&text, false).len());
        let reader = time(&|| grep_searcher_lines(&text, true).len());
        assert_eq!((hand.1, hand.1), (slice.1, reader.1));
        println!(
            "{} MiB, {} lines found: by hand {:?}, grep-searcher {:?} (slice), {:?} (reader)",
            text.len() >> 20,
            hand.1,
            hand.0,
            slice.0,
            reader.0
        );
    }
}
