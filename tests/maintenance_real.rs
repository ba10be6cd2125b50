//! Maintenance mode against the real dockerd and the real systemd (issue
//! 28): `maintenance on` refuses what ok-to-stop refuses, stops and holds
//! off (a container's restart policy `no` through the Docker API, an enabled
//! unit disabled persistently), `status`, `metrics` and the list show it,
//! `start` refuses it, a crash of the container is not followed by a restart
//! while a control container with `always` is restarted, `off` gives back
//! exactly what was there and starts them, and a run killed between stopping
//! and recording is finished by the next one.

mod common;
mod maintenance_world;
mod prometheus;

use common::*;
use maintenance_world::*;
use std::time::Duration;

/// Kills a container's main process with SIGKILL from the host: a crash, not
/// a stop (`docker kill` and `docker stop` count as the operator's stop).
fn crash(project: &Project, service: &str) {
    let pid = container_field(project, service, "{{.State.Pid}}");
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &pid])
        .status()
        .unwrap();
    assert!(killed.success(), "kill -KILL {pid}");
}

#[test]
fn maintenance_on_refuses_like_stop_and_its_dry_run_changes_nothing() {
    if skip_without_sandbox() {
        return;
    }
    let (project, config) = world("maint_refuse");
    let output = config
        .hmctl()
        .args(["maintenance", "on", "db"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: not stopping db: running services need it (app needs db); nothing was changed\n\
         hint: stop them too, dependents first, with `hmctl maintenance on --with-dependents db` (`hmctl maintenance off db app` brings them back in order), or only what was asked with `hmctl maintenance on --force db`\n"
    );
    let output = config
        .hmctl()
        .args([
            "--json",
            "maintenance",
            "on",
            "--dry-run",
            "--with-dependents",
            "db",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let plan = json_of(&output);
    assert_eq!(plan["verb"], "maintenance on");
    assert_eq!(plan["dry_run"], true);
    let changes = plan["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2, "{plan:#}");
    for change in changes {
        assert_eq!(change["from"]["name"], "always");
        assert_eq!(change["to"]["name"], "no");
    }
    assert!(running(&project, "db") && running(&project, "app"));
    assert_eq!(restart_policy(&project, "db"), "always:0");
    assert!(!config.dir.path().join("state/maintenance.json").exists());
}

#[test]
fn a_container_in_maintenance_stays_down_is_shown_refused_and_given_back() {
    if skip_without_sandbox() {
        return;
    }
    let (project, config) = world("maint_compose");
    let output = config
        .hmctl()
        .env("SUDO_USER", "alice")
        .args([
            "maintenance",
            "on",
            "--with-dependents",
            "db",
            "--reason",
            "disk swap",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("restart policies and enablement changed:\n  app: restart policy always -> restart policy no\n  db: restart policy always -> restart policy no\n"),
        "{output:?}"
    );
    for service in ["db", "app"] {
        assert!(!running(&project, service));
        assert_eq!(restart_policy(&project, service), "no:0");
    }
    let file = config.dir.path().join("state/maintenance.json");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // The list, status and metrics say so; status is ok with only that.
    let list = json_of(
        &config
            .hmctl()
            .args(["--json", "maintenance"])
            .output()
            .unwrap(),
    );
    let db = list["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["service"] == "db")
        .unwrap()
        .clone();
    assert_eq!(db["by"], "alice");
    assert_eq!(db["reason"], "disk swap");
    assert_eq!(db["phase"], "in");
    assert_eq!(
        db["previous"],
        serde_json::json!({"kind": "restart-policy", "name": "always", "maximum_retry_count": 0})
    );
    let since = db["since"].as_str().unwrap().to_string();
    let (code, status) = status_here(&config);
    assert_eq!(code, 0, "{status:#}");
    assert_eq!(status["ok"], true);
    let row = row(&status, "db");
    assert_eq!(row["state"], "maintenance");
    assert_eq!(row["ok"], true);
    assert_eq!(
        row["maintenance"],
        serde_json::json!({"by": "alice", "since": since, "reason": "disk swap"})
    );
    assert!(
        row["detail"]
            .as_str()
            .unwrap()
            .starts_with(&format!("maintenance by alice since {since}: disk swap (")),
        "{row:#}"
    );
    let metrics = config.hmctl().arg("metrics").output().unwrap();
    let text = String::from_utf8_lossy(&metrics.stdout).to_string();
    assert!(
        text.contains(
            r#"hmctl_service_maintenance{service="db",group="console",backend="compose"} 1"#
        ),
        "{text}"
    );
    assert!(text.contains(
        r#"hmctl_service_maintenance{service="control",group="console",backend="compose"} 0"#
    ));
    let (passed, said) = prometheus::promtool_check(&text);
    assert!(passed, "promtool: {said}\n{text}");

    // start refuses it, word for word; --force would start it.
    let output = config.hmctl().args(["start", "db"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!(
            "error: refusing to start what is in maintenance: db (by alice since {since}: disk swap); nothing was changed\n\
             hint: hmctl maintenance off db ends it and starts them; `hmctl start --force db` starts them and leaves them in maintenance\n"
        )
    );
    assert!(!running(&project, "db"));

    // A crash (docker kill) is not followed by a restart; the control's is.
    docker(&["start", &container_field(&project, "db", "{{.Id}}")]);
    crash(&project, "db");
    crash(&project, "control");
    wait_for(
        Duration::from_secs(60),
        "control restarted by always",
        || {
            if running(&project, "control") {
                Ok(())
            } else {
                Err("control down".to_string())
            }
        },
    );
    std::thread::sleep(Duration::from_secs(2));
    assert!(!running(&project, "db"), "db was restarted after its crash");

    // off gives back exactly what was there and starts them in order.
    let output = config
        .hmctl()
        .args(["maintenance", "off"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    for service in ["db", "app"] {
        assert!(running(&project, service));
        assert_eq!(restart_policy(&project, service), "always:0");
    }
    let output = config.hmctl().arg("maintenance").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "nothing is in maintenance on this host\n"
    );
    let history = json_of(&config.hmctl().args(["--json", "history"]).output().unwrap());
    let text = history.to_string();
    assert!(
        text.contains("maintenance on: db: restart policy always -> restart policy no"),
        "{text}"
    );
    assert!(
        text.contains("maintenance off: db: restart policy no -> restart policy always"),
        "{text}"
    );

    let output = config
        .hmctl()
        .args(["maintenance", "off", "db"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: nothing is in maintenance on this host\nhint: `hmctl maintenance on TARGET` puts a service in maintenance\n"
    );
}

#[test]
fn a_maintenance_on_killed_after_stopping_is_finished_by_the_next_run() {
    if skip_without_sandbox() {
        return;
    }
    let (project, config) = world("maint_killed");
    killed_at(
        &config,
        &["maintenance", "on", "--force", "control"],
        "maintenance-stopped",
    );
    let file = std::fs::read_to_string(config.dir.path().join("state/maintenance.json")).unwrap();
    assert!(file.contains("\"phase\": \"entering\""), "{file}");
    assert!(!running(&project, "control"));

    let output = config.hmctl().arg("maintenance").output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "warning: finished putting control in maintenance (an hmctl was interrupted after stopping it): restart policy always held off\n"
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("control"));
    assert_eq!(restart_policy(&project, "control"), "no:0");
    let list = json_of(
        &config
            .hmctl()
            .args(["--json", "maintenance"])
            .output()
            .unwrap(),
    );
    assert_eq!(list["services"][0]["phase"], "in");
    let output = config
        .hmctl()
        .args(["maintenance", "off", "control"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(restart_policy(&project, "control"), "always:0");
    assert!(running(&project, "control"));
}

#[test]
fn a_unit_in_maintenance_is_disabled_persistently_and_enabled_again_by_off() {
    if skip_without_sandbox() {
        return;
    }
    let unit = TestUnit::new(
        "hmt-maint-unit",
        "[Unit]\nDescription=hmctl sandbox: maintenance\n[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n",
    );
    systemctl(&["daemon-reload"]);
    systemctl(&["enable", "hmt-maint-unit.service"]);
    systemctl(&["start", "hmt-maint-unit.service"]);
    let config = config_with(&gateway_group(&["hmt-maint-unit.service"]));
    assert_eq!(
        unit_property("hmt-maint-unit.service", "UnitFileState"),
        "enabled"
    );

    let output = config
        .hmctl()
        .args([
            "maintenance",
            "on",
            "hmt-maint-unit",
            "--reason",
            "agent upgrade",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("hmt-maint-unit: unit file enabled -> unit file disabled"),
        "{output:?}"
    );
    assert_eq!(
        unit_property("hmt-maint-unit.service", "ActiveState"),
        "inactive"
    );
    // Persistent: not enabled-runtime, not masked-runtime; gone from the boot target.
    assert_eq!(
        unit_property("hmt-maint-unit.service", "UnitFileState"),
        "disabled"
    );
    assert_eq!(
        systemctl(&["is-enabled", "hmt-maint-unit.service"]),
        "disabled"
    );
    let (code, status) = status_here(&config);
    assert_eq!(code, 0, "{status:#}");
    assert_eq!(row(&status, "hmt-maint-unit")["state"], "maintenance");

    let output = config
        .hmctl()
        .args(["restart", "hmt-maint-unit"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.starts_with("error: refusing to restart what is in maintenance: hmt-maint-unit (by ")
            && said.contains(": agent upgrade); nothing was changed\nhint: hmctl maintenance off hmt-maint-unit ends it"),
        "{said}"
    );

    let output = config
        .hmctl()
        .args(["maintenance", "off"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        unit_property("hmt-maint-unit.service", "UnitFileState"),
        "enabled"
    );
    assert_eq!(
        unit_property("hmt-maint-unit.service", "ActiveState"),
        "active"
    );
    systemctl(&["disable", "hmt-maint-unit.service"]);
    drop(unit);
}
