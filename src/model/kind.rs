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

    /// Everything hmctl says of a kind, in one place: a new kind is a new
    /// variant, its line in [`BackendKind::ALL`], and its row here.
    fn facts(self) -> Facts {
        match self {
            BackendKind::Compose => Facts {
                word: "compose",
                daemon: "Docker",
                daemon_id: "docker",
                creates_missing: true,
            },
            BackendKind::Systemd => Facts {
                word: "systemd",
                daemon: "systemd",
                daemon_id: "systemd",
                creates_missing: false,
            },
        }
    }

    /// The catalog's word for it (`backend = "compose"`), and the JSON `backend` of a service.
    pub fn as_str(self) -> &'static str {
        self.facts().word
    }

    /// The daemon, as messages name it (`cannot reach Docker at ...`).
    pub fn daemon(self) -> &'static str {
        self.facts().daemon
    }

    /// The daemon's short name: the JSON `backend` of an entry in `errors[]`.
    pub fn daemon_id(self) -> &'static str {
        self.facts().daemon_id
    }

    /// Whether a declared service with nothing behind it can be created: a
    /// compose service from its files; a unit is installed by its package,
    /// never by hmctl.
    pub fn creates_missing(self) -> bool {
        self.facts().creates_missing
    }
}

/// What hmctl says of a kind (see [`BackendKind::facts`]).
struct Facts {
    word: &'static str,
    daemon: &'static str,
    daemon_id: &'static str,
    creates_missing: bool,
}
