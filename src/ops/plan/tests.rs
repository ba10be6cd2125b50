//! Plans built from recorded snapshots: actions, each service's own
//! dependencies, settle windows, stop graces, cycles.

use super::*;
use crate::model::{BackendKind, Health};
use crate::ops::fixtures::{compose_service, service};

/// A console (mysql, porter-api needing it, porter-migration needing
/// porter-api, owl-api on its own) and a gateway (s3block, watchman).
fn snapshot() -> (Catalog, Snapshot) {
    let catalog = Catalog::builtin();
    let mut console = catalog.group("console").unwrap().clone();
    console.first_services = vec!["mysql".into()];
    let gateway = catalog.group("gateway").unwrap().clone();
    let compose = BackendKind::Compose;
    let services = vec![
        service("mysql", "console", compose, State::Running, Health::Healthy),
        service(
            "porter-api",
            "console",
            compose,
            State::Exited,
            Health::None,
        ),
        service(
            "porter-migration",
            "console",
            compose,
            State::Missing,
            Health::None,
        ),
        service(
            "owl-api",
            "console",
            compose,
            State::Running,
            Health::Starting,
        ),
        service(
            "s3block",
            "gateway",
            BackendKind::Systemd,
            State::Running,
            Health::None,
        ),
        service(
            "watchman",
            "gateway",
            BackendKind::Systemd,
            State::Failed,
            Health::None,
        ),
        service(
            "hyper_exporter",
            "gateway",
            BackendKind::Systemd,
            State::Missing,
            Health::None,
        ),
    ];
    let declared = vec![
        compose_service("mysql", &[]),
        compose_service("porter-api", &[]),
        compose_service("porter-migration", &["porter-api"]),
        compose_service("owl-api", &[]),
    ];
    let snapshot = crate::ops::fixtures::snapshot(services, declared, vec![console, gateway]);
    (catalog, snapshot)
}

/// `service:action<after,...>` per step, in plan order.
fn summary(plan: &Plan) -> Vec<String> {
    plan.steps
        .iter()
        .map(|step| {
            format!(
                "{}:{}<{}>",
                step.service,
                step.action.as_str(),
                step.after.join(",")
            )
        })
        .collect()
}

/// The plan of `verb` for every service of the test snapshot.
fn plan_everything(verb: Verb, pace: Pace) -> Plan {
    let (catalog, snapshot) = snapshot();
    let everything: Vec<usize> = (0..snapshot.services.len()).collect();
    build(verb, &catalog, &snapshot, &everything, pace).unwrap()
}

#[test]
fn start_everything_waits_for_each_services_own_dependencies() {
    let plan = plan_everything(Verb::Start, Pace::default());
    assert_eq!(
        summary(&plan),
        vec![
            "mysql:skip<>",
            "porter-api:start<mysql>",
            "owl-api:wait<mysql>",
            "porter-migration:create<porter-api>",
            "s3block:skip<>",
            "hyper_exporter:cannot<>",
            "watchman:start<s3block>",
        ]
    );
    assert!(plan.changes_anything());
    let settles: Vec<Option<Duration>> = plan.steps.iter().map(|step| step.settle).collect();
    let two = Some(DEFAULT_SETTLE);
    assert_eq!(
        settles,
        vec![None, two, two, two, None, None, two],
        "only steps that bring a service up settle"
    );
}

#[test]
fn stop_waits_for_each_services_own_dependents() {
    let plan = plan_everything(
        Verb::Stop,
        Pace {
            timeout: Some(Duration::from_secs(1)),
            ..Pace::default()
        },
    );
    assert_eq!(
        summary(&plan),
        vec![
            "porter-migration:skip<>",
            "porter-api:skip<porter-migration>",
            "owl-api:stop<>",
            "mysql:stop<porter-api,owl-api>",
            "watchman:skip<>",
            "s3block:stop<watchman>",
            "hyper_exporter:skip<>",
        ]
    );
    assert!(
        plan.steps
            .iter()
            .all(|step| step.stop_grace == Duration::from_secs(1) && step.settle.is_none())
    );
}

