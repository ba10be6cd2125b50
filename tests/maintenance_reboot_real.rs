//! Maintenance survives a reboot (issue 28), proven on a throwaway systemd
//! container from the sandbox's image (never the shared one), rebooted
//! with `docker restart`: a unit in maintenance stays stopped while a
//! plainly stopped enabled unit, the control, is started by the boot; `off`
//! (through systemd's private socket) enables and starts it again.

mod common;

use common::*;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

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

    /// hmctl `args` with no bus named, through this systemd's private socket,
    /// run in its PID namespace.
    fn through_private_socket(&self, config: &Config, args: &[&str]) -> std::process::Output {
        let mut hmctl = config.spawn_command();
        hmctl
            .env_remove("DBUS_SYSTEM_BUS_ADDRESS")
            .env(
                "HMCTL_SYSTEMD_PRIVATE_SOCKET",
                self.dir.path().join("run/private"),
            )
            .args(args);
        let pid = docker(&["inspect", "-f", "{{.State.Pid}}", &self.name]);
        let mut command = in_pid_namespace(&pid, &hmctl);
        command.output().unwrap()
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
    if skip_without_sandbox() {
        return;
    }
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

    // Through systemd's private socket this time (root, no bus named), as
    // when the bus daemon is down; from inside systemd's PID namespace, as on
    // a real host (systemd refuses a peer whose PID it cannot see).
    let off = systemd.through_private_socket(&config, &["maintenance", "off"]);
    assert_eq!(off.status.code(), Some(0), "{off:?}");
    assert_eq!(
        systemd.systemctl(&["is-enabled", "hmt-maint-held.service"]),
        "enabled"
    );
    assert_eq!(state("hmt-maint-held.service"), "active");
}
