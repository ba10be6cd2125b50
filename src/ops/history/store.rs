//! The history file: `history.jsonl` in hmctl's state directory, a bounded
//! file of JSON lines (`bounded_lines`: root's alone, append-only, rotated to
//! `history.jsonl.1` past its size, read tolerant of a torn last line).

use super::record::Record;
use crate::ops::bounded_lines::{self, LineFile};
use std::io;
use std::path::{Path, PathBuf};

/// The file's name in the state directory.
pub const FILE_NAME: &str = "history.jsonl";
/// The previous file, once the current one passed its size.
pub const ROTATED_NAME: &str = "history.jsonl.1";
/// The size past which the file is rotated: two files of 4 MiB hold years of
/// an operator's restarts.
pub const ROTATE_AT: u64 = 4 << 20;

/// The history's file and its rotated one.
pub const FILE: LineFile = LineFile {
    name: FILE_NAME,
    rotated: ROTATED_NAME,
};

/// Where the history file is.
pub fn path_in(state_dir: &Path) -> PathBuf {
    FILE.path_in(state_dir)
}

/// Appends `record` to the history in `state_dir`, rotating the file first
/// once it reached `rotate_at` bytes.
pub fn append(state_dir: &Path, record: &Record, rotate_at: u64) -> io::Result<()> {
    FILE.append(state_dir, &record.line(), rotate_at)
}

/// What the history files hold.
pub type Reading = bounded_lines::Reading<Record>;

/// Reads the rotated file, then the current one. A missing file is an empty
/// history; a file that cannot be read is an error naming it.
pub fn read(state_dir: &Path) -> Result<Reading, (PathBuf, io::Error)> {
    FILE.read(state_dir)
}

#[cfg(test)]
mod tests {
    use super::super::record::{Began, Ended, Record};
    use super::*;
    use std::io::Write;
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
