//! `hmctl status` against the real dockerd and the real systemd of the sandbox:
//! every state an operator meets, the exit codes, and daemons down or hung.

mod common;

use common::*;
use std::time::{Duration, Instant};

#[test]
fn every_container_state_is_reported_as_the_daemon_sees_it() {
    if skip_without_sandbox() {
        return;
    }
    let project = Project::new("states", &[("docker-compose-hyperbdr.yml", STATES)]);
    project.compose(&["up", "-d", "plain", "healthy", "sick", "looping", "dead"]);
    // A one-off container of the same project and service: not a row.
    project.compose(&["run", "-d", "--no-deps", "plain"]);
    // Another project's container with the same service name, exited: not a row.
    let foreign = Project::new(
        "states-foreign",
        &[(
            "c.yml",
            "services:\n  plain:\n    @BASE@\n    command: [\"false\"]\n",
        )],
    );
    foreign.compose(&["up", "-d"]);
    let config = config_with(&console_group(&project));

    let document = wait_for(
        Duration::from_secs(60),
        "health checks and the crash loop to settle",
        || {
            let (_, document) = status_json(&config, &[]);
            let settled = row(&document, "healthy")["health"] == "healthy"
                && row(&document, "sick")["health"] == "unhealthy"
                && row(&document, "looping")["restarts"].as_u64().unwrap_or(0) >= 1
                && row(&document, "dead")["state"] == "exited";
            if settled {
                Ok(document)
            } else {
                Err(format!("{document:#}"))
            }
        },
    );

    let plain = row(&document, "plain");
    assert_eq!(
        (
            plain["state"].as_str(),
            plain["health"].as_str(),
            plain["ok"].as_bool()
        ),
        (Some("running"), Some("none"), Some(true))
    );
    assert!(plain["pid"].as_u64().unwrap() > 0);
    assert!(
        plain["detail"].as_str().unwrap().starts_with("Up "),
        "{plain}"
    );
    assert!(plain["since"].as_str().unwrap().ends_with('Z'));

    let healthy = row(&document, "healthy");
    assert_eq!(
        (healthy["state"].as_str(), healthy["ok"].as_bool()),
        (Some("running"), Some(true))
    );
    assert!(healthy["detail"].as_str().unwrap().contains("(healthy)"));

    let sick = row(&document, "sick");
    assert_eq!(
        (sick["state"].as_str(), sick["ok"].as_bool()),
        (Some("running"), Some(false))
    );
    assert!(sick["detail"].as_str().unwrap().contains("(unhealthy)"));

    // Between two crashes it may be up for a moment: still restarting.
    let looping = row(&document, "looping");
    assert!(
        matches!(looping["state"].as_str(), Some("restarting" | "exited")),
        "{looping}"
    );
    assert_eq!(looping["ok"], false);
    assert!(looping["restarts"].as_u64().unwrap() >= 1);

    let dead = row(&document, "dead");
    assert_eq!(
        (dead["state"].as_str(), dead["exit_code"].as_i64()),
        (Some("exited"), Some(7))
    );
    assert!(dead["detail"].as_str().unwrap().starts_with("Exited (7)"));

    let never = row(&document, "never");
    assert_eq!(
        (never["state"].as_str(), never["ok"].as_bool()),
        (Some("missing"), Some(false))
    );

    let rows = document["services"].as_array().unwrap();
    assert_eq!(
        rows.len(),
        6,
        "one row per declared service, no one-off, no foreign: {document:#}"
    );
    assert_eq!(document["ok"], false);

    let (code, _) = status_json(&config, &[]);
    assert_eq!(code, 3, "a service not ok is exit 3");
    let (code, selected) = status_json(&config, &["plain", "healthy"]);
    assert_eq!(code, 0, "selected services all ok is exit 0: {selected:#}");
    assert_eq!(selected["services"].as_array().unwrap().len(), 2);
    assert_eq!(selected["ok"], true);
}

#[test]
fn the_table_shows_the_backend_words_and_the_checks() {
    if skip_without_sandbox() {
        return;
    }
    let project = Project::new(
        "table",
        &[(
            "c.yml",
            "services:\n  porter-api:\n    @BASE@\n    command: [\"sh\", \"-c\", \"exit 137\"]\n",
        )],
    );
    project.compose(&["up", "-d"]);
    let config = config_with(&console_group(&project));
    std::fs::create_dir_all(project.path().join("logs/porter")).unwrap();
    let output = wait_for(Duration::from_secs(60), "the container to exit", || {
        let output = hmctl()
            .arg("--config")
            .arg(&config.path)
            .arg("status")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout).to_string();
        if text.contains("Exited (137)") {
            Ok(output)
        } else {
            Err(text)
        }
    });
    assert_eq!(output.status.code(), Some(3));
    let text = String::from_utf8_lossy(&output.stdout);
    let header = text.lines().next().unwrap();
    for column in [
        "SERVICE", "GROUP", "STATE", "HEALTH", "UPTIME", "RESTARTS", "DETAIL",
    ] {
        assert!(header.contains(column), "{text}");
    }
    for check in ["log-disk", "program-disk", "free-disk"] {
        assert!(text.contains(check), "{text}");
    }
}

