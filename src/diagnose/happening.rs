//! One thing that happened to a service in a diagnosis's window (an
//! operator's change, a death its daemon or the metrics timer remembers), as
//! the report carries it; `happenings` finds them.

use jiff::Timestamp;
use serde::Serialize;

/// Where a happening was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// hmctl's history: an operator's change.
    History,
    /// The daemon's state of the service: its last exit.
    State,
    /// The metrics timer's record (observed at its snapshot's time).
    Transitions,
}

/// One thing that happened to a service in the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Happening {
    /// When it happened (began), in the window's zone.
    pub time: String,
    pub service: String,
    /// What befell it, after its name: `was stopped by alice via hmctl`,
    /// `exited 137 (OOM killed)`.
    pub what: String,
    pub source: Source,
    #[serde(skip)]
    pub at: Timestamp,
    /// When it was over (an operator's run ended); `at` for a death.
    #[serde(skip)]
    pub over: Timestamp,
    /// Whether it took the service down (a death, a stop, a restart).
    #[serde(skip)]
    pub took_down: bool,
}
