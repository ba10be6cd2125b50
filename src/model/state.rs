//! hmctl's state model: the contract's vocabulary for a service's state and
//! health, whichever daemon runs it. The backends translate into it; rendering
//! and exit codes read only this.

use super::kind::BackendKind;
use super::last_change::LastChange;
use super::last_exit::LastExit;
use serde::{Deserialize, Serialize, Serializer};

/// A service's state (`shared/docs/contract.md`, "`status` output").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Running,
    Starting,
    Restarting,
    Stopped,
    Exited,
    Failed,
    /// Declared in a compose file or the catalog, but no container / unit not found.
    Missing,
    /// The backend could not be asked.
    Unknown,
    /// Stopped on purpose and held off by `hmctl maintenance on`: not a
    /// failure (its row stays ok).
    Maintenance,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Running => "running",
            State::Starting => "starting",
            State::Restarting => "restarting",
            State::Stopped => "stopped",
            State::Exited => "exited",
            State::Failed => "failed",
            State::Missing => "missing",
            State::Unknown => "unknown",
            State::Maintenance => "maintenance",
        }
    }
}

/// A service's health-check verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    Healthy,
    Unhealthy,
    Starting,
    /// No health check.
    None,
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::Unhealthy => "unhealthy",
            Health::Starting => "starting",
            Health::None => "none",
        }
    }
}

/// What a backend observed of one service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    pub state: State,
    pub health: Health,
    /// The backend's own words (`Up 3 hours (healthy)`, `failed (Result: exit-code)`).
    pub detail: String,
    /// When the service entered its current state.
    pub since: Option<jiff::Timestamp>,
    pub restarts: Option<u64>,
    pub exit_code: Option<i64>,
    pub pid: Option<u32>,
    /// The last health-check output or the unit's result, for failure messages.
    pub reason: Option<String>,
    /// What the daemon itself proved when it called the service started.
    pub readiness: Readiness,
    /// How the service's process last ended, when the daemon remembers it.
    pub last_exit: Option<LastExit>,
    /// What can start the service again on its own, on demand, and is ready
    /// to: systemd's `TriggeredBy` units that are active (a listening socket,
    /// a path or a timer). A stop does not keep such a service stopped. Empty
    /// for every other kind, and in `status` (read only when hmctl acts).
    pub started_on_demand_by: Vec<String>,
}

/// What a daemon has already proved of a service it reports running, which
/// decides how long hmctl still watches it before calling a start done
/// (`ops::settle`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Readiness {
    /// Only that its process was started: a `Type=simple` / `exec` unit, a
    /// container without a health check.
    #[default]
    Started,
    /// That it said it is ready: `Type=notify`, `forking` or `dbus` — systemd
    /// ends the start job only then.
    Declared,
    /// That its work is over and it left nothing that could die: `Type=oneshot`
    /// with `RemainAfterExit`.
    Finished,
}

impl Observation {
    /// A service the backend does not have.
    pub fn missing(detail: impl Into<String>) -> Self {
        Observation {
            state: State::Missing,
            health: Health::None,
            detail: detail.into(),
            since: None,
            restarts: None,
            exit_code: None,
            pid: None,
            reason: None,
            readiness: Readiness::Started,
            last_exit: None,
            started_on_demand_by: Vec::new(),
        }
    }

    /// A service whose backend could not be asked.
    pub fn unknown(detail: impl Into<String>) -> Self {
        Observation {
            state: State::Unknown,
            ..Observation::missing(detail)
        }
    }

    /// The contract's `ok`: running, and healthy or without a health check.
    pub fn is_ok(&self) -> bool {
        self.state == State::Running && matches!(self.health, Health::Healthy | Health::None)
    }
}

/// How hmctl reaches a service to act on it: the name its daemon knows it by,
/// and what its kind needs beside the name ([`HandleKind`]). A compose handle
/// without its project cannot be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handle {
    /// The service's name for its daemon: a compose service, a unit (the
    /// installed alternative, or the primary name if none is), a script, a job.
    pub name: String,
    kind: HandleKind,
}

/// The kind of backend that reaches a service, with what that kind needs
/// beside the service's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandleKind {
    Compose {
        /// The compose project the service's name is unique within.
        project: String,
        /// The container that runs the service now, when one exists (its id).
        container: Option<String>,
    },
    Systemd,
    Sysv,
    Upstart,
}

