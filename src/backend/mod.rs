//! The daemons hmctl drives, behind one seam. Each kind of backend (Docker
//! Compose groups in [`compose`], systemd unit groups in [`systemd`]) is a
//! module implementing [`ServiceBackend`]; [`Backend`] is the closed set of
//! them, and its dispatch below is the only place that matches on a kind.
//! `ops` talks to a [`Backend`] and never names a daemon.
//!
//! A backend holds its connection, or why there is none: observing a group
//! without a daemon still lists the group's services, as `unknown`.
//!
//! What a third kind of backend would touch, counted (issue 13): 24 places.
//! Three variants: `BackendKind` and `Handle` (in `model`) and [`Backend`].
//! Seventeen matches the compiler then points at: `BackendKind`'s four
//! (`as_str`, `daemon`, `daemon_id`, `creates_missing`), `Handle::kind`, the
//! `dispatch!` arm, the nine per-kind matches here (`connect`, `for_output`,
//! `output_name`, `installed`, `declared`, `endpoint`, `lists_with_daemon`,
//! `hint`, `kind`), and the two default `LogLayout`s in the catalog's
//! `group_entry.rs`. Four it does not: `BackendKind::ALL`,
//! `group_entry::apply`'s check of what a group of the kind needs (a `_`
//! arm), the `Group` fields and `hmctl.toml` keys that name its services
//! (compose's `project` and `files`, systemd's `units`), and the message
//! "a new group needs `backend = ...`". Besides, the kind's own module: the
//! seven methods of [`ServiceBackend`], `connection_error`, and the
//! functions the nine matches call.

mod compose;
mod error;
mod systemd;

pub use error::BackendError;

use crate::catalog::Group;
use crate::compose::ComposeProject;
use crate::exit::Failure;
use crate::model::{BackendKind, Details, Handle, Observation, ServiceStatus, Step};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// How long `hmctl list` may wait for each answer of a daemon.
const LIST_TIMEOUT: Duration = Duration::from_secs(5);

/// What observing the groups of one kind found.
pub struct GroupsReport {
    pub rows: Vec<ServiceStatus>,
    /// Why the daemon could not be asked, if it could not.
    pub error: Option<BackendError>,
    /// The compose projects in use, by group name (compose groups only).
    pub projects: BTreeMap<String, ComposeProject>,
}

/// A line of a service's own output, and whose it is.
pub struct OutputLine {
    pub source: String,
    pub text: Vec<u8>,
}

/// Whose own output to read when a service has no log file.
pub struct OutputSource<'a> {
    /// The service, as the operator named it (lines are tagged with it).
    pub name: &'a str,
    /// Its group.
    pub group: &'a Group,
    /// Its unit names, for unit groups.
    pub units: &'a [String],
}

/// Whether a service runs what its definition says now (`reload`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Outdated(String),
    Current(String),
}

/// A service that exists on this host according to files alone (no daemon
/// asked): what the log commands resolve TARGETs against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    pub name: String,
    pub group: String,
    pub backend: BackendKind,
    /// Unit names (the alternatives), for unit groups.
    pub units: Vec<String>,
    pub aliases: Vec<String>,
}

crate::model::named_by_fields!(Installed);

/// One service of `hmctl list`: declared by a group, and whether it is present.
pub struct Declared {
    pub name: String,
    /// `None` when the daemon could not be asked.
    pub present: Option<bool>,
    /// The unit names as shown (`a.service | b.service`), for unit groups.
    pub unit: Option<String>,
}

/// What each kind of backend does. The methods are the whole seam: `ops`
/// needs nothing else of a daemon.
pub(crate) trait ServiceBackend {
    /// Every service of `groups` (all of this kind), as the daemon sees them now.
    async fn observe_groups(
        &self,
        groups: &[Group],
        deadline: Instant,
    ) -> Result<GroupsReport, Failure>;

    /// What the daemon says of one service now.
    async fn observe(&self, handle: &Handle) -> Result<Observation, BackendError>;

    /// Carries out one step of a plan. `job_timeout` bounds a job the daemon
    /// runs for it; `wait_for_job` asks to wait until that job ends. Returns
    /// the daemon's word when the job ended otherwise than done.
    async fn act(
        &self,
        step: &Step,
        wait_for_job: bool,
        job_timeout: Duration,
    ) -> Result<Option<String>, BackendError>;

    /// A service's own output (a container's output, a unit's journal): the
    /// last `lines` lines, then, when `follow` is given, new lines as they come
    /// (sent there until the output ends).
    async fn output(
        &self,
        source: &OutputSource<'_>,
        lines: usize,
        follow: Option<mpsc::UnboundedSender<OutputLine>>,
    ) -> Result<Vec<Vec<u8>>, Failure>;

