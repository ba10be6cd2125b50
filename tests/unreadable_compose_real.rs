//! Issue 24, part 1, against the real dockerd and systemd: a project whose
//! containers run and whose compose file is then broken by a bad edit.
//! `status` shows its containers as Docker lists them (marked), the
//! gateway's units, the file and its line, and exits 3 (not 2); a change to
//! the broken project is refused, naming the file, and changes nothing; a
//! change to another group goes ahead; `logs collect` writes its bundle.

mod common;

use common::*;

/// A running project, then the bad edit of the issue on line 3.
fn broken_console(test: &str) -> (Project, Config, String) {
    let project = plain_project(test);
    let config = config_with(&format!(
        "{}{}",
        console_group(&project),
        gateway_group(&["s3block"])
    ));
    wait_until_all_ok(&config, "plain running");
    std::fs::write(
        &project.files[0],
        "services:\n  plain:\n    image: [unclosed\n",
    )
    .unwrap();
    let file = project.files[0].display().to_string();
    (project, config, file)
}

#[test]
fn a_broken_compose_file_shows_its_containers_the_units_and_the_file_and_exits_3() {
    if skip_without_sandbox() {
        return;
    }
    let (_project, config, file) = broken_console("unreadable-status");
    let (code, document) = status_json(&config, &[]);
    assert_eq!(code, 3, "{document:#}");
    assert_eq!(document["ok"], false);
    let plain = row(&document, "plain");
    assert_eq!(plain["state"], "running", "{document:#}");
    assert!(
        plain["detail"]
            .as_str()
            .unwrap()
            .ends_with(" (compose file unreadable)"),
        "{plain:#}"
    );
    assert_eq!(row(&document, "s3block")["state"], "running");
    let errors = document["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["file"], file.as_str());
    assert_eq!(errors[0]["group"], "console");
    let message = errors[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!(
            "group console is read without its compose file: invalid compose file {file}: line 3 column 12: "
        )),
        "{message}"
    );

    let human = config.hmctl().arg("status").output().unwrap();
    assert_eq!(human.status.code(), Some(3));
    let table = String::from_utf8_lossy(&human.stdout);
    assert!(
        table.contains("plain") && table.contains("s3block"),
        "{table}"
    );
    let stderr = String::from_utf8_lossy(&human.stderr);
    assert!(
        stderr.contains(&format!(
            "error: group console is read without its compose file: invalid compose file {file}: line 3 column 12: "
        )),
        "{stderr}"
    );

    let metrics = config.hmctl().arg("metrics").output().unwrap();
    assert_eq!(metrics.status.code(), Some(0));
    let text = String::from_utf8_lossy(&metrics.stdout);
    assert!(
        text.contains("hmctl_backend_up{backend=\"compose\"} 1"),
        "Docker answered: a broken file is not a daemon down\n{text}"
    );
    assert!(
        text.contains("hmctl_group_files_read{group=\"console\"} 0\n")
            && text.contains("hmctl_group_files_read{group=\"gateway\"} 1\n"),
        "{text}"
    );
}

#[test]
fn a_change_in_the_broken_project_is_refused_and_another_group_still_changes() {
    if skip_without_sandbox() {
        return;
    }
    let (project, config, file) = broken_console("unreadable-change");
    let before = started_at(&project, "plain");
    let container = container_field(&project, "plain", "{{.Id}}")[..12].to_string();
    let refused = config.hmctl().args(["restart", "plain"]).output().unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains(&format!(
            "error: cannot change plain (nothing was changed): invalid compose file {file}: line 3 column 12: "
        )) && stderr.contains(&format!(
                "hint: fix {file} (`docker compose -f {file} config` checks it), or act on the container with docker directly (`docker restart {container}`)"
            )),
        "{stderr}"
    );
    assert_eq!(
        started_at(&project, "plain"),
        before,
        "plain was not touched"
    );

    let everything = config
        .hmctl()
        .args(["restart", "--dry-run"])
        .output()
        .unwrap();
    assert_eq!(
        everything.status.code(),
        Some(1),
        "every service includes the broken project's: refused as a whole"
    );

    let planned = config
        .hmctl()
        .args(["restart", "--dry-run", "s3block"])
        .output()
        .unwrap();
    assert_eq!(
        planned.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&planned.stderr)
    );
    let started = config.hmctl().args(["start", "gateway"]).output().unwrap();
    assert_eq!(
        started.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
}

#[test]
fn logs_collect_of_a_host_with_a_broken_compose_file_writes_its_bundle() {
    if skip_without_sandbox() {
        return;
    }
    let (_project, config, file) = broken_console("unreadable-collect");
    let output_dir = tempfile::tempdir().unwrap();
    let bundle = output_dir.path().join("bundle.tar.gz");
    let output = config
        .hmctl()
        .args(["--json", "logs", "collect", "-o"])
        .arg(&bundle)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let written: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let unread = written["unread"].as_array().unwrap();
    assert!(
        unread
            .iter()
            .any(|line| line.as_str().unwrap().contains(&file)),
        "{written:#}"
    );
    let listing = std::process::Command::new("tar")
        .arg("-xzOf")
        .arg(&bundle)
        .arg("bundle/status.json")
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&listing.stdout).unwrap();
    assert_eq!(row(&status, "plain")["state"], "running");
    assert_eq!(row(&status, "s3block")["state"], "running");
}
