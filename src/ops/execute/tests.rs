//! Executing plans against a fake daemon: scheduling on each service's own
//! dependencies, settle windows, failures, interrupts, the concurrency bound.
//! The real daemons' side is proven in tests/lifecycle_real.rs and
//! tests/settle_real.rs. Time is tokio's paused clock: the fake's delays,
//! the settle windows and the health waits pass in virtual time, the same on
//! a loaded machine as on an idle one.

use super::fake::{Fake, Recorder, exited, running};
use super::*;
use crate::exit::Exit;
use crate::model::{Action, Handle, HandleKind, Health, Readiness, Verb};
use tokio::time::Instant;

fn step(service: &str, action: Action, after: &[&str]) -> Step {
    Step {
        service: service.into(),
        group: "console".into(),
        action,
        now: "Exited (0)".into(),
        after: after.iter().map(ToString::to_string).collect(),
        settle: action.brings_up().then_some(Duration::ZERO),
        handle: Handle::new(HandleKind::Systemd, service),
        stop_grace: Duration::from_secs(1),
        compose_files: vec![],
    }
}

fn settling(mut step: Step, window: Duration) -> Step {
    step.settle = Some(window);
    step
}

fn options() -> Options {
    Options {
        wait: true,
        health_timeout: Duration::from_millis(300),
        poll: Duration::from_millis(10),
        concurrency: CONCURRENCY,
    }
}

fn plan(verb: Verb, steps: Vec<Step>) -> Plan {
    Plan { verb, steps }
}

async fn run(plan: &Plan, fake: &Fake) -> Vec<StepResult> {
    execute(
        plan,
        fake,
        &options(),
        &Interrupt::default(),
        &Recorder::default(),
    )
    .await
}

#[tokio::test(start_paused = true)]
async fn a_service_waits_for_its_own_dependencies_only() {
    let fake = Fake::default()
        .delayed("mysql", Duration::from_millis(20))
        .delayed("influxdb", Duration::from_millis(150));
    let plan = plan(
        Verb::Start,
        vec![
            step("mysql", Action::Start, &[]),
            step("influxdb", Action::Start, &[]),
            step("porter-api", Action::Start, &["mysql"]),
        ],
    );
    let results = run(&plan, &fake).await;
    assert!(results.iter().all(|result| result.outcome == Outcome::Done));
    assert!(fake.position("end mysql") < fake.position("begin start porter-api"));
    assert!(
        fake.position("begin start porter-api") < fake.position("end influxdb"),
        "porter-api did not wait for influxdb: {:?}",
        fake.calls()
    );
}

#[tokio::test(start_paused = true)]
async fn a_dependent_starts_while_its_dependency_settles() {
    let fake = Fake::default();
    let recorder = Recorder::default();
    let plan = plan(
        Verb::Start,
        vec![
            settling(
                step("mysql", Action::Start, &[]),
                Duration::from_millis(200),
            ),
            step("porter-api", Action::Start, &["mysql"]),
        ],
    );
    let results = execute(&plan, &fake, &options(), &Interrupt::default(), &recorder).await;
    assert_eq!(
        recorder.ended.borrow().clone(),
        vec!["porter-api", "mysql"],
        "porter-api was done before mysql's window closed"
    );
    assert_eq!(results[0].settle_seconds, Some(0.2));
    assert!(
        results[0].detail.contains("stayed up 0.2 s"),
        "{}",
        results[0].detail
    );
}