#[test]
fn a_console_shows_only_the_product_it_runs() {
    if skip_without_sandbox() {
        return;
    }
    let bdr = "services:\n  mysql:\n    @BASE@\n    command: @SLEEPER@\n  bdr-only:\n    @BASE@\n    command: @SLEEPER@\n";
    let motion = "services:\n  mysql:\n    @BASE@\n    command: @SLEEPER@\n  motion-only:\n    @BASE@\n    command: @SLEEPER@\n";
    let project = Project::new(
        "one-product",
        &[
            ("docker-compose-hyperbdr.yml", bdr),
            ("docker-compose-hypermotion.yml", motion),
        ],
    );
    project.compose_with(&project.files[1].clone(), &["up", "-d"]);
    let config = config_with(&console_group(&project));
    let (code, document) = status_json(&config, &[]);
    assert!(has_row(&document, "motion-only"));
    assert!(
        !has_row(&document, "bdr-only"),
        "a HyperMotion console must not list HyperBDR-only services: {document:#}"
    );
    assert_eq!(code, 0, "{document:#}");
}

#[test]
fn every_unit_state_is_reported_as_systemd_sees_it() {
    if skip_without_sandbox() {
        return;
    }
    sandbox();
    let config = config_with(&gateway_group(&[
        "s3block",
        "hyper_exporter.service",
        "egisplus-agent",
        "hmt-not-installed",
        "hmt-looper",
        "hmt-absent-exporter|hyper-exporter-agent",
    ]));
    let document = wait_for(
        Duration::from_secs(60),
        "the looping unit to wait for its restart",
        || {
            let (_, document) = status_json(&config, &[]);
            if row(&document, "hmt-looper")["state"] == "restarting" {
                Ok(document)
            } else {
                Err(format!("{document:#}"))
            }
        },
    );
    let active = row(&document, "s3block");
    assert_eq!(
        (
            active["state"].as_str(),
            active["ok"].as_bool(),
            active["backend"].as_str()
        ),
        (Some("running"), Some(true), Some("systemd"))
    );
    assert_eq!(active["detail"], "active (running)");
    assert!(active["pid"].as_u64().unwrap() > 0);

    let failed = row(&document, "hyper_exporter");
    assert_eq!(
        (failed["state"].as_str(), failed["exit_code"].as_i64()),
        (Some("failed"), Some(1))
    );
    assert_eq!(failed["detail"], "failed (Result: exit-code)");

    let inactive = row(&document, "egisplus-agent");
    assert_eq!(
        (inactive["state"].as_str(), inactive["detail"].as_str()),
        (Some("stopped"), Some("inactive (dead)"))
    );

    let absent = row(&document, "hmt-not-installed");
    assert_eq!(absent["state"], "missing");

    let looping = row(&document, "hmt-looper");
    assert!(looping["restarts"].as_u64().unwrap() >= 1);
    assert_eq!(looping["exit_code"], 4);

    assert_eq!(row(&document, "hyper-exporter-agent")["state"], "running");
    assert!(
        !has_row(&document, "hmt-absent-exporter"),
        "an absent alternative is not a row"
    );

    let (code, _) = status_json(&config, &[]);
    assert_eq!(code, 3);
    let (code, _) = status_json(&config, &["s3block.service", "hyper_exporter"]);
    assert_eq!(code, 3);
    let (code, _) = status_json(&config, &["s3block", "hmt-absent-exporter"]);
    assert_eq!(code, 0, "an alternative name selects the installed unit");
}

fn mixed_config(project: &Project) -> Config {
    config_with(&format!(
        "{}{}",
        console_group(project),
        gateway_group(&["s3block"])
    ))
}

