//! diagnose against the world: with no log lines at all, the daemons' word
//! alone (a dependency that exited under a service that turned unhealthy)
//! names the dependency as the cause and what fails through it.

use crate::backend::Backends;
use crate::backend::world::{Daemon, Service, World};
use crate::diagnose::{Request, run, scan, window};
use crate::exit::Exit;
use crate::model::BackendKind;

fn request() -> Request {
    Request {
        stage: None,
        words: Vec::new(),
        id: None,
        window: window::Asked {
            at: None,
            since: Some("1h".into()),
            until: None,
        },
        limits: scan::Limits {
            byte_budget: 1024 * 1024,
            threads: 1,
        },
    }
}

async fn diagnose(world: &World) -> crate::diagnose::report::Report {
    let now = jiff::Timestamp::from_second(1_800_000_600)
        .expect("a time")
        .to_zoned(jiff::tz::TimeZone::UTC);
    run(
        &world.catalog(),
        &World::settings(),
        &request(),
        now,
        &Backends::world(world),
    )
    .await
    .expect("a report")
}

#[tokio::test(start_paused = true)]
async fn a_dead_dependency_is_the_cause_of_what_needs_it() {
    let world = World::new()
        .with_group("console", BackendKind::Compose)
        .with_service("console", "mysql", Service::exited(1))
        .with_service(
            "console",
            "porter-api",
            Service::running()
                .unhealthy("cannot connect to mysql:3306")
                .needs(&["mysql"]),
        );
    let report = diagnose(&world).await;
    assert_eq!(report.exit, Exit::NotRunning);
    let summary = report.summary.as_ref().expect("a verdict");
    assert_eq!(summary.first_failing_service.as_deref(), Some("mysql"));
    assert_eq!(summary.affected, ["porter-api"]);
}

#[tokio::test(start_paused = true)]
async fn every_service_well_is_nothing_abnormal() {
    let world = crate::ops::world_tests::console();
    let report = diagnose(&world).await;
    assert!(report.ok, "{:?}", report.findings);
    assert_eq!(report.exit, Exit::Success);
}

#[tokio::test(start_paused = true)]
async fn a_daemon_that_cannot_be_asked_is_a_note_not_a_failure_of_diagnose() {
    let world =
        crate::ops::world_tests::console().with_daemon(BackendKind::Compose, Daemon::Refused);
    let report = diagnose(&world).await;
    assert!(
        report
            .notes
            .iter()
            .any(|note| note.starts_with("cannot reach Docker at ")),
        "{:?}",
        report.notes
    );
}
