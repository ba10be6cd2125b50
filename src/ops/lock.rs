//! The host-wide lock every changing command takes, so two operators never
//! change the same host at once. An flock on one file: it dies with its holder
//! (no stale lock after kill -9). The holder writes its pid, command and start
//! time inside, so the one who waits learns who holds it.

use crate::exit::{Exit, Failure};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where the lock lives: `HMCTL_LOCK_FILE`, else `/run/lock/hmctl.lock` (the settings).
pub fn lock_path() -> PathBuf {
    crate::settings::get().lock_file.clone()
}

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

/// Takes the lock for `command`, waiting up to `wait` for another holder.
pub fn acquire(path: &Path, command: &str, wait: Duration) -> Result<HostLock, Failure> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|error| {
            let failure = Failure::new(
                if error.kind() == std::io::ErrorKind::PermissionDenied {
                    Exit::BackendUnavailable
                } else {
                    Exit::OperationFailed
                },
                format!("cannot open the lock file {}: {error}", path.display()),
            );
            if error.kind() == std::io::ErrorKind::PermissionDenied {
                failure.with_hint("changing services needs root: run it with sudo")
            } else {
                failure
            }
        })?;
    let started = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) if started.elapsed() < wait => {
                std::thread::sleep(Duration::from_millis(100));
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
        let started = Instant::now();
        let failure = acquire(&path, "hmctl stop", Duration::from_millis(300)).unwrap_err();
        assert!(started.elapsed() >= Duration::from_millis(300));
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
        drop(held);
        acquire(&path, "hmctl stop", Duration::ZERO).unwrap();
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
