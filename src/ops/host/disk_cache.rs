//! The one place hmctl keeps disk-usage figures between runs:
//! `/run/hmctl/disk-usage.json` (`HMCTL_CACHE_DIR`), in a root-only
//! directory (0700, refused if it is a link, someone else's or open to
//! others), written to a temporary file created exclusively 0600 and renamed
//! in. Any failure means no cache: the figure is measured afresh.

use crate::private_file::Directory;
use serde::{Deserialize, Serialize};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

const FILE: &str = "disk-usage.json";
/// How many trees are remembered (newest kept).
const KEEP: usize = 64;

/// What is kept of one tree: its last complete walk, and a walk in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub path: String,
    /// The top directory the figures are of.
    #[serde(flatten)]
    pub identity: Identity,
    pub complete: Option<Complete>,
    pub progress: Option<Progress>,
}

/// Which directory a path named when it was walked: a tree swapped in under
/// the same path is another tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub device: u64,
    pub inode: u64,
}

impl Identity {
    pub fn of(metadata: &std::fs::Metadata) -> Self {
        Identity {
            device: metadata.dev(),
            inode: metadata.ino(),
        }
    }
}

/// A complete walk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complete {
    /// The top directory's mtime in nanoseconds.
    pub mtime: i128,
    pub used_bytes: u64,
    pub files: u64,
    /// When the walk began (unix seconds): the age of its oldest part.
    pub measured_at: u64,
}

/// A walk that ran out of time, to be resumed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Unix seconds.
    pub started_at: u64,
    pub walk: super::disk_walk::Walk,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Cache {
    entries: Vec<Entry>,
}

/// The private directory `cache_dir` (the settings': `HMCTL_CACHE_DIR`, else
/// `/run/hmctl`, beside the inspect and compose caches), created 0700 if
/// missing; `None` when it is a link, not a directory, not ours, or open to
/// others (`private_file`'s checks).
fn private_dir(cache_dir: &Path) -> Option<Directory> {
    let dir = Directory::private(cache_dir, 0o700).ok()?;
    let metadata = std::fs::symlink_metadata(&dir.path).ok()?;
    // No bit for the group or others: the low six bits of the mode are zero.
    let closed_to_others = metadata.mode().trailing_zeros() >= 6;
    (metadata.uid() == rustix::process::geteuid().as_raw() && closed_to_others).then_some(dir)
}

fn read(dir: &Path) -> Cache {
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits().cast_signed())
        .open(dir.join(FILE))
        .ok()
        .and_then(|file| serde_json::from_reader(std::io::BufReader::new(file)).ok())
        .unwrap_or_default()
}

fn write(dir: &Directory, cache: &Cache) -> std::io::Result<()> {
    let bytes = serde_json::to_vec(cache).map_err(std::io::Error::other)?;
    dir.write_atomically(std::ffi::OsStr::new(FILE), &bytes, 0o600)
}

/// The last complete walk of `path`, if kept in `cache_dir`.
pub fn find(cache_dir: &Path, path: &str) -> Option<Entry> {
    let dir = private_dir(cache_dir)?;
    read(&dir.path)
        .entries
        .into_iter()
        .find(|entry| entry.path == path)
}

/// Keeps `entry` in `cache_dir` (replacing the tree's previous one). Best effort.
pub fn store(cache_dir: &Path, entry: Entry) {
    let Some(dir) = private_dir(cache_dir) else {
        return;
    };
    // The checks of one status run in threads: one read-modify-write at a time.
    static STORING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _storing = STORING.lock();
    let mut cache = read(&dir.path);
    cache.entries.retain(|kept| kept.path != entry.path);
    cache.entries.push(entry);
    let surplus = cache.entries.len().saturating_sub(KEEP);
    cache.entries.drain(..surplus);
    let _ = write(&dir, &cache);
}

/// Drops every kept figure, so the next one is fresh (after an upgrade or rollback).
pub fn forget(cache_dir: &Path) {
    if let Some(dir) = private_dir(cache_dir) {
        let _ = dir.remove(std::ffi::OsStr::new(FILE));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, measured_at: u64) -> Entry {
        Entry {
            path: path.to_string(),
            identity: Identity {
                device: 1,
                inode: 2,
            },
            complete: Some(Complete {
                mtime: 3,
                used_bytes: 4096,
                files: 7,
                measured_at,
            }),
            progress: None,
        }
    }

    #[test]
    fn an_entry_is_written_as_before_its_identity_was_a_type() {
        let text = serde_json::to_string(&entry("/var/log", 15)).unwrap();
        assert_eq!(
            text,
            r#"{"path":"/var/log","device":1,"inode":2,"complete":{"mtime":3,"used_bytes":4096,"files":7,"measured_at":15},"progress":null}"#
        );
        assert_eq!(
            serde_json::from_str::<Entry>(&text).unwrap(),
            entry("/var/log", 15)
        );
    }

    #[test]
    fn entries_are_kept_privately_and_replaced_per_tree() {
        let runtime = tempfile::tempdir().unwrap();
        let dir = runtime.path().join("hmctl");
        store(&dir, entry("/opt/installer", 10));
        store(&dir, entry("/opt/installer", 20));
        store(&dir, entry("/var/log", 15));
        assert_eq!(
            find(&dir, "/opt/installer"),
            Some(entry("/opt/installer", 20))
        );
        assert_eq!(find(&dir, "/var/log"), Some(entry("/var/log", 15)));
        assert_eq!(std::fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
        assert_eq!(
            std::fs::metadata(dir.join(FILE)).unwrap().mode() & 0o777,
            0o600
        );
        forget(&dir);
        assert_eq!(find(&dir, "/opt/installer"), None);
    }

    #[test]
    fn a_directory_open_to_others_or_a_link_is_not_used() {
        let runtime = tempfile::tempdir().unwrap();
        let dir = runtime.path().join("hmctl");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o777))
            .unwrap();
        store(&dir, entry("/opt/installer", 10));
        assert_eq!(find(&dir, "/opt/installer"), None);
        assert!(!dir.join(FILE).exists());
        std::fs::remove_dir(&dir).unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), &dir).unwrap();
        store(&dir, entry("/opt/installer", 10));
        assert_eq!(find(&dir, "/opt/installer"), None);
        assert!(!elsewhere.path().join(FILE).exists());
    }
}
