//! `hmctl diagnose` on the scenario log sets of tests/data/diagnose/, written
//! in the product's own formats (OpenStack / oslo.log on the console, Python
//! logging on the sync proxy, RabbitMQ's): the guide's two worked examples, a
//! middleware outage, an authentication failure, a full log disk and a clean
//! window. Each asserts the verdict, the first failing service and the next
//! step. Daemons are pointed nowhere, so the state part is "not asked" and
//! the answer comes from the logs alone (the state part is proven against
//! the real dockerd in status_real.rs-style tests of the backend).

mod common;

use common::*;
use serde_json::Value;
use std::path::PathBuf;

fn data(scenario: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/diagnose")
        .join(scenario)
}

/// A config whose console and sync proxy read the scenario's logs.
fn scenario_config(scenario: &str) -> Config {
    let root = data(scenario);
    let root = root.display();
    config_with(&format!(
        r#"
[[group]]
name = "console"
project = "hmt-diagnose"
files = ["{root}/console/docker-compose-hyperbdr.yml"]
log_dir = "{root}/console/logs"
present_if = ["{root}/console"]
ports = []

[[group]]
name = "sync-proxy"
project = "hmt-diagnose-hamal"
files = ["{root}/hamal/docker-compose-hamal.yaml"]
log_dir = "{root}/hamal"
present_if = ["{root}/hamal"]
"#
    ))
}

fn diagnose(scenario: &str, args: &[&str]) -> (i32, String, String) {
    let config = scenario_config(scenario);
    let output = hmctl()
        .arg("--config")
        .arg(&config.path)
        .arg("diagnose")
        .args(args)
        .env("DOCKER_HOST", "unix:///nonexistent/hmt-docker.sock")
        .env("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/hmt-bus")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn json(scenario: &str, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = diagnose(scenario, &all);
    let value =
        serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("{error}: {stdout}{stderr}"));
    (code, value)
}

fn summary(report: &Value) -> (&str, &str, &str, &str) {
    let summary = &report["summary"];
    (
        summary["side"].as_str().unwrap(),
        summary["rule"].as_str().unwrap(),
        summary["first_failing_service"].as_str().unwrap(),
        summary["next"].as_str().unwrap(),
    )
}

#[test]
fn the_guides_first_example_cinder_404_during_host_boot() {
    let (scenario, args) = SCENARIOS[0];
    let (code, report) = json(scenario, args);
    assert_eq!(code, 3);
    assert_eq!(
        summary(&report),
        (
            "target",
            "cloud-not-found",
            "unicloud-engine",
            "hmctl logs grep -F 'volume 6ec3e693-69f7-4129-a43a-16eebe74b528' unicloud-engine -C 50 --since '2025-09-18 16:14:31'"
        )
    );
    // The request followed across services: the engine failed, porter passed it on.
    let chain = &report["chains"][0];
    assert_eq!(chain["id"], "req-8f2b4c1e-2d3a-4b5c-9e7f-0a1b2c3d4e5f");
    assert_eq!(chain["failed_first"], "unicloud-engine");
    assert_eq!(report["summary"]["cross_service"], true);
    // The traceback is one event, not five; the old error in the .gz is outside the window.
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "{findings:#?}");
    assert_eq!(findings[0]["count"], 1);
    assert!(
        findings[0]["signature"]
            .as_str()
            .unwrap()
            .starts_with("Failed to attach volume <uuid> to server <uuid>")
    );
    assert!(
        report["notes"][0]
            .as_str()
            .unwrap()
            .contains("hmt-docker.sock")
    );
}

