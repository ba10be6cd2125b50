//! reload against the world: exactly the containers on an outdated
//! definition are recreated, in dependency order; a host without a compose
//! group has nothing to reload.

use super::{Quiet, console, names, request};
use crate::backend::Backends;
use crate::backend::world::{Service, World};
use crate::exit::Exit;
use crate::model::{Action, BackendKind, Verb};
use crate::ops::interrupt::Interrupt;
use crate::ops::reload;

#[tokio::test(start_paused = true)]
async fn reload_recreates_only_the_outdated_and_what_they_need_first() {
    let world = console();
    world.change("porter-api", Service::outdated);
    world.change("mysql", Service::outdated);
    let request = request(Verb::Reload, &[]);
    let (plan, backends) = reload::plan(
        &world.catalog(),
        &World::settings(),
        &names(&[]),
        request.pace,
        &Backends::world(&world),
    )
    .await
    .expect("planned");
    let actions: Vec<(&str, Action)> = plan
        .steps
        .iter()
        .map(|step| (step.service.as_str(), step.action))
        .collect();
    assert!(actions.contains(&("rabbitmq", Action::Skip)), "{actions:?}");
    let report =
        crate::ops::lifecycle::carry_out(plan, backends, &request, &Interrupt::default(), &Quiet)
            .await;
    assert_eq!(report.exit, Exit::Success);
    assert_eq!(world.acted_on(Action::Recreate), ["mysql", "porter-api"]);
    assert!(world.service("porter-api").is_some_and(|api| !api.outdated));
}

#[tokio::test(start_paused = true)]
async fn reload_without_a_compose_group_has_nothing_to_do() {
    let world = World::new()
        .with_group("agent", BackendKind::Systemd)
        .with_service("agent", "s3block", Service::running());
    let failure = reload::plan(
        &world.catalog(),
        &World::settings(),
        &[],
        request(Verb::Reload, &[]).pace,
        &Backends::world(&world),
    )
    .await
    .err()
    .expect("nothing to reload");
    assert_eq!(failure.exit, Exit::Usage);
    assert_eq!(
        failure.message,
        "no compose group is present on this host: nothing to reload"
    );
}
