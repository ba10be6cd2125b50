//! `hmctl upgrade PATH` and `hmctl upgrade --rollback`: replace a group's
//! program files (the console's venvs, the sync proxy's hamal-venv, a gateway's
//! or agent's program directory) so that the group is never seen half-changed:
//! check the package, print the plan, ask, stage a copy beside the live
//! directory, stop the affected services, swap every entry in atomically, start
//! and wait for health — or swap everything back. The replaced version is kept
//! (the last 2). A crash at any point is finished or undone by the next run.

pub mod backup;
#[cfg(test)]
mod fault_tests;
pub mod hooks;
pub mod journal;
pub mod package;
mod planning;
pub mod recover;
pub mod stage;
pub mod swap;
pub mod transaction;
pub mod undo;

pub use planning::{Plan, plan};

use crate::catalog::Catalog;
use crate::exit::{Exit, Failure};
use crate::ops::execute::{Progress, StepResult};
use crate::ops::interrupt::Interrupt;
use crate::settings::Settings;
use journal::{EntryPlan, Kind};
use std::path::Path;
use std::path::PathBuf;
use std::time::Duration;
use transaction::Ending;

/// What the operator asked for.
#[derive(Debug, Clone)]
pub struct Request {
    pub installing: Installing,
    pub group: Option<String>,
    pub dry_run: bool,
    pub timeout: Duration,
}

/// What a transaction puts in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Installing {
    /// The extracted package at PATH.
    Package(PathBuf),
    /// The version that was live before the last successful upgrade (`--rollback`).
    Rollback,
}

/// What happened.
#[derive(Debug)]
pub enum Report {
    Planned(Plan),
    Declined(Plan),
    Upgraded {
        plan: Plan,
        backup: PathBuf,
        results: Vec<StepResult>,
    },
    RolledBack {
        plan: Plan,
        reason: String,
        results: Vec<StepResult>,
    },
}

impl Report {
    pub fn exit(&self) -> Exit {
        match self {
            Report::Planned(_) | Report::Upgraded { .. } => Exit::Success,
            Report::Declined(_) => Exit::Usage,
            Report::RolledBack { .. } => Exit::OperationFailed,
        }
    }
}

/// Refuses to start over an earlier transaction of the group that recovery
/// could not finish: its stage may hold live entries.
fn unfinished_guard(state_dir: &Path, group: &str) -> Result<(), Failure> {
    let path = journal::journal_path(state_dir, group);
    if std::fs::symlink_metadata(&path).is_err() {
        return Ok(());
    }
    Err(Failure::new(
        Exit::OperationFailed,
        format!(
            "an earlier upgrade or rollback of {group} is not finished: its journal {} is kept; nothing was changed",
            path.display()
        ),
    )
    .with_hint(undo::Stranded::HINT))
}

/// Writes the journal before anything live changes; when it cannot be
/// written, forgets the transaction (the stage is only a copy of the package).
fn save_before_swap(journal: &journal::Journal) -> Result<(), Failure> {
    journal.save().map_err(|error| {
        let _ = undo::abandon(journal);
        Failure::new(
            Exit::OperationFailed,
            format!("cannot write the upgrade journal: {error}; nothing was changed"),
        )
        .with_hint(format!(
            "the journal is {}: free space on its filesystem or fix its permissions, then run the upgrade again",
            journal.file.display()
        ))
    })
}

/// Runs the request. `confirm` is asked with the plan before anything changes.
pub async fn run(
    catalog: &Catalog,
    settings: &Settings,
    request: &Request,
    confirm: &dyn Fn(&Plan) -> Result<bool, Failure>,
    interrupt: &Interrupt,
    progress: &dyn Progress,
    backends: &crate::backend::Backends,
) -> Result<Report, Failure> {
    hooks::plan_from(settings);
    let _lock = crate::ops::lifecycle::lock_unless_dry_run(&settings.lock_file, request.dry_run)?;
    let plan = plan(catalog, request, backends)?;
    if request.dry_run {
        return Ok(Report::Planned(plan));
    }
    swap::refuse_without_exchange()?;
    unfinished_guard(&settings.state_dir, &plan.group)?;
    if !confirm(&plan)? {
        return Ok(Report::Declined(plan));
    }
    let recording =
        crate::ops::history::recorder::begin(settings, intent_of(&plan, &request.installing));
    let outcome = transact(
        catalog, settings, plan, request, interrupt, progress, backends,
    )
    .await;
    end_recording(recording, &outcome);
    outcome
}

/// What the history records before an upgrade or a rollback acts.
fn intent_of(plan: &Plan, installing: &Installing) -> crate::ops::history::recorder::Intent {
    use crate::ops::history::record::{Activity, Touched};
    crate::ops::history::recorder::Intent {
        activity: match plan.kind {
            Kind::Rollback => Activity::Rollback,
            Kind::Upgrade => Activity::Upgrade,
        },
        services: plan
            .services
            .iter()
            .map(|name| Touched {
                name: name.clone(),
                group: plan.group.clone(),
                aliases: Vec::new(),
            })
            .collect(),
        steps: plan
            .entries
            .iter()
            .map(|(name, action)| format!("{action} {}", plan.live_dir.join(name).display()))
            .collect(),
        package: match installing {
            Installing::Package(path) => Some(path.clone()),
            Installing::Rollback => None,
        },
    }
}

