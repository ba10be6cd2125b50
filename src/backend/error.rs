//! Errors at the daemon edge, written for an operator: which daemon, which
//! socket or bus, what happened, and a `hint:` when they can act on it.
//! Never a bare HTTP or D-Bus dump.

use crate::exit::{Exit, Failure};
use std::time::Duration;

/// Why a daemon could not answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BackendError {
    #[error("cannot reach {daemon} at {endpoint}: {detail}")]
    Unreachable {
        daemon: &'static str,
        endpoint: String,
        detail: String,
    },
    #[error("permission denied on {endpoint}")]
    PermissionDenied {
        daemon: &'static str,
        endpoint: String,
    },
    #[error("{daemon} at {endpoint} did not answer within {}", humanize(*after))]
    Timeout {
        daemon: &'static str,
        endpoint: String,
        after: Duration,
    },
    #[error(
        "{daemon} is not this host's init: it runs {init}; hmctl controls units through systemd"
    )]
    NotSystemd {
        daemon: &'static str,
        init: super::init_system::InitSystem,
    },
    #[error("{daemon} refused to {action}: {detail}")]
    Refused {
        daemon: &'static str,
        action: String,
        detail: String,
    },
}

fn humanize(duration: Duration) -> String {
    if duration.as_millis().is_multiple_of(1000) {
        format!("{} s", duration.as_secs())
    } else {
        format!("{:.1} s", duration.as_secs_f64())
    }
}

impl BackendError {
    /// The short name of the daemon: `docker` or `systemd` (the JSON `backend`).
    pub fn backend(&self) -> &'static str {
        let daemon = match self {
            BackendError::Unreachable { daemon, .. }
            | BackendError::PermissionDenied { daemon, .. }
            | BackendError::Timeout { daemon, .. }
            | BackendError::NotSystemd { daemon, .. }
            | BackendError::Refused { daemon, .. } => *daemon,
        };
        if daemon.starts_with("Docker") {
            "docker"
        } else {
            "systemd"
        }
    }

    /// What the operator can do about it.
    pub fn hint(&self) -> Option<String> {
        let docker = self.backend() == "docker";
        match self {
            BackendError::Unreachable { .. } if docker => Some(
                "is dockerd running? `systemctl status docker`; DOCKER_HOST selects another daemon".into(),
            ),
            BackendError::Unreachable { .. } => Some(
                "is systemd running with its D-Bus system bus? DBUS_SYSTEM_BUS_ADDRESS selects another bus".into(),
            ),
            BackendError::PermissionDenied { .. } if docker => {
                Some("run as root or join the docker group".into())
            }
            BackendError::PermissionDenied { .. } => Some("run as root (sudo hmctl ...)".into()),
            BackendError::Timeout { .. } if docker => {
                Some("dockerd is hung or overloaded: check `journalctl -u docker`".into())
            }
            BackendError::Timeout { .. } => {
                Some("systemd is not answering on its bus: check `journalctl -b` and dbus".into())
            }
            BackendError::NotSystemd { init, .. } => Some(init.hint()),
            BackendError::Refused { .. } => None,
        }
    }

    /// Whether this means the daemon could not be asked at all (exit 4).
    pub fn is_unavailable(&self) -> bool {
        !matches!(self, BackendError::Refused { .. })
    }

    /// As a process-ending failure.
    pub fn into_failure(self) -> Failure {
        let exit = if self.is_unavailable() {
            Exit::BackendUnavailable
        } else {
            Exit::OperationFailed
        };
        let hint = self.hint();
        let failure = Failure::new(exit, self.to_string());
        match hint {
            Some(hint) => failure.with_hint(hint),
            None => failure,
        }
    }
}

/// A connection failure, classified by the first I/O error in its chain.
pub fn connection_error(
    daemon: &'static str,
    endpoint: &str,
    error: &(dyn std::error::Error + 'static),
) -> BackendError {
    let endpoint = endpoint.to_string();
    let unreachable = |detail: String| BackendError::Unreachable {
        daemon,
        endpoint: endpoint.clone(),
        detail,
    };
    match io_error_in(error).map(std::io::Error::kind) {
        Some(std::io::ErrorKind::PermissionDenied) => BackendError::PermissionDenied {
            daemon,
            endpoint: endpoint.clone(),
        },
        Some(std::io::ErrorKind::NotFound) => unreachable("no such socket".into()),
        Some(std::io::ErrorKind::ConnectionRefused) => unreachable("connection refused".into()),
        _ => unreachable(root_message(error)),
    }
}

/// The first `std::io::Error` in an error's source chain.
pub fn io_error_in<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a std::io::Error> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = current {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        // zbus shares its I/O errors behind an Arc.
        if let Some(io) = cause.downcast_ref::<std::sync::Arc<std::io::Error>>() {
            return Some(io);
        }
        current = cause.source();
    }
    None
}

/// The innermost message of an error chain (the useful part of a wrapped error).
pub fn root_message(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current: &(dyn std::error::Error + 'static) = error;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}
