//! Which kind of backend runs a group's services: the value of a group's
//! `backend = "..."` in the catalog. Every other part of hmctl learns a kind's
//! names from here; what a kind *does* lives in its module under `backend/`.

use serde::Serialize;

/// Which daemon runs a group's services.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// Docker containers of a compose project.
    Compose,
    /// systemd units.
    Systemd,
}

impl BackendKind {
    /// Every kind, in the order hmctl asks them.
    pub const ALL: [BackendKind; 2] = [BackendKind::Compose, BackendKind::Systemd];

    /// The catalog's word for it (`backend = "compose"`), and the JSON `backend` of a service.
    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::Compose => "compose",
            BackendKind::Systemd => "systemd",
        }
    }

    /// The daemon, as messages name it (`cannot reach Docker at ...`).
    pub fn daemon(self) -> &'static str {
        match self {
            BackendKind::Compose => "Docker",
            BackendKind::Systemd => "systemd",
        }
    }

    /// The daemon's short name: the JSON `backend` of an entry in `errors[]`.
    pub fn daemon_id(self) -> &'static str {
        match self {
            BackendKind::Compose => "docker",
            BackendKind::Systemd => "systemd",
        }
    }

    /// Whether a declared service with nothing behind it can be created: a
    /// compose service from its files; a unit is installed by its package,
    /// never by hmctl.
    pub fn creates_missing(self) -> bool {
        match self {
            BackendKind::Compose => true,
            BackendKind::Systemd => false,
        }
    }
}
