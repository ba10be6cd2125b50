//! The Windows agent named (issue 27): `list`, `logs stages` and `diagnose
//! --stage` show its services (`DiskSync-Agent`, `hp_exporter_service`) and
//! the troubleshooting guide's log paths as living on the Windows host, with
//! no state and no control from here. Every built-in group is absent, so
//! nothing of this host is asked.

mod common;

use common::*;

/// The text of a table with its column padding folded to ` | `, one row a
/// line, so a row can be compared whatever the widths of the other rows.
fn cells(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| {
            line.trim()
                .split("  ")
                .map(str::trim)
                .filter(|cell| !cell.is_empty())
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect()
}

fn run(config: &Config, args: &[&str]) -> (i32, String) {
    let output = config.hmctl().args(args).output().unwrap();
    assert!(
        output.stderr.is_empty(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        output.status.code().unwrap(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn list_names_the_windows_agents_services_on_the_windows_host() {
    let config = config_with("");
    let (code, text) = run(&config, &["list"]);
    assert_eq!(code, 0);
    let rows = cells(&text);
    for expected in [
        r"DiskSync-Agent | windows-agent | - | on the Windows host | C:\Program Files (x86)\DiskSync-Agent\log\DSAgent-<YYYY-MM-DD>.log",
        r"C:\Program Files (x86)\DiskSync-Agent\log\PreInstallation-<YYYY-MM-DD>.log",
        r"hp_exporter_service | windows-agent | - | on the Windows host | C:\Program Files (x86)\DiskSync-Agent\hyper_exporter\hyper_exporter.log",
    ] {
        assert!(rows.iter().any(|row| row == expected), "{expected}\n{text}");
    }
    assert!(
        text.lines().any(|line| line
            == "group windows-agent: on the Windows host (not this host: hmctl has no state of it and controls nothing there; use the Services console (services.msc) of the Windows host)"),
        "{text}"
    );
}

#[test]
fn list_json_keeps_the_windows_services_apart_from_this_hosts() {
    let config = config_with("");
    let (code, text) = run(&config, &["--json", "list"]);
    assert_eq!(code, 0);
    let document: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        document["elsewhere"],
        serde_json::json!([
            {"name": "DiskSync-Agent", "group": "windows-agent", "host": "windows",
             "logs": [r"C:\Program Files (x86)\DiskSync-Agent\log\DSAgent-<YYYY-MM-DD>.log",
                      r"C:\Program Files (x86)\DiskSync-Agent\log\PreInstallation-<YYYY-MM-DD>.log"]},
            {"name": "hp_exporter_service", "group": "windows-agent", "host": "windows",
             "logs": [r"C:\Program Files (x86)\DiskSync-Agent\hyper_exporter\hyper_exporter.log"]}
        ])
    );
    // This host's services keep their kinds: no Windows row among them.
    let services = document["services"].as_array().unwrap();
    assert!(
        services
            .iter()
            .all(|service| service["group"] != "windows-agent"),
        "{text}"
    );
}

#[test]
fn logs_stages_names_the_windows_logs_where_the_guide_does() {
    let config = config_with("");
    let (code, text) = run(&config, &["logs", "stages"]);
    assert_eq!(code, 0);
    let rows = cells(&text);
    let position = |row: &str| {
        rows.iter()
            .position(|line| line == row)
            .unwrap_or_else(|| panic!("no row {row}\n{text}"))
    };
    // install: both of the agent's files, after this host's high-priority rows.
    let install = position(
        "install | high | egisplus-agent | agent | /var/log/egisplus-agent/linux_agent.log",
    );
    let windows = position(
        r"high | DiskSync-Agent | windows-agent | C:\Program Files (x86)\DiskSync-Agent\log\PreInstallation-<YYYY-MM-DD>.log (on the Windows host)",
    );
    assert_eq!(
        rows[windows + 1],
        r"C:\Program Files (x86)\DiskSync-Agent\log\DSAgent-<YYYY-MM-DD>.log (on the Windows host)"
    );
    let low = position("proxy-api | console | /opt/installer/production/logs/proxy/proxy-api.log");
    assert!(install < windows && windows < low, "{text}");
    position(
        r"high | hp_exporter_service | windows-agent | C:\Program Files (x86)\DiskSync-Agent\hyper_exporter\hyper_exporter.log (on the Windows host)",
    );
    // The program log in the two sync stages, nowhere else.
    let program_rows = rows
        .iter()
        .filter(|row| {
            row.as_str()
                == r"high | DiskSync-Agent | windows-agent | C:\Program Files (x86)\DiskSync-Agent\log\DSAgent-<YYYY-MM-DD>.log (on the Windows host)"
        })
        .count();
    assert_eq!(program_rows, 2, "{text}");
    assert!(
        text.contains("(Install & registration (Linux / Windows agent, sync proxy))"),
        "{text}"
    );
}

#[test]
fn diagnose_of_a_windows_stage_says_where_its_logs_are() {
    let config = config_with("");
    let (code, text) = run(&config, &["diagnose", "--stage", "monitoring"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.ends_with(
            "\nThe Windows agent's logs for this stage are on the Windows host (not read here):\n  \
             hp_exporter_service: C:\\Program Files (x86)\\DiskSync-Agent\\hyper_exporter\\hyper_exporter.log\n  \
             before reading them, check that hp_exporter_service is running in the Services console (services.msc) of the Windows host\n"
        ),
        "{text}"
    );
    let (code, text) = run(&config, &["--json", "diagnose", "--stage", "install"]);
    assert_eq!(code, 0, "{text}");
    let document: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        document["elsewhere"],
        serde_json::json!([
            {"service": "DiskSync-Agent", "host": "windows",
             "path": r"C:\Program Files (x86)\DiskSync-Agent\log\PreInstallation-<YYYY-MM-DD>.log"},
            {"service": "DiskSync-Agent", "host": "windows",
             "path": r"C:\Program Files (x86)\DiskSync-Agent\log\DSAgent-<YYYY-MM-DD>.log"}
        ])
    );
}

#[test]
fn diagnose_of_a_stage_without_the_windows_agent_names_no_windows_host() {
    let config = config_with("");
    let (code, text) = run(&config, &["diagnose", "--stage", "boot-block"]);
    assert_eq!(code, 0, "{text}");
    assert!(!text.contains("Windows"), "{text}");
    let (_, text) = run(&config, &["--json", "diagnose", "--stage", "boot-block"]);
    let document: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(document.get("elsewhere").is_none(), "{text}");
}

#[test]
fn a_windows_service_as_a_target_is_said_to_live_on_the_windows_host() {
    let config = config_with("");
    for (args, named) in [
        (&["status", "DiskSync-Agent"][..], "DiskSync-Agent"),
        (&["restart", "hp_exporter_service"], "hp_exporter_service"),
        (&["logs", "disksync-agent"], "DiskSync-Agent"),
        (&["stop", "windows-agent"], "windows-agent"),
    ] {
        let output = config.hmctl().args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            format!(
                "error: {named} is the Windows agent's: it runs on the Windows host, not on this one; hmctl has no state of it and changes nothing there\n\
                 hint: use the Services console (services.msc) of the Windows host; `hmctl list` shows its log files there\n"
            ),
            "{args:?}"
        );
    }
}