/// Records how an upgrade or a rollback ended.
fn end_recording(
    recording: crate::ops::history::recorder::Recording,
    outcome: &Result<Report, Failure>,
) {
    use crate::ops::history::recorder::results_of;
    match outcome {
        Ok(Report::Upgraded {
            backup, results, ..
        }) => recording.end(
            Exit::Success,
            &format!("upgraded; backup kept at {}", backup.display()),
            results_of(results),
            Some(backup.clone()),
        ),
        Ok(Report::RolledBack {
            reason, results, ..
        }) => recording.end(
            Exit::OperationFailed,
            &format!("rolled back: {reason}"),
            results_of(results),
            None,
        ),
        Ok(report) => recording.end(report.exit(), "nothing was changed", Vec::new(), None),
        Err(failure) => recording.end(failure.exit, &failure.message, Vec::new(), None),
    }
}

/// What the operator is told when staging's task ended without an answer
/// (it panicked): nothing live was touched yet.
fn staging_stopped(error: &tokio::task::JoinError) -> Failure {
    Failure::new(
        Exit::OperationFailed,
        format!("staging stopped unexpectedly: {error}; nothing was changed"),
    )
    .with_hint(
        "run the upgrade again; if it stops again, send `hmctl logs collect`'s bundle to support",
    )
}

/// What the operator is told when the package could not be staged beside
/// `live_dir` (nothing live was touched yet).
fn staging_failed(error: stage::StageError, live_dir: &Path) -> Failure {
    match error {
        stage::StageError::Interrupted => Failure::new(
            Exit::OperationFailed,
            "interrupted while staging the package; nothing was changed",
        ),
        stage::StageError::Io(error) => Failure::new(
            Exit::OperationFailed,
            format!(
                "cannot stage the package beside {}: {error}; nothing was changed and no staging file was left",
                live_dir.display()
            ),
        )
        .with_hint(format!(
            "the package is copied beside {} before anything is swapped: free space on that filesystem (about the package's size) or fix its permissions, then run the upgrade again",
            live_dir.display()
        )),
    }
}

/// Stages, swaps, starts and commits (or undoes) the confirmed `plan`.
async fn transact(
    catalog: &Catalog,
    settings: &Settings,
    plan: Plan,
    request: &Request,
    interrupt: &Interrupt,
    progress: &dyn Progress,
    backends: &crate::backend::Backends,
) -> Result<Report, Failure> {
    let rollback = plan.kind == Kind::Rollback;
    let stage_dir = if rollback {
        plan.source.clone()
    } else {
        backup::stage_dir(&plan.live_dir, &plan.group)
    };
    let mut journal = transaction::journal(
        &settings.state_dir,
        &plan.group,
        plan.kind,
        plan.source.clone(),
        plan.live_dir.clone(),
        stage_dir.clone(),
        plan.services.clone(),
    );
    if !rollback {
        stage_package(settings, &plan, &stage_dir, &journal, interrupt).await?;
    }
    journal.entries = plan
        .entries
        .iter()
        .map(|(name, action)| swap::plan_entry(name, action.swap(), &plan.live_dir, &stage_dir))
        .collect::<Vec<EntryPlan>>();
    save_before_swap(&journal)?;
    let ending = transaction::run(
        catalog,
        settings,
        journal,
        request.timeout,
        interrupt,
        progress,
        backends,
    )
    .await;
    // The program directory changed: the next disk-usage figure is measured afresh.
    crate::ops::host::disk_cache::forget(&settings.cache_dir);
    match ending? {
        Ending::Committed { backup, results } => Ok(Report::Upgraded {
            plan,
            backup,
            results,
        }),
        Ending::RolledBack { reason, results } => Ok(Report::RolledBack {
            plan,
            reason,
            results,
        }),
    }
}

/// Copies the package into `stage_dir`, beside the live directory, before
/// anything is swapped; the journal is saved first, and abandoned (nothing
/// changed) when staging fails.
async fn stage_package(
    settings: &Settings,
    plan: &Plan,
    stage_dir: &Path,
    journal: &journal::Journal,
    interrupt: &Interrupt,
) -> Result<(), Failure> {
    stage::remove_tree(stage_dir).map_err(|error| {
        Failure::new(
            Exit::OperationFailed,
            format!("cannot clear {}: {error}", stage_dir.display()),
        )
    })?;
    save_before_swap(journal)?;
    let source = plan.source.clone();
    let target = stage_dir.to_path_buf();
    let copying = interrupt.clone();
    let staged = tokio::task::spawn_blocking(move || {
        hooks::fault("stage")?;
        stage::copy_tree(&source, &target, &copying)
    })
    .await
    .map_err(|error| {
        let _ = undo::abandon(journal);
        staging_stopped(&error)
    })?;
    if let Err(error) = staged {
        let _ = undo::abandon(journal);
        return Err(staging_failed(error, &plan.live_dir));
    }
    hooks::pause_point(settings, "staged");
    Ok(())
}
