//! A fleet of 12 real hosts on this machine — systemd containers from the
//! sandbox's image with the freshly built .deb installed by dpkg — driven by
//! Ansible through the community.docker.docker connection and watched by a
//! real prometheus (one node_exporter per host's textfile directory, which
//! each host's own hmctl-metrics.timer fills). Tools: tests/fleet/tools.sh.

mod common;
mod prometheus;

use common::skip_without_sandbox;
use prometheus::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const GATEWAYS: [&str; 8] = [
    "gw-01", "gw-02", "gw-03", "gw-04", "gw-05", "gw-06", "gw-07", "gw-08",
];
const AGENTS: [&str; 4] = ["ag-01", "ag-02", "ag-03", "ag-04"];
/// The gateway whose s3block will not come back from a restart.
const BROKEN: &str = "gw-05";

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Removes the fleet's containers when the test ends, however it ends.
struct Fleet;

impl Drop for Fleet {
    fn drop(&mut self) {
        let _ = Command::new(repository().join("tests/fleet/fleet.sh"))
            .arg("down")
            .status();
    }
}

fn run(command: &mut Command) -> String {
    let output = command.output().expect("run");
    assert!(
        output.status.success(),
        "{command:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

fn on_host(host: &str, command: &str) -> String {
    run(Command::new("docker").args(["exec", &format!("hmt-fleet-{host}"), "sh", "-c", command]))
}

fn main_pid(host: &str, unit: &str) -> String {
    on_host(host, &format!("systemctl show -p MainPID --value {unit}"))
}

/// The .deb to install: $HMCTL_FLEET_DEB, else one cargo-deb makes now from
/// the debug build of this test run (packaging/build's release package may be
/// being written by the packaging test at the same moment).
fn package(work: &Path) -> PathBuf {
    if let Some(path) = std::env::var_os("HMCTL_FLEET_DEB") {
        return PathBuf::from(path);
    }
    run(Command::new("cargo")
        .current_dir(repository())
        .args([
            "deb",
            "--no-build",
            "--profile",
            "dev",
            "--fast",
            "--quiet",
            "-o",
        ])
        .arg(work));
    std::fs::read_dir(work)
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|extension| extension == "deb"))
        .expect("cargo deb made a .deb")
}

