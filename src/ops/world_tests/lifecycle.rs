//! start / stop / restart against the world: the order dependencies give,
//! the settle window catching a death, an action the daemon refuses, a
//! daemon that hangs mid-way, and an interrupt.

use super::{SETTLE, act, console, console_and_agent, request, result};
use crate::backend::world::{Daemon, Service, World};
use crate::exit::Exit;
use crate::model::{Action, BackendKind, State, Verb};
use crate::ops::execute::Outcome;
use crate::ops::interrupt::Interrupt;
use std::time::Duration;

/// How long a slow service is starting before it runs.
const SLOW: Duration = Duration::from_secs(5);

/// The console with everything stopped.
fn stopped_console() -> World {
    World::new()
        .with_group("console", BackendKind::Compose)
        .with_service("console", "mysql", Service::exited(0))
        .with_service("console", "rabbitmq", Service::exited(0))
        .with_service(
            "console",
            "porter-api",
            Service::exited(0).needs(&["mysql", "rabbitmq"]),
        )
}

/// When the world carried out `action` on `service`.
fn when(world: &World, service: &str, action: Action) -> tokio::time::Instant {
    world
        .acted()
        .into_iter()
        .find(|acted| acted.service == service && acted.action == action)
        .unwrap_or_else(|| panic!("{service} was never given {action:?}"))
        .at
}

