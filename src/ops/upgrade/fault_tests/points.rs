//! Every fault point, alone and with a second fault while undoing the first:
//! after the run and after the next run's recovery the live directory holds
//! the whole old or the whole new version, no old entry is lost, a failed undo
//! keeps the journal and the stage, and nothing unproven is committed.

use super::{Tree, Version, run, versions};
use crate::ops::upgrade::hooks::{exclusive, plan_for_test};
use crate::ops::upgrade::journal::Phase;
use crate::ops::upgrade::recover::recover_one;
use crate::ops::upgrade::transaction;

/// What a case must come to.
struct Case {
    faults: &'static str,
    /// Live after the run; `None`: the undo is stranded (journal and stage kept).
    after_run: Option<Version>,
    after_recovery: Version,
}

const fn case(faults: &'static str, after_run: Option<Version>, after_recovery: Version) -> Case {
    Case {
        faults,
        after_run,
        after_recovery,
    }
}

const CASES: &[Case] = &[
    // One fault at each point: undone (or finished) by the run itself.
    case("stop:1", Some(Version::Old), Version::Old),
    case("journal-swapping:1", Some(Version::Old), Version::Old),
    case("swap-in:1", Some(Version::Old), Version::Old),
    case("swap-in:2", Some(Version::Old), Version::Old),
    case("swap-in:3:EPERM", Some(Version::Old), Version::Old),
    case("sync-in:1", Some(Version::Old), Version::Old),
    case("journal-swapped:1:ENOSPC", Some(Version::Old), Version::Old),
    case("start:1", Some(Version::Old), Version::Old),
    case("health:1", Some(Version::Old), Version::Old),
    case(
        "journal-committing:1:ENOSPC",
        Some(Version::Old),
        Version::Old,
    ),
    case(
        "health:1,journal-rolling-back:1",
        Some(Version::Old),
        Version::Old,
    ),
    case("health:1,remove-stage:1", Some(Version::Old), Version::Old),
    case(
        "health:1,remove-journal:1",
        Some(Version::Old),
        Version::Old,
    ),
    case("health:1,restart:1", Some(Version::Old), Version::Old),
    case("swap-in:2,restart:1", Some(Version::Old), Version::Old),
    case("keep:1:ENOSPC", Some(Version::New), Version::New),
    case("remove-journal:1", Some(Version::New), Version::New),
    // A second fault while undoing the first: stranded, then undone by recovery.
    case("swap-in:2,swap-out:1", None, Version::Old),
    case("swap-in:3,swap-out:2:EPERM", None, Version::Old),
    case("swap-in:3,sync-out:1", None, Version::Old),
    case("start:1,swap-out:1", None, Version::Old),
    case("start:1,swap-out:3:EIO", None, Version::Old),
    case("health:1,swap-out:2", None, Version::Old),
    case(
        "health:1,journal-rolling-back:1,swap-out:1",
        None,
        Version::Old,
    ),
    case("journal-committing:1,swap-out:1", None, Version::Old),
    case("journal-swapped:1,swap-out:1", None, Version::Old),
];

fn check(case: &Case) {
    let tree = Tree::new();
    let journal = tree.journal();
    plan_for_test(case.faults);
    let ended = run(&tree, journal);
    plan_for_test("");
    let name = case.faults;
    tree.assert_no_old_entry_lost(name);
    match case.after_run {
        Some(version) => {
            assert_eq!(
                tree.live_versions(),
                versions(version),
                "{name}: after the run"
            );
            if version == Version::Old {
                assert!(
                    !matches!(ended, Ok(transaction::Ending::Committed { .. })),
                    "{name}: committed"
                );
            }
        }
        None => {
            let failure = ended.expect_err(name);
            tree.assert_says_stranded(name, &failure.message);
            for module in ["porter", "unicloud", "added"] {
                assert!(
                    failure.message.contains(&format!("\n  {module}: ")),
                    "{name}: where {module} is: {}",
                    failure.message
                );
            }
            assert!(tree.stage().exists(), "{name}: the stage is kept");
            assert!(tree.read_journal().is_some(), "{name}: the journal is kept");
        }
    }
    // The next run: recovery of whatever journal is left.
    if let Some(mut journal) = tree.read_journal() {
        recover_one(&tree.settings(), &mut journal);
    }
    assert_eq!(
        tree.live_versions(),
        versions(case.after_recovery),
        "{name}: after recovery"
    );
    tree.assert_no_old_entry_lost(name);
    assert!(tree.read_journal().is_none(), "{name}: journal left");
    assert!(!tree.stage().exists(), "{name}: stage left");
}

#[test]
fn every_fault_point_leaves_a_whole_version_and_loses_no_old_entry() {
    let _exclusive = exclusive();
    for case in CASES {
        check(case);
    }
}

/// kill -9 after the swap, before the health gate: recovery swaps back.
#[test]
fn recovery_rolls_back_a_swapped_transaction_and_commits_only_a_healthy_one() {
    let _exclusive = exclusive();
    for (phase, expected) in [
        (Phase::Swapped, Version::Old),
        (Phase::Committing, Version::New),
    ] {
        let tree = Tree::new();
        let mut journal = tree.journal();
        transaction::swap_in(&tree.settings(), &mut journal).unwrap();
        journal.set_phase(phase).unwrap();
        let mut left = tree.read_journal().unwrap();
        let message = recover_one(&tree.settings(), &mut left);
        assert_eq!(
            tree.live_versions(),
            versions(expected),
            "{phase:?}: {message}"
        );
        tree.assert_no_old_entry_lost(phase.as_str());
        assert!(tree.read_journal().is_none());
    }
}

/// The stage is removed only when every entry is proven back.
#[test]
fn nothing_that_may_hold_a_live_entry_is_removed_unproven() {
    let _exclusive = exclusive();
    plan_for_test("swap-in:2");
    let tree = Tree::new();
    let mut journal = tree.journal();
    assert!(transaction::swap_in(&tree.settings(), &mut journal).is_err());
    plan_for_test("");
    let stranded = crate::ops::upgrade::undo::abandon(&journal).unwrap_err();
    assert_eq!(
        stranded.cause,
        format!(
            "not every entry of {} is back as it was",
            tree.live().display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(tree.stage().join("porter/version")).unwrap(),
        "old"
    );
    assert!(tree.read_journal().is_some());
}
