//! The backends one command reaches, one per kind it needed, and how it
//! reaches them: built once by the command (`Backends::connecting`, the real
//! daemons) or by a test (`Backends::world`, the in-memory world) and handed
//! to `ops`, which never connects by itself. It is what `ops` holds while it
//! acts, so a step reaches its service's daemon by its handle.

use super::{Backend, BackendError, DeclaredGroup, Installed};
use crate::catalog::Group;
use crate::exit::Failure;
use crate::model::{BackendKind, Handle};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// How a kind's daemon is reached.
#[derive(Clone)]
enum Reach {
    /// The real daemons, connected when first needed.
    Daemons,
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

/// The backends of one command, one per kind it needed, and how it reaches
/// the kinds it has not needed yet; cheap to clone (connections are shared).
#[derive(Clone)]
pub struct Backends {
    reach: Reach,
    by_kind: BTreeMap<BackendKind, Arc<Backend>>,
}

impl Backends {
    /// Reaches the real daemons, each connected when a command first needs it.
    pub fn connecting() -> Backends {
        Backends {
            reach: Reach::Daemons,
            by_kind: BTreeMap::new(),
        }
    }

    /// Reaches `world` for every kind, in place of the daemons.
    #[cfg(feature = "test-world")]
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn world(world: &super::world::World) -> Backends {
        Backends {
            reach: Reach::World(world.clone()),
            by_kind: BTreeMap::new(),
        }
    }

    /// The backend of `kind`, connecting it (within `timeout`) when this set
    /// has none yet.
    pub async fn get_or_connect(&mut self, kind: BackendKind, timeout: Duration) -> Arc<Backend> {
        self.get_or_make(kind, timeout, Purpose::Acting).await
    }

    /// The backend of `kind` for reading its services' own output
    /// ([`Backend::for_output`]), made when this set has none yet.
    pub async fn for_output(&mut self, kind: BackendKind, timeout: Duration) -> Arc<Backend> {
        self.get_or_make(kind, timeout, Purpose::Output).await
    }

    async fn get_or_make(
        &mut self,
        kind: BackendKind,
        timeout: Duration,
        purpose: Purpose,
    ) -> Arc<Backend> {
        if let Some(backend) = self.by_kind.get(&kind) {
            return backend.clone();
        }
        let backend = Arc::new(match (&self.reach, purpose) {
            (Reach::Daemons, Purpose::Acting) => Backend::connect(kind, timeout).await,
            (Reach::Daemons, Purpose::Output) => Backend::for_output(kind, timeout).await,
            #[cfg(feature = "test-world")]
            (Reach::World(world), _) => world.connect(kind, timeout).await.into(),
        });
        self.by_kind.insert(kind, backend.clone());
        backend
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
            endpoint: Backend::endpoint(kind),
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
            Reach::Daemons => Backend::installed(group, seen_units),
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
            Reach::Daemons => Backend::declared(group, backend).await,
            #[cfg(feature = "test-world")]
            Reach::World(world) => Ok(world.declared(group, backend)),
        }
    }
}
