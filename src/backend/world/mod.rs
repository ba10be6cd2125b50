//! The in-memory world: daemons played from memory, so the logic of `ops`
//! (status, lifecycle, reload, ok-to-stop, diagnose) is tested without root,
//! dockerd or systemd. A test builds a world — groups of any kind, services
//! with their states, health, restart counts, pids, exit codes and declared
//! dependencies, and scripted faults (a daemon refused or hung, a service
//! that dies after its start, an action the daemon refuses) — and hands
//! `Backends::world(&world)` to `ops` where a command hands the real
//! daemons. Time is tokio's: under a paused clock a settle window or a hung
//! daemon's timeout passes at once, never as a wall-clock sleep.
//!
//! Built only with the `test-world` feature, which every test build turns on
//! (a dev-dependency of hmctl on itself) and a release build never has.

mod played;
mod service;

pub use played::Played;
pub use service::Service;

use super::{Declared, DeclaredGroup, Installed};
use crate::catalog::{Catalog, Group, ServiceSettings, UnitChoice};
use crate::compose_file::{ComposeProject, ComposeService};
use crate::model::{Action, BackendKind, Handle, HandleKind};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::time::Instant;

/// How a kind's daemon answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Daemon {
    /// It answers.
    Up,
    /// It refuses the connection (not running).
    Refused,
    /// It accepts and never answers: the caller's timeout must end the wait.
    Hung,
}

/// One group of the world, of the kind it plays.
#[derive(Debug, Clone)]
struct WorldGroup {
    name: String,
    kind: BackendKind,
}

/// A service of the world, where it lives.
#[derive(Debug, Clone)]
struct Placed {
    group: String,
    name: String,
    service: Service,
}

/// What one action the world was asked to carry out was, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acted {
    pub service: String,
    pub action: Action,
    pub at: Instant,
}

#[derive(Debug)]
struct Inner {
    groups: Vec<WorldGroup>,
    services: Vec<Placed>,
    daemons: BTreeMap<BackendKind, Daemon>,
    acted: Vec<Acted>,
    next_pid: u32,
    /// The clock's start, as an instant and as a wall-clock time.
    origin: (Instant, jiff::Timestamp),
}

/// A world of daemons in memory, shared by every handle to it (a test
/// keeps one to script and inspect it while `ops` acts on another).
#[derive(Clone, Debug)]
pub struct World {
    inner: Arc<Mutex<Inner>>,
}

impl Default for World {
    fn default() -> World {
        World::new()
    }
}

impl World {
    /// The settings a test runs `ops` with in this world: hmctl's own files
    /// under a directory that does not exist (nothing of the host is read,
    /// and a write fails loudly), the default daemon timeout.
    pub fn settings() -> crate::settings::Settings {
        crate::settings::Settings::for_test(std::path::Path::new("/nonexistent/hmctl-world"))
    }