fn inventory(work: &Path) -> PathBuf {
    let mut text = String::from(
        "all:\n  vars:\n    ansible_connection: community.docker.docker\n    ansible_python_interpreter: /usr/bin/python3\n  children:\n",
    );
    for (group, hosts) in [("gateways", &GATEWAYS[..]), ("agents", &AGENTS[..])] {
        text.push_str(&format!("    {group}:\n      hosts:\n"));
        for host in hosts {
            text.push_str(&format!(
                "        {host}: {{ansible_host: hmt-fleet-{host}}}\n"
            ));
        }
    }
    let path = work.join("inventory.yml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs a playbook with the JSON callback: exit code and the document.
fn playbook(work: &Path, playbook: &str, extra: &[&str]) -> (i32, Value, Duration) {
    let venv = std::env::var("HMCTL_ANSIBLE_VENV")
        .unwrap_or_else(|_| "/var/cache/hmctl-sandbox/fleet/ansible-10.7.0".into());
    let started = Instant::now();
    let output = Command::new(Path::new(&venv).join("bin/ansible-playbook"))
        .current_dir(work)
        .env(
            "ANSIBLE_COLLECTIONS_PATH",
            repository().join("packaging/ansible"),
        )
        .env("ANSIBLE_STDOUT_CALLBACK", "json")
        .env("ANSIBLE_FORKS", "12")
        .env("ANSIBLE_PIPELINING", "True")
        // The connection's `docker exec` may be slow to start on a loaded
        // machine (12 systemd hosts beside the other tests): 60 s, not 10.
        .env("ANSIBLE_TIMEOUT", "60")
        .env("ANSIBLE_LOCAL_TEMP", work.join("ansible-tmp"))
        .env("ANSIBLE_HOME", work.join("ansible-home"))
        .arg("-i")
        .arg(inventory(work))
        .args(extra)
        .arg(playbook)
        .output()
        .expect("ansible-playbook");
    let elapsed = started.elapsed();
    let document = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "no JSON from ansible-playbook ({error}): {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap_or(-1), document, elapsed)
}

/// host -> result of the task named `task`, over every play.
fn results<'a>(document: &'a Value, task: &str) -> Vec<(String, &'a Value)> {
    let mut found = Vec::new();
    for play in document["plays"].as_array().unwrap() {
        for entry in play["tasks"].as_array().unwrap() {
            if entry["task"]["name"] == task {
                for (host, result) in entry["hosts"].as_object().unwrap() {
                    found.push((host.clone(), result));
                }
            }
        }
    }
    found.sort_by(|left, right| left.0.cmp(&right.0));
    found
}

/// What failed in a playbook's document, host by host: the task, ansible's
/// flags and hmctl's message, hint, exit code and stderr — not the whole
/// document, whose size hides the one line that matters.
fn failures(document: &Value) -> String {
    let mut lines = Vec::new();
    for play in document["plays"].as_array().into_iter().flatten() {
        for entry in play["tasks"].as_array().into_iter().flatten() {
            for (host, result) in entry["hosts"].as_object().into_iter().flatten() {
                if result["failed"] == true || result["unreachable"] == true {
                    lines.push(format!(
                        "{host} / {}: failed={} unreachable={} rc={} msg={} hint={} stderr={} cmd={}",
                        entry["task"]["name"],
                        result["failed"],
                        result["unreachable"],
                        result["rc"],
                        result["msg"],
                        result["hint"],
                        result["stderr"],
                        result["cmd"],
                    ));
                }
            }
        }
    }
    format!(
        "playbook failed on {} host(s):\n{}\nstats: {}",
        lines.len(),
        lines.join("\n"),
        document["stats"]
    )
}

fn write_playbook(work: &Path, name: &str, text: &str) -> String {
    std::fs::write(work.join(name), text).unwrap();
    name.to_string()
}

const FACTS: &str = "- hosts: all\n  gather_facts: false\n  tasks:\n    - name: facts\n      hypermotion.hmctl.hmctl_info:\n";

const ACT: &str = r"- hosts: agents
  gather_facts: false
  tasks:
    - name: start the agent
      hypermotion.hmctl.hmctl_service: {name: egisplus-agent, state: started, timeout: 20}
- hosts: gateways
  gather_facts: false
  tasks:
    - name: restart s3block
      hypermotion.hmctl.hmctl_service: {name: s3block, state: restarted, timeout: 20}
";

#[test]
fn a_fleet_is_watched_by_prometheus_and_driven_by_ansible() {
    if skip_without_sandbox() {
        return;
    }
    common::sandbox();
    let work = tempfile::Builder::new()
        .prefix("hmt-fleet-")
        .tempdir()
        .unwrap();
    let work = work.path();
    let deb = package(work);
    let _fleet = Fleet;
    let hosts: Vec<&str> = GATEWAYS.iter().chain(AGENTS.iter()).copied().collect();
    run(Command::new(repository().join("tests/fleet/fleet.sh"))
        .args([
            "up",
            &work.display().to_string(),
            &deb.display().to_string(),
        ])
        .args(&hosts));
    // Known states: the agent runs on ag-01 and ag-02 only; the exporter fails
    // on every agent (the image's); gw-05's s3block runs but cannot restart.
    for host in ["ag-01", "ag-02"] {
        on_host(host, "systemctl start egisplus-agent");
    }
    on_host(
        BROKEN,
        "mkdir -p /etc/systemd/system/s3block.service.d && printf '[Service]\\nExecStartPre=/bin/false\\n' >/etc/systemd/system/s3block.service.d/broken.conf && systemctl daemon-reload",
    );
    // The timer may have written each host's textfile before the states
    // above were set: have every host's hmctl-metrics write it again now (the
    // package's own service, started as its timer starts it).
    for host in &hosts {
        on_host(host, "systemctl start hmctl-metrics.service");
    }

    facts_from_every_host(work);
    prometheus_sees_the_fleet(work, &hosts);
    check_mode_predicts_and_changes_nothing_then_the_rolling_restart_stops_at_the_broken_batch(
        work,
    );
}

fn facts_from_every_host(work: &Path) {
    let name = write_playbook(work, "facts.yml", FACTS);
    let (code, document, elapsed) = playbook(work, &name, &[]);
    assert_eq!(code, 0, "{}", failures(&document));
    let facts = results(&document, "facts");
    assert_eq!(facts.len(), 12, "{document:#}");
    eprintln!(
        "fleet: hmctl_info on 12 hosts in {:.2} s ({:.0} ms per host, 12 forks)",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / 12.0
    );
    for (host, result) in facts {
        let status = &result["ansible_facts"]["hmctl_status"];
        assert_eq!(status["host"], host.as_str(), "{result:#}");
        assert_eq!(result["changed"], false);
        let state = |service: &str| {
            status["services"]
                .as_array()
                .unwrap()
                .iter()
                .find(|row| row["name"] == service)
                .map(|row| row["state"].as_str().unwrap_or("").to_string())
                .unwrap_or_else(|| panic!("{host}: no {service} in {status:#}"))
        };
        if host.starts_with("gw-") {
            assert_eq!(
                (state("s3block"), state("watchman"), state("hyper_exporter")),
                ("running".into(), "running".into(), "running".into()),
                "{host}"
            );
            assert_eq!(status["ok"], true, "{host}: {status:#}");
        } else {
            let agent = if host == "ag-01" || host == "ag-02" {
                "running"
            } else {
                "stopped"
            };
            assert_eq!(
                (state("egisplus-agent"), state("hyper_exporter")),
                (agent.to_string(), "failed".to_string()),
                "{host}"
            );
            assert_eq!(result["exit_code"], 3);
        }
    }
}

fn prometheus_sees_the_fleet(work: &Path, hosts: &[&str]) {
    let mut exporters = Vec::new();
    let mut targets = Vec::new();
    for host in hosts {
        let directory = work.join("textfiles").join(host);
        // Written by the host's own hmctl-metrics (started by the package's postinst).
        common::wait_for(
            Duration::from_secs(60),
            "hmctl-metrics.timer to write",
            || {
                if directory.join("hmctl.prom").exists() {
                    Ok(())
                } else {
                    Err(format!(
                        "{host}: {}",
                        on_host(
                            host,
                            "systemctl status hmctl-metrics.timer hmctl-metrics.service --no-pager 2>&1 || true"
                        )
                    ))
                }
            },
        );
        assert_eq!(
            on_host(host, "systemctl is-enabled hmctl-metrics.timer"),
            "enabled"
        );
        let exporter = node_exporter(&directory, work);
        targets.push((exporter.port, host.to_string()));
        exporters.push(exporter);
    }
    let server = prometheus(&targets, work);
    let promql = "count by (service) (hmctl_service_up == 0)";
    let expected = vec![
        ("egisplus-agent".to_string(), "2".to_string()),
        ("hyper_exporter".to_string(), "4".to_string()),
    ];
    // Until every host's fresh textfile has been scraped; a wrong figure that
    // never turns right fails with what prometheus answered last.
    common::wait_for(
        Duration::from_secs(60),
        "the fleet's state in prometheus",
        || {
            let up = query(&server, "count(up == 1) and count(hmctl_build_info) == 12")?;
            if up.is_empty() {
                return Err(format!("not every host yet\n{}", server.log_text()));
            }
            let down = by_service(&query(&server, promql)?);
            if down == expected {
                Ok(())
            } else {
                Err(format!("{promql} answers {down:?}, not {expected:?}"))
            }
        },
    );
    let started = Instant::now();
    query(&server, promql).unwrap();
    let latency = started.elapsed();
    // Said, not asserted: on a loaded CI machine any bound is a coin toss.
    eprintln!(
        "fleet: `{promql}` over 12 hosts answered in {:.1} ms",
        latency.as_secs_f64() * 1000.0
    );
    let series = query(&server, "count({__name__=~\"hmctl_.+\"})").unwrap();
    eprintln!("fleet: {} hmctl series for 12 hosts", series[0]["value"][1]);
}

fn changed_by_host(document: &Value, task: &str) -> Vec<(String, bool)> {
    results(document, task)
        .into_iter()
        .map(|(host, result)| (host, result["changed"] == true))
        .collect()
}

fn check_mode_predicts_and_changes_nothing_then_the_rolling_restart_stops_at_the_broken_batch(
    work: &Path,
) {
    let before: Vec<(&str, String)> = GATEWAYS
        .iter()
        .map(|host| (*host, main_pid(host, "s3block")))
        .collect();
    let name = write_playbook(work, "act.yml", ACT);
    let (code, checked, _) = playbook(work, &name, &["--check"]);
    assert_eq!(code, 0, "{}", failures(&checked));
    let predicted_agents = changed_by_host(&checked, "start the agent");
    assert_eq!(
        predicted_agents,
        vec![
            ("ag-01".into(), false),
            ("ag-02".into(), false),
            ("ag-03".into(), true),
            ("ag-04".into(), true)
        ]
    );
    for (host, result) in results(&checked, "restart s3block") {
        assert_eq!(result["changed"], true, "{host}");
        assert_eq!(
            result["plan"]["steps"][0]["action"], "restart",
            "{result:#}"
        );
        assert!(result["results"].is_null());
    }
    for (host, pid) in &before {
        assert_eq!(
            &main_pid(host, "s3block"),
            pid,
            "check mode restarted s3block on {host}"
        );
    }
    for host in ["ag-03", "ag-04"] {
        assert_eq!(
            on_host(host, "systemctl is-active egisplus-agent || true"),
            "inactive",
            "check mode started the agent on {host}"
        );
    }

    // The real run of the agents' part does what check mode said.
    let agents_only = write_playbook(
        work,
        "agents.yml",
        ACT.split("- hosts: gateways").next().unwrap(),
    );
    let (code, real, _) = playbook(work, &agents_only, &[]);
    assert_eq!(code, 0, "{}", failures(&real));
    assert_eq!(changed_by_host(&real, "start the agent"), predicted_agents);

    // The collection's own example: health table, then the rolling restart.
    let (code, rolled, _) = playbook(work, "hypermotion.hmctl.fleet", &[]);
    assert_ne!(code, 0, "the broken batch fails the play: {rolled:#}");
    let table = results(&rolled, "Print one line per host");
    assert_eq!(table.len(), 1, "run once");
    let lines: Vec<String> = table[0].1["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["msg"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(lines.len(), 12, "{lines:?}");
    assert!(
        lines.iter().any(|line| line.starts_with("ag-03")
            && line.contains("DOWN")
            && line.contains("hyper_exporter")),
        "{lines:?}"
    );
    let restarted = results(&rolled, "Restart s3block and wait until it is healthy");
    let ran: Vec<&str> = restarted.iter().map(|(host, _)| host.as_str()).collect();
    assert_eq!(
        ran,
        ["gw-01", "gw-02", "gw-03", "gw-04", "gw-05", "gw-06"],
        "batches of 3 up to the broken one: {restarted:#?}"
    );
    for (host, result) in &restarted {
        if host == BROKEN {
            assert_eq!(result["failed"], true, "{result:#}");
            assert_eq!(result["rc"], 1, "{result:#}");
            assert!(
                result["msg"].as_str().unwrap().contains("s3block"),
                "{result:#}"
            );
            // hmctl's words, and its hint field (empty: hmctl gives none for a failed job).
            assert!(
                result["msg"].as_str().unwrap().contains("did not restart"),
                "{result:#}"
            );
            assert!(result["hint"].is_string(), "{result:#}");
        } else {
            assert_eq!(result["changed"], true, "{host}: {result:#}");
            assert_eq!(result["acted"], serde_json::json!(["s3block"]));
        }
    }
    for (host, pid) in &before {
        let now = main_pid(host, "s3block");
        match *host {
            "gw-07" | "gw-08" => {
                assert_eq!(&now, pid, "{host} is after the failing batch: untouched");
            }
            BROKEN => {}
            _ => assert_ne!(&now, pid, "{host} was restarted"),
        }
    }
}

/// The collection as the Ansible collection guidelines check it. ansible-test
/// makes a venv per sanity test and fills it from PyPI (cached under
/// ~/.ansible/test after the first run; tests/fleet/tools.sh provides its
/// pip bootstrap, whose usual host this machine cannot reach).
#[test]
fn the_collection_passes_ansible_test_sanity() {
    if skip_without_sandbox() {
        return;
    }
    let venv = PathBuf::from(
        std::env::var("HMCTL_ANSIBLE_VENV")
            .unwrap_or_else(|_| "/var/cache/hmctl-sandbox/fleet/ansible-10.7.0".into()),
    );
    let copy = tempfile::tempdir().unwrap();
    let collection = copy.path().join("ansible_collections/hypermotion/hmctl");
    std::fs::create_dir_all(collection.parent().unwrap()).unwrap();
    run(Command::new("cp")
        .arg("-a")
        .arg(repository().join("packaging/ansible/ansible_collections/hypermotion/hmctl"))
        .arg(&collection));
    let _ = std::fs::remove_dir_all(collection.join("tests/output"));
    let python = run(Command::new(venv.join("bin/python"))
        .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"]));
    let path = format!(
        "{}:{}",
        venv.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new(venv.join("bin/ansible-test"))
        .current_dir(&collection)
        .env("PATH", path)
        .args(["sanity", "--requirements", "--python", &python])
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{said}");
    assert!(
        said.contains("Running sanity test \"validate-modules\""),
        "{said}"
    );
}

/// mysql and porter-api, which needs it: the world of the module's ok-to-stop test.
const NEEDS_MYSQL: &str = "services:\n  mysql:\n    @BASE@\n    command: @SLEEPER@\n    restart: always\n  porter-api:\n    @BASE@\n    command: @SLEEPER@\n    restart: always\n    depends_on: [mysql]\n";

/// Three stops of mysql by hmctl_service on this machine (connection local):
/// refused in check mode, planned with its dependents in check mode, forced.
const STOPS: &str = r"- hosts: localhost
  connection: local
  gather_facts: false
  vars: {ansible_python_interpreter: '@PYTHON@'}
  module_defaults:
    hypermotion.hmctl.hmctl_service: {hmctl_path: '@HMCTL@', config: '@CONFIG@'}
  tasks:
    - name: stop mysql
      hypermotion.hmctl.hmctl_service: {name: mysql, state: stopped}
      check_mode: true
      ignore_errors: true
    - name: stop mysql with its dependents
      hypermotion.hmctl.hmctl_service: {name: mysql, state: stopped, with_dependents: true}
      check_mode: true
";

/// The forced stop, for real (the same play's header as [`STOPS`]).
const FORCED: &str = r"    - name: stop mysql alone
      hypermotion.hmctl.hmctl_service: {name: mysql, state: stopped, force: true, timeout: 5}
";

#[test]
fn the_module_reports_a_refused_stop_in_check_mode_without_acting() {
    if skip_without_sandbox() {
        return;
    }
    use common::{Project, config_with, console_group, row, status_json, wait_until_all_ok};
    let project = Project::new(
        "oks-ansible",
        &[("docker-compose-hyperbdr.yml", NEEDS_MYSQL)],
    );
    project.compose(&["up", "-d"]);
    let config = config_with(&console_group(&project));
    wait_until_all_ok(&config, "mysql and porter-api to run");
    let venv = PathBuf::from(
        std::env::var("HMCTL_ANSIBLE_VENV")
            .unwrap_or_else(|_| "/var/cache/hmctl-sandbox/fleet/ansible-10.7.0".into()),
    );
    let work = tempfile::Builder::new()
        .prefix("hmt-oks-ansible-")
        .tempdir()
        .unwrap();
    let work = work.path();
    let text = STOPS
        .replace("@PYTHON@", &venv.join("bin/python").display().to_string())
        .replace(
            "@HMCTL@",
            &assert_cmd::cargo::cargo_bin("hmctl").display().to_string(),
        )
        .replace("@CONFIG@", &config.path.display().to_string());
    let run_local = |name: &str, text: &str| -> Value {
        let name = write_playbook(work, name, text);
        let output = Command::new(venv.join("bin/ansible-playbook"))
            .current_dir(work)
            .env(
                "ANSIBLE_COLLECTIONS_PATH",
                repository().join("packaging/ansible"),
            )
            .env("ANSIBLE_STDOUT_CALLBACK", "json")
            .env("ANSIBLE_LOCAL_TEMP", work.join("ansible-tmp"))
            .env("ANSIBLE_HOME", work.join("ansible-home"))
            .env("ANSIBLE_LOCALHOST_WARNING", "False")
            .env("HMCTL_LOCK_FILE", config.dir.path().join("hmctl.lock"))
            .env("HMCTL_STATE_DIR", config.dir.path().join("state"))
            .env("HMCTL_DAEMON_TIMEOUT", common::PATIENT_DAEMON_TIMEOUT)
            .args(["-i", "localhost,", &name])
            .output()
            .expect("ansible-playbook");
        serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
            panic!(
                "no JSON from ansible-playbook ({error}): {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
        })
    };
    let document = run_local("stops.yml", &text);
    let task = |name: &str| results(&document, name)[0].1.clone();

    let refused = task("stop mysql");
    assert_eq!(refused["failed"], true, "{refused:#}");
    assert_eq!(refused["rc"], 2, "{refused:#}");
    assert_eq!(
        refused["msg"],
        "not stopping mysql: running services need it (porter-api needs mysql); nothing was changed"
    );
    assert!(
        refused["hint"]
            .as_str()
            .unwrap()
            .contains("`hmctl stop --force mysql`"),
        "{refused:#}"
    );
    let verdict = serde_json::json!({
        "schema": 1,
        "safe": false,
        "stopping": ["mysql"],
        "dependents": [{"service": "porter-api", "group": "console", "needs": ["mysql"]}]
    });
    assert_eq!(refused["verdict"], verdict);

    let planned = task("stop mysql with its dependents");
    assert_eq!(planned["changed"], true, "{planned:#}");
    assert_eq!(planned["acted"], serde_json::json!(["porter-api", "mysql"]));
    assert!(planned["results"].is_null());
    assert_eq!(planned["verdict"], verdict);
    let (_, document_now) = status_json(&config, &[]);
    for service in ["mysql", "porter-api"] {
        assert_eq!(
            row(&document_now, service)["state"],
            "running",
            "check mode acted"
        );
    }

    let header = text.split("  tasks:\n").next().unwrap();
    let document = run_local("forced.yml", &format!("{header}  tasks:\n{FORCED}"));
    let forced = results(&document, "stop mysql alone")[0].1.clone();
    assert_eq!(forced["changed"], true, "{forced:#}");
    assert_eq!(forced["acted"], serde_json::json!(["mysql"]));
    assert!(forced["verdict"].is_null(), "force asks no verdict");
    let (_, document_now) = status_json(&config, &[]);
    assert_eq!(row(&document_now, "mysql")["state"], "exited");
    assert_eq!(row(&document_now, "porter-api")["state"], "running");
}
