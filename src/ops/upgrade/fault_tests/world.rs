//! The transaction's daemon side through the in-memory world: the services
//! it swaps are stopped, started on the new version and watched through
//! their settle window by the same `ops` code that reaches Docker; one that
//! dies after the start rolls the upgrade back, and a second fault while
//! undoing it (a swap-out that fails) keeps the journal and the stage and
//! deletes nothing.

use super::{Quiet, Tree, Version, versions};
use crate::backend::Backends;
use crate::backend::world::{Service, World};
use crate::model::{Action, BackendKind};
use crate::ops::interrupt::Interrupt;
use crate::ops::upgrade::hooks::{exclusive, plan_for_test};
use crate::ops::upgrade::transaction::{self, Ending};
use std::time::Duration;

/// The console's porter-api, running, as the world plays it.
fn console() -> World {
    World::new()
        .with_group("console", BackendKind::Compose)
        .with_service("console", "porter-api", Service::running())
}

/// Runs the staged transaction of `tree` on `world`'s porter-api, under the
/// paused clock (its settle windows pass at once), with `faults` planned.
fn run(tree: &Tree, world: &World, faults: &str) -> Result<Ending, crate::exit::Failure> {
    let mut journal = tree.journal();
    journal.services = vec!["porter-api".to_string()];
    journal.save().unwrap();
    plan_for_test(faults);
    let ended = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap()
        .block_on(transaction::run(
            &world.catalog(),
            &tree.settings(),
            journal,
            Duration::from_secs(30),
            &Interrupt::default(),
            &Quiet,
            &Backends::world(world),
        ));
    plan_for_test("");
    ended
}

#[test]
fn a_service_that_stays_up_on_the_new_version_commits_it() {
    let _exclusive = exclusive();
    let tree = Tree::new();
    let world = console();
    let ended = run(&tree, &world, "");
    assert!(matches!(ended, Ok(Ending::Committed { .. })), "{ended:?}");
    assert_eq!(tree.live_versions(), versions(Version::New));
    assert_eq!(world.acted_on(Action::Stop), ["porter-api"]);
    assert_eq!(world.acted_on(Action::Start), ["porter-api"]);
    assert!(tree.read_journal().is_none());
}

#[test]
fn a_service_that_dies_after_its_start_rolls_the_upgrade_back() {
    let _exclusive = exclusive();
    let tree = Tree::new();
    let world = console();
    // It dies after every start: on the new version, and again on the old.
    world.change("porter-api", |api| {
        api.dies_after_start(Duration::from_secs(1), 1)
    });
    let ended = run(&tree, &world, "");
    let Ok(Ending::RolledBack { reason, results }) = ended else {
        panic!("not rolled back: {ended:?}");
    };
    assert_eq!(
        reason,
        "porter-api: came up, then within its 2.0 s settle window it exited with code 1: exited (1)"
    );
    // The old version's restart is reported as it went (it died again).
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].action, Action::Restart);
    assert_eq!(tree.live_versions(), versions(Version::Old));
    tree.assert_no_old_entry_lost("rolled back");
    assert!(tree.read_journal().is_none(), "the undo finished");
    let actions: Vec<Action> = world.acted().iter().map(|acted| acted.action).collect();
    assert_eq!(actions, [Action::Stop, Action::Start, Action::Restart]);
}

#[test]
fn a_swap_out_that_fails_after_the_service_died_keeps_the_journal_and_deletes_nothing() {
    let _exclusive = exclusive();
    let tree = Tree::new();
    let world = console();
    world.change("porter-api", |api| {
        api.dies_after_start(Duration::from_secs(1), 1)
    });
    let failure = run(&tree, &world, "swap-out:1").expect_err("stranded");
    tree.assert_says_stranded("stranded", &failure.message);
    assert!(tree.read_journal().is_some(), "the journal is kept");
    assert!(tree.stage().exists(), "the stage is kept");
    tree.assert_no_old_entry_lost("stranded");
}

/// A service the daemon will not stop: nothing is swapped, it still runs,
/// the transaction is forgotten, and the operator is told so word for
/// word.
#[test]
fn a_service_that_will_not_stop_changes_nothing() {
    let _exclusive = exclusive();
    let tree = Tree::new();
    let world = console();
    world.change("porter-api", |api| {
        api.refusing(Action::Stop, "container is paused")
    });
    let failure = run(&tree, &world, "").expect_err("not done");
    assert_eq!(
        failure.message,
        format!(
            "the upgrade of console from {}/package was not done: a service would not stop: porter-api: Docker refused to stop \
             porter-api: container is paused",
            tree.root.path().display()
        )
    );
    assert_eq!(failure.hint.as_deref(), Some("nothing was changed"));
    assert_eq!(tree.live_versions(), versions(Version::Old));
    assert!(
        tree.read_journal().is_none(),
        "the transaction is forgotten"
    );
    assert!(
        world.service("porter-api").unwrap().is_up(),
        "it still runs"
    );
}
