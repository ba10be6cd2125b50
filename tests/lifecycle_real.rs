//! start / stop / restart against the real dockerd and the real systemd:
//! ordering by start times, waiting for health, creation of missing services,
//! failures named, the lock, interruption, dry runs.

mod common;

use common::*;
use std::time::{Duration, Instant};

/// A database that becomes healthy 2 s after it starts, an API that needs it,
/// a worker that needs the API.
const CHAIN: &str = r#"
services:
  db:
    @BASE@
    command: ["sh", "-c", "trap 'exit 0' TERM; rm -f /tmp/ready; (sleep 2; touch /tmp/ready) & sleep 2147483647 & wait"]
    healthcheck: {test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s, timeout: 2s, retries: 30}
  api:
    @BASE@
    command: @SLEEPER@
    depends_on: {db: {condition: service_healthy}}
  worker:
    @BASE@
    command: @SLEEPER@
    depends_on: [api]
"#;

fn chain(test: &str) -> (Project, Config) {
    let project = Project::new(test, &[("docker-compose-hyperbdr.yml", CHAIN)]);
    project.compose(&["up", "-d"]);
    let config = config_with(&console_group(&project));
    wait_until_all_ok(&config, "the chain to be healthy");
    (project, config)
}

#[test]
fn restarting_one_service_touches_only_it_and_returns_once_it_is_healthy() {
    if skip_without_sandbox() {
        return;
    }
    let (project, config) = chain("restart-one");
    let api_before = started_at(&project, "api");
    let db_before = started_at(&project, "db");
    let started = Instant::now();
    let output = config.hmctl().args(["restart", "db"]).output().unwrap();
    let elapsed = started.elapsed();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        elapsed >= Duration::from_secs(2),
        "returned before db was healthy: {elapsed:?}"
    );
    assert_ne!(started_at(&project, "db"), db_before, "db was restarted");
    assert_eq!(
        started_at(&project, "api"),
        api_before,
        "api was not touched"
    );
    let (_, document) = status_json(&config, &["db"]);
    assert_eq!(
        row(&document, "db")["health"],
        "healthy",
        "healthy when restart returned"
    );
}

