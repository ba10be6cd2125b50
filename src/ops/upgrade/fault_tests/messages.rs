//! What the operator is told when a transaction fails at a point: where each
//! entry is when the undo is stranded, what the next run did, and that the
//! previous version is live when the run undid the failure itself; and,
//! before anything live changes, a journal or a stage that cannot be
//! written and a staging task that panicked.

use super::{Tree, Version, run, versions};
use crate::exit::Exit;
use crate::ops::upgrade::hooks::{exclusive, plan_for_test};
use crate::ops::upgrade::journal::Kind;
use crate::ops::upgrade::recover::recover_one;
use crate::ops::upgrade::{
    backup, save_before_swap, stage, staging_failed, staging_stopped, transaction,
};
use std::path::Path;

#[test]
fn a_stranded_undo_says_which_path_holds_the_old_and_which_the_new() {
    let _exclusive = exclusive();
    let tree = Tree::new();
    plan_for_test("swap-in:2:EPERM,swap-out:1");
    let failure = run(&tree, tree.journal()).unwrap_err();
    plan_for_test("");
    let (live, stage, root) = (tree.live(), tree.stage(), tree.root.path());
    let (live, stage, root) = (live.display(), stage.display(), root.display());
    let undo_failed = format!(
        "cannot swap porter back into {live}: Input/output error (os error 5); nothing was \
         removed and the journal {root}/state/upgrade-console.json is kept; where each entry \
         is:\n  porter: the old version is in {stage}/porter, the new one in {live}/porter\n  \
         unicloud: the old version is in {live}/unicloud, the new one in {stage}/unicloud\n  \
         added: added by the new version, now in {stage}/added"
    );
    let hint = "fix the cause, then run any hmctl command (`hmctl status`): it swaps every entry \
                back; or put each old version back by hand";
    assert_eq!(
        failure.message,
        format!(
            "the upgrade of console from {root}/package failed (cannot swap unicloud into {live}: \
             Operation not permitted (os error 1)) and could not be undone: {undo_failed}"
        )
    );
    assert_eq!(failure.hint.as_deref(), Some(hint));
    // The next run fails the same way: it says so, and keeps everything.
    plan_for_test("swap-out:1");
    let message = recover_one(&tree.settings(), &mut tree.read_journal().unwrap());
    plan_for_test("");
    assert_eq!(
        message,
        format!(
            "an interrupted upgrade of console could not be undone: {undo_failed}\nhint: {hint}"
        )
    );
    assert_eq!(
        recover_one(&tree.settings(), &mut tree.read_journal().unwrap()),
        format!(
            "an interrupted upgrade of console was undone (its services had not proved healthy): \
             the previous version of {live} is back"
        )
    );
}

/// A healthy transaction whose backup cannot be kept: the new version stays,
/// the journal too, until a run can keep the backup.
#[test]
fn a_backup_that_cannot_be_kept_leaves_the_new_version_and_the_journal() {
    let _exclusive = exclusive();
    let tree = Tree::new();
    plan_for_test("keep:1:ENOSPC");
    let failure = run(&tree, tree.journal()).unwrap_err();
    let (live, stage, file) = (tree.live(), tree.stage(), tree.journal_file());
    assert_eq!(
        failure.message,
        format!(
            "the new version of {} is live and its services healthy, but the replaced version \
             (in {}) could not be kept as a backup: No space left on device (os error 28); the \
             journal {} is kept",
            live.display(),
            stage.display(),
            file.display()
        )
    );
    assert_eq!(
        failure.hint.as_deref(),
        Some(
            "fix the cause, then run any hmctl command (`hmctl status`): it finishes keeping the backup"
        )
    );
    plan_for_test("keep:1:ENOSPC");
    let message = recover_one(&tree.settings(), &mut tree.read_journal().unwrap());
    plan_for_test("");
    assert_eq!(
        message,
        format!(
            "an interrupted upgrade of console could not be completed: No space left on device \
             (os error 28); the journal {} is kept",
            file.display()
        )
    );
    let message = recover_one(&tree.settings(), &mut tree.read_journal().unwrap());
    assert!(
        message.starts_with(
            "an interrupted upgrade of console was completed (its services had proved healthy): \
             the new version is whole, the old one kept in "
        ),
        "{message}"
    );
    assert_eq!(tree.live_versions(), versions(Version::New));
    tree.assert_no_old_entry_lost("keep");
}

