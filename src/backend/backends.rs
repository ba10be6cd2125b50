//! The backends one command connected, one per kind it needed: what `ops`
//! holds while it acts, so a step reaches its service's daemon by its handle.

use super::{Backend, BackendError};
use crate::model::{BackendKind, Handle};
use std::collections::BTreeMap;
use std::time::Duration;

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
}
