//! The tables an operator reads, pinned whole: the status table, the plan of
//! `--dry-run` and the ok-to-stop verdict, rendered from model values at a
//! fixed time, and the failures only a daemon or another user meets,
//! compared with the reviewed snapshots in `tests/snapshots/render/`
//! (`INSTA_UPDATE=always` rewrites them). The diagnose report is pinned from
//! the binary on recorded logs (`tests/pinned_messages.rs`): its model is
//! built by the scan, not by hand. (Named `tests.rs`: the layering test reads
//! such files as test code, which may name a kind of backend.)

use super::{Style, dependents, lifecycle, status};
use crate::exit::Exit;
use crate::model::{Action, BackendKind, Handle, Health, ServiceStatus, State, Step, Verb};
use crate::ops::dependents::{Dependent, Verdict};
use crate::ops::plan::Plan;
use crate::ops::status::StatusReport;
use std::time::Duration;

fn pin(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/snapshots/render"
    ));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

/// A service as the planner's tests build it, with what the table shows.
fn service(name: &str, group: &str, state: State, health: Health, detail: &str) -> ServiceStatus {
    let kind = if group == "gateway" {
        BackendKind::Systemd
    } else {
        BackendKind::Compose
    };
    let mut service = crate::ops::fixtures::service(name, group, kind, state, health);
    service.detail = detail.into();
    service.since = Some("2026-11-23T08:00:00Z".parse().unwrap());
    service.restarts = Some(if state == State::Restarting { 7 } else { 0 });
    service
}

#[test]
fn the_status_table() {
    let report = StatusReport {
        schema: 1,
        host: "console-01".into(),
        ok: false,
        services: vec![
            service(
                "porter-api",
                "console",
                State::Running,
                Health::Healthy,
                "Up 3 hours (healthy)",
            ),
            service(
                "mysql",
                "console",
                State::Running,
                Health::None,
                "Up 3 hours",
            ),
            service(
                "owl-api",
                "console",
                State::Running,
                Health::Unhealthy,
                "Up 3 hours (unhealthy)",
            ),
            service(
                "porter-worker",
                "console",
                State::Restarting,
                Health::None,
                "Restarting (1) 4 seconds ago",
            ),
            service(
                "unicloud-engine",
                "console",
                State::Exited,
                Health::None,
                "Exited (137) 5 minutes ago",
            ),
            service(
                "s3block",
                "gateway",
                State::Failed,
                Health::None,
                "failed (Result: exit-code)",
            ),
        ],
        checks: vec![],
        errors: vec![],
        absent_groups: vec![(
            "agent".into(),
            "present when /var/lib/egisplus-agent exists".into(),
        )],
        exit: Exit::NotRunning,
    };
    let now: jiff::Timestamp = "2026-11-23T11:12:00Z".parse().unwrap();
    pin("status_table", &status::human(&report, Style::plain(), now));
}

fn step(service: &str, action: Action, now: &str, after: &[&str], settle: Option<u64>) -> Step {
    Step {
        service: service.into(),
        group: "console".into(),
        handle: Handle::compose("hyperbdr", service, None),
        action,
        now: now.into(),
        after: after.iter().map(ToString::to_string).collect(),
        settle: settle.map(Duration::from_secs),
        stop_grace: Duration::from_secs(10),
        compose_files: vec![],
    }
}

#[test]
fn the_plan_of_a_dry_run() {
    let restart = Plan {
        verb: Verb::Restart,
        steps: vec![
            step("mysql", Action::Restart, "Up 3 hours", &[], Some(5)),
            step(
                "rabbitmq",
                Action::Skip,
                "Up 3 hours (maintenance)",
                &[],
                None,
            ),
            step(
                "porter-api",
                Action::Restart,
                "Up 3 hours (healthy)",
                &["mysql"],
                Some(5),
            ),
            step(
                "owl-api",
                Action::Create,
                "declared, no container",
                &["mysql", "porter-api"],
                Some(5),
            ),
        ],
    };
    pin("plan_restart", &lifecycle::plan(&restart, Style::plain()));
    let stop = Plan {
        verb: Verb::Stop,
        steps: vec![
            step(
                "porter-api",
                Action::Stop,
                "Up 3 hours (healthy)",
                &[],
                None,
            ),
            step("mysql", Action::Stop, "Up 3 hours", &["porter-api"], None),
        ],
    };
    pin("plan_stop", &lifecycle::plan(&stop, Style::plain()));
}

#[test]
fn the_ok_to_stop_verdicts() {
    let targets = vec!["mysql".to_string()];
    let not_safe = Verdict {
        stopping: targets.clone(),
        dependents: vec![
            Dependent {
                service: "porter-api".into(),
                group: "console".into(),
                needs: vec!["mysql".into()],
            },
            Dependent {
                service: "owl-api".into(),
                group: "console".into(),
                needs: vec!["mysql".into(), "porter-api".into()],
            },
        ],
    };
    let safe = Verdict {
        stopping: targets.clone(),
        dependents: vec![],
    };
    let nothing = Verdict {
        stopping: vec![],
        dependents: vec![],
    };
    let text = [&not_safe, &safe, &nothing]
        .iter()
        .map(|verdict| dependents::verdict(verdict, &targets))
        .collect::<String>();
    pin("ok_to_stop_verdicts", &text);
}

/// `error: MESSAGE` and `hint: HINT`, as the operator reads a failure.
fn as_read(failure: &crate::exit::Failure) -> String {
    let hint = failure
        .hint
        .as_deref()
        .map(|hint| format!("hint: {hint}\n"))
        .unwrap_or_default();
    format!(
        "exit {}\nerror: {}\n{hint}",
        failure.exit.code(),
        failure.message
    )
}

/// The failures only a daemon (hung, refusing root's peers) or a user other
/// than root meets, built from their values: each kind's words for a daemon
/// that cannot be reached, refuses, or does not answer; a stop refused for its
/// dependents; a file of hmctl's own that is denied or on a full disk.
#[test]
fn the_failures_no_hermetic_run_reaches() {
    use crate::backend::BackendError;
    let mut text = String::new();
    for backend in [
        BackendKind::Compose,
        BackendKind::Systemd,
        BackendKind::Sysv,
        BackendKind::Upstart,
    ] {
        let endpoint = "/run/example.sock".to_string();
        for error in [
            BackendError::Unreachable {
                backend,
                endpoint: endpoint.clone(),
                detail: "connection refused".into(),
            },
            BackendError::PermissionDenied {
                backend,
                endpoint: endpoint.clone(),
            },
            BackendError::Timeout {
                backend,
                endpoint: endpoint.clone(),
                after: Duration::from_secs(5),
            },
        ] {
            text.push_str(&as_read(&error.into_failure()));
        }
    }
    let verdict = Verdict {
        stopping: vec!["mysql".into()],
        dependents: vec![Dependent {
            service: "porter-api".into(),
            group: "console".into(),
            needs: vec!["mysql".into()],
        }],
    };
    text.push_str(&as_read(&crate::ops::dependents::refusal(
        &["mysql".into()],
        &verdict,
    )));
    for kind in [
        std::io::ErrorKind::PermissionDenied,
        std::io::ErrorKind::StorageFull,
    ] {
        text.push_str(&as_read(&crate::exit::Failure::of_private_file(
            &std::io::Error::from(kind),
            "cannot write the history /var/lib/hmctl/history.jsonl".into(),
            "the history is root's: run it with sudo",
        )));
    }
    pin("failures_from_values", &text);
}
