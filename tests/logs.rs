//! The log commands on generated log trees in the guide's layout: exact
//! tails, interleaving, rotation, search in plain / rotated / gzipped files,
//! stages, traces, following across rotation, and a support bundle that must
//! not contain a single one of the secrets seeded into it.

mod common;

use common::*;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A console and a gateway made of directories only (no daemon needed): the
/// console's compose file declares the services, logs live under logs/<module>/.
struct Tree {
    config: Config,
    root: PathBuf,
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn gzip(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(path).unwrap(),
        flate2::Compression::fast(),
    );
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap();
}

fn tree() -> Tree {
    let config = Config::new(
        r#"
[[group]]
name = "console"
project = "hmt-logs-tree"
files = ["@DIR@/production/docker-compose-hyperbdr.yml"]
log_dir = "@DIR@/production/logs"
config_dir = "@DIR@/production/config"
program_dir = "@DIR@/production"
present_if = ["@DIR@/production"]
ports = []

[[group]]
name = "gateway"
units = ["s3block", "watchman"]
log_dir = "@DIR@/sgateway"
config_dir = "@DIR@/sgateway-config"
program_dir = "@DIR@/sgateway"
present_if = ["@DIR@/sgateway"]

[[group]]
name = "sync-proxy"
present_if = ["/nonexistent/hmt"]
[[group]]
name = "agent"
present_if = ["/nonexistent/hmt"]
"#,
    );
    let root = config.dir.path().to_path_buf();
    write(
        &root.join("production/docker-compose-hyperbdr.yml"),
        "services:\n  porter-api: {image: x}\n  porter-migration: {image: x}\n  unicloud-engine: {image: x}\n  mistral-server: {image: x}\n  storplus-api: {image: x}\n",
    );
    Tree { config, root }
}

fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_tail_is_exact() {
    let tree = tree();
    let text: String = (1..=20_000)
        .map(|number| format!("2025-09-18 10:00:00.{number:06} INFO porter line {number}\n"))
        .collect();
    write(
        &tree.root.join("production/logs/porter/porter-api.log"),
        &text,
    );
    let output = tree
        .config
        .hmctl()
        .args(["logs", "porter-api", "-n", "3"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let expected: String = (19_998..=20_000)
        .map(|number| format!("2025-09-18 10:00:00.{number:06} INFO porter line {number}\n"))
        .collect();
    assert_eq!(stdout_of(&output), expected);
}

#[test]
fn several_targets_interleave_by_time_with_their_names() {
    let tree = tree();
    write(
        &tree.root.join("production/logs/porter/porter-api.log"),
        "2025-09-18 16:24:29 INFO api one\n2025-09-18 16:24:32 INFO api two\n",
    );
    write(
        &tree
            .root
            .join("production/logs/unicloud/unicloud-engine.log"),
        "2025-09-18 16:24:30 INFO engine one\n2025-09-18 16:24:31 ERROR engine two\n",
    );
    let output = tree
        .config
        .hmctl()
        .args(["logs", "porter-api", "unicloud-engine", "-n", "10"])
        .output()
        .unwrap();
    let lines: Vec<String> = stdout_of(&output).lines().map(String::from).collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(lines[0].starts_with("porter-api ") && lines[0].ends_with("api one"));
    assert!(lines[1].starts_with("unicloud-engine | ") && lines[1].ends_with("engine one"));
    assert!(lines[2].ends_with("engine two"));
    assert!(lines[3].ends_with("api two"));
}

#[test]
fn a_gateway_unit_shows_its_newest_dated_log() {
    let tree = tree();
    write(
        &tree.root.join("sgateway/s3block_20250514.log"),
        "2025-05-14 23:59:59 old day\n",
    );
    write(
        &tree.root.join("sgateway/s3block_20250515.log"),
        "2025-05-15 00:00:01 new day\n",
    );
    write(
        &tree.root.join("sgateway/watchman_20250516.log"),
        "2025-05-16 watchman\n",
    );
    let output = tree
        .config
        .hmctl()
        .args(["logs", "s3block.service"])
        .output()
        .unwrap();
    assert_eq!(stdout_of(&output), "2025-05-15 00:00:01 new day\n");
}

fn seeded_search_tree() -> Tree {
    let tree = tree();
    let logs = tree.root.join("production/logs");
    write(
        &logs.join("unicloud/unicloud-engine.log"),
        "a\nb\n2025-09-18 16:24:31 ERROR attach volume 6ec3e693 failed: 404\nc\nd\n",
    );
    write(
        &logs.join("unicloud/unicloud-engine.log.1"),
        "2025-09-17 ERROR volume 6ec3e693 was created\n",
    );
    gzip(
        &logs.join("unicloud/unicloud-engine.log.2.gz"),
        "x\n2025-09-16 INFO volume 6ec3e693 requested\n",
    );
    write(
        &logs.join("porter/porter-api.log"),
        "2025-09-18 16:24:29 INFO boot host with volume 6ec3e693\n",
    );
    write(
        &logs.join("storplus/storplus-api.log"),
        "2025-09-18 nothing about it\n",
    );
    tree
}

#[test]
fn grep_finds_plain_rotated_and_gzipped_lines_with_context() {
    let tree = seeded_search_tree();
    let output = tree
        .config
        .hmctl()
        .args([
            "logs",
            "grep",
            "-C",
            "1",
            "volume 6ec3e693",
            "unicloud-engine",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = stdout_of(&output);
    let logs = tree.root.join("production/logs/unicloud");
    let current = logs.join("unicloud-engine.log").display().to_string();
    assert!(text.contains(&format!("{current}-2-b\n{current}:3:2025-09-18 16:24:31 ERROR attach volume 6ec3e693 failed: 404\n{current}-4-c\n")), "{text}");
    assert!(
        text.contains(&format!(
            "{}:1:2025-09-17 ERROR volume 6ec3e693 was created",
            logs.join("unicloud-engine.log.1").display()
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "{}:2:2025-09-16 INFO volume 6ec3e693 requested",
            logs.join("unicloud-engine.log.2.gz").display()
        )),
        "{text}"
    );
    assert!(!text.contains("porter"), "only the target's files: {text}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("3 matching lines") && stderr.contains("unicloud-engine 3"),
        "{stderr}"
    );
}

#[test]
fn grep_without_target_or_stage_searches_every_log() {
    let tree = seeded_search_tree();
    let output = tree
        .config
        .hmctl()
        .args(["--json", "logs", "grep", "6ec3e693"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let services: std::collections::BTreeSet<&str> = document["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["service"].as_str().unwrap())
        .collect();
    assert_eq!(
        services,
        ["porter-api", "unicloud-engine"].into_iter().collect()
    );
}

#[test]
fn a_stage_searches_its_services_high_priority_first() {
    let tree = seeded_search_tree();
    write(
        &tree.root.join("production/logs/mistral/mistral-server.log"),
        "volume 6ec3e693 in workflow\n",
    );
    let output = tree
        .config
        .hmctl()
        .args(["logs", "grep", "--stage", "boot-block", "6ec3e693"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = stdout_of(&output);
    let engine = text.find("unicloud-engine.log").unwrap();
    let porter = text.find("porter-api.log").unwrap();
    let mistral = text.find("mistral-server.log").unwrap();
    assert!(
        engine < porter && porter < mistral,
        "unicloud-engine is high priority for boot-block, mistral is not: {text}"
    );
}

#[test]
fn usage_errors_and_no_match() {
    let tree = seeded_search_tree();
    let code = |args: &[&str]| {
        tree.config
            .hmctl()
            .args(args)
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(
        code(&["logs", "grep", "--stage", "boot-blok", "x"]),
        Some(2)
    );
    assert_eq!(code(&["logs", "grep", "x", "porter-apj"]), Some(2));
    assert_eq!(code(&["logs", "grep", "("]), Some(2));
    assert_eq!(code(&["logs", "grep", "no such text anywhere"]), Some(1));
    assert_eq!(
        code(&["logs", "grep", "x", "--since", "yesterday"]),
        Some(2)
    );
    assert_eq!(code(&["logs", "../../etc/passwd"]), Some(2));
    let stages = tree
        .config
        .hmctl()
        .args(["logs", "stages"])
        .output()
        .unwrap();
    assert!(stdout_of(&stages).contains("boot-block"));
}

#[test]
fn trace_orders_lines_from_several_services_by_time() {
    let tree = tree();
    let logs = tree.root.join("production/logs");
    write(
        &logs.join("porter/porter-api.log"),
        "2025-09-18 16:24:29.000 INFO req-9f3 POST /boot\n2025-09-18 16:24:33.000 ERROR req-9f3 boot failed\n",
    );
    write(
        &logs.join("unicloud/unicloud-engine.log"),
        "2025-09-18 16:24:31.500 ERROR req-9f3 attach 404\nunrelated\n",
    );
    write(
        &logs.join("mistral/mistral-server.log"),
        "2025-09-18 16:24:30,100 INFO req-9f3 workflow started\n",
    );
    let output = tree
        .config
        .hmctl()
        .args(["logs", "trace", "req-9f3"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let services: Vec<String> = stdout_of(&output)
        .lines()
        .map(|line| line.split(" | ").next().unwrap().trim().to_string())
        .collect();
    assert_eq!(
        services,
        vec![
            "porter-api",
            "mistral-server",
            "unicloud-engine",
            "porter-api"
        ]
    );
    let none = tree
        .config
        .hmctl()
        .args(["logs", "trace", "req-none"])
        .output()
        .unwrap();
    assert_eq!(none.status.code(), Some(1));
}

#[test]
fn a_symlink_leading_out_of_the_log_dir_is_never_read() {
    let tree = tree();
    let outside = tempfile::tempdir().unwrap();
    write(&outside.path().join("shadow"), "root:SECRET-HASH:19000\n");
    let logs = tree.root.join("production/logs/porter");
    std::fs::create_dir_all(&logs).unwrap();
    std::os::unix::fs::symlink(outside.path().join("shadow"), logs.join("porter-api.log")).unwrap();
    let output = tree
        .config
        .hmctl()
        .args(["logs", "grep", "SECRET", "porter-api"])
        .output()
        .unwrap();
    assert!(!stdout_of(&output).contains("SECRET-HASH"));
    assert!(String::from_utf8_lossy(&output.stderr).contains("leads outside"));
    let output = tree
        .config
        .hmctl()
        .args(["logs", "grep", "SECRET"])
        .output()
        .unwrap();
    assert!(
        !stdout_of(&output).contains("SECRET-HASH"),
        "a walk does not follow symlinks"
    );
    let output = tree
        .config
        .hmctl()
        .args(["logs", "porter-api"])
        .output()
        .unwrap();
    assert!(!stdout_of(&output).contains("SECRET-HASH"));
}

#[test]
fn follow_continues_across_rotation() {
    let tree = tree();
    let log = tree.root.join("production/logs/porter/porter-api.log");
    write(&log, "before\n");
    let mut child = KillOnDrop(
        tree.config
            .spawn_command()
            .args(["logs", "-f", "-n", "1", "porter-api"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = sender.send(line);
        }
    });
    let next = || {
        receiver
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("no line within 10 s"))
    };
    assert_eq!(next(), "before");
    let append = |text: &str| {
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&log)
            .unwrap();
        file.write_all(text.as_bytes()).unwrap();
    };
    append("one\n");
    assert_eq!(next(), "one");
    // Rotation by rename: the tail of the old file, then the new file.
    append("two\n");
    std::fs::rename(&log, log.with_extension("log.1")).unwrap();
    append("three\n");
    let mut seen = vec![next(), next()];
    seen.sort();
    assert_eq!(seen, vec!["three", "two"]);
    // Rotation by truncation (copytruncate): the file is shorter than where
    // the follow stood ("four" under "three"), whenever it looks, so no wait.
    std::fs::write(&log, "").unwrap();
    append("four\n");
    assert_eq!(next(), "four");
}

#[test]
fn a_service_without_a_log_file_shows_its_container_output() {
    if skip_without_sandbox() {
        return;
    }
    let project = Project::new(
        "logs-container",
        &[(
            "c.yml",
            "services:\n  talker:\n    @BASE@\n    command: [\"sh\", \"-c\", \"echo first; echo second; echo third; sleep 2147483647\"]\n",
        )],
    );
    project.compose(&["up", "-d"]);
    let config = config_with(&console_group(&project));
    let output = wait_for(Duration::from_secs(60), "the container's output", || {
        let output = config
            .hmctl()
            .args(["logs", "talker", "-n", "2"])
            .output()
            .unwrap();
        if stdout_of(&output) == "second\nthird\n" {
            Ok(output)
        } else {
            Err(stdout_of(&output))
        }
    });
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("no log file; showing its container's output")
    );
}

const SECRETS: &[&str] = &[
    "fs82BgKdU2QTr4Oy",
    "antPass",
    "315d65ca-ef28-4e63-ad72-1260a91adf23",
    "TH5g4gbJKsK2YEsBLj7GaFpbWTiGYarRQSu1B59t",
    "wCi7qC8RlFydraCugWWa",
    "tomlTokenValue",
    "yamlPasswordValue",
    "envFilePassword",
    "composeListPassword",
    "composeMapPassword",
    "logLinePassword",
    "MIIEsecretkeybody",
];

#[test]
fn the_support_bundle_holds_logs_configs_and_status_and_no_secret() {
    if skip_without_sandbox() {
        return;
    }
    let project = Project::new(
        "collect",
        &[(
            "docker-compose-hyperbdr.yml",
            "services:\n  mysql:\n    @BASE@\n    command: @SLEEPER@\n    environment:\n      - MYSQL_ROOT_PASSWORD=composeListPassword\n      - MYSQL_DATABASE=ant\n  rabbitmq:\n    @BASE@\n    command: @SLEEPER@\n    environment:\n      RABBITMQ_DEFAULT_PASS: composeMapPassword\n",
        )],
    );
    project.compose(&["up", "-d"]);
    let dir = project.path();
    write(
        &dir.join("config/ant/ant.conf"),
        "[DEFAULT]\ntransport_url = rabbit://guest:fs82BgKdU2QTr4Oy@rabbitmq:5672//\n[database]\nconnection = mysql://ant:antPass@mysql:3306/ant?charset=utf8\n",
    );
    write(
        &dir.join("config/hamal.conf"),
        "[mass]\nauth_key = 315d65ca-ef28-4e63-ad72-1260a91adf23\npublic_key_path = /etc/hamal/public_key\n",
    );
    write(
        &dir.join("config/s3block_config.ini"),
        "[system]\naccessKey = wCi7qC8RlFydraCugWWa\nsecretAccessKey = TH5g4gbJKsK2YEsBLj7GaFpbWTiGYarRQSu1B59t\n",
    );
    write(
        &dir.join("config/app.toml"),
        "[auth]\ntoken = \"tomlTokenValue\"\n",
    );
    write(
        &dir.join("config/app.yaml"),
        "database:\n  password: yamlPasswordValue\n",
    );
    write(&dir.join("config/.env"), "DB_PASSWORD=envFilePassword\n");
    write(
        &dir.join("config/tls/key.pem"),
        "-----BEGIN PRIVATE KEY-----\nMIIEsecretkeybody\n-----END PRIVATE KEY-----\n",
    );
    write(
        &dir.join("logs/porter/porter-api.log"),
        "2025-09-18 INFO login user=admin password=logLinePassword\n2025-09-18 INFO porter-api is up\n",
    );
    let config = config_with(&console_group(&project));
    let output_dir = tempfile::tempdir().unwrap();
    let bundle = output_dir.path().join("bundle.tar.gz");
    let output = config
        .hmctl()
        .args(["logs", "collect", "-o"])
        .arg(&bundle)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stdout_of(&output).trim(), bundle.display().to_string());
    let names: Vec<String> = std::fs::read_dir(output_dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["bundle.tar.gz"], "no temporary file left");
    let extracted = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("tar")
        .arg("-xzf")
        .arg(&bundle)
        .arg("-C")
        .arg(extracted.path())
        .status()
        .unwrap();
    assert!(status.success());
    let root = extracted.path().join("bundle");
    let mut everything = String::new();
    let mut files = Vec::new();
    let mut pending = vec![root.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            if entry.path().is_dir() {
                pending.push(entry.path());
            } else {
                files.push(
                    entry
                        .path()
                        .strip_prefix(&root)
                        .unwrap()
                        .display()
                        .to_string(),
                );
                everything.push_str(&std::fs::read_to_string(entry.path()).unwrap());
            }
        }
    }
    for secret in SECRETS {
        assert!(!everything.contains(secret), "{secret} is in the bundle");
    }
    for expected in [
        "status.json",
        "manifest.json",
        "hmctl.toml",
        "console/compose/docker-compose-hyperbdr.yml",
        "console/config/ant/ant.conf",
        "console/config/s3block_config.ini",
        "console/logs/porter/porter-api.log",
        "console/containers.json",
    ] {
        assert!(
            files.contains(&expected.to_string()),
            "{expected} missing from {files:?}"
        );
    }
    assert!(
        everything.contains("porter-api is up"),
        "the logs are there"
    );
    assert!(
        everything.contains("rabbit://guest:***@rabbitmq"),
        "URLs keep all but the password"
    );
    assert!(
        everything.contains("MYSQL_DATABASE=ant"),
        "harmless settings stay"
    );
    let status: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("status.json")).unwrap()).unwrap();
    assert_eq!(status["schema"], 1);
}

#[test]
fn a_bundle_that_cannot_be_written_leaves_nothing() {
    let tree = tree();
    write(
        &tree.root.join("production/logs/porter/porter-api.log"),
        "x\n",
    );
    let output = tree
        .config
        .hmctl()
        .args(["logs", "collect", "-o", "/nonexistent/dir/bundle.tar.gz"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot write the bundle /nonexistent/dir/bundle.tar.gz")
            && stderr.contains("nothing was left behind"),
        "{stderr}"
    );
}
