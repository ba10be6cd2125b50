//! `hmctl diagnose`'s state part against the sandbox's real dockerd and real
//! systemd: what Docker keeps of an unhealthy container's health checks, a
//! dead container's exit code, a failed unit's `Result` — each a finding.

mod common;

use common::*;
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
    let project = Project::new(
        "diagnose-unwell",
        &[("docker-compose-hyperbdr.yml", UNWELL)],
    );
    project.compose(&["up", "-d", "sick", "dead"]);
    let config = config_with(&console_group(&project));
    let (code, document) = wait_for(Duration::from_secs(30), "the health check to fail", || {
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
    let rules: Vec<&str> = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["verdict"]["next"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"hmctl restart sick"), "{rules:?}");
    assert!(rules.contains(&"hmctl restart dead"), "{rules:?}");
}

#[test]
fn a_failed_unit_comes_with_its_result() {
    sandbox();
    systemctl(&["start", "hmt-cannot-start"]);
    let config = config_with(&gateway_group(&["hmt-cannot-start"]));
    let (code, document) = diagnose_json(&config);
    assert_eq!(code, 3, "{document:#}");
    let unit = service(&document, "hmt-cannot-start");
    assert_eq!(unit["state"], "failed");
    assert_eq!(unit["details"]["result"], "exit-code");
    assert_eq!(
        document["summary"]["next"],
        "hmctl restart hmt-cannot-start"
    );
}
