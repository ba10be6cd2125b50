//! The maintenance state file, `$HMCTL_STATE_DIR/maintenance.json`: which
//! services are in maintenance, who put them there, when and why, and what
//! brought each back by itself before (to give back exactly that). Root's
//! alone (0600), replaced whole through `private_file` (a new file created
//! exclusively, never through a link, renamed over), so a crash leaves the
//! old or the new file. Each entry carries its phase: a record of intent is
//! written before anything changes, so the next run can finish or undo it.

use crate::exit::{Exit, Failure};
use crate::model::{AutoStart, BackendKind, MaintenanceMark};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The file's name in the state directory.
pub const FILE_NAME: &str = "maintenance.json";
/// The version of the file's layout.
pub const SCHEMA: u32 = 1;
/// What a user other than root, denied the file, is told.
const DENIED_HINT: &str = "the maintenance state is root's alone: run it with sudo";

/// Where an entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Written before the service is held off and stopped.
    Entering,
    /// Held off and stopped: in maintenance.
    In,
    /// Written before what was there is given back.
    Leaving,
}

/// One service in maintenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub service: String,
    pub group: String,
    pub backend: BackendKind,
    /// The login user behind `sudo`, or who ran hmctl.
    pub by: String,
    /// Where from (SSH client, terminal, ansible).
    pub from: String,
    pub since: Timestamp,
    pub reason: Option<String>,
    /// What brought it back by itself before: given back by `off`.
    pub previous: AutoStart,
    pub phase: Phase,
}

impl Entry {
    /// How `status` shows it.
    pub fn mark(&self) -> MaintenanceMark {
        MaintenanceMark {
            by: self.by.clone(),
            since: self.since,
            reason: self.reason.clone(),
        }
    }
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Register {
    pub schema: u32,
    pub entries: Vec<Entry>,
}

impl Default for Register {
    fn default() -> Register {
        Register {
            schema: SCHEMA,
            entries: Vec::new(),
        }
    }
}

impl Register {
    /// The entry of `service` of `group`, if it is in maintenance.
    pub fn find(&self, group: &str, service: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|entry| entry.group == group && entry.service == service)
    }

    /// Whether a run was interrupted with an entry half-done.
    pub fn is_unfinished(&self) -> bool {
        self.entries.iter().any(|entry| entry.phase != Phase::In)
    }
}

/// The file in `state_dir`.
pub fn path_in(state_dir: &Path) -> PathBuf {
    state_dir.join(FILE_NAME)
}

/// Reads the register; a missing file is an empty one. A file that cannot
/// be read or does not parse is refused, naming it: it holds the policies
/// to give back, so it is never guessed at nor overwritten.
pub fn read(state_dir: &Path) -> Result<Register, Failure> {
    let path = path_in(state_dir);
    let read = crate::ops::bounded_lines::read_whole_without_following(&path);
    interpret(&path, read)
}

/// What reading the file at `path` gave, as the register or the failure the
/// operator is told.
fn interpret(path: &Path, read: std::io::Result<Vec<u8>>) -> Result<Register, Failure> {
    let bytes = match read {
        Ok(bytes) => bytes,
        // No file, or no state directory at all (something else in its
        // place, as a broken install may leave): nothing is in maintenance.
        Err(error)
            if matches!(
                error.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(Register::default());
        }
        Err(error) => {
            return Err(Failure::of_private_file(
                &error,
                format!(
                    "cannot read the maintenance state {}: {error}",
                    path.display()
                ),
                DENIED_HINT,
            ));
        }
    };
    parse(&bytes).map_err(|error| {
        Failure::new(
            Exit::OperationFailed,
            format!(
                "the maintenance state {} is damaged: {error}; nothing was changed",
                path.display()
            ),
        )
        .with_hint(
            "it holds the restart policies and unit enablement to give back: repair it by hand, or move it away once `docker inspect` and `systemctl is-enabled` show what each service should have",
        )
    })
}

/// Parses the file's bytes.
pub fn parse(bytes: &[u8]) -> Result<Register, String> {
    let register: Register = serde_json::from_slice(bytes).map_err(|error| error.to_string())?;
    if register.schema == SCHEMA {
        Ok(register)
    } else {
        Err(format!(
            "schema {} is not {SCHEMA}, the one this hmctl writes",
            register.schema
        ))
    }
}

/// Replaces the register (removing nothing: an empty one is written).
pub fn write(state_dir: &Path, register: &Register) -> Result<(), Failure> {
    let path = path_in(state_dir);
    let mut bytes = serde_json::to_vec_pretty(register).map_err(|error| {
        Failure::new(
            Exit::OperationFailed,
            format!("cannot encode {}: {error}", path.display()),
        )
    })?;
    bytes.push(b'\n');
    let written = crate::private_file::write_private(&path, &bytes, 0o600);
    written.map_err(|error| write_failure(&path, &error))
}

