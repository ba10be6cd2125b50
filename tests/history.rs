//! `hmctl history` against history files a test writes: the table and the
//! JSON, a run killed before its end, one still holding the lock, a torn last
//! line, TARGET and time filters. The real runs are in tests/history_real.rs.

mod common;

use std::io::Write;
use std::path::Path;

fn began(run: &str, pid: u32, at: &str, service: &str) -> String {
    format!(
        r#"{{"record":"began","run":"{run}","pid":{pid},"at":"{at}","who":"alice","from":"ssh 10.0.0.5 pts/1","command":"hmctl restart {service}","activity":"restart","services":[{{"name":"{service}","group":"console"}}],"steps":["restart {service}"]}}"#
    ) + "\n"
}

fn ended(run: &str, at: &str, exit: i32, summary: &str) -> String {
    format!(
        r#"{{"record":"ended","run":"{run}","at":"{at}","exit":{exit},"summary":"{summary}","results":[]}}"#
    ) + "\n"
}

/// A state directory holding `text` as its history, root's alone.
fn state_with(text: &str) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let directory = tempfile::tempdir().unwrap();
    std::fs::set_permissions(directory.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::write(directory.path().join("history.jsonl"), text).unwrap();
    directory
}

fn history(state: &Path, args: &[&str]) -> std::process::Output {
    common::hmctl()
        .env("HMCTL_STATE_DIR", state)
        .env("HMCTL_LOCK_FILE", state.join("hmctl.lock"))
        .env("TZ", "UTC")
        .arg("history")
        .args(args)
        .output()
        .unwrap()
}

/// A pid no process has (the kernel's limit is below it).
const DEAD_PID: u32 = 4_999_999;

#[test]
fn a_killed_run_did_not_finish_and_a_torn_last_line_is_left_out() {
    let text = began("1", DEAD_PID, "2026-12-04T10:02:11Z", "rabbitmq")
        + &ended("1", "2026-12-04T10:02:45Z", 0, "done: rabbitmq")
        + &began("2", DEAD_PID, "2026-12-04T10:05:00Z", "porter-api")
        + r#"{"record":"ended","run":"2","at":"2026-12"#;
    let state = state_with(&text);
    let output = history(state.path(), &[]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        " BEGAN                WHO    FROM                COMMAND                   RESULT                  DURATION\n \
         2026-12-04 10:02:11  alice  ssh 10.0.0.5 pts/1  hmctl restart rabbitmq    exit 0: done: rabbitmq  34s\n \
         2026-12-04 10:05:00  alice  ssh 10.0.0.5 pts/1  hmctl restart porter-api  did not finish          -\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "warning: 1 line of the history could not be read (a record cut short when hmctl was killed while writing it) and was left out\n"
    );
}

#[test]
fn a_run_whose_pid_holds_the_lock_is_running() {
    let state = state_with(&began(
        "1",
        std::process::id(),
        "2026-12-04T10:05:00Z",
        "porter-api",
    ));
    let mut lock = std::fs::File::create(state.path().join("hmctl.lock")).unwrap();
    lock.lock().unwrap();
    writeln!(
        lock,
        "pid={}\ncommand=hmctl restart porter-api",
        std::process::id()
    )
    .unwrap();
    let output = history(state.path(), &["--json"]);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["schema"], 1);
    assert_eq!(document["runs"][0]["standing"], "running");
    assert_eq!(document["runs"][0]["who"], "alice");
    assert_eq!(document["runs"][0]["exit_code"], serde_json::Value::Null);
    drop(lock);
    let output = history(state.path(), &["--json"]);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["runs"][0]["standing"], "did-not-finish");
}

#[test]
fn targets_and_times_filter_and_a_removed_service_is_still_found() {
    let text = began("1", DEAD_PID, "2026-12-04T10:00:00Z", "retired-service")
        + &ended("1", "2026-12-04T10:00:05Z", 0, "done: retired-service")
        + &began("2", DEAD_PID, "2026-12-04T11:00:00Z", "porter-api")
        + &ended("2", "2026-12-04T11:00:05Z", 1, "failed: porter-api");
    let state = state_with(&text);
    let runs = |args: &[&str]| -> Vec<String> {
        let output = history(state.path(), &[&["--json"], args].concat());
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        document["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|run| run["run"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(runs(&[]), ["1", "2"]);
    assert_eq!(runs(&["retired-service"]), ["1"]);
    assert_eq!(runs(&["porter"]), ["2"]);
    assert_eq!(runs(&["--since", "2026-12-04T10:30:00Z"]), ["2"]);
    assert_eq!(runs(&["--until", "2026-12-04 10:30"]), ["1"]);
    let unknown = history(state.path(), &["porter-apj"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&unknown.stderr),
        "error: unknown target \"porter-apj\"\nhint: did you mean `porter-api`? (`hmctl list` shows every name)\n"
    );
    let bad = history(state.path(), &["--until", "yesterday"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).starts_with(
            "error: --until \"yesterday\" is neither a duration (30m, 2h, 1d) nor a time (2025-09-18 16:00)\n"
        ),
        "{bad:?}"
    );
}

#[test]
fn no_history_yet_says_so() {
    let directory = tempfile::tempdir().unwrap();
    let output = history(&directory.path().join("state"), &[]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "no change by hmctl recorded for this selection\n"
    );
}

#[test]
fn a_history_that_cannot_be_read_is_named() {
    let state = state_with("");
    let file = state.path().join("history.jsonl");
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    let output = history(state.path(), &[]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!(
            "error: cannot read the history {}: Is a directory (os error 21)\n\
             hint: check that file and its directory (root's, 0600 and 0700), then run it again\n",
            file.display()
        )
    );
}

/// The words of an option's name that say it would take a secret.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "secret",
    "token",
    "key",
    "apikey",
    "credential",
    "credentials",
    "auth",
    "cookie",
];

/// History keeps each command line as given, so no option of hmctl may ever
/// take a secret: a new one named like a password, token or key fails here.
#[test]
fn no_option_takes_a_secret_so_history_keeps_none() {
    use clap::CommandFactory;
    fn walk(command: &clap::Command, path: &str, found: &mut Vec<String>) {
        for argument in command.get_arguments() {
            let names = [
                Some(argument.get_id().as_str().to_string()),
                argument.get_long().map(str::to_string),
                argument.get_value_names().map(|names| {
                    names
                        .iter()
                        .map(clap::builder::Str::as_str)
                        .collect::<Vec<_>>()
                        .join(" ")
                }),
            ];
            let secret = names.iter().flatten().any(|name| {
                name.to_lowercase()
                    .split(|character: char| !character.is_ascii_alphanumeric())
                    .any(|word| SECRET_WORDS.contains(&word))
            });
            if secret {
                found.push(format!("{path} {}", argument.get_id()));
            }
        }
        for sub in command.get_subcommands() {
            walk(sub, &format!("{path} {}", sub.get_name()), found);
        }
    }
    let mut found = Vec::new();
    walk(&hmctl::cli::Cli::command(), "hmctl", &mut found);
    assert!(
        found.is_empty(),
        "options that may take a secret: {found:?}"
    );
}
