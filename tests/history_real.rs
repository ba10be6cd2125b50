//! `hmctl history` after real runs against the real dockerd: an operator's
//! restart under sudo (who, result, the journal datagrams), a restart killed
//! with -9 (running while it holds the lock, then "did not finish"), and a
//! history that cannot be written (the restart still happens).

mod common;
mod venv_world;

use common::*;
use std::os::unix::net::UnixDatagram;
use std::time::Duration;

/// A project of one running service, `plain`, and a config whose console it is.
fn world(test: &str) -> (Project, Config) {
    sandbox();
    let project = plain_project(test);
    let config = config_with(&console_group(&project));
    (project, config)
}

fn history_json(config: &Config, args: &[&str]) -> serde_json::Value {
    let output = config
        .hmctl()
        .args(["--json", "history"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn an_operators_restart_under_sudo_names_them_and_the_result() {
    if skip_without_sandbox() {
        return;
    }
    let (_project, config) = world("history-sudo");
    let socket_path = config.dir.path().join("journal.socket");
    let journal = UnixDatagram::bind(&socket_path).unwrap();
    journal
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let output = config
        .hmctl()
        .env("SUDO_USER", "alice")
        .env("SSH_CONNECTION", "10.0.0.5 51234 10.0.0.9 22")
        .env("HMCTL_JOURNAL_SOCKET", &socket_path)
        .args(["restart", "plain"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let document = history_json(&config, &["plain"]);
    let run = &document["runs"][0];
    assert_eq!(run["who"], "alice");
    assert!(
        run["from"].as_str().unwrap().starts_with("ssh 10.0.0.5"),
        "{run}"
    );
    assert_eq!(
        run["command"]
            .as_str()
            .unwrap()
            .split(' ')
            .skip(3)
            .collect::<Vec<_>>(),
        ["restart", "plain"]
    );
    assert_eq!(run["standing"], "finished");
    assert_eq!(run["exit_code"], 0);
    assert_eq!(run["steps"][0], "restart plain");
    assert_eq!(run["results"][0]["name"], "plain");
    assert_eq!(run["results"][0]["result"], "done");
    let table = config.hmctl().arg("history").output().unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains(" alice ") && text.contains("exit 0: done: plain"),
        "{text}"
    );
    let mut received = Vec::new();
    for _ in 0..2 {
        let mut buffer = vec![0u8; 8192];
        let length = journal.recv(&mut buffer).unwrap();
        received.push(String::from_utf8_lossy(&buffer[..length]).into_owned());
    }
    assert!(
        received[0].contains("SYSLOG_IDENTIFIER=hmctl\n"),
        "{received:?}"
    );
    assert!(
        received[0].contains("HMCTL_RECORD=began\n") && received[0].contains("HMCTL_USER=alice\n")
    );
    assert!(received[1].contains("HMCTL_RECORD=ended\n") && received[1].contains("HMCTL_EXIT=0\n"));
    assert!(
        received[1].contains("MESSAGE=alice (ssh 10.0.0.5"),
        "{received:?}"
    );
}

#[test]
fn a_restart_killed_with_9_is_running_then_did_not_finish() {
    if skip_without_sandbox() {
        return;
    }
    let (_project, config) = world("history-kill");
    let mut command = config.spawn_command();
    command.env("SUDO_USER", "alice").args(["restart", "plain"]);
    let mut restart = paused_at(command, "began");
    let document = history_json(&config, &[]);
    assert_eq!(document["runs"][0]["standing"], "running", "{document}");
    assert_eq!(document["runs"][0]["who"], "alice");
    restart.kill().unwrap();
    restart.wait().unwrap();
    let table = config.hmctl().args(["history", "plain"]).output().unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains(" alice ") && text.contains("did not finish"),
        "{text}"
    );
    let document = history_json(&config, &[]);
    assert_eq!(document["runs"][0]["standing"], "did-not-finish");
    assert_eq!(document["runs"][0]["exit_code"], serde_json::Value::Null);
}

#[test]
fn a_history_that_cannot_be_written_does_not_stop_the_restart() {
    if skip_without_sandbox() {
        return;
    }
    let (project, config) = world("history-unwritable");
    let before = started_at(&project, "plain");
    // A file where the state directory should be: nothing can be recorded.
    let state = config.dir.path().join("state");
    std::fs::write(&state, "not a directory").unwrap();
    let output = config.hmctl().args(["restart", "plain"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_ne!(started_at(&project, "plain"), before, "plain was restarted");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "warning: cannot record this run in the history {}/history.jsonl: ",
            state.display()
        )) && stderr.contains("; the operation went ahead\n"),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("cannot record this run").count(),
        1,
        "{stderr}"
    );
}

/// The collection's modules run hmctl through `run_hmctl`; its history says "ansible".
#[test]
fn a_restart_by_the_ansible_collection_is_from_ansible() {
    if skip_without_sandbox() {
        return;
    }
    let (_project, config) = world("history-ansible");
    let module_utils = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("packaging/ansible/ansible_collections/hypermotion/hmctl/plugins/module_utils");
    // A stand-in for AnsibleModule: run_command runs the argv with the
    // environment update, as Ansible's does.
    let script = r"
import os, subprocess, sys
sys.path.insert(0, sys.argv[1])
import hmctl
class Module:
    params = dict(hmctl_path=sys.argv[2], config=sys.argv[3])
    def get_bin_path(self, path, required=False):
        return path
    def run_command(self, command, environ_update=None):
        done = subprocess.run(command, env=dict(os.environ, **(environ_update or {})), capture_output=True, text=True)
        return done.returncode, done.stdout, done.stderr
code, document, stderr, command = hmctl.run_hmctl(Module(), ['restart', 'plain'])
sys.exit(code)
";
    let output = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&module_utils)
        .arg(assert_cmd::cargo::cargo_bin("hmctl"))
        .arg(&config.path)
        .env("HMCTL_LOCK_FILE", config.dir.path().join("hmctl.lock"))
        .env("HMCTL_STATE_DIR", config.dir.path().join("state"))
        .env_remove("SSH_CONNECTION")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let document = history_json(&config, &[]);
    // An SSH client of the test runner's own may follow ("ansible ssh ...").
    let from = document["runs"][0]["from"].as_str().unwrap_or_default();
    assert!(from.starts_with("ansible"), "{document}");
    assert_eq!(document["runs"][0]["exit_code"], 0);
}

/// A console whose porter-api runs from venvs/porter (version "old";
/// unicloud-engine from venvs/unicloud), and a package that brings porter's
/// version "new".
fn upgradable(test: &str) -> (Project, Config, std::path::PathBuf) {
    sandbox();
    let module = |dir: &std::path::Path, version: &str| {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("version"), version).unwrap();
        std::fs::write(dir.join("healthy"), "yes").unwrap();
    };
    let (project, config) = upgrade_console(test, venv_world::CONSOLE, |venvs| {
        module(&venvs.join("porter"), "old");
        module(&venvs.join("unicloud"), "old");
    });
    let package = project.path().join("package/installer/venvs");
    module(&package.join("porter"), "new");
    (project, config, package)
}

