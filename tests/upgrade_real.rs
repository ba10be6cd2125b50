//! upgrade and reload against real containers: a good package goes in and the
//! services come back healthy; a bad one is rolled back by itself; --rollback
//! brings back the previous version; bad packages change nothing; kill -9 at
//! any point of a 20,000-file upgrade leaves the old or the new version whole.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// porter-api and porter-migration run from venvs/porter (healthy while
/// /app/healthy exists), unicloud-engine from venvs/unicloud, mysql from nothing.
const CONSOLE: &str = r#"
services:
  mysql:
    @BASE@
    command: @SLEEPER@
  porter-api:
    @BASE@
    command: @SLEEPER@
    volumes: ["./venvs/porter:/app:ro"]
    healthcheck: {test: ["CMD", "test", "-f", "/app/healthy"], interval: 1s, timeout: 2s, retries: 2}
  porter-migration:
    @BASE@
    command: @SLEEPER@
    volumes: ["./venvs/porter:/app:ro"]
  unicloud-engine:
    @BASE@
    command: @SLEEPER@
    volumes: ["./venvs/unicloud:/app:ro"]
"#;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A module directory of `files` files holding `version`, plus the health marker.
fn module(dir: &Path, version: &str, files: usize, healthy: bool) {
    for index in 0..files {
        write(
            &dir.join(format!("lib/part{}/file{index}.py", index % 50)),
            version,
        );
    }
    write(&dir.join("version"), version);
    if healthy {
        write(&dir.join("healthy"), "yes");
    }
}

struct World {
    project: Project,
    config: Config,
}

impl World {
    fn new(test: &str, files_per_module: usize) -> World {
        let (project, config) = upgrade_console(test, CONSOLE, |venvs| {
            module(&venvs.join("porter"), "old", files_per_module, true);
            module(&venvs.join("unicloud"), "old", files_per_module, true);
        });
        World { project, config }
    }

    fn venvs(&self) -> PathBuf {
        self.project.path().join("venvs")
    }

    /// A package next to the project: `modules` (name, version, healthy).
    fn package(&self, name: &str, modules: &[(&str, &str, bool)], files: usize) -> PathBuf {
        let root = self
            .project
            .path()
            .join("packages")
            .join(name)
            .join("installer/venvs");
        for (module_name, version, healthy) in modules {
            module(&root.join(module_name), version, files, *healthy);
        }
        root
    }

    fn upgrade(&self, args: &[&str]) -> std::process::Output {
        self.config
            .hmctl()
            .arg("upgrade")
            .args(args)
            .args(["--timeout", "20"])
            .output()
            .unwrap()
    }

