//! systemd reached the way `systemctl` does: as root through its private
//! socket, so a stopped bus daemon does not blind hmctl; through the bus
//! `DBUS_SYSTEM_BUS_ADDRESS` names whenever it is set. Against the sandbox's
//! real systemd, whose `/run/systemd` the host sees.

mod common;

use common::*;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

/// One test at a time: one of them stops the bus daemon the others use.
static SERIAL: Mutex<()> = Mutex::new(());

/// systemd's private socket in the sandbox, or a panic saying how to get it.
fn private_socket() -> PathBuf {
    sandbox();
    let socket = std::env::var_os("HMCTL_SANDBOX_SYSTEMD_RUN")
        .map(|run| PathBuf::from(run).join("private"))
        .filter(|socket| socket.exists());
    socket.unwrap_or_else(|| {
        panic!(
            "this test needs the real-daemon sandbox with systemd's /run/systemd exposed \
             (HMCTL_SANDBOX_SYSTEMD_RUN): run `tests/run-all` \
             (or `tests/sandbox/sandbox.sh up && source /run/hmctl-sandbox/env`)"
        )
    })
}

/// hmctl with no bus named: as root, it asks systemd's private socket. Run
/// inside the PID namespace of the sandbox's systemd: systemd refuses a
/// private connection from a peer whose PID it cannot see ("from unprivileged
/// client"), which on a real host, one namespace, never happens.
fn through_private_socket(config: &Config) -> assert_cmd::Command {
    let mut hmctl = config.spawn_command();
    hmctl
        .env_remove("DBUS_SYSTEM_BUS_ADDRESS")
        .env("HMCTL_SYSTEMD_PRIVATE_SOCKET", private_socket());
    let systemd_pid = docker(&[
        "inspect",
        "-f",
        "{{.State.Pid}}",
        &sandbox().systemd_container,
    ]);
    let command = in_pid_namespace(&systemd_pid, &hmctl);
    assert_cmd::Command::from_std(command)
}

/// `docker exec` in the sandbox's systemd container; whether it succeeded.
fn in_container(args: &[&str]) -> bool {
    Command::new("docker")
        .args(["exec", &sandbox().systemd_container])
        .args(args)
        .status()
        .is_ok_and(|status| status.success())
}

/// The bus daemon of the sandbox's systemd, stopped until this is dropped
/// (when the test passes or fails). The sandbox is shared: the test that
/// stops it runs alone (`.config/nextest.toml`), or every other test asking
/// systemd through the bus would find it unreachable.
struct BusDaemonStopped;

impl BusDaemonStopped {
    fn new() -> BusDaemonStopped {
        // The socket too: a client connecting to it would start the daemon again.
        assert!(in_container(&[
            "systemctl",
            "stop",
            "dbus.socket",
            "dbus.service"
        ]));
        BusDaemonStopped
    }
}

impl Drop for BusDaemonStopped {
    fn drop(&mut self) {
        in_container(&["systemctl", "start", "dbus.socket", "dbus.service"]);
        wait_for(Duration::from_secs(60), "the bus daemon back", || {
            let answers = in_container(&[
                "busctl",
                "--system",
                "call",
                "org.freedesktop.systemd1",
                "/org/freedesktop/systemd1",
                "org.freedesktop.systemd1.Manager",
                "LoadUnit",
                "s",
                "s3block.service",
            ]);
            if answers {
                Ok(())
            } else {
                Err("systemd is not on the bus yet".into())
            }
        });
    }
}

/// `--json status` of `command`: its exit code and document.
fn status_of(mut command: assert_cmd::Command) -> (i32, serde_json::Value) {
    let output = command.args(["--json", "status"]).output().unwrap();
    let document = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "no JSON ({error}): {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap_or(-1), document)
}

#[test]
fn the_private_socket_and_the_bus_see_the_same_units() {
    if skip_without_sandbox() {
        return;
    }
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let config = config_with(&gateway_group(&["s3block", "watchman"]));
    let (code, private) = status_of(through_private_socket(&config));
    assert_eq!(code, 0, "{private:#}");
    let (code, bus) = status_of(config.hmctl());
    assert_eq!(code, 0, "{bus:#}");
    for unit in ["s3block", "watchman"] {
        assert_eq!(row(&private, unit)["state"], "running", "{private:#}");
        assert_eq!(row(&private, unit)["pid"], row(&bus, unit)["pid"]);
        assert_eq!(row(&private, unit)["detail"], row(&bus, unit)["detail"]);
    }
}

#[test]
fn with_the_bus_daemon_stopped_status_restart_and_logs_work_as_root() {
    if skip_without_sandbox() {
        return;
    }
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // Before anything is stopped: the sandbox must expose the private socket.
    private_socket();
    let config = config_with(&gateway_group(&["s3block"]));
    let _stopped = BusDaemonStopped::new();

    // Through the bus, systemd cannot be reached now: a bus named by
    // DBUS_SYSTEM_BUS_ADDRESS is still the one asked.
    let (code, blind) = status_of(config.hmctl());
    assert_eq!(code, 4, "{blind:#}");
    let error = blind["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(error.starts_with("cannot reach systemd at "), "{blind:#}");

    let (code, status) = status_of(through_private_socket(&config));
    assert_eq!(code, 0, "{status:#}");
    let before = row(&status, "s3block");
    assert_eq!(before["state"], "running", "{status:#}");
    assert_eq!(
        before["pid"].as_u64().unwrap().to_string(),
        unit_property("s3block.service", "MainPID")
    );

    let restart = through_private_socket(&config)
        .args(["restart", "s3block"])
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&restart.stdout),
        String::from_utf8_lossy(&restart.stderr)
    );
    assert_eq!(restart.status.code(), Some(0), "{said}");
    let (_, after) = status_of(through_private_socket(&config));
    let after = row(&after, "s3block");
    assert_eq!(after["state"], "running");
    assert_ne!(after["pid"], before["pid"], "a new main process");
    assert_eq!(
        after["pid"].as_u64().unwrap().to_string(),
        unit_property("s3block.service", "MainPID")
    );

    let shim = JournalShim::new();
    let logs = through_private_socket(&config)
        .env("PATH", shim.path())
        .args(["logs", "s3block", "-n", "20"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&logs.stdout);
    assert_eq!(logs.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("Started s3block.service"),
        "the restart in the unit's journal: {stdout}"
    );
}
