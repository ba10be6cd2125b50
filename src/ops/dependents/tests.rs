//! The ok-to-stop verdict and the dependents a start leaves down, from
//! recorded snapshots: compose `depends_on`, the catalog's middleware
//! defaults, `[service.X] depends_on`; what is stopped does not block.

use super::*;
use crate::model::{BackendKind, Health, Verb};
use crate::ops::fixtures::{self, compose_service};
use crate::ops::plan::{self, Pace};
use std::time::Duration;

fn service(name: &str, group: &str, backend: BackendKind, state: State) -> ServiceStatus {
    fixtures::service(name, group, backend, state, Health::None)
}

/// A console — mysql and rabbitmq the middleware, porter-api naming both,
/// porter-migration needing porter-api, unicloud-engine needing rabbitmq,
/// owl-api declaring nothing (so it needs the middleware) — and a gateway
/// (watchman needs s3block by the catalog). `states` overrides the running
/// state of the services it names.
fn world(states: &[(&str, State)]) -> (Catalog, Snapshot) {
    let catalog = Catalog::builtin();
    let mut console = catalog.group("console").unwrap().clone();
    console.first_services = vec!["mysql".into(), "rabbitmq".into()];
    let gateway = catalog.group("gateway").unwrap().clone();
    let state = |name: &str| {
        states
            .iter()
            .find(|(named, _)| *named == name)
            .map_or(State::Running, |(_, state)| *state)
    };
    let mut services: Vec<ServiceStatus> = [
        "mysql",
        "rabbitmq",
        "porter-api",
        "porter-migration",
        "unicloud-engine",
        "owl-api",
    ]
    .iter()
    .map(|name| service(name, "console", BackendKind::Compose, state(name)))
    .collect();
    for name in ["s3block", "watchman"] {
        services.push(service(name, "gateway", BackendKind::Systemd, state(name)));
    }
    let declared = vec![
        compose_service("mysql", &[]),
        compose_service("rabbitmq", &[]),
        compose_service("porter-api", &["mysql", "rabbitmq"]),
        compose_service("porter-migration", &["porter-api"]),
        compose_service("unicloud-engine", &["rabbitmq"]),
        compose_service("owl-api", &[]),
    ];
    let snapshot = fixtures::snapshot(services, declared, vec![console, gateway]);
    (catalog, snapshot)
}

fn index(snapshot: &Snapshot, name: &str) -> usize {
    snapshot
        .services
        .iter()
        .position(|service| service.name == name)
        .unwrap()
}

fn select(snapshot: &Snapshot, names: &[&str]) -> Vec<usize> {
    names.iter().map(|name| index(snapshot, name)).collect()
}

fn said(dependents: &[Dependent]) -> String {
    sentences(dependents)
}

#[test]
fn stopping_mysql_names_every_running_service_that_needs_it() {
    let (catalog, snapshot) = world(&[]);
    let found = verdict(&catalog, &snapshot, &select(&snapshot, &["mysql"]));
    assert!(!found.is_safe());
    assert_eq!(found.stopping, ["mysql"]);
    assert_eq!(
        said(&found.dependents),
        "porter-api needs mysql; porter-migration needs porter-api; owl-api needs mysql",
        "compose depends_on, through another dependent, and the middleware default"
    );
}

#[test]
fn a_stopped_dependent_does_not_block() {
    let (catalog, snapshot) = world(&[("porter-api", State::Exited), ("owl-api", State::Stopped)]);
    let found = verdict(&catalog, &snapshot, &select(&snapshot, &["mysql"]));
    assert!(found.is_safe(), "{:?}", found.dependents);
}

#[test]
fn a_starting_or_crash_looping_dependent_blocks() {
    let (catalog, snapshot) = world(&[
        ("porter-api", State::Starting),
        ("owl-api", State::Restarting),
        ("porter-migration", State::Exited),
    ]);
    let found = verdict(&catalog, &snapshot, &select(&snapshot, &["mysql"]));
    assert_eq!(
        said(&found.dependents),
        "porter-api needs mysql; owl-api needs mysql"
    );
}

#[test]
fn dependents_inside_the_selection_do_not_block() {
    let (catalog, snapshot) = world(&[]);
    let selected = select(
        &snapshot,
        &["mysql", "porter-api", "porter-migration", "owl-api"],
    );
    assert!(verdict(&catalog, &snapshot, &selected).is_safe());
    let leaf = select(&snapshot, &["porter-migration"]);
    assert!(
        verdict(&catalog, &snapshot, &leaf).is_safe(),
        "nothing needs it"
    );
}

