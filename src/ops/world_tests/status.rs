//! `status` against the world: every state as the daemon says it, the exit
//! code that sums the selected rows up, and a daemon that is down or hung
//! beside another kind whose services are still shown.

use super::{console, console_and_agent, names};
use crate::backend::Backends;
use crate::backend::world::{Daemon, Service, World};
use crate::exit::Exit;
use crate::model::{BackendKind, Health, State};
use crate::ops::status::{StatusReport, status};
use tokio::time::Instant;

async fn status_of(world: &World, targets: &[&str]) -> StatusReport {
    status(
        &world.catalog(),
        &World::settings(),
        &names(targets),
        &Backends::world(world),
    )
    .await
    .expect("a status report")
}

fn row<'a>(report: &'a StatusReport, name: &str) -> &'a crate::model::ServiceStatus {
    report
        .services
        .iter()
        .find(|service| service.name == name)
        .unwrap_or_else(|| panic!("no row for {name}"))
}

#[tokio::test(start_paused = true)]
async fn every_state_is_shown_as_the_daemon_says_and_only_running_and_healthy_is_ok() {
    let world = World::new()
        .with_group("console", BackendKind::Compose)
        .with_service("console", "mysql", Service::running().healthy())
        .with_service("console", "redis", Service::running())
        .with_service(
            "console",
            "rabbitmq",
            Service::running().unhealthy("ping failed"),
        )
        .with_service("console", "porter-api", Service::exited(1).restarted(4))
        .with_service("console", "owl-api", Service::in_any(State::Restarting))
        .with_service("console", "influxdb", Service::in_any(State::Missing))
        .with_group("agent", BackendKind::Systemd)
        .with_service("agent", "s3block", Service::in_any(State::Failed))
        .with_service("agent", "watchman", Service::in_any(State::Starting));
    let report = status_of(&world, &[]).await;
    let seen: Vec<(&str, State, Health, bool)> = report
        .services
        .iter()
        .map(|service| {
            (
                service.name.as_str(),
                service.state,
                service.health,
                service.ok,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("mysql", State::Running, Health::Healthy, true),
            ("redis", State::Running, Health::None, true),
            ("rabbitmq", State::Running, Health::Unhealthy, false),
            ("porter-api", State::Exited, Health::None, false),
            ("owl-api", State::Restarting, Health::None, false),
            ("influxdb", State::Missing, Health::None, false),
            ("s3block", State::Failed, Health::None, false),
            ("watchman", State::Starting, Health::None, false),
        ]
    );
    let exited = row(&report, "porter-api");
    assert_eq!((exited.exit_code, exited.restarts), (Some(1), Some(4)));
    assert_eq!(exited.detail, "exited (1)");
    assert!(row(&report, "mysql").pid.is_some());
    assert!(report.errors.iter().all(|error| !error.is_daemon()));
    assert_eq!(report.exit, Exit::NotRunning);
    assert!(!report.ok);
}

#[tokio::test(start_paused = true)]
async fn every_service_running_and_healthy_is_exit_0() {
    let report = status_of(&console_and_agent(), &[]).await;
    assert_eq!(report.services.len(), 5);
    assert_eq!(report.exit, Exit::Success);
    assert!(report.ok);
}

#[tokio::test(start_paused = true)]
async fn only_the_selected_rows_decide_the_exit_code() {
    let world = console().with_service("console", "owl-api", Service::exited(137));
    assert_eq!(status_of(&world, &["mysql"]).await.exit, Exit::Success);
    assert_eq!(status_of(&world, &["owl-api"]).await.exit, Exit::NotRunning);
}

#[tokio::test(start_paused = true)]
async fn a_refused_docker_leaves_the_units_shown_and_is_exit_4() {
    let world = console_and_agent().with_daemon(BackendKind::Compose, Daemon::Refused);
    let report = status_of(&world, &[]).await;
    assert_eq!(row(&report, "mysql").state, State::Unknown);
    assert_eq!(row(&report, "mysql").detail, "Docker could not be asked");
    assert_eq!(row(&report, "watchman").state, State::Running);
    assert!(row(&report, "watchman").ok);
    let daemons: Vec<_> = report
        .errors
        .iter()
        .filter(|error| error.is_daemon())
        .collect();
    assert_eq!(daemons.len(), 1, "{daemons:?}");
    assert_eq!(daemons[0].backend, "docker");
    assert!(
        daemons[0].message.starts_with("cannot reach Docker at ")
            && daemons[0].message.ends_with(": connection refused"),
        "{}",
        daemons[0].message
    );
    assert!(daemons[0].hint.is_some(), "the operator is told what to do");
    assert_eq!(report.exit, Exit::BackendUnavailable);
}

#[tokio::test(start_paused = true)]
async fn a_hung_docker_never_hides_systemd_and_costs_one_deadline() {
    let world = console_and_agent().with_daemon(BackendKind::Compose, Daemon::Hung);
    let began = Instant::now();
    let report = status_of(&world, &[]).await;
    let took = began.elapsed();
    let timeout = World::settings().daemon_timeout;
    assert!(
        took >= timeout && took < timeout * 2,
        "the deadline ends the wait on the hung daemon, once: {took:?}"
    );
    assert_eq!(row(&report, "s3block").state, State::Running);
    assert_eq!(row(&report, "porter-api").state, State::Unknown);
    let docker = report
        .errors
        .iter()
        .find(|error| error.backend == "docker")
        .expect("Docker's error");
    assert!(
        docker.message.contains(" did not answer within "),
        "{}",
        docker.message
    );
    assert_eq!(report.exit, Exit::BackendUnavailable);
    // Asked only about the units, the hung Docker does not fail them.
    let units = status_of(&world, &["agent"]).await;
    assert_eq!(units.exit, Exit::Success);
}

#[tokio::test(start_paused = true)]
async fn an_unknown_target_is_a_usage_error_naming_it() {
    let world = console();
    let failure = status(
        &world.catalog(),
        &World::settings(),
        &names(&["nosuch"]),
        &Backends::world(&world),
    )
    .await
    .expect_err("refused");
    assert_eq!(failure.exit, Exit::Usage);
    assert!(failure.message.contains("nosuch"), "{}", failure.message);
}
