//! Reading the error lines of a time window out of many log files, at a
//! bounded cost: a file last written before the window is not opened; in a
//! large plain file the window's first and last lines are found by bisection
//! (logs are written in time order), so only the window is read; gzipped
//! rotations are streamed; and all reading shares one byte budget. Each file
//! is searched for a handful of literals by ripgrep's searcher
//! (`candidates`), files in parallel — so a window that covers everything
//! costs no more than `grep` over the same files.

use super::candidates::read_candidates;
pub use super::event::Event;
use super::event::{CONTINUATION_LINES, Collect};
use super::position::{Timed, modified_time, window_range};
use super::window::Window;
use crate::log_files::files::LogFile;
use grep_regex::{RegexMatcher, RegexMatcherBuilder};
use std::io::{Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// Plain files larger than this are bisected to the window.
const BISECT_ABOVE: u64 = 1024 * 1024;

/// The words that make a line worth looking at; the level is checked after.
/// The product's formats put a level word on every timed line; the untimed
/// lines of a traceback are read as the lines after their error line.
/// Few literals keep the search as fast as grep's.
pub(super) const CANDIDATES: &[&str] = &[
    "ERROR",
    "CRITICAL",
    "FATAL",
    "[error]",
    "level=error",
    "level=fatal",
    "panic:",
];

/// What reading cost, and what it left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Cost {
    pub files_read: usize,
    /// Files last written before the window.
    pub files_skipped: usize,
    pub bytes_read: u64,
    pub byte_budget: u64,
    /// The budget ran out: files (or their ends) were not read.
    pub budget_hit: bool,
    /// Files that could not be read, with why (the report's notes say so).
    #[serde(skip)]
    pub unreadable: Vec<(String, String)>,
}

/// What to read.
pub struct Request<'a> {
    /// In reading order.
    pub files: &'a [LogFile],
    pub window: &'a Window,
    /// Literals whose lines are read whatever their level (`--id`, KEYWORD).
    pub needles: &'a [String],
    pub limits: Limits,
}

/// How far the reading may go: bytes in all (`--max-read`), and threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub byte_budget: u64,
    pub threads: usize,
}

/// The matcher of the candidate lines: any of the literals, or a needle,
/// byte for byte (a needle is matched within one line; `run` refuses one with
/// a line break).
pub(super) fn matcher(needles: &[String]) -> Result<RegexMatcher, String> {
    let literals: Vec<&str> = CANDIDATES
        .iter()
        .copied()
        .chain(needles.iter().map(String::as_str))
        .collect();
    RegexMatcherBuilder::new()
        .fixed_strings(true)
        .line_terminator(Some(b'\n'))
        .build_literals(&literals)
        .map_err(|error| error.to_string())
}

/// A reader that stops when the shared budget is spent.
struct Budgeted<'a, R> {
    inner: R,
    remaining: &'a AtomicU64,
    hit: &'a AtomicBool,
    read: u64,
}

impl<R: Read> Read for Budgeted<'_, R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let allowed = self.remaining.load(Ordering::Relaxed);
        if allowed == 0 {
            self.hit.store(true, Ordering::Relaxed);
            return Ok(0);
        }
        let size = buffer
            .len()
            .min(usize::try_from(allowed).unwrap_or(usize::MAX));
        let count = self.inner.read(&mut buffer[..size])?;
        let _ = self
            .remaining
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                Some(left.saturating_sub(count as u64))
            });
        self.read += count as u64;
        Ok(count)
    }
}

/// What one file gave.
struct FileResult {
    events: Vec<Event>,
    read: u64,
    skipped: bool,
    error: Option<String>,
}

struct Shared<'a> {
    matcher: &'a RegexMatcher,
    window: &'a Window,
    needles: &'a [String],
    remaining: &'a AtomicU64,
    hit: &'a AtomicBool,
}

