//! Maintenance survives what it is for (issue 28), proven by restarting the
//! daemons themselves — never the shared ones: a private dockerd of this
//! test's own (own data root, exec root, socket and containerd namespace),
//! restarted by the test, and a throwaway systemd container from the
//! sandbox's image, restarted with `docker restart` (its boot). Each has a
//! control that the restart does bring back, so the test can fail.

mod common;

use common::*;
use std::path::PathBuf;
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

/// A systemd container of this test's own, from the sandbox's image, its bus
/// and private socket in host directories; removed when dropped.
struct PrivateSystemd {
    name: String,
    dir: tempfile::TempDir,
}

impl PrivateSystemd {
    fn start() -> PrivateSystemd {
        let dir = tempfile::Builder::new()
            .prefix("hmt-sd-")
            .tempdir_in("/tmp")
            .unwrap();
        let name = format!("hmt-maintenance-systemd-{}", std::process::id());
        for sub in ["bus", "run"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        let image = Command::new("tests/sandbox/sandbox.sh")
            .arg("image")
            .output()
            .unwrap();
        let image = String::from_utf8_lossy(&image.stdout).trim().to_string();
        let volume = |sub: &str, at: &str| format!("{}:{at}", dir.path().join(sub).display());
        docker(&[
            "run",
            "-d",
            "--name",
            &name,
            "--cap-add",
            "SYS_ADMIN",
            "--security-opt",
            "seccomp=unconfined",
            "--security-opt",
            "apparmor=unconfined",
            "--network",
            "none",
            "--tmpfs",
            "/run",
            "--tmpfs",
            "/run/lock",
            "-v",
            "/sys/fs/cgroup:/sys/fs/cgroup:rw",
            "-v",
            &volume("bus", "/run/dbus"),
            "-v",
            &volume("run", "/run/systemd"),
            &image,
        ]);
        let systemd = PrivateSystemd { name, dir };
        systemd.wait_booted();
        systemd
    }

    fn bus(&self) -> String {
        format!(
            "unix:path={}",
            self.dir.path().join("bus/system_bus_socket").display()
        )
    }

    fn wait_booted(&self) {
        wait_for(
            Duration::from_secs(60),
            "the private systemd to boot",
            || {
                let state = self.systemctl(&["is-system-running", "--wait"]);
                if ["running", "degraded"].contains(&state.as_str()) && self.bus_path().exists() {
                    Ok(())
                } else {
                    Err(state)
                }
            },
        );
    }

    fn bus_path(&self) -> PathBuf {
        self.dir.path().join("bus/system_bus_socket")
    }

    fn systemctl(&self, args: &[&str]) -> String {
        let output = Command::new("docker")
            .args(["exec", &self.name, "timeout", "30", "systemctl"])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    fn install(&self, unit: &str) {
        let text = "[Unit]\nDescription=hmctl maintenance test\n[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n";
        let path = format!("/etc/systemd/system/{unit}");
        let written = Command::new("docker")
            .args([
                "exec",
                &self.name,
                "sh",
                "-c",
                r#"printf '%s' "$1" > "$2""#,
                "sh",
                text,
                &path,
            ])
            .status()
            .unwrap();
        assert!(written.success());
    }
}

impl Drop for PrivateSystemd {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["rm", "-f", &self.name])
            .output();
    }
}

#[test]
fn a_unit_in_maintenance_stays_stopped_through_a_reboot_of_its_systemd() {
    let systemd = PrivateSystemd::start();
    for unit in ["hmt-maint-held.service", "hmt-maint-control.service"] {
        systemd.install(unit);
    }
    systemd.systemctl(&["daemon-reload"]);
    systemd.systemctl(&[
        "enable",
        "--now",
        "hmt-maint-held.service",
        "hmt-maint-control.service",
    ]);
    let config = config_with(&gateway_group(&[
        "hmt-maint-held.service",
        "hmt-maint-control.service",
    ]));
    let hmctl = |args: &[&str]| {
        config
            .hmctl()
            .env("DBUS_SYSTEM_BUS_ADDRESS", systemd.bus())
            .args(args)
            .output()
            .unwrap()
    };
    let on = hmctl(&["maintenance", "on", "hmt-maint-held"]);
    assert_eq!(on.status.code(), Some(0), "{on:?}");
    // A plain stop of an enabled unit: what a boot brings back.
    let stop = hmctl(&["stop", "hmt-maint-control"]);
    assert_eq!(stop.status.code(), Some(0), "{stop:?}");

    docker(&["restart", "-t", "5", &systemd.name]);
    systemd.wait_booted();
    let state = |unit: &str| systemd.systemctl(&["show", unit, "-p", "ActiveState", "--value"]);
    assert_eq!(
        state("hmt-maint-control.service"),
        "active",
        "the boot did not start the control"
    );
    assert_eq!(
        state("hmt-maint-held.service"),
        "inactive",
        "the unit in maintenance came back"
    );
    assert_eq!(
        systemd.systemctl(&["is-enabled", "hmt-maint-held.service"]),
        "disabled"
    );

    let off = hmctl(&["maintenance", "off"]);
    assert_eq!(off.status.code(), Some(0), "{off:?}");
    assert_eq!(
        systemd.systemctl(&["is-enabled", "hmt-maint-held.service"]),
        "enabled"
    );
    assert_eq!(state("hmt-maint-held.service"), "active");
}
