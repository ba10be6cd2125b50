//! The vocabulary of an operation: the verb an operator asked for, the
//! action it means for one service, and one service's step of a plan. Plans
//! are data: `ops` builds them, a backend carries out one step at a time.

use super::kind::BackendKind;
use super::state::Handle;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Duration;

/// What the operator asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verb {
    Start,
    Stop,
    Restart,
    Reload,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Start => "start",
            Verb::Stop => "stop",
            Verb::Restart => "restart",
            Verb::Reload => "reload",
        }
    }
}

/// What happens to one service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Start,
    Stop,
    Restart,
    /// A declared compose service without a container: `up -d --no-deps`.
    Create,
    /// A container on an outdated image or configuration: `up -d --no-deps --force-recreate`.
    Recreate,
    /// Already running: only wait for it to be healthy.
    Wait,
    /// Already in the wanted state.
    Skip,
    /// Cannot be done (a unit that is not installed).
    Impossible,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Stop => "stop",
            Action::Restart => "restart",
            Action::Create => "create",
            Action::Recreate => "recreate",
            Action::Wait => "wait",
            Action::Skip => "skip",
            Action::Impossible => "cannot",
        }
    }

    /// Whether the action changes the host.
    pub fn changes(self) -> bool {
        // Exhaustive on purpose: a new action must say whether it changes the host.
        match self {
            Action::Start | Action::Stop | Action::Restart | Action::Create | Action::Recreate => {
                true
            }
            Action::Wait | Action::Skip | Action::Impossible => false,
        }
    }

    /// Whether the step ends with the service coming up, to be watched until
    /// it is up and has stayed up.
    pub fn brings_up(self) -> bool {
        match self {
            Action::Start | Action::Restart | Action::Create | Action::Recreate | Action::Wait => {
                true
            }
            Action::Stop | Action::Skip | Action::Impossible => false,
        }
    }
}

/// A duration in JSON: seconds, as a number (`2.0`), or `null`.
#[allow(clippy::ref_option)] // serde's `serialize_with` hands over `&Option<T>`
fn seconds<S: serde::Serializer>(
    duration: &Option<Duration>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match duration {
        Some(duration) => serializer.serialize_f64(duration.as_secs_f64()),
        None => serializer.serialize_none(),
    }
}

/// One service's part of the plan.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub service: String,
    pub group: String,
    pub backend: BackendKind,
    pub action: Action,
    /// The service's state when the plan was made, in the backend's words.
    pub now: String,
    /// The services of the plan this step waits for: what it needs up first
    /// (start, restart), or what needs it and must be stopped first (stop).
    pub after: Vec<String>,
    /// How long a service that came up must stay up before its step is done;
    /// `None` when the step does not wait for the service to be up.
    #[serde(rename = "settle_seconds", serialize_with = "seconds")]
    pub settle: Option<Duration>,
    #[serde(skip)]
    pub handle: Handle,
    /// How long a stop may take before the service is killed.
    #[serde(skip)]
    pub stop_grace: Duration,
    /// The compose files a `Create` uses.
    #[serde(skip)]
    pub compose_files: Vec<PathBuf>,
}
