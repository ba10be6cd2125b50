//! The daemons hmctl drives, behind one seam. Each kind of backend (Docker
//! Compose groups in [`compose`], systemd unit groups in [`systemd`]) is a
//! module implementing [`ServiceBackend`]; [`Backend`] is the closed set of
//! them, an enum whose dispatch is written out by hand (a `match` of one arm
//! per kind in each method below). `ops` talks to a [`Backend`] and never
//! names a daemon.
//!
//! A backend holds its connection, or why there is none: observing a group
//! without a daemon still lists the group's services, as `unknown`. How a
//! command reaches each kind is a [`Backends`] it builds and hands to `ops`
//! (the real daemons; in the tests, the in-memory `world`, a variant of
//! its own that plays any kind).
//!
//! Init scripts ([`sysv`]) and upstart jobs ([`upstart`]) are the third and
//! fourth kinds, on hosts whose PID 1 is not systemd (the catalog chooses
//! them: `catalog::host_init`).
//!
//! A further kind of backend (issue 13) adds its module (a type implementing
//! [`ServiceBackend`] and [`BackendModule`], declared by a `mod` line here),
//! its variant of [`Backend`] with its `From` / `TryFrom`, one arm in each
//! `match` below, and its `BackendKind` (`src/model/kind.rs`: the variant
//! and its row of facts). The compiler names every `match` that lacks it.

mod backends;
mod compose;
mod definition;
mod error;
mod events;
mod systemd;
mod sysv;
mod unread;
mod upstart;
// Only the unit tests build a world; a build that has the feature for other
// test targets compiles it unused.
#[cfg(feature = "test-world")]
#[cfg_attr(not(test), allow(dead_code))]
pub mod world;

pub use backends::Backends;
pub use definition::GroupDefinition;
pub use error::BackendError;
pub(crate) use events::EventSink;
pub use events::{EventWindow, EventsRead, SourceFailure};
pub use unread::UnreadFiles;

use crate::catalog::{Catalog, Group};
use crate::exit::Failure;
use crate::model::{
    AutoStart, BackendKind, Details, Handle, Observation, ServiceEvent, ServiceStatus, Step,
};
use crate::settings::{Daemons, Settings};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// What observing the groups of one kind found.
#[derive(Default)]
pub struct GroupsReport {
    pub rows: Vec<ServiceStatus>,
    /// Why the daemon could not be asked, if it could not.
    pub error: Option<BackendError>,
    /// What each group's files declare, by group name (the groups whose
    /// kind reads a definition: compose files).
    pub definitions: BTreeMap<String, GroupDefinition>,
    /// The groups whose compose files could not be read (their rows are
    /// their containers, as the daemon lists them).
    pub unread: Vec<UnreadFiles>,
}

impl GroupsReport {
    /// Adds what observing one group found; the first error found is the one
    /// kept.
    fn add(&mut self, rows: Vec<ServiceStatus>, error: Option<BackendError>) {
        self.rows.extend(rows);
        if self.error.is_none() {
            self.error = error;
        }
    }
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
}

/// The zones a group's services write their log times in, for the commands
/// that compare times (`logs`, `diagnose`): each service's own, and the zone
/// of the group's other writers (files no service claims, services the daemon
/// did not answer for).
#[derive(Debug, Clone)]
pub struct WriterZones {
    pub services: HashMap<String, jiff::tz::TimeZone>,
    pub others: jiff::tz::TimeZone,
    /// Why the daemon could not be asked, if it could not.
    pub unasked: Option<String>,
}

impl WriterZones {
    /// Every writer in one zone.
    pub fn all_in(zone: jiff::tz::TimeZone) -> WriterZones {
        WriterZones {
            services: HashMap::new(),
            others: zone,
            unasked: None,
        }
    }
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
    /// Other names an operator may use for it (a unit's names).
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

/// The services `hmctl list` shows for one group, and why its files could
/// not be read, when they could not (the services are then the guides' names).
pub struct DeclaredGroup {
    pub services: Vec<Declared>,
    pub unread: Option<UnreadFiles>,
}

impl From<Vec<Declared>> for DeclaredGroup {
    fn from(services: Vec<Declared>) -> DeclaredGroup {
        DeclaredGroup {
            services,
            unread: None,
        }
    }
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

    /// What brings the service back by itself now: a container's restart
    /// policy, a unit's enablement at boot (maintenance remembers it).
    async fn auto_start(&self, handle: &Handle) -> Result<AutoStart, BackendError>;

