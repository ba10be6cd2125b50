//! The host checks the O&M guide lists under `hmctl status`: log disk usage,
//! program disk usage, remaining disk space, and whether the service port
//! accepts connections. Each is bounded in time: a disk-usage walk that runs
//! out of time reports what it counted, marked partial; a figure reused from
//! the cache (`disk_usage`) carries its age. Free disk is df's figure.

use super::disk_usage::{Measured, measure};
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
    /// When a reused (not fresh) figure was measured, and how long ago.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measured_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_seconds: Option<u64>,
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
            measured_at: None,
            age_seconds: None,
            partial: false,
            ok: false,
            detail: None,
        }
    }
}

/// The O&M guide's alarm threshold for root disk usage.
pub const DISK_USAGE_LIMIT_PERCENT: u64 = 80;

/// The mount point holding `path`, for messages: the highest ancestor on the
/// same device. (A few `stat` calls; `/proc/self/mountinfo` on a host with
/// hundreds of container mounts costs milliseconds to read.)
fn mount_point_of(path: &Path) -> PathBuf {
    let existing = nearest_existing(path);
    let canonical = existing.canonicalize().unwrap_or(existing);
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

/// `path`, or its nearest ancestor that exists: a group's directory may be
/// missing on this host (a gateway without `/var/lib/sgateway`), the disk it
/// would be on is still there.
fn nearest_existing(path: &Path) -> PathBuf {
    path.ancestors()
        .find(|ancestor| !ancestor.as_os_str().is_empty() && ancestor.exists())
        .unwrap_or(Path::new("/"))
        .to_path_buf()
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

fn usage_check(
    name: &'static str,
    group: &str,
    path: &Path,
    cache_dir: &Path,
    deadline: Instant,
) -> Check {
    let mut check = Check::new(name, group);
    check.path = Some(path.display().to_string());
    match measure(cache_dir, path, deadline) {
        Ok(Measured { usage, cached }) => {
            check.used_bytes = Some(usage.bytes);
            check.partial = !usage.complete;
            check.ok = true;
            let mut detail = if usage.complete {
                format!("{} in {} files", human_bytes(usage.bytes), usage.files)
            } else {
                format!(
                    "at least {} in {} files (stopped counting: time bound reached)",
                    human_bytes(usage.bytes),
                    usage.files
                )
            };
            if let Some((measured_at, age)) = cached {
                check.measured_at = i64::try_from(measured_at)
                    .ok()
                    .and_then(|seconds| jiff::Timestamp::from_second(seconds).ok())
                    .map(crate::model::format_timestamp);
                check.age_seconds = Some(age);
                detail.push_str(&format!(", measured {age} s ago"));
            }
            check.detail = Some(detail);
        }
        Err(error) => check.detail = Some(format!("cannot measure: {error}")),
    }
    check
}

/// df's figures from `statvfs`: (size, used, available) in bytes and
/// `Use%` = used / (used + available), rounded up as df does. Blocks
/// reserved for root count in neither used nor available.
pub fn df_figures(stats: &rustix::fs::StatVfs) -> (u64, u64, u64, u64) {
    let size = stats.f_blocks * stats.f_frsize;
    let used = stats.f_blocks.saturating_sub(stats.f_bfree) * stats.f_frsize;
    let available = stats.f_bavail * stats.f_frsize;
    let percent = match used + available {
        0 => 0,
        counted => (used * 100).div_ceil(counted).min(100),
    };
    (size, used, available, percent)
}

fn free_disk_check(group: &str, path: &Path) -> Check {
    let mut check = Check::new("free-disk", group);
    let mount = mount_point_of(path);
    check.path = Some(mount.display().to_string());
    let measured = nearest_existing(path);
    match rustix::fs::statvfs(&measured) {
        Ok(stats) => {
            let (size, used, available, used_percent) = df_figures(&stats);
            check.used_bytes = Some(used);
            check.free_bytes = Some(available);
            check.total_bytes = Some(size);
            check.ok = used_percent < DISK_USAGE_LIMIT_PERCENT;
            check.detail = Some(format!(
                "{} free of {} ({used_percent}% used{})",
                human_bytes(available),
                human_bytes(size),
                if check.ok {
                    ""
                } else {
                    ", above the 80% alarm threshold"
                }
            ));
            if measured != path
                && let Some(detail) = &mut check.detail
            {
                detail.push_str(&format!("; {} does not exist", path.display()));
            }
        }
        Err(error) => {
            check.detail = Some(format!("cannot measure {}: {error}", measured.display()));
        }
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
/// `walk_budget` (its figures kept in `cache_dir`) and each port by
/// `port_timeout`.
pub fn run_checks(
    targets: &[CheckTarget],
    cache_dir: &Path,
    walk_budget: Duration,
    port_timeout: Duration,
) -> Vec<Check> {
    let deadline = Instant::now() + walk_budget;
    std::thread::scope(|scope| {
        let mut handles = Vec::new();
        let mut free_disk_seen: Vec<PathBuf> = Vec::new();
        for target in targets {
            if let Some(dir) = &target.log_dir {
                handles.push(scope.spawn(move || {
                    usage_check("log-disk", &target.group, dir, cache_dir, deadline)
                }));
            }
            if let Some(dir) = &target.program_dir {
                handles.push(scope.spawn(move || {
                    usage_check("program-disk", &target.group, dir, cache_dir, deadline)
                }));
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
    fn free_disk_is_dfs_use_percent() {
        // df on a 100-block disk with 5 reserved: used 21, free 79, available 74.
        let mut stats = rustix::fs::statvfs("/").unwrap();
        stats.f_frsize = 4096;
        stats.f_blocks = 100;
        stats.f_bfree = 79;
        stats.f_bavail = 74;
        let (size, used, available, percent) = df_figures(&stats);
        assert_eq!((size, used, available), (409_600, 86_016, 303_104));
        // 21 / 95 = 22.1%: df rounds up to 23%.
        assert_eq!(percent, 23);
        stats.f_bfree = 100;
        stats.f_bavail = 100;
        assert_eq!(df_figures(&stats).3, 0);
    }

    #[test]
    fn a_missing_directory_is_a_failed_check() {
        let check = usage_check(
            "log-disk",
            "console",
            Path::new("/nonexistent/logs"),
            Path::new("/nonexistent/cache"),
            Instant::now(),
        );
        assert!(!check.ok);
        assert!(check.detail.unwrap().contains("cannot measure"));
    }

    #[test]
    fn free_disk_of_a_missing_directory_measures_the_disk_it_would_be_on() {
        let root = tempfile::tempdir().unwrap();
        let missing = root.path().join("var/lib/sgateway");
        let check = free_disk_check("gateway", &missing);
        let detail = check.detail.unwrap();
        assert!(check.free_bytes.is_some(), "{detail}");
        assert_eq!(
            check.path.as_deref(),
            Some(mount_point_of(root.path()).to_str().unwrap())
        );
        assert!(
            detail.ends_with(&format!("; {} does not exist", missing.display())),
            "{detail}"
        );
        // A directory that is there is measured without a word about it.
        let present = free_disk_check("gateway", root.path());
        assert!(!present.detail.unwrap().contains("does not exist"));
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