    /// Whether each of `services` (of one group) runs what its definition says
    /// now, by `group/name`; services it cannot recreate are left out.
    async fn verdicts(
        &self,
        group: &Group,
        project: Option<&ComposeProject>,
        services: &[&ServiceStatus],
    ) -> Result<HashMap<String, Verdict>, Failure>;

    /// The daemon's own description of a group's services, for a support bundle.
    async fn describe(&self, group: &Group) -> Option<String>;

    /// What the daemon says of a service that is not well beyond its status
    /// line (`diagnose`): health-check runs, exit code, OOM kill, restarts, a
    /// unit's result and last journal lines; bounded by `timeout`.
    async fn details(&self, handle: &Handle, timeout: Duration) -> Result<Details, BackendError>;
}

/// The closed set of backends.
pub enum Backend {
    Compose(compose::Compose),
    Systemd(systemd::Systemd),
}

/// Calls the same method on whichever backend this is.
macro_rules! dispatch {
    ($self:expr, $backend:ident => $call:expr) => {
        match $self {
            Backend::Compose($backend) => $call,
            Backend::Systemd($backend) => $call,
        }
    };
}

impl Backend {
    /// Connects to the daemon of `kind` (within `timeout`); the backend holds
    /// the error when it cannot.
    pub async fn connect(kind: BackendKind, timeout: Duration) -> Backend {
        match kind {
            BackendKind::Compose => Backend::Compose(compose::Compose::connect(timeout).await),
            BackendKind::Systemd => Backend::Systemd(systemd::Systemd::connect(timeout).await),
        }
    }

    /// A backend of `kind` for reading its services' own output: connected
    /// when that output comes through its daemon (a container's), not when it
    /// does not (a unit's journal, which `journalctl` reads).
    pub async fn for_output(kind: BackendKind, timeout: Duration) -> Backend {
        match kind {
            BackendKind::Compose => Backend::Compose(compose::Compose::connect(timeout).await),
            BackendKind::Systemd => Backend::Systemd(systemd::Systemd::offline()),
        }
    }

    /// What a service's own output is, for a note (`its container's output`).
    pub fn output_name(kind: BackendKind, source: &OutputSource<'_>) -> String {
        match kind {
            BackendKind::Compose => "its container's output".to_string(),
            BackendKind::Systemd => format!("the journal of {}", source.units.join(", ")),
        }
    }

    /// The services of `group` according to its files alone. `seen_units`
    /// keeps a unit shared by two groups to the first.
    pub fn installed(
        group: &Group,
        seen_units: &mut Vec<String>,
    ) -> Result<Vec<Installed>, Failure> {
        match group.backend {
            BackendKind::Compose => compose::installed(group),
            BackendKind::Systemd => Ok(systemd::installed(group, seen_units)),
        }
    }

    /// The services `hmctl list` shows for `group`. Only a kind whose
    /// presence needs its daemon is connected (`backend`); others read files.
    pub async fn declared(
        group: &Group,
        backend: Option<&Backend>,
    ) -> Result<Vec<Declared>, Failure> {
        match (group.backend, backend) {
            (BackendKind::Compose, _) => compose::declared(group),
            (BackendKind::Systemd, Some(Backend::Systemd(systemd))) => {
                Ok(systemd.declared(group).await)
            }
            (BackendKind::Systemd, _) => Ok(systemd::Systemd::offline_declared(group)),
        }
    }

    /// Where the daemon of `kind` is reached, for messages.
    pub fn endpoint(kind: BackendKind) -> String {
        match kind {
            BackendKind::Compose => compose::endpoint(),
            BackendKind::Systemd => systemd::endpoint(),
        }
    }

    /// Whether listing a group of `kind` needs its daemon.
    pub fn lists_with_daemon(kind: BackendKind) -> bool {
        match kind {
            BackendKind::Compose => false,
            BackendKind::Systemd => true,
        }
    }

    /// What the operator can do about `error` (each backend words its own).
    pub fn hint(error: &BackendError) -> Option<String> {
        match error.backend() {
            BackendKind::Compose => compose::hint(error),
            BackendKind::Systemd => systemd::hint(error),
        }
    }

    /// Which kind this is.
    pub fn kind(&self) -> BackendKind {
        match self {
            Backend::Compose(_) => BackendKind::Compose,
            Backend::Systemd(_) => BackendKind::Systemd,
        }
    }

