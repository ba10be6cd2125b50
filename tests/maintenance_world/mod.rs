//! The world of the maintenance tests: a compose project of a database, an
//! app needing it and a control, all `restart: always`, and how the tests
//! look at it.
#![allow(dead_code)]

use super::common::*;

/// A database, an app needing it, and a control, all `restart: always`.
pub const WORLD: &str = r"
services:
  db:
    @BASE@
    command: @SLEEPER@
    restart: always
  app:
    @BASE@
    command: @SLEEPER@
    restart: always
    depends_on: [db]
  control:
    @BASE@
    command: @SLEEPER@
    restart: always
";

pub fn world(test: &str) -> (Project, Config) {
    let project = Project::new(test, &[("docker-compose-hyperbdr.yml", WORLD)]);
    project.compose(&["up", "-d"]);
    let config = config_with(&console_group(&project));
    wait_until_all_ok(&config, "the world to run");
    (project, config)
}

pub fn restart_policy(project: &Project, service: &str) -> String {
    container_field(
        project,
        service,
        "{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}",
    )
}

pub fn running(project: &Project, service: &str) -> bool {
    container_field(project, service, "{{.State.Running}}") == "true"
}

/// `status --json` with the config's own state directory (where the
/// maintenance state is).
pub fn status_here(config: &Config) -> (i32, serde_json::Value) {
    let output = config.hmctl().args(["--json", "status"]).output().unwrap();
    (output.status.code().unwrap_or(-1), json_of(&output))
}

pub fn json_of(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{error}: {output:?}"))
}

/// Runs hmctl with `args`, frozen at the pause point `point`, and kills it
/// there with SIGKILL.
pub fn killed_at(config: &Config, args: &[&str], point: &str) {
    let mut command = config.spawn_command();
    command.args(args);
    let mut child = paused_at(command, point);
    child.kill().unwrap();
    child.wait().unwrap();
}

/// The maintenance state file of `config`'s state directory, as text.
pub fn state_file(config: &Config) -> String {
    std::fs::read_to_string(config.dir.path().join("state/maintenance.json")).unwrap()
}
