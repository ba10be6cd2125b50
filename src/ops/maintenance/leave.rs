//! `hmctl maintenance off [TARGET...]`: under the host lock, mark the
//! entries as leaving, give back exactly the restart policy or enablement
//! each service had, forget them, then start them with the lifecycle's own
//! executor (dependency order, health wait, settle window).

use super::register::{Phase, Register};
use super::{Change, Report, intent, read, write};
use crate::backend::Backends;
use crate::catalog::Catalog;
use crate::exit::Failure;
use crate::model::{Handle, Verb};
use crate::ops::execute::Progress;
use crate::ops::history;
use crate::ops::interrupt::Interrupt;
use crate::ops::lifecycle::{self, Planned};
use crate::ops::plan::Pace;
use crate::ops::upgrade::hooks::pause_point;
use crate::settings::Settings;

/// What the operator asked for.
#[derive(Debug, Clone)]
pub struct OffRequest {
    /// Empty: everything in maintenance.
    pub targets: Vec<String>,
    pub pace: Pace,
    pub dry_run: bool,
}

/// Takes the targets (or everything) out of maintenance and starts them.
pub async fn off(
    catalog: &Catalog,
    settings: &Settings,
    request: &OffRequest,
    progress: &dyn Progress,
    interrupt: &Interrupt,
    backends: &Backends,
) -> Result<Report, Failure> {
    let state_dir = &settings.state_dir;
    let _lock = lifecycle::lock_unless_dry_run(&settings.lock_file, request.dry_run)?;
    let mut register = read(state_dir)?;
    let chosen = choose(&register, &request.targets)?;
    let start = lifecycle::Request {
        verb: Verb::Start,
        targets: chosen.clone(),
        pace: request.pace,
        dry_run: request.dry_run,
        dependents: crate::ops::dependents::DependentsPolicy::default(),
        start_in_maintenance: true,
    };
    let Planned { plan, backends, .. } =
        lifecycle::plan(catalog, settings, &start, backends).await?;
    let mut changes = Vec::new();
    let mut handles = Vec::new();
    for step in &plan.steps {
        if let Some(entry) = register.find(&step.group, &step.service) {
            changes.push(Change {
                service: entry.service.clone(),
                group: entry.group.clone(),
                backend: entry.backend,
                from: entry.previous.held(),
                to: entry.previous.clone(),
            });
            handles.push(step.handle.clone());
        }
    }
    if request.dry_run {
        return Ok(Report {
            lifecycle: lifecycle::Report::planned(plan),
            changes,
        });
    }
    for entry in &mut register.entries {
        if changes
            .iter()
            .any(|change| change.service == entry.service && change.group == entry.group)
        {
            entry.phase = Phase::Leaving;
        }
    }
    write(state_dir, &register)?;
    let recording = history::recorder::begin(
        settings,
        intent(&changes, &plan, super::Activity::MaintenanceOff),
    );
    pause_point(settings, "maintenance-leaving");
    let unrestored = give_back(&backends, &changes, &handles, &mut register).await;
    write(state_dir, &register)?;
    if let Some(failure) = unrestored {
        recording.end(failure.exit, &failure.message, Vec::new(), None);
        return Err(failure);
    }
    let report = lifecycle::carry_out(plan, backends, &start, interrupt, progress).await;
    Ok(super::ended(recording, report, changes))
}

/// The services `off` takes out: the targets, each a service or group in
/// maintenance; none, all of them.
fn choose(register: &Register, targets: &[String]) -> Result<Vec<String>, Failure> {
    if register.entries.is_empty() {
        return Err(Failure::usage("nothing is in maintenance on this host")
            .with_hint("`hmctl maintenance on TARGET` puts a service in maintenance"));
    }
    let mut chosen = Vec::new();
    for target in targets {
        let matching: Vec<&str> = register
            .entries
            .iter()
            .filter(|entry| {
                entry.service == *target
                    || entry.group == *target
                    || entry.service.strip_suffix(".service") == Some(target)
            })
            .map(|entry| entry.service.as_str())
            .collect();
        if matching.is_empty() {
            return Err(Failure::usage(format!("{target} is not in maintenance"))
                .with_hint("`hmctl maintenance` lists what is"));
        }
        chosen.extend(matching.into_iter().map(str::to_string));
    }
    if targets.is_empty() {
        chosen = register
            .entries
            .iter()
            .map(|entry| entry.service.clone())
            .collect();
    }
    chosen.dedup();
    Ok(chosen)
}

/// Gives each service of `changes` back what it had (`Change::from` of an
/// `on`, `to` of an `off`: the entry's `previous`) and forgets its entry.
/// One that cannot be given back keeps its entry; the first failure is
/// returned.
pub(super) async fn give_back(
    backends: &Backends,
    changes: &[Change],
    handles: &[Handle],
    register: &mut Register,
) -> Option<Failure> {
    let mut failed = None;
    for (change, handle) in changes.iter().zip(handles) {
        let Some(entry) = register.find(&change.group, &change.service) else {
            continue;
        };
        let previous = entry.previous.clone();
        let given = match backends.get(change.backend) {
            // Removed since (a `compose down` in the window): the container
            // the start creates has its compose file's policy.
            _ if handle.instance().is_none() && change.backend.creates_missing() => Ok(()),
            Some(backend) => backend.set_auto_start(handle, &previous).await,
            None => Err(backends.reaching(handle).err().unwrap_or_else(|| {
                crate::backend::BackendError::Refused {
                    backend: change.backend,
                    action: format!("give back {}", previous.describe()),
                    detail: "not connected".into(),
                }
            })),
        };
        match given {
            Ok(()) => register
                .entries
                .retain(|kept| !(kept.group == change.group && kept.service == change.service)),
            Err(error) => {
                let failure = error.into_failure();
                failed.get_or_insert(Failure {
                    message: format!(
                        "cannot give {} back its {}: {}; it stays in maintenance",
                        change.service,
                        previous.describe(),
                        failure.message
                    ),
                    ..failure
                });
            }
        }
    }
    failed
}
