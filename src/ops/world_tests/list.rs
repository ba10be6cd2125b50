//! `hmctl list` against the world: the services each group declares, present
//! as its daemon says where its kind lists with the daemon, unknown when that
//! daemon cannot be asked.

use crate::backend::Backends;
use crate::backend::world::{Daemon, Service, World};
use crate::model::{BackendKind, State};
use crate::ops::list::list;

fn world() -> World {
    World::new()
        .with_group("agent", BackendKind::Systemd)
        .with_service("agent", "s3block", Service::running())
        .with_service("agent", "watchman", Service::in_any(State::Missing))
}

#[tokio::test(start_paused = true)]
async fn units_are_present_as_systemd_says() {
    let world = world();
    let listing = list(&world.catalog(), &Backends::world(&world))
        .await
        .expect("a listing");
    let present: Vec<(&str, Option<bool>, Option<&str>)> = listing
        .services
        .iter()
        .map(|service| {
            (
                service.name.as_str(),
                service.present,
                service.unit.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        present,
        [
            ("s3block", Some(true), Some("s3block.service")),
            ("watchman", Some(false), Some("watchman.service"))
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_systemd_that_cannot_be_asked_leaves_presence_unknown() {
    let world = world().with_daemon(BackendKind::Systemd, Daemon::Refused);
    let listing = list(&world.catalog(), &Backends::world(&world))
        .await
        .expect("a listing");
    assert!(
        listing
            .services
            .iter()
            .all(|service| service.present.is_none())
    );
}
