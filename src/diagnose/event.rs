//! One error of the window as `diagnose` reports it, and how the candidate
//! lines of a file become those errors: a timed error line (or one naming the
//! `--id` / KEYWORD) inside the window opens an event, and the untimed lines
//! right after it (a traceback), or OpenStack's repeats of its time and level,
//! continue it.

use super::candidates::{Line, Visitor};
use super::signature::{Level, level};
use super::window::Window;
use crate::log_files::files::LogFile;
use crate::log_files::timeline::line_time;

/// Untimed lines (a traceback) after an error line that belong to it.
pub const CONTINUATION_LINES: usize = 20;
/// An event keeps at most this much text.
const EVENT_TEXT_LIMIT: usize = 4000;

/// One error (or, with `--id`/KEYWORD, one mention): a line and the untimed
/// lines continuing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The instant of its first line.
    pub time: jiff::Timestamp,
    pub service: String,
    pub location: Location,
    /// `None`: not an error, read because it names the `--id` or KEYWORD.
    pub level: Option<Level>,
    /// The first line.
    pub first: String,
    /// Every line of the event, joined by `\n` (bounded).
    pub text: String,
}

/// Where an event's first line stands: `path:line`, or the path alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: String,
    /// Line number in the file, when the file was read from its start.
    pub line: Option<u64>,
}

impl std::fmt::Display for Location {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(formatter, "{}:{line}", self.path),
            None => formatter.write_str(&self.path),
        }
    }
}

/// The event being read, and where its next line would start.
struct Open {
    event: Event,
    next_offset: u64,
    /// Lines continuing the first one so far.
    lines: usize,
}

/// Builds the events of one file from its candidate lines.
pub struct Collect<'a> {
    file: &'a LogFile,
    /// The zone the file's writer writes times in.
    zone: jiff::tz::TimeZone,
    window: &'a Window,
    needles: &'a [String],
    /// The events read so far, in line order ([`Collect::close`] adds the last).
    pub events: Vec<Event>,
    open: Option<Open>,
    /// An error line after the window was read: the rest of the file is later.
    past_window: bool,
}

impl<'a> Collect<'a> {
    pub fn new(file: &'a LogFile, window: &'a Window, needles: &'a [String]) -> Self {
        Collect {
            file,
            zone: file.zone(),
            window,
            needles,
            events: Vec::new(),
            open: None,
            past_window: false,
        }
    }

    /// Ends the open event, if any.
    pub fn close(&mut self) {
        if let Some(open) = self.open.take() {
            self.events.push(open.event);
        }
    }

    fn extend(&mut self, line: &Line<'_>, text: &str) -> bool {
        let Some(open) = self.open.as_mut() else {
            return false;
        };
        if line.offset != open.next_offset || open.lines >= CONTINUATION_LINES {
            return false;
        }
        if open.event.text.len() + text.len() < EVENT_TEXT_LIMIT {
            open.event.text.push('\n');
            open.event.text.push_str(text);
        }
        open.next_offset = line.next_offset();
        open.lines += 1;
        true
    }

    /// Takes one line: `line.candidate` says it holds a level word or needle.
    pub fn line(&mut self, line: &Line<'_>) {
        let text = String::from_utf8_lossy(line.bytes);
        let text = text.trim_end_matches(['\n', '\r']);
        let Some(time) = line_time(text.as_bytes(), &self.zone) else {
            // Untimed: a traceback line continuing the open event.
            if !self.extend(line, text) {
                self.close();
            }
            return;
        };
        if !line.candidate {
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
        if !self.window.contains(time) {
            self.close();
            self.past_window |= time > self.window.until;
            return;
        }
        // OpenStack writes a traceback as many lines with one time and prefix.
        let same = self.open.as_ref().is_some_and(|open| {
            line.offset == open.next_offset
                && open.event.time == time
                && open.event.level == found
                && found.is_some()
        });
        if same && self.extend(line, text) {
            return;
        }
        self.close();
        let first: String = text.chars().take(EVENT_TEXT_LIMIT / 2).collect();
        self.open = Some(Open {
            event: Event {
                time,
                service: self.file.service.clone(),
                location: Location {
                    path: self.file.path.display().to_string(),
                    line: line.number,
                },
                level: found,
                text: first.clone(),
                first,
            },
            next_offset: line.next_offset(),
            lines: 0,
        });
    }
}

impl Visitor for Collect<'_> {
    /// The lines right after an open event's last, while it may still grow.
    fn wants_next_line(&self) -> bool {
        self.open
            .as_ref()
            .is_some_and(|open| open.lines < CONTINUATION_LINES)
    }

    fn visit(&mut self, line: &Line<'_>) -> bool {
        self.line(line);
        !self.past_window
    }
}

#[cfg(test)]
mod tests {
    use super::Location;

    #[test]
    fn a_location_names_the_line_when_it_is_known() {
        let mut location = Location {
            path: "/var/log/porter/porter-api.log".into(),
            line: Some(12),
        };
        assert_eq!(location.to_string(), "/var/log/porter/porter-api.log:12");
        location.line = None;
        assert_eq!(location.to_string(), "/var/log/porter/porter-api.log");
    }
}
