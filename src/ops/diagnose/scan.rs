//! Reading the error lines of a time window out of many log files, at a
//! bounded cost: a file last written before the window is not opened; in a
//! large plain file the window's first and last lines are found by bisection
//! (logs are written in time order), so only the window is read; gzipped
//! rotations are streamed; and all reading shares one byte budget. The search
//! itself is ripgrep's searcher over a handful of literals, in parallel over
//! files — so a window that covers everything costs about what `grep` does.

use super::position::{modified_key, window_range};
use super::signature::{Level, level};
use super::window::Window;
use crate::ops::logs::files::LogFile;
use crate::ops::logs::timeline::line_time;
use grep_regex::{RegexMatcher, RegexMatcherBuilder};
use grep_searcher::{BinaryDetection, Searcher, SearcherBuilder, Sink, SinkContext, SinkMatch};
use std::io::{Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// Untimed lines (a traceback) after an error line that belong to it.
const CONTINUATION_LINES: usize = 20;
/// An event keeps at most this much text.
const EVENT_TEXT_LIMIT: usize = 4000;
/// Plain files larger than this are bisected to the window.
const BISECT_ABOVE: u64 = 1024 * 1024;

/// The words that make a line worth looking at; the level is checked after.
/// The product's formats put a level word on every timed line; the untimed
/// lines of a traceback are read as the context after their error line.
/// Few literals keep the search as fast as grep's.
const CANDIDATES: &[&str] = &[
    "ERROR",
    "CRITICAL",
    "FATAL",
    "[error]",
    "level=error",
    "level=fatal",
    "panic:",
];

/// One error (or, with `--id`/KEYWORD, one mention): a line and the untimed
/// lines continuing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The sortable time key of its first line.
    pub time: String,
    pub service: String,
    pub group: String,
    pub path: String,
    /// Line number in the file, when the file was read from its start.
    pub line: Option<u64>,
    /// `None`: not an error, read because it names the `--id` or KEYWORD.
    pub level: Option<Level>,
    /// The first line.
    pub first: String,
    /// Every line of the event, joined by `\n` (bounded).
    pub text: String,
    pub high_priority: bool,
}

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
    pub files: &'a [(LogFile, bool)],
    pub window: &'a Window,
    /// Literals whose lines are read whatever their level (`--id`, KEYWORD).
    pub needles: &'a [String],
    pub byte_budget: u64,
    pub threads: usize,
}

fn matcher(needles: &[String]) -> Result<RegexMatcher, String> {
    let literals: Vec<String> = CANDIDATES
        .iter()
        .map(|word| regex::escape(word))
        .chain(needles.iter().map(|needle| regex::escape(needle)))
        .collect();
    RegexMatcherBuilder::new()
        .line_terminator(Some(b'\n'))
        .build(&literals.join("|"))
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

/// Builds events from the searcher's matches and context lines.
struct Collect<'a> {
    file: &'a LogFile,
    high_priority: bool,
    window: &'a Window,
    needles: &'a [String],
    from_start: bool,
    events: Vec<Event>,
    open: Option<(Event, u64, usize)>,
    past_window: bool,
}

impl Collect<'_> {
    fn close(&mut self) {
        if let Some((event, _, _)) = self.open.take() {
            self.events.push(event);
        }
    }

    fn extend(&mut self, number: u64, text: &str) -> bool {
        let Some((event, last, lines)) = self.open.as_mut() else {
            return false;
        };
        if number != *last + 1 || *lines >= CONTINUATION_LINES {
            return false;
        }
        if event.text.len() + text.len() < EVENT_TEXT_LIMIT {
            event.text.push('\n');
            event.text.push_str(text);
        }
        *last = number;
        *lines += 1;
        true
    }

    fn line(&mut self, number: u64, bytes: &[u8], matched: bool) {
        let text = String::from_utf8_lossy(bytes);
        let text = text.trim_end_matches(['\n', '\r']);
        let Some(time) = line_time(text.as_bytes()) else {
            // Untimed: a traceback line continuing the open event.
            if !self.extend(number, text) {
                self.close();
            }
            return;
        };
        if !matched {
            self.close();
            return;
        }
        let found = level(text);
        let mentioned = self
            .needles
            .iter()
            .any(|needle| text.contains(needle.as_str()));
        if found.is_none() && !mentioned {
            self.close();
            return;
        }
        if !self.window.contains(&time) {
            self.close();
            self.past_window |= time.as_str() > self.window.until.as_str();
            return;
        }
        // OpenStack writes a traceback as many lines with one time and prefix.
        let same = self.open.as_ref().is_some_and(|(event, last, _)| {
            number == *last + 1 && event.time == time && event.level == found && found.is_some()
        });
        if same && self.extend(number, text) {
            return;
        }
        self.close();
        let first: String = text.chars().take(EVENT_TEXT_LIMIT / 2).collect();
        self.open = Some((
            Event {
                time,
                service: self.file.service.clone(),
                group: self.file.group.clone(),
                path: self.file.path.display().to_string(),
                line: self.from_start.then_some(number),
                level: found,
                text: first.clone(),
                first,
                high_priority: self.high_priority,
            },
            number,
            0,
        ));
    }
}

