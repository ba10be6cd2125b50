//! The first pass of `diagnose`'s log reading, by ripgrep's searcher
//! (`grep-searcher`, the engine of `logs grep`): each line holding a
//! candidate literal is handed on, with the lines right after it that the
//! reader of the lines asks for (an open event's traceback); every other line
//! is never looked at. Lines are numbered only when asked, and reading stops
//! at a NUL byte (a binary file).
//!
//! It replaced a hand-written pass (chunks searched with aho-corasick) that
//! measured within noise of the library and found the same lines (issue 25).
//! Reading 64 MiB through `Read` (`measure_the_first_pass`, opt-level 2 for
//! hmctl and the search crates, best of 5, the 2-core VM while other
//! engineers' builds loaded it, 2026-12-05): before, the hand pass took 65 to
//! 84 ms on the scenarios' error-dense lines and 16 to 22 ms on a quiet log
//! (one ERROR in 1,000 lines), grep-searcher alone 63 to 83 ms and 17 to 18
//! ms; this pass, with its NUL check, 75 to 103 ms and 18 to 26 ms (4 runs,
//! load average 4 to 8): within the machine's noise.

use grep_regex::RegexMatcher;
use grep_searcher::{BinaryDetection, Searcher, SearcherBuilder, Sink, SinkContext, SinkMatch};
use memchr::memchr;
use std::io::Read;

/// One line handed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// 1-based, from where reading started; `None` when lines are not counted.
    pub number: Option<u64>,
    /// Where the line starts, in bytes from where reading started.
    pub offset: u64,
    /// The line without its `\n` (a `\r` before it is kept).
    pub bytes: &'a [u8],
    /// Whether it holds one of the matcher's literals.
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

/// A reader that ends at the first NUL byte: the lines before it, up to the
/// byte, are read (the searcher's own binary detection would drop the whole
/// buffer holding it).
struct UntilNul<R> {
    inner: R,
    ended: bool,
}

impl<R: Read> Read for UntilNul<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        if self.ended {
            return Ok(0);
        }
        // The searcher gives up on an interrupted read; reading goes on.
        let count = loop {
            match self.inner.read(buffer) {
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                outcome => break outcome?,
            }
        };
        match memchr(0, &buffer[..count]) {
            Some(binary) => {
                self.ended = true;
                Ok(binary)
            }
            None => Ok(count),
        }
    }
}

/// Hands the searcher's lines to the visitor: every matching line, and the
/// context lines after one while the visitor wants them.
struct Handing<'a, V> {
    visitor: &'a mut V,
}

impl<V: Visitor> Handing<'_, V> {
    fn hand(&mut self, number: Option<u64>, offset: u64, bytes: &[u8], candidate: bool) -> bool {
        let line = Line {
            number,
            offset,
            bytes: bytes.strip_suffix(b"\n").unwrap_or(bytes),
            candidate,
        };
        self.visitor.visit(&line)
    }
}

impl<V: Visitor> Sink for Handing<'_, V> {
    type Error = std::io::Error;

    fn matched(&mut self, _searcher: &Searcher, found: &SinkMatch<'_>) -> std::io::Result<bool> {
        let mut offset = found.absolute_byte_offset();
        for (index, bytes) in found.lines().enumerate() {
            let number = found.line_number().map(|first| first + index as u64);
            if !self.hand(number, offset, bytes, true) {
                return Ok(false);
            }
            offset += bytes.len() as u64;
        }
        Ok(true)
    }

    fn context(
        &mut self,
        _searcher: &Searcher,
        context: &SinkContext<'_>,
    ) -> std::io::Result<bool> {
        if !self.visitor.wants_next_line() {
            return Ok(true);
        }
        let bytes = context.bytes();
        Ok(self.hand(
            context.line_number(),
            context.absolute_byte_offset(),
            bytes,
            false,
        ))
    }
}