impl HandleKind {
    /// The kind of a service that is reached by its name alone (`None` for
    /// compose, which also needs its project).
    pub fn by_name(kind: BackendKind) -> Option<HandleKind> {
        match kind {
            BackendKind::Compose => None,
            BackendKind::Systemd => Some(HandleKind::Systemd),
            BackendKind::Sysv => Some(HandleKind::Sysv),
            BackendKind::Upstart => Some(HandleKind::Upstart),
        }
    }

    /// The kind of backend it is.
    pub fn backend(&self) -> BackendKind {
        match self {
            HandleKind::Compose { .. } => BackendKind::Compose,
            HandleKind::Systemd => BackendKind::Systemd,
            HandleKind::Sysv => BackendKind::Sysv,
            HandleKind::Upstart => BackendKind::Upstart,
        }
    }
}

impl Handle {
    /// The service `name` of a backend of `kind`.
    pub fn new(kind: HandleKind, name: impl Into<String>) -> Handle {
        Handle {
            name: name.into(),
            kind,
        }
    }

    /// The compose `service` of `project`, run by `container` (when one exists).
    pub fn compose(
        project: impl Into<String>,
        service: impl Into<String>,
        container: Option<String>,
    ) -> Handle {
        let project = project.into();
        Handle::new(HandleKind::Compose { project, container }, service)
    }

    /// The kind of backend that reaches the service.
    pub fn kind(&self) -> BackendKind {
        self.kind.backend()
    }

    /// What its kind needs beside the name.
    pub fn reach(&self) -> &HandleKind {
        &self.kind
    }

    /// What runs the service now, where the kind creates one and it exists
    /// (a container's id).
    pub fn instance(&self) -> Option<&str> {
        match &self.kind {
            HandleKind::Compose { container, .. } => container.as_deref(),
            HandleKind::Systemd | HandleKind::Sysv | HandleKind::Upstart => None,
        }
    }

    /// A handle of `kind` for a test: a compose service of project `test`,
    /// without a container.
    #[cfg(test)]
    pub fn example(kind: BackendKind, name: &str) -> Handle {
        let kind = HandleKind::by_name(kind).unwrap_or(HandleKind::Compose {
            project: "test".into(),
            container: None,
        });
        Handle::new(kind, name)
    }
}

/// One row of `hmctl status`: a service and what its backend says of it.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceStatus {
    pub name: String,
    pub group: String,
    /// Always the kind of `handle` (set by [`ServiceStatus::new`]).
    backend: BackendKind,
    pub state: State,
    pub health: Health,
    pub ok: bool,
    pub detail: String,
    #[serde(serialize_with = "serialize_since")]
    pub since: Option<jiff::Timestamp>,
    pub restarts: Option<u64>,
    pub exit_code: Option<i64>,
    pub pid: Option<u32>,
    /// What last happened to it, when recent (`status` fills it).
    pub last_change: Option<LastChange>,
    /// How its process last ended, when the daemon remembers it.
    #[serde(skip)]
    pub last_exit: Option<LastExit>,
    #[serde(skip)]
    pub handle: Handle,
    /// Other names an operator may use for it (alternative unit names).
    #[serde(skip)]
    pub aliases: Vec<String>,
    /// Who put it in maintenance, since when and why, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maintenance: Option<MaintenanceMark>,
}

/// A service's maintenance, as `status` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MaintenanceMark {
    pub by: String,
    #[serde(serialize_with = "serialize_timestamp")]
    pub since: jiff::Timestamp,
    pub reason: Option<String>,
}

impl ServiceStatus {
    /// Marks the service as in maintenance: a stopped one is shown as
    /// `maintenance` and counts as ok; one started by hand since (`--force`)
    /// keeps its state and only carries the mark.
    pub fn mark_maintenance(&mut self, mark: MaintenanceMark) {
        if !matches!(
            self.state,
            State::Running | State::Starting | State::Restarting
        ) {
            let was = std::mem::take(&mut self.detail);
            self.detail = format!(
                "maintenance by {} since {}{}{}",
                mark.by,
                format_timestamp(mark.since),
                mark.reason
                    .as_deref()
                    .map(|reason| format!(": {reason}"))
                    .unwrap_or_default(),
                if was.is_empty() {
                    String::new()
                } else {
                    format!(" ({was})")
                },
            );
            self.state = State::Maintenance;
            self.ok = true;
        }
        self.maintenance = Some(mark);
    }
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `serialize_with` hands over a reference
fn serialize_timestamp<S: Serializer>(
    timestamp: &jiff::Timestamp,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format_timestamp(*timestamp))
}

