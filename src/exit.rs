//! The process exit codes of the contract, defined in exactly one place, and the
//! error type that carries one of them up to `main`.
//!
//! Everything below `main` returns `anyhow::Result`; an error that should end the
//! process with a specific code (usage, backend unreachable, lock busy) is a
//! [`Failure`] somewhere in the chain. Anything else is exit 1.

use std::fmt;

/// The contract's exit codes (`shared/docs/contract.md`, "Exit codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Done; every selected service is running and healthy.
    Success = 0,
    /// An operation failed (a service did not reach the wanted state, an upgrade
    /// was rolled back); `ok-to-stop`: not safe.
    OperationFailed = 1,
    /// Usage or configuration error, or a stop refused because running
    /// services need what it stops: nothing was changed.
    Usage = 2,
    /// `status`: at least one selected service is not running or not healthy,
    /// or a group's compose file could not be read.
    NotRunning = 3,
    /// A backend could not be asked (unreachable, hung, permission denied).
    BackendUnavailable = 4,
    /// Another hmctl operation holds the host-wide lock.
    Locked = 5,
}

impl Exit {
    /// Every exit code, in order: the table the help text, the man page and
    /// the README's exit-code table are made or checked from.
    pub const ALL: [Exit; 6] = [
        Exit::Success,
        Exit::OperationFailed,
        Exit::Usage,
        Exit::NotRunning,
        Exit::BackendUnavailable,
        Exit::Locked,
    ];

    pub fn code(self) -> u8 {
        self as u8
    }

    /// What the code means, as the help, the man page and the README say it.
    pub fn meaning(self) -> &'static str {
        match self {
            Exit::Success => "done; every selected service is running and healthy",
            Exit::OperationFailed => {
                "an operation failed: a service did not reach the wanted state in time, an upgrade was rolled back, logs grep or trace found nothing; ok-to-stop: not safe"
            }
            Exit::Usage => {
                "usage or configuration error, a stop refused because running services need what it stops, or a start / restart of a service in maintenance; nothing was changed"
            }
            Exit::NotRunning => {
                "status: at least one selected service is not running or not healthy, or a group's compose file could not be read; diagnose: something abnormal was found"
            }
            Exit::BackendUnavailable => {
                "a backend could not be asked: Docker or systemd unreachable, hung, or permission denied"
            }
            Exit::Locked => "another hmctl operation holds the host-wide lock",
        }
    }
}

/// An error that decides the exit code, with an optional operator hint.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
    pub hint: Option<String>,
}

impl Failure {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Failure {
            exit,
            message: message.into(),
            hint: None,
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Failure::new(Exit::Usage, message)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// A file of hmctl's own that could not be used: permission denied is
    /// exit 4 with `denied_hint` (only root may), anything else exit 1 with
    /// what the operator can do about that kind of error.
    pub fn of_private_file(error: &std::io::Error, message: String, denied_hint: &str) -> Self {
        use std::io::ErrorKind;
        // O_NOFOLLOW met a symbolic link where hmctl's own file should be.
        let link = error.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error());
        match error.kind() {
            ErrorKind::PermissionDenied => {
                Failure::new(Exit::BackendUnavailable, message).with_hint(denied_hint)
            }
            _ if link => Failure::new(Exit::OperationFailed, message).with_hint(
                "hmctl never reads or writes its own files through a link: remove the link in its place (and find out who put it there)",
            ),
            ErrorKind::StorageFull | ErrorKind::QuotaExceeded => {
                Failure::new(Exit::OperationFailed, message)
                    .with_hint("free space on that filesystem, then run it again")
            }
            _ => Failure::new(Exit::OperationFailed, message).with_hint(
                "check that file and its directory (root's, 0600 and 0700), then run it again",
            ),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// The exit code an error chain asks for: the first [`Failure`] in it, else 1.
pub fn exit_of(error: &anyhow::Error) -> Exit {
    error
        .chain()
        .find_map(|cause| cause.downcast_ref::<Failure>())
        .map_or(Exit::OperationFailed, |failure| failure.exit)
}

/// The hint of the first [`Failure`] in an error chain, if it has one.
pub fn hint_of(error: &anyhow::Error) -> Option<&str> {
    error
        .chain()
        .find_map(|cause| cause.downcast_ref::<Failure>())
        .and_then(|failure| failure.hint.as_deref())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_private_file_error_says_what_to_do_for_its_kind() {
        use std::io::{Error, ErrorKind};
        let hint = |kind: ErrorKind| {
            let failure = super::Failure::of_private_file(
                &Error::from(kind),
                "cannot read x".into(),
                "run it with sudo",
            );
            (failure.exit, failure.hint.unwrap_or_default())
        };
        assert_eq!(
            hint(ErrorKind::PermissionDenied),
            (super::Exit::BackendUnavailable, "run it with sudo".into())
        );
        let looped = super::Failure::of_private_file(
            &Error::from_raw_os_error(rustix::io::Errno::LOOP.raw_os_error()),
            "cannot read x".into(),
            "run it with sudo",
        );
        assert!(
            looped
                .hint
                .unwrap_or_default()
                .starts_with("hmctl never reads or writes its own files through a link")
        );
        assert_eq!(
            hint(ErrorKind::StorageFull).1,
            "free space on that filesystem, then run it again"
        );
        assert_eq!(
            hint(ErrorKind::InvalidData),
            (
                super::Exit::OperationFailed,
                "check that file and its directory (root's, 0600 and 0700), then run it again"
                    .into()
            )
        );
    }

    use super::*;
    use anyhow::Context;

    #[test]
    fn the_first_failure_in_the_chain_decides_the_code() {
        let error = Err::<(), _>(Failure::usage("bad").with_hint("fix it"))
            .context("reading the config")
            .unwrap_err();
        assert_eq!(exit_of(&error), Exit::Usage);
        assert_eq!(hint_of(&error), Some("fix it"));
    }

    #[test]
    fn a_plain_error_is_an_operation_failure() {
        let error = anyhow::anyhow!("boom");
        assert_eq!(exit_of(&error), Exit::OperationFailed);
        assert_eq!(hint_of(&error), None);
    }

    #[test]
    fn codes_match_the_contract() {
        let codes: Vec<u8> = Exit::ALL.iter().map(|exit| exit.code()).collect();
        assert_eq!(codes, vec![0, 1, 2, 3, 4, 5]);
    }
}