/// Reads `reader` to its end (or its first NUL byte), handing the lines that
/// `matcher` finds to `visitor`, with those it asks for after them (at most
/// `after` lines after a match: no visitor may want more).
pub fn read_candidates<V: Visitor>(
    reader: impl Read,
    matcher: &RegexMatcher,
    count_lines: bool,
    after: usize,
    visitor: &mut V,
) -> std::io::Result<()> {
    let mut searcher = SearcherBuilder::new()
        .line_number(count_lines)
        .after_context(after)
        .binary_detection(BinaryDetection::none())
        // Bytes as they are, as ever: a UTF-16 log is not transcoded.
        .bom_sniffing(false)
        .build();
    let reader = UntilNul {
        inner: reader,
        ended: false,
    };
    searcher.search_reader(matcher, reader, Handing { visitor })
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

    /// Lines at most this long are read in one piece (and longer ones too).
    const CHUNK: usize = 64 * 1024;

    fn matcher() -> RegexMatcher {
        grep_regex::RegexMatcherBuilder::new()
            .fixed_strings(true)
            .line_terminator(Some(b'\n'))
            .build_literals(&["ERROR", "CRITICAL"])
            .unwrap()
    }

    fn read(text: &[u8], size: usize, after: usize) -> Vec<(Option<u64>, u64, Vec<u8>, bool)> {
        let mut record = Record {
            after,
            remaining: 0,
            lines: Vec::new(),
        };
        let reader = Trickle { bytes: text, size };
        read_candidates(reader, &matcher(), true, after, &mut record).unwrap();
        record.lines
    }

    /// The same, line by line: what `read_candidates` must hand on.
    fn naive(text: &[u8], after: usize) -> Vec<(Option<u64>, u64, Vec<u8>, bool)> {
        let text = &text[..text
            .iter()
            .position(|byte| *byte == 0)
            .unwrap_or(text.len())];
        let (mut lines, mut remaining, mut offset) = (Vec::new(), 0, 0);
        let pieces: Vec<&[u8]> = text.split(|byte| *byte == b'\n').collect();
        let whole = if text.ends_with(b"\n") || text.is_empty() {
            pieces.len() - 1
        } else {
            pieces.len()
        };
        for (index, piece) in pieces[..whole].iter().enumerate() {
            let candidate = [&b"ERROR"[..], b"CRITICAL"].iter().any(|literal| {
                piece
                    .windows(literal.len())
                    .any(|window| window == *literal)
            });
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
        read_candidates(&b"a\nERROR\n"[..], &matcher(), false, 0, &mut record).unwrap();
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
    fn candidate_lines(text: &[u8]) -> Vec<(u64, String)> {
        let matcher = super::super::scan::matcher(&[]).unwrap();
        let mut record = Record {
            after: 0,
            remaining: 0,
            lines: Vec::new(),
        };
        read_candidates(text, &matcher, true, 0, &mut record).unwrap();
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

    /// The lines the hand-written pass found (and grep-searcher with it, and
    /// `grep -nF` with the same literals) in the scenarios' logs, recorded
    /// when it was replaced.
    #[test]
    fn the_candidate_lines_of_the_scenarios_logs_are_those_recorded() {
        let lines = candidate_lines(&scenario_logs());
        let numbers: Vec<u64> = lines.iter().map(|(number, _)| *number).collect();
        assert_eq!(
            numbers,
            [
                5, 9, 10, 11, 12, 13, 17, 18, 20, 24, 26, 27, 28, 32, 33, 41, 43, 44, 46, 47, 48,
                50, 52, 54, 55
            ]
        );
        assert!(lines[8].1.ends_with("ERROR pages are rendered as JSON"));
        assert!(
            lines[21]
                .1
                .starts_with("2025-09-18 14:03:12.004 [error] <0.1123.0> Mnesia")
        );
        assert_eq!(
            lines[24].1,
            "2025-09-18 16:24:31.124 1234 ERROR porter.migration [req-5] Traceback (most recent call last):"
        );
    }

    /// The first pass over 64 MiB of the scenarios' lines read through
    /// `Read`; run it with an optimised build:
    /// `cargo test --lib candidates -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement, not a check"]
    fn measure_the_first_pass() {
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
            let mut text = Vec::with_capacity(64 << 20);
            while text.len() < 64 << 20 {
                text.extend_from_slice(&logs);
            }
            let mut best = std::time::Duration::MAX;
            let mut found = 0;
            for _ in 0..5 {
                let started = std::time::Instant::now();
                found = candidate_lines(&text).len();
                best = best.min(started.elapsed());
            }
            println!("{} MiB, {found} lines found in {best:?}", text.len() >> 20);
        }
    }
}
