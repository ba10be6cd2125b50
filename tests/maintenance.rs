//! `hmctl maintenance` against state files a test writes (no daemon asked):
//! the list as a table and as JSON, `off` of something not in maintenance,
//! and a damaged state file refused with its name and a hint. The real
//! runs are in tests/maintenance_real.rs.

mod common;

use std::path::Path;

const ENTRY: &str = r#"{"schema": 1, "entries": [{"service": "rabbitmq", "group": "console", "backend": "compose", "by": "alice", "from": "ssh 10.0.0.5 pts/1", "since": "2026-12-04T22:00:00Z", "reason": "disk swap", "previous": {"kind": "restart-policy", "name": "always", "maximum_retry_count": 0}, "phase": "in"}]}"#;

/// A state directory holding `text` as its maintenance state, root's alone.
fn state_with(text: &[u8]) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let directory = tempfile::tempdir().unwrap();
    std::fs::set_permissions(directory.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::write(directory.path().join("maintenance.json"), text).unwrap();
    directory
}

fn maintenance(state: &Path, args: &[&str]) -> std::process::Output {
    let config = common::config_with("");
    common::hmctl()
        .arg("--config")
        .arg(&config.path)
        .env("HMCTL_STATE_DIR", state)
        .env("HMCTL_LOCK_FILE", state.join("hmctl.lock"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_list_says_who_since_why_and_what_off_gives_back() {
    let state = state_with(ENTRY.as_bytes());
    let output = maintenance(state.path(), &["maintenance"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.contains("GIVEN BACK BY OFF"), "{table}");
    for word in [
        "rabbitmq",
        "2026-12-04T22:00:00Z",
        "alice (ssh 10.0.0.5 pts/1)",
        "disk swap",
        "restart policy always",
    ] {
        assert!(table.contains(word), "no {word} in {table}");
    }
    let output = maintenance(state.path(), &["--json", "maintenance", "list"]);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        document,
        serde_json::json!({"schema": 1, "services": [{
            "service": "rabbitmq", "group": "console", "backend": "compose",
            "by": "alice", "from": "ssh 10.0.0.5 pts/1", "since": "2026-12-04T22:00:00Z",
            "reason": "disk swap",
            "previous": {"kind": "restart-policy", "name": "always", "maximum_retry_count": 0},
            "phase": "in"
        }]})
    );
}

#[test]
fn off_of_what_is_not_in_maintenance_is_exit_2_and_changes_nothing() {
    let state = state_with(ENTRY.as_bytes());
    let output = maintenance(state.path(), &["maintenance", "off", "mysql"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: mysql is not in maintenance\nhint: `hmctl maintenance` lists what is\n"
    );
    assert_eq!(
        std::fs::read_to_string(state.path().join("maintenance.json")).unwrap(),
        ENTRY
    );
}

#[test]
fn a_damaged_state_file_is_refused_naming_it_and_left_as_it_is() {
    let torn = &ENTRY.as_bytes()[..ENTRY.len() / 2];
    let state = state_with(torn);
    let file = state.path().join("maintenance.json");
    for args in [
        &["maintenance"][..],
        &["maintenance", "off"],
        &["maintenance", "on", "rabbitmq"],
    ] {
        let output = maintenance(state.path(), args);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {output:?}");
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(
            said.starts_with(&format!(
                "error: the maintenance state {} is damaged: EOF while parsing",
                file.display()
            )) && said.ends_with(
                "; nothing was changed\nhint: it holds the restart policies and unit enablement to give back: repair it by hand, or move it away once `docker inspect` and `systemctl is-enabled` show what each service should have\n"
            ),
            "{args:?}: {said}"
        );
    }
    // diagnose reads on and says so beside the daemons' errors: it changes nothing.
    let output = maintenance(state.path(), &["--json", "diagnose"]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        report["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|note| note.as_str().unwrap().starts_with(&format!(
                "the maintenance state {} is damaged: EOF while parsing",
                file.display()
            ))),
        "{report:#}"
    );
    assert_eq!(std::fs::read(&file).unwrap(), torn);
}
