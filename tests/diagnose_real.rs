//! `hmctl diagnose`'s state part against the sandbox's real dockerd and real
//! systemd: what Docker keeps of an unhealthy container's health checks, a
//! dead container's exit code, a failed unit's `Result` — each a finding; the
//! issue 30 outage (a dead rabbitmq, a dependent failing through it, a health
//! check still starting, a unit not installed, one not enabled) told cause
//! first; and every piece of advice run in the sandbox, where it must succeed.

mod common;

use common::*;
use std::process::Command;
use std::time::Duration;

const UNWELL: &str = r#"
services:
  sick:
    @BASE@
    command: @SLEEPER@
    healthcheck: {test: ["CMD", "sh", "-c", "echo database unreachable; exit 1"], interval: 1s, timeout: 2s, retries: 1}
  dead:
    @BASE@
    command: ["sh", "-c", "exit 7"]
"#;

fn diagnose_json(config: &Config) -> (i32, serde_json::Value) {
    let output = config
        .hmctl()
        .args(["--json", "diagnose"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let document = serde_json::from_str(&text).unwrap_or_else(|error| {
        panic!("{error}: {text}{}", String::from_utf8_lossy(&output.stderr))
    });
    (output.status.code().unwrap_or(-1), document)
}

/// The next command of the state finding of `name`.
fn next_of(document: &serde_json::Value, name: &str) -> String {
    document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["source"] == "state" && finding["services"][0] == name)
        .and_then(|finding| finding["verdict"]["next"].as_str())
        .unwrap_or_else(|| panic!("no next for {name} in {document:#}"))
        .to_string()
}

/// Runs an advised `hmctl ...` command with the test's config: it must succeed.
fn assert_advice_succeeds(config: &Config, command: &str) -> String {
    let words = advised_words(command);
    assert_eq!(words[0], "hmctl", "{command}");
    let output = config.hmctl().args(&words[1..]).output().unwrap();
    assert!(
        output.status.success(),
        "{command} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn service<'a>(document: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    document["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|service| service["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {document:#}"))
}

#[test]
fn unhealthy_and_dead_containers_come_with_what_docker_says() {
    if skip_without_sandbox() {
        return;
    }
    let project = Project::new(
        "diagnose-unwell",
        &[("docker-compose-hyperbdr.yml", UNWELL)],
    );
    project.compose(&["up", "-d", "sick", "dead"]);
    let config = config_with(&console_group(&project));
    let (code, document) = wait_for(Duration::from_secs(60), "the health check to fail", || {
        let (code, document) = diagnose_json(&config);
        let sick = service(&document, "sick");
        if sick["health"] == "unhealthy" && service(&document, "dead")["state"] == "exited" {
            Ok((code, document))
        } else {
            Err(format!("{document:#}"))
        }
    });
    assert_eq!(code, 3);
    let runs = service(&document, "sick")["details"]["health_checks"]
        .as_array()
        .unwrap();
    assert!(!runs.is_empty());
    assert!(
        runs.iter()
            .all(|run| run["exit_code"] == 1 && run["output"] == "database unreachable"),
        "{runs:#?}"
    );
    let dead = &service(&document, "dead")["details"];
    assert_eq!(dead["exit_code"], 7);
    assert_eq!(dead["oom_killed"], false);
    // An unhealthy one: what its log says first (a restart would not fix a
    // failing check); an exited one: restart.
    assert_eq!(next_of(&document, "sick"), "hmctl logs sick -n 50");
    assert_eq!(next_of(&document, "dead"), "hmctl restart dead");
    assert_advice_succeeds(&config, "hmctl logs sick -n 50");
}

#[test]
fn a_failed_unit_comes_with_its_result() {
    if skip_without_sandbox() {
        return;
    }
    // A unit of this test's own: another test's start of the sandbox's
    // hmt-cannot-start would show it activating here, not failed.
    let failing = TestUnit::copy_of("hmt-cannot-start", "hmt-diagnose-cannot-start");
    systemctl(&["start", &failing.name]);
    let config = config_with(&gateway_group(&[&failing.name]));
    let (code, document) = diagnose_json(&config);
    assert_eq!(code, 3, "{document:#}");
    let unit = service(&document, &failing.name);
    assert_eq!(unit["state"], "failed");
    assert_eq!(unit["details"]["result"], "exit-code");
    assert_eq!(
        document["summary"]["next"],
        "hmctl restart hmt-diagnose-cannot-start"
    );
}

/// A console in a RabbitMQ outage: rabbitmq-like touches a heartbeat file,
/// porter-api-like (which depends on it) logs oslo.messaging's AMQP error and
/// turns unhealthy when the heartbeat stops; influxdb-like has a health check
/// still in its start period.
const OUTAGE: &str = r#"
services:
  rabbitmq:
    @BASE@
    volumes: ["./shared:/shared"]
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do touch /shared/rabbitmq.alive; sleep 1; done"]
  porter-api:
    @BASE@
    depends_on: [rabbitmq]
    volumes: ["./shared:/shared", "./logs/porter:/logs"]
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do if [ $$(( $$(date +%s) - $$(stat -c %Y /shared/rabbitmq.alive) )) -gt 2 ]; then echo \"$$(date '+%Y-%m-%d %H:%M:%S').000 7 ERROR oslo.messaging._drivers.impl_rabbit [-] AMQP server on rabbitmq:5672 is unreachable: [Errno 111] ECONNREFUSED. Trying again in 1 seconds.\" >> /logs/porter-api.log; fi; sleep 1; done"]
    healthcheck: {test: ["CMD", "sh", "-c", "[ $$(( $$(date +%s) - $$(stat -c %Y /shared/rabbitmq.alive) )) -le 2 ]"], interval: 1s, timeout: 2s, retries: 1}
  influxdb:
    @BASE@
    command: @SLEEPER@
    healthcheck: {test: ["CMD", "false"], interval: 30s, timeout: 2s, retries: 3, start_period: 600s}
