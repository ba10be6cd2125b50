//! Issue 24, part 2: log times with their zones. On a host in Asia/Shanghai
//! (TZ set on the hmctl process, which jiff reads), a console whose
//! containers log in UTC — some lines marked `Z`, some not — and a gateway
//! whose units log in local time: `logs`, `logs grep --since`, `logs trace`,
//! `logs collect --since` and `diagnose --at` filter and order the lines by
//! their real instants. Docker is pointed nowhere, so a container's zone is
//! UTC unless `log_timezone` says otherwise (the real-daemon test reads a
//! container's `TZ`: log_zones_real.rs).

mod common;

use common::*;
use std::path::{Path, PathBuf};

const SHANGHAI: &str = "Asia/Shanghai";
/// What hmctl says to do when a group's zones cannot be asked.
const UNASKED_HINT: &str = "hint: set log_timezone = \"ZONE\" for the group in hmctl.toml to say which zone its services write in";

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A console (compose) and a gateway (systemd) of log files only, with
/// `extra` TOML appended.
fn host(extra: &str) -> (Config, PathBuf) {
    let config = config_with(&format!(
        r#"
[[group]]
name = "console"
project = "hmt-log-zones"
files = ["@DIR@/production/docker-compose-hyperbdr.yml"]
log_dir = "@DIR@/production/logs"
present_if = ["@DIR@/production"]
ports = []

[[group]]
name = "gateway"
units = ["s3block"]
log_dir = "@DIR@/sgateway"
present_if = ["@DIR@/sgateway"]
{extra}
"#
    ));
    let root = config.dir.path().to_path_buf();
    write(
        &root.join("production/docker-compose-hyperbdr.yml"),
        "services:\n  porter-api: {image: x}\n  unicloud-engine: {image: x}\n",
    );
    let logs = root.join("production/logs");
    // 10:00:30Z is 18:00:30 in Shanghai.
    write(
        &logs.join("porter/porter-api.log"),
        "2026-12-04T10:00:30Z ERROR porter.api [req-7d1e9c2a-0b4f-4e6a-9d3c-5f8e7a6b4c21] utc-marked\n",
    );
    // The container writes UTC without saying so: 10:00:20 UTC.
    write(
        &logs.join("unicloud/unicloud-engine.log"),
        "2026-12-04 10:00:20.000 12 ERROR unicloud.engine [req-7d1e9c2a-0b4f-4e6a-9d3c-5f8e7a6b4c21] container-unmarked\n",
    );
    // The gateway's unit writes local time: 09:48:00Z and 10:00:10Z.
    write(
        &root.join("sgateway/s3block_20261204.log"),
        "2026-12-04 17:48:00.000 ERROR s3block [req-7d1e9c2a-0b4f-4e6a-9d3c-5f8e7a6b4c21] host-old\n\
         2026-12-04 18:00:10.000 ERROR s3block [req-7d1e9c2a-0b4f-4e6a-9d3c-5f8e7a6b4c21] host-local\n",
    );
    (config, root)
}

fn run(config: &Config, args: &[&str]) -> (i32, String, String) {
    let output = config
        .hmctl()
        .args(args)
        .env("TZ", SHANGHAI)
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

/// The last word of each line of `text`: which test line it is.
fn last_words(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| line.rsplit(' ').next().unwrap_or_default().to_string())
        .collect()
}

/// The last words of `logs grep`'s matching lines (`FILE:LINE:TEXT`; context
/// lines, `FILE-LINE-TEXT`, left out).
fn matched(text: &str) -> Vec<String> {
    let mut words: Vec<String> = text
        .lines()
        .filter(|line| line.contains(".log:"))
        .map(|line| line.rsplit(' ').next().unwrap_or_default().to_string())
        .collect();
    words.sort();
    words
}

