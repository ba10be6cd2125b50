//! One upgrade or rollback as a transaction over the live directory: journal,
//! stop, swap every entry in, start and wait for health; on failure swap every
//! entry back and start again. The journal lets a later run finish or undo it.

use super::backup::{self, Note};
use super::hooks::{fault, pause_point};
use super::journal::{Journal, Kind, Phase, Trees};
use super::swap;
use super::undo::{Stranded, abandon, swap_out};
use crate::catalog::Catalog;
use crate::exit::{Exit, Failure};
use crate::model::Verb;
use crate::ops::execute::{Outcome, Progress, StepResult};
use crate::ops::interrupt::Interrupt;
use crate::settings::Settings;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn io_failure(what: &str, error: &std::io::Error) -> Failure {
    Failure::new(Exit::OperationFailed, format!("{what}: {error}"))
}

/// Swaps every entry in (journal first), making the renames durable.
pub fn swap_in(settings: &Settings, journal: &mut Journal) -> Result<(), Failure> {
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
        pause_point(settings, &format!("swap-{}", index + 1));
    }
    fault("sync-in")
        .and_then(|()| swap::sync_dirs(&[&journal.trees.live_dir, &journal.trees.stage_dir]))
        .map_err(|error| io_failure("cannot sync", &error))?;
    journal
        .set_phase(Phase::Swapped)
        .map_err(|error| io_failure("cannot write the upgrade journal", &error))
}

/// Keeps the replaced version as a backup and forgets the journal; the
/// journal is in phase committing (the services proved healthy).
pub fn commit(settings: &Settings, journal: &Journal) -> std::io::Result<PathBuf> {
    pause_point(settings, "committing");
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

/// The transaction's services and how to act on them.
struct Services<'a> {
    catalog: &'a Catalog,
    settings: &'a Settings,
    group: String,
    names: Vec<String>,
    timeout: Duration,
    interrupt: &'a Interrupt,
    progress: &'a dyn Progress,
    backends: &'a crate::backend::Backends,
}

impl Services<'_> {
    /// Stops, starts or restarts the services, waiting for health on start.
    async fn act(&self, verb: Verb) -> Result<Vec<StepResult>, Failure> {
        if self.names.is_empty() {
            return Ok(Vec::new());
        }
        let request = crate::ops::lifecycle::Request {
            verb,
            targets: Vec::new(),
            pace: crate::ops::plan::Pace {
                timeout: Some(self.timeout),
                ..crate::ops::plan::Pace::default()
            },
            dry_run: false,
            // Upgrade stops exactly the services it swaps, and starts them again.
            dependents: crate::ops::dependents::DependentsPolicy::Ignore,
            // What is in maintenance is not started again (`act_on`).
            start_in_maintenance: false,
        };
        crate::ops::lifecycle::act_on(
            self.catalog,
            self.settings,
            &request,
            (&self.group, &self.names),
            self.interrupt,
            self.progress,
            self.backends,
        )
        .await
    }

    /// [`Services::act`], unless the test planned a failure at `point`.
    async fn act_at(&self, point: &str, verb: Verb) -> Result<Vec<StepResult>, Failure> {
        match fault(point) {
            Ok(()) => self.act(verb).await,
            Err(error) => Err(io_failure(
                &format!("cannot {} the services", verb.as_str()),
                &error,
            )),
        }
    }

    /// Starts the services and gates on their health: `Some(reason)` unless
    /// every one proved healthy.
    async fn start_healthy(&self) -> (Vec<StepResult>, Option<String>) {
        match self.act_at("start", Verb::Start).await {
            Err(failure) => (Vec::new(), Some(failure.message)),
            Ok(results) => {
                let reason = failed(&results).or_else(|| {
                    fault("health")
                        .err()
                        .map(|error| format!("the health gate failed: {error}"))
                });
                (results, reason)
            }
        }
    }
}

fn failed(results: &[StepResult]) -> Option<String> {
    let bad: Vec<String> = results
        .iter()
        .filter(|result| matches!(result.outcome, Outcome::Failed | Outcome::NotDone))
        .map(|result| format!("{}: {}", result.service, result.detail))
        .collect();
    (!bad.is_empty()).then(|| bad.join("; "))
}

/// The failure of a transaction whose undo could not be finished.
fn stranded_failure(journal: &Journal, what: &str, reason: &str, stranded: &Stranded) -> Failure {
    journal.log(&format!(
        "{what}: failed ({reason}), undo stranded: {}",
        stranded.cause
    ));
    Failure::new(
        Exit::OperationFailed,
        format!(
            "the {what} failed ({reason}) and could not be undone: {}",
            stranded.describe()
        ),
    )
    .with_hint(Stranded::HINT)
}

/// `upgrade of console from /tmp/v2` or `rollback of console to /opt/...`.
fn describe(journal: &Journal) -> String {
    let (word, preposition) = match journal.kind {
        Kind::Upgrade => ("upgrade", "from"),
        Kind::Rollback => ("rollback", "to"),
    };
    format!(
        "{word} of {} {preposition} {}",
        journal.group,
        journal.trees.source.display()
    )
}