#[tokio::test(start_paused = true)]
async fn a_start_waits_until_what_is_needed_is_up_and_watches_each_through_its_window() {
    let world = stopped_console();
    world.change("mysql", |mysql| mysql.takes_to_start(SLOW));
    let report = act(&world, &request(Verb::Start, &[]), &Interrupt::default())
        .await
        .expect("planned");
    assert_eq!(report.exit, Exit::Success);
    assert_eq!(
        world.acted_on(Action::Start),
        ["mysql", "rabbitmq", "porter-api"]
    );
    assert!(
        when(&world, "porter-api", Action::Start) >= when(&world, "mysql", Action::Start) + SLOW,
        "porter-api started only once mysql was up"
    );
    for name in ["mysql", "rabbitmq", "porter-api"] {
        let step = result(&report, name);
        assert_eq!(step.outcome, Outcome::Done);
        assert_eq!(step.settle_seconds, Some(SETTLE.as_secs_f64()));
        assert!(
            step.detail.ends_with("(stayed up 2.0 s)"),
            "{}",
            step.detail
        );
        assert_eq!(
            world.service(name).map(|service| service.state),
            Some(State::Running)
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_stop_stops_what_needs_a_service_before_it() {
    let world = console();
    let report = act(&world, &request(Verb::Stop, &[]), &Interrupt::default())
        .await
        .expect("planned");
    assert_eq!(report.exit, Exit::Success);
    let stopped = world.acted_on(Action::Stop);
    assert_eq!(stopped.first().map(String::as_str), Some("porter-api"));
    assert_eq!(stopped.len(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_restart_restarts_a_dependency_before_what_needs_it() {
    let world = console_and_agent();
    world.change("s3block", |s3block| s3block.takes_to_start(SLOW));
    let report = act(
        &world,
        &request(Verb::Restart, &["agent"]),
        &Interrupt::default(),
    )
    .await
    .expect("planned");
    assert_eq!(report.exit, Exit::Success);
    assert_eq!(world.acted_on(Action::Restart), ["s3block", "watchman"]);
    assert!(
        when(&world, "watchman", Action::Restart)
            >= when(&world, "s3block", Action::Restart) + SLOW
    );
    assert!(world.acted_on(Action::Stop).is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_death_within_the_settle_window_fails_the_start() {
    let world = stopped_console();
    world.change("mysql", |mysql| mysql.dies_after_start(SETTLE / 2, 3));
    let report = act(&world, &request(Verb::Start, &[]), &Interrupt::default())
        .await
        .expect("planned");
    let mysql = result(&report, "mysql");
    assert_eq!(mysql.outcome, Outcome::Failed);
    assert!(
        mysql
            .detail
            .starts_with("came up, then within its 2.0 s settle window it exited with code 3"),
        "{}",
        mysql.detail
    );
    assert_eq!(result(&report, "rabbitmq").outcome, Outcome::Done);
    assert_eq!(report.exit, Exit::OperationFailed);
}

#[tokio::test(start_paused = true)]
async fn a_service_that_dies_before_it_is_up_holds_back_what_needs_it() {
    let world = stopped_console();
    world.change("mysql", |mysql| {
        mysql.takes_to_start(SLOW).dies_after_start(SLOW / 2, 1)
    });
    let report = act(&world, &request(Verb::Start, &[]), &Interrupt::default())
        .await
        .expect("planned");
    assert_eq!(result(&report, "mysql").outcome, Outcome::Failed);
    let api = result(&report, "porter-api");
    assert_eq!(api.outcome, Outcome::NotDone);
    assert_eq!(
        api.detail,
        "not started: mysql, which it needs, did not come up"
    );
    assert!(
        !world
            .acted_on(Action::Start)
            .contains(&"porter-api".to_string())
    );
    assert_eq!(report.exit, Exit::OperationFailed);
}

#[tokio::test(start_paused = true)]
async fn a_death_after_the_settle_window_is_not_the_start_s() {
    let world = stopped_console();
    world.change("mysql", |mysql| mysql.dies_after_start(SETTLE * 3, 3));
    let report = act(
        &world,
        &request(Verb::Start, &["mysql"]),
        &Interrupt::default(),
    )
    .await
    .expect("planned");
    assert_eq!(result(&report, "mysql").outcome, Outcome::Done);
    assert_eq!(report.exit, Exit::Success);
}

#[tokio::test(start_paused = true)]
async fn an_action_the_daemon_refuses_fails_its_step_with_the_daemon_s_words() {
    let world = stopped_console();
    world.change("rabbitmq", |rabbitmq| {
        rabbitmq.refusing(Action::Start, "no such image")
    });
    let report = act(&world, &request(Verb::Start, &[]), &Interrupt::default())
        .await
        .expect("planned");
    let rabbitmq = result(&report, "rabbitmq");
    assert_eq!(rabbitmq.outcome, Outcome::Failed);
    assert_eq!(
        rabbitmq.detail,
        "Docker refused to start rabbitmq: no such image"
    );
    assert_eq!(result(&report, "mysql").outcome, Outcome::Done);
    assert_eq!(result(&report, "porter-api").outcome, Outcome::NotDone);
    assert_eq!(report.exit, Exit::OperationFailed);
}

#[tokio::test(start_paused = true)]
async fn a_daemon_that_cannot_be_asked_refuses_the_change_before_anything_is_done() {
    let world = stopped_console().with_daemon(BackendKind::Compose, Daemon::Refused);
    let failure = act(&world, &request(Verb::Start, &[]), &Interrupt::default())
        .await
        .expect_err("refused");
    assert_eq!(failure.exit, Exit::BackendUnavailable);
    assert!(
        failure.message.ends_with("; nothing was changed"),
        "{}",
        failure.message
    );
    assert!(world.acted().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_daemon_that_hangs_mid_way_fails_the_step_when_its_timeout_passes() {
    let world = stopped_console();
    let request = request(Verb::Start, &["mysql"]);
    let planned = crate::ops::lifecycle::plan(
        &world.catalog(),
        &World::settings(),
        &request,
        &crate::backend::Backends::world(&world),
    )
    .await
    .expect("planned");
    world.set_daemon(BackendKind::Compose, Daemon::Hung);
    let report = crate::ops::lifecycle::carry_out(
        planned.plan,
        planned.backends,
        &request,
        &Interrupt::default(),
        &super::Quiet,
    )
    .await;
    let mysql = result(&report, "mysql");
    assert_eq!(mysql.outcome, Outcome::Failed);
    assert!(
        mysql.detail.contains("did not answer within 30 s"),
        "{}",
        mysql.detail
    );
    assert_eq!(report.exit, Exit::BackendUnavailable);
    assert!(world.acted().is_empty());
}

#[tokio::test(start_paused = true)]
async fn an_interrupt_before_the_first_step_changes_nothing() {
    let world = stopped_console();
    let interrupt = Interrupt::default();
    interrupt.raise();
    let report = act(&world, &request(Verb::Start, &[]), &interrupt)
        .await
        .expect("planned");
    assert!(report.interrupted);
    for name in ["mysql", "rabbitmq"] {
        let step = result(&report, name);
        assert_eq!(step.outcome, Outcome::NotDone);
        assert_eq!(step.detail, "interrupted before it started");
    }
    assert_eq!(result(&report, "porter-api").outcome, Outcome::NotDone);
    assert!(world.acted().is_empty());
}

#[tokio::test(start_paused = true)]
async fn an_interrupt_lets_what_was_started_finish_and_starts_nothing_new() {
    let world = stopped_console();
    world.change("rabbitmq", |rabbitmq| rabbitmq.takes_to_start(SLOW));
    let interrupt = Interrupt::default();
    let raiser = interrupt.clone();
    tokio::spawn(async move {
        tokio::time::sleep(SETTLE / 2).await;
        raiser.raise();
    });
    let report = act(&world, &request(Verb::Start, &[]), &interrupt)
        .await
        .expect("planned");
    assert!(report.interrupted);
    let mysql = result(&report, "mysql");
    assert_eq!(mysql.outcome, Outcome::Done);
    assert!(
        mysql
            .detail
            .ends_with("(interrupted: stopped watching it settle)"),
        "{}",
        mysql.detail
    );
    let rabbitmq = result(&report, "rabbitmq");
    assert!(
        rabbitmq
            .detail
            .ends_with("(interrupted: stopped waiting for health)"),
        "{}",
        rabbitmq.detail
    );
    let api = result(&report, "porter-api");
    assert_eq!(api.outcome, Outcome::NotDone);
    assert_eq!(api.detail, "interrupted before it started");
    assert_eq!(world.acted_on(Action::Start), ["mysql", "rabbitmq"]);
}
