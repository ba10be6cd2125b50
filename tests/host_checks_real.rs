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
    let document = status(&config, &runtime.path().join("hmctl"));
    let free = check(&document, "free-disk");
    let output = std::process::Command::new("df")
        .args(["-B1", "--output=size,used,avail,pcent"])
        .arg(project.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let fields: Vec<&str> = text.lines().nth(1).unwrap().split_whitespace().collect();
    let number = |index: usize| fields[index].trim_end_matches('%').parse::<u64>().unwrap();
    // Other tests write to the same disk meanwhile: bytes within 1%, Use% ±1.
    let close = |ours: u64, theirs: u64| ours.abs_diff(theirs) <= theirs / 100 + 4096;
    assert_eq!(free["total_bytes"].as_u64().unwrap(), number(0), "{free}");
    assert!(
        close(free["used_bytes"].as_u64().unwrap(), number(1)),
        "{free} vs {text}"
    );
    assert!(
        close(free["free_bytes"].as_u64().unwrap(), number(2)),
        "{free} vs {text}"
    );
    let detail = free["detail"].as_str().unwrap();
    let percent: u64 = detail
        .split('(')
        .nth(1)
        .and_then(|rest| rest.split('%').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(percent.abs_diff(number(3)) <= 1, "{detail} vs df {text}");
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
