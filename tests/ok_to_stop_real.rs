//! ok-to-stop against the real dockerd and the real systemd: a stop that
//! would leave a running service without what it needs is refused, naming
//! each; `--with-dependents` stops them too, dependents first; `--force`
//! stops only what was asked; `hmctl ok-to-stop` answers alone; a start
//! names the dependents it leaves stopped.

mod common;

use common::*;
use std::process::Command;
use std::time::Duration;

/// A console in small: mysql and rabbitmq, porter-api needing both,
/// porter-migration needing porter-api, owl-api needing mysql, all with the
/// console's `restart: always`.
const CONSOLE: &str = r"
services:
  mysql:
    @BASE@
    command: @SLEEPER@
    restart: always
  rabbitmq:
    @BASE@
    command: @SLEEPER@
    restart: always
  porter-api:
    @BASE@
    command: @SLEEPER@
    restart: always
    depends_on: [mysql, rabbitmq]
  porter-migration:
    @BASE@
    command: @SLEEPER@
    restart: always
    depends_on: [porter-api]
  owl-api:
    @BASE@
    command: @SLEEPER@
    restart: always
    depends_on: [mysql]
";

const SERVICES: [&str; 5] = [
    "mysql",
    "rabbitmq",
    "porter-api",
    "porter-migration",
    "owl-api",
];

const REFUSAL: &str = "error: not stopping mysql: running services need it (porter-api needs mysql; porter-migration needs porter-api; owl-api needs mysql); nothing was changed\n\
hint: stop them too, dependents first, with `hmctl stop --with-dependents mysql` (`hmctl start mysql porter-api porter-migration owl-api` brings them back in order), or only what was asked with `hmctl stop --force mysql`\n";

fn console(test: &str) -> (Project, Config) {
    let project = Project::new(test, &[("docker-compose-hyperbdr.yml", CONSOLE)]);
    project.compose(&["up", "-d"]);
    let config = config_with(&console_group(&project));
    wait_until_all_ok(&config, "the console to run");
    (project, config)
}

fn states(config: &Config) -> Vec<String> {
    let (_, document) = status_json(config, &[]);
    SERVICES
        .iter()
        .map(|service| {
            format!(
                "{service}={}",
                row(&document, service)["state"].as_str().unwrap()
            )
        })
        .collect()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `hmctl ARGS` with the test's config, which must exit 0.
fn succeeds(config: &Config, args: &[&str]) -> std::process::Output {
    let output = config.hmctl().args(args).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{args:?}: {}",
        stderr(&output)
    );
    output
}