#[test]
fn docker_unreachable_still_shows_the_units() {
    if skip_without_sandbox() {
        return;
    }
    let project = plain_project("no-docker");
    let config = mixed_config(&project);
    let output = hmctl()
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .arg("--config")
        .arg(&config.path)
        .args(["--json", "status"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        row(&document, "s3block")["state"],
        "running",
        "{document:#}"
    );
    assert_eq!(row(&document, "plain")["state"], "unknown");
    assert_eq!(document["errors"][0]["backend"], "docker");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("/nonexistent/docker.sock") && stderr.contains("hint:"),
        "{stderr}"
    );
    // Only the systemd services selected: Docker's absence does not matter.
    let output = hmctl()
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .arg("--config")
        .arg(&config.path)
        .args(["status", "s3block"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn dbus_unreachable_still_shows_the_containers() {
    if skip_without_sandbox() {
        return;
    }
    let project = plain_project("no-dbus");
    let config = mixed_config(&project);
    let output = hmctl()
        .env(
            "DBUS_SYSTEM_BUS_ADDRESS",
            "unix:path=/nonexistent/system_bus_socket",
        )
        .arg("--config")
        .arg(&config.path)
        .args(["--json", "status"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(row(&document, "plain")["state"], "running");
    assert_eq!(row(&document, "s3block")["state"], "unknown");
    assert_eq!(document["errors"][0]["backend"], "systemd");
    assert!(
        document["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/system_bus_socket")
    );
}

/// `hmctl --daemon-timeout 2 --json status` of `config` with `variable`
/// pointing one daemon at `socket`, which never answers: its document and
/// exit code. The 2 s hold for the other, real daemon too,
/// which a loaded machine may not meet: while `answered` (its row's state) is
/// `unknown`, the run proved nothing and is made again (up to 5 runs).
fn status_beside_a_hung_daemon(
    config: &Config,
    variable: &str,
    socket: &std::path::Path,
    answered: &str,
) -> (serde_json::Value, Option<i32>) {
    let address = if variable == "DOCKER_HOST" {
        format!("unix://{}", socket.display())
    } else {
        format!("unix:path={}", socket.display())
    };
    let mut runs = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let output = hmctl()
            .env(variable, &address)
            .arg("--config")
            .arg(&config.path)
            .args(["--daemon-timeout", "2", "--json", "status"])
            .output()
            .unwrap();
        let elapsed = started.elapsed();
        // Bounded: without its timeout, hmctl would wait for the socket forever.
        assert!(elapsed < Duration::from_secs(30), "took {elapsed:?}");
        let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        if row(&document, answered)["state"] != "unknown" {
            return (document, output.status.code());
        }
        runs.push(document);
    }
    panic!("the real daemon of {answered} did not answer within 2 s in 5 runs: {runs:#?}");
}

#[test]
fn a_hung_docker_costs_a_bounded_time_and_hides_nothing() {
    if skip_without_sandbox() {
        return;
    }
    let project = plain_project("hung-docker");
    let config = mixed_config(&project);
    let socket = silent_socket(project.path());
    let (document, code) = status_beside_a_hung_daemon(&config, "DOCKER_HOST", &socket, "s3block");
    assert_eq!(code, Some(4));
    assert_eq!(row(&document, "s3block")["state"], "running");
    assert_eq!(
        document["errors"][0]["message"],
        format!("Docker at {} did not answer within 2 s", socket.display()),
        "{document:#}"
    );
    assert_eq!(
        document["errors"][0]["hint"],
        "dockerd is hung or overloaded: check `journalctl -u docker`; on a busy host, wait longer with --daemon-timeout SECS"
    );
}

#[test]
fn a_hung_systemd_costs_a_bounded_time_and_hides_nothing() {
    if skip_without_sandbox() {
        return;
    }
    let project = plain_project("hung-dbus");
    let config = mixed_config(&project);
    let socket = silent_socket(project.path());
    let (document, code) =
        status_beside_a_hung_daemon(&config, "DBUS_SYSTEM_BUS_ADDRESS", &socket, "plain");
    assert_eq!(code, Some(4));
    assert_eq!(row(&document, "plain")["state"], "running");
    assert_eq!(row(&document, "s3block")["state"], "unknown");
}

#[test]
fn targets_select_rows_and_a_typo_changes_nothing() {
    if skip_without_sandbox() {
        return;
    }
    let project = Project::new(
        "targets",
        &[(
            "c.yml",
            "services:\n  porter-api:\n    @BASE@\n    command: @SLEEPER@\n  porter-migration:\n    @BASE@\n    command: @SLEEPER@\n  mysql:\n    @BASE@\n    command: @SLEEPER@\n",
        )],
    );
    project.compose(&["up", "-d"]);
    let config = mixed_config(&project);
    let names = |args: &[&str]| -> Vec<String> {
        let (_, document) = status_json(&config, args);
        document["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&["porter"]), vec!["porter-api", "porter-migration"]);
    assert_eq!(
        names(&["console"]),
        vec!["porter-api", "porter-migration", "mysql"],
        "rows keep the compose file's order"
    );
    assert_eq!(
        names(&["s3block.service", "mysql"]),
        vec!["mysql", "s3block"]
    );
    let output = hmctl()
        .arg("--config")
        .arg(&config.path)
        .args(["status", "porter-apx"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown target \"porter-apx\"")
            && stderr.contains("did you mean `porter-api`"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn an_unparsable_compose_file_is_exit_3_not_2_with_file_and_line() {
    if skip_without_sandbox() {
        return;
    }
    let project = Project::new(
        "bad-compose",
        &[(
            "c.yml",
            "services:\n  a:\n    @BASE@\n    command: @SLEEPER@\n",
        )],
    );
    std::fs::write(&project.files[0], "services:\n  a:\n    depends_on: 5\n").unwrap();
    let config = config_with(&console_group(&project));
    let output = hmctl()
        .arg("--config")
        .arg(&config.path)
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(3),
        "not a usage error (issue 24)"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("c.yml") && stderr.contains("line 3"),
        "{stderr}"
    );
}
