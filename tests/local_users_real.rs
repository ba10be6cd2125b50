//! hmctl on a host shared with unprivileged users (issue 19), played for real:
//! a process dropped to `nobody` with `setpriv` plants links and locks where
//! it can, with `fs.protected_symlinks` and `fs.protected_regular` off (as on
//! kernels and containers without the distribution's defaults, and CentOS 7),
//! and root's hmctl must change no file outside its own, wait for no one, and
//! leave nothing private readable.

mod common;

use common::*;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// Turns the kernel's link protections off for a test; restores them after.
/// The switches are the host's: the tests that turn them off hold an flock
/// meanwhile, one at a time, or one would restore them under another that
/// still needs them off (and the last to end would leave them off).
struct Unprotected {
    saved: Vec<(PathBuf, String)>,
    _turn: std::fs::File,
}

impl Unprotected {
    fn new() -> Unprotected {
        let turn = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(std::env::temp_dir().join("hmctl-tests-link-protections.lock"))
            .unwrap();
        turn.lock().unwrap();
        let mut saved = Vec::new();
        for name in ["protected_symlinks", "protected_regular"] {
            let path = PathBuf::from(format!("/proc/sys/fs/{name}"));
            if let Ok(value) = std::fs::read_to_string(&path) {
                std::fs::write(&path, "0").unwrap();
                saved.push((path, value));
            }
        }
        Unprotected { saved, _turn: turn }
    }
}

impl Drop for Unprotected {
    fn drop(&mut self) {
        for (path, value) in &self.saved {
            let _ = std::fs::write(path, value.trim());
        }
    }
}

/// A command run as user nobody.
fn as_nobody(program: &str, args: &[&str]) -> Command {
    let mut command = Command::new("setpriv");
    command
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(program)
        .args(args);
    command
}

fn run_as_nobody(program: &str, args: &[&str]) -> Output {
    as_nobody(program, args).output().unwrap()
}

