//! The history file: `history.jsonl` in hmctl's state directory, root's
//! alone (the directory 0700, the file 0600), opened `O_APPEND|O_NOFOLLOW`
//! through `private_file` and written one whole line per record with a single
//! write (no fsync: an incident must not wait on the audit log). When it
//! passes its size it becomes `history.jsonl.1` (the one before is dropped),
//! so it stays bounded. Reading skips a line that does not parse — the torn
//! last line of a run killed mid-write — and counts it.

use super::record::Record;
use crate::private_file::Directory;
use std::ffi::OsStr;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// The file's name in the state directory.
pub const FILE_NAME: &str = "history.jsonl";
/// The previous file, once the current one passed its size.
pub const ROTATED_NAME: &str = "history.jsonl.1";
/// The size past which the file is rotated: two files of 4 MiB hold years of
/// an operator's restarts.
pub const ROTATE_AT: u64 = 4 << 20;

/// Where the history file is.
pub fn path_in(state_dir: &Path) -> PathBuf {
    state_dir.join(FILE_NAME)
}

/// Appends `record` to the history in `state_dir`, rotating the file first
/// once it reached `rotate_at` bytes.
pub fn append(state_dir: &Path, record: &Record, rotate_at: u64) -> io::Result<()> {
    let directory = Directory::private(state_dir, 0o700)?;
    let mut file = directory.open_own(OsStr::new(FILE_NAME), 0o600, true)?;
    let mut length = file.metadata()?.len();
    if length >= rotate_at {
        directory.rename(OsStr::new(FILE_NAME), OsStr::new(ROTATED_NAME))?;
        file = directory.open_own(OsStr::new(FILE_NAME), 0o600, true)?;
        length = 0;
    }
    let mut line = record.line();
    // A run killed mid-write left a torn line: end it, so this record
    // starts a line of its own.
    if length > 0 && !ends_with_newline(&path_in(state_dir), length) {
        line.insert(0, '\n');
    }
    file.write_all(line.as_bytes())
}

/// Whether the file's byte at `length - 1` is a newline.
fn ends_with_newline(path: &Path, length: u64) -> bool {
    use std::os::unix::fs::FileExt;
    let mut last = [0u8];
    open_without_following(path)
        .and_then(|file| file.read_exact_at(&mut last, length - 1))
        .map_or(true, |()| last[0] == b'\n')
}

/// What the history files hold.
#[derive(Debug, Default)]
pub struct Reading {
    /// Oldest first.
    pub records: Vec<Record>,
    /// Lines that did not parse (a torn last line).
    pub skipped: usize,
}

/// Reads the rotated file, then the current one. A missing file is an empty
/// history; a file that cannot be read is an error naming it.
pub fn read(state_dir: &Path) -> Result<Reading, (PathBuf, io::Error)> {
    let mut reading = Reading::default();
    for name in [ROTATED_NAME, FILE_NAME] {
        let path = state_dir.join(name);
        let text = match read_without_following(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
            Err(error) => return Err((path, error)),
        };
        for line in text.split(|byte| *byte == b'\n') {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<Record>(line) {
                Ok(record) => reading.records.push(record),
                Err(_) => reading.skipped += 1,
            }
        }
    }
    Ok(reading)
}

fn open_without_following(path: &Path) -> io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let nofollow = i32::try_from(rustix::fs::OFlags::NOFOLLOW.bits()).unwrap_or(0);
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nofollow)
        .open(path)
}

/// Reads a whole file of hmctl's own, never through a link.
pub fn read_without_following(path: &Path) -> io::Result<Vec<u8>> {
    let mut file = open_without_following(path)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::super::record::{Began, Ended, Record};
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn began(run: &str) -> Record {
        Record::Began(Began {
            run: run.into(),
            pid: 7,
            at: "2026-12-04T20:00:00Z".parse().unwrap(),
            who: "alice".into(),
            from: "pts/1".into(),
            command: "hmctl restart porter-api".into(),
            activity: super::super::record::Activity::Restart,
            services: Vec::new(),
            steps: Vec::new(),
            package: None,
        })
    }

    fn ended(run: &str) -> Record {
        Record::Ended(Ended {
            run: run.into(),
            at: "2026-12-04T20:00:05Z".parse().unwrap(),
            exit: 0,
            summary: "done".into(),
            results: Vec::new(),
            backup: None,
        })
    }

    #[test]
    fn records_are_appended_to_a_private_file_and_read_back_in_order() {
        let directory = tempfile::tempdir().unwrap();
        let state = directory.path().join("state");
        append(&state, &began("1"), ROTATE_AT).unwrap();
        append(&state, &ended("1"), ROTATE_AT).unwrap();
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&state), 0o700);
        assert_eq!(mode(&path_in(&state)), 0o600);
        let reading = read(&state).unwrap();
        assert_eq!(reading.records, vec![began("1"), ended("1")]);
        assert_eq!(reading.skipped, 0);
    }

    #[test]
    fn a_torn_last_line_is_skipped_and_counted() {
        let directory = tempfile::tempdir().unwrap();
        append(directory.path(), &began("1"), ROTATE_AT).unwrap();
        let torn = &began("2").line()[..30];
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(path_in(directory.path()))
            .unwrap();
        file.write_all(torn.as_bytes()).unwrap();
        let reading = read(directory.path()).unwrap();
        assert_eq!(reading.records, vec![began("1")]);
        assert_eq!(reading.skipped, 1);
        // The next record ends the torn line first, so it is not lost with it.
        append(directory.path(), &ended("1"), ROTATE_AT).unwrap();
        let reading = read(directory.path()).unwrap();
        assert_eq!(reading.records, vec![began("1"), ended("1")]);
        assert_eq!(reading.skipped, 1);
    }

    #[test]
    fn past_its_size_the_file_is_rotated_and_both_are_read() {
        let directory = tempfile::tempdir().unwrap();
        let limit = began("1").line().len() as u64 * 2;
        for run in ["1", "2", "3", "4", "5"] {
            append(directory.path(), &began(run), limit).unwrap();
        }
        let rotated = std::fs::read_to_string(directory.path().join(ROTATED_NAME)).unwrap();
        assert_eq!(rotated.lines().count(), 2, "{rotated}");
        let current = std::fs::read_to_string(path_in(directory.path())).unwrap();
        assert_eq!(current.lines().count(), 1, "{current}");
        let runs: Vec<String> = read(directory.path())
            .unwrap()
            .records
            .into_iter()
            .map(|record| match record {
                Record::Began(began) => began.run,
                Record::Ended(ended) => ended.run,
            })
            .collect();
        assert_eq!(runs, ["3", "4", "5"]);
    }

    #[test]
    fn a_planted_link_is_refused_and_its_target_kept() {
        let directory = tempfile::tempdir().unwrap();
        let victim = directory.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let state = directory.path().join("state");
        std::fs::create_dir(&state).unwrap();
        std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::symlink(&victim, path_in(&state)).unwrap();
        let refused = append(&state, &began("1"), ROTATE_AT).unwrap_err();
        assert!(
            refused.to_string().contains("is a symbolic link"),
            "{refused}"
        );
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(read(&state).is_err(), "a link is not read either");
    }
}
