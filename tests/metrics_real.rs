//! `hmctl metrics` against the sandbox's real dockerd and systemd, checked by
//! the real Prometheus tools: `promtool check metrics` in every state the
//! status tests cover (daemons down and hung included), node_exporter's
//! textfile collector serving what `--textfile` wrote, and a prometheus
//! server answering a fleet query over a few hosts' textfiles.

mod common;
mod prometheus;

use common::*;
use prometheus::*;
use std::time::{Duration, Instant};

/// `hmctl metrics` with `config` (and extra environment): exit code, stdout, stderr.
fn metrics(config: &Config, env: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let mut command = hmctl();
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command
        .arg("--config")
        .arg(&config.path)
        .arg("metrics")
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn assert_promtool_passes(text: &str) {
    let (passed, said) = promtool_check(text);
    assert!(passed, "promtool check metrics failed: {said}\n{text}");
}

fn labels(service: &str, group: &str, backend: &str) -> String {
    format!(r#"service="{service}",group="{group}",backend="{backend}""#)
}

#[test]
fn every_status_state_is_valid_exposition_with_one_state_each() {
    if skip_without_sandbox() {
        return;
    }
    let project = Project::new("metrics-states", &[("docker-compose-hyperbdr.yml", STATES)]);
    project.compose(&["up", "-d", "plain", "healthy", "sick", "looping", "dead"]);
    let config = config_with(&format!(
        "{}{}",
        console_group(&project),
        gateway_group(&[
            "s3block",
            "hyper_exporter",
            "egisplus-agent",
            "hmt-not-installed",
            "hmt-looper"
        ])
    ));
    wait_for(Duration::from_secs(60), "health checks to settle", || {
        let (_, document) = status_json(&config, &[]);
        let settled = row(&document, "healthy")["health"] == "healthy"
            && row(&document, "sick")["health"] == "unhealthy"
            && row(&document, "looping")["restarts"].as_u64().unwrap_or(0) >= 1
            && row(&document, "dead")["state"] == "exited";
        if settled {
            Ok(())
        } else {
            Err(format!("{document:#}"))
        }
    });
    let (code, text, stderr) = metrics(&config, &[], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_promtool_passes(&text);
    let console = |service: &str| labels(service, "console", "compose");
    let gateway = |service: &str| labels(service, "gateway", "systemd");
    for expected in [
        format!("hmctl_service_up{{{}}} 1", console("plain")),
        format!("hmctl_service_up{{{}}} 1", console("healthy")),
        format!("hmctl_service_up{{{}}} 0", console("sick")),
        format!(
            "hmctl_service_health{{{},health=\"unhealthy\"}} 1",
            console("sick")
        ),
        format!(
            "hmctl_service_state{{{},state=\"exited\"}} 1",
            console("dead")
        ),
        format!(
            "hmctl_service_state{{{},state=\"missing\"}} 1",
            console("never")
        ),
        format!(
            "hmctl_service_state{{{},state=\"running\"}} 1",
            gateway("s3block")
        ),
        format!(
            "hmctl_service_state{{{},state=\"failed\"}} 1",
            gateway("hyper_exporter")
        ),
        format!(
            "hmctl_service_state{{{},state=\"stopped\"}} 1",
            gateway("egisplus-agent")
        ),
        format!(
            "hmctl_service_state{{{},state=\"missing\"}} 1",
            gateway("hmt-not-installed")
        ),
        "hmctl_backend_up{backend=\"compose\"} 1".to_string(),
        "hmctl_backend_up{backend=\"systemd\"} 1".to_string(),
    ] {
        assert!(
            text.contains(&format!("{expected}\n")),
            "no `{expected}` in\n{text}"
        );
    }
    // Exactly one state and one health per service.
    let ones = text
        .lines()
        .filter(|line| line.starts_with("hmctl_service_state{") && line.ends_with(" 1"))
        .count();
    assert_eq!(ones, 11, "{text}");
    assert!(text.contains(&format!(
        "hmctl_service_restarts_total{{{}}} ",
        gateway("hmt-looper")
    )));
    assert!(text.contains(&format!(
        "hmctl_service_start_time_seconds{{{}}} ",
        console("plain")
    )));
    assert!(text.contains("hmctl_build_info{version=\"0.1.0\",commit=\""));
}

#[test]
fn a_daemon_down_or_hung_is_backend_up_zero_and_the_scrape_still_succeeds() {
    if skip_without_sandbox() {
        return;
    }
    let project = plain_project("metrics-down");
    let config = config_with(&format!(
        "{}{}",
        console_group(&project),
        gateway_group(&["s3block"])
    ));
    let silent = tempfile::tempdir().unwrap();
    let hung = format!("unix://{}", silent_socket(silent.path()).display());
    let cases = [
        (
            "DOCKER_HOST",
            "unix:///nonexistent/docker.sock".to_string(),
            "compose",
            "systemd",
        ),
        (
            "DBUS_SYSTEM_BUS_ADDRESS",
            "unix:path=/nonexistent/system_bus_socket".to_string(),
            "systemd",
            "compose",
        ),
        ("DOCKER_HOST", hung, "compose", "systemd"),
    ];
    for (variable, value, down, up) in cases {
        let up_line = format!("hmctl_backend_up{{backend=\"{up}\"}} 1\n");
        // The 2 s hold for the real daemon too, which a loaded machine may
        // not meet: a scrape that found it down too proved nothing, and is
        // made again (up to 5 times).
        let mut scrapes = Vec::new();
        let (code, text, stderr) = loop {
            let started = Instant::now();
            let scrape = metrics(
                &config,
                &[(variable, &value), ("HMCTL_DAEMON_TIMEOUT", "2")],
                &[],
            );
            // Bounded: without its timeout, a hung daemon is waited for forever.
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "bounded like status"
            );
            if scrape.1.contains(&up_line) || scrapes.len() == 4 {
                break scrape;
            }
            scrapes.push(scrape.1);
        };
        assert_eq!(code, 0, "{variable}={value}: {stderr}");
        assert_promtool_passes(&text);
        assert!(
            text.contains(&format!("hmctl_backend_up{{backend=\"{down}\"}} 0\n")),
            "{text}"
        );
        assert!(text.contains(&up_line), "{scrapes:#?}\n{text}");
        let unknown = if down == "compose" {
            labels("plain", "console", "compose")
        } else {
            labels("s3block", "gateway", "systemd")
        };
        assert!(
            text.contains(&format!(
                "hmctl_service_state{{{unknown},state=\"unknown\"}} 1\n"
            )),
            "{text}"
        );
        assert!(
            stderr.contains("hint:"),
            "the daemon's error goes to stderr: {stderr}"
        );
    }
}

#[test]
fn node_exporter_serves_the_textfile_and_a_bad_directory_is_exit_1() {
    if skip_without_sandbox() {
        return;
    }
    sandbox();
    let config = config_with(&gateway_group(&["s3block", "hyper_exporter"]));
    let textfiles = tempfile::tempdir().unwrap();
    let (code, text, stderr) = metrics(
        &config,
        &[],
        &["--textfile", &textfiles.path().display().to_string()],
    );
    assert_eq!((code, text.as_str()), (0, ""), "{stderr}");
    let names: Vec<_> = std::fs::read_dir(textfiles.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(names, vec!["hmctl.prom"], "one file, no temporary left");
    let exporter = node_exporter(textfiles.path(), textfiles.path());
    let served = http_get(exporter.port, "/metrics").unwrap();
    assert!(served.contains("node_textfile_scrape_error 0"), "{served}");
    // node_exporter re-exposes the series with their labels sorted.
    assert!(
        served
            .contains(r#"hmctl_service_up{backend="systemd",group="gateway",service="s3block"} 1"#),
        "{served}"
    );
    assert!(
        served.contains(
            r#"hmctl_service_up{backend="systemd",group="gateway",service="hyper_exporter"} 0"#
        ),
        "{served}"
    );

    let (code, _, stderr) = metrics(&config, &[], &["--textfile", "/nonexistent/textfile-dir"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("/nonexistent/textfile-dir/hmctl.prom") && stderr.contains("hint:"),
        "{stderr}"
    );
}

#[test]
fn prometheus_answers_which_services_are_down_across_hosts() {
    if skip_without_sandbox() {
        return;
    }
    sandbox();
    let work = tempfile::tempdir().unwrap();
    // Three hosts' textfiles, each from its own catalog of the sandbox's units.
    let hosts = [
        ("gw-1", vec!["s3block"]),
        ("gw-2", vec!["s3block", "hyper_exporter"]),
        ("agent-1", vec!["hyper_exporter", "egisplus-agent"]),
    ];
    let mut exporters = Vec::new();
    let mut targets = Vec::new();
    for (host, units) in &hosts {
        let config = config_with(&gateway_group(units));
        let directory = work.path().join(host);
        std::fs::create_dir(&directory).unwrap();
        let (code, _, stderr) = metrics(
            &config,
            &[],
            &["--textfile", &directory.display().to_string()],
        );
        assert_eq!(code, 0, "{stderr}");
        let exporter = node_exporter(&directory, work.path());
        targets.push((exporter.port, host.to_string()));
        exporters.push(exporter);
    }
    let server = prometheus(&targets, work.path());
    let promql = "count by (service) (hmctl_service_up == 0)";
    let result = wait_for(Duration::from_secs(60), "a scrape of every host", || {
        let up = query(&server, "count(up == 1)")?;
        if up.first().and_then(|sample| sample["value"][1].as_str()) != Some("3") {
            return Err(format!("up: {up:?}\n{}", server.log_text()));
        }
        query(&server, promql)
    });
    let down = by_service(&result);
    assert_eq!(
        down,
        vec![
            ("egisplus-agent".to_string(), "1".to_string()),
            ("hyper_exporter".to_string(), "2".to_string())
        ]
    );
}