    /// Sets what brings the service back by itself, persistently (it holds
    /// through a daemon restart and a reboot): maintenance holds it off and
    /// gives back what was there.
    async fn set_auto_start(&self, handle: &Handle, wanted: &AutoStart)
    -> Result<(), BackendError>;

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
    /// now, by `group/name`; services it cannot recreate are left out — by
    /// default all of them (a unit or a script comes from its package).
    async fn verdicts(
        &self,
        _group: &Group,
        _definition: Option<&GroupDefinition>,
        _services: &[&ServiceStatus],
    ) -> Result<HashMap<String, Verdict>, Failure> {
        Ok(HashMap::new())
    }

    /// The daemon's own description of a group's services, for a support
    /// bundle; by default none.
    async fn describe(&self, _group: &Group) -> Option<String> {
        None
    }

    /// The zones `group`'s services write their log times in, asked once
    /// (within `timeout`); by default the host's (services that run on it).
    async fn writer_zones(&self, _group: &Group, _timeout: Duration) -> WriterZones {
        WriterZones::all_in(jiff::tz::TimeZone::system())
    }

    /// What the daemon says of a service that is not well beyond its status
    /// line (`diagnose`): health-check runs, exit code, OOM kill, restarts, a
    /// unit's result and last journal lines; bounded by `timeout`.
    async fn details(&self, handle: &Handle, timeout: Duration) -> Result<Details, BackendError>;

    /// What happened to `groups`' services (all of this kind) in `window`,
    /// by the daemon's own records, each read within `timeout`. With
    /// `follow`, what happens from `window.since` on is sent there instead,
    /// until the daemon's stream ends. By default nothing: a kind that keeps
    /// no records.
    async fn events(
        &self,
        _groups: &[Group],
        _window: EventWindow,
        _timeout: Duration,
        _follow: Option<mpsc::UnboundedSender<ServiceEvent>>,
    ) -> EventsRead {
        EventsRead::default()
    }
}

/// The closed set of backends: one variant per kind, holding its module's
/// type. Every `match` on it is written out below, one arm per kind.
pub enum Backend {
    Compose(compose::Compose),
    Systemd(systemd::Systemd),
    Sysv(sysv::Sysv),
    Upstart(upstart::Upstart),
    /// The in-memory world playing one kind (the hermetic tests').
    #[cfg(feature = "test-world")]
    World(world::Played),
}

#[cfg(feature = "test-world")]
impl From<world::Played> for Backend {
    fn from(backend: world::Played) -> Backend {
        Backend::World(backend)
    }
}

impl From<compose::Compose> for Backend {
    fn from(backend: compose::Compose) -> Backend {
        Backend::Compose(backend)
    }
}

impl From<systemd::Systemd> for Backend {
    fn from(backend: systemd::Systemd) -> Backend {
        Backend::Systemd(backend)
    }
}

impl From<sysv::Sysv> for Backend {
    fn from(backend: sysv::Sysv) -> Backend {
        Backend::Sysv(backend)
    }
}

impl From<upstart::Upstart> for Backend {
    fn from(backend: upstart::Upstart) -> Backend {
        Backend::Upstart(backend)
    }
}

impl<'a> TryFrom<&'a Backend> for &'a compose::Compose {
    type Error = ();

    fn try_from(backend: &'a Backend) -> Result<&'a compose::Compose, ()> {
        match backend {
            Backend::Compose(compose) => Ok(compose),
            Backend::Systemd(_) | Backend::Sysv(_) | Backend::Upstart(_) => Err(()),
            #[cfg(feature = "test-world")]
            Backend::World(_) => Err(()),
        }
    }
}

impl<'a> TryFrom<&'a Backend> for &'a systemd::Systemd {
    type Error = ();

    fn try_from(backend: &'a Backend) -> Result<&'a systemd::Systemd, ()> {
        match backend {
            Backend::Systemd(systemd) => Ok(systemd),
            Backend::Compose(_) | Backend::Sysv(_) | Backend::Upstart(_) => Err(()),
            #[cfg(feature = "test-world")]
            Backend::World(_) => Err(()),
        }
    }
}

/// What a kind's module is before it is asked anything: how it connects,
/// what its groups declare by files alone, how it words its errors. With
/// [`ServiceBackend`], everything a kind of backend provides.
pub(crate) trait BackendModule: ServiceBackend + Sized {
    /// Connects to the daemon the `settings` name (within their daemon
    /// timeout), or holds why it cannot; keeps what it needs of them and of
    /// the `catalog` hmctl runs with (loaded once, by `app`).
    async fn connect(settings: &Settings, catalog: &Arc<Catalog>) -> Self;

