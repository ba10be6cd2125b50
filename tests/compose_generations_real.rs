//! Both generations of Docker Compose against the real dockerd: a project
//! brought up by Debian 12's `docker-compose` 1.29 and one brought up by
//! Compose v2 (trixie's docker-compose 2.x, fetched by
//! tests/sandbox/compose-v2.sh). On each: status, stop/start/restart, a
//! removed container created again by the generation that made the others
//! (never renamed or duplicated), and `reload` with nothing changed recreating
//! nothing. A v2 project on a host without v2 is refused, nothing changed.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const YAML: &str = r#"
services:
  mysql:
    @BASE@
    command: @SLEEPER@
    healthcheck: {test: ["CMD", "true"], interval: 1s, timeout: 2s, retries: 2}
  porter-api:
    @BASE@
    command: @SLEEPER@
    depends_on: [mysql]
"#;

/// The directory holding `cli-plugins/docker-compose` (v2), fetched once.
fn compose_v2() -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sandbox/compose-v2.sh");
    let output = Command::new(script).output().unwrap();
    assert!(
        output.status.success(),
        "tests/sandbox/compose-v2.sh: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
}

#[derive(Clone, Copy, PartialEq)]
enum Generation {
    V1,
    V2,
}

struct World {
    project: Project,
    config: Config,
    generation: Generation,
    v2: PathBuf,
}

impl World {
    fn new(test: &str, generation: Generation) -> World {
        let v2 = compose_v2();
        let project = Project::new(test, &[("docker-compose-hyperbdr.yml", YAML)]);
        let world = World {
            config: config_with(&console_group(&project)),
            project,
            generation,
            v2,
        };
        world.compose(&["up", "-d"]);
        wait_for(Duration::from_secs(60), "both services up", || {
            let (code, document) = status_json(&world.config, &[]);
            if code == 0 {
                Ok(())
            } else {
                Err(format!("{document:#}"))
            }
        });
        world
    }

    /// Compose of this world's generation on its project.
    fn compose(&self, args: &[&str]) {
        let mut command = match self.generation {
            Generation::V1 => Command::new("docker-compose"),
            Generation::V2 => {
                let mut command = Command::new("docker");
                command.env("DOCKER_CONFIG", &self.v2).arg("compose");
                command
            }
        };
        let output = command
            .current_dir(self.project.path())
            .args(["-p", &self.project.name, "-f"])
            .arg(&self.project.files[0])
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "compose {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// hmctl on a host with both generations installed (v2 as the plugin).
    fn hmctl(&self, args: &[&str]) -> std::process::Output {
        self.config
            .hmctl()
            .env("DOCKER_CONFIG", &self.v2)
            .args(args)
            .output()
            .unwrap()
    }

    /// (name, compose version label) of every container of `service`.
    fn containers(&self, service: &str) -> Vec<(String, String)> {
        let text = docker(&[
            "ps",
            "-a",
            "--filter",
            &format!("label=com.docker.compose.project={}", self.project.name),
            "--filter",
            &format!("label=com.docker.compose.service={service}"),
            "--format",
            r#"{{.Names}} {{.Label "com.docker.compose.version"}}"#,
        ]);
        text.lines()
            .filter_map(|line| {
                let (name, version) = line.split_once(' ')?;
                Some((name.to_string(), version.to_string()))
            })
            .collect()
    }

    fn ids(&self) -> Vec<String> {
        ["mysql", "porter-api"]
            .iter()
            .map(|service| container_field(&self.project, service, "{{.Id}}"))
            .collect()
    }
}

impl Drop for World {
    fn drop(&mut self) {
        // Project's own teardown uses docker-compose 1.x: take v2's containers down here.
        if self.generation == Generation::V2 {
            let _ = Command::new("docker")
                .env("DOCKER_CONFIG", &self.v2)
                .current_dir(self.project.path())
                .args(["compose", "-p", &self.project.name, "-f"])
                .arg(&self.project.files[0])
                .args(["down", "-t", "0"])
                .output();
        }
    }
}

fn ok(output: &std::process::Output) {
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn scenarios(world: &World) {
    let made = world.containers("porter-api");
    assert_eq!(made.len(), 1, "{made:?}");
    let major = if world.generation == Generation::V1 {
        "1."
    } else {
        "2."
    };
    assert!(made[0].1.starts_with(major), "{made:?}");

    ok(&world.hmctl(&["stop", "porter-api"]));
    let (code, document) = status_json(&world.config, &["porter-api"]);
    assert_ne!(code, 0);
    let state = row(&document, "porter-api")["state"].clone();
    assert!(state == "exited" || state == "stopped", "{document:#}");
    ok(&world.hmctl(&["start", "porter-api"]));
    ok(&world.hmctl(&["restart", "console"]));
    let (code, document) = status_json(&world.config, &[]);
    assert_eq!(code, 0, "{document:#}");

    // Nothing changed: reload recreates nothing.
    let before = world.ids();
    let output = world.hmctl(&["reload"]);
    ok(&output);
    assert_eq!(
        world.ids(),
        before,
        "reload with nothing changed recreated a container"
    );

    // A removed container is created again by the same generation, same name.
    docker(&["rm", "-f", &made[0].0]);
    ok(&world.hmctl(&["start", "porter-api"]));
    let again = world.containers("porter-api");
    assert_eq!(again.len(), 1, "never duplicated: {again:?}");
    assert_eq!(again[0].0, made[0].0, "never renamed");
    assert!(again[0].1.starts_with(major), "{again:?}");
}

#[test]
fn a_compose_v1_project_is_run_with_compose_v1() {
    if skip_without_sandbox() {
        return;
    }
    let world = World::new("generation-v1", Generation::V1);
    scenarios(&world);
}

#[test]
fn a_compose_v2_project_is_run_with_compose_v2() {
    if skip_without_sandbox() {
        return;
    }
    let world = World::new("generation-v2", Generation::V2);
    scenarios(&world);
}

#[test]
fn a_v2_project_on_a_host_without_v2_is_refused_and_nothing_changes() {
    if skip_without_sandbox() {
        return;
    }
    let world = World::new("generation-missing", Generation::V2);
    let made = world.containers("porter-api");
    docker(&["rm", "-f", &made[0].0]);
    // No plugin (an empty DOCKER_CONFIG) and only docker-compose 1.29 on PATH.
    let empty = tempfile::tempdir().unwrap();
    let output = world
        .config
        .hmctl()
        .env("DOCKER_CONFIG", empty.path())
        .args(["start", "porter-api"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_ne!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("made by Compose 2.") && stderr.contains("not installed"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was changed"), "{stderr}");
    assert!(world.containers("porter-api").is_empty(), "nothing created");
}
