//! The host checks the O&M guide lists under `hmctl status`: log disk usage,
//! program disk usage, remaining disk space, and whether the service port
//! accepts connections. Each is bounded in time: a disk-usage walk that runs
//! out of time reports what it counted, marked partial.

use serde::Serialize;
use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// One host check (the contract's `checks[]`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Check {
    pub name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub free_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_bytes: Option<u64>,
    /// Set when a walk ran out of time: `used_bytes` is a lower bound.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Check {
    fn new(name: &'static str, group: &str) -> Check {
        Check {
            name,
            group: Some(group.to_string()),
            path: None,
            port: None,
            used_bytes: None,
            free_bytes: None,
            total_bytes: None,
            partial: false,
            ok: false,
            detail: None,
        }
    }
}

/// The O&M guide's alarm threshold for root disk usage.
pub const DISK_USAGE_LIMIT_PERCENT: u64 = 80;

/// The result of a bounded disk-usage walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub bytes: u64,
    pub files: u64,
    pub complete: bool,
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

/// The mount point holding `path`, for messages: the highest ancestor on the
/// same device. (A few `stat` calls; `/proc/self/mountinfo` on a host with
/// hundreds of container mounts costs milliseconds to read.)
fn mount_point_of(path: &Path) -> PathBuf {
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let Ok(device) = std::fs::metadata(&canonical).map(|metadata| metadata.dev()) else {
        return PathBuf::from("/");
    };
    let mut mount = canonical.clone();
    for ancestor in canonical.ancestors().skip(1) {
        match std::fs::metadata(ancestor) {
            Ok(metadata) if metadata.dev() == device => mount = ancestor.to_path_buf(),
            _ => break,
        }
    }
    mount
}

/// Human size (`1.2 GiB`).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

fn usage_check(name: &'static str, group: &str, path: &Path, deadline: Instant) -> Check {
    let mut check = Check::new(name, group);
    check.path = Some(path.display().to_string());
    match disk_usage(path, deadline) {
        Ok(usage) => {
            check.used_bytes = Some(usage.bytes);
            check.partial = !usage.complete;
            check.ok = true;
            check.detail = Some(if usage.complete {
                format!("{} in {} files", human_bytes(usage.bytes), usage.files)
            } else {
                format!(
                    "at least {} in {} files (stopped counting: time bound reached)",
                    human_bytes(usage.bytes),
                    usage.files
                )
            });
        }
        Err(error) => check.detail = Some(format!("cannot measure: {error}")),
    }
    check
}

fn free_disk_check(group: &str, path: &Path) -> Check {
    let mut check = Check::new("free-disk", group);
    let mount = mount_point_of(path);
    check.path = Some(mount.display().to_string());
    match rustix::fs::statvfs(path) {
        Ok(stats) => {
            let total = stats.f_blocks * stats.f_frsize;
            let free = stats.f_bavail * stats.f_frsize;
            let used_percent = (free * 100)
                .checked_div(total)
                .map_or(0, |free_percent| 100 - free_percent);
            check.free_bytes = Some(free);
            check.total_bytes = Some(total);
            check.ok = used_percent < DISK_USAGE_LIMIT_PERCENT;
            check.detail = Some(format!(
                "{} free of {} ({used_percent}% used{})",
                human_bytes(free),
                human_bytes(total),
                if check.ok {
                    ""
                } else {
                    ", above the 80% alarm threshold"
                }
            ));
        }
        Err(error) => check.detail = Some(format!("cannot measure: {error}")),
    }
    check
}

fn port_check(group: &str, port: u16, timeout: Duration) -> Check {
    let mut check = Check::new("port", group);
    check.port = Some(port);
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let started = Instant::now();
    match TcpStream::connect_timeout(&address, timeout) {
        Ok(_) => {
            check.ok = true;
            check.detail = Some(format!(
                "connected in {:.1} ms",
                started.elapsed().as_secs_f64() * 1000.0
            ));
        }
        Err(error) => check.detail = Some(format!("127.0.0.1:{port}: {error}")),
    }
    check
}

/// What to check for one present group.
#[derive(Debug, Clone)]
pub struct CheckTarget {
    pub group: String,
    pub log_dir: Option<PathBuf>,
    pub program_dir: Option<PathBuf>,
    pub ports: Vec<u16>,
}

/// Runs every check of every target, concurrently, each walk bounded by
/// `walk_budget` and each port by `port_timeout`.
pub fn run_checks(
    targets: &[CheckTarget],
    walk_budget: Duration,
    port_timeout: Duration,
) -> Vec<Check> {
    let deadline = Instant::now() + walk_budget;
    std::thread::scope(|scope| {
        let mut handles = Vec::new();
        let mut free_disk_seen: Vec<PathBuf> = Vec::new();
        for target in targets {
            if let Some(dir) = &target.log_dir {
                handles.push(
                    scope.spawn(move || usage_check("log-disk", &target.group, dir, deadline)),
                );
            }
            if let Some(dir) = &target.program_dir {
                handles.push(
                    scope.spawn(move || usage_check("program-disk", &target.group, dir, deadline)),
                );
            }
            let base = target
                .program_dir
                .as_deref()
                .or(target.log_dir.as_deref())
                .unwrap_or(Path::new("/"));
            let mount = mount_point_of(base);
            if !free_disk_seen.contains(&mount) {
                free_disk_seen.push(mount);
                handles.push(scope.spawn(move || free_disk_check(&target.group, base)));
            }
            for port in &target.ports {
                let port = *port;
                handles.push(scope.spawn(move || port_check(&target.group, port, port_timeout)));
            }
        }
        handles
            .into_iter()
            .filter_map(|handle| handle.join().ok())
            .collect()
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
    fn a_missing_directory_is_a_failed_check() {
        let check = usage_check(
            "log-disk",
            "console",
            Path::new("/nonexistent/logs"),
            Instant::now(),
        );
        assert!(!check.ok);
        assert!(check.detail.unwrap().contains("cannot measure"));
    }

    #[test]
    fn a_closed_port_is_a_failed_check_and_an_open_one_passes() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(port_check("console", port, Duration::from_secs(1)).ok);
        drop(listener);
        assert!(!port_check("console", port, Duration::from_secs(1)).ok);
    }

    #[test]
    fn sizes_read_like_du_h() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 * 1024 * 1024 * 1024), "3.0 GiB");
    }
}
