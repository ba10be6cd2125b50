//! The data `hmctl diagnose` hands to rendering: the same content for people
//! and for `--json` (schema 1), in the guide's order — state, errors, chains,
//! verdict — with what reading cost.

use super::chain::Chain;
use super::rules::Side;
use super::scan::Cost;
use super::signature::Level;
use super::window::Window;
use crate::exit::Exit;
use crate::model::Details;
use crate::model::{Health, State};
use serde::Serialize;

/// What was asked for.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Scope {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keyword: Option<String>,
}

/// One service that matters, as its backend sees it now.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceState {
    pub name: String,
    pub group: String,
    pub state: State,
    pub health: Health,
    pub ok: bool,
    pub detail: String,
    pub restarts: Option<u64>,
    pub exit_code: Option<i64>,
    /// What Docker or systemd says beyond the status line (only for a
    /// service that is not ok).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Details>,
}

/// The guide's verdict on one finding, and what to do next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub side: Side,
    /// The rule of `rules.toml` that decided (or `service-down` for a state).
    pub rule: String,
    pub cause: String,
    pub advice: String,
    /// The next command to run.
    pub next: String,
}

/// Where a finding comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// A service is not running or not healthy.
    State,
    /// Error lines in the window.
    Logs,
}

/// One abnormal thing: a service's state, or one error signature.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub source: Source,
    pub signature: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    pub count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
    pub services: Vec<String>,
    /// The first line as written, and where.
    pub sample: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub request_ids: Vec<String>,
    pub verdict: Verdict,
    /// The rule's rank: a lower one decides the summary.
    #[serde(skip)]
    pub rank: usize,
}

/// The answer in one place: which service failed first, and the verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_failing_service: Option<String>,
    /// One service failed, or a failure passed across several.
    pub cross_service: bool,
    pub side: Side,
    pub rule: String,
    pub cause: String,
    pub advice: String,
    pub next: String,
}

/// The whole `diagnose` answer (`--json` schema 1).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: u32,
    pub host: String,
    pub scope: Scope,
    pub window: Window,
    pub ok: bool,
    pub services: Vec<ServiceState>,
    pub findings: Vec<Finding>,
    /// Error signatures in the window left out because they do not concern
    /// the `--id` / KEYWORD.
    pub unrelated_signatures: usize,
    pub chains: Vec<Chain>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<Summary>,
    pub cost: Cost,
    /// What could not be asked or read (a daemon down, a file unreadable).
    pub notes: Vec<String>,
    #[serde(skip)]
    pub exit: Exit,
}