"#;

/// An exporter installed but never enabled.
const EXPORTER: &str = "[Unit]\nDescription=hmctl test: an exporter installed, not enabled\n\
    [Service]\nExecStart=/bin/sleep 2147483647\n[Install]\nWantedBy=multi-user.target\n";

fn diagnose_text(config: &Config) -> (i32, String) {
    let output = config.hmctl().arg("diagnose").output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

fn finding_of<'a>(document: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["source"] == "state" && finding["services"][0] == name)
        .unwrap_or_else(|| panic!("no state finding of {name} in {document:#}"))
}

#[test]
fn issue_30_a_rabbitmq_outage_reads_cause_first_with_advice_that_works() {
    if skip_without_sandbox() {
        return;
    }
    let project = Project::new(
        "diagnose-outage",
        &[("docker-compose-hyperbdr.yml", OUTAGE)],
    );
    std::fs::create_dir_all(project.path().join("shared")).unwrap();
    std::fs::create_dir_all(project.path().join("logs/porter")).unwrap();
    project.compose(&["up", "-d"]);
    let _exporter = TestUnit::new("hmt-diagnose-exporter", EXPORTER);
    let config = config_with(&format!(
        "{}{}",
        console_group(&project),
        gateway_group(&["hmt-diagnose-absent", "hmt-diagnose-exporter"])
    ));
    wait_for(Duration::from_secs(60), "porter-api healthy", || {
        let (_, document) = diagnose_json(&config);
        match service(&document, "porter-api")["health"].as_str() {
            Some("healthy") => Ok(()),
            _ => Err(format!("{document:#}")),
        }
    });
    project.compose(&["kill", "rabbitmq"]);
    let document = wait_for(
        Duration::from_secs(60),
        "porter-api to fail through rabbitmq",
        || {
            let (_, document) = diagnose_json(&config);
            let logged = document["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|finding| finding["verdict"]["rule"] == "middleware-unreachable");
            if logged && service(&document, "porter-api")["health"] == "unhealthy" {
                Ok(document)
            } else {
                Err(format!("{document:#}"))
            }
        },
    );
    let (code, text) = diagnose_text(&config);
    assert_eq!(code, 3, "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("Verdict: product — the middleware rabbitmq is exited: Exited (137) ")
            && lines[0].ends_with(
                " (exit code 137); porter-api fails through it (rule middleware-unreachable)"
            ),
        "{text}"
    );
    assert!(
        lines[1].starts_with("First failing: rabbitmq at "),
        "{text}"
    );
    assert_eq!(lines[2], "Next: hmctl restart rabbitmq", "{text}");
    for wrong in [
        "hmctl restart hmt-diagnose-absent",
        "hmctl restart influxdb",
    ] {
        assert!(!text.contains(wrong), "{wrong:?} advised in:\n{text}");
    }
    assert!(
        text.contains("  · influxdb is still starting (Up "),
        "{text}"
    );
    // As data: porter-api's state and errors are symptoms in rabbitmq's group.
    let group = &document["groups"][0];
    assert_eq!(group["service"], "rabbitmq", "{document:#}");
    assert_eq!(group["affected"], serde_json::json!(["porter-api"]));
    assert_eq!(document["summary"]["first_failing_service"], "rabbitmq");
    assert_eq!(document["summary"]["next"], "hmctl restart rabbitmq");
    let porter = finding_of(&document, "porter-api");
    assert_eq!(
        (&porter["role"], &porter["group"]),
        (&"symptom".into(), &1.into())
    );
    let influxdb = finding_of(&document, "influxdb");
    assert_eq!(
        (&influxdb["severity"], &influxdb["group"]),
        (&"info".into(), &serde_json::Value::Null)
    );
    let absent = finding_of(&document, "hmt-diagnose-absent");
    assert_eq!(absent["verdict"]["next"], serde_json::Value::Null);
    assert!(
        absent["verdict"]["advice"]
            .as_str()
            .unwrap()
            .starts_with("the configuration lists it in group gateway"),
        "{absent:#}"
    );
    let exporter = finding_of(&document, "hmt-diagnose-exporter");
    assert_eq!(
        exporter["verdict"]["cause"],
        "hmt-diagnose-exporter is stopped and not enabled: it does not start at boot"
    );
    // The advice works: rabbitmq comes back, the exporter starts.
    assert_advice_succeeds(&config, "hmctl restart rabbitmq");
    assert_advice_succeeds(
        &config,
        next_of(&document, "hmt-diagnose-exporter").as_str(),
    );
    assert_eq!(systemctl(&["is-active", "hmt-diagnose-exporter"]), "active");
    // rabbitmq back, its errors still in the window: read it, not restart it.
    let document = wait_for(Duration::from_secs(60), "porter-api healthy again", || {
        let (_, document) = diagnose_json(&config);
        match service(&document, "porter-api")["health"].as_str() {
            Some("healthy") => Ok(document),
            _ => Err(format!("{document:#}")),
        }
    });
    assert_eq!(document["summary"]["rule"], "middleware-unreachable");
    assert_eq!(document["summary"]["next"], "hmctl logs rabbitmq -n 100");
    assert_advice_succeeds(&config, "hmctl logs rabbitmq -n 100");
}

/// A crash loop, a container never created, one created but not started
/// and a unit that failed: each one's advice, run as given, succeeds (the failed unit's once its cause,
/// a flag file, is gone).
#[test]
fn the_advice_for_each_state_succeeds_in_the_sandbox() {
    if skip_without_sandbox() {
        return;
    }
    let project = Project::new(
        "diagnose-advice",
        &[("docker-compose-hyperbdr.yml", STATES)],
    );
    project.compose(&["up", "-d", "looping", "plain"]);
    project.compose(&["create", "healthy"]);
    let _flag = Command::new("docker")
        .args([
            "exec",
            &sandbox().systemd_container,
            "touch",
            "/run/hmt-diagnose-flaky.fail",
        ])
        .status();
    let _flaky = TestUnit::new(
        "hmt-diagnose-flaky",
        "[Service]\nExecStart=/bin/sh -c 'if [ -e /run/hmt-diagnose-flaky.fail ]; then echo cannot read /etc/flaky.conf; exit 3; fi; exec sleep 2147483647'\n",
    );
    systemctl(&["start", "hmt-diagnose-flaky"]);
    let config = config_with(&format!(
        "{}{}",
        console_group(&project),
        gateway_group(&["hmt-diagnose-flaky"])
    ));
    let document = wait_for(Duration::from_secs(60), "looping to crash-loop", || {
        let (_, document) = diagnose_json(&config);
        if service(&document, "looping")["state"] == "restarting" {
            Ok(document)
        } else {
            Err(format!("{document:#}"))
        }
    });
    assert_eq!(next_of(&document, "looping"), "hmctl logs looping -n 50");
    assert_eq!(next_of(&document, "never"), "hmctl start never");
    assert_eq!(next_of(&document, "healthy"), "hmctl start healthy");
    assert_eq!(
        next_of(&document, "hmt-diagnose-flaky"),
        "hmctl restart hmt-diagnose-flaky"
    );
    let flaky = finding_of(&document, "hmt-diagnose-flaky");
    assert_eq!(
        flaky["verdict"]["cause"],
        "hmt-diagnose-flaky failed (Result: exit-code, exit code 3)"
    );
    assert_advice_succeeds(&config, &next_of(&document, "looping"));
    assert_advice_succeeds(&config, &next_of(&document, "never"));
    assert_advice_succeeds(&config, &next_of(&document, "healthy"));
    let _ = Command::new("docker")
        .args([
            "exec",
            &sandbox().systemd_container,
            "rm",
            "-f",
            "/run/hmt-diagnose-flaky.fail",
        ])
        .status();
    assert_advice_succeeds(&config, &next_of(&document, "hmt-diagnose-flaky"));
}

/// Nothing abnormal: exit 0 and one line.
#[test]
fn a_clean_window_is_one_line() {
    if skip_without_sandbox() {
        return;
    }
    let project = plain_project("diagnose-clean");
    let config = config_with(&console_group(&project));
    let (code, text) = diagnose_text(&config);
    assert_eq!(code, 0, "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.starts_with("Nothing abnormal: every service, ")
            && text.contains("; every service that matters is running, no errors in the window (read 0 B of 0 log files)."),
        "{text}"
    );
    // A unit whose systemd cannot be asked is not said to be running.
    let config = config_with(&format!(
        "{}{}",
        console_group(&project),
        gateway_group(&["s3block"])
    ));
    let output = config
        .hmctl()
        .arg("diagnose")
        .env("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/hmt-bus")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.lines().next().unwrap().contains(
            "; the state of 1 service could not be asked (below), no errors in the window"
        ),
        "{text}"
    );
}

