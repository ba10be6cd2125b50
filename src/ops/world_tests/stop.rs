//! ok-to-stop and a stop's dependents against the world: a stop that would
//! leave a running service without what it needs is refused, naming it;
//! `--with-dependents` stops them first; a dependency declared either way
//! (a compose file's `depends_on`, a unit's `[service.NAME] depends_on`)
//! counts.

use super::{act, console, console_and_agent, names, request, result};
use crate::backend::Backends;
use crate::backend::world::{Service, World};
use crate::exit::Exit;
use crate::model::{Action, State, Verb};
use crate::ops::dependents::{DependentsPolicy, Verdict, check};
use crate::ops::interrupt::Interrupt;
use crate::ops::lifecycle::Report;

/// What ok-to-stop says of stopping `target` in `world`.
async fn verdict(world: &World, target: &str) -> Verdict {
    check(
        &world.catalog(),
        &World::settings(),
        &names(&[target]),
        &Backends::world(world),
    )
    .await
    .expect("a verdict")
}

#[tokio::test(start_paused = true)]
async fn ok_to_stop_names_the_running_services_that_need_it() {
    let world = console();
    let verdict = verdict(&world, "mysql").await;
    assert!(!verdict.is_safe());
    assert_eq!(verdict.stopping, ["mysql"]);
    let sentences: Vec<String> = verdict
        .dependents
        .iter()
        .map(crate::ops::dependents::Dependent::sentence)
        .collect();
    assert_eq!(sentences, ["porter-api needs mysql"]);
    assert!(world.acted().is_empty(), "ok-to-stop changes nothing");
}

#[tokio::test(start_paused = true)]
async fn a_dependent_that_is_not_running_does_not_hold_a_stop() {
    let world = console();
    world.change("porter-api", |api| Service {
        state: State::Exited,
        ..api
    });
    let verdict = verdict(&world, "mysql").await;
    assert!(verdict.is_safe());
}

#[tokio::test(start_paused = true)]
async fn a_unit_s_configured_dependency_holds_its_stop_too() {
    let world = console_and_agent();
    let verdict = verdict(&world, "s3block").await;
    assert_eq!(verdict.dependents.len(), 1);
    assert_eq!(verdict.dependents[0].sentence(), "watchman needs s3block");
}

#[tokio::test(start_paused = true)]
async fn a_stop_of_what_running_services_need_is_refused_and_changes_nothing() {
    let world = console();
    let failure = act(
        &world,
        &request(Verb::Stop, &["mysql"]),
        &Interrupt::default(),
    )
    .await
    .expect_err("refused");
    assert_eq!(failure.exit, Exit::Usage);
    assert_eq!(
        failure.message,
        "not stopping mysql: running services need it (porter-api needs mysql); nothing was changed"
    );
    assert!(
        failure
            .hint
            .is_some_and(|hint| hint.contains("--with-dependents"))
    );
    assert!(world.acted().is_empty());
}

#[tokio::test(start_paused = true)]
async fn with_dependents_the_dependents_stop_first() {
    let world = console();
    let request = crate::ops::lifecycle::Request {
        dependents: DependentsPolicy::StopToo,
        ..request(Verb::Stop, &["mysql"])
    };
    let report = act(&world, &request, &Interrupt::default())
        .await
        .expect("planned");
    assert_eq!(report.exit, Exit::Success);
    assert_eq!(world.acted_on(Action::Stop), ["porter-api", "mysql"]);
    assert_eq!(
        world.service("rabbitmq").map(|service| service.state),
        Some(State::Running),
        "what nothing stopped needs is left running"
    );
}

#[tokio::test(start_paused = true)]
async fn force_stops_only_what_was_asked() {
    let world = console();
    let request = crate::ops::lifecycle::Request {
        dependents: DependentsPolicy::Ignore,
        ..request(Verb::Stop, &["mysql"])
    };
    act(&world, &request, &Interrupt::default())
        .await
        .expect("planned");
    assert_eq!(world.acted_on(Action::Stop), ["mysql"]);
}

/// A stop of s3block alone, which a listening socket starts on demand (and,
/// when `woken`, a client of that socket starts again at once).
async fn stop_started_on_demand(woken: bool) -> Report {
    let world = console_and_agent();
    world.change("s3block", |s3block| {
        let listening = s3block.started_on_demand_by("s3block.socket");
        if woken {
            listening.woken_after_stop()
        } else {
            listening
        }
    });
    let request = crate::ops::lifecycle::Request {
        dependents: DependentsPolicy::Ignore,
        ..request(Verb::Stop, &["s3block"])
    };
    act(&world, &request, &Interrupt::default())
        .await
        .expect("planned")
}

#[tokio::test(start_paused = true)]
async fn a_stop_names_the_trigger_that_can_start_the_service_again() {
    let report = stop_started_on_demand(false).await;
    assert_eq!(report.exit, Exit::Success);
    let s3block = result(&report, "s3block");
    assert_eq!(
        s3block.detail,
        "exited (0); s3block.socket can start it again on demand"
    );
    assert_eq!(s3block.hint, None);
}

#[tokio::test(start_paused = true)]
async fn a_service_its_trigger_starts_again_at_once_fails_its_stop_with_the_way_out() {
    let report = stop_started_on_demand(true).await;
    assert_eq!(report.exit, Exit::OperationFailed);
    let s3block = result(&report, "s3block");
    assert_eq!(
        s3block.detail,
        "still running: starting; s3block.socket starts it on demand"
    );
    assert_eq!(
        s3block.hint.as_deref(),
        Some(
            "to keep s3block stopped, stop what starts it too: `systemctl stop s3block.socket` \
             (and `systemctl start s3block.socket` when it may run again)"
        )
    );
}
