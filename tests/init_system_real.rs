//! Hosts whose PID 1 is not systemd (CentOS / RHEL 6 and SLES 11 run SysV
//! init, Ubuntu 12.04 / 14.04 upstart): the agent's services are their init
//! scripts (the sysv backend), not units systemd is asked for — proven in
//! containers whose PID 1 is an `init` that is not systemd (and in full on a
//! real sysvinit, tests/sysv_real.rs). And the sandbox's own arrangement, systemd
//! reached through DBUS_SYSTEM_BUS_ADDRESS from a host whose PID 1 is not
//! systemd, keeps working and keeps its own error when that bus is gone.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

/// Runs `hmctl status egisplus-agent` (this build, bind-mounted) in a container
/// of the sandbox's image whose PID 1 is a program named `init`, on an agent
/// host (/var/lib/egisplus-agent), with /sbin/initctl when `upstart`.
fn status_on_a_host_without_systemd(name: &str, upstart: bool) -> std::process::Output {
    let sandbox = sandbox();
    let image = docker(&[
        "inspect",
        "-f",
        "{{.Config.Image}}",
        &sandbox.systemd_container,
    ]);
    let binary = Path::new(env!("CARGO_BIN_EXE_hmctl"));
    let container = format!("hmt-init-{name}");
    let _ = Command::new("docker")
        .args(["rm", "-f", &container])
        .output();
    let initctl = if upstart {
        "printf '#!/bin/sh\\n' >/sbin/initctl && chmod 755 /sbin/initctl &&"
    } else {
        "rm -f /sbin/initctl &&"
    };
    let setup = format!(
        "rm -rf /run/systemd /run/dbus && mkdir -p /var/lib/egisplus-agent && {initctl} \
         cp /bin/sleep /run/init && exec /run/init infinity"
    );
    docker(&[
        "run",
        "-d",
        "--name",
        &container,
        "--label",
        "hmctl.test=1",
        "--network",
        "none",
        "-v",
        &format!("{}:/usr/local/bin/hmctl:ro", binary.display()),
        "--entrypoint",
        "/bin/sh",
        image.trim(),
        "-c",
        &setup,
    ]);
    let output = Command::new("docker")
        .args(["exec", "-e", "NO_COLOR=1", &container, "sh", "-c"])
        .arg("while [ \"$(cat /proc/1/comm)\" != init ]; do sleep 0.1; done; hmctl status egisplus-agent")
        .output()
        .unwrap();
    let _ = Command::new("docker")
        .args(["rm", "-f", &container])
        .output();
    output
}

#[test]
fn a_sysv_host_is_served_by_its_init_scripts() {
    if skip_without_sandbox() {
        return;
    }
    let output = status_on_a_host_without_systemd("sysv", false);
    let said = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    // No script on this host: the service is missing, systemd is not asked.
    assert_eq!(output.status.code(), Some(3), "{said}");
    assert!(
        said.contains("no init script egisplus-agent in /etc/init.d or /etc/rc.d/init.d"),
        "{said}"
    );
    assert!(!said.contains("systemd"), "{said}");
}

#[test]
fn an_upstart_host_without_jobs_is_served_by_its_init_scripts() {
    if skip_without_sandbox() {
        return;
    }
    let output = status_on_a_host_without_systemd("upstart", true);
    let said = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{said}");
    assert!(
        said.contains("no init script egisplus-agent in /etc/init.d or /etc/rc.d/init.d"),
        "{said}"
    );
}

#[test]
fn a_named_bus_is_used_whatever_this_hosts_init() {
    if skip_without_sandbox() {
        return;
    }
    sandbox();
    // The sandbox's host: systemd only in a container, reached through the named bus.
    let config = config_with(&gateway_group(&["watchman.service"]));
    let (code, document) = status_json(&config, &["watchman"]);
    assert!(code == 0 || code == 3, "{document}");
    assert!(
        row(&document, "watchman")["state"].is_string(),
        "{document}"
    );

    // The named bus gone: the bus's own error, not a word on this host's init.
    let output = hmctl()
        .arg("--config")
        .arg(&config.path)
        .env(
            "DBUS_SYSTEM_BUS_ADDRESS",
            "unix:path=/nonexistent/hmctl-bus",
        )
        .args(["status", "watchman"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(4), "{said}");
    assert!(said.contains("/nonexistent/hmctl-bus"), "{said}");
    assert!(!said.contains("this host's init"), "{said}");
}