/// The messages of a transaction that failed but left the old version whole.
#[test]
fn a_failure_undone_by_the_run_says_the_previous_version_is_live() {
    let _exclusive = exclusive();
    let tree = Tree::new();
    let (live, root) = (tree.live(), tree.root.path().display().to_string());
    let live = live.display();
    for (faults, message, hint) in [
        (
            "stop:1",
            "cannot stop the services: Input/output error (os error 5)".to_string(),
            None,
        ),
        (
            "swap-in:2",
            format!(
                "cannot swap unicloud into {live}: Input/output error (os error 5); every entry \
                 was swapped back: the previous version of {live} is live"
            ),
            None,
        ),
        (
            "health:1,restart:1",
            format!(
                "the upgrade of console from {root}/package was rolled back (the health gate \
                 failed: Input/output error (os error 5)): the previous version of {live} is \
                 live, but its services did not restart: cannot restart the services: \
                 Input/output error (os error 5)"
            ),
            Some("`hmctl restart ` once the cause is fixed".to_string()),
        ),
    ] {
        plan_for_test(faults);
        let failure = run(&tree, tree.journal()).unwrap_err();
        plan_for_test("");
        assert_eq!(failure.message, message, "{faults}");
        assert_eq!(failure.hint, hint, "{faults}");
        assert_eq!(tree.live_versions(), versions(Version::Old), "{faults}");
        std::fs::create_dir_all(tree.stage()).unwrap();
        for module in ["porter", "unicloud", "added"] {
            let staged = tree.stage().join(module);
            if !staged.exists() {
                std::fs::create_dir_all(&staged).unwrap();
                std::fs::write(staged.join("version"), "new").unwrap();
            }
        }
    }
}

/// A full filesystem under the stage (ENOSPC): the words the operator
/// reads, from the error the copy meets.
#[test]
fn a_stage_on_a_full_filesystem_is_told_word_for_word() {
    let full = std::io::Error::from_raw_os_error(rustix::io::Errno::NOSPC.raw_os_error());
    let failure = staging_failed(stage::StageError::Io(full), Path::new("/opt/venvs"));
    assert_eq!(
        (
            failure.exit,
            failure.message.as_str(),
            failure.hint.as_deref()
        ),
        (
            Exit::OperationFailed,
            "cannot stage the package beside /opt/venvs: No space left on device (os error 28); nothing was changed and no staging file was left",
            Some(
                "the package is copied beside /opt/venvs before anything is swapped: free space on that filesystem (about the package's size) or fix its permissions, then run the upgrade again"
            ),
        )
    );
}

/// The journal that cannot be written before the swap (ENOSPC, planned at
/// its fault point): the transaction is forgotten and the operator told
/// where the journal is, word for word.
#[test]
fn a_journal_that_cannot_be_written_names_it_word_for_word() {
    let _exclusive = exclusive();
    let directory = tempfile::tempdir().unwrap();
    let live = directory.path().join("venvs");
    let journal = transaction::journal(
        &directory.path().join("state"),
        "console",
        Kind::Upgrade,
        directory.path().join("package"),
        live.clone(),
        backup::stage_dir(&live, "console"),
        Vec::new(),
    );
    plan_for_test("journal-staging:1:ENOSPC");
    let failure = save_before_swap(&journal).expect_err("not written");
    plan_for_test("");
    let hint = format!(
        "the journal is {}/state/upgrade-console.json: free space on its filesystem or fix its permissions, then run the upgrade again",
        directory.path().display()
    );
    assert_eq!(
        (failure.exit, failure.message.as_str(), failure.hint),
        (
            Exit::OperationFailed,
            "cannot write the upgrade journal: No space left on device (os error 28); nothing was changed",
            Some(hint),
        )
    );
    assert!(!journal.file.exists(), "no journal is left");
}

/// Staging's task panicking: the words the operator reads, from the
/// error such a task ends with.
#[tokio::test]
async fn staging_that_panics_is_told_word_for_word() {
    let error = tokio::task::spawn_blocking(|| panic!("staging broke"))
        .await
        .expect_err("it panicked");
    let failure = staging_stopped(&error);
    let message = format!(
        "staging stopped unexpectedly: task {} panicked with message \"staging broke\"; nothing was changed",
        error.id()
    );
    assert_eq!(
        (failure.exit, failure.message, failure.hint.as_deref()),
        (
            Exit::OperationFailed,
            message,
            Some(
                "run the upgrade again; if it stops again, send `hmctl logs collect`'s bundle to support"
            ),
        )
    );
}