#[test]
fn a_service_that_is_already_stopped_breaks_nothing() {
    let (catalog, snapshot) = world(&[("mysql", State::Exited)]);
    let found = verdict(&catalog, &snapshot, &select(&snapshot, &["mysql"]));
    assert!(found.is_safe());
    assert!(found.stopping.is_empty());
}

#[test]
fn a_unit_needed_through_the_catalog_blocks() {
    let (catalog, snapshot) = world(&[]);
    let found = verdict(&catalog, &snapshot, &select(&snapshot, &["s3block"]));
    assert_eq!(said(&found.dependents), "watchman needs s3block");
    assert_eq!(found.dependents[0].group, "gateway");
}

#[test]
fn with_dependents_the_plan_stops_them_first() {
    let (catalog, snapshot) = world(&[]);
    let selected = select(&snapshot, &["mysql"]);
    let found = verdict(&catalog, &snapshot, &selected);
    let everything = with_dependents(&snapshot, &selected, &found);
    let plan = plan::build(
        Verb::Stop,
        &catalog,
        &snapshot,
        &everything,
        Pace::default(),
    )
    .unwrap();
    let order: Vec<String> = plan
        .steps
        .iter()
        .map(|step| format!("{}<{}>", step.service, step.after.join(",")))
        .collect();
    assert_eq!(
        order,
        [
            "porter-migration<>",
            "porter-api<porter-migration>",
            "owl-api<>",
            "mysql<porter-api,owl-api>"
        ]
    );
    assert!(
        plan.steps
            .iter()
            .all(|step| step.stop_grace == Duration::from_secs(3)),
        "compose's stop_grace_period, as for any stop"
    );
}

#[test]
fn the_refusal_names_each_dependent_and_both_ways_on() {
    let (catalog, snapshot) = world(&[("owl-api", State::Exited)]);
    let found = verdict(&catalog, &snapshot, &select(&snapshot, &["mysql"]));
    let failure = refusal(&["mysql".to_string()], &found);
    assert_eq!(failure.exit, crate::exit::Exit::Usage);
    assert_eq!(
        failure.message,
        "not stopping mysql: running services need it (porter-api needs mysql; porter-migration needs porter-api); nothing was changed"
    );
    assert_eq!(
        failure.hint.as_deref(),
        Some(
            "stop them too, dependents first, with `hmctl stop --with-dependents mysql` \
             (`hmctl start mysql porter-api porter-migration` brings them back in order), \
             or only what was asked with `hmctl stop --force mysql`"
        )
    );
    let (catalog, everything_up) = world(&[]);
    let both = verdict(
        &catalog,
        &everything_up,
        &select(&everything_up, &["mysql", "rabbitmq"]),
    );
    assert!(
        refusal(&["mysql".into(), "rabbitmq".into()], &both)
            .message
            .starts_with("not stopping mysql, rabbitmq: running services need them (porter-api needs mysql, rabbitmq; "),
        "{both:?}"
    );
}

#[test]
fn a_start_names_the_stopped_services_that_need_what_it_starts() {
    let (catalog, snapshot) = world(&[
        ("mysql", State::Exited),
        ("porter-api", State::Exited),
        ("porter-migration", State::Stopped),
        ("unicloud-engine", State::Exited),
    ]);
    let down = left_down(&catalog, &snapshot, &select(&snapshot, &["mysql"]));
    assert_eq!(
        said(&down),
        "porter-api needs mysql; porter-migration needs porter-api",
        "unicloud-engine needs only rabbitmq; owl-api runs"
    );
    let all = left_down(
        &catalog,
        &snapshot,
        &select(&snapshot, &["mysql", "porter-api", "porter-migration"]),
    );
    assert!(all.is_empty(), "{all:?}");
}

#[test]
fn a_missing_dependent_is_not_named_after_a_start() {
    let (catalog, snapshot) = world(&[("watchman", State::Missing)]);
    assert!(left_down(&catalog, &snapshot, &select(&snapshot, &["s3block"])).is_empty());
}

#[test]
fn with_dependents_wins_over_force_and_neither_refuses() {
    let policy = DependentsPolicy::from_arguments;
    assert_eq!(policy(true, true), DependentsPolicy::StopToo);
    assert_eq!(policy(true, false), DependentsPolicy::StopToo);
    assert_eq!(policy(false, true), DependentsPolicy::Ignore);
    assert_eq!(policy(false, false), DependentsPolicy::Refuse);
}
