//! `hmctl events` when dockerd restarted between the crash and the question
//! (issue 26), against a private dockerd of this test's own that it restarts
//! (never the shared one): a container killed with `docker kill -s KILL` and
//! one that exits with a code, the metrics timer run before and after the
//! deaths; asked before the restart (Docker's events, the containers' state
//! and the timer's records all tell each death) and after it (Docker's ring
//! is gone: the state and the timer's records tell it), each death is listed
//! once, with its exit code. A third container, killed and brought back by
//! its `always` policy before the restart (which starts it once more), has
//! nothing left of its death but the timer's record, which tells it.

mod common;

use common::*;
use std::time::Duration;

/// `victim` is killed; `coded` exits 5 once the test touches its file;
/// `revived` is killed and comes back by its policy.
const CONSOLE: &str = r#"
services:
  victim:
    @BASE@
    command: @SLEEPER@
  coded:
    @BASE@
    command: ["sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.1; done; exit 5"]
  revived:
    @BASE@
    command: ["sh", "-c", "[ -e /tmp/died ] || { while [ ! -e /tmp/go ]; do sleep 0.1; done; touch /tmp/died; exit 3; }; trap 'exit 0' TERM; sleep 2147483647 & wait"]
    restart: always
"#;

/// The deaths (and restarts by a policy, which follow one) the window's
/// events tell of `service`, with their sources (`exited 137 container-state`).
fn deaths(events: &[serde_json::Value], service: &str) -> Vec<String> {
    events
        .iter()
        .filter(|event| event["kind"] == "event" && event["service"] == service)
        .filter(|event| {
            matches!(
                event["what"].as_str(),
                Some("exited" | "killed" | "oom" | "restarted")
            )
        })
        .map(|event| {
            let detail = match event["what"].as_str() {
                Some("exited") => event["code"].to_string(),
                Some("restarted") => event["count"].to_string(),
                _ => event["signal"].as_str().unwrap_or_default().to_string(),
            };
            format!(
                "{} {detail} {}",
                event["what"].as_str().unwrap_or_default(),
                event["source"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

#[test]
fn each_death_is_listed_once_before_and_after_dockerd_restarted() {
    if skip_without_sandbox() {
        return;
    }
    let mut daemon = PrivateDockerd::start("hmt-events-restart");
    let project = Project::new(
        "events_dockerd",
        &[("docker-compose-hyperbdr.yml", CONSOLE)],
    );
    daemon.compose_up(&project);
    let config = config_with(&console_group(&project));
    let host = daemon.host();
    let hmctl = |args: &[&str]| {
        let output = config
            .hmctl()
            .env("DOCKER_HOST", &host)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let window = || -> Vec<serde_json::Value> {
        hmctl(&["--json", "events", "--since", "10m"])
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    };
    for service in ["victim", "coded", "revived"] {
        assert!(
            daemon.running(&project, service),
            "{service} is not running"
        );
    }
    hmctl(&["metrics"]);
    // Seconds apart: a remembered inspect is used while Docker's words (`Up
    // 2 seconds`) are what its start would make Docker say now, so a restart
    // within the second of the start it remembers would go unseen.
    std::thread::sleep(Duration::from_secs(3));
    daemon.docker(&["kill", "-s", "KILL", &daemon.container(&project, "victim")]);
    for service in ["coded", "revived"] {
        let id = daemon.container(&project, service);
        daemon.docker(&["exec", &id, "touch", "/tmp/go"]);
    }
    let settled = [
        // `docker kill` returns once the signal is sent, before the death.
        ("victim", "{{.State.Status}}", "exited"),
        ("coded", "{{.State.Status}} {{.State.ExitCode}}", "exited 5"),
        (
            "revived",
            "{{.State.Status}} {{.RestartCount}}",
            "running 1",
        ),
    ];
    for (service, template, expected) in settled {
        wait_for(Duration::from_secs(60), service, || {
            match daemon.field(&project, service, template) {
                done if done == expected => Ok(()),
                other => Err(other),
            }
        });
    }
    hmctl(&["metrics"]);
    let records = std::fs::read_to_string(config.dir.path().join("state/transitions.jsonl"))
        .unwrap_or_default();
    assert_eq!(records.lines().count(), 3, "the timer's records: {records}");

    // Before: Docker's events, the state and the timer each tell the deaths.
    let before = window();
    assert_eq!(
        deaths(&before, "victim"),
        ["killed SIGKILL docker-events", "exited 137 docker-events"],
        "{before:#?}"
    );
    assert_eq!(
        deaths(&before, "revived"),
        ["exited 3 docker-events"],
        "{before:#?}"
    );
    assert_eq!(
        deaths(&before, "coded"),
        ["exited 5 docker-events"],
        "{before:#?}"
    );

    daemon.restart();
    let after = window();
    // The restarted dockerd's ring holds only its start of `revived`.
    assert!(
        after.iter().all(|event| event["source"] != "docker-events"
            || (event["service"] == "revived" && event["what"] == "started")),
        "{after:#?}"
    );
    // The daemon's time is the true one: the container's own finish.
    for (service, code) in [("victim", 137), ("coded", 5)] {
        assert_eq!(
            deaths(&after, service),
            [format!("exited {code} container-state")],
            "{after:#?}"
        );
        let told = after
            .iter()
            .find(|event| event["service"] == service && event["what"] == "exited")
            .unwrap();
        let time: jiff::Timestamp = told["time"].as_str().unwrap().parse().unwrap();
        let finished = daemon.field(&project, service, "{{.State.FinishedAt}}");
        assert_eq!(time, finished.parse::<jiff::Timestamp>().unwrap(), "{told}");
    }
    // The restart started `revived` again: its state holds that start, not
    // the death before; the timer's record tells it, at the snapshot's time:
    // a restart by its policy (the snapshot saw it running again, its exit
    // code already reset by Docker).
    assert_eq!(
        deaths(&after, "revived"),
        ["restarted 1 metrics-timer"],
        "{after:#?}"
    );
}
