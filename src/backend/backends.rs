//! The backends one command reaches, one per kind it needed, and how it
//! reaches them: built once by the command (`Backends::connecting`, the real
//! daemons) or by a test (`Backends::world`, the in-memory world) and handed
//! to `ops`, which never connects by itself. It is what `ops` holds while it
//! acts, so a step reaches its service's daemon by its handle.

use super::{Backend, BackendError, DeclaredGroup, Installed};
use crate::catalog::{Catalog, Group};
use crate::exit::Failure;
use crate::model::{BackendKind, Handle};
use crate::settings::Settings;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// How a kind's daemon is reached.
#[derive(Clone)]
enum Reach {
    /// The real daemons, connected when first needed, with the catalog
    /// hmctl runs with (a failed init script's log files are named there).
    Daemons(Arc<Catalog>),
    /// The in-memory world of the hermetic tests, playing every kind.
    #[cfg(feature = "test-world")]
    #[cfg_attr(not(test), allow(dead_code))]
    World(super::world::World),
}

/// What a backend is made for: acting on services, or only reading their
/// own output (connected only when that output comes through the daemon).
#[derive(Clone, Copy)]
enum Purpose {
    Acting,
    Output,
}

/// The backends of one command, one per kind it needed, how it reaches the
/// kinds it has not needed yet, and the settings they connect by; cheap to
/// clone (connections are shared).
#[derive(Clone)]
pub struct Backends {
    reach: Reach,
    by_kind: BTreeMap<BackendKind, Arc<Backend>>,
    settings: Arc<Settings>,
}

impl Backends {
    /// Reaches the real daemons `settings` name, each connected when a
    /// command first needs it and handed `catalog`, the one `app` loaded.
    pub fn connecting(settings: &Settings, catalog: &Catalog) -> Backends {
        Backends {
            reach: Reach::Daemons(Arc::new(catalog.clone())),
            by_kind: BTreeMap::new(),
            settings: Arc::new(settings.clone()),
        }
    }

    /// Reaches `world` for every kind, in place of the daemons (its calls
    /// bounded by the world's settings' daemon timeout).
    #[cfg(feature = "test-world")]
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn world(world: &super::world::World) -> Backends {
        Backends {
            reach: Reach::World(world.clone()),
            by_kind: BTreeMap::new(),
            settings: Arc::new(super::world::World::settings()),
        }
    }

    /// The backend of `kind`, connecting it (within the settings' daemon
    /// timeout) when this set has none yet.
    pub async fn get_or_connect(&mut self, kind: BackendKind) -> Arc<Backend> {
        self.get_or_make(kind, Purpose::Acting).await
    }

    /// The backend of `kind` for reading its services' own output
    /// ([`Backend::for_output`]), made when this set has none yet.
    pub async fn for_output(&mut self, kind: BackendKind) -> Arc<Backend> {
        self.get_or_make(kind, Purpose::Output).await
    }

    async fn get_or_make(&mut self, kind: BackendKind, purpose: Purpose) -> Arc<Backend> {
        if let Some(backend) = self.by_kind.get(&kind) {
            return backend.clone();
        }
        let settings = &self.settings;
        let backend = Arc::new(match (&self.reach, purpose) {
            (Reach::Daemons(catalog), Purpose::Acting) => {
                Backend::connect(kind, settings, catalog).await
            }
            (Reach::Daemons(catalog), Purpose::Output) => {
                Backend::for_output(kind, settings, catalog).await
            }
            #[cfg(feature = "test-world")]
            (Reach::World(world), _) => world.connect(kind, settings.daemon_timeout).await.into(),
        });
        self.by_kind.insert(kind, backend.clone());
        backend
    }

    /// How long each answer of a daemon may take (the settings').
    pub fn daemon_timeout(&self) -> Duration {
        self.settings.daemon_timeout
    }

    /// Adds the backends of `other` (which has other kinds).
    pub fn extend(&mut self, other: Backends) {
        self.by_kind.extend(other.by_kind);
    }

    /// The backend of `kind`, if this set has one.
    pub fn get(&self, kind: BackendKind) -> Option<&Backend> {
        self.by_kind.get(&kind).map(AsRef::as_ref)
    }

    /// The backends, by kind.
    pub fn iter(&self) -> impl Iterator<Item = &Backend> {
        self.by_kind.values().map(AsRef::as_ref)
    }

    /// The backend that reaches `handle`'s service (one of its kind), or
    /// why there is none.
    pub fn reaching(&self, handle: &Handle) -> Result<&Backend, BackendError> {
        let kind = handle.kind();
        self.get(kind).ok_or_else(|| BackendError::Unreachable {
            backend: kind,
            endpoint: Backend::endpoint(kind, &self.settings.daemons),
            detail: "not connected".into(),
        })
    }

    /// The services of `group` according to its files alone (the world's,
    /// when it is the world that is reached). `seen_units` keeps a unit
    /// shared by two groups to the first.
    pub fn installed(
        &self,
        group: &Group,
        seen_units: &mut Vec<String>,
    ) -> Result<Vec<Installed>, Failure> {
        match &self.reach {
            Reach::Daemons(_) => Backend::installed(group, seen_units),
            #[cfg(feature = "test-world")]
            Reach::World(world) => Ok(world.installed(group)),
        }
    }

    /// The services `hmctl list` shows for `group`: asked of this set's
    /// backend of its kind when the group is `present` and one was
    /// connected, else from its files.
    pub async fn declared(&self, group: &Group, present: bool) -> Result<DeclaredGroup, Failure> {
        let backend = present.then(|| self.get(group.backend)).flatten();
        match &self.reach {
            Reach::Daemons(_) => Backend::declared(group, backend).await,
            #[cfg(feature = "test-world")]
            Reach::World(world) => Ok(world.declared(group, backend)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bus that takes connections and never answers: systemd hung.
    fn hung_bus(dir: &std::path::Path) -> (std::path::PathBuf, tokio::task::JoinHandle<()>) {
        let path = dir.join("hung-bus");
        let listener = tokio::net::UnixListener::bind(&path).unwrap();
        let holding = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                held.push(stream);
            }
        });
        (path, holding)
    }

    #[tokio::test(start_paused = true)]
    async fn a_backend_waits_as_long_as_the_settings_it_was_built_with_say() {
        let dir = tempfile::tempdir().unwrap();
        let (bus, holding) = hung_bus(dir.path());
        // No environment variable: the test's own settings, one field varied.
        let mut settings = Settings::for_test(dir.path());
        settings.daemons.bus_address = Some(format!("unix:path={}", bus.display()));
        settings.daemon_timeout = Duration::from_millis(100);
        let mut backends = Backends::connecting(&settings, &Catalog::builtin());
        let systemd = backends.get_or_connect(BackendKind::Systemd).await;
        let error = systemd.connection_error().expect("a hung bus is an error");
        assert_eq!(
            error.to_string(),
            format!("systemd at {} did not answer within 0.1 s", bus.display())
        );
        assert_eq!(backends.daemon_timeout(), Duration::from_millis(100));
        holding.abort();
    }
}
