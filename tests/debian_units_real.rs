//! Debian's own units, as a gateway runs them: nginx (Type=forking),
//! redis-server and mariadb (Type=notify) in the sandbox's systemd. Status,
//! a restart (a new main process), a broken configuration (the program's own
//! words, said once), a masked unit (the way out as a hint), a stop.

mod common;

use common::*;
use std::process::{Command, Output};
use std::time::Duration;

/// The sandbox's systemd with Debian's units installed, or a panic saying how
/// to get it.
fn debian_units(units: &[&str]) -> Config {
    sandbox();
    for unit in units {
        assert!(
            unit_property(&format!("{unit}.service"), "LoadState") == "loaded",
            "this test needs the sandbox's systemd image with Debian's nginx, redis-server \
             and mariadb ({unit}.service is not there): run `tests/run-all` \
             (or `tests/sandbox/sandbox.sh up && source /run/hmctl-sandbox/env`)"
        );
    }
    config_with(&gateway_group(units))
}

/// `sh -c SCRIPT` in the sandbox's systemd container, checked.
fn in_container(script: &str) {
    let output = Command::new("docker")
        .args(["exec", &sandbox().systemd_container, "sh", "-c", script])
        .output()
        .expect("docker exec");
    assert!(
        output.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A change made in the container, undone by `undo` when dropped (when the
/// test passes or fails), leaving `unit` running.
struct Changed {
    undo: String,
    unit: &'static str,
}

impl Changed {
    fn new(change: &str, undo: &str, unit: &'static str) -> Changed {
        in_container(change);
        Changed {
            undo: undo.to_string(),
            unit,
        }
    }
}

impl Drop for Changed {
    fn drop(&mut self) {
        let unit = self.unit;
        let _ = Command::new("docker")
            .args(["exec", &sandbox().systemd_container, "sh", "-c"])
            .arg(format!(
                "{}; systemctl reset-failed {unit}; systemctl restart {unit}",
                self.undo
            ))
            .output();
    }
}

/// A config file of the container, broken by `append`ing to it until dropped.
fn broken(file: &str, append: &str, unit: &'static str) -> Changed {
    Changed::new(
        &format!("cp -p {file} {file}.hmt && printf '%s\\n' '{append}' >>{file}"),
        &format!("mv {file}.hmt {file}"),
        unit,
    )
}

/// hmctl's text output (stdout then stderr) and exit code.
fn run(config: &Config, args: &[&str]) -> (i32, String, String) {
    let shim = JournalShim::new();
    let Output {
        status,
        stdout,
        stderr,
    } = config
        .hmctl()
        .env("PATH", shim.path())
        .args(args)
        .output()
        .unwrap();
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// The running main PID of `unit` as hmctl reports it (and as systemd does).
fn running_pid(config: &Config, unit: &str) -> u64 {
    wait_for(Duration::from_secs(60), &format!("{unit} running"), || {
        let (code, document) = status_json(config, &[unit]);
        let row = row(&document, unit);
        match (code, row["state"].as_str(), row["pid"].as_u64()) {
            (0, Some("running"), Some(pid)) => Ok(pid),
            _ => Err(format!("{document:#}")),
        }
    })
}

/// A restart gives the unit a new main process, the one systemd names.
fn restarts_with_a_new_main_process(config: &Config, unit: &str) {
    let before = running_pid(config, unit);
    let (code, stdout, stderr) = run(config, &["restart", unit]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let after = running_pid(config, unit);
    assert_ne!(before, after, "a new main process");
    assert_eq!(
        after.to_string(),
        unit_property(&format!("{unit}.service"), "MainPID")
    );
}

/// A restart that fails on a broken configuration: exit 1, `words` (the
/// program's own) exactly once, below the table, and never the unit's result
/// twice over.
fn fails_with_its_own_words(config: &Config, unit: &str, words: &str) {
    let (code, stdout, stderr) = run(config, &["restart", unit]);
    let said = format!("{stdout}{stderr}");
    assert_eq!(code, 1, "{said}");
    assert_eq!(said.matches(words).count(), 1, "said once: {said}");
    let (table, below) = stdout
        .split_once(&format!("\nthe last lines of {unit}:\n"))
        .unwrap_or_else(|| panic!("the last lines below the table: {stdout}"));
    assert!(table.contains("FAILED"), "{table}");
    assert!(below.contains(words), "{below}");
    assert!(!said.contains("— Result:"), "{said}");
    assert!(
        stderr.contains(&format!("error: 1 of 1 services did not restart: {unit} (")),
        "{stderr}"
    );
}

/// A stop leaves the unit inactive; a start brings it back.
fn stops_and_starts(config: &Config, unit: &str) {
    let (code, stdout, stderr) = run(config, &["stop", unit]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let (_, document) = status_json(config, &[unit]);
    assert_eq!(row(&document, unit)["state"], "stopped", "{document:#}");
    assert_eq!(
        unit_property(&format!("{unit}.service"), "ActiveState"),
        "inactive"
    );
    let (code, stdout, stderr) = run(config, &["start", unit]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    running_pid(config, unit);
}

/// Debian enables mariadb.socket, which starts mariadb on demand: a stop
/// says so, whether mariadb stayed stopped or a client of the socket (such
/// as debian-start's background checks) had already started it again.
fn a_stop_names_the_socket_that_starts_it_again(config: &Config) {
    // As Debian leaves it (a run stopped half-way may not have).
    in_container(
        "systemctl is-active -q mariadb.socket \
         || { systemctl stop mariadb; systemctl start mariadb.socket; }",
    );
    running_pid(config, "mariadb");
    let (code, stdout, stderr) = run(config, &["stop", "mariadb"]);
    match code {
        0 => assert!(
            stdout.contains("; mariadb.socket can start it again on demand"),
            "{stdout}{stderr}"
        ),
        1 => {
            assert!(
                stdout.contains("; mariadb.socket starts it on demand"),
                "{stdout}{stderr}"
            );
            assert!(
                stderr.contains(
                    "hint: to keep mariadb stopped, stop what starts it too: \
                     `systemctl stop mariadb.socket` (and `systemctl start mariadb.socket` \
                     when it may run again)\n"
                ),
                "{stderr}"
            );
        }
        _ => panic!("exit {code}: {stdout}{stderr}"),
    }
    let (code, stdout, stderr) = run(config, &["start", "mariadb"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
}

/// The life of a real unit: a restart gives it a new main process; broken
/// by `break_it`, a restart fails with the program's `words`; once that is
/// undone it runs again; a stop, a start.
fn lives_through(
    config: &Config,
    unit: &'static str,
    break_it: impl FnOnce() -> Changed,
    words: &str,
) {
    restarts_with_a_new_main_process(config, unit);
    {
        let _broken = break_it();
        fails_with_its_own_words(config, unit, words);
    }
    running_pid(config, unit);
    stops_and_starts(config, unit);
}

#[test]
fn nginx_restarts_fails_on_a_broken_config_refuses_when_masked_and_stops() {
    if skip_without_sandbox() {
        return;
    }
    let config = debian_units(&["nginx"]);
    lives_through(
        &config,
        "nginx",
        || broken("/etc/nginx/nginx.conf", "hmt_bogus_directive on;", "nginx"),
        "unknown directive \"hmt_bogus_directive\" in /etc/nginx/nginx.conf",
    );

    let (code, stdout, stderr) = run(&config, &["stop", "nginx"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let _masked = Changed::new("systemctl mask nginx", "systemctl unmask nginx", "nginx");
    let (code, stdout, stderr) = run(&config, &["start", "nginx"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stderr.contains(
            "nginx (systemd refused to start nginx.service: Unit nginx.service is masked.)\n\
             hint: systemctl unmask nginx\n"
        ),
        "{stderr}"
    );
}

#[test]
fn redis_restarts_fails_on_a_broken_config_and_stops() {
    if skip_without_sandbox() {
        return;
    }
    let config = debian_units(&["redis-server"]);
    lives_through(
        &config,
        "redis-server",
        || {
            broken(
                "/etc/redis/redis.conf",
                "hmt-bogus-option yes",
                "redis-server",
            )
        },
        "Bad directive or wrong number of arguments",
    );
}

#[test]
fn mariadb_restarts_fails_on_a_broken_config_and_stops() {
    if skip_without_sandbox() {
        return;
    }
    let config = debian_units(&["mariadb"]);
    a_stop_names_the_socket_that_starts_it_again(&config);
    // Without its socket listening, so that a client of it (debian-start's
    // checks, run in the background after each start) cannot start mariadb
    // again in the middle of what follows.
    // systemd refuses to start the socket while mariadb runs without it.
    let _socket_stopped = Changed::new(
        "systemctl stop mariadb.socket",
        "systemctl stop mariadb; systemctl start mariadb.socket",
        "mariadb",
    );
    lives_through(
        &config,
        "mariadb",
        || {
            Changed::new(
                "printf '[mysqld]\\nhmt_bogus_option = 1\\n' >/etc/mysql/mariadb.conf.d/99-hmt.cnf",
                "rm -f /etc/mysql/mariadb.conf.d/99-hmt.cnf",
                "mariadb",
            )
        },
        "unknown variable 'hmt_bogus_option=1'",
    );
}
