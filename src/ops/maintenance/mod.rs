//! Maintenance mode (issue 28): `hmctl maintenance on` stops services and
//! keeps them stopped through a daemon restart and a reboot (a container's
//! restart policy set to `no`, an enabled unit disabled), remembering what
//! was there; `off` gives that back and starts them with the usual wait;
//! the list says who put what there, since when and why. The register of
//! what is in maintenance is [`register`]; a run a crash interrupted is
//! finished or undone by [`recover`].

mod enter;
mod leave;
pub mod recover;
pub mod register;

pub use enter::{OnRequest, on};
pub use leave::{OffRequest, off};

use crate::exit::Failure;
use crate::model::{AutoStart, BackendKind, ServiceStatus, Verb, format_timestamp};
use crate::ops::history::record::Activity;
use crate::ops::history::recorder::Intent;
use crate::ops::plan::Plan;
use register::{Entry, Register};
use serde::Serialize;
use std::path::Path;

/// One service's change of what brings it back by itself.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub service: String,
    pub group: String,
    pub backend: BackendKind,
    /// What is there before the change.
    pub from: AutoStart,
    /// What the change leaves.
    pub to: AutoStart,
}

impl Change {
    /// The change in a few words (`rabbitmq: restart policy always -> no`).
    pub fn describe(&self) -> String {
        format!(
            "{}: {} -> {}",
            self.service,
            self.from.describe(),
            self.to.describe()
        )
    }
}

/// What `maintenance on` or `off` did, or with `--dry-run` would do: the
/// stop (`on`) or start (`off`), and the restart policies and enablement
/// changed.
#[derive(Debug)]
pub struct Report {
    pub lifecycle: crate::ops::lifecycle::Report,
    pub changes: Vec<Change>,
}

/// Records how a maintenance change ended and returns its report.
fn ended(
    recording: crate::ops::history::recorder::Recording,
    lifecycle: crate::ops::lifecycle::Report,
    changes: Vec<Change>,
) -> Report {
    let results = lifecycle.results.as_deref().unwrap_or_default();
    recording.end(
        lifecycle.exit,
        &crate::ops::lifecycle::summary(results, lifecycle.interrupted),
        crate::ops::history::recorder::results_of(results),
        None,
    );
    Report { lifecycle, changes }
}

/// The register, read from this host's state directory `state_dir` (what
/// `hmctl maintenance` lists).
pub fn read(state_dir: &Path) -> Result<Register, Failure> {
    register::read(state_dir)
}

/// Writes the register to this host's state directory `state_dir`.
fn write(state_dir: &Path, register: &Register) -> Result<(), Failure> {
    register::write(state_dir, register)
}

/// Reads this host's register and marks the rows of services in maintenance
/// (status, metrics, diagnose); a register that cannot be read marks
/// nothing and is returned, for the caller to show beside its rows.
pub fn mark_from_register(state_dir: &Path, services: &mut [ServiceStatus]) -> Result<(), Failure> {
    mark(services, &read(state_dir)?);
    Ok(())
}

/// Marks the rows of services in maintenance.
fn mark(services: &mut [ServiceStatus], register: &Register) {
    for service in services {
        if let Some(entry) = register.find(&service.group, &service.name) {
            service.mark_maintenance(entry.mark());
        }
    }
}

/// Refuses to start or restart services in maintenance (exit 2, nothing
/// changed), naming each with who and since, and how to end it.
pub fn refuse_start(
    state_dir: &Path,
    verb: Verb,
    selected: &[&ServiceStatus],
) -> Result<(), Failure> {
    let register = read(state_dir)?;
    let held: Vec<&Entry> = selected
        .iter()
        .filter_map(|service| register.find(&service.group, &service.name))
        .collect();
    if held.is_empty() {
        return Ok(());
    }
    let described: Vec<String> = held.iter().map(|entry| in_words(entry)).collect();
    let names: Vec<&str> = held.iter().map(|entry| entry.service.as_str()).collect();
    Err(Failure::usage(format!(
        "refusing to {} what is in maintenance: {}; nothing was changed",
        verb.as_str(),
        described.join("; ")
    ))
    .with_hint(format!(
        "hmctl maintenance off {names} ends it and starts them; `hmctl {verb} --force {names}` {verb}s them and leaves them in maintenance",
        names = names.join(" "),
        verb = verb.as_str()
    )))
}

/// An entry in words: `rabbitmq (by alice since 2026-12-04T22:00:00Z: disk swap)`.
pub fn in_words(entry: &Entry) -> String {
    format!(
        "{} (by {} since {}{})",
        entry.service,
        entry.by,
        format_timestamp(entry.since),
        entry
            .reason
            .as_deref()
            .map(|reason| format!(": {reason}"))
            .unwrap_or_default()
    )
}

/// The history's record of a maintenance change: the plan's services and
/// steps, after each change of a restart policy or enablement.
fn intent(changes: &[Change], plan: &Plan, activity: Activity) -> Intent {
    let verb = match activity {
        Activity::MaintenanceOff => "off",
        _ => "on",
    };
    let mut intent = Intent::of_plan(plan);
    intent.activity = activity;
    let mut steps: Vec<String> = changes
        .iter()
        .map(|change| format!("maintenance {verb}: {}", change.describe()))
        .collect();
    steps.append(&mut intent.steps);
    intent.steps = steps;
    intent
}
