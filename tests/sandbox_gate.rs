//! `cargo test` on a fresh clone, as any user, passes: the real-daemon tests
//! (every test of a `tests/*_real.rs` file, and any other test that reaches
//! for dockerd, systemd or the sandbox's tools) begin with
//! `if skip_without_sandbox() { return; }`, which without the sandbox reports
//! the test not run in one line, and under `tests/run-all`
//! (`HMCTL_REQUIRE_SANDBOX=1`) fails it instead. Checked here on the test
//! files' text and on this binary run again with and without the sandbox.

mod common;

use common::{NOT_RUN, skip_without_sandbox};
use std::path::Path;
use std::process::Command;

/// What a test calls when it needs the sandbox's daemons itself.
const SANDBOX_HELPERS: &[&str] = &[
    "sandbox()",
    "Project::new(",
    "plain_project(",
    "upgrade_console(",
    "TestUnit::new(",
    "TestUnit::copy_of(",
    "docker(&",
    "systemctl(&",
];

const GUARD: &str = "if skip_without_sandbox() {";

/// Each test of `text` (name, body up to the next test), in order.
fn tests_of(text: &str) -> Vec<(String, String)> {
    let mut tests = Vec::new();
    let mut rest = text;
    while let Some(attribute) = rest.find("#[test]").or_else(|| rest.find("#[tokio::test")) {
        let after = &rest[attribute..];
        let Some(function) = after.find("fn ") else {
            break;
        };
        let signature = &after[function + 3..];
        let name: String = signature
            .chars()
            .take_while(|character| character.is_alphanumeric() || *character == '_')
            .collect();
        let body_start = signature
            .find('{')
            .map_or(signature.len(), |brace| brace + 1);
        let body = &signature[body_start..];
        let next = body
            .find("#[test]")
            .into_iter()
            .chain(body.find("#[tokio::test"))
            .min()
            .unwrap_or(body.len());
        tests.push((name, body[..next].to_string()));
        rest = &body[next..];
    }
    tests
}

#[test]
fn every_real_daemon_test_begins_with_the_sandbox_gate() {
    let tests_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut ungated = Vec::new();
    let mut gated = 0;
    for entry in std::fs::read_dir(&tests_dir).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.extension().is_none_or(|extension| extension != "rs") || file == "sandbox_gate.rs" {
            continue;
        }
        let real_file = file.ends_with("_real.rs");
        for (name, body) in tests_of(&std::fs::read_to_string(&path).unwrap()) {
            let needs_sandbox =
                real_file || SANDBOX_HELPERS.iter().any(|helper| body.contains(helper));
            if !needs_sandbox {
                continue;
            }
            if body.trim_start().starts_with(GUARD) {
                gated += 1;
            } else {
                ungated.push(format!("{file}: {name}"));
            }
        }
    }
    assert!(
        ungated.is_empty(),
        "these real-daemon tests do not begin with `{GUARD} return; }}`:\n{}",
        ungated.join("\n")
    );
    assert!(
        gated > 100,
        "only {gated} gated tests found: is the reader broken?"
    );
}

#[test]
fn run_all_requires_the_sandbox() {
    let run_all =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/run-all"))
            .unwrap();
    let required = run_all
        .find("\nexport HMCTL_REQUIRE_SANDBOX=1\n")
        .expect("tests/run-all exports HMCTL_REQUIRE_SANDBOX=1");
    let tested = run_all.find("cargo nextest run").unwrap();
    assert!(required < tested, "exported before the tests run");
}

/// The probe the next test runs in a child: a real-daemon test with no body.
#[test]
fn probe_of_the_gate() {
    if skip_without_sandbox() {
        return;
    }
    // With the sandbox, a real-daemon test's body runs here.
    assert!(std::env::var_os("HMCTL_SANDBOX_SYSTEMD").is_some());
}

/// This binary's probe, run again with `environment` and no sandbox.
fn probe(environment: &[(&str, &str)]) -> std::process::Output {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "probe_of_the_gate", "--test-threads", "1"])
        .env_remove("HMCTL_SANDBOX_SYSTEMD")
        .env_remove("HMCTL_REQUIRE_SANDBOX")
        .envs(environment.iter().copied())
        .output()
        .unwrap()
}

#[test]
fn without_the_sandbox_a_real_test_says_it_was_not_run_and_fails_only_under_run_all() {
    let outside = probe(&[]);
    let stderr = String::from_utf8_lossy(&outside.stderr);
    assert!(outside.status.success(), "{stderr}");
    assert_eq!(
        stderr,
        format!("skipped: probe_of_the_gate {NOT_RUN}\n"),
        "one line, past the capture"
    );
    assert_eq!(
        NOT_RUN,
        "needs the real-daemon sandbox; run tests/run-all as root \
         (or tests/sandbox/sandbox.sh up && source /run/hmctl-sandbox/env)"
    );

    let under_run_all = probe(&[("HMCTL_REQUIRE_SANDBOX", "1")]);
    let stdout = String::from_utf8_lossy(&under_run_all.stdout);
    assert_eq!(under_run_all.status.code(), Some(101), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "probe_of_the_gate {NOT_RUN}: HMCTL_REQUIRE_SANDBOX is set and HMCTL_SANDBOX_SYSTEMD is not"
        )),
        "{stdout}"
    );
    assert!(!String::from_utf8_lossy(&under_run_all.stderr).contains("skipped:"));

    let with_sandbox = probe(&[("HMCTL_SANDBOX_SYSTEMD", "hmctl-sandbox-systemd")]);
    assert!(with_sandbox.status.success());
    assert!(!String::from_utf8_lossy(&with_sandbox.stderr).contains("skipped:"));
}

/// `hmctl()` gives each test a state directory of its own, so a test that
/// does not name one never reads or writes the host's /var/lib/hmctl.
#[test]
fn each_test_has_a_state_directory_of_its_own() {
    use std::os::unix::fs::DirBuilderExt;
    let state = common::private_state_dir();
    assert!(state.starts_with(env!("CARGO_TARGET_TMPDIR")), "{state:?}");
    assert!(
        state.ends_with("each_test_has_a_state_directory_of_its_own"),
        "{state:?}"
    );
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&state)
        .unwrap();
    std::fs::write(
        state.join("history.jsonl"),
        r#"{"record":"began","run":"1","pid":4999999,"at":"2026-12-04T10:02:11Z","who":"alice","from":"ssh 10.0.0.5 pts/1","command":"hmctl restart own-state-probe","activity":"restart","services":[{"name":"own-state-probe","group":"console"}],"steps":["restart own-state-probe"]}"#.to_string() + "\n",
    )
    .unwrap();
    let output = common::hmctl()
        .env("HMCTL_LOCK_FILE", state.join("hmctl.lock"))
        .env("TZ", "UTC")
        .arg("history")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("hmctl restart own-state-probe"), "{stdout}");
}