impl Sink for Collect<'_> {
    type Error = std::io::Error;

    fn matched(&mut self, _: &Searcher, found: &SinkMatch<'_>) -> Result<bool, Self::Error> {
        let first = found.line_number().unwrap_or(0);
        for (offset, line) in found
            .bytes()
            .split_inclusive(|byte| *byte == b'\n')
            .enumerate()
        {
            self.line(first + offset as u64, line, true);
        }
        Ok(!self.past_window)
    }

    fn context(&mut self, _: &Searcher, context: &SinkContext<'_>) -> Result<bool, Self::Error> {
        self.line(context.line_number().unwrap_or(0), context.bytes(), false);
        Ok(true)
    }

    fn context_break(&mut self, _: &Searcher) -> Result<bool, Self::Error> {
        self.close();
        Ok(true)
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

/// Searches `reader` through the shared budget; adds what it read to `read`.
fn search_budgeted(
    shared: &Shared<'_>,
    searcher: &mut Searcher,
    reader: impl Read,
    sink: &mut Collect<'_>,
    read: &mut u64,
) -> std::io::Result<()> {
    let mut budgeted = Budgeted {
        inner: reader,
        remaining: shared.remaining,
        hit: shared.hit,
        read: 0,
    };
    let outcome = searcher.search_reader(shared.matcher, &mut budgeted, sink);
    *read += budgeted.read;
    outcome
}

fn scan_file(shared: &Shared<'_>, file: &LogFile, high_priority: bool) -> FileResult {
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
    if modified_key(&metadata).is_some_and(|key| key < shared.window.since) {
        result.skipped = true;
        return result;
    }
    let length = metadata.len();
    let (start, end) = if !file.is_gzip() && length > BISECT_ABOVE {
        window_range(&opened, length, &shared.window.since, &shared.window.until)
    } else {
        (0, length)
    };
    let mut searcher = SearcherBuilder::new()
        .line_number(true)
        .after_context(CONTINUATION_LINES)
        .binary_detection(BinaryDetection::quit(b'\x00'))
        .build();
    let mut sink = Collect {
        file,
        high_priority,
        window: shared.window,
        needles: shared.needles,
        from_start: start == 0,
        events: Vec::new(),
        open: None,
        past_window: false,
    };
    let outcome = if file.is_gzip() {
        let decoder = flate2::read::MultiGzDecoder::new(std::io::BufReader::new(opened));
        search_budgeted(shared, &mut searcher, decoder, &mut sink, &mut result.read)
    } else {
        if let Err(error) = opened.seek(SeekFrom::Start(start)) {
            result.error = Some(error.to_string());
            return result;
        }
        let window_part = opened.take(end.saturating_sub(start));
        search_budgeted(
            shared,
            &mut searcher,
            window_part,
            &mut sink,
            &mut result.read,
        )
    };
    sink.close();
    result.events = sink.events;
    result.error = outcome.err().map(|error| error.to_string());
    result
}

/// Reads the window's error lines (and the needles' lines) of every file, in
/// parallel; events in file order, each file's in line order.
pub fn scan(request: &Request<'_>) -> Result<(Vec<Event>, Cost), String> {
    let matcher = matcher(request.needles)?;
    let remaining = AtomicU64::new(request.byte_budget);
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
        for _ in 0..request.threads.max(1).min(request.files.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some((file, high_priority)) = request.files.get(index) else {
                        break;
                    };
                    let found = scan_file(&shared, file, *high_priority);
                    if let Ok(mut slot) = slots[index].lock() {
                        *slot = Some(found);
                    }
                }
            });
        }
    });
    let mut cost = Cost {
        byte_budget: request.byte_budget,
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
            let path = request.files[index].0.path.display().to_string();
            cost.unreadable.push((path, error));
        } else {
            cost.files_read += 1;
        }
        events.extend(result.events);
    }
    cost.budget_hit = hit.load(Ordering::Relaxed);
    Ok((events, cost))
}