    /// An empty world whose daemons all answer.
    pub fn new() -> World {
        let origin =
            jiff::Timestamp::from_second(1_800_000_000).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        World {
            inner: Arc::new(Mutex::new(Inner {
                groups: Vec::new(),
                services: Vec::new(),
                daemons: BTreeMap::new(),
                acted: Vec::new(),
                next_pid: 1000,
                origin: (Instant::now(), origin),
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A test that panicked while holding the lock has failed already.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds a group played as `kind` (its services are added with
    /// [`World::with_service`]).
    #[must_use]
    pub fn with_group(self, name: &str, kind: BackendKind) -> World {
        self.lock().groups.push(WorldGroup {
            name: name.into(),
            kind,
        });
        self
    }

    /// Adds `service` to `group` (a group added before), under `name`.
    #[must_use]
    pub fn with_service(self, group: &str, name: &str, mut service: Service) -> World {
        {
            let mut inner = self.lock();
            if service.pid.is_none() && service.is_up() {
                service.pid = Some(inner.next_pid);
                inner.next_pid += 1;
            }
            service.since.get_or_insert(inner.origin.0);
            inner.services.push(Placed {
                group: group.into(),
                name: name.into(),
                service,
            });
        }
        self
    }

    /// Makes the daemon of `kind` answer as `daemon` from now on.
    pub fn set_daemon(&self, kind: BackendKind, daemon: Daemon) {
        self.lock().daemons.insert(kind, daemon);
    }

    /// [`World::set_daemon`], while building.
    #[must_use]
    pub fn with_daemon(self, kind: BackendKind, daemon: Daemon) -> World {
        self.set_daemon(kind, daemon);
        self
    }

    /// Changes `name` (a test's script: it now dies after its start, it
    /// turned unhealthy): `change` is given it and returns what it becomes.
    pub fn change(&self, name: &str, change: impl FnOnce(Service) -> Service) {
        let mut inner = self.lock();
        if let Some(placed) = inner.services.iter_mut().find(|placed| placed.name == name) {
            placed.service = change(placed.service.clone());
        }
    }

    /// `name` as the world holds it now.
    pub fn service(&self, name: &str) -> Option<Service> {
        let inner = self.lock();
        let now = Instant::now();
        inner
            .services
            .iter()
            .find(|placed| placed.name == name)
            .map(|placed| placed.service.at(now))
    }

    /// Every action the world carried out, in order.
    pub fn acted(&self) -> Vec<Acted> {
        self.lock().acted.clone()
    }

    /// The services the world carried out `action` on, in order.
    pub fn acted_on(&self, action: Action) -> Vec<String> {
        self.acted()
            .into_iter()
            .filter(|acted| acted.action == action)
            .map(|acted| acted.service)
            .collect()
    }

    /// The catalog of this world: every group, always present; a unit group's
    /// units named `NAME.service`; dependencies as each kind declares them
    /// (a compose file's `depends_on`, which [`World`]'s projects carry; a
    /// unit's `[service.NAME] depends_on`).
    pub fn catalog(&self) -> Catalog {
        let inner = self.lock();
        let groups = inner
            .groups
            .iter()
            .map(|group| {
                let names: Vec<String> = inner
                    .services_of(&group.name)
                    .map(|placed| placed.name.clone())
                    .collect();
                catalog_group(group, &names)
            })
            .collect();
        let services = inner
            .services
            .iter()
            .filter(|placed| inner.kind_of(&placed.group) == Some(BackendKind::Systemd))
            .filter(|placed| !placed.service.needs.is_empty())
            .map(|placed| {
                let settings = ServiceSettings {
                    depends_on: placed.service.needs.clone(),
                    ..ServiceSettings::default()
                };
                (placed.name.clone(), settings)
            })
            .collect();
        Catalog {
            groups,
            services,
            source: None,
        }
    }

    /// The daemon of `kind`, connected (within `timeout`) or holding why not:
    /// a refused one at once, a hung one when `timeout` has passed.
    pub async fn connect(&self, kind: BackendKind, timeout: Duration) -> Played {
        let daemon = self.daemon(kind);
        if daemon == Daemon::Hung {
            tokio::time::sleep(timeout).await;
        }
        Played::new(self.clone(), kind, daemon, timeout)
    }

    /// How the daemon of `kind` answers now.
    pub fn daemon(&self, kind: BackendKind) -> Daemon {
        self.lock()
            .daemons
            .get(&kind)
            .copied()
            .unwrap_or(Daemon::Up)
    }

    /// The services of `group` by the world's files (no daemon asked).
    pub fn installed(&self, group: &Group) -> Vec<Installed> {
        self.lock()
            .services_of(&group.name)
            .map(|placed| Installed {
                name: placed.name.clone(),
                group: group.name.clone(),
                backend: group.backend,
                aliases: Vec::new(),
            })
            .collect()
    }

    /// The services `hmctl list` shows for `group`: present when the world
    /// has them and its daemon, `connected`, answered.
    pub fn declared(&self, group: &Group, connected: Option<&super::Backend>) -> DeclaredGroup {
        let asked = connected.is_some_and(|backend| backend.connection_error().is_none());
        let present = (!group.backend.lists_with_daemon() || asked).then_some(true);
        let inner = self.lock();
        inner
            .services_of(&group.name)
            .map(|placed| Declared {
                name: placed.name.clone(),
                present: present.map(|_| placed.service.state != crate::model::State::Missing),
                unit: (group.backend == BackendKind::Systemd).then(|| unit_of(&placed.name)),
            })
            .collect::<Vec<_>>()
            .into()
    }

    /// The compose project of `group`, as its file would declare it.
    fn project(&self, group: &Group) -> ComposeProject {
        let inner = self.lock();
        ComposeProject {
            files: group.files.clone(),
            services: inner
                .services_of(&group.name)
                .map(|placed| ComposeService {
                    name: placed.name.clone(),
                    depends_on: placed.service.needs.clone(),
                    has_healthcheck: placed.service.has_healthcheck,
                    profiles: Vec::new(),
                    stop_grace_period: Some(Duration::from_secs(3)),
                })
                .collect(),
        }
    }
}

impl Inner {
    fn services_of<'a>(&'a self, group: &'a str) -> impl Iterator<Item = &'a Placed> {
        self.services
            .iter()
            .filter(move |placed| placed.group == group)
    }

    fn kind_of(&self, group: &str) -> Option<BackendKind> {
        self.groups
            .iter()
            .find(|known| known.name == group)
            .map(|known| known.kind)
    }

    /// The wall-clock time of `instant`, by the world's clock.
    fn wall(&self, instant: Instant) -> jiff::Timestamp {
        let (origin, wall) = self.origin;
        let elapsed = instant.saturating_duration_since(origin);
        wall.checked_add(jiff::SignedDuration::try_from(elapsed).unwrap_or_default())
            .unwrap_or(wall)
    }
}

/// The unit of a service of a unit group.
fn unit_of(name: &str) -> String {
    format!("{name}.service")
}

/// How the world reaches `name` of `group`, as that kind's daemon names it.
fn handle_of(kind: BackendKind, group: &str, name: &str) -> Handle {
    match kind {
        BackendKind::Systemd => Handle::new(HandleKind::Systemd, unit_of(name)),
        BackendKind::Sysv => Handle::new(HandleKind::Sysv, name),
        BackendKind::Upstart => Handle::new(HandleKind::Upstart, name),
        BackendKind::Compose => Handle::compose(group, name, Some(format!("{group}-{name}-1"))),
    }
}

/// The catalog's entry for a group of the world.
fn catalog_group(group: &WorldGroup, names: &[String]) -> Group {
    let compose = group.kind == BackendKind::Compose;
    Group {
        name: group.name.clone(),
        backend: group.kind,
        project: compose.then(|| group.name.clone()),
        files: if compose {
            vec![format!("/world/{}/docker-compose.yml", group.name).into()]
        } else {
            Vec::new()
        },
        units: if compose {
            Vec::new()
        } else {
            names
                .iter()
                .map(|name| UnitChoice::single(&unit_of(name)))
                .collect()
        },
        log_dir: None,
        config_dir: None,
        program_dir: None,
        ports: Vec::new(),
        upgrade_dir: None,
        present_if: Vec::new(),
        known_services: names.to_vec(),
        first_services: Vec::new(),
        log_layout: group.kind.default_log_layout(),
        log_timezone: None,
    }
}

#[cfg(test)]
mod tests;