#[test]
fn the_worked_example_reads_like_the_guide() {
    let (code, text, _) = diagnose(
        "cinder-404-boot",
        &["--stage", "boot-block", "--at", "2025-09-18 16:24:31"],
    );
    assert_eq!(code, 3);
    // The verdict, the first failing service and the next step come first.
    let head: Vec<&str> = text.lines().take(3).collect();
    assert_eq!(
        head,
        [
            "Verdict: target side — Nova answered unicloud-engine: the resource does not exist, or the account cannot see it; porter-api passed it on (rule cloud-not-found)",
            "First failing: unicloud-engine at 16:24:31.123 — Failed to attach volume <uuid> to server <uuid>: Nova returned <n> calling Cinder: Volume <uuid> could not be found. (HTTP <n>) (Request-ID: <req>)",
            "Next: hmctl logs grep -F 6ec3e693-69f7-4129-a43a-16eebe74b528 unicloud-engine -C 50 --since '2025-09-18 16:14:31'",
        ],
        "{text}"
    );
    // A symptom says nothing of its own when no rule explains it.
    assert!(
        !text.contains("porter-api logged an error no rule explains"),
        "{text}"
    );
    for expected in [
        "Diagnosis of stage boot-block, 2025-09-18 16:14:31 to 2025-09-18 16:34:31 (10 minutes either side of 2025-09-18 16:24:31)",
        "  1. Nova answered unicloud-engine: the resource does not exist, or the account cannot see it; porter-api passed it on [target side, rule cloud-not-found]",
        "   ✗ unicloud-engine, 1×, at 16:24:31.123",
        "       Nova answered unicloud-engine: the resource does not exist, or the account cannot see it (rule cloud-not-found)",
        "   ↳ porter-api, 1×, at 16:24:33.415",
        "  req-8f2b4c1e-2d3a-4b5c-9e7f-0a1b2c3d4e5f: unicloud-engine → porter-api; failed first: unicloud-engine",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn the_guides_second_example_keystone_404_adding_agentless() {
    let (code, report) = json(
        "keystone-404-agentless",
        &["--stage", "install", "--at", "2025-09-18 10:02:15"],
    );
    assert_eq!(code, 3);
    assert_eq!(
        summary(&report),
        (
            "source",
            "cloud-not-found",
            "hamal",
            "hmctl logs grep -F 'The resource could not be found' hamal -C 50 --since '2025-09-18 09:52:15'"
        )
    );
    // The unhandled error keeps its traceback, whose last line says what was not found.
    let unhandled = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["sample"].as_str().unwrap().contains("Unhandled"))
        .unwrap();
    assert_eq!(unhandled["verdict"]["side"], "source");
}

#[test]
fn a_middleware_outage_is_the_product_and_names_the_middleware() {
    let (code, report) = json(
        "middleware-outage",
        &["--since", "2025-09-18 14:00", "--until", "2025-09-18 14:30"],
    );
    assert_eq!(code, 3);
    assert_eq!(
        summary(&report),
        (
            "product",
            "middleware-unreachable",
            "rabbitmq",
            "hmctl restart rabbitmq"
        )
    );
    // The same refusal from two services is one signature; four services fail through it.
    let refused: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["verdict"]["rule"] == "middleware-unreachable")
        .collect();
    assert_eq!(refused[0]["count"], 3);
    assert_eq!(
        refused[0]["services"],
        serde_json::json!(["porter-api", "unicloud-api"])
    );
    let services: Vec<&Value> = refused
        .iter()
        .flat_map(|finding| finding["services"].as_array().unwrap())
        .collect();
    assert_eq!(services.len(), 4);
    assert!(refused.iter().all(|finding| {
        finding["verdict"]["cause"]
            .as_str()
            .unwrap()
            .contains("the middleware rabbitmq")
    }));
    assert_eq!(
        report["chains"][0]["services"],
        serde_json::json!(["owl-engine", "proxy-engine"])
    );
    // One group: rabbitmq's own error is the cause, every refusal a symptom.
    assert_eq!(report["groups"].as_array().unwrap().len(), 1, "{report:#}");
    let group = &report["groups"][0];
    assert_eq!(group["service"], "rabbitmq");
    assert_eq!(group["causes"], serde_json::json!([1]));
    assert_eq!(
        group["affected"],
        serde_json::json!(["porter-api", "unicloud-api", "owl-engine", "proxy-engine"])
    );
    assert_eq!(
        report["findings"][0]["services"],
        serde_json::json!(["rabbitmq"])
    );
    assert_eq!(
        report["summary"]["first_event"]["time"],
        "2025-09-18 14:03:12.004"
    );
    let (_, text, _) = diagnose(
        "middleware-outage",
        &["--since", "2025-09-18 14:00", "--until", "2025-09-18 14:30"],
    );
    let head: Vec<&str> = text.lines().take(3).collect();
    assert_eq!(
        head,
        [
            "Verdict: product — porter-api, unicloud-api, owl-engine, proxy-engine cannot reach the middleware rabbitmq (rule middleware-unreachable)",
            "First failing: rabbitmq at 14:03:12.004 — Mnesia(rabbit@rabbitmq): ** ERROR ** mnesia_event got {inconsistent_database, running_partitioned_network, rabbit@rabbitmq}",
            "Next: hmctl restart rabbitmq",
        ],
        "{text}"
    );
}

