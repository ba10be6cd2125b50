//! Issue 24, part 1, without daemons: a compose file that does not parse is
//! named (file and line) by every verb that reads it, and hides nothing —
//! `status --json` is still one document, `list` and `logs grep` still
//! answer, and `logs collect` still writes a bundle whose manifest names the
//! file and whose every JSON file parses. Docker and systemd are pointed at
//! sockets that do not exist, so the rest is what the daemons' absence says.

mod common;

use common::*;
use std::path::{Path, PathBuf};

/// The bad edit of the issue: a flow sequence never closed, on line 3.
const BROKEN: &str = "services:\n  porter-api:\n    image: [unclosed\n";

struct Host {
    config: Config,
    root: PathBuf,
}

impl Host {
    fn compose_file(&self) -> PathBuf {
        self.root.join("production/docker-compose-hyperbdr.yml")
    }

    fn hmctl(&self) -> assert_cmd::Command {
        let mut command = self.config.hmctl();
        command
            .env(
                "DOCKER_HOST",
                format!("unix://{}/no-docker.sock", self.root.display()),
            )
            .env(
                "DBUS_SYSTEM_BUS_ADDRESS",
                format!("unix:path={}/no-bus", self.root.display()),
            )
            .env("HMCTL_CACHE_DIR", self.root.join("cache"));
        command
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A console whose compose file is broken, with a log, and a gateway.
fn host() -> Host {
    let config = config_with(&format!(
        "{}{}",
        "[[group]]\nname = \"console\"\nproject = \"hmt-unreadable\"\nfiles = [\"@DIR@/production/docker-compose-hyperbdr.yml\"]\nlog_dir = \"@DIR@/production/logs\"\nupgrade_dir = \"@DIR@/production/venvs\"\npresent_if = [\"@DIR@/production\"]\nports = []\n\n",
        gateway_group(&["s3block"])
    ));
    let root = config.dir.path().to_path_buf();
    let host = Host { config, root };
    write(&host.compose_file(), BROKEN);
    write(
        &host.root.join("production/logs/porter/porter-api.log"),
        "2026-12-04 10:00:00 ERROR porter-api lost its database\n",
    );
    host
}

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn status_names_the_file_and_its_line_in_one_json_document_and_is_not_a_usage_error() {
    let host = host();
    let output = host.hmctl().args(["--json", "status"]).output().unwrap();
    let document: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("not one JSON document ({error}): {}", stderr_of(&output)));
    assert_eq!(output.status.code(), Some(4), "the daemons are absent");
    let errors = document["errors"].as_array().unwrap();
    let file = host.compose_file().display().to_string();
    let entry = errors
        .iter()
        .find(|error| error["file"] == file.as_str())
        .unwrap_or_else(|| panic!("no entry for {file} in {errors:?}"));
    assert_eq!(entry["backend"], "compose");
    assert_eq!(entry["group"], "console");
    let message = entry["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!(
            "group console is read without its compose file: invalid compose file {file}: line 3 column 12: "
        )),
        "{message}"
    );
    assert_eq!(
        entry["hint"].as_str().unwrap(),
        format!("fix {file}; `docker compose -f {file} config` shows what is wrong")
    );
    assert!(
        errors.iter().any(|error| error["backend"] == "systemd"),
        "the gateway's absent systemd is said too: {errors:?}"
    );
    assert!(
        document["services"]
            .as_array()
            .unwrap()
            .iter()
            .any(|row| row["name"] == "s3block"),
        "the gateway's unit is still a row: {document:#}"
    );

    let human = host.hmctl().arg("status").output().unwrap();
    assert_eq!(human.status.code(), Some(4));
    let stderr = stderr_of(&human);
    assert!(
        stderr.contains(&format!(
            "error: group console is read without its compose file: invalid compose file {file}: line 3 column 12: "
        )) && stderr.contains(&format!(
                "hint: fix {file}; `docker compose -f {file} config` shows what is wrong"
            )),
        "{stderr}"
    );
}

#[test]
fn list_and_logs_still_answer_and_name_the_file() {
    let host = host();
    let file = host.compose_file().display().to_string();
    let list = host.hmctl().args(["--json", "list"]).output().unwrap();
    assert_eq!(list.status.code(), Some(0), "{}", stderr_of(&list));
    let document: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(document["errors"][0]["file"], file.as_str());
    assert!(
        stderr_of(&list).contains(&format!(
            "warning: group console is read without its compose file: invalid compose file {file}: "
        )),
        "{}",
        stderr_of(&list)
    );
    assert!(
        document["services"]
            .as_array()
            .unwrap()
            .iter()
            .any(|row| row["name"] == "s3block"),
        "{document:#}"
    );

    let grep = host
        .hmctl()
        .args(["logs", "grep", "lost its database"])
        .output()
        .unwrap();
    assert_eq!(grep.status.code(), Some(0), "{}", stderr_of(&grep));
    assert!(String::from_utf8_lossy(&grep.stdout).contains("porter-api.log:1:"));
    let tail = host.hmctl().args(["logs", "porter-api"]).output().unwrap();
    assert_eq!(tail.status.code(), Some(0), "{}", stderr_of(&tail));
}

