//! Disk usage of large trees (a console's `/opt/installer` holds 150,000+
//! files) without re-walking them on every `status`: a complete walk is kept
//! in a small root-only cache (see `disk_cache`) and reused for up to
//! [`REUSE_SECONDS`] while the tree's top directory is unchanged (same device,
//! inode and mtime, so a top-level entry added, removed or swapped in forces a
//! fresh walk). A reused figure always carries its age; hmctl's own upgrade and
//! rollback drop the cache so the next figure is fresh.

use super::disk_cache::{self, Entry};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long a complete walk is reused (while the top directory is unchanged).
pub const REUSE_SECONDS: u64 = 60;

/// The result of a bounded disk-usage walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub bytes: u64,
    pub files: u64,
    pub complete: bool,
}

/// A figure, and when it was measured if it came from the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measured {
    pub usage: Usage,
    /// `Some((unix seconds, age in seconds))` when reused, `None` when fresh.
    pub cached: Option<(u64, u64)>,
}

/// Sums the allocated size of everything under `root` (like `du -s`, not
/// following symlinks), stopping at `deadline`.
pub fn disk_usage(root: &Path, deadline: Instant) -> std::io::Result<Usage> {
    let metadata = std::fs::symlink_metadata(root)?;
    let mut usage = Usage {
        bytes: metadata.blocks() * 512,
        files: 1,
        complete: true,
    };
    if !metadata.is_dir() {
        return Ok(usage);
    }
    let mut pending = vec![root.to_path_buf()];
    while let Some(directory) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&directory) else {
            continue;
        };
        for entry in entries.flatten() {
            if usage.files.is_multiple_of(256) && Instant::now() >= deadline {
                usage.complete = false;
                return Ok(usage);
            }
            let Ok(metadata) = entry.metadata() else {
                continue;
            };
            usage.bytes += metadata.blocks() * 512;
            usage.files += 1;
            if metadata.is_dir() {
                pending.push(entry.path());
            }
        }
    }
    Ok(usage)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

/// The identity of the tree's top directory: device, inode, mtime (ns).
fn identity(root: &Path) -> std::io::Result<(u64, u64, i128)> {
    let metadata = std::fs::symlink_metadata(root)?;
    let mtime = i128::from(metadata.mtime()) * 1_000_000_000 + i128::from(metadata.mtime_nsec());
    Ok((metadata.dev(), metadata.ino(), mtime))
}

/// The usage of `root`: the cached complete walk when it is younger than
/// [`REUSE_SECONDS`] and the top directory is unchanged, else a fresh walk
/// (bounded by `deadline`; kept when complete).
pub fn measure(root: &Path, deadline: Instant) -> std::io::Result<Measured> {
    let (device, inode, mtime) = identity(root)?;
    let path = root.display().to_string();
    let now = unix_now();
    if let Some(entry) = disk_cache::find(&path)
        && (entry.device, entry.inode, entry.mtime) == (device, inode, mtime)
        && now.saturating_sub(entry.measured_at) < REUSE_SECONDS
        && entry.measured_at <= now
    {
        return Ok(Measured {
            usage: Usage {
                bytes: entry.used_bytes,
                files: entry.files,
                complete: true,
            },
            cached: Some((entry.measured_at, now - entry.measured_at)),
        });
    }
    let usage = disk_usage(root, deadline)?;
    if usage.complete {
        disk_cache::store(Entry {
            path,
            device,
            inode,
            mtime,
            used_bytes: usage.bytes,
            files: usage.files,
            measured_at: now,
        });
    }
    Ok(Measured {
        usage,
        cached: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_counts_files_and_stops_at_the_deadline() {
        let directory = tempfile::tempdir().unwrap();
        for index in 0..600 {
            std::fs::write(directory.path().join(format!("f{index}")), vec![b'x'; 5000]).unwrap();
        }
        let full = disk_usage(directory.path(), Instant::now() + Duration::from_secs(30)).unwrap();
        assert!(full.complete);
        assert_eq!(full.files, 601);
        assert!(full.bytes >= 600 * 5000);
        let cut = disk_usage(directory.path(), Instant::now()).unwrap();
        assert!(!cut.complete);
        assert!(cut.files < full.files);
    }

    #[test]
    fn a_complete_walk_is_reused_until_the_top_directory_changes() {
        let runtime = tempfile::tempdir().unwrap();
        let _guard = disk_cache::use_dir_for_tests(runtime.path());
        let tree = tempfile::tempdir().unwrap();
        std::fs::create_dir(tree.path().join("venv")).unwrap();
        std::fs::write(tree.path().join("venv/a"), vec![b'x'; 9000]).unwrap();
        let later = || Instant::now() + Duration::from_secs(30);
        let first = measure(tree.path(), later()).unwrap();
        assert_eq!(first.cached, None, "the first figure is a fresh walk");
        let second = measure(tree.path(), later()).unwrap();
        assert_eq!(second.usage, first.usage);
        let (_, age) = second.cached.expect("the second comes from the cache");
        assert!(age < REUSE_SECONDS);
        // Deep inside, unseen until the figure expires: that is why its age shows.
        std::fs::write(tree.path().join("venv/b"), vec![b'x'; 9000]).unwrap();
        assert!(measure(tree.path(), later()).unwrap().cached.is_some());
        // A top-level change is seen at once.
        std::fs::write(tree.path().join("added"), vec![b'x'; 9000]).unwrap();
        let third = measure(tree.path(), later()).unwrap();
        assert_eq!(third.cached, None);
        assert_eq!(third.usage.files, first.usage.files + 2);
        // Dropping the cache (upgrade, rollback) makes the next one fresh.
        disk_cache::forget();
        assert_eq!(measure(tree.path(), later()).unwrap().cached, None);
    }
}