#[test]
fn an_authentication_failure_on_the_target_cloud() {
    let (code, report) = json(
        "cloud-auth-failure",
        &["--since", "2025-09-18 11:00", "--until", "2025-09-18 12:00"],
    );
    assert_eq!(code, 3);
    assert_eq!(
        summary(&report),
        (
            "target",
            "cloud-authentication",
            "unicloud-engine",
            "hmctl logs grep -F 'The request you have made requires authentication' unicloud-engine -C 50 --since '2025-09-18 11:00:00'"
        )
    );
    let auth = &report["findings"][0];
    assert_eq!(auth["count"], 3);
    assert_eq!(auth["first"], "2025-09-18 11:30:00.412");
    assert_eq!(auth["last"], "2025-09-18 11:32:00.418");
}

#[test]
fn a_full_log_disk_is_the_host() {
    let (code, report) = json("log-disk-full", &["--at", "2025-09-18 09:15"]);
    assert_eq!(code, 3);
    assert_eq!(
        summary(&report),
        ("host", "disk-full", "proxy-engine", "hmctl status")
    );
}

#[test]
fn a_clean_window_has_no_findings() {
    let (code, report) = json(
        "clean",
        &["--since", "2025-09-18 11:00", "--until", "2025-09-18 13:00"],
    );
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["ok"], true);
    assert_eq!(report["findings"], serde_json::json!([]));
    assert!(report.get("summary").is_none());
    assert_eq!(report["cost"]["files_read"], 2);
    let (code, text, _) = diagnose(
        "clean",
        &["--since", "2025-09-18 11:00", "--until", "2025-09-18 13:00"],
    );
    assert_eq!(code, 0);
    // One line, then what could not be asked (no daemon here): never
    // "running" for a state not asked.
    assert_eq!(
        text.lines().next().unwrap(),
        "Nothing abnormal: every service, 2025-09-18 11:00:00 to 2025-09-18 13:00:00; the services' state could not be asked (below), no errors in the window (read 571 B of 2 log files).",
        "{text}"
    );
    assert!(
        text.lines().skip(1).all(|line| line.starts_with("note: ")),
        "{text}"
    );
}

/// The scenarios and how they are asked, for the tests that run them all.
const SCENARIOS: &[(&str, &[&str])] = &[
    (
        "cinder-404-boot",
        &[
            "--stage",
            "boot-block",
            "--at",
            "2025-09-18 16:24:31",
            "volume 6ec3e693-69f7-4129-a43a-16eebe74b528",
        ],
    ),
    (
        "cinder-404-boot",
        &["--stage", "boot-block", "--at", "2025-09-18 16:24:31"],
    ),
    (
        "keystone-404-agentless",
        &["--stage", "install", "--at", "2025-09-18 10:02:15"],
    ),
    (
        "middleware-outage",
        &["--since", "2025-09-18 14:00", "--until", "2025-09-18 14:30"],
    ),
    (
        "cloud-auth-failure",
        &["--since", "2025-09-18 11:00", "--until", "2025-09-18 12:00"],
    ),
    ("log-disk-full", &["--at", "2025-09-18 09:15"]),
    ("product-exception", &["--at", "2025-09-18 16:24:31"]),
];

