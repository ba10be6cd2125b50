//! The hmctl binary without any daemon: configuration errors, usage errors,
//! output discipline. These pin the messages an operator reads.

mod common;

use common::{Config, hmctl};
use std::os::unix::ffi::OsStrExt;

#[test]
fn version_names_the_commit() {
    let output = hmctl().arg("--version").output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.starts_with("hmctl 0."), "{text}");
    assert!(text.contains("(commit "), "{text}");
}

#[test]
fn a_missing_config_file_is_exit_2_naming_it() {
    let output = hmctl()
        .args(["--config", "/nonexistent/hmctl.toml", "status"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("error: cannot read config file /nonexistent/hmctl.toml"),
        "{stderr}"
    );
    assert!(stderr.contains("hint:"), "{stderr}");
}

#[test]
fn hmctl_config_names_the_file_too() {
    let output = hmctl()
        .env("HMCTL_CONFIG", "/nonexistent/from-env.toml")
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/from-env.toml"));
}

#[test]
fn config_mistakes_are_exit_2_with_file_line_and_key() {
    for (text, expected) in [
        (
            "[[group]]\nname = \"console\"\nprojet = \"production\"\n",
            "projet",
        ),
        (
            "[[group]]\nname = \"console\"\nports = \"10443\"\n",
            "line 3",
        ),
        ("[[group]\nname = \"console\"\n", "line 1"),
        (
            "[service.porter-api]\nstop_timeout = \"ten\"\n",
            "stop_timeout",
        ),
    ] {
        let config = Config::new(text);
        let output = hmctl()
            .arg("--config")
            .arg(&config.path)
            .arg("status")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{text}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&config.path.display().to_string()),
            "{stderr}"
        );
        assert!(stderr.contains(expected), "{text}: {stderr}");
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn a_bare_host_says_so_plainly_and_exits_0() {
    let config = Config::new(
        "[[group]]\nname=\"console\"\npresent_if=[\"/nonexistent/a\"]\n[[group]]\nname=\"sync-proxy\"\npresent_if=[\"/nonexistent/b\"]\n\
         [[group]]\nname=\"agent\"\npresent_if=[\"/nonexistent/c\"]\n[[group]]\nname=\"gateway\"\npresent_if=[\"/nonexistent/d\"]\n",
    );
    let output = hmctl()
        .arg("--config")
        .arg(&config.path)
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.starts_with("No HyperBDR / HyperMotion component is installed on this host."),
        "{text}"
    );
    let json = hmctl()
        .arg("--config")
        .arg(&config.path)
        .args(["--json", "status"])
        .output()
        .unwrap();
    let document: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(document["ok"], true);
    assert_eq!(document["services"].as_array().unwrap().len(), 0);
}

#[test]
fn the_built_in_catalog_on_this_machine_finds_nothing() {
    // The test machine has no HyperBDR installed; the built-in catalog's paths are absent.
    if [
        "/opt/installer/production",
        "/opt/hamal",
        "/var/lib/egisplus-agent",
        "/var/lib/sgateway",
        "/etc/hmctl/hmctl.toml",
    ]
    .iter()
    .any(|path| std::path::Path::new(path).exists())
    {
        return;
    }
    let output = hmctl().arg("status").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("No HyperBDR / HyperMotion component")
    );
}

#[test]
fn a_target_of_an_absent_group_is_exit_2_saying_why() {
    let config = Config::new("[[group]]\nname=\"gateway\"\npresent_if=[\"/nonexistent/d\"]\n");
    let output = hmctl()
        .arg("--config")
        .arg(&config.path)
        .args(["status", "s3block"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("s3block belongs to group gateway") && stderr.contains("/nonexistent/d"),
        "{stderr}"
    );
}

#[test]
fn hostile_targets_are_refused_before_anything_runs() {
    for hostile in [
        "porter-api;reboot",
        "$(touch /tmp/hmctl-pwned)",
        "../../etc/shadow",
        "a`id`",
    ] {
        let output = hmctl().args(["status", hostile]).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{hostile}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("invalid target"),
            "{hostile}"
        );
    }
    let long = "a".repeat(100_000);
    let output = hmctl().args(["status", &long]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        output.stderr.len() < 1000,
        "the error does not echo 100 kB back"
    );
}

#[test]
fn a_non_utf8_target_is_a_usage_error() {
    let output = hmctl()
        .arg("status")
        .arg(std::ffi::OsStr::from_bytes(b"porter-\xff"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let config = Config::new("[[group]]\nname=\"console\"\npresent_if=[\"/nonexistent/a\"]\n");
    for verb in [
        &["list"][..],
        &["status"],
        &["--json", "status"],
        &["logs", "stages"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let binary = assert_cmd::cargo::cargo_bin("hmctl");
        let output = std::process::Command::new(binary)
            .env("NO_COLOR", "1")
            .arg("--config")
            .arg(&config.path)
            .args(verb)
            .stdout(writer)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.is_empty(), "{verb:?}: {stderr}");
        assert_eq!(output.status.code(), Some(0), "{verb:?}");
    }
}

#[test]
fn list_names_every_group_and_the_guide_log_files() {
    let config = Config::new("[[group]]\nname=\"console\"\npresent_if=[\"/nonexistent/a\"]\n");
    let output = hmctl()
        .arg("--config")
        .arg(&config.path)
        .args(["--json", "list"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let groups: Vec<&str> = document["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|group| group["name"].as_str().unwrap())
        .collect();
    assert_eq!(groups, vec!["console", "sync-proxy", "agent", "gateway"]);
    let porter = document["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|service| service["name"] == "porter-api")
        .unwrap();
    assert_eq!(
        porter["logs"][0],
        "/opt/installer/production/logs/porter/porter-api.log"
    );
    assert_eq!(porter["present"], false);
}

#[test]
fn a_daemon_timeout_out_of_range_is_a_usage_error_naming_the_range() {
    for (given, said) in [
        ("0", "0 is not within 0.1 to 600 seconds"),
        ("601", "601 is not within 0.1 to 600 seconds"),
        ("soon", "\"soon\" is not a number of seconds"),
    ] {
        let output = hmctl()
            .args(["--daemon-timeout", given, "status"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{given}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!(
                "error: invalid value '{given}' for '--daemon-timeout <SECS>': {said}"
            )),
            "{stderr}"
        );
    }
}
