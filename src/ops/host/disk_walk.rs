//! Counting a tree's disk usage like `du -s` (allocated blocks, links never
//! followed) in steps: a walk stops at its deadline and keeps what it still
//! has to read, so the next call resumes it (`disk_usage` keeps it between
//! calls in `disk_cache`).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The result of a bounded disk-usage walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub bytes: u64,
    pub files: u64,
    pub complete: bool,
}

/// A walk in progress: what is counted and the directories still to read
/// (with how many of their entries are already counted).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Walk {
    pub bytes: u64,
    pub files: u64,
    pub pending: Vec<(PathBuf, u64)>,
}

impl Walk {
    pub fn start(root: &Path, metadata: &std::fs::Metadata) -> Walk {
        Walk {
            bytes: metadata.blocks() * 512,
            files: 1,
            pending: if metadata.is_dir() {
                vec![(root.to_path_buf(), 0)]
            } else {
                Vec::new()
            },
        }
    }

    /// Counts until done or `deadline` (like `du -s`, never following a link).
    pub fn run(&mut self, deadline: Instant) {
        while let Some((directory, skip)) = self.pending.pop() {
            let Ok(entries) = std::fs::read_dir(&directory) else {
                continue;
            };
            let (mut seen, mut counted) = (0u64, 0u64);
            for entry in entries.flatten() {
                seen += 1;
                if seen <= skip {
                    continue;
                }
                if counted > 0 && counted.is_multiple_of(256) && Instant::now() >= deadline {
                    self.pending.push((directory, seen - 1));
                    return;
                }
                counted += 1;
                let Ok(metadata) = entry.metadata() else {
                    continue;
                };
                self.bytes += metadata.blocks() * 512;
                self.files += 1;
                if metadata.is_dir() {
                    self.pending.push((entry.path(), 0));
                }
            }
            if Instant::now() >= deadline && !self.pending.is_empty() {
                return;
            }
        }
    }

    pub fn usage(&self) -> Usage {
        Usage {
            bytes: self.bytes,
            files: self.files,
            complete: self.pending.is_empty(),
        }
    }
}
