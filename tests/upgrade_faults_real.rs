//! upgrade with real Python virtual environments against real containers, a
//! failure at a step (`HMCTL_TEST_FAIL_AT`, a venv made immutable with
//! `chattr +i`, kill -9 before the health gate), and a second failure while
//! undoing the first: nothing that held a live venv is deleted, a failed undo
//! keeps the journal and says where each venv is, and the next run puts the
//! old venvs back whole and says how to start the services.

mod common;
mod venv_world;

use common::*;
use venv_world::*;

#[test]
fn a_fault_while_undoing_a_fault_keeps_the_journal_and_the_next_run_undoes_it() {
    if skip_without_sandbox() {
        return;
    }
    let world = World::new("venv-double-fault");
    let before = tree(&world.venvs());
    let package = world.package("v2", &["porter", "unicloud"], "new");
    let output = world.upgrade_failing(&package, "swap-in:2,swap-out:1");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stderr(&output);
    let (venvs, stage) = (world.venvs(), world.stage());
    for expected in [
        "and could not be undone: cannot swap porter back into".to_string(),
        format!("the journal {} is kept", world.journal().display()),
        format!(
            "porter: the old version is in {}/porter, the new one in {}/porter",
            stage.display(),
            venvs.display()
        ),
        format!(
            "unicloud: the old version is in {}/unicloud, the new one in {}/unicloud",
            venvs.display(),
            stage.display()
        ),
        "hint: fix the cause, then run any hmctl command (`hmctl status`): it swaps every entry back".to_string(),
    ] {
        assert!(text.contains(&expected), "{expected:?} in {text}");
    }
    assert_eq!(
        std::fs::read_to_string(stage.join("porter/version")).unwrap(),
        "old",
        "the old porter venv is kept in the stage"
    );
    // Recovery fails again: a new upgrade must not clear that stage.
    let output = world.upgrade_failing(&package, "swap-out:1");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stderr(&output);
    assert!(
        text.contains("an interrupted upgrade of console could not be undone")
            && text.contains(&format!(
                "an earlier upgrade or rollback of console is not finished: its journal {} is kept; nothing was changed",
                world.journal().display()
            )),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(stage.join("porter/version")).unwrap(),
        "old"
    );
    world.assert_undone_by_the_next_run(&before);
}

/// `chattr +i` on a live venv: its exchange fails for real (EPERM); the undo
/// of the venv swapped before it fails too (planned), so the journal stays.
#[test]
fn an_immutable_venv_stops_the_swap_and_nothing_is_lost() {
    if skip_without_sandbox() {
        return;
    }
    let world = World::new("venv-immutable");
    let before = tree(&world.venvs());
    let package = world.package("v2", &["porter", "unicloud"], "new");
    let unicloud = world.venvs().join("unicloud");
    let Some(guard) = Immutable::make(&unicloud) else {
        eprintln!("skipped: this filesystem cannot make an entry immutable (chattr +i)");
        return;
    };
    let output = world.upgrade_failing(&package, "swap-out:1");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stderr(&output);
    assert!(
        text.contains(&format!(
            "(cannot swap unicloud into {}: Operation not permitted (os error 1)) and could not be undone",
            world.venvs().display()
        )),
        "{text}"
    );
    drop(guard);
    world.assert_undone_by_the_next_run(&before);
    // With the venv immutable again and no second fault, the run undoes itself.
    let guard = Immutable::make(&unicloud).unwrap();
    let output = world.upgrade(&package);
    drop(guard);
    world.assert_undone_by_the_run(&output, "every entry was swapped back", &before);
}

#[test]
fn a_failed_start_after_the_swap_is_rolled_back_not_left_swapped() {
    if skip_without_sandbox() {
        return;
    }
    let world = World::new("venv-start-fails");
    let before = tree(&world.venvs());
    let package = world.package("v2", &["porter"], "new");
    let output = world.upgrade_failing(&package, "start:1");
    world.assert_undone_by_the_run(&output, "rolled back", &before);
}

#[test]
fn kill_9_after_the_swap_before_the_health_gate_rolls_back() {
    if skip_without_sandbox() {
        return;
    }
    let world = World::new("venv-kill-swapped");
    let before = tree(&world.venvs());
    let package = world.package("v2", &["porter", "unicloud"], "new");
    world.kill_9_at("swapped", &package);
    world.assert_undone_by_the_next_run(&before);
}

/// A failure before anything live changes: writing the journal, staging the
/// package, writing the journal's entries. The services are not even stopped.
#[test]
fn a_fault_before_the_swap_changes_nothing() {
    if skip_without_sandbox() {
        return;
    }
    let world = World::new("venv-fault-before");
    let before = tree(&world.venvs());
    let package = world.package("v2", &["porter"], "new");
    let porter_started = started_at(&world.project, "porter-api");
    let journal_hint = format!(
        "the journal is {}: free space on its filesystem or fix its permissions, then run the upgrade again",
        world.journal().display()
    );
    for (faults, message, hint) in [
        (
            "journal-staging:1",
            "cannot write the upgrade journal: Input/output error (os error 5); nothing was changed".to_string(),
            journal_hint.clone(),
        ),
        (
            "stage:1:ENOSPC",
            format!(
                "cannot stage the package beside {}: No space left on device (os error 28); nothing was changed and no staging file was left",
                world.venvs().display()
            ),
            format!(
                "the package is copied beside {} before anything is swapped: free space on that filesystem (about the package's size) or fix its permissions, then run the upgrade again",
                world.venvs().display()
            ),
        ),
        (
            "journal-staging:2",
            "cannot write the upgrade journal: Input/output error (os error 5); nothing was changed".to_string(),
            journal_hint.clone(),
        ),
    ] {
        let output = world.upgrade_failing(&package, faults);
        assert_eq!(output.status.code(), Some(1), "{faults}: {}", stderr(&output));
        assert!(
            stderr(&output).contains(&format!("error: {message}\nhint: {hint}\n")),
            "{faults}: {}",
            stderr(&output)
        );
        assert_eq!(tree(&world.venvs()), before, "{faults}");
        assert!(!world.stage().exists() && !world.journal().exists(), "{faults}");
    }
    assert_eq!(started_at(&world.project, "porter-api"), porter_started);
}