#[test]
fn grep_since_local_time_finds_utc_lines_written_after_it() {
    let (config, _root) = host("");
    let (code, stdout, stderr) = run(
        &config,
        &["logs", "grep", "ERROR", "--since", "2026-12-04 17:59"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        matched(&stdout),
        vec!["container-unmarked", "host-local", "utc-marked"],
        "{stdout}"
    );
    // The same instant given with its offset.
    let (_, marked, _) = run(
        &config,
        &["logs", "grep", "ERROR", "--since", "2026-12-04T09:59:00Z"],
    );
    assert_eq!(marked, stdout);
    // The zones were guessed: Docker could not be asked.
    assert!(
        stderr.contains(
            "warning: console: cannot tell which time zone its services write in (cannot reach Docker"
        ) && stderr.contains(&format!("their log times without an offset are read as UTC\n{UNASKED_HINT}\n")),
        "{stderr}"
    );
}

#[test]
fn trace_and_logs_order_utc_and_local_lines_by_their_instants() {
    let (config, _root) = host("");
    let (code, stdout, stderr) = run(
        &config,
        &["logs", "trace", "req-7d1e9c2a-0b4f-4e6a-9d3c-5f8e7a6b4c21"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        last_words(&stdout),
        vec!["host-old", "host-local", "container-unmarked", "utc-marked"]
    );
    let (code, stdout, stderr) = run(
        &config,
        &[
            "--json",
            "logs",
            "trace",
            "req-7d1e9c2a-0b4f-4e6a-9d3c-5f8e7a6b4c21",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let document: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let times: Vec<&str> = document
        .as_array()
        .or_else(|| document["lines"].as_array())
        .unwrap()
        .iter()
        .map(|line| line["time"].as_str().unwrap())
        .collect();
    assert_eq!(
        times,
        vec![
            "2026-12-04T09:48:00Z",
            "2026-12-04T10:00:10Z",
            "2026-12-04T10:00:20Z",
            "2026-12-04T10:00:30Z"
        ]
    );
    let (code, stdout, stderr) = run(
        &config,
        &["logs", "porter-api", "s3block", "unicloud-engine"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        last_words(&stdout),
        vec!["host-old", "host-local", "container-unmarked", "utc-marked"]
    );
    assert!(
        stderr.contains("warning: console: cannot tell which time zone its services write in (")
            && stderr.contains(UNASKED_HINT),
        "{stderr}"
    );
}

#[test]
fn log_timezone_overrides_the_writers_guessed_zone() {
    // The engine's image sets Shanghai inside itself: its 10:00:20 is 02:00:20Z.
    let (config, _root) = host("[service.unicloud-engine]\nlog_timezone = \"Asia/Shanghai\"\n");
    let (_, stdout, stderr) = run(
        &config,
        &["logs", "trace", "req-7d1e9c2a-0b4f-4e6a-9d3c-5f8e7a6b4c21"],
    );
    assert_eq!(
        last_words(&stdout),
        vec!["container-unmarked", "host-old", "host-local", "utc-marked"],
        "{stderr}"
    );
    let (_, stdout, _) = run(
        &config,
        &["logs", "grep", "ERROR", "--since", "2026-12-04 17:59"],
    );
    assert_eq!(matched(&stdout), vec!["host-local", "utc-marked"]);
    // A group's zone, said for every service: no daemon needs to be asked.
    let (config, _root) = host("");
    let text = std::fs::read_to_string(&config.path)
        .unwrap()
        .replace("ports = []", "ports = []\nlog_timezone = \"UTC\"");
    std::fs::write(&config.path, text).unwrap();
    let (code, _, stderr) = run(&config, &["logs", "grep", "ERROR", "--since", "2026-12-05"]);
    assert_eq!(code, 1, "nothing is that recent: {stderr}");
    assert!(!stderr.contains("console: cannot tell"), "{stderr}");
}

#[test]
fn diagnose_at_a_local_time_reads_utc_and_local_lines_in_its_window() {
    let (config, _root) = host("");
    let (code, stdout, stderr) = run(
        &config,
        &["--json", "diagnose", "--at", "2026-12-04 18:00:20"],
    );
    assert_eq!(code, 3, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["window"]["at"], "2026-12-04T10:00:20Z");
    assert_eq!(report["window"]["since"], "2026-12-04T09:50:20Z");
    let mut seen: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["source"] == "logs")
        .flat_map(|finding| {
            let first = finding["first"].as_str().unwrap_or_default().to_string();
            finding["services"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |service| (service.as_str().unwrap().to_string(), first.clone()))
        })
        .collect();
    seen.sort();
    // Each in the window, shown in the operator's time; host-old (17:48) is not.
    assert_eq!(
        seen,
        vec![
            (
                "porter-api".to_string(),
                "2026-12-04 18:00:30.000".to_string()
            ),
            ("s3block".to_string(), "2026-12-04 18:00:10.000".to_string()),
            (
                "unicloud-engine".to_string(),
                "2026-12-04 18:00:20.000".to_string()
            ),
        ],
        "{stdout}"
    );
    let notes: Vec<&str> = report["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(serde_json::Value::as_str)
        .collect();
    let unasked = format!(
        "; their log times without an offset are read as UTC (hint: {})",
        &UNASKED_HINT["hint: ".len()..]
    );
    assert!(
        notes.iter().any(|note| note
            .starts_with("console: cannot tell which time zone its services write in (")
            && note.ends_with(&unasked)),
        "{notes:?}"
    );
    let chain = &report["chains"][0];
    assert_eq!(
        chain["services"],
        serde_json::json!(["s3block", "unicloud-engine", "porter-api"])
    );
    assert_eq!(report["summary"]["first_failing_service"], "s3block");
    // The text report's window, in local time.
    let (_, text, _) = run(&config, &["diagnose", "--at", "2026-12-04T10:00:20Z"]);
    assert!(
        text.contains(", 2026-12-04 17:50:20 to 2026-12-04 18:10:20 (10 minutes either side of 2026-12-04 18:00:20)"),
        "{text}"
    );
    // --since / --until in local time: only host-old's minute.
    let (_, stdout, _) = run(
        &config,
        &[
            "--json",
            "diagnose",
            "--since",
            "2026-12-04 17:47",
            "--until",
            "2026-12-04 17:49",
        ],
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let samples: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|finding| finding["sample"].as_str())
        .collect();
    assert_eq!(samples.len(), 1, "{samples:?}");
    assert!(samples[0].ends_with("host-old"), "{samples:?}");
}

#[test]
fn collect_since_a_local_time_keeps_the_files_written_after_it() {
    let (config, root) = host("");
    let set_modified = |path: &Path, instant: &str| {
        let time: jiff::Timestamp = instant.parse().unwrap();
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(time.into())
            .unwrap();
    };
    let logs = root.join("production/logs");
    set_modified(&logs.join("porter/porter-api.log"), "2026-12-04T10:00:30Z");
    set_modified(
        &logs.join("unicloud/unicloud-engine.log"),
        "2026-12-04T09:58:00Z",
    );
    set_modified(
        &root.join("sgateway/s3block_20261204.log"),
        "2026-12-04T10:00:10Z",
    );
    let bundle = root.join("bundle.tar.gz");
    let (code, stdout, stderr) = run(
        &config,
        &[
            "--json",
            "logs",
            "collect",
            "--since",
            "2026-12-04 17:59",
            "-o",
            bundle.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let document: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let mut logs: Vec<String> = document["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|file| file["source"].as_str())
        .map(|source| source.rsplit('/').next().unwrap().to_string())
        .filter(|name| name.contains(".log"))
        .collect();
    logs.sort();
    assert_eq!(logs, vec!["porter-api.log", "s3block_20261204.log"]);
}

#[test]
fn an_impossible_date_is_refused_for_since() {
    let (config, _root) = host("");
    let (code, stdout, stderr) = run(&config, &["logs", "grep", "ERROR", "--since", "2025-13-45"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty(), "{stdout}");
    assert_eq!(
        stderr,
        "error: --since \"2025-13-45\" is not a valid time: failed to parse two digit integer as month: parameter 'month' is not in the required range of 1..=12\n\
         hint: give a duration (30m, 2h, 1d ago) or a time: 2025-09-18 16:00 is local time, 2025-09-18T08:00:00Z carries its offset\n"
    );
    let (code, _, stderr) = run(&config, &["diagnose", "--at", "2025-02-30 10:00"]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("error: --at \"2025-02-30 10:00\" is not a valid time: "),
        "{stderr}"
    );
}

#[test]
fn an_unknown_log_timezone_is_a_configuration_error() {
    let (config, _root) = host("[service.s3block]\nlog_timezone = \"Asia/Shangai\"\n");
    let (code, stdout, stderr) = run(&config, &["logs", "grep", "ERROR"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert_eq!(
        stderr,
        format!(
            "error: invalid config file {}: [service.s3block] log_timezone = \"Asia/Shangai\": unknown time zone\n\
             hint: name an IANA time zone such as \"Asia/Shanghai\" or \"UTC\" (the names under /usr/share/zoneinfo)\n",
            config.path.display()
        )
    );
}
