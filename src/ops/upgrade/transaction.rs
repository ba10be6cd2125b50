//! One upgrade or rollback as a transaction over the live directory: journal,
//! stop, swap every entry in, start and wait for health; on failure swap every
//! entry back and start again. The journal lets a later run finish or undo it.

use super::backup::{self, Note};
use super::journal::{EntryPlan, Journal, Kind, Phase, Trees, log_line};
use super::swap;
use crate::catalog::Catalog;
use crate::exit::{Exit, Failure};
use crate::model::Verb;
use crate::ops::execute::{Outcome, Progress, StepResult};
use crate::ops::interrupt::Interrupt;
use std::path::PathBuf;
use std::time::Duration;

/// A point where tests may freeze hmctl (`HMCTL_TEST_PAUSE_AT=swap-2`) to
/// `kill -9` it there. Only builds with the `test-hooks` feature (the tests')
/// have it; elsewhere, and without that variable, it does nothing.
pub fn pause_point(name: &str) {
    if cfg!(feature = "test-hooks") && crate::settings::get().pause_at.as_deref() == Some(name) {
        eprintln!("hmctl: test pause at {name}");
        std::thread::sleep(Duration::from_secs(300));
    }
}

fn io_failure(what: &str, error: &std::io::Error) -> Failure {
    Failure::new(Exit::OperationFailed, format!("{what}: {error}"))
}

/// Swaps every entry in (journal first), making the renames durable.
pub fn swap_in(journal: &mut Journal) -> Result<(), Failure> {
    journal
        .set_phase(Phase::Swapping)
        .map_err(|error| io_failure("cannot write the upgrade journal", &error))?;
    for (index, entry) in journal.entries.iter().enumerate() {
        swap::apply(entry, &journal.trees.live_dir, &journal.trees.stage_dir).map_err(|error| {
            io_failure(
                &format!(
                    "cannot swap {} into {}",
                    entry.name,
                    journal.trees.live_dir.display()
                ),
                &error,
            )
        })?;
        pause_point(&format!("swap-{}", index + 1));
    }
    swap::sync_dirs(&[&journal.trees.live_dir, &journal.trees.stage_dir])
        .map_err(|error| io_failure("cannot sync", &error))?;
    journal
        .set_phase(Phase::Swapped)
        .map_err(|error| io_failure("cannot write the upgrade journal", &error))
}

/// Swaps every entry back (last first), making the renames durable.
pub fn swap_out(journal: &mut Journal) -> std::io::Result<()> {
    journal.set_phase(Phase::RollingBack)?;
    for entry in journal.entries.iter().rev() {
        swap::undo(entry, &journal.trees.live_dir, &journal.trees.stage_dir)?;
    }
    swap::sync_dirs(&[&journal.trees.live_dir, &journal.trees.stage_dir])
}

/// Keeps the replaced version as a backup and forgets the journal.
pub fn commit(journal: &mut Journal) -> std::io::Result<PathBuf> {
    journal.set_phase(Phase::Committing)?;
    pause_point("committing");
    let remove_on_restore: Vec<String> = journal
        .entries
        .iter()
        .filter(|entry| entry.swap == super::journal::Swap::Insert)
        .map(|entry| entry.name.clone())
        .collect();
    let note = Note {
        created: crate::model::format_timestamp(jiff::Timestamp::now()),
        group: journal.group.clone(),
        kind: Some(journal.kind),
        replaced_by: match journal.kind {
            Kind::Upgrade => journal.trees.source.display().to_string(),
            Kind::Rollback => format!("a rollback to {}", journal.trees.source.display()),
        },
        remove_on_restore,
    };
    let kept = if journal.trees.stage_dir.exists() {
        backup::keep(&journal.trees.stage_dir, &journal.trees.backup_root, &note)?
    } else {
        backup::list(&journal.trees.backup_root)
            .pop()
            .unwrap_or_default()
    };
    journal.remove()?;
    Ok(kept)
}

/// Where the transaction ended.
#[derive(Debug)]
pub enum Ending {
    /// The new version is live and healthy; the old one is kept here.
    Committed {
        backup: PathBuf,
        results: Vec<StepResult>,
    },
    /// The new version failed; the old one is back.
    RolledBack {
        reason: String,
        results: Vec<StepResult>,
    },
}

