//! The upgrade journal: written (atomically) before the first change and kept
//! until the last, so the next hmctl run after a crash or `kill -9` can finish
//! or undo the interrupted upgrade. It records, for each entry, the inode of
//! the live and of the staged version; since a rename keeps inodes, that alone
//! tells which entries were swapped.

use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// How far a transaction got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Copying the package beside the live directory; nothing live changed.
    Staging,
    /// Swapping entries in; some may be swapped.
    Swapping,
    /// Every entry is in place; services starting, not yet proved healthy:
    /// recovery swaps every entry back.
    Swapped,
    /// Swapping entries back after a failure.
    RollingBack,
    /// The services proved healthy; keeping the replaced version as a backup.
    /// Only this phase is finished forward by recovery.
    Committing,
}

impl Phase {
    /// The word the journal holds (`rolling-back`).
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Staging => "staging",
            Phase::Swapping => "swapping",
            Phase::Swapped => "swapped",
            Phase::RollingBack => "rolling-back",
            Phase::Committing => "committing",
        }
    }
}

/// What a transaction does to one top-level entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Swap {
    /// Replace the live entry; the old one goes to the stage.
    Exchange,
    /// Add an entry the live directory does not have.
    Insert,
    /// Take a live entry out, into the stage (a rollback of an added entry).
    Remove,
}

/// One entry of a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryPlan {
    pub name: String,
    pub swap: Swap,
    /// The live entry's inode before anything changed.
    pub live_inode: Option<u64>,
    /// The staged entry's inode.
    pub staged_inode: Option<u64>,
}

/// Whether the transaction is an upgrade or a rollback to a backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Upgrade,
    Rollback,
}

/// The word the plan and the messages use (`upgrade plan for group ...`), the
/// same as the JSON's.
impl std::fmt::Display for Kind {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            Kind::Upgrade => "upgrade",
            Kind::Rollback => "rollback",
        })
    }
}

/// The journal of one group's transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    pub schema: u32,
    pub group: String,
    pub kind: Kind,
    pub phase: Phase,
    pub pid: u32,
    pub started: String,
    #[serde(flatten)]
    pub trees: Trees,
    pub entries: Vec<EntryPlan>,
    /// The services the transaction stops and starts.
    pub services: Vec<String>,
    /// Where this journal is kept (not written in it).
    #[serde(skip)]
    pub file: PathBuf,
}

/// The directories a transaction moves entries between.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trees {
    /// The package (upgrade) or the backup (rollback) being installed.
    pub source: PathBuf,
    pub live_dir: PathBuf,
    /// Beside `live_dir`: the staged copy, which ends up holding the old version.
    pub stage_dir: PathBuf,
    /// Beside `live_dir`: where the replaced version is kept.
    pub backup_root: PathBuf,
}

/// The journal of `group`'s transaction in hmctl's state directory
/// `state_dir` (the settings').
pub fn journal_path(state_dir: &Path, group: &str) -> PathBuf {
    state_dir.join(format!("upgrade-{group}.json"))
}

/// Writes `bytes` to `path` so that a crash leaves the old or the new file
/// whole; the file is private (0600) in a directory of hmctl's own (0700),
/// created exclusively and never through a link.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    crate::private_file::write_private(path, bytes, 0o600)
}

impl Journal {
    pub fn save(&self) -> std::io::Result<()> {
        super::hooks::fault(&format!("journal-{}", self.phase.as_str()))?;
        let bytes = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        write_atomically(&self.file, &bytes)
    }

    pub fn set_phase(&mut self, phase: Phase) -> std::io::Result<()> {
        self.phase = phase;
        self.save()
    }

    pub fn remove(&self) -> std::io::Result<()> {
        super::hooks::fault("remove-journal")?;
        let path = &self.file;
        match std::fs::remove_file(path) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
            _ => std::fs::File::open(path.parent().unwrap_or(Path::new("/")))?.sync_all(),
        }
    }

    /// Every journal left in the state directory `state_dir`.
    pub fn all(state_dir: &Path) -> Vec<(PathBuf, Result<Journal, String>)> {
        let Ok(entries) = std::fs::read_dir(state_dir) else {
            return Vec::new();
        };
        let mut journals: Vec<(PathBuf, Result<Journal, String>)> = entries
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| {
                path.file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| {
                        name.starts_with("upgrade-")
                            && Path::new(name)
                                .extension()
                                .is_some_and(|extension| extension == "json")
                    })
            })
            .map(|path| {
                let parsed = std::fs::read(&path)
                    .map_err(|error| error.to_string())
                    .and_then(|bytes| {
                        serde_json::from_slice::<Journal>(&bytes).map_err(|error| error.to_string())
                    })
                    .map(|journal| Journal {
                        file: path.clone(),
                        ..journal
                    });
                (path, parsed)
            })
            .collect();
        journals.sort_by(|left, right| left.0.cmp(&right.0));
        journals
    }
}

impl Journal {
    /// Appends a line to hmctl's own log of changes, `hmctl.log` beside the
    /// journal (in the state directory).
    pub fn log(&self, text: &str) {
        let line = format!(
            "{} {text}\n",
            crate::model::format_timestamp(jiff::Timestamp::now())
        );
        let Some(directory) = self.file.parent() else {
            return;
        };
        let opened =
            crate::private_file::Directory::private(directory, 0o700).and_then(|directory| {
                directory.open_own(std::ffi::OsStr::new("hmctl.log"), 0o600, true)
            });
        if let Ok(mut file) = opened {
            let _ = file.write_all(line.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journal() -> Journal {
        Journal {
            schema: 1,
            group: "console".into(),
            kind: Kind::Upgrade,
            phase: Phase::Swapping,
            pid: 42,
            started: "2025-09-18T16:24:31Z".into(),
            trees: Trees {
                source: "/tmp/package".into(),
                live_dir: "/opt/installer".into(),
                stage_dir: "/opt/.hmctl-upgrade-console".into(),
                backup_root: "/opt/.hmctl-backups-console".into(),
            },
            entries: vec![EntryPlan {
                name: "bin".into(),
                swap: Swap::Exchange,
                live_inode: Some(7),
                staged_inode: None,
            }],
            services: vec!["porter-api".into()],
            file: PathBuf::new(),
        }
    }

    /// A journal left by an earlier hmctl must still be read after a crash.
    #[test]
    fn the_journal_is_written_and_read_in_one_flat_shape() {
        let text = serde_json::to_string(&journal()).unwrap();
        assert_eq!(
            text,
            concat!(
                r#"{"schema":1,"group":"console","kind":"upgrade","phase":"swapping","pid":42,"#,
                r#""started":"2025-09-18T16:24:31Z","source":"/tmp/package","#,
                r#""live_dir":"/opt/installer","stage_dir":"/opt/.hmctl-upgrade-console","#,
                r#""backup_root":"/opt/.hmctl-backups-console","#,
                r#""entries":[{"name":"bin","swap":"exchange","live_inode":7,"staged_inode":null}],"#,
                r#""services":["porter-api"]}"#
            )
        );
        assert_eq!(serde_json::from_str::<Journal>(&text).unwrap(), journal());
    }
}