impl ServiceStatus {
    pub fn new(name: &str, group: &str, handle: Handle, observation: Observation) -> Self {
        ServiceStatus {
            name: name.to_string(),
            group: group.to_string(),
            backend: handle.kind(),
            ok: observation.is_ok(),
            state: observation.state,
            health: observation.health,
            detail: observation.detail,
            since: observation.since,
            restarts: observation.restarts,
            exit_code: observation.exit_code,
            pid: observation.pid,
            last_change: None,
            last_exit: observation.last_exit,
            handle,
            aliases: Vec::new(),
            maintenance: None,
        }
    }

    /// The kind of backend that runs it.
    pub fn backend(&self) -> BackendKind {
        self.backend
    }
}

super::named::named_by_fields!(ServiceStatus);

/// Timestamps in JSON: RFC 3339, UTC, whole seconds (`2026-11-23T08:00:00Z`).
#[allow(clippy::ref_option)] // serde's `serialize_with` hands over `&Option<T>`
fn serialize_since<S: Serializer>(
    since: &Option<jiff::Timestamp>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match since {
        Some(timestamp) => serializer.serialize_str(&format_timestamp(*timestamp)),
        None => serializer.serialize_none(),
    }
}

pub fn format_timestamp(timestamp: jiff::Timestamp) -> String {
    let seconds = jiff::Timestamp::from_second(timestamp.as_second()).unwrap_or(timestamp);
    seconds.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observation(state: State, health: Health) -> Observation {
        Observation {
            state,
            health,
            ..Observation::missing("")
        }
    }

    #[test]
    fn ok_means_running_and_healthy_or_unchecked() {
        assert!(observation(State::Running, Health::Healthy).is_ok());
        assert!(observation(State::Running, Health::None).is_ok());
        assert!(!observation(State::Running, Health::Starting).is_ok());
        assert!(!observation(State::Running, Health::Unhealthy).is_ok());
        assert!(!observation(State::Exited, Health::None).is_ok());
        assert!(!observation(State::Missing, Health::None).is_ok());
    }

    #[test]
    fn a_stopped_service_in_maintenance_is_ok_and_says_who_since_and_why() {
        let mark = MaintenanceMark {
            by: "alice".into(),
            since: "2026-12-04T22:00:00Z".parse().unwrap(),
            reason: Some("disk swap".into()),
        };
        let mut stopped = ServiceStatus::new(
            "rabbitmq",
            "console",
            Handle::compose("test", "rabbitmq", None),
            Observation {
                detail: "Exited (0) 3 minutes ago".into(),
                ..observation(State::Exited, Health::None)
            },
        );
        stopped.mark_maintenance(mark.clone());
        assert_eq!(stopped.state, State::Maintenance);
        assert!(stopped.ok);
        assert_eq!(
            stopped.detail,
            "maintenance by alice since 2026-12-04T22:00:00Z: disk swap (Exited (0) 3 minutes ago)"
        );
        let json = serde_json::to_value(&stopped).unwrap();
        assert_eq!(json["state"], "maintenance");
        assert_eq!(
            json["maintenance"],
            serde_json::json!({"by": "alice", "since": "2026-12-04T22:00:00Z", "reason": "disk swap"})
        );
        let mut forced = ServiceStatus::new(
            "rabbitmq",
            "console",
            Handle::compose("test", "rabbitmq", None),
            observation(State::Running, Health::Unhealthy),
        );
        forced.mark_maintenance(mark);
        assert_eq!(forced.state, State::Running);
        assert!(!forced.ok);
        assert!(forced.maintenance.is_some());
    }

    #[test]
    fn timestamps_are_whole_seconds_in_utc() {
        let timestamp: jiff::Timestamp = "2026-11-23T08:00:00.123456789Z".parse().unwrap();
        assert_eq!(format_timestamp(timestamp), "2026-11-23T08:00:00Z");
    }
}