#[test]
fn restart_of_one_service_touches_only_it() {
    let (catalog, snapshot) = snapshot();
    let plan = build(Verb::Restart, &catalog, &snapshot, &[1], Pace::default()).unwrap();
    assert_eq!(summary(&plan), vec!["porter-api:restart<>"]);
    assert_eq!(
        plan.steps[0].stop_grace,
        Duration::from_secs(3),
        "compose stop_grace_period"
    );
}

#[test]
fn config_dependencies_order_units() {
    let (catalog, snapshot) = snapshot();
    let plan = build(Verb::Restart, &catalog, &snapshot, &[4, 5], Pace::default()).unwrap();
    assert_eq!(
        summary(&plan),
        vec!["s3block:restart<>", "watchman:restart<s3block>"]
    );
}

#[test]
fn the_settle_window_comes_from_the_command_line_then_the_config_file() {
    let (mut catalog, snapshot) = snapshot();
    catalog
        .services
        .entry("porter-api".into())
        .or_default()
        .settle = Some(Duration::from_millis(500));
    let settle_of = |pace: Pace| {
        build(Verb::Restart, &catalog, &snapshot, &[1, 3], pace)
            .unwrap()
            .steps
            .iter()
            .map(|step| step.settle)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        settle_of(Pace::default()),
        vec![Some(Duration::from_millis(500)), Some(DEFAULT_SETTLE)]
    );
    let zero = Pace {
        settle: Some(Duration::ZERO),
        ..Pace::default()
    };
    assert_eq!(settle_of(zero), vec![Some(Duration::ZERO); 2]);
    let no_wait = Pace {
        wait: false,
        ..Pace::default()
    };
    assert_eq!(settle_of(no_wait), vec![None, None], "--no-wait: no window");
}

#[test]
fn a_service_that_declares_its_dependencies_does_not_wait_for_other_middleware() {
    let (mut catalog, mut snapshot) = snapshot();
    // owl-api as a slow middleware (influxdb's part on a console).
    snapshot.groups[0].first_services = vec!["mysql".into(), "owl-api".into()];
    catalog.groups[0].first_services = snapshot.groups[0].first_services.clone();
    let project = snapshot.definitions.get_mut("console").unwrap();
    project.compose_project_mut().services[1].depends_on = vec!["mysql".into()];
    let plan = build(
        Verb::Restart,
        &catalog,
        &snapshot,
        &[0, 1, 2, 3],
        Pace::default(),
    )
    .unwrap();
    assert_eq!(
        summary(&plan),
        vec![
            "mysql:restart<>",
            "owl-api:restart<>",
            "porter-api:restart<mysql>",
            "porter-migration:create<porter-api>",
        ]
    );
}

#[test]
fn a_dependency_cycle_is_a_usage_error_naming_it() {
    let (catalog, mut snapshot) = snapshot();
    let project = snapshot.definitions.get_mut("console").unwrap();
    project.compose_project_mut().services[1].depends_on = vec!["porter-migration".into()];
    let failure = build(Verb::Start, &catalog, &snapshot, &[1, 2], Pace::default()).unwrap_err();
    assert_eq!(failure.exit, crate::exit::Exit::Usage);
    assert!(
        failure.message.contains("porter-api") && failure.message.contains("porter-migration"),
        "{}",
        failure.message
    );
    assert_eq!(
        failure.hint.as_deref(),
        Some("fix depends_on in the compose file or [service.NAME] depends_on in hmctl.toml")
    );
}

#[test]
fn the_pace_of_the_arguments_is_what_they_say_and_the_default_without_them() {
    assert_eq!(Pace::from_arguments(None, None, false), Pace::default());
    assert_eq!(
        Pace::from_arguments(Some(30), Some(0.5), true),
        Pace {
            timeout: Some(Duration::from_secs(30)),
            settle: Some(Duration::from_millis(500)),
            wait: false,
        }
    );
}
