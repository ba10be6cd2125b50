//! Maintenance survives what it is for (issue 28), proven by restarting
//! dockerd itself — never the shared one: a private dockerd of this test's
//! own (own data root, exec root, socket and containerd namespace),
//! restarted by the test. A plainly stopped `always` container is the
//! control that the restart does bring back, so the test can fail. The
//! reboot of systemd is in tests/maintenance_reboot_real.rs.

mod common;

use common::*;
use std::process::{Command, Stdio};
use std::time::Duration;

/// A dockerd of this test's own, stopped and removed when dropped.
struct PrivateDockerd {
    dir: tempfile::TempDir,
    child: Option<std::process::Child>,
}

impl PrivateDockerd {
    fn start() -> PrivateDockerd {
        // Short: the exec root holds sockets, whose paths are limited.
        let dir = tempfile::Builder::new()
            .prefix("hmt-dk-")
            .tempdir_in("/tmp")
            .unwrap();
        let mut daemon = PrivateDockerd { dir, child: None };
        daemon.run();
        let image = sandbox().busybox;
        let loaded = Command::new("sh")
            .args([
                "-c",
                r#"docker save "$1" | DOCKER_HOST="$2" docker load"#,
                "sh",
            ])
            .args([&image, &daemon.host()])
            .output()
            .unwrap();
        assert!(loaded.status.success(), "{loaded:?}");
        daemon
    }

    fn host(&self) -> String {
        format!("unix://{}", self.dir.path().join("docker.sock").display())
    }

    fn run(&mut self) {
        let dir = self.dir.path();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("dockerd.log"))
            .unwrap();
        let child = Command::new("dockerd")
            .arg("--data-root")
            .arg(dir.join("data"))
            .arg("--exec-root")
            .arg(dir.join("exec"))
            .arg("--pidfile")
            .arg(dir.join("dockerd.pid"))
            .args(["-H", &self.host()])
            .args([
                "--bridge=none",
                "--iptables=false",
                "--ip6tables=false",
                "--ip-masq=false",
            ])
            .args(["--containerd-namespace", "hmt-maintenance"])
            .args(["--containerd-plugins-namespace", "hmt-maintenance-plugins"])
            .args(["--cgroup-parent", "hmt-maintenance"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("dockerd");
        self.child = Some(child);
        wait_for(Duration::from_secs(60), "the private dockerd", || {
            let info = self.docker_output(&["info", "--format", "{{.ServerVersion}}"]);
            if info.status.success() {
                Ok(())
            } else {
                Err(String::from_utf8_lossy(&info.stderr).to_string())
            }
        });
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pid = rustix::process::Pid::from_raw(i32::try_from(child.id()).unwrap()).unwrap();
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
            let _ = child.wait();
        }
    }

    /// What a restart of dockerd does: stop it (its containers with it) and start it again.
    fn restart(&mut self) {
        self.stop();
        self.run();
    }

    fn docker_output(&self, args: &[&str]) -> std::process::Output {
        Command::new("docker")
            .env("DOCKER_HOST", self.host())
            .args(args)
            .output()
            .unwrap()
    }

    fn docker(&self, args: &[&str]) -> String {
        let output = self.docker_output(args);
        assert!(output.status.success(), "docker {args:?}: {output:?}");
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    fn field(&self, project: &Project, service: &str, template: &str) -> String {
        let ps = containers_of(project, service);
        let id = self.docker(&ps.iter().map(String::as_str).collect::<Vec<_>>());
        self.docker(&[
            "inspect",
            "-f",
            template,
            id.lines().next().unwrap_or("none"),
        ])
    }

    fn running(&self, project: &Project, service: &str) -> bool {
        self.field(project, service, "{{.State.Running}}") == "true"
    }
}

impl Drop for PrivateDockerd {
    fn drop(&mut self) {
        if self.child.is_some() {
            let ids = self.docker_output(&["ps", "-aq"]);
            let ids = String::from_utf8_lossy(&ids.stdout).to_string();
            for id in ids.split_whitespace() {
                let _ = self.docker_output(&["rm", "-f", id]);
            }
        }
        self.stop();
    }
}

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
    let mut daemon = PrivateDockerd::start();
    let project = Project::new("maint_dockerd", &[("docker-compose-hyperbdr.yml", CONSOLE)]);
    let up = Command::new("docker-compose")
        .current_dir(project.path())
        .env("DOCKER_HOST", daemon.host())
        .args(["-p", &project.name, "-f"])
        .arg(&project.files[0])
        .args(["up", "-d"])
        .output()
        .unwrap();
    assert!(up.status.success(), "{up:?}");
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
        Duration::from_secs(30),
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