    /// Why the daemon could not be reached, if it could not.
    pub fn connection_error(&self) -> Option<&BackendError> {
        dispatch!(self, backend => backend.connection_error())
    }

    pub async fn observe_groups(
        &self,
        groups: &[Group],
        deadline: Instant,
    ) -> Result<GroupsReport, Failure> {
        dispatch!(self, backend => backend.observe_groups(groups, deadline).await)
    }

    pub async fn observe(&self, handle: &Handle) -> Result<Observation, BackendError> {
        dispatch!(self, backend => backend.observe(handle).await)
    }

    pub async fn act(
        &self,
        step: &Step,
        wait_for_job: bool,
        job_timeout: Duration,
    ) -> Result<Option<String>, BackendError> {
        dispatch!(self, backend => backend.act(step, wait_for_job, job_timeout).await)
    }

    pub async fn output(
        &self,
        source: &OutputSource<'_>,
        lines: usize,
        follow: Option<mpsc::UnboundedSender<OutputLine>>,
    ) -> Result<Vec<Vec<u8>>, Failure> {
        dispatch!(self, backend => backend.output(source, lines, follow).await)
    }

    pub async fn verdicts(
        &self,
        group: &Group,
        project: Option<&ComposeProject>,
        services: &[&ServiceStatus],
    ) -> Result<HashMap<String, Verdict>, Failure> {
        dispatch!(self, backend => backend.verdicts(group, project, services).await)
    }

    pub async fn describe(&self, group: &Group) -> Option<String> {
        dispatch!(self, backend => backend.describe(group).await)
    }

    pub async fn details(
        &self,
        handle: &Handle,
        timeout: Duration,
    ) -> Result<Details, BackendError> {
        dispatch!(self, backend => backend.details(handle, timeout).await)
    }
}

/// The connected backends of one command, one per kind it needed; cheap to
/// clone (connections are shared).
#[derive(Clone, Default)]
pub struct Backends {
    by_kind: BTreeMap<BackendKind, std::sync::Arc<Backend>>,
}

impl Backends {
    /// The backend of `kind`, connecting it (within `timeout`) when this set
    /// has none yet.
    pub async fn get_or_connect(
        &mut self,
        kind: BackendKind,
        timeout: Duration,
    ) -> std::sync::Arc<Backend> {
        if let Some(backend) = self.by_kind.get(&kind) {
            return backend.clone();
        }
        let backend = std::sync::Arc::new(Backend::connect(kind, timeout).await);
        self.by_kind.insert(kind, backend.clone());
        backend
    }

    /// Makes sure this set has a backend of `kind` for reading its services'
    /// own output ([`Backend::for_output`]).
    pub async fn for_output(&mut self, kind: BackendKind, timeout: Duration) {
        if let std::collections::btree_map::Entry::Vacant(vacant) = self.by_kind.entry(kind) {
            vacant.insert(std::sync::Arc::new(
                Backend::for_output(kind, timeout).await,
            ));
        }
    }

    /// Adds the backends of `other` (which has other kinds).
    pub fn extend(&mut self, other: Backends) {
        self.by_kind.extend(other.by_kind);
    }

    /// The backend of `kind`, if this set has one.
    pub fn get(&self, kind: BackendKind) -> Option<&Backend> {
        self.by_kind.get(&kind).map(std::convert::AsRef::as_ref)
    }

    /// The backends, by kind.
    pub fn iter(&self) -> impl Iterator<Item = &Backend> {
        self.by_kind.values().map(std::convert::AsRef::as_ref)
    }

    fn reaching(&self, handle: &Handle) -> Result<&Backend, BackendError> {
        let kind = handle.kind();
        self.get(kind).ok_or_else(|| BackendError::Unreachable {
            backend: kind,
            endpoint: Backend::endpoint(kind),
            detail: "not connected".into(),
        })
    }

    /// Carries out a step on the backend that reaches its service.
    pub async fn act(
        &self,
        step: &Step,
        wait_for_job: bool,
        job_timeout: Duration,
    ) -> Result<Option<String>, BackendError> {
        self.reaching(&step.handle)?
            .act(step, wait_for_job, job_timeout)
            .await
    }

    /// What the backend that reaches a service says of it now.
    pub async fn observe(&self, handle: &Handle) -> Result<Observation, BackendError> {
        self.reaching(handle)?.observe(handle).await
    }

    /// What the backend that reaches a service says of it beyond its status line.
    pub async fn details(
        &self,
        handle: &Handle,
        timeout: Duration,
    ) -> Result<Details, BackendError> {
        self.reaching(handle)?.details(handle, timeout).await
    }
}
