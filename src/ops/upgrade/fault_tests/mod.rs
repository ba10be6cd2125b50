//! Tests of every fault point of a transaction, alone and with a second fault
//! while undoing the first, on a temp dir tree: `points` proves the live
//! directory and the old entries (no service, so no daemon), `messages` pins
//! what the operator is told, `world` reaches services through the in-memory
//! world. This file holds the tree they share.

mod messages;
mod points;
mod world;

use super::journal::{Journal, Kind, Swap};
use super::{swap, transaction};
use crate::catalog::Catalog;
use crate::model::Step;
use crate::ops::execute::{Progress, StepResult};
use crate::ops::interrupt::Interrupt;
use crate::settings::Settings;
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

    /// The settings of a run on this tree: hmctl's state under its root.
    fn settings(&self) -> Settings {
        Settings::for_test(self.root.path())
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
            &self.settings().state_dir,
            "console",
            Kind::Upgrade,
            self.root.path().join("package"),
            self.live(),
            self.stage(),
            Vec::new(),
        );
        journal.entries = entries;
        assert_eq!(journal.file, self.journal_file());
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

    /// Asserts that `message` says the undo could not be finished and
    /// names the journal kept.
    fn assert_says_stranded(&self, case: &str, message: &str) {
        assert!(
            message.contains("could not be undone")
                && message.contains(&format!(
                    "the journal {} is kept",
                    self.journal_file().display()
                )),
            "{case}: {message}"
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

/// Runs the transaction of `journal` on `tree`.
fn run(tree: &Tree, journal: Journal) -> Result<transaction::Ending, crate::exit::Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(transaction::run(
            &Catalog::builtin(),
            &tree.settings(),
            journal,
            Duration::from_secs(5),
            &Interrupt::default(),
            &Quiet,
            // No daemon is reached: the world answers for any service named.
            &crate::backend::Backends::world(&crate::backend::world::World::new()),
        ))
}