#[test]
fn stopping_mysql_is_refused_naming_what_needs_it_and_ok_to_stop_says_the_same() {
    if skip_without_sandbox() {
        return;
    }
    let (project, config) = console("oks-refused");
    let before: Vec<String> = SERVICES
        .iter()
        .map(|service| started_at(&project, service))
        .collect();
    for dry_run in [false, true] {
        let mut command = config.hmctl();
        command.args(["stop", "mysql"]);
        if dry_run {
            command.arg("--dry-run");
        }
        let output = command.output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert_eq!(stderr(&output), REFUSAL, "dry run: {dry_run}");
        assert_eq!(stdout(&output), "");
    }
    let output = config
        .hmctl()
        .args(["ok-to-stop", "mysql"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "NOT safe to stop mysql: running services need it\n  porter-api needs mysql\n  porter-migration needs porter-api\n  owl-api needs mysql\n"
    );
    assert!(
        stderr(&output).starts_with("hint: stop them too"),
        "{}",
        stderr(&output)
    );
    let output = config
        .hmctl()
        .args(["--json", "ok-to-stop", "rabbitmq"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["safe"], false);
    assert_eq!(
        document["dependents"],
        serde_json::json!([
            {"service": "porter-api", "group": "console", "needs": ["rabbitmq"]},
            {"service": "porter-migration", "group": "console", "needs": ["porter-api"]}
        ])
    );
    let output = succeeds(&config, &["ok-to-stop", "porter-migration", "owl-api"]);
    assert_eq!(
        stdout(&output),
        "safe to stop porter-migration, owl-api: no other running service needs them\n"
    );
    let after: Vec<String> = SERVICES
        .iter()
        .map(|service| started_at(&project, service))
        .collect();
    assert_eq!(before, after, "nothing was touched");
    assert!(
        states(&config)
            .iter()
            .all(|state| state.ends_with("=running"))
    );
}

#[test]
fn with_dependents_stops_them_first_and_a_start_of_mysql_names_them() {
    if skip_without_sandbox() {
        return;
    }
    let (project, config) = console("oks-with-dependents");
    succeeds(
        &config,
        &["stop", "--with-dependents", "mysql", "--timeout", "5"],
    );
    assert_eq!(
        states(&config),
        [
            "mysql=exited",
            "rabbitmq=running",
            "porter-api=exited",
            "porter-migration=exited",
            "owl-api=exited"
        ]
    );
    let finished = |service: &str| finished_at(&project, service);
    assert!(finished("porter-migration") <= finished("porter-api"));
    assert!(finished("porter-api") <= finished("mysql"));
    assert!(finished("owl-api") <= finished("mysql"));
    // A stopped dependent does not block: stopping rabbitmq alone is safe now.
    let output = config
        .hmctl()
        .args(["ok-to-stop", "rabbitmq"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));

    let output = succeeds(&config, &["start", "mysql"]);
    assert!(
        stderr(&output).ends_with(
            "\nwarning: left stopped, though they need what was started: porter-api needs mysql; porter-migration needs porter-api; owl-api needs mysql\n\
hint: `hmctl start porter-api porter-migration owl-api` starts them too, in order\n"
        ),
        "after the progress lines: {}",
        stderr(&output)
    );
    succeeds(
        &config,
        &["start", "porter-api", "porter-migration", "owl-api"],
    );
    assert!(started_at(&project, "porter-api") < started_at(&project, "porter-migration"));
    assert!(
        states(&config)
            .iter()
            .all(|state| state.ends_with("=running"))
    );
}

#[test]
fn restart_is_not_refused_and_force_stops_only_mysql() {
    if skip_without_sandbox() {
        return;
    }
    let (project, config) = console("oks-force");
    let mysql = started_at(&project, "mysql");
    // Down only between its own stop and start: what needs it rides that out.
    succeeds(&config, &["restart", "mysql", "--settle", "0"]);
    assert_ne!(started_at(&project, "mysql"), mysql);
    let api = started_at(&project, "porter-api");
    succeeds(&config, &["stop", "--force", "mysql", "--timeout", "5"]);
    assert_eq!(
        states(&config),
        [
            "mysql=exited",
            "rabbitmq=running",
            "porter-api=running",
            "porter-migration=running",
            "owl-api=running"
        ]
    );
    assert_eq!(started_at(&project, "porter-api"), api);
    let output = config
        .hmctl()
        .args(["stop", "--force", "--with-dependents", "mysql"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "the two ways on exclude each other"
    );
}

/// A transient unit in the sandbox's systemd that writes when it was told to
/// stop (bash's `$EPOCHREALTIME`, a builtin: systemd kills every process the
/// unit forks while it stops) into /tmp/NAME.stopped.
fn transient_unit(name: &str) {
    let sandbox = sandbox();
    let _ = Command::new("docker")
        .args([
            "exec",
            &sandbox.systemd_container,
            "systemctl",
            "stop",
            name,
        ])
        .output();
    let script = format!(
        "trap 'echo $EPOCHREALTIME >/tmp/{name}.stopped; exit 0' TERM; rm -f /tmp/{name}.stopped; sleep infinity & wait"
    );
    let output = Command::new("docker")
        .args([
            "exec",
            &sandbox.systemd_container,
            "systemd-run",
            // Collected even when it failed: a failed run's unit left loaded
            // would make the next run's `systemd-run --unit` refuse its name.
            "--collect",
            "--unit",
            name,
        ])
        .args(["/bin/bash", "-c", &script])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    wait_for(
        Duration::from_secs(60),
        "the unit to run",
        || match systemctl(&["is-active", name]).as_str() {
            "active" => Ok(()),
            other => Err(other.to_string()),
        },
    );
}

fn stopped_at(name: &str) -> f64 {
    let sandbox = sandbox();
    let output = Command::new("docker")
        .args(["exec", &sandbox.systemd_container, "cat"])
        .arg(format!("/tmp/{name}.stopped"))
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn units_needed_through_the_catalog_are_guarded_too() {
    if skip_without_sandbox() {
        return;
    }
    sandbox();
    let (db, app) = ("hmt-oks-db", "hmt-oks-app");
    let config = config_with(&format!(
        "{}[service.{app}]\ndepends_on = [\"{db}\"]\n",
        gateway_group(&[db, app])
    ));
    transient_unit(db);
    transient_unit(app);
    let output = config.hmctl().args(["stop", db]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with(&format!(
            "error: not stopping {db}: running services need it ({app} needs {db}); nothing was changed\n"
        )),
        "{}",
        stderr(&output)
    );
    assert_eq!(systemctl(&["is-active", db, app]), "active\nactive");

    succeeds(&config, &["stop", "--with-dependents", db]);
    assert!(
        stopped_at(app) < stopped_at(db),
        "the dependent stops first"
    );
    assert_ne!(systemctl(&["is-active", db]), "active");
    assert_ne!(systemctl(&["is-active", app]), "active");

    transient_unit(db);
    transient_unit(app);
    succeeds(&config, &["stop", "--force", db]);
    assert_ne!(systemctl(&["is-active", db]), "active");
    assert_eq!(
        systemctl(&["is-active", app]),
        "active",
        "only what was asked"
    );
    let _ = systemctl(&["stop", app]);
}
