//! Every fault point of a transaction, alone and with a second fault while
//! undoing the first, on a temp dir tree (no service, so no daemon): after the
//! run and after the next run's recovery the live directory holds the whole
//! old or the whole new version, no old entry is lost, a failed undo keeps the
//! journal and says where each entry is, and nothing unproven is committed.

use super::hooks::{exclusive, plan_for_test};
use super::journal::{Journal, Kind, Phase, Swap};
use super::recover::recover_one;
use super::{swap, transaction};
use crate::catalog::Catalog;
use crate::model::Step;
use crate::ops::execute::{Progress, StepResult};
use crate::ops::interrupt::Interrupt;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

struct Quiet;

impl Progress for Quiet {
    fn begin(&self, _: &Step) {}
    fn update(&self, _: &Step, _: &str) {}
    fn end(&self, _: &Step, _: &StepResult) {}
}

/// A live directory with porter and unicloud (old, each with a link out as a
/// venv has) and an untouched entry; a stage with both new and an added one.
struct Tree {
    root: tempfile::TempDir,
}

impl Tree {
    fn new() -> Tree {
        let tree = Tree {
            root: tempfile::tempdir().unwrap(),
        };
        for (dir, version, modules) in [
            (tree.live(), "old", &["porter", "unicloud"][..]),
            (tree.stage(), "new", &["porter", "unicloud", "added"][..]),
        ] {
            for module in modules {
                let module = dir.join(module);
                std::fs::create_dir_all(module.join("bin")).unwrap();
                std::fs::write(module.join("version"), version).unwrap();
                std::os::unix::fs::symlink("/usr/bin/python3", module.join("bin/python3")).unwrap();
            }
        }
        std::fs::write(tree.live().join("untouched"), "old").unwrap();
        tree
    }

    fn live(&self) -> PathBuf {
        self.root.path().join("venvs")
    }

    fn stage(&self) -> PathBuf {
        self.root.path().join(".hmctl-upgrade-console")
    }

    fn journal_file(&self) -> PathBuf {
        self.root.path().join("state/upgrade-console.json")
    }

    /// A journal as `upgrade` writes it once staged.
    fn journal(&self) -> Journal {
        let entries = [
            ("porter", Swap::Exchange),
            ("unicloud", Swap::Exchange),
            ("added", Swap::Insert),
        ]
        .into_iter()
        .map(|(name, action)| swap::plan_entry(name, action, &self.live(), &self.stage()))
        .collect();
        let mut journal = transaction::journal(
            "console",
            Kind::Upgrade,
            self.root.path().join("package"),
            self.live(),
            self.stage(),
            entries,
            Vec::new(),
        );
        journal.file = self.journal_file();
        journal.save().unwrap();
        journal
    }

    /// module → version live (`-` when absent).
    fn live_versions(&self) -> BTreeMap<&'static str, String> {
        ["porter", "unicloud", "added"]
            .into_iter()
            .map(|module| {
                let version = std::fs::read_to_string(self.live().join(module).join("version"))
                    .unwrap_or_else(|_| "-".to_string());
                (module, version)
            })
            .collect()
    }

    /// Every old module still somewhere: live, in the stage or in a backup.
    fn assert_no_old_entry_lost(&self, case: &str) {
        let backups = super::backup::list(&self.root.path().join(".hmctl-backups-console"));
        for module in ["porter", "unicloud"] {
            let places = [self.live(), self.stage()]
                .into_iter()
                .chain(backups.clone());
            let kept = places.into_iter().any(|dir| {
                std::fs::read_to_string(dir.join(module).join("version"))
                    .is_ok_and(|version| version == "old")
            });
            assert!(kept, "{case}: the old {module} is nowhere");
        }
        assert_eq!(
            std::fs::read_to_string(self.live().join("untouched")).unwrap(),
            "old"
        );
    }

    fn read_journal(&self) -> Option<Journal> {
        let bytes = std::fs::read(self.journal_file()).ok()?;
        let journal: Journal = serde_json::from_slice(&bytes).unwrap();
        Some(Journal {
            file: self.journal_file(),
            ..journal
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    Old,
    New,
}

fn versions(version: Version) -> BTreeMap<&'static str, String> {
    let (word, added) = match version {
        Version::Old => ("old", "-"),
        Version::New => ("new", "new"),
    };
    [("porter", word), ("unicloud", word), ("added", added)]
        .into_iter()
        .map(|(module, version)| (module, version.to_string()))
        .collect()
}

fn run(journal: Journal) -> Result<transaction::Ending, crate::exit::Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(transaction::run(
            &Catalog::builtin(),
            journal,
            Duration::from_secs(5),
            &Interrupt::default(),
            &Quiet,
        ))
}

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
    let ended = run(journal);
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
            assert!(
                failure.message.contains("could not be undone")
                    && failure.message.contains(&format!(
                        "the journal {} is kept",
                        tree.journal_file().display()
                    )),
                "{name}: {}",
                failure.message
            );
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
        recover_one(&mut journal);
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

#[test]
fn a_stranded_undo_says_which_path_holds_the_old_and_which_the_new() {
    let _exclusive = exclusive();
    let tree = Tree::new();
    plan_for_test("swap-in:2:EPERM,swap-out:1");
    let failure = run(tree.journal()).unwrap_err();
    plan_for_test("");
    let (live, stage, root) = (tree.live(), tree.stage(), tree.root.path());
    assert_eq!(
        failure.message,
        format!(
            "the upgrade of console from {root}/package failed (cannot swap unicloud into {live}: \
             Operation not permitted (os error 1)) and could not be undone: cannot swap porter back \
             into {live}: Input/output error (os error 5); nothing was removed and the journal \
             {root}/state/upgrade-console.json is kept; where each entry is:\n  \
             porter: the old version is in {stage}/porter, the new one in {live}/porter\n  \
             unicloud: the old version is in {live}/unicloud, the new one in {stage}/unicloud\n  \
             added: added by the new version, now in {stage}/added",
            root = root.display(),
            live = live.display(),
            stage = stage.display(),
        )
    );
    assert_eq!(
        failure.hint.as_deref(),
        Some(
            "fix the cause, then run any hmctl command (`hmctl status`): it swaps every entry back; or put each old version back by hand"
        )
    );
    let mut journal = tree.read_journal().unwrap();
    assert_eq!(
        recover_one(&mut journal),
        "an interrupted upgrade of console was undone (its services had not proved healthy): \
         the previous version of "
            .to_string()
            + &format!("{} is back", live.display())
    );
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
        transaction::swap_in(&mut journal).unwrap();
        journal.set_phase(phase).unwrap();
        let mut left = tree.read_journal().unwrap();
        let message = recover_one(&mut left);
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
    assert!(transaction::swap_in(&mut journal).is_err());
    plan_for_test("");
    let stranded = super::undo::abandon(&journal).unwrap_err();
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
            format!(
                "the upgrade of console from {root}/package was not done: a service would not \
                 stop: cannot stop the services: Input/output error (os error 5)"
            ),
            Some("nothing was changed".to_string()),
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
        let failure = run(tree.journal()).unwrap_err();
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