/// Every command a report advises, run as given on the same logs, works: a
/// `logs grep` finds what it was advised for (exit 0), a `status` answers
/// for the services (exit 0 or 3 — 4 where no daemon runs — never a usage
/// error), a `logs collect` writes its bundle (here with `-o`, so that it is
/// written into the test's own directory). Restarts change the host: they
/// are run on the real daemons (tests/diagnose_real.rs).
#[test]
fn issue_30_every_command_advised_works() {
    let mut ran = std::collections::BTreeSet::new();
    for (scenario, args) in SCENARIOS {
        let (_, report) = json(scenario, args);
        let config = scenario_config(scenario);
        let nexts = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .chain(report["groups"].as_array().unwrap())
            .filter_map(|finding| finding["verdict"]["next"].as_str());
        for next in nexts {
            let mut words = advised_words(next);
            let verb = words[1].clone();
            let bundle = tempfile::tempdir().unwrap();
            if words[1..].starts_with(&["logs".to_string(), "collect".to_string()]) {
                words.push("-o".into());
                words.push(bundle.path().join("bundle.tar.gz").display().to_string());
            }
            let output = hmctl()
                .arg("--config")
                .arg(&config.path)
                .args(&words[1..])
                .output()
                .unwrap();
            let said = format!(
                "{scenario}: {next:?}: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            match (verb.as_str(), words.get(2).map(String::as_str)) {
                ("logs", Some("grep")) => assert_eq!(output.status.code(), Some(0), "{said}"),
                ("logs", Some("collect")) => {
                    assert_eq!(output.status.code(), Some(0), "{said}");
                    assert!(bundle.path().join("bundle.tar.gz").is_file(), "{said}");
                }
                // 4 where no daemon runs (a newcomer's `cargo test`): the
                // table still names the service.
                ("status", service) => {
                    assert!(matches!(output.status.code(), Some(0 | 3 | 4)), "{said}");
                    let table = String::from_utf8_lossy(&output.stdout);
                    assert!(service.is_none_or(|name| table.contains(name)), "{said}");
                }
                ("restart" | "start", _) => continue,
                _ => panic!("advice no test runs: {said}"),
            }
            ran.insert(format!(
                "{verb} {}",
                words.get(2).map_or("", String::as_str)
            ));
        }
    }
    // The scenarios reach every kind of advice the rules give.
    for kind in ["logs grep", "logs collect", "status "] {
        assert!(
            ran.iter().any(|ran| ran.starts_with(kind)),
            "no scenario advised {kind:?}: {ran:?}"
        );
    }
}

/// Each finding belongs to one group, as a cause or a symptom, and each
/// group lists exactly its findings.
#[test]
fn issue_30_groups_and_roles_agree() {
    for (scenario, args) in SCENARIOS {
        let (_, report) = json(scenario, args);
        for (index, finding) in report["findings"].as_array().unwrap().iter().enumerate() {
            assert_eq!(finding["id"], index + 1, "{scenario}: {finding:#}");
            let group = &report["groups"][finding["group"].as_u64().unwrap() as usize - 1];
            let list = if finding["role"] == "cause" {
                "causes"
            } else {
                "symptoms"
            };
            assert!(
                group[list].as_array().unwrap().contains(&finding["id"]),
                "{scenario}: {finding:#} not in {group:#}"
            );
        }
        assert_eq!(report["summary"]["group"], 1, "{scenario}");
    }
}

