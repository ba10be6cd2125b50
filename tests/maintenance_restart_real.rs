//! Maintenance survives what it is for (issue 28), proven by restarting
//! dockerd itself — never the shared one: a private dockerd of this test's
//! own (own data root, exec root, socket and containerd namespace),
//! restarted by the test. A plainly stopped `always` container is the
//! control that the restart does bring back, so the test can fail. The
//! reboot of systemd is in tests/maintenance_reboot_real.rs.

mod common;

use common::*;
use std::time::Duration;

const CONSOLE: &str = r"
services:
  held:
    @BASE@
    command: @SLEEPER@
    restart: always
  stopped:
    @BASE@
    command: @SLEEPER@
    restart: always
  control:
    @BASE@
    command: @SLEEPER@
    restart: always
";

#[test]
fn a_container_in_maintenance_stays_stopped_through_a_dockerd_restart() {
    if skip_without_sandbox() {
        return;
    }
    let mut daemon = PrivateDockerd::start("hmt-maintenance");
    let project = Project::new("maint_dockerd", &[("docker-compose-hyperbdr.yml", CONSOLE)]);
    daemon.compose_up(&project);
    let config = config_with(&console_group(&project));
    let host = daemon.host();
    let hmctl = |args: &[&str]| {
        config
            .hmctl()
            .env("DOCKER_HOST", &host)
            .args(args)
            .output()
            .unwrap()
    };
    let on = hmctl(&[
        "maintenance",
        "on",
        "held",
        "--reason",
        "dockerd restart test",
    ]);
    assert_eq!(on.status.code(), Some(0), "{on:?}");
    // A plain stop of an `always` container: what a dockerd restart brings back.
    let stop = hmctl(&["stop", "stopped"]);
    assert_eq!(stop.status.code(), Some(0), "{stop:?}");
    assert!(!daemon.running(&project, "held") && !daemon.running(&project, "stopped"));

    daemon.restart();
    wait_for(
        Duration::from_secs(60),
        "dockerd to bring back its always containers",
        || {
            if daemon.running(&project, "control") && daemon.running(&project, "stopped") {
                Ok(())
            } else {
                Err("control or stopped still down".to_string())
            }
        },
    );
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        !daemon.running(&project, "held"),
        "held came back with dockerd"
    );
    assert_eq!(
        daemon.field(&project, "held", "{{.HostConfig.RestartPolicy.Name}}"),
        "no"
    );

    let off = hmctl(&["maintenance", "off", "held"]);
    assert_eq!(off.status.code(), Some(0), "{off:?}");
    assert!(daemon.running(&project, "held"));
    assert_eq!(
        daemon.field(&project, "held", "{{.HostConfig.RestartPolicy.Name}}"),
        "always"
    );
    let status = hmctl(&["--json", "status"]);
    assert_eq!(status.status.code(), Some(0), "{status:?}");
}