#[tokio::test(start_paused = true)]
async fn a_service_that_dies_in_its_window_fails_with_its_last_words_and_holds_back_what_needs_it()
{
    // db comes up, then exits; cache takes long to come up, so app (which
    // needs both) has not started when db falls.
    let fake = Fake::default()
        .scripted(
            "db",
            vec![running(Health::None), running(Health::None), exited(1)],
        )
        .delayed("cache", Duration::from_millis(150));
    let plan = plan(
        Verb::Start,
        vec![
            settling(step("db", Action::Start, &[]), Duration::from_millis(100)),
            step("cache", Action::Start, &[]),
            step("app", Action::Start, &["db", "cache"]),
        ],
    );
    let started = Instant::now();
    let results = run(&plan, &fake).await;
    // db fell in its window (100 ms), long before cache came up (150 ms) and
    // before any health timeout (300 ms): nothing waited for app.
    assert!(started.elapsed() < Duration::from_millis(300));
    assert_eq!(results[0].outcome, Outcome::Failed);
    let detail = &results[0].detail;
    assert!(
        detail.contains("settle window it exited with code 1"),
        "{detail}"
    );
    // The program's own words, once: below the table, not in the row.
    assert_eq!(results[0].last_lines, ["db: config.yml: bad value"]);
    assert!(!detail.contains("config.yml"), "{detail}");
    assert_eq!(results[1].outcome, Outcome::Done);
    assert_eq!(results[2].outcome, Outcome::NotDone);
    assert!(
        results[2].detail.contains("db, which it needs"),
        "{}",
        results[2].detail
    );
    assert!(!fake.calls().contains(&"begin start app".to_string()));
    assert_eq!(exit_of_results(&results), Exit::OperationFailed);
}

#[tokio::test(start_paused = true)]
async fn a_restart_inside_the_window_is_crash_looping() {
    let mut again = running(Health::None);
    again.restarts = Some(1);
    again.pid = Some(12);
    let fake = Fake::default().scripted("crab", vec![running(Health::None), again]);
    let plan = plan(
        Verb::Restart,
        vec![settling(
            step("crab", Action::Restart, &[]),
            Duration::from_millis(100),
        )],
    );
    let results = run(&plan, &fake).await;
    assert_eq!(results[0].outcome, Outcome::Failed);
    assert!(
        results[0]
            .detail
            .contains("crash-looping: restarted 1 time"),
        "{}",
        results[0].detail
    );
}

#[tokio::test(start_paused = true)]
async fn declared_readiness_shortens_the_window_and_a_finished_oneshot_skips_it() {
    let mut notify = running(Health::None);
    notify.readiness = Readiness::Declared;
    let mut oneshot = running(Health::None);
    oneshot.readiness = Readiness::Finished;
    let fake = Fake::default()
        .scripted("notify", vec![notify])
        .scripted("oneshot", vec![oneshot]);
    let window = Duration::from_millis(400);
    let plan = plan(
        Verb::Start,
        vec![
            settling(step("notify", Action::Start, &[]), window),
            settling(step("oneshot", Action::Start, &[]), window),
        ],
    );
    let results = run(&plan, &fake).await;
    assert_eq!(results[0].settle_seconds, Some(0.1));
    assert_eq!(results[1].settle_seconds, Some(0.0));
    assert!(results.iter().all(|result| result.outcome == Outcome::Done));
}

#[tokio::test(start_paused = true)]
async fn an_unhealthy_service_fails_fast_and_independent_ones_still_start() {
    let mut sick = running(Health::Unhealthy);
    sick.reason = Some("health check exited with 1: database unreachable".into());
    let fake = Fake::default().scripted("mysql", vec![sick]);
    let plan = plan(
        Verb::Start,
        vec![
            step("mysql", Action::Start, &[]),
            step("owl-api", Action::Start, &[]),
            step("porter-api", Action::Start, &["mysql"]),
        ],
    );
    let started = Instant::now();
    let results = run(&plan, &fake).await;
    // At its first look (the clock is tokio's, paused): not after the
    // 300 ms health timeout.
    assert!(
        started.elapsed() < options().health_timeout,
        "failed fast, after {:?}",
        started.elapsed()
    );
    assert_eq!(results[0].outcome, Outcome::Failed);
    assert!(
        results[0].detail.contains("database unreachable"),
        "{}",
        results[0].detail
    );
    assert_eq!(results[1].outcome, Outcome::Done);
    assert_eq!(results[2].outcome, Outcome::NotDone);
    assert_eq!(exit_of_results(&results), Exit::OperationFailed);
}

