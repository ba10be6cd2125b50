//! Finishing or undoing an upgrade that a crash or `kill -9` interrupted, at the
//! start of the next hmctl run. Only when no hmctl holds the lock: a journal
//! with a live holder is an upgrade still in progress. Only a transaction whose
//! services proved healthy (phase committing) is finished; any other is undone,
//! and one that cannot be undone keeps its journal and stage.

use super::journal::{Journal, Phase};
use super::transaction::commit;
use super::undo::{Stranded, abandon, swap_out};
use crate::ops::lock;
use crate::settings::Settings;

/// What recovery did, for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    pub message: String,
}

/// Recovers every interrupted transaction (whose journals are in the
/// `settings`' state directory); returns what it did.
pub fn recover(settings: &Settings) -> Vec<Recovered> {
    super::hooks::plan_from(settings);
    let journals = Journal::all(&settings.state_dir);
    if journals.is_empty() {
        return Vec::new();
    }
    let Ok(_lock) = lock::acquire(
        &settings.lock_file,
        "hmctl (recovering an interrupted upgrade)",
        std::time::Duration::ZERO,
    ) else {
        return Vec::new();
    };
    // Whatever is finished or undone, the next disk-usage figure is measured afresh.
    crate::ops::host::disk_cache::forget(&settings.cache_dir);
    let mut done = Vec::new();
    for (path, journal) in journals {
        let mut journal = match journal {
            Ok(journal) => journal,
            Err(error) => {
                done.push(Recovered {
                    message: format!("the upgrade journal {} cannot be read ({error}); check that directory by hand", path.display()),
                });
                continue;
            }
        };
        let recording = crate::ops::history::recorder::begin(settings, recovery_intent(&journal));
        let message = recover_one(settings, &mut journal);
        journal.log(&message);
        let exit = if symlink_exists(&journal.file) {
            crate::exit::Exit::OperationFailed
        } else {
            crate::exit::Exit::Success
        };
        recording.end(exit, &message, Vec::new(), None);
        done.push(Recovered { message });
    }
    done
}

/// What the history records before recovery touches an interrupted transaction.
fn recovery_intent(journal: &Journal) -> crate::ops::history::recorder::Intent {
    use crate::ops::history::record::{Activity, Touched};
    crate::ops::history::recorder::Intent {
        activity: Activity::Recovery,
        services: journal
            .services
            .iter()
            .map(|name| Touched {
                name: name.clone(),
                group: journal.group.clone(),
                aliases: Vec::new(),
            })
            .collect(),
        steps: vec![format!(
            "{} the interrupted {} of {} (phase {})",
            if journal.phase == Phase::Committing {
                "complete"
            } else {
                "undo"
            },
            journal.kind,
            journal.group,
            journal.phase.as_str()
        )],
        package: None,
    }
}

/// Whether anything is at `path` (a journal kept because recovery failed).
fn symlink_exists(path: &std::path::Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// Finishes (phase committing) or undoes one interrupted transaction; what it did.
pub(super) fn recover_one(settings: &Settings, journal: &mut Journal) -> String {
    let what = journal.kind.to_string();
    let services = if journal.services.is_empty() {
        String::new()
    } else {
        format!(
            "; start or restart {} with `hmctl restart {}`",
            journal.services.join(", "),
            journal.services.join(" ")
        )
    };
    match journal.phase {
        Phase::Committing => match commit(settings, journal) {
            Ok(backup) => format!(
                "an interrupted {what} of {} was completed (its services had proved healthy): the new version is whole, the old one kept in {}; check `hmctl status` (or `hmctl upgrade --rollback --group {}`){services}",
                journal.group,
                backup.display(),
                journal.group
            ),
            Err(error) => format!(
                "an interrupted {what} of {} could not be completed: {error}; the journal {} is kept",
                journal.group,
                journal.file.display()
            ),
        },
        Phase::Staging | Phase::Swapping | Phase::Swapped | Phase::RollingBack => {
            undone(journal, &what, &services)
        }
    }
}

/// Undoes an interrupted transaction that never proved healthy; what it says.
fn undone(journal: &mut Journal, what: &str, services: &str) -> String {
    let staging = journal.phase == Phase::Staging;
    let result = if staging {
        abandon(journal)
    } else {
        swap_out(journal).and_then(|()| abandon(journal))
    };
    let group = &journal.group;
    match (result, staging) {
        (Err(stranded), _) => format!(
            "an interrupted {what} of {group} could not be undone: {}\nhint: {}",
            stranded.describe(),
            Stranded::HINT
        ),
        (Ok(()), true) => {
            format!("an interrupted {what} of {group} was undone; it had changed nothing{services}")
        }
        (Ok(()), false) => format!(
            "an interrupted {what} of {group} was undone (its services had not proved healthy): the previous version of {} is back{services}",
            journal.trees.live_dir.display()
        ),
    }
}