/// What the operator is told when the file at `path` cannot be written.
fn write_failure(path: &Path, error: &std::io::Error) -> Failure {
    Failure::of_private_file(
        error,
        format!(
            "cannot write the maintenance state {}: {error}",
            path.display()
        ),
        DENIED_HINT,
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::RestartPolicyName;
    use std::os::unix::fs::PermissionsExt;

    pub fn entry(service: &str, phase: Phase) -> Entry {
        Entry {
            service: service.into(),
            group: "console".into(),
            backend: BackendKind::Compose,
            by: "alice".into(),
            from: "ssh 10.0.0.7".into(),
            since: "2026-12-04T22:00:00Z".parse().unwrap(),
            reason: Some("disk swap".into()),
            previous: AutoStart::RestartPolicy {
                name: RestartPolicyName::OnFailure,
                maximum_retry_count: 3,
            },
            phase,
        }
    }

    #[test]
    fn it_round_trips_root_only_and_a_missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        assert_eq!(read(&state).unwrap(), Register::default());
        let register = Register {
            schema: SCHEMA,
            entries: vec![
                entry("rabbitmq", Phase::In),
                entry("mysql", Phase::Entering),
            ],
        };
        write(&state, &register).unwrap();
        assert_eq!(read(&state).unwrap(), register);
        assert!(read(&state).unwrap().is_unfinished());
        let mode = std::fs::metadata(path_in(&state))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(
            register.find("console", "rabbitmq").unwrap().mark().by,
            "alice"
        );
    }

    #[test]
    fn a_state_directory_that_is_a_file_holds_nothing_in_maintenance() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        std::fs::write(&state, b"not a directory").unwrap();
        assert_eq!(read(&state).unwrap(), Register::default());
        assert!(write(&state, &Register::default()).is_err());
    }

    #[test]
    fn a_torn_or_foreign_file_is_refused_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path();
        let register = Register {
            schema: SCHEMA,
            entries: vec![entry("rabbitmq", Phase::In)],
        };
        write(state, &register).unwrap();
        let text = std::fs::read(path_in(state)).unwrap();
        std::fs::write(path_in(state), &text[..text.len() / 2]).unwrap();
        let failure = read(state).unwrap_err();
        assert_eq!(failure.exit, Exit::OperationFailed);
        assert!(
            failure.message.starts_with(&format!(
                "the maintenance state {} is damaged: EOF while parsing",
                path_in(state).display()
            )),
            "{}",
            failure.message
        );
        assert!(failure.message.ends_with("; nothing was changed"));
        assert_eq!(
            failure.hint.as_deref(),
            Some(
                "it holds the restart policies and unit enablement to give back: repair it by hand, or move it away once `docker inspect` and `systemctl is-enabled` show what each service should have"
            )
        );
        std::fs::write(path_in(state), b"{\"schema\": 2, \"entries\": []}").unwrap();
        assert!(
            read(state)
                .unwrap_err()
                .message
                .contains(": schema 2 is not 1, the one this hmctl writes;")
        );
        std::fs::write(path_in(state), b"garbage").unwrap();
        assert!(read(state).is_err());
    }

    /// A user other than root is denied the file, reading and writing it:
    /// the decision, from the error that user meets.
    #[test]
    fn a_state_file_denied_asks_for_root_word_for_word() {
        let path = Path::new("/var/lib/hmctl/maintenance.json");
        let denied = || std::io::Error::from_raw_os_error(rustix::io::Errno::ACCESS.raw_os_error());
        let read = interpret(path, Err(denied())).unwrap_err();
        let written = write_failure(path, &denied());
        for (failure, verb) in [(read, "read"), (written, "write")] {
            let message = format!(
                "cannot {verb} the maintenance state /var/lib/hmctl/maintenance.json: Permission denied (os error 13)"
            );
            assert_eq!(
                (failure.exit, failure.message, failure.hint.as_deref()),
                (
                    Exit::BackendUnavailable,
                    message,
                    Some("the maintenance state is root's alone: run it with sudo"),
                )
            );
        }
    }

    #[test]
    fn a_link_in_its_place_is_neither_read_nor_followed_when_written() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        std::fs::create_dir(&state).unwrap();
        std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o700)).unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, b"precious").unwrap();
        std::os::unix::fs::symlink(&elsewhere, path_in(&state)).unwrap();
        assert!(read(&state).is_err());
        write(&state, &Register::default()).unwrap();
        assert_eq!(std::fs::read(&elsewhere).unwrap(), b"precious");
        assert!(
            !std::fs::symlink_metadata(path_in(&state))
                .unwrap()
                .is_symlink()
        );
    }
}