/// Stops the services; when one would not stop, nothing is swapped: they are
/// started again and the transaction forgotten (as it is when the daemon
/// cannot be asked).
async fn stop(journal: &Journal, services: &Services<'_>, what: &str) -> Result<(), Failure> {
    let stopped = match services.act_at("stop", Verb::Stop).await {
        Ok(stopped) => stopped,
        Err(failure) => {
            // The daemon did not answer (its own words and hint); nothing was swapped.
            let _ = abandon(journal);
            return Err(failure);
        }
    };
    let Some(reason) = failed(&stopped) else {
        return Ok(());
    };
    let _ = services.act(Verb::Start).await;
    let _ = abandon(journal);
    journal.log(&format!(
        "{what}: not done, a service would not stop: {reason}"
    ));
    Err(Failure::new(
        Exit::OperationFailed,
        format!("the {what} was not done: a service would not stop: {reason}"),
    )
    .with_hint("nothing was changed"))
}

/// Runs a prepared transaction whose stage is ready and journal written (phase
/// staging): stop, swap in, start, gate on health; roll back on failure.
pub async fn run(
    catalog: &Catalog,
    settings: &Settings,
    mut journal: Journal,
    timeout: Duration,
    interrupt: &Interrupt,
    progress: &dyn Progress,
    backends: &crate::backend::Backends,
) -> Result<Ending, Failure> {
    let what = describe(&journal);
    let services = Services {
        catalog,
        settings,
        group: journal.group.clone(),
        names: journal.services.clone(),
        timeout,
        interrupt,
        progress,
        backends,
    };
    stop(&journal, &services, &what).await?;
    pause_point(settings, "stopped");
    if let Err(failure) = swap_in(settings, &mut journal) {
        return Err(
            match roll_back(&mut journal, &services, Verb::Start).await {
                Err(stranded) => stranded_failure(&journal, &what, &failure.message, &stranded),
                Ok(_) => {
                    journal.log(&format!("{what}: rolled back: {}", failure.message));
                    Failure::new(
                        Exit::OperationFailed,
                        format!(
                            "{}; every entry was swapped back: the previous version of {} is live",
                            failure.message,
                            journal.trees.live_dir.display()
                        ),
                    )
                }
            },
        );
    }
    pause_point(settings, "swapped");
    let (started, mut reason) = services.start_healthy().await;
    if reason.is_none()
        && let Err(error) = journal.set_phase(Phase::Committing)
    {
        reason = Some(format!(
            "cannot record in the upgrade journal that the services are healthy: {error}"
        ));
    }
    match reason {
        None => finish(settings, &journal, &what).map(|backup| Ending::Committed {
            backup,
            results: started,
        }),
        Some(reason) => unhealthy(&mut journal, &services, &what, reason).await,
    }
}

/// Rolls back a transaction whose services did not prove healthy.
async fn unhealthy(
    journal: &mut Journal,
    services: &Services<'_>,
    what: &str,
    reason: String,
) -> Result<Ending, Failure> {
    match roll_back(journal, services, Verb::Restart).await {
        Err(stranded) => Err(stranded_failure(journal, what, &reason, &stranded)),
        Ok(Err(failure)) => Err(Failure::new(
            Exit::OperationFailed,
            format!(
                "the {what} was rolled back ({reason}): the previous version of {} is live, but its services did not restart: {}",
                journal.trees.live_dir.display(),
                failure.message
            ),
        )
        .with_hint(format!(
            "`hmctl restart {}` once the cause is fixed",
            journal.services.join(" ")
        ))),
        Ok(Ok(restarted)) => {
            journal.log(&format!("{what}: rolled back: {reason}"));
            Ok(Ending::RolledBack {
                reason,
                results: restarted,
            })
        }
    }
}

/// Swaps every entry back, proves it, then starts (or restarts) the services
/// and forgets the transaction. A stranded undo leaves the services stopped or
/// as they are: they would run a mix of two versions.
async fn roll_back(
    journal: &mut Journal,
    services: &Services<'_>,
    verb: Verb,
) -> Result<Result<Vec<StepResult>, Failure>, Stranded> {
    swap_out(journal)?;
    let results = services.act_at("restart", verb).await;
    abandon(journal)?;
    Ok(results)
}

/// Keeps the replaced version once the services proved healthy.
fn finish(settings: &Settings, journal: &Journal, what: &str) -> Result<PathBuf, Failure> {
    match commit(settings, journal) {
        Ok(backup) => {
            journal.log(&format!(
                "{what}: done; the replaced version is kept in {}",
                backup.display()
            ));
            Ok(backup)
        }
        Err(error) => Err(Failure::new(
            Exit::OperationFailed,
            format!(
                "the new version of {} is live and its services healthy, but the replaced version (in {}) could not be kept as a backup: {error}; the journal {} is kept",
                journal.trees.live_dir.display(),
                journal.trees.stage_dir.display(),
                journal.file.display()
            ),
        )
        .with_hint("fix the cause, then run any hmctl command (`hmctl status`): it finishes keeping the backup")),
    }
}

/// The journal of a new transaction (its entries planned later), kept in
/// hmctl's state directory `state_dir`.
pub fn journal(
    state_dir: &Path,
    group: &str,
    kind: Kind,
    source: PathBuf,
    live_dir: PathBuf,
    stage_dir: PathBuf,
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
        entries: Vec::new(),
        services,
        file: super::journal::journal_path(state_dir, group),
    }
}
