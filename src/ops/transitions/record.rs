//! One line of `transitions.jsonl`: a change of one service that a
//! `hmctl metrics` run saw between its snapshot and the one before. Its time
//! is when that snapshot was taken — the change happened at or before it,
//! after the previous snapshot — not the daemon's time of the change.

use crate::model::{Health, State};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The version of the record's fields.
pub const SCHEMA: u32 = 1;

/// A service's state as one snapshot saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    pub state: State,
    pub health: Health,
    /// The daemon's restart count (Docker's RestartCount, systemd's NRestarts).
    pub restarts: Option<u64>,
}

/// One service's change between two snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    pub schema: u32,
    /// When the snapshot that saw the change was taken (hmctl's clock, not
    /// the daemon's time of the change: it happened between the previous
    /// snapshot and this one).
    pub observed_at: Timestamp,
    pub group: String,
    pub service: String,
    /// The kind of backend that runs it (`compose`, `systemd`).
    pub backend: String,
    pub from: Seen,
    pub to: Seen,
    /// For a death (it stopped running, or restarted): its last exit code,
    /// when the daemon says; null otherwise.
    pub exit_code: Option<i64>,
    /// For a death: whether it was killed for memory; null otherwise.
    pub oom_killed: Option<bool>,
    /// For a death: the service's last output lines, secrets masked.
    #[serde(default)]
    pub last_lines: Vec<String>,
}

impl Transition {
    /// Whether the service died between the snapshots: it stopped running,
    /// or its daemon restarted it.
    pub fn is_death(&self) -> bool {
        is_death(self.from, self.to)
    }

    /// The record as one line of JSON, newline included.
    pub fn line(&self) -> String {
        crate::ops::bounded_lines::json_line(self)
    }
}

/// Whether going from `from` to `to` is a death.
pub fn is_death(from: Seen, to: Seen) -> bool {
    let ended = matches!(to.state, State::Exited | State::Failed | State::Restarting)
        && from.state != to.state;
    let restarted = to.restarts.unwrap_or(0) > from.restarts.unwrap_or(0);
    ended || restarted
}
