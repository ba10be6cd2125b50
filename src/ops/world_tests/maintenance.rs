//! What maintenance tells the operator, against the world: a start of a
//! service in maintenance is refused with the way out, and `maintenance on`
//! of a service others need is refused with this verb's ways on — the hints
//! only a host with services in it meets, pinned word for word without one.

use super::{Quiet, console, names, request};
use crate::backend::Backends;
use crate::exit::{Exit, Failure};
use crate::model::Verb;
use crate::ops::dependents::DependentsPolicy;
use crate::ops::interrupt::Interrupt;
use crate::ops::maintenance::register::{self, Phase, Register};
use crate::ops::maintenance::{OnRequest, on};
use crate::settings::Settings;

/// The failure's exit, message and hint, to compare whole.
fn read(failure: &Failure) -> (Exit, &str, Option<&str>) {
    (
        failure.exit,
        failure.message.as_str(),
        failure.hint.as_deref(),
    )
}

#[tokio::test(start_paused = true)]
async fn a_start_of_a_service_in_maintenance_says_how_to_end_it() {
    let world = console();
    let directory = tempfile::tempdir().unwrap();
    let settings = Settings::for_test(directory.path());
    let entry = register::tests::entry("rabbitmq", Phase::In);
    let held = Register {
        entries: vec![entry],
        ..Register::default()
    };
    register::write(&settings.state_dir, &held).unwrap();
    let start = crate::ops::lifecycle::Request {
        start_in_maintenance: false,
        ..request(Verb::Start, &["rabbitmq"])
    };
    let planned = crate::ops::lifecycle::plan(
        &world.catalog(),
        &settings,
        &start,
        &Backends::world(&world),
    )
    .await;
    let failure = planned.map(|_| ()).expect_err("refused");
    assert_eq!(
        read(&failure),
        (
            Exit::Usage,
            "refusing to start what is in maintenance: rabbitmq (by alice since 2026-12-04T22:00:00Z: disk swap); nothing was changed",
            Some(
                "hmctl maintenance off rabbitmq ends it and starts them; `hmctl start --force rabbitmq` starts them and leaves them in maintenance"
            ),
        )
    );
    assert!(world.acted().is_empty());
}

#[tokio::test(start_paused = true)]
async fn maintenance_on_a_service_others_need_gives_this_verb_s_ways_on() {
    let world = console();
    let directory = tempfile::tempdir().unwrap();
    let settings = Settings::for_test(directory.path());
    let request = OnRequest {
        targets: names(&["mysql"]),
        reason: None,
        dependents: DependentsPolicy::Refuse,
        pace: request(Verb::Stop, &[]).pace,
        dry_run: false,
    };
    let entered = on(
        &world.catalog(),
        &settings,
        &request,
        &Quiet,
        &Interrupt::default(),
        &Backends::world(&world),
    )
    .await;
    let failure = entered.map(|_| ()).expect_err("refused");
    assert_eq!(
        read(&failure),
        (
            Exit::Usage,
            "not stopping mysql: running services need it (porter-api needs mysql); nothing was changed",
            Some(
                "stop them too, dependents first, with `hmctl maintenance on --with-dependents mysql` (`hmctl maintenance off mysql porter-api` brings them back in order), or only what was asked with `hmctl maintenance on --force mysql`"
            ),
        )
    );
    assert!(world.acted().is_empty());
}
