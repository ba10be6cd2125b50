//! hmctl on a replica of a real console (tests/sandbox/replica.sh): the 24
//! services of the two compose files healthy, program-disk on a 150,000-file
//! /opt/installer complete and within 3% of `du -s -B1` and then reused with
//! its age, `reload` with nothing changed recreating nothing. The replica is
//! shared (built once, cached): these tests only read it.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Brings the replica up (idempotent) and returns its hmctl.toml.
fn replica() -> PathBuf {
    sandbox();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sandbox/replica.sh");
    let output = Command::new(script).arg("up").output().unwrap();
    assert!(
        output.status.success(),
        "tests/sandbox/replica.sh up: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
}

fn status(config: &Path, runtime: &Path) -> (i32, serde_json::Value) {
    let output = hmctl()
        .arg("--config")
        .arg(config)
        .env("HMCTL_CACHE_DIR", runtime)
        .args(["--json", "status"])
        .output()
        .unwrap();
    let document = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "one valid JSON document ({error}): {:?}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    (output.status.code().unwrap_or(-1), document)
}

fn program_disk(document: &serde_json::Value) -> serde_json::Value {
    document["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["name"] == "program-disk")
        .cloned()
        .unwrap_or_else(|| panic!("no program-disk in {document:#}"))
}

#[test]
fn the_replica_is_healthy_and_its_program_disk_complete_and_true() {
    if skip_without_sandbox() {
        return;
    }
    let config = replica();
    let runtime = tempfile::tempdir().unwrap();
    let runtime = runtime.path().join("hmctl");
    let document = wait_for(Duration::from_secs(60), "every service healthy", || {
        let (code, document) = status(&config, &runtime);
        let services = document["services"].as_array().unwrap();
        if code == 0 && services.len() == 24 {
            Ok(document)
        } else {
            Err(format!("{document:#}"))
        }
    });
    for service in [
        "porter-api",
        "atomy-s3block",
        "owl-engine",
        "mysql",
        "influxdb",
    ] {
        assert_eq!(row(&document, service)["health"], "healthy", "{document:#}");
    }
    // A cold cache on a busy machine may need a few calls: each resumes the walk.
    let figure = wait_for(Duration::from_secs(120), "a complete program-disk", || {
        let (_, document) = status(&config, &runtime);
        let check = program_disk(&document);
        if check.get("partial").is_none() {
            Ok(check)
        } else {
            Err(format!("{check}"))
        }
    });
    let root = Path::new(figure["path"].as_str().unwrap());
    let du = Command::new("du")
        .args(["-s", "-B1"])
        .arg(root)
        .output()
        .unwrap();
    let du: u64 = String::from_utf8_lossy(&du.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let used = figure["used_bytes"].as_u64().unwrap();
    assert!(used.abs_diff(du) <= du * 3 / 100, "{used} vs du {du}");
    let files: u64 = figure["detail"]
        .as_str()
        .unwrap()
        .split(" in ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(files >= 150_000, "{figure}");
    // The next call reuses it, its age shown.
    let (_, document) = status(&config, &runtime);
    let reused = program_disk(&document);
    assert_eq!(reused["used_bytes"], figure["used_bytes"]);
    assert!(reused["age_seconds"].is_u64(), "{reused}");
}

#[test]
fn reload_with_nothing_changed_recreates_nothing_on_the_replica() {
    if skip_without_sandbox() {
        return;
    }
    let config = replica();
    let ids = || {
        docker(&[
            "ps",
            "-aq",
            "--no-trunc",
            "--filter",
            "label=com.docker.compose.project=hmreplica",
        ])
    };
    let before = ids();
    assert_eq!(before.lines().count(), 24, "{before}");
    let output = hmctl()
        .arg("--config")
        .arg(&config)
        .args(["reload", "--dry-run"])
        .output()
        .unwrap();
    let plan = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(!plan.contains("recreate  "), "{plan}");
    let output = hmctl()
        .arg("--config")
        .arg(&config)
        .env(
            "HMCTL_LOCK_FILE",
            tempfile::tempdir().unwrap().path().join("lock"),
        )
        .args(["reload"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(ids(), before, "no container recreated");
}
