//! What the backends tell `hmctl events` through the seam: the window asked
//! for, the events each source read (or why it could not), and where events
//! go while following. The sources themselves live in each backend's module.

use super::BackendError;
use crate::model::{EventSource, ServiceEvent};
use tokio::sync::mpsc;

/// The window `hmctl events` reads: from `since` (all the daemon keeps
/// when `None`) to `until` (`None` only when following).
#[derive(Debug, Clone, Copy, Default)]
pub struct EventWindow {
    pub since: Option<jiff::Timestamp>,
    pub until: Option<jiff::Timestamp>,
}

impl EventWindow {
    /// Whether `time` is within the window.
    pub fn contains(&self, time: jiff::Timestamp) -> bool {
        self.since.is_none_or(|since| time >= since) && self.until.is_none_or(|until| time <= until)
    }
}

/// Where a source's events go: collected for a window, or sent on as they
/// come while following.
pub(crate) struct EventSink<'a> {
    follow: Option<&'a mpsc::UnboundedSender<ServiceEvent>>,
    pub collected: Vec<ServiceEvent>,
}

impl<'a> EventSink<'a> {
    pub fn new(follow: Option<&'a mpsc::UnboundedSender<ServiceEvent>>) -> EventSink<'a> {
        EventSink {
            follow,
            collected: Vec::new(),
        }
    }

    /// Keeps or sends on `event`; false once nobody listens any more.
    pub fn take(&mut self, event: ServiceEvent) -> bool {
        match self.follow {
            Some(sender) => sender.send(event).is_ok(),
            None => {
                self.collected.push(event);
                true
            }
        }
    }
}

/// A source of events that could not be read, and why.
#[derive(Debug, Clone)]
pub struct SourceFailure {
    pub source: EventSource,
    pub error: BackendError,
}

/// What a backend's sources of events said: the events, the sources that
/// answered, and those that could not be read.
#[derive(Debug, Default)]
pub struct EventsRead {
    pub events: Vec<ServiceEvent>,
    pub answered: Vec<EventSource>,
    pub failures: Vec<SourceFailure>,
}

impl EventsRead {
    /// Adds what one source said.
    pub fn add(&mut self, source: EventSource, read: Result<Vec<ServiceEvent>, BackendError>) {
        match read {
            Ok(events) => {
                self.events.extend(events);
                self.answered.push(source);
            }
            Err(error) => self.failures.push(SourceFailure { source, error }),
        }
    }
}
