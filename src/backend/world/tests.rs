//! The world itself: a hung daemon is ended by the caller's timeout on the
//! paused clock, a refused one at once, and a scripted service changes when
//! its script says, not before.

use super::{Daemon, Service, World};
use crate::backend::{BackendError, ServiceBackend};
use crate::model::{Action, BackendKind, Handle, HandleKind, State};
use std::time::Duration;
use tokio::time::Instant;

const TIMEOUT: Duration = Duration::from_secs(60);

fn world() -> World {
    World::new()
        .with_group("agent", BackendKind::Systemd)
        .with_service("agent", "s3block", Service::running())
}

#[tokio::test(start_paused = true)]
async fn a_hung_daemon_answers_nothing_until_the_caller_s_timeout_passes() {
    let world = world().with_daemon(BackendKind::Systemd, Daemon::Hung);
    let began = Instant::now();
    let played = world.connect(BackendKind::Systemd, TIMEOUT).await;
    assert_eq!(began.elapsed(), TIMEOUT);
    assert!(
        matches!(played.connection_error(), Some(BackendError::Timeout { after, .. }) if *after == TIMEOUT),
        "{:?}",
        played.connection_error()
    );
}

#[tokio::test(start_paused = true)]
async fn a_daemon_that_hangs_after_connecting_ends_each_call_at_its_timeout() {
    let world = world();
    let played = world.connect(BackendKind::Systemd, TIMEOUT).await;
    world.set_daemon(BackendKind::Systemd, Daemon::Hung);
    let began = Instant::now();
    let answer = played
        .observe(&Handle::new(HandleKind::Systemd, "s3block.service"))
        .await;
    assert_eq!(began.elapsed(), TIMEOUT);
    assert_eq!(
        answer.expect_err("no answer").to_string(),
        format!(
            "systemd at {} did not answer within 60 s",
            "the world's systemd"
        )
    );
}

#[tokio::test(start_paused = true)]
async fn a_refused_daemon_says_so_at_once() {
    let world = world().with_daemon(BackendKind::Systemd, Daemon::Refused);
    let began = Instant::now();
    let played = world.connect(BackendKind::Systemd, TIMEOUT).await;
    assert_eq!(began.elapsed(), Duration::ZERO);
    assert!(matches!(
        played.connection_error(),
        Some(BackendError::Unreachable { detail, .. }) if detail == "connection refused"
    ));
}

#[tokio::test(start_paused = true)]
async fn a_scripted_service_starts_then_dies_when_its_script_says() {
    let world = world();
    world.change("s3block", |s3block| {
        s3block
            .takes_to_start(Duration::from_secs(2))
            .dies_after_start(Duration::from_secs(5), 9)
    });
    world.change("s3block", |s3block| {
        let mut started = s3block;
        started.act(Action::Restart, Instant::now(), 42);
        started
    });
    let state = |world: &World| world.service("s3block").map(|service| service.state);
    assert_eq!(state(&world), Some(State::Starting));
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(state(&world), Some(State::Running));
    tokio::time::sleep(Duration::from_secs(3)).await;
    let dead = world.service("s3block").expect("the service");
    assert_eq!(
        (dead.state, dead.exit_code, dead.pid),
        (State::Exited, Some(9), None)
    );
}
