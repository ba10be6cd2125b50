//! The state advice of `advice.rs` on hand-made states: what is a finding,
//! what is only information, and when a failure began.

use super::advice::{Condition, began, condition, state_findings, time_key};
use super::context::Context;
use super::report::ServiceState;
use super::report::{Role, Severity};
use super::window::Window;
use crate::catalog::Catalog;
use crate::model::{
    BackendKind, Details, Handle, Health, HealthCheckTiming, HealthRun, Observation, ServiceStatus,
    State,
};

/// A kind of backend that creates a declared service's instance (a container).
fn creating() -> BackendKind {
    kind_that(true)
}

/// A kind of backend whose services come installed (a unit).
fn not_creating() -> BackendKind {
    kind_that(false)
}

fn kind_that(creates_missing: bool) -> BackendKind {
    BackendKind::ALL
        .iter()
        .copied()
        .find(|kind| kind.creates_missing() == creates_missing)
        .unwrap()
}

fn state(kind: BackendKind, observation: Observation, details: Option<Details>) -> ServiceState {
    ServiceState {
        status: ServiceStatus::new(
            "influxdb",
            "console",
            Handle::example(kind, "influxdb"),
            observation,
        ),
        details,
    }
}

fn now() -> jiff::Timestamp {
    "2026-12-04T19:00:00Z".parse().unwrap()
}

fn starting(seconds_ago: i64, start_period: u64) -> ServiceState {
    state(
        creating(),
        Observation {
            state: State::Running,
            health: Health::Starting,
            since: Some(now() - jiff::SignedDuration::from_secs(seconds_ago)),
            ..Observation::missing("Up 5 seconds (health: starting)")
        },
        Some(Details {
            health_timing: Some(HealthCheckTiming {
                interval_seconds: 2,
                start_period_seconds: start_period,
            }),
            ..Details::default()
        }),
    )
}

#[test]
fn a_health_check_in_its_start_period_is_given_time() {
    assert_eq!(
        condition(&starting(5, 60), now()),
        Condition::StillStarting { left: Some(55) }
    );
    assert_eq!(
        condition(&starting(90, 60), now()),
        Condition::StillStarting { left: Some(0) }
    );
}

#[test]
fn a_missing_container_is_created_and_a_missing_unit_is_not_restarted() {
    let container = state(creating(), Observation::missing("no container"), None);
    assert_eq!(condition(&container, now()), Condition::NotCreated);
    let unit = state(not_creating(), Observation::missing("unit not found"), None);
    assert_eq!(condition(&unit, now()), Condition::NotInstalled);
}

#[test]
fn an_unhealthy_container_began_failing_at_its_first_failed_check() {
    let run = |end: &str, exit_code: i64| HealthRun {
        end: Some(end.into()),
        exit_code,
        output: String::new(),
    };
    let mut sick = starting(60, 0);
    sick.status.health = Health::Unhealthy;
    sick.details = Some(Details {
        health_checks: vec![
            run("2026-12-04T18:59:50Z", 1),
            run("2026-12-04T18:59:52Z", 0),
            run("2026-12-04T18:59:54Z", 1),
            run("2026-12-04T18:59:56Z", 1),
        ],
        ..Details::default()
    });
    assert_eq!(condition(&sick, now()), Condition::Unhealthy);
    let key = time_key("2026-12-04T18:59:54Z".parse().unwrap());
    assert_eq!(began(&sick, Condition::Unhealthy), Some(key));
}

#[test]
fn time_keys_sort_with_the_log_lines() {
    let key = time_key("2026-12-04T19:00:00.5Z".parse().unwrap());
    assert_eq!(key.len(), "2025-09-18 16:24:31.123".len());
    assert!(key.ends_with(":00.500"), "{key}");
}

/// The findings of `states` on the built-in catalog, at `now()`.
fn findings_of(states: &[ServiceState]) -> Vec<crate::diagnose::report::Finding> {
    let catalog = Catalog::builtin();
    let window = Window {
        since: "2026-12-04T18:00:00Z".parse().unwrap(),
        until: "2026-12-04T19:00:00Z".parse().unwrap(),
        at: None,
        zone: jiff::tz::TimeZone::UTC,
    };
    let context = Context {
        window: &window,
        keyword: None,
        states,
        catalog: &catalog,
        now: now(),
    };
    state_findings(super::rules::table().unwrap(), &context)
}

#[test]
fn a_unit_not_installed_says_where_the_catalog_expects_it_and_advises_no_command() {
    let mut unit = state(not_creating(), Observation::missing("unit not found"), None);
    unit.status.name = "egisplus-agent".into();
    unit.status.group = "agent".into();
    unit.status.handle.name = "egisplus-agent.service".into();
    let found = &findings_of(&[unit])[0];
    assert_eq!(
        found.verdict.cause,
        "egisplus-agent is not installed on this host (no unit egisplus-agent.service)"
    );
    assert_eq!(
        found.verdict.advice,
        "the catalog expects it here: group agent is on this host (present when \
         /var/lib/egisplus-agent exists); install its package, or leave it out of that group in \
         hmctl.toml if this host should not run it"
    );
    assert_eq!(found.verdict.next, None);
    assert_eq!(found.severity, Severity::Problem);
}

#[test]
fn a_health_check_in_its_start_period_is_information_not_a_finding() {
    let found = &findings_of(&[starting(5, 60)])[0];
    assert_eq!((found.severity, found.role), (Severity::Info, Role::Info));
    assert_eq!(
        found.verdict.cause,
        "influxdb is still starting (Up 5 seconds (health: starting))"
    );
    assert_eq!(found.verdict.advice, "give it 55 s");
    assert_eq!(found.verdict.next, None);
    // Past it: a finding, with its log to read.
    let late = &findings_of(&[starting(90, 60)])[0];
    assert_eq!(late.severity, Severity::Problem);
    assert_eq!(
        late.verdict.next.as_deref(),
        Some("hmctl logs influxdb -n 50")
    );
}
