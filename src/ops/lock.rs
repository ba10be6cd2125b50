//! The host-wide lock every changing command takes, so two operators never
//! change the same host at once. An flock on one file: it dies with its holder
//! (no stale lock after kill -9). The holder writes its pid, command and start
//! time inside, so the one who waits learns who holds it.

use crate::exit::{Exit, Failure};
use crate::private_file::{self, Directory};
use std::fs::{File, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// How long a second operation waits for the first before giving up.
pub const LOCK_WAIT: Duration = Duration::from_secs(3);

/// The lock, held until dropped.
#[derive(Debug)]
pub struct HostLock {
    _file: File,
}

fn holder_of(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.rewind();
    let _ = file.read_to_string(&mut text);
    let field = |key: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(&format!("{key}=")))
            .map(str::to_string)
    };
    match (field("pid"), field("command"), field("since")) {
        (Some(pid), Some(command), Some(since)) => format!("pid {pid} ({command}) since {since}"),
        _ => "an hmctl process that is just starting".to_string(),
    }
}

/// Opens the lock file: its directory created 0700 if missing and accepted
/// only as the caller's (or root's) and writable by no one else, the file
/// opened without following a link and accepted only as a regular file of the
/// caller's with one link. Nothing is written before those checks pass.
fn open_lock(path: &Path) -> Result<File, Failure> {
    let opened = private_file::split(path).and_then(|(directory, name)| {
        Directory::private(&directory, 0o700)?.open_own(&name, 0o600, false)
    });
    opened.map_err(|error| open_failure(path, &error))
}

/// What the operator is told when the lock file cannot be opened: a link or
/// a shared directory in the way, or (as a user other than root) no right
/// to it.
fn open_failure(path: &Path, error: &std::io::Error) -> Failure {
    if private_file::is_unsafe(error) {
        return Failure::new(
            Exit::OperationFailed,
            format!(
                "refusing the lock file {}: {error}; nothing was changed",
                path.display()
            ),
        )
        .with_hint(
            "hmctl keeps its lock in a directory only root can write (/run/hmctl); remove what is in the way, or point HMCTL_LOCK_FILE at such a directory",
        );
    }
    Failure::of_private_file(
        error,
        format!("cannot open the lock file {}: {error}", path.display()),
        "changing services needs root: run it with sudo",
    )
}

/// How long a taker pauses between two tries of a held lock.
const RETRY_PAUSE: Duration = Duration::from_millis(100);

/// The time a taker waits by: the real one in hmctl, a counted one in tests
/// (so that no test waits for real or bounds the time it took).
trait Waiting {
    /// How long it has waited so far.
    fn waited(&self) -> Duration;
    /// Waits `pause` before the next try.
    fn pause(&mut self, pause: Duration);
}

/// The real time, from when the taker began.
struct RealTime {
    started: Instant,
}

impl Waiting for RealTime {
    fn waited(&self) -> Duration {
        self.started.elapsed()
    }

    fn pause(&mut self, pause: Duration) {
        std::thread::sleep(pause);
    }
}

/// Takes the lock for `command`, waiting up to `wait` for another holder.
pub fn acquire(path: &Path, command: &str, wait: Duration) -> Result<HostLock, Failure> {
    acquire_waiting(
        path,
        command,
        wait,
        &mut RealTime {
            started: Instant::now(),
        },
    )
}

/// [`acquire`], the time passing as `waiting` says.
fn acquire_waiting(
    path: &Path,
    command: &str,
    wait: Duration,
    waiting: &mut dyn Waiting,
) -> Result<HostLock, Failure> {
    let mut file = open_lock(path)?;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) if waiting.waited() < wait => {
                waiting.pause(RETRY_PAUSE);
            }
            Err(TryLockError::WouldBlock) => {
                return Err(Failure::new(
                    Exit::Locked,
                    format!(
                        "another hmctl operation holds the lock {}: {}",
                        path.display(),
                        holder_of(&mut file)
                    ),
                )
                .with_hint("wait for it to finish and try again; nothing was changed"));
            }
            Err(TryLockError::Error(error)) => {
                return Err(Failure::new(
                    Exit::OperationFailed,
                    format!("cannot lock {}: {error}", path.display()),
                ));
            }
        }
    }
    let since = crate::model::format_timestamp(jiff::Timestamp::now());
    let record = format!(
        "pid={}\ncommand={command}\nsince={since}\n",
        std::process::id()
    );
    let written = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| file.write_all(record.as_bytes()))
        .and_then(|()| file.flush());
    if let Err(error) = written {
        return Err(Failure::new(
            Exit::OperationFailed,
            format!("cannot write the lock file {}: {error}", path.display()),
        ));
    }
    Ok(HostLock { _file: file })
}

/// Who holds the lock now, as its file says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holder {
    pub pid: u32,
    /// When it took the lock (to the second), if the file says.
    pub since: Option<jiff::Timestamp>,
}

/// Who holds the lock at `path` now, if anyone: the lock file opened
/// read-only (never through a link) and tried; a lock that can be taken has
/// no holder (and is let go at once).
pub fn holder(path: &Path) -> Option<Holder> {
    use std::os::unix::fs::OpenOptionsExt;
    let nofollow = i32::try_from(rustix::fs::OFlags::NOFOLLOW.bits()).unwrap_or(0);
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nofollow)
        .open(path)
        .ok()?;
    if !matches!(file.try_lock_shared(), Err(TryLockError::WouldBlock)) {
        return None;
    }
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    let field = |key: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
    };
    Some(Holder {
        pid: field("pid")?.parse().ok()?,
        since: field("since").and_then(|since| since.parse().ok()),
    })
}

