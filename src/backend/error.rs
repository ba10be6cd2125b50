//! Errors at the daemon edge, written for an operator: which daemon, which
//! socket or bus, what happened, and a `hint:` when they can act on it.
//! Never a bare HTTP or D-Bus dump.

use crate::exit::{Exit, Failure};
use crate::model::BackendKind;
use std::time::Duration;

/// Why a daemon could not answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BackendError {
    #[error("cannot reach {} at {endpoint}: {detail}", backend.daemon())]
    Unreachable {
        backend: BackendKind,
        endpoint: String,
        detail: String,
    },
    #[error("permission denied on {endpoint}")]
    PermissionDenied {
        backend: BackendKind,
        endpoint: String,
    },
    #[error("{} at {endpoint} did not answer within {}", backend.daemon(), humanize(*after))]
    Timeout {
        backend: BackendKind,
        endpoint: String,
        after: Duration,
    },
    /// What the backend needs is not on this host (systemd on a SysV or
    /// upstart host; the Compose generation a project was made with): `why`
    /// says so, `hint` what the operator can do.
    #[error("{why}")]
    NotOnThisHost {
        backend: BackendKind,
        why: String,
        hint: String,
    },
    #[error("{} refused to {action}: {detail}", backend.daemon())]
    Refused {
        backend: BackendKind,
        action: String,
        detail: String,
    },
    /// A refusal the operator can lift (a masked unit): `hint` says how.
    #[error("{} refused to {action}: {detail}", backend.daemon())]
    Blocked {
        backend: BackendKind,
        action: String,
        detail: String,
        hint: String,
    },
    /// A record the daemon keeps (a unit's journal) could not be read:
    /// `what` names it, `hint` says what the operator can do.
    #[error("cannot read {what}: {detail}")]
    Unreadable {
        backend: BackendKind,
        what: String,
        detail: String,
        hint: String,
    },
}

/// Seconds to a tenth, without a trailing `.0` (`5 s`, `2.5 s`): a deadline
/// measured from a clock is a hair off the whole number it was set to.
pub(crate) fn humanize(duration: Duration) -> String {
    let tenths = (duration.as_millis() + 50) / 100;
    if tenths.is_multiple_of(10) {
        format!("{} s", tenths / 10)
    } else {
        format!("{}.{} s", tenths / 10, tenths % 10)
    }
}

impl BackendError {
    /// Which kind of backend could not answer.
    pub fn backend(&self) -> BackendKind {
        match self {
            BackendError::Unreachable { backend, .. }
            | BackendError::PermissionDenied { backend, .. }
            | BackendError::Timeout { backend, .. }
            | BackendError::NotOnThisHost { backend, .. }
            | BackendError::Refused { backend, .. }
            | BackendError::Blocked { backend, .. }
            | BackendError::Unreadable { backend, .. } => *backend,
        }
    }

    /// What the operator can do about it (each backend words its own).
    pub fn hint(&self) -> Option<String> {
        if let BackendError::NotOnThisHost { hint, .. }
        | BackendError::Blocked { hint, .. }
        | BackendError::Unreadable { hint, .. } = self
        {
            return Some(hint.clone());
        }
        super::Backend::hint(self)
    }

    /// Whether this means the daemon could not be asked at all (exit 4).
    pub fn is_unavailable(&self) -> bool {
        !matches!(
            self,
            BackendError::Refused { .. } | BackendError::Blocked { .. }
        )
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
    backend: BackendKind,
    endpoint: &str,
    error: &(dyn std::error::Error + 'static),
) -> BackendError {
    let endpoint = endpoint.to_string();
    let unreachable = |detail: String| BackendError::Unreachable {
        backend,
        endpoint: endpoint.clone(),
        detail,
    };
    match io_error_in(error).map(std::io::Error::kind) {
        Some(std::io::ErrorKind::PermissionDenied) => BackendError::PermissionDenied {
            backend,
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

#[cfg(test)]
mod tests {
    use super::humanize;
    use std::time::Duration;

    #[test]
    fn a_deadline_reads_in_seconds_to_a_tenth() {
        assert_eq!(humanize(Duration::from_secs(5)), "5 s");
        assert_eq!(humanize(Duration::from_millis(1_999)), "2 s");
        assert_eq!(humanize(Duration::from_millis(2_004)), "2 s");
        assert_eq!(humanize(Duration::from_millis(2_500)), "2.5 s");
        assert_eq!(humanize(Duration::from_millis(100)), "0.1 s");
    }
}
