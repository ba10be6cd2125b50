//! Finishing or undoing an upgrade that a crash or `kill -9` interrupted, at the
//! start of the next hmctl run. Only when no hmctl holds the lock: a journal
//! with a live holder is an upgrade still in progress.

use super::journal::{Journal, Kind, Phase, log_line};
use super::transaction::{abandon, commit, swap_out};
use crate::ops::lock;

/// What recovery did, for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    pub message: String,
}

/// Recovers every interrupted transaction; returns what it did.
pub fn recover() -> Vec<Recovered> {
    let journals = Journal::all();
    if journals.is_empty() {
        return Vec::new();
    }
    let Ok(_lock) = lock::acquire(
        &lock::lock_path(),
        "hmctl (recovering an interrupted upgrade)",
        std::time::Duration::ZERO,
    ) else {
        return Vec::new();
    };
    // Whatever is finished or undone, the next disk-usage figure is measured afresh.
    crate::ops::disk_cache::forget();
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
        let what = match journal.kind {
            Kind::Upgrade => "upgrade",
            Kind::Rollback => "rollback",
        };
        let services = if journal.services.is_empty() {
            String::new()
        } else {
            format!(
                "; if stopped, start {} with `hmctl start {}`",
                journal.services.join(", "),
                journal.services.join(" ")
            )
        };
        let message = match journal.phase {
            Phase::Staging => {
                abandon(&journal);
                format!(
                    "an interrupted {what} of {} was undone; it had changed nothing{services}",
                    journal.group
                )
            }
            Phase::Swapping | Phase::RollingBack => match swap_out(&mut journal) {
                Ok(()) => {
                    abandon(&journal);
                    format!(
                        "an interrupted {what} of {} was undone: the previous version of {} is back{services}",
                        journal.group,
                        journal.trees.live_dir.display()
                    )
                }
                Err(error) => format!(
                    "an interrupted {what} of {} could not be undone: {error}; the journal {} is kept",
                    journal.group,
                    path.display()
                ),
            },
            Phase::Swapped | Phase::Committing => match commit(&mut journal) {
                Ok(backup) => format!(
                    "an interrupted {what} of {} was completed: the new version is whole, the old one kept in {}; check `hmctl status` (or `hmctl upgrade --rollback --group {}`){services}",
                    journal.group,
                    backup.display(),
                    journal.group
                ),
                Err(error) => format!(
                    "an interrupted {what} of {} could not be completed: {error}; the journal {} is kept",
                    journal.group,
                    path.display()
                ),
            },
        };
        log_line(&message);
        done.push(Recovered { message });
    }
    done
}