/// The command line, as the lock records it (`hmctl restart porter-api`).
pub fn command_line() -> String {
    let words: Vec<String> = std::env::args_os()
        .map(|word| word.to_string_lossy().into_owned())
        .map(|word| {
            word.chars()
                .filter(|character| !character.is_control())
                .take(200)
                .collect()
        })
        .collect();
    let mut line = words.join(" ");
    line.truncate(
        line.char_indices()
            .nth(300)
            .map_or(line.len(), |(index, _)| index),
    );
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_taker_learns_who_holds_it() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("hmctl.lock");
        let held = acquire(&path, "hmctl restart porter-api", LOCK_WAIT).unwrap();
        let mut waiting = Counted::default();
        let failure = acquire_waiting(
            &path,
            "hmctl stop",
            Duration::from_millis(300),
            &mut waiting,
        )
        .unwrap_err();
        // It tried again after each pause until its wait was over.
        assert_eq!(waiting.waited, Duration::from_millis(300));
        assert_eq!(waiting.pauses, 3);
        assert_eq!(failure.exit, Exit::Locked);
        assert!(
            failure
                .message
                .contains(&format!("pid {}", std::process::id())),
            "{}",
            failure.message
        );
        assert!(
            failure.message.contains("(hmctl restart porter-api)"),
            "{}",
            failure.message
        );
        let holding = holder(&path).unwrap();
        assert_eq!(holding.pid, std::process::id());
        assert!(
            holding
                .since
                .is_some_and(|since| since <= jiff::Timestamp::now())
        );
        drop(held);
        assert_eq!(holder(&path), None);
        acquire(&path, "hmctl stop", Duration::ZERO).unwrap();
    }

    /// Time that passes only when the taker pauses, and a holder that lets
    /// go at a chosen pause.
    #[derive(Default)]
    struct Counted {
        waited: Duration,
        pauses: u32,
        released_at: Option<(u32, HostLock)>,
    }

    impl Waiting for Counted {
        fn waited(&self) -> Duration {
            self.waited
        }

        fn pause(&mut self, pause: Duration) {
            self.waited += pause;
            self.pauses += 1;
            if self
                .released_at
                .as_ref()
                .is_some_and(|(at, _)| *at == self.pauses)
            {
                self.released_at = None;
            }
        }
    }

    #[test]
    fn a_taker_that_waits_gets_the_lock_once_its_holder_lets_go() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("hmctl.lock");
        let held = acquire(&path, "hmctl restart porter-api", LOCK_WAIT).unwrap();
        let mut waiting = Counted {
            released_at: Some((2, held)),
            ..Counted::default()
        };
        let taken = acquire_waiting(&path, "hmctl stop", LOCK_WAIT, &mut waiting);
        assert!(taken.is_ok(), "{taken:?}");
        assert_eq!(waiting.pauses, 2);
        assert_eq!(
            holder(&path).map(|holder| holder.pid),
            Some(std::process::id())
        );
    }

    /// A user other than root is refused the lock file: the decision, from
    /// the error that user meets.
    #[test]
    fn a_lock_file_denied_asks_for_root_word_for_word() {
        let denied = std::io::Error::from_raw_os_error(rustix::io::Errno::ACCESS.raw_os_error());
        let failure = open_failure(Path::new("/run/hmctl/hmctl.lock"), &denied);
        assert_eq!(
            (
                failure.exit,
                failure.message.as_str(),
                failure.hint.as_deref()
            ),
            (
                Exit::BackendUnavailable,
                "cannot open the lock file /run/hmctl/hmctl.lock: Permission denied (os error 13)",
                Some("changing services needs root: run it with sudo"),
            )
        );
    }

    #[test]
    fn a_planted_link_changes_nothing_and_is_refused() {
        let directory = tempfile::tempdir().unwrap();
        let victim = directory.path().join("root-file");
        std::fs::write(&victim, "keep me").unwrap();
        let path = directory.path().join("hmctl.lock");
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        let failure = acquire(&path, "hmctl restart", Duration::ZERO).unwrap_err();
        assert_eq!(failure.exit, Exit::OperationFailed);
        assert!(
            failure.message.contains("is a symbolic link")
                && failure.message.contains("nothing was changed"),
            "{}",
            failure.message
        );
        assert!(
            failure
                .hint
                .as_deref()
                .unwrap_or("")
                .contains("HMCTL_LOCK_FILE")
        );
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    }

    #[test]
    fn a_lock_in_a_shared_directory_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let directory = tempfile::tempdir().unwrap();
        std::fs::set_permissions(directory.path(), std::fs::Permissions::from_mode(0o1777))
            .unwrap();
        let path = directory.path().join("hmctl.lock");
        let failure = acquire(&path, "hmctl restart", Duration::ZERO).unwrap_err();
        assert!(
            failure
                .message
                .contains("can be written by other users (mode 1777)"),
            "{}",
            failure.message
        );
        assert!(!path.exists(), "nothing was created");
    }

    #[test]
    fn the_lock_and_its_directory_are_private() {
        use std::os::unix::fs::MetadataExt;
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("hmctl").join("hmctl.lock");
        let held = acquire(&path, "hmctl restart", Duration::ZERO).unwrap();
        let mode = |path: &Path| std::fs::metadata(path).unwrap().mode() & 0o777;
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(mode(&path), 0o600);
        drop(held);
    }

    #[test]
    fn an_unwritable_place_is_a_clear_error() {
        let failure = acquire(
            Path::new("/nonexistent/dir/hmctl.lock"),
            "x",
            Duration::ZERO,
        )
        .unwrap_err();
        assert!(failure.message.contains("/nonexistent/dir/hmctl.lock"));
    }
}