#[test]
fn a_service_narrows_to_its_logs_and_an_id_to_its_requests() {
    let (code, report) = json(
        "middleware-outage",
        &[
            "owl-engine",
            "--since",
            "2025-09-18 14:00",
            "--until",
            "2025-09-18 14:30",
        ],
    );
    assert_eq!(code, 3);
    // owl-engine, and the middleware it depends on: rabbitmq's own error is read too.
    assert_eq!(report["scope"]["service"], "owl-engine");
    assert_eq!(report["summary"]["first_failing_service"], "rabbitmq");
    let (_, report) = json(
        "middleware-outage",
        &[
            "--id",
            "req-77aa88bb-99cc-4dd0-8ee1-ff0011223344",
            "--since",
            "2025-09-18 14:00",
            "--until",
            "2025-09-18 14:30",
        ],
    );
    assert_eq!(report["summary"]["first_failing_service"], "owl-engine");
    assert_eq!(report["chains"][0]["failed_first"], "owl-engine");
    assert_eq!(report["unrelated_signatures"], 2);
}

#[test]
fn bad_input_is_exit_2() {
    for args in [
        &["--stage", "boot"][..],
        &["--at", "soon"],
        &["--since", "2025-09-18 16:00", "--until", "2025-09-18 15:00"],
        &["--stage", "install", "porter-api", "keyword"],
        &["--id", "x"],
    ] {
        let (code, _, stderr) = diagnose("clean", args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains("error"), "{stderr}");
    }
}

#[test]
fn an_id_or_keyword_with_a_line_break_is_refused_with_a_hint() {
    for args in [&["--id", "req-1\nreq-2"][..], &["porter-api", "a\r\nb"]] {
        let (code, stdout, stderr) = diagnose("clean", args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains("holds a line break"), "{stderr}");
        assert!(stderr.contains("hint: give --id or KEYWORD"), "{stderr}");
        assert!(stdout.is_empty(), "nothing is reported: {stdout}");
    }
}

/// An operator's stop of rabbitmq one second before its first error, in the
/// history: the verdict says the trouble began with it, and the window's
/// evidence lists it.
#[test]
fn an_operators_stop_right_before_the_errors_begins_the_verdict() {
    use std::os::unix::fs::PermissionsExt;
    let state = tempfile::tempdir().unwrap();
    std::fs::set_permissions(state.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let history = concat!(
        r#"{"record":"began","run":"9-1","pid":9,"at":"2025-09-18T14:03:11Z","who":"alice","from":"pts/1","command":"hmctl stop rabbitmq --force","activity":"stop","services":[{"name":"rabbitmq","group":"console"}],"steps":["stop rabbitmq"]}"#,
        "\n",
        r#"{"record":"ended","run":"9-1","at":"2025-09-18T14:03:14Z","exit":0,"summary":"done","results":[{"name":"rabbitmq","group":"console","result":"done","seconds":3.0,"detail":""}]}"#,
        "\n"
    );
    std::fs::write(state.path().join("history.jsonl"), history).unwrap();
    let config = scenario_config("middleware-outage");
    let run = |format: &[&str]| {
        let output = hmctl()
            .arg("--config")
            .arg(&config.path)
            .arg("diagnose")
            .args(format)
            .args(["--since", "2025-09-18 14:00", "--until", "2025-09-18 14:30"])
            .env("TZ", "UTC")
            .env("HMCTL_STATE_DIR", state.path())
            .env("DOCKER_HOST", "unix:///nonexistent/hmt-docker.sock")
            .env("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/hmt-bus")
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let said =
        "rabbitmq was stopped by alice via hmctl at 14:03:11; rabbitmq's errors begin at 14:03:12";
    let report: Value = serde_json::from_str(&run(&["--json"])).unwrap();
    assert_eq!(report["summary"]["began_with"], said, "{report:#}");
    assert_eq!(
        report["happenings"],
        serde_json::json!([{
            "time": "2025-09-18 14:03:11",
            "service": "rabbitmq",
            "what": "was stopped by alice via hmctl",
            "source": "history"
        }])
    );
    let text = run(&[]);
    let head: Vec<&str> = text.lines().take(5).collect();
    assert_eq!(head[2], "Next: hmctl restart rabbitmq", "{text}");
    assert_eq!(head[4], format!("Began with: {said}"), "{text}");
    assert!(
        text.contains("\nWhat happened in the window\n  2025-09-18 14:03:11  rabbitmq was stopped by alice via hmctl\n"),
        "{text}"
    );
}