#[test]
fn stopping_then_starting_a_group_follows_the_dependencies() {
    if skip_without_sandbox() {
        return;
    }
    let (project, config) = chain("stop-start");
    let output = config
        .hmctl()
        .args(["stop", "console", "--timeout", "5"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (_, document) = status_json(&config, &[]);
    for service in ["db", "api", "worker"] {
        assert_eq!(row(&document, service)["state"], "exited", "{document:#}");
    }
    let stopped: Vec<String> = ["worker", "api", "db"]
        .iter()
        .map(|service| finished_at(&project, service))
        .collect();
    assert!(
        stopped[0] <= stopped[1] && stopped[1] <= stopped[2],
        "dependents stop first: {stopped:?}"
    );

    let output = config.hmctl().args(["start", "console"]).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let started: Vec<String> = ["db", "api", "worker"]
        .iter()
        .map(|service| started_at(&project, service))
        .collect();
    assert!(
        started[0] < started[1] && started[1] < started[2],
        "dependencies start first: {started:?}"
    );
    let (code, _) = status_json(&config, &[]);
    assert_eq!(code, 0);
}

#[test]
fn start_creates_a_service_that_was_never_created() {
    if skip_without_sandbox() {
        return;
    }
    let project = Project::new(
        "create-missing",
        &[(
            "c.yml",
            "services:\n  present:\n    @BASE@\n    command: @SLEEPER@\n  absent:\n    @BASE@\n    command: @SLEEPER@\n",
        )],
    );
    project.compose(&["up", "-d", "present"]);
    let config = config_with(&console_group(&project));
    let (_, document) = status_json(&config, &[]);
    assert_eq!(row(&document, "absent")["state"], "missing");
    let present_before = started_at(&project, "present");
    let output = config.hmctl().args(["start", "absent"]).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (_, document) = status_json(&config, &[]);
    assert_eq!(row(&document, "absent")["state"], "running");
    assert_eq!(
        started_at(&project, "present"),
        present_before,
        "--no-deps: nothing else touched"
    );
}

#[test]
fn an_unhealthy_service_fails_the_start_by_name_while_the_rest_come_up() {
    if skip_without_sandbox() {
        return;
    }
    let project = Project::new(
        "unhealthy-start",
        &[(
            "c.yml",
            r#"services:
  sick:
    @BASE@
    command: @SLEEPER@
    healthcheck: {test: ["CMD", "sh", "-c", "echo database unreachable; exit 1"], interval: 1s, timeout: 2s, retries: 1}
  fine:
    @BASE@
    command: @SLEEPER@
"#,
        )],
    );
    project.compose(&["up", "--no-start"]);
    let config = config_with(&console_group(&project));
    let output = config
        .hmctl()
        .args(["start", "--timeout", "30"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("1 of 2 services did not start: sick"),
        "{stderr}"
    );
    assert!(
        stderr.contains("database unreachable"),
        "the health check's own words: {stderr}"
    );
    let (_, document) = status_json(&config, &[]);
    assert_eq!(row(&document, "fine")["ok"], true);
}

#[test]
fn a_unit_that_cannot_start_is_exit_1_with_systemds_result() {
    if skip_without_sandbox() {
        return;
    }
    let failing = TestUnit::copy_of("hmt-cannot-start", "hmt-lifecycle-cannot-start");
    let config = config_with(&gateway_group(&[&failing.name]));
    let output = config
        .hmctl()
        .args(["start", &failing.name])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("hmt-lifecycle-cannot-start") && stderr.contains("Result: exit-code"),
        "{stderr}"
    );
}

#[test]
fn units_restart_in_catalog_order_and_wait_for_activation() {
    if skip_without_sandbox() {
        return;
    }
    // Units of this test's own: the settle and faults tests restart and
    // time the sandbox's hmt-lc-db and hmt-slow-start at the same moment.
    let _units = [
        TestUnit::copy_of("hmt-lc-app", "hmt-lifecycle-app"),
        TestUnit::copy_of("hmt-lc-db", "hmt-lifecycle-db"),
        TestUnit::copy_of("hmt-slow-start", "hmt-lifecycle-slow-start"),
    ];
    let config = config_with(&format!(
        "{}[service.hmt-lifecycle-app]\ndepends_on = [\"hmt-lifecycle-db\"]\n",
        gateway_group(&[
            "hmt-lifecycle-app",
            "hmt-lifecycle-db",
            "hmt-lifecycle-slow-start"
        ])
    ));
    let output = config
        .hmctl()
        .args(["restart", "gateway"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let db: u64 = unit_property("hmt-lifecycle-db", "ActiveEnterTimestampMonotonic")
        .parse()
        .unwrap();
    let app: u64 = unit_property("hmt-lifecycle-app", "ActiveEnterTimestampMonotonic")
        .parse()
        .unwrap();
    assert!(db > 0 && db < app, "db before app: {db} {app}");
    assert_eq!(
        systemctl(&["is-active", "hmt-lifecycle-slow-start"]),
        "active",
        "waited for the notify unit to be active"
    );
    let output = config.hmctl().args(["stop", "gateway"]).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        systemctl(&[
            "is-active",
            "hmt-lifecycle-db",
            "hmt-lifecycle-app",
            "hmt-lifecycle-slow-start"
        ]),
        "inactive\ninactive\ninactive"
    );
}

#[test]
fn an_unknown_target_changes_nothing() {
    if skip_without_sandbox() {
        return;
    }
    let (project, config) = chain("unknown-target");
    let before = started_at(&project, "db");
    let output = config
        .hmctl()
        .args(["restart", "db", "dbb-typo"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown target \"dbb-typo\""));
    assert_eq!(started_at(&project, "db"), before);
}

/// A service that is healthy only 20 s after it starts: a restart of it holds
/// the lock far longer than a second operation waits for it (3 s), however
/// slowly a loaded machine starts that second one.
const SLOW: &str = r#"
services:
  slow:
    @BASE@
    command: ["sh", "-c", "trap 'exit 0' TERM; rm -f /tmp/ready; (sleep 20; touch /tmp/ready) & sleep 2147483647 & wait"]
    healthcheck: {test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s, timeout: 2s, retries: 60}
  other:
    @BASE@
    command: @SLEEPER@
"#;

/// Waits until `holder` has taken the lock of `config` (it writes its pid
/// into the lock file once it holds it), however long a loaded machine takes
/// to start it.
fn holds_the_lock(config: &Config, holder: &std::process::Child) {
    let lock = config.dir.path().join("hmctl.lock");
    let pid = format!("pid={}", holder.id());
    wait_for(
        Duration::from_secs(60),
        "the first hmctl to hold the lock",
        || {
            let text = std::fs::read_to_string(&lock).unwrap_or_default();
            if text.lines().any(|line| line == pid) {
                Ok(())
            } else {
                Err(format!("{}: {text:?}", lock.display()))
            }
        },
    );
}

#[test]
fn a_second_operation_gets_exit_5_naming_the_first() {
    if skip_without_sandbox() {
        return;
    }
    let project = Project::new("lock-busy", &[("c.yml", SLOW)]);
    project.compose(&["up", "-d"]);
    let config = config_with(&console_group(&project));
    let mut first = config
        .spawn_command()
        .args(["-q", "restart", "slow"])
        .spawn()
        .unwrap();
    holds_the_lock(&config, &first);
    let before = started_at(&project, "other");
    let started = Instant::now();
    let output = config.hmctl().args(["restart", "other"]).output().unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "it waited briefly first"
    );
    assert_eq!(output.status.code(), Some(5));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("pid {}", first.id())) && stderr.contains("restart slow"),
        "{stderr}"
    );
    assert!(stderr.contains("since 20"), "{stderr}");
    assert_eq!(started_at(&project, "other"), before, "nothing was changed");
    // status never waits on the lock: it answers while the first holds it.
    let (code, document) = status_json(&config, &[]);
    assert_ne!(code, 5, "{document:#}");
    assert_eq!(row(&document, "other")["state"], "running");
    assert!(
        first.try_wait().unwrap().is_none(),
        "the restart of slow ended before status answered: the test proved nothing"
    );
    assert!(first.wait().unwrap().success());
    let output = config.hmctl().args(["restart", "other"]).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "the lock is free once the holder is done"
    );
}

