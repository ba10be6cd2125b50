//! hmctl when things are already broken: an unprivileged operator, a full
//! disk, SIGTERM mid-restart, a daemon hung or gone in the middle of a change.
//! Each must end cleanly, say what happened and change nothing half-way.

mod common;

use common::*;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::time::{Duration, Instant};

const NOBODY: u32 = 65534;

fn open_up(path: &Path) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A running container `plain` and a running unit `hmt-faults-TEST` of the
/// test's own (a shared unit is restarted by other tests meanwhile, which
/// would pass for a restart this test says did not happen).
fn plain(test: &str) -> (Project, Config, TestUnit) {
    let project = plain_project(test);
    let unit = TestUnit::copy_of("hmt-lc-other", &format!("hmt-faults-{test}"));
    systemctl(&["start", &unit.name]);
    let config = config_with(&format!(
        "{}{}",
        console_group(&project),
        gateway_group(&["s3block", &unit.name])
    ));
    (project, config, unit)
}

/// hmctl as user nobody, with a lock file and state dir it may write (in a
/// directory of its own: hmctl refuses a lock in a directory others can write).
fn as_nobody(config: &Config, writable: &Path, args: &[&str]) -> std::process::Output {
    let own = writable.join("nobody");
    if !own.exists() {
        std::fs::create_dir(&own).unwrap();
        std::os::unix::fs::chown(&own, Some(NOBODY), Some(NOBODY)).unwrap();
        std::fs::set_permissions(&own, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let mut command = config.spawn_command();
    command
        .env("HMCTL_LOCK_FILE", own.join("hmctl.lock"))
        .env("HMCTL_STATE_DIR", own.join("state"))
        .uid(NOBODY)
        .gid(NOBODY)
        .args(args);
    command.output().unwrap()
}

#[test]
fn an_unprivileged_operator_sees_what_can_be_seen_and_changes_nothing() {
    if skip_without_sandbox() {
        return;
    }
    let (project, config, unit) = plain("unprivileged");
    open_up(project.path());
    open_up(config.dir.path());
    let writable = tempfile::tempdir().unwrap();
    std::fs::set_permissions(writable.path(), std::fs::Permissions::from_mode(0o777)).unwrap();

    let output = as_nobody(&config, writable.path(), &["--json", "status"]);
    assert_eq!(output.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("permission denied on /var/run/docker.sock"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: run as root or join the docker group"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        row(&document, "s3block")["state"],
        "running",
        "systemd answers anyone"
    );
    assert_eq!(row(&document, "plain")["state"], "unknown");

    let container_before = started_at(&project, "plain");
    let output = as_nobody(&config, writable.path(), &["restart", "plain"]);
    assert_eq!(output.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&output.stderr).contains("nothing was changed"));
    assert_eq!(started_at(&project, "plain"), container_before);

    let unit_before = unit_property(&unit.name, "ActiveEnterTimestampMonotonic");
    let output = as_nobody(&config, writable.path(), &["restart", &unit.name]);
    assert_eq!(output.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("permission denied") && stderr.contains("run as root"),
        "{stderr}"
    );
    assert_eq!(
        unit_property(&unit.name, "ActiveEnterTimestampMonotonic"),
        unit_before,
        "the unit was not restarted"
    );

    // The host lock of a root install is not the operator's to take.
    let root_lock = config.dir.path().join("root.lock");
    std::fs::write(&root_lock, "").unwrap();
    std::fs::set_permissions(&root_lock, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut command = config.spawn_command();
    command
        .env("HMCTL_LOCK_FILE", &root_lock)
        .uid(NOBODY)
        .gid(NOBODY)
        .args(["stop", "plain"]);
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&output.stderr).contains("run it with sudo"));
}

/// A tmpfs of `size`, unmounted when dropped.
struct Tiny(tempfile::TempDir);

impl Tiny {
    fn new(size: &str) -> Tiny {
        let dir = tempfile::tempdir().unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(status.success(), "mount a tmpfs (the tests run as root)");
        Tiny(dir)
    }

    fn names(&self) -> Vec<String> {
        std::fs::read_dir(self.0.path())
            .unwrap()
            .flatten()
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect()
    }
}

impl Drop for Tiny {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.0.path())
            .status();
    }
}

/// Text that does not compress much.
fn noise(bytes: usize) -> String {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut text = String::with_capacity(bytes);
    while text.len() < bytes {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        text.push_str(&format!("{state:016x}"));
        if text.len() % 96 < 16 {
            text.push('\n');
        }
    }
    text
}