    /// The versions found in every file of every module under venvs.
    fn versions(&self, module: &str) -> std::collections::BTreeMap<String, usize> {
        let mut versions = std::collections::BTreeMap::new();
        let mut pending = vec![self.venvs().join(module)];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    pending.push(path);
                } else if path.file_name().unwrap() != "healthy" {
                    *versions
                        .entry(std::fs::read_to_string(&path).unwrap())
                        .or_insert(0) += 1;
                }
            }
        }
        versions
    }

    /// Nothing of hmctl's transaction left beside the live directory but backups.
    fn assert_no_debris(&self) {
        let beside: Vec<String> = std::fs::read_dir(self.project.path())
            .unwrap()
            .flatten()
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with(".hmctl-upgrade"))
            .collect();
        assert!(beside.is_empty(), "staging debris: {beside:?}");
        let state = self.config.dir.path().join("state");
        let journals: Vec<String> = std::fs::read_dir(&state)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|entry| entry.file_name().to_string_lossy().into_owned())
                    .filter(|name| name.starts_with("upgrade-"))
                    .collect()
            })
            .unwrap_or_default();
        assert!(journals.is_empty(), "journal left: {journals:?}");
    }

    fn backups(&self) -> Vec<PathBuf> {
        let root = self.project.path().join(".hmctl-backups-console");
        let mut backups: Vec<PathBuf> = std::fs::read_dir(root)
            .map(|entries| entries.flatten().map(|entry| entry.path()).collect())
            .unwrap_or_default();
        backups.sort();
        backups
    }
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_good_package_goes_in_and_the_services_come_back_healthy() {
    if skip_without_sandbox() {
        return;
    }
    let world = World::new("upgrade-good", 20);
    let package = world.package("v2", &[("porter", "new", true)], 20);
    let unicloud_started = started_at(&world.project, "unicloud-engine");
    let porter_started = started_at(&world.project, "porter-api");
    let output = world.upgrade(&[package.to_str().unwrap(), "--yes"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("replace  porter"),
        "the plan is printed: {}",
        stderr(&output)
    );
    assert_eq!(
        world.versions("porter"),
        [("new".to_string(), 21)].into_iter().collect()
    );
    assert_eq!(
        world.versions("unicloud"),
        [("old".to_string(), 21)].into_iter().collect(),
        "entries the package does not ship are left alone"
    );
    assert_ne!(
        started_at(&world.project, "porter-api"),
        porter_started,
        "porter's services were restarted"
    );
    assert_eq!(
        started_at(&world.project, "unicloud-engine"),
        unicloud_started,
        "unicloud-engine was not touched"
    );
    let (code, document) = status_json(&world.config, &["porter"]);
    assert_eq!(code, 0, "{document:#}");
    let backups = world.backups();
    assert_eq!(backups.len(), 1);
    assert_eq!(
        std::fs::read_to_string(backups[0].join("porter/version")).unwrap(),
        "old"
    );
    world.assert_no_debris();
}

#[test]
fn a_package_that_makes_a_service_unhealthy_is_rolled_back() {
    if skip_without_sandbox() {
        return;
    }
    let world = World::new("upgrade-bad", 20);
    let package = world.package("broken", &[("porter", "broken", false)], 20);
    let output = world.upgrade(&[package.to_str().unwrap(), "--yes"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stderr(&output);
    assert!(
        text.contains("rolled back") && text.contains("porter-api"),
        "{text}"
    );
    assert_eq!(
        world.versions("porter"),
        [("old".to_string(), 21)].into_iter().collect()
    );
    let document = wait_for(Duration::from_secs(60), "porter-api healthy again", || {
        let (code, document) = status_json(&world.config, &["porter-api"]);
        if code == 0 {
            Ok(document)
        } else {
            Err(format!("{document:#}"))
        }
    });
    assert_eq!(row(&document, "porter-api")["health"], "healthy");
    assert!(
        world.backups().is_empty(),
        "a rolled-back upgrade leaves no backup"
    );
    world.assert_no_debris();
    let log = std::fs::read_to_string(world.config.dir.path().join("state/hmctl.log")).unwrap();
    assert!(log.contains("rolled back"), "only its log line: {log}");
}

#[test]
fn rollback_brings_back_the_version_before_the_last_upgrade() {
    if skip_without_sandbox() {
        return;
    }
    let world = World::new("upgrade-rollback", 5);
    let v2 = world.package("v2", &[("porter", "v2", true), ("newmod", "v2", true)], 5);
    let v3 = world.package("v3", &[("porter", "v3", true)], 5);
    for package in [&v2, &v3] {
        let output = world.upgrade(&[package.to_str().unwrap(), "--yes"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    }
    assert_eq!(
        world.versions("porter"),
        [("v3".to_string(), 6)].into_iter().collect()
    );
    let output = world.upgrade(&["--rollback", "--yes"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        world.versions("porter"),
        [("v2".to_string(), 6)].into_iter().collect()
    );
    assert!(
        world.venvs().join("newmod").exists(),
        "v2's added module stays with v2"
    );
    // Once more: two versions back, to the one before v2, without the module v2 added.
    let output = world.upgrade(&["--rollback", "--yes"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        world.versions("porter"),
        [("old".to_string(), 6)].into_iter().collect()
    );
    assert!(
        !world.venvs().join("newmod").exists(),
        "the module v2 added is taken out"
    );
    assert_eq!(world.backups().len(), 2, "the last 2 are kept");
    // Nothing older is left to go back to.
    let output = world.upgrade(&["--rollback", "--yes"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("no backup to roll back to"));
    let (code, _) = status_json(&world.config, &[]);
    assert_eq!(code, 0);
    world.assert_no_debris();
}

#[test]
fn bad_packages_change_nothing() {
    if skip_without_sandbox() {
        return;
    }
    let world = World::new("upgrade-refused", 3);
    let escaping = world.project.path().join("packages/escaping");
    std::fs::create_dir_all(&escaping).unwrap();
    std::os::unix::fs::symlink("/", escaping.join("porter")).unwrap();
    let file_for_dir = world.project.path().join("packages/file-for-dir");
    write(&file_for_dir.join("porter"), "a file where a directory is");
    let missing = world.project.path().join("packages/missing");
    let porter_started = started_at(&world.project, "porter-api");
    for (package, expected) in [
        (
            &escaping,
            "porter is a symlink in the package but a directory",
        ),
        (
            &file_for_dir,
            "porter is a file in the package but a directory",
        ),
        (&missing, "cannot use the package"),
    ] {
        let output = world.upgrade(&[package.to_str().unwrap(), "--yes"]);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(stderr(&output).contains(expected), "{}", stderr(&output));
    }
    let good = world.package("good", &[("porter", "new", true)], 1);
    let output = world
        .config
        .hmctl()
        .args(["upgrade"])
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "not on a terminal: --yes is required"
    );
    assert!(stderr(&output).contains("--yes"));
    let output = world
        .config
        .hmctl()
        .args(["upgrade", "--dry-run"])
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("replace  porter"));
    assert_eq!(
        world.versions("porter"),
        [("old".to_string(), 4)].into_iter().collect()
    );
    assert_eq!(
        started_at(&world.project, "porter-api"),
        porter_started,
        "no service was touched"
    );
    assert!(world.backups().is_empty());
    world.assert_no_debris();
}

/// `kill -9` at a named point of a 20,000-file upgrade, then `hmctl status`.
fn killed_at(point: &str, expected: &str) {
    let world = World::new(&format!("upgrade-kill-{point}"), 10_000);
    let package = world.package(
        "v2",
        &[("porter", "new", true), ("unicloud", "new", true)],
        10_000,
    );
    let child = world
        .config
        .spawn_command()
        .env("HMCTL_TEST_PAUSE_AT", point)
        .args(["-q", "upgrade", "--yes", "--timeout", "20"])
        .arg(&package)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    let stderr = child.0.stderr.take().unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = sender.send(line);
        }
    });
    let marker = format!("test pause at {point}");
    loop {
        let line = receiver
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("never reached {point}"));
        if line.contains(&marker) {
            break;
        }
    }
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    // Any hmctl command finishes or undoes what was interrupted.
    let output = world.config.hmctl().args(["status"]).output().unwrap();
    assert!(
        stderr_text(&output).contains("interrupted upgrade of console"),
        "{}",
        stderr_text(&output)
    );
    for module in ["porter", "unicloud"] {
        assert_eq!(
            world.versions(module),
            [(expected.to_string(), 10_001)].into_iter().collect(),
            "after a kill at {point}, {module} is whole {expected}"
        );
    }
    world.assert_no_debris();
}

fn stderr_text(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn kill_9_while_staged_leaves_the_old_version() {
    if skip_without_sandbox() {
        return;
    }
    killed_at("staged", "old");
}

#[test]
fn kill_9_with_services_stopped_leaves_the_old_version() {
    if skip_without_sandbox() {
        return;
    }
    killed_at("stopped", "old");
}

#[test]
fn kill_9_between_swaps_leaves_the_old_version() {
    if skip_without_sandbox() {
        return;
    }
    killed_at("swap-1", "old");
}

#[test]
fn kill_9_after_the_last_swap_leaves_a_whole_version() {
    if skip_without_sandbox() {
        return;
    }
    killed_at("swap-2", "old");
}

/// The services never proved healthy: recovery swaps the old version back.
#[test]
fn kill_9_before_the_health_check_leaves_the_old_version() {
    if skip_without_sandbox() {
        return;
    }
    killed_at("swapped", "old");
}

#[test]
fn kill_9_while_keeping_the_backup_leaves_the_new_version() {
    if skip_without_sandbox() {
        return;
    }
    killed_at("committing", "new");
}

#[test]
fn reload_recreates_exactly_the_containers_on_an_old_image() {
    if skip_without_sandbox() {
        return;
    }
    let sandbox = sandbox();
    let tag = "hmt/reload-base:1";
    docker(&["tag", &sandbox.busybox, tag]);
    let service = |name: &str, extra: &str| {
        format!(
            "  {name}:\n    image: {tag}\n    network_mode: none\n    labels: {{hmctl.test: \"1\"}}\n    stop_grace_period: 2s\n    command: @SLEEPER@\n{extra}"
        )
    };
    let yaml = format!(
        "services:\n{}{}  other:\n    @BASE@\n    command: @SLEEPER@\n",
        service("on-base-a", ""),
        service("on-base-b", "    depends_on: [on-base-a]\n")
    );
    let project = Project::new("reload", &[("c.yml", &yaml)]);
    project.compose(&["up", "-d"]);
    let config = config_with(&console_group(&project));
    let id = |service: &str| container_field(&project, service, "{{.Id}}");
    let before: Vec<String> = ["on-base-a", "on-base-b", "other"]
        .iter()
        .map(|service| id(service))
        .collect();
    // A new base image under the same tag.
    let builder = format!("hmt-reload-builder-{}", std::process::id());
    docker(&[
        "run",
        "--name",
        &builder,
        "--network",
        "none",
        &sandbox.busybox,
        "touch",
        "/new-base",
    ]);
    docker(&["commit", &builder, tag]);
    docker(&["rm", "-f", &builder]);
    let output = config
        .hmctl()
        .args(["reload", "--dry-run"])
        .output()
        .unwrap();
    let plan = String::from_utf8_lossy(&output.stdout);
    assert!(
        plan.contains("recreate  on-base-a") && plan.contains("recreate  on-base-b"),
        "{plan}"
    );
    assert!(plan.contains("skip      other"), "{plan}");
    let output = config.hmctl().args(["reload"]).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let after: Vec<String> = ["on-base-a", "on-base-b", "other"]
        .iter()
        .map(|service| id(service))
        .collect();
    assert_ne!(after[0], before[0]);
    assert_ne!(after[1], before[1]);
    assert_eq!(
        after[2], before[2],
        "the container on an unchanged image is left alone"
    );
    let started: Vec<String> = ["on-base-a", "on-base-b"]
        .iter()
        .map(|service| started_at(&project, service))
        .collect();
    assert!(started[0] < started[1], "in dependency order");
    let output = config
        .hmctl()
        .args(["reload", "--dry-run"])
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&output.stdout).contains("recreate  "),
        "all current now"
    );
    let _ = std::process::Command::new("docker")
        .args(["rmi", "-f", tag])
        .output();
}
