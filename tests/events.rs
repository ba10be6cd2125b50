//! `hmctl events` without daemons: hmctl's own history as operator actions
//! (table in the operator's zone, JSON Lines in UTC), a daemon that cannot
//! be asked named with the rest shown, exit 4 when no source could be read,
//! and the usage errors. The real daemons' events are in tests/events_real.rs.

mod common;

use std::path::Path;

/// A state directory whose history holds alice's restart of rabbitmq.
fn state_with_a_restart() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let directory = tempfile::tempdir().unwrap();
    std::fs::set_permissions(directory.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let began = r#"{"record":"began","run":"1","pid":4999999,"at":"2026-12-04T10:02:11Z","who":"alice","from":"ssh 10.0.0.5 pts/1","command":"hmctl restart rabbitmq","activity":"restart","services":[{"name":"rabbitmq","group":"console"}],"steps":["restart rabbitmq"]}"#;
    let ended = r#"{"record":"ended","run":"1","at":"2026-12-04T10:02:45Z","exit":0,"summary":"done: rabbitmq","results":[{"name":"rabbitmq","group":"console","result":"done","seconds":34.0,"detail":""}]}"#;
    std::fs::write(
        directory.path().join("history.jsonl"),
        format!("{began}\n{ended}\n"),
    )
    .unwrap();
    directory
}

/// `hmctl events ARGS` with this state directory, no daemon reachable, and
/// (`config`) the groups of that file.
fn events(state: &Path, config: Option<&Path>, args: &[&str]) -> std::process::Output {
    let mut command = common::hmctl();
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    command
        .env("HMCTL_STATE_DIR", state)
        .env("HMCTL_LOCK_FILE", state.join("hmctl.lock"))
        .env("DOCKER_HOST", "unix:///nonexistent/hmctl-test/docker.sock")
        .env("TZ", "Asia/Shanghai")
        .arg("events")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn an_operators_restart_is_an_event_in_local_time_and_utc_json_lines() {
    let state = state_with_a_restart();
    let output = events(state.path(), None, &["--since", "2026-12-04T10:00:00Z"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "TIME                 GROUP       SERVICE           SOURCE           WHAT\n\
         2026-12-04 18:02:11  console     rabbitmq          hmctl-history    restart by alice (ssh 10.0.0.5 pts/1) via hmctl: done\n"
    );
    let mut json = common::hmctl();
    let output = json
        .env("HMCTL_STATE_DIR", state.path())
        .env("HMCTL_LOCK_FILE", state.path().join("hmctl.lock"))
        .args(["--json", "events", "--until", "2026-12-04T10:05:00Z"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(
        lines,
        [serde_json::json!({
            "schema": 1, "kind": "event", "time": "2026-12-04T10:02:11Z",
            "group": "console", "service": "rabbitmq", "source": "hmctl-history",
            "what": "operator-action", "verb": "restart", "user": "alice",
            "via": "ssh 10.0.0.5 pts/1", "result": "done"
        })]
    );
    let before = events(state.path(), None, &["--until", "2026-12-04T10:00:00Z"]);
    assert_eq!(
        String::from_utf8_lossy(&before.stdout),
        "no events for this selection in this window\n"
    );
}

#[test]
fn a_daemon_that_cannot_be_asked_is_named_and_the_history_still_shown() {
    let state = state_with_a_restart();
    let config = common::config_with(
        "[[group]]\nname = \"console\"\nproject = \"hmt-events-nodaemon\"\npresent_if = []\n",
    );
    let output = events(
        state.path(),
        Some(&config.path),
        &["--since", "2026-12-04T10:00:00Z"],
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("restart by alice"),
        "{output:?}"
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "warning: events from docker-events could not be read, the other sources are shown: cannot reach Docker at /nonexistent/hmctl-test/docker.sock: no such socket\n\
         hint: is dockerd running? `systemctl status docker`; DOCKER_HOST selects another daemon\n"
    );
    // The history unreadable too: no source could be read.
    let broken = tempfile::tempdir().unwrap();
    std::fs::create_dir(broken.path().join("history.jsonl")).unwrap();
    let output = events(broken.path(), Some(&config.path), &["--json"]);
    assert_eq!(output.status.code(), Some(4), "{output:?}");
    let errors: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0]["kind"], "error");
    assert_eq!(errors[0]["source"], "docker-events");
    assert_eq!(errors[1]["source"], "hmctl-history");
    let following = events(broken.path(), Some(&config.path), &["-f"]);
    assert_eq!(following.status.code(), Some(4), "{following:?}");
    assert_eq!(
        errors[1]["message"],
        format!(
            "cannot read the history {}: Is a directory (os error 21)",
            broken.path().join("history.jsonl").display()
        )
    );
}

#[test]
fn bad_input_is_exit_2() {
    let state = state_with_a_restart();
    let following_to_an_end = events(state.path(), None, &["-f", "--until", "1h"]);
    assert_eq!(following_to_an_end.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&following_to_an_end.stderr).contains("cannot be used with"),
        "{following_to_an_end:?}"
    );
    let garbled = events(state.path(), None, &["--since", "yesterday-ish"]);
    assert_eq!(garbled.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&garbled.stderr).contains("hint: give a duration"),
        "{garbled:?}"
    );
    let unknown = events(state.path(), None, &["no-such-service"]);
    assert_eq!(unknown.status.code(), Some(2), "{unknown:?}");
}