/// Searches `reader` through the shared budget, numbering lines when it
/// starts at the file's start; adds what it read to `read`.
fn search_budgeted(
    shared: &Shared<'_>,
    reader: impl Read,
    from_start: bool,
    collect: &mut Collect<'_>,
    read: &mut u64,
) -> std::io::Result<()> {
    let mut budgeted = Budgeted {
        inner: reader,
        remaining: shared.remaining,
        hit: shared.hit,
        read: 0,
    };
    let outcome = read_candidates(
        &mut budgeted,
        shared.matcher,
        from_start,
        CONTINUATION_LINES,
        collect,
    );
    *read += budgeted.read;
    outcome
}

fn scan_file(shared: &Shared<'_>, file: &LogFile) -> FileResult {
    let mut result = FileResult {
        events: Vec::new(),
        read: 0,
        skipped: false,
        error: None,
    };
    let opened = std::fs::File::open(&file.path).and_then(|opened| {
        let metadata = opened.metadata()?;
        Ok((opened, metadata))
    });
    let (mut opened, metadata) = match opened {
        Ok(pair) => pair,
        Err(error) => {
            result.error = Some(error.to_string());
            return result;
        }
    };
    if modified_time(&metadata).is_some_and(|time| time < shared.window.since) {
        result.skipped = true;
        return result;
    }
    let length = metadata.len();
    let zone = file.zone();
    let (start, end) = if !file.is_gzip() && length > BISECT_ABOVE {
        let timed = Timed {
            file: &opened,
            length,
            zone: &zone,
        };
        window_range(&timed, shared.window.since, shared.window.until)
    } else {
        (0, length)
    };
    let mut collect = Collect::new(file, shared.window, shared.needles);
    let outcome = if file.is_gzip() {
        let decoder = flate2::read::MultiGzDecoder::new(opened);
        search_budgeted(shared, decoder, true, &mut collect, &mut result.read)
    } else {
        if let Err(error) = opened.seek(SeekFrom::Start(start)) {
            result.error = Some(error.to_string());
            return result;
        }
        let window_part = opened.take(end.saturating_sub(start));
        search_budgeted(
            shared,
            window_part,
            start == 0,
            &mut collect,
            &mut result.read,
        )
    };
    collect.close();
    result.events = collect.events;
    result.error = outcome.err().map(|error| error.to_string());
    result
}

/// Reads the window's error lines (and the needles' lines) of every file, in
/// parallel; events in file order, each file's in line order.
pub fn scan(request: &Request<'_>) -> Result<(Vec<Event>, Cost), String> {
    let matcher = matcher(request.needles)?;
    let remaining = AtomicU64::new(request.limits.byte_budget);
    let hit = AtomicBool::new(false);
    let shared = Shared {
        matcher: &matcher,
        window: request.window,
        needles: request.needles,
        remaining: &remaining,
        hit: &hit,
    };
    let next = AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<FileResult>>> = (0..request.files.len())
        .map(|_| std::sync::Mutex::new(None))
        .collect();
    std::thread::scope(|scope| {
        for _ in 0..request
            .limits
            .threads
            .max(1)
            .min(request.files.len().max(1))
        {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(file) = request.files.get(index) else {
                        break;
                    };
                    let found = scan_file(&shared, file);
                    if let Ok(mut slot) = slots[index].lock() {
                        *slot = Some(found);
                    }
                }
            });
        }
    });
    let mut cost = Cost {
        byte_budget: request.limits.byte_budget,
        ..Cost::default()
    };
    let mut events = Vec::new();
    for (index, slot) in slots.into_iter().enumerate() {
        let Some(result) = slot.into_inner().ok().flatten() else {
            continue;
        };
        cost.bytes_read += result.read;
        if result.skipped {
            cost.files_skipped += 1;
        } else if let Some(error) = result.error {
            let path = request.files[index].path.display().to_string();
            cost.unreadable.push((path, error));
        } else {
            cost.files_read += 1;
        }
        events.extend(result.events);
    }
    cost.budget_hit = hit.load(Ordering::Relaxed);
    Ok((events, cost))
}