#[test]
fn an_upgrade_keeps_its_package_and_backup_in_the_history() {
    if skip_without_sandbox() {
        return;
    }
    let (_project, config, package) = upgradable("history-upgrade");
    let output = config
        .hmctl()
        .env("SUDO_USER", "alice")
        .args(["upgrade", "--yes", "--timeout", "20"])
        .arg(&package)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let document = history_json(&config, &["porter-api"]);
    let run = &document["runs"][0];
    assert_eq!(run["activity"], "upgrade", "{run}");
    assert_eq!(run["who"], "alice");
    assert_eq!(run["exit_code"], 0);
    assert_eq!(run["package"], package.display().to_string());
    let backup = run["backup"].as_str().unwrap_or_default();
    assert!(
        std::path::Path::new(backup).join("porter/version").exists(),
        "{run}"
    );
    assert_eq!(run["services"][0]["name"], "porter-api");
    assert!(
        run["steps"][0].as_str().unwrap().starts_with("replace "),
        "{run}"
    );
}

#[test]
fn an_upgrade_killed_with_9_did_not_finish_and_its_recovery_is_recorded() {
    if skip_without_sandbox() {
        return;
    }
    let (_project, config, package) = upgradable("history-upgrade-kill");
    let mut command = config.spawn_command();
    command.args(["upgrade", "--yes"]).arg(&package);
    let mut upgrade = paused_at(command, "staged");
    upgrade.kill().unwrap();
    upgrade.wait().unwrap();
    // This run recovers the interrupted upgrade first, then shows both.
    let document = history_json(&config, &[]);
    let runs = document["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2, "{document}");
    assert_eq!(runs[0]["activity"], "upgrade");
    assert_eq!(runs[0]["standing"], "did-not-finish");
    assert_eq!(runs[1]["activity"], "recovery");
    assert_eq!(runs[1]["standing"], "finished");
    assert_eq!(runs[1]["exit_code"], 0);
    assert!(
        runs[1]["summary"]
            .as_str()
            .unwrap()
            .starts_with("an interrupted upgrade of console was undone"),
        "{document}"
    );
}