    /// A backend for reading its services' own output (connected only when
    /// that output comes through the daemon).
    async fn for_output(settings: &Settings, catalog: &Arc<Catalog>) -> Self;

    /// What a service's own output is, for a note.
    fn output_name(source: &OutputSource<'_>) -> String;

    /// The services of `group` according to its files alone.
    fn installed(group: &Group, seen_units: &mut Vec<String>) -> Result<Vec<Installed>, Failure>;

    /// The services `hmctl list` shows for `group` (`connected`: the
    /// backend, when this kind lists with its daemon and it was connected).
    async fn declared(group: &Group, connected: Option<&Self>) -> Result<DeclaredGroup, Failure>;

    /// Where the daemon is reached (of `daemons`), for messages.
    fn endpoint(daemons: &Daemons) -> String;

    /// What the operator can do about `error`.
    fn hint(error: &BackendError) -> Option<String>;

    /// Why the daemon could not be reached, if it could not.
    fn connection_error(&self) -> Option<&BackendError>;
}

impl Backend {
    /// Which kind this is.
    pub fn kind(&self) -> BackendKind {
        match self {
            Backend::Compose(_) => BackendKind::Compose,
            Backend::Systemd(_) => BackendKind::Systemd,
            Backend::Sysv(_) => BackendKind::Sysv,
            Backend::Upstart(_) => BackendKind::Upstart,
            #[cfg(feature = "test-world")]
            Backend::World(world) => world.kind(),
        }
    }

    /// Connects to the daemon of `kind` the `settings` name (within their
    /// daemon timeout); the backend holds the error when it cannot, and keeps
    /// what it needs of the settings and the catalog.
    pub async fn connect(
        kind: BackendKind,
        settings: &Settings,
        catalog: &Arc<Catalog>,
    ) -> Backend {
        match kind {
            BackendKind::Compose => compose::Compose::connect(settings, catalog).await.into(),
            BackendKind::Systemd => systemd::Systemd::connect(settings, catalog).await.into(),
            BackendKind::Sysv => sysv::Sysv::connect(settings, catalog).await.into(),
            BackendKind::Upstart => upstart::Upstart::connect(settings, catalog).await.into(),
        }
    }

    /// A backend of `kind` for reading its services' own output: connected
    /// when that output comes through its daemon (a container's), not when it
    /// does not (a unit's journal, which `journalctl` reads).
    pub async fn for_output(
        kind: BackendKind,
        settings: &Settings,
        catalog: &Arc<Catalog>,
    ) -> Backend {
        match kind {
            BackendKind::Compose => compose::Compose::for_output(settings, catalog).await.into(),
            BackendKind::Systemd => systemd::Systemd::for_output(settings, catalog).await.into(),
            BackendKind::Sysv => sysv::Sysv::for_output(settings, catalog).await.into(),
            BackendKind::Upstart => upstart::Upstart::for_output(settings, catalog).await.into(),
        }
    }

    /// What a service's own output is, for a note (`its container's output`).
    pub fn output_name(kind: BackendKind, source: &OutputSource<'_>) -> String {
        match kind {
            BackendKind::Compose => compose::Compose::output_name(source),
            BackendKind::Systemd => systemd::Systemd::output_name(source),
            BackendKind::Sysv => sysv::Sysv::output_name(source),
            BackendKind::Upstart => upstart::Upstart::output_name(source),
        }
    }

    /// The services of `group` according to its files alone. `seen_units`
    /// keeps a unit shared by two groups to the first.
    pub fn installed(
        group: &Group,
        seen_units: &mut Vec<String>,
    ) -> Result<Vec<Installed>, Failure> {
        match group.backend {
            BackendKind::Compose => compose::Compose::installed(group, seen_units),
            BackendKind::Systemd => systemd::Systemd::installed(group, seen_units),
            BackendKind::Sysv => sysv::Sysv::installed(group, seen_units),
            BackendKind::Upstart => upstart::Upstart::installed(group, seen_units),
        }
    }

