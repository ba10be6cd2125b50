//! What happened, against the sandbox's real dockerd: the metrics timer's
//! transitions around a `docker kill`, and a kill by a memory limit in status
//! and metrics. (An operator's stop named by diagnose and status is in
//! tests/diagnose_real.rs, with its outage.)

mod common;
mod prometheus;

use common::*;
use std::time::Duration;

fn metrics(config: &Config) -> String {
    let output = config.hmctl().arg("metrics").output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The records of transitions.jsonl in the config's state directory.
fn transitions(config: &Config) -> Vec<serde_json::Value> {
    let path = config.dir.path().join("state/transitions.jsonl");
    std::fs::read_to_string(&path)
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn metrics_run_twice_around_a_docker_kill_record_the_death_with_its_code() {
    if skip_without_sandbox() {
        return;
    }
    let project = plain_project("transitions-kill");
    project.compose(&["up", "-d"]);
    let config = config_with(&console_group(&project));
    wait_until_all_ok(&config, "plain running");
    metrics(&config);
    assert!(
        transitions(&config).is_empty(),
        "the first run only keeps its snapshot"
    );
    docker(&[
        "kill",
        "-s",
        "KILL",
        &container_field(&project, "plain", "{{.Id}}"),
    ]);
    // `docker kill` returns once the signal is sent; Docker says the
    // container exited a moment later (later still on a loaded machine).
    wait_for(
        Duration::from_secs(60),
        "Docker to say plain exited",
        || match container_field(&project, "plain", "{{.State.Status}}").as_str() {
            "exited" => Ok(()),
            other => Err(other.to_string()),
        },
    );
    let text = metrics(&config);
    let records = transitions(&config);
    assert_eq!(records.len(), 1, "{records:#?}");
    let record = &records[0];
    assert_eq!(record["schema"], 1);
    assert_eq!(record["service"], "plain");
    assert_eq!(record["group"], "console");
    assert_eq!(record["backend"], "compose");
    assert_eq!(record["from"]["state"], "running");
    assert_eq!(record["to"]["state"], "exited");
    assert_eq!(record["exit_code"], 137);
    assert_eq!(record["oom_killed"], false);
    assert!(
        record["observed_at"].as_str().unwrap().ends_with('Z'),
        "{record}"
    );
    let labels = r#"service="plain",group="console",backend="compose""#;
    assert!(
        text.contains(&format!("hmctl_service_last_exit_code{{{labels}}} 137\n")),
        "{text}"
    );
    // Nothing changed since: no new record.
    metrics(&config);
    assert_eq!(transitions(&config).len(), 1);
}

/// Allocates memory until the kernel kills it under a 16 MiB limit.
const HUNGRY: &str = r#"
services:
  hungry:
    @BASE@
    mem_limit: 16m
    memswap_limit: 16m
    command: ["sh", "-c", "tail /dev/zero"]
"#;

/// Status and metrics say what Docker says of the kill: `(OOM killed)` in
/// DETAIL and `hmctl_service_oom_killed 1` exactly when Docker's
/// `State.OOMKilled` is true. (Docker 20.10 on the sandbox's cgroup v1 host
/// reports `false` for a container the kernel did kill for memory — its OOM
/// watcher sees no event there — so the flag is read, not assumed.)
#[test]
fn a_container_oom_killed_by_its_memory_limit_says_what_docker_says_in_status_and_metrics() {
    if skip_without_sandbox() {
        return;
    }
    let project = Project::new("transitions-oom", &[("c.yml", HUNGRY)]);
    project.compose(&["up", "-d"]);
    let config = config_with(&console_group(&project));
    let document = wait_for(Duration::from_secs(60), "hungry killed", || {
        let (_, document) = status_json(&config, &[]);
        if row(&document, "hungry")["state"] == "exited" {
            Ok(document)
        } else {
            Err(format!("{document:#}"))
        }
    });
    let docker_says = container_field(&project, "hungry", "{{.State.OOMKilled}}") == "true";
    let hungry = row(&document, "hungry");
    let detail = hungry["detail"].as_str().unwrap();
    assert!(detail.starts_with("Exited (137) "), "{hungry:#}");
    assert_eq!(detail.ends_with(" (OOM killed)"), docker_says, "{hungry:#}");
    let table = config.hmctl().arg("status").output().unwrap();
    let table = String::from_utf8_lossy(&table.stdout);
    assert_eq!(table.contains("(OOM killed)"), docker_says, "{table}");
    let text = metrics(&config);
    let (passed, said) = prometheus::promtool_check(&text);
    assert!(passed, "promtool check metrics failed: {said}\n{text}");
    let labels = r#"service="hungry",group="console",backend="compose""#;
    for expected in [
        format!(
            "hmctl_service_oom_killed{{{labels}}} {}\n",
            u8::from(docker_says)
        ),
        format!("hmctl_service_last_exit_code{{{labels}}} 137\n"),
    ] {
        assert!(text.contains(&expected), "{expected} not in {text}");
    }
}

/// A unit whose main process exits 3.
const FAILING: &str = "[Unit]\nDescription=hmctl test: a unit that exits 3\n\
    [Service]\nExecStart=/bin/sh -c 'exit 3'\n";

/// A unit that failed a moment ago says its code and when in DETAIL and
/// `last_change`, and its last exit code in the metrics; the timer's
/// transition from running to failed keeps the code.
#[test]
fn a_failed_unit_says_how_and_when_it_ended_in_status_metrics_and_transitions() {
    if skip_without_sandbox() {
        return;
    }
    let unit = TestUnit::new("hmt-transitions-failing", FAILING);
    let config = config_with(&gateway_group(&[&unit.name]));
    let (_, before) = status_json(&config, &[]);
    assert_ne!(row(&before, &unit.name)["state"], "failed", "{before:#}");
    metrics(&config);
    systemctl(&["start", &unit.name]);
    let document = wait_for(Duration::from_secs(60), "the unit failed", || {
        let output = config.hmctl().args(["--json", "status"]).output().unwrap();
        let document: serde_json::Value =
            serde_json::from_slice(&output.stdout).map_err(|error| error.to_string())?;
        if row(&document, &unit.name)["state"] == "failed" {
            Ok(document)
        } else {
            Err(format!("{document:#}"))
        }
    });
    let failed = row(&document, &unit.name);
    assert_eq!(failed["detail"], "failed (Result: exit-code)", "{failed:#}");
    assert_eq!(failed["last_change"]["what"], "exited 3", "{failed:#}");
    let table = config.hmctl().arg("status").output().unwrap();
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.contains("failed (Result: exit-code); exited 3 "),
        "{table}"
    );
    let text = metrics(&config);
    let labels = format!(
        r#"service="{}",group="gateway",backend="systemd""#,
        unit.name
    );
    assert!(
        text.contains(&format!("hmctl_service_last_exit_code{{{labels}}} 3\n")),
        "{text}"
    );
    assert!(
        text.contains(&format!("hmctl_service_oom_killed{{{labels}}} 0\n")),
        "{text}"
    );
    let records = transitions(&config);
    assert_eq!(records.len(), 1, "{records:#?}");
    assert_eq!(records[0]["to"]["state"], "failed");
    assert_eq!(records[0]["exit_code"], 3);
    assert_eq!(records[0]["backend"], "systemd");
}