#[test]
fn a_full_disk_during_logs_collect_leaves_no_partial_file() {
    if skip_without_sandbox() {
        return;
    }
    let (project, config, _unit) = plain("full-disk-collect");
    let logs = project.path().join("logs/porter");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(logs.join("porter-api.log"), noise(2 * 1024 * 1024)).unwrap();
    let tiny = Tiny::new("256k");
    let bundle = tiny.0.path().join("bundle.tar.gz");
    let output = config
        .hmctl()
        .args(["logs", "collect", "-o"])
        .arg(&bundle)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("No space left on device") && stderr.contains("nothing was left behind"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: free space"), "{stderr}");
    assert!(tiny.names().is_empty(), "left behind: {:?}", tiny.names());
}

#[test]
fn a_full_disk_while_staging_an_upgrade_changes_nothing() {
    if skip_without_sandbox() {
        return;
    }
    sandbox();
    systemctl(&["start", "hmt-lc-db"]);
    let tiny = Tiny::new("1m");
    let live = tiny.0.path().join("sgateway");
    std::fs::create_dir(&live).unwrap();
    std::fs::write(live.join("hmt-lc-db"), "old program").unwrap();
    let package = tempfile::tempdir().unwrap();
    std::fs::write(package.path().join("hmt-lc-db"), noise(4 * 1024 * 1024)).unwrap();
    let config = config_with(&format!(
        "[[group]]\nname = \"gateway\"\nunits = [\"hmt-lc-db\"]\nupgrade_dir = \"{}\"\nprogram_dir = \"{}\"\npresent_if = []\n",
        live.display(),
        live.display()
    ));
    let before = unit_property("hmt-lc-db", "ActiveEnterTimestampMonotonic");
    let output = config
        .hmctl()
        .args(["upgrade", "--yes"])
        .arg(package.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("No space left on device")
            && stderr.contains("nothing was changed and no staging file was left"),
        "{stderr}"
    );
    assert_eq!(tiny.names(), vec!["sgateway"], "no staging debris");
    assert_eq!(
        std::fs::read_to_string(live.join("hmt-lc-db")).unwrap(),
        "old program"
    );
    assert_eq!(
        unit_property("hmt-lc-db", "ActiveEnterTimestampMonotonic"),
        before,
        "the service was never stopped"
    );
    // The state directory keeps the history too; only journals count here.
    let journals = std::fs::read_dir(config.dir.path().join("state")).map_or(0, |entries| {
        entries
            .flatten()
            .filter(|entry| entry.file_name().to_string_lossy().starts_with("upgrade-"))
            .count()
    });
    assert_eq!(journals, 0, "no journal left");
}

#[test]
fn sigterm_mid_restart_leaves_every_service_running() {
    if skip_without_sandbox() {
        return;
    }
    let project = Project::new(
        "sigterm",
        &[(
            "c.yml",
            r#"services:
  slow-db:
    @BASE@
    command: ["sh", "-c", "trap 'exit 0' TERM; rm -f /tmp/ready; (sleep 3; touch /tmp/ready) & sleep 2147483647 & wait"]
    healthcheck: {test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s, timeout: 2s, retries: 30}
  app:
    @BASE@
    command: @SLEEPER@
    depends_on: [slow-db]
"#,
        )],
    );
    project.compose(&["up", "-d"]);
    let config = config_with(&console_group(&project));
    wait_for(Duration::from_secs(60), "healthy", || {
        let (code, document) = status_json(&config, &[]);
        if code == 0 {
            Ok(())
        } else {
            Err(format!("{document:#}"))
        }
    });
    let app_before = started_at(&project, "app");
    let output = interrupted_restart(&config, "console", "slow-db", rustix::process::Signal::TERM);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("interrupted"));
    let (_, document) = status_json(&config, &[]);
    for service in ["slow-db", "app"] {
        assert_eq!(row(&document, service)["state"], "running", "{document:#}");
    }
    assert_eq!(
        started_at(&project, "app"),
        app_before,
        "nothing new was started after SIGTERM"
    );
}

#[test]
fn a_hung_docker_stops_a_restart_in_bounded_time_before_it_changes_anything() {
    if skip_without_sandbox() {
        return;
    }
    let (project, config, _unit) = plain("hung-docker-restart");
    let socket = silent_socket(config.dir.path());
    let before = started_at(&project, "plain");
    let started = Instant::now();
    let output = config
        .hmctl()
        .env("DOCKER_HOST", format!("unix://{}", socket.display()))
        .args(["--daemon-timeout", "2", "restart", "plain"])
        .output()
        .unwrap();
    // Bounded (without its timeout hmctl would wait for the socket forever),
    // with room for a loaded machine.
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(output.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("did not answer") && stderr.contains("nothing was changed"),
        "{stderr}"
    );
    assert_eq!(started_at(&project, "plain"), before);
}

#[test]
fn an_absent_systemd_stops_a_unit_restart_before_it_changes_anything() {
    if skip_without_sandbox() {
        return;
    }
    let (_project, config, unit) = plain("no-dbus-restart");
    let before = unit_property(&unit.name, "ActiveEnterTimestampMonotonic");
    let output = config
        .hmctl()
        .env(
            "DBUS_SYSTEM_BUS_ADDRESS",
            "unix:path=/nonexistent/system_bus_socket",
        )
        .args(["restart", &unit.name])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("/nonexistent/system_bus_socket") && stderr.contains("nothing was changed"),
        "{stderr}"
    );
    assert_eq!(
        unit_property(&unit.name, "ActiveEnterTimestampMonotonic"),
        before
    );
}
