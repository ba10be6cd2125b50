//! Disk usage of large trees (a console's `/opt/installer` holds 150,000+
//! files) without re-walking them on every `status`. A complete walk is kept
//! in a small root-only cache (see `disk_cache`) and reused for up to
//! [`REUSE_SECONDS`] while the tree's top directory is unchanged (same device,
//! inode and mtime, so a top-level entry added, removed or swapped in forces a
//! fresh walk). A walk that runs out of its time bound is kept as progress
//! and resumed by the next `status`, which meanwhile shows the last complete
//! figure with its age (or, with none yet, the partial count). A figure not
//! measured entirely by this call always carries its age; hmctl's own upgrade
//! and rollback drop the cache so the next figure is fresh.

use super::disk_cache::{self, Entry, Identity, Progress};
pub use super::disk_walk::Usage;
use super::disk_walk::Walk;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long a complete walk is reused (while the top directory is unchanged).
pub const REUSE_SECONDS: u64 = 60;
/// How old a walk's progress may be and still be resumed.
const RESUME_SECONDS: u64 = 600;

/// A figure, and when it was measured if not entirely by this call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measured {
    pub usage: Usage,
    /// `Some((unix seconds, age in seconds))` when not fresh, `None` when fresh.
    pub cached: Option<(u64, u64)>,
}

/// Sums the allocated size of everything under `root` (like `du -s`, not
/// following symlinks), stopping at `deadline`. (`status` goes through the
/// cache's resumable walk; the tests measure whole trees with this.)
#[cfg(test)]
pub fn disk_usage(root: &Path, deadline: Instant) -> std::io::Result<Usage> {
    let metadata = std::fs::symlink_metadata(root)?;
    let mut walk = Walk::start(root, &metadata);
    walk.run(deadline);
    Ok(walk.usage())
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

fn mtime_of(metadata: &std::fs::Metadata) -> i128 {
    i128::from(metadata.mtime()) * 1_000_000_000 + i128::from(metadata.mtime_nsec())
}

/// The usage of `root`: the cached complete walk when it is younger than
/// [`REUSE_SECONDS`] and the top directory is unchanged; else the walk goes
/// on (resumed, or fresh) until `deadline`.
pub fn measure(cache_dir: &Path, root: &Path, deadline: Instant) -> std::io::Result<Measured> {
    let metadata = std::fs::symlink_metadata(root)?;
    let (identity, mtime) = (Identity::of(&metadata), mtime_of(&metadata));
    let path = root.display().to_string();
    let now = unix_now();
    let kept = disk_cache::find(cache_dir, &path).filter(|entry| entry.identity == identity);
    let complete = kept.as_ref().and_then(|entry| entry.complete.clone());
    if let Some(complete) = &complete
        && complete.mtime == mtime
        && complete.measured_at <= now
        && now - complete.measured_at < REUSE_SECONDS
    {
        return Ok(reused(complete, now));
    }
    let resumed = kept.and_then(|entry| entry.progress).filter(|progress| {
        progress.started_at <= now && now - progress.started_at < RESUME_SECONDS
    });
    let (mut walk, started_at) = match &resumed {
        Some(progress) => (progress.walk.clone(), progress.started_at),
        None => (Walk::start(root, &metadata), now),
    };
    walk.run(deadline);
    let usage = walk.usage();
    let mut entry = Entry {
        path,
        identity,
        complete,
        progress: None,
    };
    if usage.complete {
        let figure = disk_cache::Complete {
            mtime,
            used_bytes: usage.bytes,
            files: usage.files,
            measured_at: started_at,
        };
        entry.complete = Some(figure.clone());
        disk_cache::store(cache_dir, entry);
        return Ok(match resumed {
            None => Measured {
                usage,
                cached: None,
            },
            Some(_) => reused(&figure, now),
        });
    }
    let last = entry.complete.clone();
    entry.progress = Some(Progress { started_at, walk });
    disk_cache::store(cache_dir, entry);
    Ok(match last {
        Some(figure) => reused(&figure, now),
        None => Measured {
            usage,
            cached: None,
        },
    })
}

fn reused(figure: &disk_cache::Complete, now: u64) -> Measured {
    Measured {
        usage: Usage {
            bytes: figure.used_bytes,
            files: figure.files,
            complete: true,
        },
        cached: Some((figure.measured_at, now.saturating_sub(figure.measured_at))),
    }
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
        let cache_dir = runtime.path().join("hmctl");
        let tree = tempfile::tempdir().unwrap();
        std::fs::create_dir(tree.path().join("venv")).unwrap();
        std::fs::write(tree.path().join("venv/a"), vec![b'x'; 9000]).unwrap();
        let later = || Instant::now() + Duration::from_secs(30);
        let first = measure(&cache_dir, tree.path(), later()).unwrap();
        assert_eq!(first.cached, None, "the first figure is a fresh walk");
        let second = measure(&cache_dir, tree.path(), later()).unwrap();
        assert_eq!(second.usage, first.usage);
        let (_, age) = second.cached.expect("the second comes from the cache");
        assert!(age < REUSE_SECONDS);
        // Deep inside, unseen until the figure expires: that is why its age shows.
        std::fs::write(tree.path().join("venv/b"), vec![b'x'; 9000]).unwrap();
        assert!(
            measure(&cache_dir, tree.path(), later())
                .unwrap()
                .cached
                .is_some()
        );
        // A top-level change is seen at once.
        std::fs::write(tree.path().join("added"), vec![b'x'; 9000]).unwrap();
        let third = measure(&cache_dir, tree.path(), later()).unwrap();
        assert_eq!(third.cached, None);
        assert_eq!(third.usage.files, first.usage.files + 2);
        // Dropping the cache (upgrade, rollback) makes the next one fresh.
        disk_cache::forget(&cache_dir);
        assert_eq!(
            measure(&cache_dir, tree.path(), later()).unwrap().cached,
            None
        );
    }

    #[test]
    fn a_walk_out_of_time_is_resumed_and_counts_everything_once() {
        let runtime = tempfile::tempdir().unwrap();
        let cache_dir = runtime.path().join("hmctl");
        let tree = tempfile::tempdir().unwrap();
        for directory in 0..4 {
            let path = tree.path().join(format!("d{directory}"));
            std::fs::create_dir(&path).unwrap();
            for index in 0..700 {
                std::fs::write(path.join(format!("f{index}")), b"x").unwrap();
            }
        }
        let whole = disk_usage(tree.path(), Instant::now() + Duration::from_secs(30)).unwrap();
        assert_eq!(whole.files, 1 + 4 + 4 * 700);
        let first = measure(&cache_dir, tree.path(), Instant::now()).unwrap();
        assert!(
            !first.usage.complete,
            "no complete figure yet: the partial count"
        );
        let mut rounds = 0;
        let last = loop {
            rounds += 1;
            let measured = measure(&cache_dir, tree.path(), Instant::now()).unwrap();
            if measured.usage.complete || rounds > 100 {
                break measured;
            }
        };
        assert!(last.usage.complete, "finished over {rounds} calls");
        assert!(last.cached.is_some(), "begun earlier: its age is shown");
        assert_eq!(
            (last.usage.files, last.usage.bytes),
            (whole.files, whole.bytes)
        );
    }
}