/// Only a health check within its start period: nothing abnormal (exit 0),
/// and the line that says how long to give it.
#[test]
fn a_health_check_still_in_its_start_period_alone_is_information() {
    if skip_without_sandbox() {
        return;
    }
    let project = Project::new(
        "diagnose-starting",
        &[(
            "docker-compose-hyperbdr.yml",
            "services:\n  influxdb:\n    @BASE@\n    command: @SLEEPER@\n    healthcheck: {test: [\"CMD\", \"false\"], interval: 30s, retries: 3, start_period: 600s}\n",
        )],
    );
    project.compose(&["up", "-d"]);
    let config = config_with(&console_group(&project));
    let (code, text) = diagnose_text(&config);
    assert_eq!(code, 0, "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("Nothing abnormal: "), "{text}");
    assert!(
        lines[1].starts_with("  · influxdb is still starting (Up ")
            && lines[1].contains("(health: starting)): give it ")
            && lines[1].ends_with(" s"),
        "{text}"
    );
}

/// Issue 26: an operator stops rabbitmq (behind sudo, `--force` past the
/// dependents' check); porter-api's AMQP errors follow within seconds.
/// diagnose's verdict begins with alice's stop, and status says it.
#[test]
fn an_operators_stop_of_a_dependency_is_named_by_diagnose_and_status() {
    if skip_without_sandbox() {
        return;
    }
    let project = Project::new(
        "diagnose-operator",
        &[("docker-compose-hyperbdr.yml", OUTAGE)],
    );
    std::fs::create_dir_all(project.path().join("shared")).unwrap();
    std::fs::create_dir_all(project.path().join("logs/porter")).unwrap();
    project.compose(&["up", "-d"]);
    let config = config_with(&console_group(&project));
    wait_for(Duration::from_secs(60), "porter-api healthy", || {
        let (_, document) = diagnose_json(&config);
        match service(&document, "porter-api")["health"].as_str() {
            Some("healthy") => Ok(()),
            _ => Err(format!("{document:#}")),
        }
    });
    let stop = config
        .hmctl()
        .env("SUDO_USER", "alice")
        .args(["stop", "rabbitmq", "--force"])
        .output()
        .unwrap();
    assert_eq!(
        stop.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&stop.stderr)
    );
    let document = wait_for(Duration::from_secs(60), "porter-api's AMQP errors", || {
        let output = config
            .hmctl()
            .args(["--json", "diagnose", "--since", "10m"])
            .output()
            .unwrap();
        let document: serde_json::Value =
            serde_json::from_slice(&output.stdout).map_err(|error| error.to_string())?;
        if document["summary"]["began_with"].is_string() {
            Ok(document)
        } else {
            Err(format!("{document:#}"))
        }
    });
    let began = document["summary"]["began_with"].as_str().unwrap();
    assert!(
        began.starts_with("rabbitmq was stopped by alice via hmctl at ")
            && began.contains("; porter-api's errors begin at "),
        "{document:#}"
    );
    assert!(
        document["happenings"]
            .as_array()
            .unwrap()
            .iter()
            .any(
                |happening| happening["what"] == "was stopped by alice via hmctl"
                    && happening["source"] == "history"
            ),
        "{document:#}"
    );
    let output = config.hmctl().args(["--json", "status"]).output().unwrap();
    let status: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let change = &row(&status, "rabbitmq")["last_change"];
    assert_eq!(
        (&change["what"], &change["by"]),
        (&"stopped".into(), &"alice".into()),
        "{status:#}"
    );
    let table = config.hmctl().arg("status").output().unwrap();
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(table.contains("; stopped by alice via hmctl "), "{table}");
}
