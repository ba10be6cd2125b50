//! The versions an upgrade replaced, kept beside the live directory as dated
//! backups (the last 2), each with a note of which entries to take out when it
//! is brought back (those the replacing version added).

use super::journal::Kind;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The note inside a backup.
pub const NOTE: &str = ".hmctl-backup.json";
/// How many backups to keep.
pub const KEEP: usize = 2;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Note {
    pub created: String,
    pub group: String,
    /// `upgrade` when an upgrade replaced this version, `rollback` when a
    /// rollback did (none in a note written before hmctl recorded it).
    /// `--rollback` goes back through upgrades only, so that rolling back
    /// twice goes two versions back rather than forth again.
    #[serde(default)]
    pub kind: Option<Kind>,
    /// What replaced this version (a package path, or a rollback).
    pub replaced_by: String,
    /// Entries live that this version did not have: restoring it takes them out.
    pub remove_on_restore: Vec<String>,
}

/// Where a group's backups live: beside its live directory.
pub fn backup_root(live_dir: &Path, group: &str) -> PathBuf {
    live_dir
        .parent()
        .unwrap_or(Path::new("/"))
        .join(format!(".hmctl-backups-{group}"))
}

/// Where a group's staged copy lives: beside its live directory.
pub fn stage_dir(live_dir: &Path, group: &str) -> PathBuf {
    live_dir
        .parent()
        .unwrap_or(Path::new("/"))
        .join(format!(".hmctl-upgrade-{group}"))
}

/// The newest backup an upgrade made (the target of `--rollback`).
pub fn rollback_target(root: &Path) -> Option<PathBuf> {
    list(root)
        .into_iter()
        .rev()
        .find(|backup| read_note(backup).kind != Some(Kind::Rollback))
}

/// The backups, oldest first.
pub fn list(root: &Path) -> Vec<PathBuf> {
    let mut backups: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| entry.path())
                .filter(|path| path.is_dir())
                .collect()
        })
        .unwrap_or_default();
    backups.sort();
    backups
}

pub fn read_note(backup: &Path) -> Note {
    std::fs::read(backup.join(NOTE))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// A new backup's path (`20261123-124501`, unique).
pub fn new_path(root: &Path) -> PathBuf {
    let stamp = jiff::Zoned::now().strftime("%Y%m%d-%H%M%S").to_string();
    let mut path = root.join(&stamp);
    let mut counter = 1;
    while path.exists() {
        counter += 1;
        path = root.join(format!("{stamp}-{counter}"));
    }
    path
}

/// Writes the note, moves the staged (now old) version into the backups, and
/// keeps only the newest [`KEEP`].
pub fn keep(stage: &Path, root: &Path, note: &Note) -> std::io::Result<PathBuf> {
    crate::private_file::Directory::private(root, 0o700)?;
    let bytes = serde_json::to_vec_pretty(note).map_err(std::io::Error::other)?;
    super::journal::write_atomically(&stage.join(NOTE), &bytes)?;
    let target = new_path(root);
    super::hooks::fault("keep")?;
    std::fs::rename(stage, &target)?;
    std::fs::File::open(root)?.sync_all()?;
    let backups = list(root);
    for old in &backups[..backups.len().saturating_sub(KEEP)] {
        std::fs::remove_dir_all(old)?;
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_note_keeps_its_kind_as_the_word_and_an_old_note_has_none() {
        let note = Note {
            kind: Some(Kind::Rollback),
            ..Note::default()
        };
        let text = serde_json::to_string(&note).unwrap();
        assert!(text.contains(r#""kind":"rollback""#), "{text}");
        assert_eq!(Kind::Rollback.to_string(), "rollback");
        assert_eq!(Kind::Upgrade.to_string(), "upgrade");
        let old: Note = serde_json::from_str(
            r#"{"created":"","group":"console","replaced_by":"/p","remove_on_restore":[]}"#,
        )
        .unwrap();
        assert_eq!(old.kind, None);
    }

    #[test]
    fn rollback_goes_back_through_upgrades_only() {
        let root = tempfile::tempdir().unwrap();
        for (name, kind) in [
            ("20260101-000000", Kind::Upgrade),
            ("20260102-000000", Kind::Rollback),
        ] {
            let backup = root.path().join(name);
            std::fs::create_dir(&backup).unwrap();
            let note = Note {
                kind: Some(kind),
                ..Note::default()
            };
            std::fs::write(backup.join(NOTE), serde_json::to_vec(&note).unwrap()).unwrap();
        }
        assert_eq!(
            rollback_target(root.path()),
            Some(root.path().join("20260101-000000"))
        );
    }
}