    /// The services `hmctl list` shows for `group`. Only a kind whose
    /// presence needs its daemon is connected (`backend`); others read files.
    pub async fn declared(
        group: &Group,
        backend: Option<&Backend>,
    ) -> Result<DeclaredGroup, Failure> {
        match group.backend {
            BackendKind::Compose => {
                let connected = backend.and_then(|backend| backend.try_into().ok());
                <compose::Compose as BackendModule>::declared(group, connected).await
            }
            BackendKind::Systemd => {
                let connected = backend.and_then(|backend| backend.try_into().ok());
                <systemd::Systemd as BackendModule>::declared(group, connected).await
            }
            BackendKind::Sysv => <sysv::Sysv as BackendModule>::declared(group, None).await,
            BackendKind::Upstart => {
                <upstart::Upstart as BackendModule>::declared(group, None).await
            }
        }
    }

    /// Where the daemon of `kind` is reached (of `daemons`), for messages.
    pub fn endpoint(kind: BackendKind, daemons: &Daemons) -> String {
        match kind {
            BackendKind::Compose => compose::Compose::endpoint(daemons),
            BackendKind::Systemd => systemd::Systemd::endpoint(daemons),
            BackendKind::Sysv => sysv::Sysv::endpoint(daemons),
            BackendKind::Upstart => upstart::Upstart::endpoint(daemons),
        }
    }

    /// What the operator can do about `error` (each backend words its own).
    pub fn hint(error: &BackendError) -> Option<String> {
        match error.backend() {
            BackendKind::Compose => compose::Compose::hint(error),
            BackendKind::Systemd => systemd::Systemd::hint(error),
            BackendKind::Sysv => sysv::Sysv::hint(error),
            BackendKind::Upstart => upstart::Upstart::hint(error),
        }
    }

    /// Why the daemon could not be reached, if it could not.
    pub fn connection_error(&self) -> Option<&BackendError> {
        match self {
            Backend::Compose(backend) => backend.connection_error(),
            Backend::Systemd(backend) => backend.connection_error(),
            Backend::Sysv(backend) => backend.connection_error(),
            Backend::Upstart(backend) => backend.connection_error(),
            #[cfg(feature = "test-world")]
            Backend::World(backend) => backend.connection_error(),
        }
    }

    pub async fn observe_groups(
        &self,
        groups: &[Group],
        deadline: Instant,
    ) -> Result<GroupsReport, Failure> {
        match self {
            Backend::Compose(backend) => backend.observe_groups(groups, deadline).await,
            Backend::Systemd(backend) => backend.observe_groups(groups, deadline).await,
            Backend::Sysv(backend) => backend.observe_groups(groups, deadline).await,
            Backend::Upstart(backend) => backend.observe_groups(groups, deadline).await,
            #[cfg(feature = "test-world")]
            Backend::World(backend) => backend.observe_groups(groups, deadline).await,
        }
    }

    pub async fn observe(&self, handle: &Handle) -> Result<Observation, BackendError> {
        match self {
            Backend::Compose(backend) => backend.observe(handle).await,
            Backend::Systemd(backend) => backend.observe(handle).await,
            Backend::Sysv(backend) => backend.observe(handle).await,
            Backend::Upstart(backend) => backend.observe(handle).await,
            #[cfg(feature = "test-world")]
            Backend::World(backend) => backend.observe(handle).await,
        }
    }

    pub async fn act(
        &self,
        step: &Step,
        wait_for_job: bool,
        job_timeout: Duration,
    ) -> Result<Option<String>, BackendError> {
        match self {
            Backend::Compose(backend) => backend.act(step, wait_for_job, job_timeout).await,
            Backend::Systemd(backend) => backend.act(step, wait_for_job, job_timeout).await,
            Backend::Sysv(backend) => backend.act(step, wait_for_job, job_timeout).await,
            Backend::Upstart(backend) => backend.act(step, wait_for_job, job_timeout).await,
            #[cfg(feature = "test-world")]
            Backend::World(backend) => backend.act(step, wait_for_job, job_timeout).await,
        }
    }

    pub async fn auto_start(&self, handle: &Handle) -> Result<AutoStart, BackendError> {
        match self {
            Backend::Compose(backend) => backend.auto_start(handle).await,
            Backend::Systemd(backend) => backend.auto_start(handle).await,
            Backend::Sysv(backend) => backend.auto_start(handle).await,
            Backend::Upstart(backend) => backend.auto_start(handle).await,
            #[cfg(feature = "test-world")]
            Backend::World(backend) => backend.auto_start(handle).await,
        }
    }

