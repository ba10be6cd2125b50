//! `hmctl maintenance on TARGET...`: under the host lock, plan the stop
//! (with the ok-to-stop rule), read what brings each service back by
//! itself, write the record of intent, hold them off, stop them, and mark
//! them in maintenance. A service the stop did not stop is given back its
//! policy and left out: maintenance never half-holds a running service.

use super::register::{Entry, Phase};
use super::{Change, Report, intent, read, write};
use crate::catalog::Catalog;
use crate::exit::Failure;
use crate::model::{Step, Verb};
use crate::ops::dependents::DependentsPolicy;
use crate::ops::execute::{Outcome, Progress, StepResult};
use crate::ops::history;
use crate::ops::interrupt::Interrupt;
use crate::ops::lifecycle::{self, Planned};
use crate::ops::plan::Pace;
use crate::ops::upgrade::hooks::pause_point;
use crate::settings::Settings;

/// What the operator asked for.
#[derive(Debug, Clone)]
pub struct OnRequest {
    pub targets: Vec<String>,
    pub reason: Option<String>,
    pub dependents: DependentsPolicy,
    pub pace: Pace,
    pub dry_run: bool,
}

/// Puts the targets in maintenance.
pub async fn on(
    catalog: &Catalog,
    settings: &Settings,
    request: &OnRequest,
    progress: &dyn Progress,
    interrupt: &Interrupt,
    backends: &crate::backend::Backends,
) -> Result<Report, Failure> {
    let state_dir = &settings.state_dir;
    let _lock = lifecycle::lock_unless_dry_run(&settings.lock_file, request.dry_run)?;
    let mut register = read(state_dir)?;
    let stop = lifecycle::Request {
        verb: Verb::Stop,
        targets: request.targets.clone(),
        pace: request.pace,
        dry_run: request.dry_run,
        dependents: request.dependents,
        start_in_maintenance: false,
    };
    // The ok-to-stop refusal's ways on, as this verb's.
    let Planned { plan, backends, .. } = lifecycle::plan(catalog, settings, &stop, backends)
        .await
        .map_err(as_maintenance)?;
    let (changes, handles) = changes_of(&plan, &backends, &register).await?;
    if request.dry_run {
        return Ok(Report {
            lifecycle: lifecycle::Report::planned(plan),
            changes,
        });
    }
    let origin = history::origin::current(&settings.caller);
    let since = jiff::Timestamp::now();
    register.entries.extend(changes.iter().map(|change| Entry {
        service: change.service.clone(),
        group: change.group.clone(),
        backend: change.backend,
        by: origin.who.clone(),
        from: origin.from.clone(),
        since,
        reason: request.reason.clone(),
        previous: change.from.clone(),
        phase: Phase::Entering,
    }));
    write(state_dir, &register)?;
    let recording = history::recorder::begin(
        settings,
        intent(&changes, &plan, super::Activity::MaintenanceOn),
    );
    pause_point(settings, "maintenance-entering");
    for (change, handle) in changes.iter().zip(&handles) {
        if let Some(backend) = backends.get(change.backend)
            && let Err(error) = backend.set_auto_start(handle, &change.to).await
        {
            // Nothing stopped yet: give back what was held, forget the intent.
            super::leave::give_back(&backends, &changes, &handles, &mut register).await;
            write(state_dir, &register)?;
            let failure = error.into_failure();
            recording.end(failure.exit, &failure.message, Vec::new(), None);
            return Err(failure);
        }
    }
    let report = lifecycle::carry_out(plan, backends.clone(), &stop, interrupt, progress).await;
    pause_point(settings, "maintenance-stopped");
    let results = report.results.as_deref().unwrap_or_default();
    settle(results, &changes, &handles, &backends, &mut register).await;
    write(state_dir, &register)?;
    Ok(super::ended(recording, report, changes))
}

/// After the stop: the services it stopped (or found stopped) are in
/// maintenance; the others get back what they had and are forgotten.
async fn settle(
    results: &[StepResult],
    changes: &[Change],
    handles: &[crate::model::Handle],
    backends: &crate::backend::Backends,
    register: &mut super::register::Register,
) {
    let (stopped, running): (Vec<usize>, Vec<usize>) =
        (0..changes.len()).partition(|index| was_stopped(results, &changes[*index]));
    let left: Vec<Change> = running
        .iter()
        .map(|index| changes[*index].clone())
        .collect();
    let left_handles: Vec<_> = running
        .iter()
        .map(|index| handles[*index].clone())
        .collect();
    super::leave::give_back(backends, &left, &left_handles, register).await;
    for entry in &mut register.entries {
        if stopped.iter().any(|index| {
            changes[*index].service == entry.service && changes[*index].group == entry.group
        }) {
            entry.phase = Phase::In;
        }
    }
}

/// The ok-to-stop refusal's hint, with this verb's commands.
fn as_maintenance(failure: Failure) -> Failure {
    Failure {
        hint: failure.hint.map(|hint| {
            hint.replace("`hmctl stop ", "`hmctl maintenance on ")
                .replace("`hmctl start ", "`hmctl maintenance off ")
        }),
        ..failure
    }
}

/// What each service of the plan not yet in maintenance has now, and what
/// holds it off, with the handles that reach them. Nothing is changed.
async fn changes_of(
    plan: &crate::ops::plan::Plan,
    backends: &crate::backend::Backends,
    register: &super::register::Register,
) -> Result<(Vec<Change>, Vec<crate::model::Handle>), Failure> {
    let mut changes = Vec::new();
    let mut handles = Vec::new();
    for step in &plan.steps {
        if register.find(&step.group, &step.service).is_some() {
            continue;
        }
        let backend = backends
            .reaching(&step.handle)
            .map_err(crate::backend::BackendError::into_failure)?;
        let from = backend
            .auto_start(&step.handle)
            .await
            .map_err(|error| unreadable(step, &error))?;
        changes.push(Change {
            service: step.service.clone(),
            group: step.group.clone(),
            backend: step.handle.kind(),
            to: from.held(),
            from,
        });
        handles.push(step.handle.clone());
    }
    Ok((changes, handles))
}

/// Whether the stop left `change`'s service stopped (done, or nothing to do).
fn was_stopped(results: &[StepResult], change: &Change) -> bool {
    results.iter().any(|result| {
        result.service == change.service
            && result.group == change.group
            && matches!(result.outcome, Outcome::Done | Outcome::Skipped)
    })
}

/// A policy that could not be read: nothing changed yet.
fn unreadable(step: &Step, error: &crate::backend::BackendError) -> Failure {
    let failure = error.clone().into_failure();
    Failure {
        message: format!(
            "cannot read what restarts {}: {}; nothing was changed",
            step.service, failure.message
        ),
        ..failure
    }
}