#[tokio::test(start_paused = true)]
async fn a_service_that_never_becomes_healthy_times_out() {
    let fake = Fake::default().scripted("mysql", vec![running(Health::Starting)]);
    let plan = plan(Verb::Start, vec![step("mysql", Action::Start, &[])]);
    let results = run(&plan, &fake).await;
    assert_eq!(results[0].outcome, Outcome::Failed);
    assert!(
        results[0].detail.starts_with("not healthy after"),
        "{}",
        results[0].detail
    );
}

#[tokio::test(start_paused = true)]
async fn a_stop_waits_for_what_needs_the_service_and_does_not_settle() {
    let fake = Fake::default()
        .delayed("porter-api", Duration::from_millis(50))
        .scripted("porter-api", vec![exited(0)])
        .scripted("mysql", vec![exited(0)]);
    let plan = plan(
        Verb::Stop,
        vec![
            step("porter-api", Action::Stop, &[]),
            step("mysql", Action::Stop, &["porter-api"]),
        ],
    );
    let results = run(&plan, &fake).await;
    assert!(results.iter().all(|result| result.outcome == Outcome::Done));
    assert!(results.iter().all(|result| result.settle_seconds.is_none()));
    assert!(fake.position("end porter-api") < fake.position("begin stop mysql"));
}

#[tokio::test(start_paused = true)]
async fn no_more_requests_than_the_bound_are_in_flight() {
    let names = ["a", "b", "c", "d", "e"];
    let mut fake = Fake::default();
    for name in names {
        fake = fake.delayed(name, Duration::from_millis(30));
    }
    let plan = plan(
        Verb::Restart,
        names
            .iter()
            .map(|name| step(name, Action::Restart, &[]))
            .collect(),
    );
    let options = Options {
        concurrency: 2,
        ..options()
    };
    let results = execute(
        &plan,
        &fake,
        &options,
        &Interrupt::default(),
        &Recorder::default(),
    )
    .await;
    assert!(results.iter().all(|result| result.outcome == Outcome::Done));
    assert_eq!(fake.most_in_flight.get(), 2);
}

#[tokio::test(start_paused = true)]
async fn an_interrupt_lets_the_step_in_flight_finish_and_starts_nothing_more() {
    let fake = Fake::default().delayed("mysql", Duration::from_millis(50));
    let interrupt = Interrupt::default();
    let plan = plan(
        Verb::Restart,
        vec![
            step("mysql", Action::Restart, &[]),
            step("porter-api", Action::Restart, &["mysql"]),
        ],
    );
    let raiser = interrupt.clone();
    let options = options();
    let recorder = Recorder::default();
    let (results, ()) = tokio::join!(
        execute(&plan, &fake, &options, &interrupt, &recorder),
        async move {
            tokio::time::sleep(Duration::from_millis(10)).await;
            raiser.raise();
        }
    );
    assert_eq!(
        results[0].outcome,
        Outcome::Done,
        "the restart in flight finished"
    );
    assert_eq!(results[1].outcome, Outcome::NotDone);
    assert_eq!(fake.calls(), vec!["begin restart mysql", "end mysql"]);
    assert_eq!(exit_of_results(&results), Exit::OperationFailed);
}

#[tokio::test(start_paused = true)]
async fn skips_and_impossible_steps_touch_nothing() {
    let fake = Fake::default();
    let plan = plan(
        Verb::Start,
        vec![
            step("mysql", Action::Skip, &[]),
            step("gone", Action::Impossible, &[]),
        ],
    );
    let results = run(&plan, &fake).await;
    assert_eq!(
        (results[0].outcome, results[1].outcome),
        (Outcome::Skipped, Outcome::Failed)
    );
    assert!(fake.calls().is_empty());
}
