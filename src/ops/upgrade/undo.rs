//! Undoing a transaction, and forgetting it only once the journal proves every
//! entry is back: after a partial swap the stage holds live entries, so a
//! failed undo keeps the stage and the journal and says where each entry is.

use super::hooks::fault;
use super::journal::{Journal, Kind, Phase};
use super::swap;

/// An undo that could not be finished: nothing was removed, the journal is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stranded {
    /// What failed (`cannot swap porter back into /opt/venvs: ...`).
    pub cause: String,
    /// Where each entry's old and new versions are now.
    pub whereabouts: Vec<String>,
    /// The journal that lets the next run finish the undo.
    pub journal: String,
}

impl Stranded {
    fn new(journal: &Journal, cause: String) -> Stranded {
        Stranded {
            cause,
            whereabouts: journal
                .entries
                .iter()
                .map(|entry| {
                    swap::whereabouts(entry, &journal.trees.live_dir, &journal.trees.stage_dir)
                })
                .collect(),
            journal: journal.file.display().to_string(),
        }
    }

    /// `CAUSE; nothing was removed and the journal J is kept; where each entry is:` and a line each.
    pub fn describe(&self) -> String {
        format!(
            "{}; nothing was removed and the journal {} is kept; where each entry is:\n  {}",
            self.cause,
            self.journal,
            self.whereabouts.join("\n  ")
        )
    }

    /// What the operator can do.
    pub const HINT: &'static str = "fix the cause, then run any hmctl command (`hmctl status`): it swaps every entry back; or put each old version back by hand";
}

/// Swaps every entry back (last first), each one tried even when another
/// fails, makes the renames durable and proves by inode that every entry is
/// back. The journal's new phase is written if it can be: a journal still in
/// phase swapping or swapped is undone by recovery all the same.
pub fn swap_out(journal: &mut Journal) -> Result<(), Stranded> {
    let _ = journal.set_phase(Phase::RollingBack);
    let live_dir = journal.trees.live_dir.clone();
    let stage_dir = journal.trees.stage_dir.clone();
    let mut causes: Vec<String> = journal
        .entries
        .iter()
        .rev()
        .filter_map(|entry| {
            swap::undo(entry, &live_dir, &stage_dir).err().map(|error| {
                format!(
                    "cannot swap {} back into {}: {error}",
                    entry.name,
                    live_dir.display()
                )
            })
        })
        .collect();
    if causes.is_empty()
        && let Err(error) =
            fault("sync-out").and_then(|()| swap::sync_dirs(&[&live_dir, &stage_dir]))
    {
        causes.push(format!("cannot sync {}: {error}", live_dir.display()));
    }
    if causes.is_empty() && !proven_back(journal) {
        causes.push(format!(
            "{} does not hold what it held before the {}",
            live_dir.display(),
            journal.kind
        ));
    }
    if causes.is_empty() {
        Ok(())
    } else {
        Err(Stranded::new(journal, causes.join("; ")))
    }
}

/// Whether the journal proves every entry is back as it was.
fn proven_back(journal: &Journal) -> bool {
    journal
        .entries
        .iter()
        .all(|entry| swap::is_back(entry, &journal.trees.live_dir))
}

/// Forgets a transaction that changed nothing live, or was undone: removes an
/// upgrade's stage (a rollback's is a backup, and stays) and the journal —
/// only when every entry is proven back, since until then the stage may hold
/// a live entry. When the stage cannot be removed the journal stays too, so
/// that the next run finishes the cleanup.
pub fn abandon(journal: &Journal) -> Result<(), Stranded> {
    if !proven_back(journal) {
        return Err(Stranded::new(
            journal,
            format!(
                "not every entry of {} is back as it was",
                journal.trees.live_dir.display()
            ),
        ));
    }
    if journal.kind == Kind::Upgrade {
        let removed = fault("remove-stage")
            .and_then(|()| super::stage::remove_tree(&journal.trees.stage_dir));
        if removed.is_err() {
            return Ok(());
        }
    }
    let _ = journal.remove();
    Ok(())
}
