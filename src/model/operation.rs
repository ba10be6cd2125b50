//! The vocabulary of an operation: the verb an operator asked for, the
//! action it means for one service, and one service's step of a plan. Plans
//! are data: `ops` builds them, a backend carries out one step at a time.

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

/// A step's handle in JSON: the kind of backend that reaches the service.
fn backend_of<S: serde::Serializer>(handle: &Handle, serializer: S) -> Result<S::Ok, S::Error> {
    handle.kind().serialize(serializer)
}

/// One service's part of the plan.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub service: String,
    pub group: String,
    /// How hmctl reaches the service; in JSON, the kind of backend that does
    /// (`"backend": "compose"`), so the two cannot disagree.
    #[serde(rename = "backend", serialize_with = "backend_of")]
    pub handle: Handle,
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
    /// How long a stop may take before the service is killed.
    #[serde(skip)]
    pub stop_grace: Duration,
    /// The compose files a `Create` uses.
    #[serde(skip)]
    pub compose_files: Vec<PathBuf>,
}

#[cfg(test)]
impl Step {
    /// A restart of service `api` of group `console` through `handle`, for tests.
    pub fn example(handle: Handle) -> Step {
        Step {
            service: "api".into(),
            group: "console".into(),
            handle,
            action: Action::Restart,
            now: "Up 3 hours".into(),
            after: vec![],
            settle: None,
            stop_grace: Duration::from_secs(10),
            compose_files: vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HandleKind;

    #[test]
    fn a_step_names_its_backend_from_its_handle_where_it_always_did() {
        let step = Step::example;
        let container = step(Handle::compose("production", "api", None));
        assert_eq!(
            serde_json::to_string(&container).unwrap(),
            r#"{"service":"api","group":"console","backend":"compose","action":"restart","now":"Up 3 hours","after":[],"settle_seconds":null}"#
        );
        let unit = step(Handle::new(HandleKind::Systemd, "api.service"));
        assert!(
            serde_json::to_string(&unit)
                .unwrap()
                .contains(r#""group":"console","backend":"systemd","action""#)
        );
    }
}