#[test]
fn a_hung_dockerd_and_a_missing_journalctl_are_bounded_and_named() {
    let state = state_with_a_restart();
    let config = common::config_with(
        "[[group]]\nname = \"console\"\nproject = \"hmt-events-hung\"\npresent_if = []\n\n\
         [[group]]\nname = \"gateway\"\nunits = [\"s3block\"]\npresent_if = []\n",
    );
    let silent = common::silent_socket(state.path());
    let empty_path = tempfile::tempdir().unwrap();
    let output = common::hmctl()
        .arg("--config")
        .arg(&config.path)
        .args([
            "--daemon-timeout",
            "1",
            "events",
            "--since",
            "2026-12-04T10:00:00Z",
        ])
        .env("HMCTL_STATE_DIR", state.path())
        .env("HMCTL_LOCK_FILE", state.path().join("hmctl.lock"))
        .env("DOCKER_HOST", format!("unix://{}", silent.display()))
        .env("PATH", empty_path.path())
        .output()
        .unwrap();
    // It returned although the socket never answers (a hang would be ended
    // by nextest's slow-timeout, .config/nextest.toml); the warning below
    // says the bound was the reason.
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("restart by alice"),
        "{output:?}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "warning: events from docker-events could not be read, the other sources are shown: Docker at {} did not answer within 1 s\n",
            silent.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "warning: events from journal could not be read, the other sources are shown: cannot read the journal of s3block.service: cannot run journalctl: No such file or directory (os error 2)\n\
             hint: install journalctl (systemd), or ask for the services of other groups\n"
        ),
        "{stderr}"
    );
}

/// A directory whose `journalctl` is the shell script `body`.
fn journalctl_doing(body: &str) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let directory = tempfile::tempdir().unwrap();
    let script = directory.path().join("journalctl");
    std::fs::write(&script, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    directory
}

#[test]
fn a_journal_that_fails_or_hangs_is_named_with_what_to_do() {
    let state = state_with_a_restart();
    let config = common::config_with(
        "[[group]]\nname = \"gateway\"\nunits = [\"s3block\"]\npresent_if = []\n",
    );
    let warned = |journalctl: &tempfile::TempDir| {
        let output = common::hmctl()
            .arg("--config")
            .arg(&config.path)
            .args(["--daemon-timeout", "1", "events"])
            .env("HMCTL_STATE_DIR", state.path())
            .env("HMCTL_LOCK_FILE", state.path().join("hmctl.lock"))
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", journalctl.path().display()),
            )
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    assert_eq!(
        warned(&journalctl_doing(
            "echo 'Failed to open journal' >&2; exit 1"
        )),
        "warning: events from journal could not be read, the other sources are shown: cannot read the journal of s3block.service: journalctl failed (exit status: 1): Failed to open journal\n\
         hint: journalctl must be able to read the system journal: run as root (sudo hmctl ...) or as a member of the systemd-journal group\n"
    );
    // A journalctl that never ends: hmctl gives up on it at the bound, says
    // so, and leaves no such process behind (it was killed, not waited for:
    // waiting would hang this test, which nextest's slow-timeout ends).
    let pid_file = state.path().join("journalctl.pid");
    assert_eq!(
        warned(&journalctl_doing(&format!(
            "echo $$ >{}; exec sleep 86400",
            pid_file.display()
        ))),
        "warning: events from journal could not be read, the other sources are shown: cannot read the journal of s3block.service: journalctl did not finish within 1 s\n\
         hint: on a busy host, wait longer with --daemon-timeout SECS, or ask for a shorter window with --since\n"
    );
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let process = Path::new("/proc").join(pid.trim());
    common::wait_for(
        std::time::Duration::from_secs(60),
        "the abandoned journalctl to be gone",
        || match std::fs::read_to_string(process.join("stat")) {
            // Gone, or a zombie waiting for init to reap it.
            Err(_) => Ok(()),
            Ok(stat)
                if stat
                    .rsplit(')')
                    .next()
                    .is_some_and(|rest| rest.trim_start().starts_with('Z')) =>
            {
                Ok(())
            }
            Ok(stat) => Err(stat),
        },
    );
}

#[test]
fn the_metrics_timers_transitions_tell_a_death_no_daemon_remembers() {
    let state = state_with_a_restart();
    let death = r#"{"schema":1,"observed_at":"2026-12-04T10:03:00Z","group":"console","service":"rabbitmq","backend":"compose","from":{"state":"running","health":"healthy","restarts":0},"to":{"state":"exited","health":"none","restarts":0},"exit_code":137,"oom_killed":true,"last_lines":["killed"]}"#;
    std::fs::write(state.path().join("transitions.jsonl"), format!("{death}\n")).unwrap();
    let output = events(state.path(), None, &["--since", "2026-12-04T10:00:00Z"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "TIME                 GROUP       SERVICE           SOURCE           WHAT\n\
         2026-12-04 18:02:11  console     rabbitmq          hmctl-history    restart by alice (ssh 10.0.0.5 pts/1) via hmctl: done\n\
         2026-12-04 18:03:00  console     rabbitmq          metrics-timer    OOM killed (memory limit reached)\n\
         2026-12-04 18:03:00  console     rabbitmq          metrics-timer    exited 137\n"
    );
    // An unreadable transitions file is named; the rest is shown.
    std::fs::remove_file(state.path().join("transitions.jsonl")).unwrap();
    std::fs::create_dir(state.path().join("transitions.jsonl")).unwrap();
    let output = events(state.path(), None, &["--since", "2026-12-04T10:00:00Z"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!(
            "warning: events from metrics-timer could not be read, the other sources are shown: cannot read the metrics timer's transitions {dir}/transitions.jsonl: Is a directory (os error 21)\n\
             hint: hmctl reads {dir}/transitions.jsonl as root; check its owner and mode (0600, root)\n",
            dir = state.path().display()
        )
    );
}