/// Runs `logs collect` on the host and unpacks the bundle: its directory,
/// and every file in it (path, text).
fn collected(host: &Host) -> (tempfile::TempDir, PathBuf, Vec<(PathBuf, String)>) {
    let output_dir = tempfile::tempdir().unwrap();
    let bundle = output_dir.path().join("bundle.tar.gz");
    let output = host
        .hmctl()
        .args(["logs", "collect", "-o"])
        .arg(&bundle)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let untar = std::process::Command::new("tar")
        .arg("-xzf")
        .arg(&bundle)
        .arg("-C")
        .arg(output_dir.path())
        .status()
        .unwrap();
    assert!(untar.success());
    let root = output_dir.path().join("bundle");
    let mut files = Vec::new();
    let mut pending = vec![root.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let text = std::fs::read_to_string(&path).unwrap();
                files.push((path, text));
            }
        }
    }
    (output_dir, root, files)
}

#[test]
fn logs_collect_writes_a_bundle_whose_manifest_names_the_unreadable_file() {
    let host = host();
    let file = host.compose_file().display().to_string();
    let (_kept, root, files) = collected(&host);
    let mut json_files = 0;
    for (path, text) in &files {
        if path
            .extension()
            .is_some_and(|extension| extension == "json")
        {
            serde_json::from_str::<serde_json::Value>(text)
                .unwrap_or_else(|error| panic!("{} is not JSON ({error}): {text}", path.display()));
            json_files += 1;
        }
    }
    assert!(json_files >= 2, "status.json and manifest.json at least");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("manifest.json")).unwrap())
            .unwrap();
    let unread = manifest["unread"].as_array().unwrap();
    assert!(
        unread.iter().any(|line| {
            let line = line.as_str().unwrap();
            line.contains(&format!("invalid compose file {file}: line 3 column 12: "))
        }),
        "{unread:?}"
    );
    assert!(
        root.join("console/logs/porter/porter-api.log").exists(),
        "the logs are in the bundle"
    );
    assert!(
        root.join("console/compose/docker-compose-hyperbdr.yml")
            .exists(),
        "the broken file itself is in the bundle, for support to read"
    );
    let status: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("status.json")).unwrap()).unwrap();
    assert!(
        status["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|error| error["file"] == file.as_str()),
        "{status:#}"
    );
}

#[test]
fn a_target_only_the_broken_file_may_declare_is_refused_naming_the_file() {
    let host = host();
    let file = host.compose_file().display().to_string();
    for verb in ["restart", "status"] {
        let output = host.hmctl().args([verb, "porter-api"]).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{verb}");
        let stderr = stderr_of(&output);
        assert!(
            stderr.starts_with(&format!(
                "error: porter-api cannot be found (nothing was changed): group console is read without its compose file: invalid compose file {file}: line 3 column 12: "
            )) && stderr.contains(&format!(
                "hint: fix {file}; `docker compose -f {file} config` shows what is wrong"
            )),
            "{verb}: {stderr}"
        );
    }
}

#[test]
fn an_upgrade_of_the_group_is_refused_before_anything_is_staged() {
    let host = host();
    let file = host.compose_file().display().to_string();
    write(&host.root.join("production/venvs/porter/version"), "1\n");
    let package = host.root.join("package");
    write(&package.join("porter/version"), "2\n");
    let output = host
        .hmctl()
        .args(["upgrade", "--group", "console", "--yes"])
        .arg(&package)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_of(&output);
    assert!(
        stderr.starts_with(&format!(
            "error: the services of group console are not known (nothing was changed): invalid compose file {file}: line 3 column 12: "
        )),
        "{stderr}"
    );
    let live: Vec<_> = std::fs::read_dir(host.root.join("production"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".hmctl"))
        .collect();
    assert!(live.is_empty(), "nothing staged: {live:?}");
    assert_eq!(
        std::fs::read_to_string(host.root.join("production/venvs/porter/version")).unwrap(),
        "1\n"
    );
}

#[test]
fn a_secret_on_the_broken_line_stays_out_of_the_bundle() {
    let host = host();
    write(
        &host.compose_file(),
        "services:\n  mysql:\n    environment:\n      MYSQL_ROOT_PASSWORD: [Zq8sUperSecretPw\n",
    );
    let (_kept, _root, files) = collected(&host);
    for (path, text) in &files {
        assert!(
            !text.contains("Zq8sUperSecretPw"),
            "the secret is in {}",
            path.display()
        );
    }
    let manifest = &files
        .iter()
        .find(|(path, _)| path.ends_with("manifest.json"))
        .unwrap()
        .1;
    assert!(manifest.contains("MYSQL_ROOT_PASSWORD: ***"), "{manifest}");
}