    pub async fn set_auto_start(
        &self,
        handle: &Handle,
        wanted: &AutoStart,
    ) -> Result<(), BackendError> {
        match self {
            Backend::Compose(backend) => backend.set_auto_start(handle, wanted).await,
            Backend::Systemd(backend) => backend.set_auto_start(handle, wanted).await,
            Backend::Sysv(backend) => backend.set_auto_start(handle, wanted).await,
            Backend::Upstart(backend) => backend.set_auto_start(handle, wanted).await,
            #[cfg(feature = "test-world")]
            Backend::World(backend) => backend.set_auto_start(handle, wanted).await,
        }
    }

    pub async fn output(
        &self,
        source: &OutputSource<'_>,
        lines: usize,
        follow: Option<mpsc::UnboundedSender<OutputLine>>,
    ) -> Result<Vec<Vec<u8>>, Failure> {
        match self {
            Backend::Compose(backend) => backend.output(source, lines, follow).await,
            Backend::Systemd(backend) => backend.output(source, lines, follow).await,
            Backend::Sysv(backend) => backend.output(source, lines, follow).await,
            Backend::Upstart(backend) => backend.output(source, lines, follow).await,
            #[cfg(feature = "test-world")]
            Backend::World(backend) => backend.output(source, lines, follow).await,
        }
    }

    pub async fn verdicts(
        &self,
        group: &Group,
        definition: Option<&GroupDefinition>,
        services: &[&ServiceStatus],
    ) -> Result<HashMap<String, Verdict>, Failure> {
        match self {
            Backend::Compose(backend) => backend.verdicts(group, definition, services).await,
            Backend::Systemd(backend) => backend.verdicts(group, definition, services).await,
            Backend::Sysv(backend) => backend.verdicts(group, definition, services).await,
            Backend::Upstart(backend) => backend.verdicts(group, definition, services).await,
            #[cfg(feature = "test-world")]
            Backend::World(backend) => backend.verdicts(group, definition, services).await,
        }
    }

    pub async fn describe(&self, group: &Group) -> Option<String> {
        match self {
            Backend::Compose(backend) => backend.describe(group).await,
            Backend::Systemd(backend) => backend.describe(group).await,
            Backend::Sysv(backend) => backend.describe(group).await,
            Backend::Upstart(backend) => backend.describe(group).await,
            #[cfg(feature = "test-world")]
            Backend::World(backend) => backend.describe(group).await,
        }
    }

    pub async fn writer_zones(&self, group: &Group, timeout: Duration) -> WriterZones {
        match self {
            Backend::Compose(backend) => backend.writer_zones(group, timeout).await,
            Backend::Systemd(backend) => backend.writer_zones(group, timeout).await,
            Backend::Sysv(backend) => backend.writer_zones(group, timeout).await,
            Backend::Upstart(backend) => backend.writer_zones(group, timeout).await,
            #[cfg(feature = "test-world")]
            Backend::World(backend) => backend.writer_zones(group, timeout).await,
        }
    }

    pub async fn details(
        &self,
        handle: &Handle,
        timeout: Duration,
    ) -> Result<Details, BackendError> {
        match self {
            Backend::Compose(backend) => backend.details(handle, timeout).await,
            Backend::Systemd(backend) => backend.details(handle, timeout).await,
            Backend::Sysv(backend) => backend.details(handle, timeout).await,
            Backend::Upstart(backend) => backend.details(handle, timeout).await,
            #[cfg(feature = "test-world")]
            Backend::World(backend) => backend.details(handle, timeout).await,
        }
    }

    pub async fn events(
        &self,
        groups: &[Group],
        window: EventWindow,
        timeout: Duration,
        follow: Option<mpsc::UnboundedSender<ServiceEvent>>,
    ) -> EventsRead {
        match self {
            Backend::Compose(backend) => backend.events(groups, window, timeout, follow).await,
            Backend::Systemd(backend) => backend.events(groups, window, timeout, follow).await,
            Backend::Sysv(backend) => backend.events(groups, window, timeout, follow).await,
            Backend::Upstart(backend) => backend.events(groups, window, timeout, follow).await,
            #[cfg(feature = "test-world")]
            Backend::World(backend) => backend.events(groups, window, timeout, follow).await,
        }
    }
}