/// A root-owned 0600 file in a root-only directory: what must not change.
fn victim() -> (tempfile::TempDir, PathBuf) {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("root-file");
    std::fs::write(&path, "precious").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    (directory, path)
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const OLD_LOCK: &str = "/run/lock/hmctl.lock";

#[test]
fn a_planted_lock_neither_overwrites_a_file_nor_blocks_root() {
    if skip_without_sandbox() {
        return;
    }
    let _unprotected = Unprotected::new();
    // A unit of its own: the faults tests assert hmt-lc-other was not restarted.
    let unit = TestUnit::copy_of("hmt-lc-other", "hmt-users-other");
    systemctl(&["start", &unit.name]);
    let config = config_with(&gateway_group(&[&unit.name]));
    let (_keep, victim) = victim();
    let _ = std::fs::remove_file(OLD_LOCK);

    // A link where the lock used to live, to a root-only file.
    let planted = run_as_nobody("ln", &["-s", victim.to_str().unwrap(), OLD_LOCK]);
    assert!(planted.status.success(), "{}", stderr_of(&planted));
    let output = config
        .spawn_command()
        .env_remove("HMCTL_LOCK_FILE")
        .args(["restart", &unit.name])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(mode(Path::new("/run/hmctl")), 0o700);
    assert_eq!(mode(Path::new("/run/hmctl/hmctl.lock")), 0o600);

    // Pointed into the shared directory, the lock is refused, nothing written.
    let output = config
        .spawn_command()
        .env("HMCTL_LOCK_FILE", OLD_LOCK)
        .args(["restart", &unit.name])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("refusing the lock file /run/lock/hmctl.lock")
            && stderr.contains("/run/lock can be written by other users (mode 1777)")
            && stderr.contains("nothing was changed")
            && stderr.contains("hint: hmctl keeps its lock in a directory only root can write"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    std::fs::remove_file(OLD_LOCK).unwrap();

    // A lock file the user created and holds does not make root wait. One
    // process (the shell, then sleep) holds it, so killing it frees it.
    let holder = KillOnDrop(
        as_nobody(
            "sh",
            &[
                "-c",
                &format!("exec 9>>{OLD_LOCK}; flock -x 9; exec sleep 60"),
            ],
        )
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap(),
    );
    wait_for(
        Duration::from_secs(60),
        "the planted lock to be held",
        || {
            planted_lock_is_held()
                .then_some(())
                .ok_or_else(|| "not yet".to_string())
        },
    );
    let output = config
        .spawn_command()
        .env_remove("HMCTL_LOCK_FILE")
        .args(["restart", &unit.name])
        .output()
        .unwrap();
    // Done (root did not wait for a lock it could not take: that would be
    // exit 5 after the lock's wait), while the user still holds theirs.
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(
        planted_lock_is_held(),
        "the user's lock was released during the restart: the test proved nothing"
    );
    drop(holder);
    let _ = std::fs::remove_file(OLD_LOCK);
}

#[test]
fn the_bundle_is_written_through_no_link_and_readable_by_root_alone() {
    if skip_without_sandbox() {
        return;
    }
    let _unprotected = Unprotected::new();
    let config = config_with(&gateway_group(&["hmt-lc-other"]));
    let (_keep, victim) = victim();
    let shared = tempfile::tempdir().unwrap();
    std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
    let bundle = shared.path().join("bundle.tar.gz");
    let planted = run_as_nobody(
        "ln",
        &["-s", victim.to_str().unwrap(), bundle.to_str().unwrap()],
    );
    assert!(planted.status.success(), "{}", stderr_of(&planted));

    // A name another user planted (a link to root's file) is refused: the
    // bundle is never written over a file, nor through a link.
    let output = config
        .spawn_command()
        .args(["logs", "collect", "-o"])
        .arg(&bundle)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr_of(&output));
    assert!(
        stderr_of(&output).contains(&format!(
            "error: cannot write {}: a file of that name is there; it was left as it was",
            bundle.display()
        )),
        "{}",
        stderr_of(&output)
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(
        std::fs::symlink_metadata(&bundle).unwrap().is_symlink(),
        "the planted link was left as it was"
    );
    // A new name in that shared directory: root's alone.
    let bundle = shared.path().join("new-bundle.tar.gz");
    let output = config
        .spawn_command()
        .args(["logs", "collect", "-o"])
        .arg(&bundle)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let metadata = std::fs::symlink_metadata(&bundle).unwrap();
    assert!(metadata.is_file());
    assert_eq!((metadata.uid(), mode(&bundle)), (0, 0o600));
    let read = run_as_nobody("cat", &[bundle.to_str().unwrap()]);
    assert!(!read.status.success(), "nobody read the bundle");

    // The default place, /var/tmp, is shared too: the bundle is still 0600.
    let output = config
        .spawn_command()
        .args(["logs", "collect"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let written = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    assert!(written.starts_with("/var/tmp"), "{}", written.display());
    let default_mode = mode(&written);
    std::fs::remove_file(&written).unwrap();
    assert_eq!(default_mode, 0o600);
}

#[test]
fn state_and_caches_are_private() {
    if skip_without_sandbox() {
        return;
    }
    let project = plain_project("private-state");
    let config = config_with(&console_group(&project));
    let output = config
        .spawn_command()
        .args(["--json", "status"])
        .output()
        .unwrap();
    assert!(output.status.code().is_some(), "{}", stderr_of(&output));
    assert_eq!(mode(Path::new("/run/hmctl")), 0o700);
    // Other runs (older hmctl builds) share /run/hmctl: this project's files.
    let ours: Vec<PathBuf> = std::fs::read_dir("/run/hmctl")
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().contains(&project.name))
        .collect();
    assert!(!ours.is_empty(), "no cache written for {}", project.name);
    for path in ours {
        let metadata = std::fs::symlink_metadata(&path).unwrap();
        assert!(metadata.is_file(), "{}", path.display());
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
    let read = run_as_nobody("ls", &["/run/hmctl"]);
    assert!(!read.status.success(), "nobody listed the caches");
}

/// Whether someone holds an flock on the planted lock file (`flock -n`
/// cannot take it).
fn planted_lock_is_held() -> bool {
    Path::new(OLD_LOCK).exists()
        && !std::process::Command::new("flock")
            .args(["-n", OLD_LOCK, "true"])
            .status()
            .unwrap()
            .success()
}