/// Stops or starts the transaction's services, waiting for health on start.
async fn services(
    catalog: &Catalog,
    group: &str,
    names: &[String],
    verb: Verb,
    timeout: Duration,
    interrupt: &Interrupt,
    progress: &dyn Progress,
) -> Result<Vec<StepResult>, Failure> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let request = crate::ops::lifecycle::Request {
        verb,
        targets: Vec::new(),
        pace: crate::ops::plan::Pace {
            timeout: Some(timeout),
            ..crate::ops::plan::Pace::default()
        },
        dry_run: false,
    };
    crate::ops::lifecycle::act_on(catalog, &request, group, names, interrupt, progress).await
}

fn failed(results: &[StepResult]) -> Option<String> {
    let bad: Vec<String> = results
        .iter()
        .filter(|result| matches!(result.outcome, Outcome::Failed | Outcome::NotDone))
        .map(|result| format!("{}: {}", result.service, result.detail))
        .collect();
    (!bad.is_empty()).then(|| bad.join("; "))
}

/// Runs a prepared transaction whose stage is ready and journal written (phase
/// staging): stop, swap in, start, gate on health; roll back on failure.
pub async fn run(
    catalog: &Catalog,
    mut journal: Journal,
    timeout: Duration,
    interrupt: &Interrupt,
    progress: &dyn Progress,
) -> Result<Ending, Failure> {
    let what = match journal.kind {
        Kind::Upgrade => format!(
            "upgrade of {} from {}",
            journal.group,
            journal.trees.source.display()
        ),
        Kind::Rollback => format!(
            "rollback of {} to {}",
            journal.group,
            journal.trees.source.display()
        ),
    };
    // The journal is swapped below; the services it names stay the same.
    let (group, names) = (journal.group.clone(), journal.services.clone());
    let act = |verb: Verb| services(catalog, &group, &names, verb, timeout, interrupt, progress);
    let stopped = act(Verb::Stop).await?;
    if let Some(reason) = failed(&stopped) {
        // Nothing was swapped: put the services back and leave the files alone.
        let _ = act(Verb::Start).await;
        abandon(&journal);
        log_line(&format!(
            "{what}: not done, a service would not stop: {reason}"
        ));
        return Err(Failure::new(
            Exit::OperationFailed,
            format!("the {what} was not done: a service would not stop: {reason}"),
        )
        .with_hint("nothing was changed"));
    }
    pause_point("stopped");
    if let Err(failure) = swap_in(&mut journal) {
        let _ = swap_out(&mut journal);
        let _ = act(Verb::Start).await;
        abandon(&journal);
        log_line(&format!("{what}: rolled back: {}", failure.message));
        return Err(failure);
    }
    pause_point("swapped");
    let started = act(Verb::Start).await?;
    match failed(&started) {
        None => {
            let backup = commit(&mut journal)
                .map_err(|error| io_failure("cannot keep the replaced version", &error))?;
            log_line(&format!(
                "{what}: done; the replaced version is kept in {}",
                backup.display()
            ));
            Ok(Ending::Committed {
                backup,
                results: started,
            })
        }
        Some(reason) => {
            swap_out(&mut journal)
                .map_err(|error| io_failure("cannot swap the previous version back", &error))?;
            let restarted = act(Verb::Restart).await?;
            abandon(&journal);
            log_line(&format!("{what}: rolled back: {reason}"));
            Ok(Ending::RolledBack {
                reason,
                results: restarted,
            })
        }
    }
}

/// Forgets a transaction that changed nothing live (or was undone).
pub fn abandon(journal: &Journal) {
    if journal.kind == Kind::Upgrade {
        let _ = super::stage::remove_tree(&journal.trees.stage_dir);
    }
    let _ = journal.remove();
}

/// The journal of a new transaction.
pub fn journal(
    group: &str,
    kind: Kind,
    source: PathBuf,
    live_dir: PathBuf,
    stage_dir: PathBuf,
    entries: Vec<EntryPlan>,
    services: Vec<String>,
) -> Journal {
    Journal {
        schema: 1,
        group: group.to_string(),
        kind,
        phase: Phase::Staging,
        pid: std::process::id(),
        started: crate::model::format_timestamp(jiff::Timestamp::now()),
        trees: Trees {
            source,
            backup_root: backup::backup_root(&live_dir, group),
            live_dir,
            stage_dir,
        },
        entries,
        services,
    }
}
