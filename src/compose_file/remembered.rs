//! Remembering a parsed compose project between runs: `status` runs every few
//! seconds, and parsing 200 services costs 2.5 ms of CPU that dockerd, on a
//! small host, needs to answer us. A remembered project is used only while
//! every file it was read from (included and extended ones too) has the same
//! inode, size, modification and change times. Kept in `/run/hmctl` (root
//! only); without it, the files are parsed every time.

use super::model::ComposeProject;
use serde::{Deserialize, Serialize};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// What identifies a version of a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    path: PathBuf,
    inode: u64,
    size: u64,
    modified: (i64, i64),
    changed: (i64, i64),
}

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        let metadata = std::fs::metadata(path).ok()?;
        Some(Stamp {
            path: path.to_path_buf(),
            inode: metadata.ino(),
            size: metadata.len(),
            modified: (metadata.mtime(), metadata.mtime_nsec()),
            changed: (metadata.ctime(), metadata.ctime_nsec()),
        })
    }

    /// Whether the file changed so recently that another write within the
    /// same clock tick could leave every field as it is (git's "racy" case).
    fn is_recent(&self, now: SystemTime) -> bool {
        let now = now
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| {
                i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
            });
        now - self.modified.0.max(self.changed.0) < RECENT_SECONDS
    }
}

/// A file changed less than this long ago is parsed again next time.
const RECENT_SECONDS: i64 = 2;

/// A parsed project and the files it came from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RememberedProject {
    /// The files in use, as given.
    pub files: Vec<PathBuf>,
    stamps: Vec<Stamp>,
    pub project: ComposeProject,
}

/// Only root remembers (the cache is root's `/run/hmctl`); any other user
/// parses the files every time.
fn remembers() -> bool {
    rustix::process::geteuid().is_root()
}

fn path_of(dir: &Path, group: &str) -> PathBuf {
    let clean: String = group
        .chars()
        .map(|character| {
            if character.is_ascii_alphanumeric() || character == '-' {
                character
            } else {
                '_'
            }
        })
        .collect();
    dir.join(format!("compose-{clean}.json"))
}

impl RememberedProject {
    /// The group's remembered project in the cache directory `dir`, if every
    /// file it came from is unchanged.
    pub fn load(dir: &Path, group: &str) -> Option<RememberedProject> {
        if !remembers() {
            return None;
        }
        RememberedProject::load_in(dir, group)
    }

    /// [`RememberedProject::load`] from the cache directory `dir`.
    pub fn load_in(dir: &Path, group: &str) -> Option<RememberedProject> {
        let remembered: RememberedProject =
            serde_json::from_slice(&std::fs::read(path_of(dir, group)).ok()?).ok()?;
        remembered
            .stamps
            .iter()
            .all(|stamp| Stamp::of(&stamp.path).as_ref() == Some(stamp))
            .then_some(remembered)
    }

    /// Remembers, in the cache directory `dir`, a project parsed from
    /// `files` (having read `read`).
    pub fn store(
        dir: &Path,
        group: &str,
        files: &[PathBuf],
        read: &[PathBuf],
        project: &ComposeProject,
    ) {
        if !remembers() {
            return;
        }
        RememberedProject::store_in(dir, group, files, read, project, SystemTime::now());
    }

    /// [`RememberedProject::store`] without asking who runs it, at `now`.
    pub fn store_in(
        dir: &Path,
        group: &str,
        files: &[PathBuf],
        read: &[PathBuf],
        project: &ComposeProject,
        now: SystemTime,
    ) {
        let path = path_of(dir, group);
        let Some(stamps) = read
            .iter()
            .map(|file| Stamp::of(file))
            .collect::<Option<Vec<Stamp>>>()
        else {
            return;
        };
        if stamps.iter().any(|stamp| stamp.is_recent(now)) {
            return;
        }
        let remembered = RememberedProject {
            files: files.to_vec(),
            stamps,
            project: project.clone(),
        };
        if let Ok(bytes) = serde_json::to_vec(&remembered) {
            // A cache: when it cannot be written safely, it is not written.
            let _ = crate::private_file::write_private(&path, &bytes, 0o600);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_file_is_read_again() {
        let cache = tempfile::tempdir().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.yml");
        let files = std::slice::from_ref(&file);
        std::fs::write(&file, "services: {a: {}}\n").unwrap();
        // Modified long ago (its change time, now, is what is recent): a
        // rewrite below differs from it whatever the clock's resolution.
        let long_ago = SystemTime::now() - std::time::Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
        let changed = SystemTime::now();
        let project = super::super::read_project(files).unwrap();
        let store = |now| {
            RememberedProject::store_in(
                cache.path(),
                "remembered-test",
                files,
                files,
                &project,
                now,
            );
        };
        store(changed);
        assert!(
            RememberedProject::load_in(cache.path(), "remembered-test").is_none(),
            "a file changed a moment ago is not remembered"
        );
        store(changed + std::time::Duration::from_secs(RECENT_SECONDS.unsigned_abs() + 1));
        let remembered = RememberedProject::load_in(cache.path(), "remembered-test").unwrap();
        assert_eq!(remembered.project, project);
        std::fs::write(&file, "services: {b: {}}\n").unwrap();
        assert!(
            RememberedProject::load_in(cache.path(), "remembered-test").is_none(),
            "a write of the same size makes it stale"
        );
    }
}
