//! Which kind of backend runs a group's services: the value of a group's
//! `backend = "..."` in the catalog, and everything hmctl says of a kind
//! outside its module — its names, what a group of it must name, where its
//! logs are by default. A kind is a variant of [`BackendKind`], listed in
//! `BackendKind::ALL`, with its row in `facts`; what a kind *does* lives in
//! its module under `backend/`.

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
    /// LSB init scripts (`/etc/init.d/NAME`) on a host whose PID 1 is SysV init.
    Sysv,
    /// Upstart jobs (`/etc/init/NAME.conf`), and the init scripts of services
    /// that have none, on a host whose PID 1 is upstart.
    Upstart,
}

impl BackendKind {
    /// Every kind, in the order hmctl asks them.
    pub const ALL: &'static [BackendKind] = &[
        BackendKind::Compose,
        BackendKind::Systemd,
        BackendKind::Sysv,
        BackendKind::Upstart,
    ];

    /// Everything hmctl says of a kind, in one place: one row per kind.
    fn facts(self) -> Facts {
        match self {
            BackendKind::Compose => Facts {
                word: "compose",
                daemon: "Docker",
                daemon_id: "docker",
                creates_missing: true,
                lists_with_daemon: false,
                answers_per_service: false,
                needs: &[GroupKey::Project, GroupKey::Files],
                log_layout: LogLayout::ModuleDirectories,
            },
            BackendKind::Systemd => Facts {
                word: "systemd",
                daemon: "systemd",
                daemon_id: "systemd",
                creates_missing: false,
                lists_with_daemon: true,
                answers_per_service: false,
                needs: &[GroupKey::Units],
                log_layout: LogLayout::DatedPerUnit,
            },
            // A group's units are its scripts' names (`.service` dropped).
            BackendKind::Sysv => Facts {
                word: "sysv",
                daemon: "the init script",
                daemon_id: "sysv",
                creates_missing: false,
                lists_with_daemon: false,
                answers_per_service: true,
                needs: &[GroupKey::Units],
                log_layout: LogLayout::DatedPerUnit,
            },
            BackendKind::Upstart => Facts {
                word: "upstart",
                daemon: "upstart",
                daemon_id: "upstart",
                creates_missing: false,
                lists_with_daemon: false,
                answers_per_service: true,
                needs: &[GroupKey::Units],
                log_layout: LogLayout::DatedPerUnit,
            },
        }
    }
}

impl BackendKind {
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

    /// Whether only the daemon knows which services a group of this kind
    /// has: a compose group's are what its files declare; which of a unit's
    /// alternative names is installed, only systemd knows.
    pub fn lists_with_daemon(self) -> bool {
        self.facts().lists_with_daemon
    }

    /// Whether each service of this kind answers for itself (its own init
    /// script or job), so that one that does not answer says nothing of the
    /// others; Docker and systemd answer for all their services at once.
    pub fn answers_per_service(self) -> bool {
        self.facts().answers_per_service
    }

    /// The `[[group]]` keys a group of this kind cannot do without.
    pub fn needs(self) -> &'static [GroupKey] {
        self.facts().needs
    }

    /// Where a group of this kind keeps its services' log files when the
    /// catalog does not say.
    pub fn default_log_layout(self) -> LogLayout {
        self.facts().log_layout
    }
}

/// What hmctl says of a kind (see [`BackendKind::facts`]).
struct Facts {
    word: &'static str,
    daemon: &'static str,
    daemon_id: &'static str,
    creates_missing: bool,
    lists_with_daemon: bool,
    answers_per_service: bool,
    needs: &'static [GroupKey],
    log_layout: LogLayout,
}

/// A `[[group]]` key that names a group's services, in its kind's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKey {
    /// `project`: the compose project label.
    Project,
    /// `files`: the files that define the services.
    Files,
    /// `units`: the units, or lists of alternative unit names.
    Units,
}

impl GroupKey {
    /// The key as written in `hmctl.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupKey::Project => "project",
            GroupKey::Files => "files",
            GroupKey::Units => "units",
        }
    }
}

/// How a group lays out its services' log files under its `log_dir`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogLayout {
    /// `<log_dir>/<module>/<service>.log` (the console: `logs/porter/porter-api.log`).
    ModuleDirectories,
    /// The newest `<log_dir>/<unit>_YYYYMMDD.log` (the gateway: `s3block_20250515.log`).
    DatedPerUnit,
    /// The same files for every service of the group, relative to `log_dir`
    /// (`*` allowed in a file name).
    Files(Vec<String>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_word_is_the_word_serde_reads() {
        for kind in BackendKind::ALL {
            let read: BackendKind =
                serde_json::from_str(&format!("\"{}\"", kind.as_str())).unwrap();
            assert_eq!(read, *kind);
        }
    }
}
