//! The host checks of `hmctl status` against the real host: free disk is what
//! `df` says; a program directory's disk usage is walked once, then reused
//! with its age shown, measured afresh when its top directory changes or after
//! an upgrade; `--json` stays one document.

mod common;

use common::*;
use std::path::Path;

/// `status --json` with a private cache directory.
fn status(config: &Config, runtime: &Path) -> serde_json::Value {
    let output = config
        .hmctl()
        .env("HMCTL_CACHE_DIR", runtime)
        .args(["--json", "status"])
        .output()
        .unwrap();
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "one valid JSON document ({error}): {:?}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn check<'a>(document: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    document["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["name"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {document:#}"))
}

fn du_bytes(path: &Path) -> u64 {
    let output = std::process::Command::new("du")
        .args(["-s", "-B1"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn free_disk_is_what_df_says() {
    if skip_without_sandbox() {
        return;
    }
    let project = plain_project("checks-df");
    let config = config_with(&console_group(&project));
    let runtime = tempfile::tempdir().unwrap();
    // Other tests write to the same disk meanwhile: df is asked before and
    // after hmctl, whose figures lie between the two (within 1%, Use% ±1).
    let before = df(project.path());
    let document = status(&config, &runtime.path().join("hmctl"));
    let after = df(project.path());
    let free = check(&document, "free-disk");
    let between = |ours: u64, field: usize, slack: u64| {
        let (low, high) = (
            before[field].min(after[field]),
            before[field].max(after[field]),
        );
        ours + slack >= low && ours <= high + slack
    };
    let slack = |field: usize| before[field] / 100 + 4096;
    assert_eq!(free["total_bytes"].as_u64().unwrap(), before[0], "{free}");
    assert!(
        between(free["used_bytes"].as_u64().unwrap(), 1, slack(1)),
        "{free} vs df {before:?} then {after:?}"
    );
    assert!(
        between(free["free_bytes"].as_u64().unwrap(), 2, slack(2)),
        "{free} vs df {before:?} then {after:?}"
    );
    let detail = free["detail"].as_str().unwrap();
    let percent: u64 = detail
        .split('(')
        .nth(1)
        .and_then(|rest| rest.split('%').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        between(percent, 3, 1),
        "{detail} vs df {before:?} then {after:?}"
    );
}

/// `df -B1 --output=size,used,avail,pcent` of the disk of `path`.
fn df(path: &Path) -> [u64; 4] {
    let output = std::process::Command::new("df")
        .args(["-B1", "--output=size,used,avail,pcent"])
        .arg(path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let fields: Vec<u64> = text
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .map(|field| field.trim_end_matches('%').parse().unwrap())
        .collect();
    fields.try_into().unwrap()
}

#[test]
fn program_disk_is_reused_with_its_age_and_measured_afresh_on_change() {
    if skip_without_sandbox() {
        return;
    }
    let project = plain_project("checks-cache");
    let venv = project.path().join("venvs/porter/lib");
    std::fs::create_dir_all(&venv).unwrap();
    for index in 0..300 {
        std::fs::write(venv.join(format!("module{index}.py")), vec![b'x'; 5000]).unwrap();
    }
    let config = config_with(&console_group(&project));
    let runtime = tempfile::tempdir().unwrap();
    let runtime = runtime.path().join("hmctl");
    let first = status(&config, &runtime);
    let program = check(&first, "program-disk").clone();
    assert!(program.get("age_seconds").is_none(), "fresh: {program}");
    let used = program["used_bytes"].as_u64().unwrap();
    let du = du_bytes(project.path());
    assert!(used.abs_diff(du) <= du * 3 / 100, "{used} vs du {du}");
    let metadata = std::fs::metadata(&runtime).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&metadata.permissions()) & 0o777,
        0o700
    );

    let second = status(&config, &runtime);
    let reused = check(&second, "program-disk");
    assert_eq!(reused["used_bytes"], program["used_bytes"]);
    assert!(reused["age_seconds"].as_u64().unwrap() < 60, "{reused}");
    assert!(reused["measured_at"].is_string(), "{reused}");
    assert!(
        reused["detail"].as_str().unwrap().contains("s ago"),
        "{reused}"
    );
    let table = config
        .hmctl()
        .env("HMCTL_CACHE_DIR", &runtime)
        .arg("status")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&table.stdout).contains("s ago"),
        "the age is in the table: {}",
        String::from_utf8_lossy(&table.stdout)
    );

    // A new top-level entry: measured afresh, the new files counted.
    let added = project.path().join("venvs-new");
    std::fs::create_dir(&added).unwrap();
    std::fs::write(added.join("big"), vec![b'x'; 1 << 20]).unwrap();
    let third = status(&config, &runtime);
    let fresh = check(&third, "program-disk");
    assert!(fresh.get("age_seconds").is_none(), "{fresh}");
    assert!(
        fresh["used_bytes"].as_u64().unwrap() >= used + (1 << 20),
        "{fresh}"
    );
    // Taken away again: measured afresh, the figure drops.
    std::fs::remove_dir_all(&added).unwrap();
    let fourth = status(&config, &runtime);
    let dropped = check(&fourth, "program-disk");
    assert!(dropped.get("age_seconds").is_none(), "{dropped}");
    assert!(
        dropped["used_bytes"].as_u64().unwrap() < used + (1 << 20),
        "{dropped}"
    );
}
