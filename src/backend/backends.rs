//! The backends one command connected, one per kind it needed: what `ops`
//! holds while it acts, so a step reaches its service's daemon by its handle.

use super::{Backend, BackendError};
use crate::model::{BackendKind, Handle};
use crate::settings::Settings;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// The connected backends of one command, one per kind it needed, and the
/// settings they connect by; cheap to clone (connections are shared).
#[derive(Clone)]
pub struct Backends {
    by_kind: BTreeMap<BackendKind, Arc<Backend>>,
    settings: Arc<Settings>,
}

impl Backends {
    /// No backend yet; those connected later connect by `settings`.
    pub fn new(settings: &Settings) -> Backends {
        Backends {
            by_kind: BTreeMap::new(),
            settings: Arc::new(settings.clone()),
        }
    }

    /// The backend of `kind`, connecting it (within the settings' daemon
    /// timeout) when this set has none yet.
    pub async fn get_or_connect(&mut self, kind: BackendKind) -> Arc<Backend> {
        if let Some(backend) = self.by_kind.get(&kind) {
            return backend.clone();
        }
        let backend = Arc::new(Backend::connect(kind, &self.settings).await);
        self.by_kind.insert(kind, backend.clone());
        backend
    }

    /// Makes sure this set has a backend of `kind` for reading its services'
    /// own output ([`Backend::for_output`]).
    pub async fn for_output(&mut self, kind: BackendKind) {
        if let std::collections::btree_map::Entry::Vacant(vacant) = self.by_kind.entry(kind) {
            vacant.insert(Arc::new(Backend::for_output(kind, &self.settings).await));
        }
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

    #[tokio::test]
    async fn a_backend_waits_as_long_as_the_settings_it_was_built_with_say() {
        let dir = tempfile::tempdir().unwrap();
        let (bus, holding) = hung_bus(dir.path());
        // No environment variable: the test's own settings, one field varied.
        let mut settings = Settings::for_test(dir.path());
        settings.daemons.bus_address = Some(format!("unix:path={}", bus.display()));
        settings.daemon_timeout = Duration::from_millis(100);
        let mut backends = Backends::new(&settings);
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