#[test]
fn the_lock_dies_with_a_killed_holder() {
    if skip_without_sandbox() {
        return;
    }
    let (_project, config) = chain("lock-kill");
    let mut first = config
        .spawn_command()
        .args(["restart", "db"])
        .spawn()
        .unwrap();
    holds_the_lock(&config, &first);
    first.kill().unwrap();
    first.wait().unwrap();
    let output = config.hmctl().args(["restart", "worker"]).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn an_interrupted_restart_leaves_every_service_running() {
    if skip_without_sandbox() {
        return;
    }
    let (project, config) = chain("interrupt");
    let worker_before = started_at(&project, "worker");
    // db takes 2 s to be healthy again: interrupt once its restart began.
    let output = interrupted_restart(&config, "console", "db", rustix::process::Signal::INT);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("interrupted"), "{stderr}");
    let document = wait_for(Duration::from_secs(60), "every service running", || {
        let (_, document) = status_json(&config, &[]);
        let running = ["db", "api", "worker"]
            .iter()
            .all(|service| row(&document, service)["state"] == "running");
        if running {
            Ok(document)
        } else {
            Err(format!("{document:#}"))
        }
    });
    assert_eq!(row(&document, "worker")["state"], "running");
    assert_eq!(
        started_at(&project, "worker"),
        worker_before,
        "nothing new started after the interrupt"
    );
}

#[test]
fn a_dry_run_prints_the_plan_and_changes_nothing() {
    if skip_without_sandbox() {
        return;
    }
    let (project, config) = chain("dry-run");
    let before: Vec<String> = ["db", "api", "worker"]
        .iter()
        .map(|service| started_at(&project, service))
        .collect();
    let output = config.hmctl().args(["stop", "--dry-run"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.starts_with("stop plan: 3 services to change; each goes ahead once the services under AFTER have stopped"),
        "{text}"
    );
    let order: Vec<usize> = ["worker", "api", "db"]
        .iter()
        .map(|service| text.find(&format!(" {service} ")).unwrap())
        .collect();
    assert!(order[0] < order[1] && order[1] < order[2], "{text}");
    let output = config
        .hmctl()
        .args(["--json", "restart", "--dry-run", "api"])
        .output()
        .unwrap();
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["dry_run"], true);
    let step = &document["plan"]["steps"][0];
    assert_eq!(step["service"], "api");
    assert_eq!(step["action"], "restart");
    assert_eq!(step["after"], serde_json::json!([]));
    assert_eq!(step["settle_seconds"], 2.0);
    let output = config
        .hmctl()
        .args(["--json", "restart", "--dry-run", "--settle", "0.5"])
        .output()
        .unwrap();
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let steps = document["plan"]["steps"].as_array().unwrap();
    let worker = steps
        .iter()
        .find(|step| step["service"] == "worker")
        .unwrap();
    assert_eq!(worker["after"], serde_json::json!(["api"]), "{document:#}");
    assert_eq!(worker["action"], "restart");
    assert_eq!(worker["settle_seconds"], 0.5);
    let after: Vec<String> = ["db", "api", "worker"]
        .iter()
        .map(|service| started_at(&project, service))
        .collect();
    assert_eq!(before, after);
    let (code, _) = status_json(&config, &[]);
    assert_eq!(code, 0);
}

#[test]
fn a_daemon_that_cannot_be_asked_stops_a_change_before_it_starts() {
    if skip_without_sandbox() {
        return;
    }
    let (project, config) = chain("daemon-down");
    let before = started_at(&project, "db");
    let output = config
        .hmctl()
        .env("DOCKER_HOST", "unix:///nonexistent.sock")
        .args(["restart", "db"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&output.stderr).contains("nothing was changed"));
    assert_eq!(started_at(&project, "db"), before);
}
