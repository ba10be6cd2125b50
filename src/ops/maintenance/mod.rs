//! Maintenance mode (issue 28): `hmctl maintenance on` stops services and
//! keeps them stopped through a daemon restart and a reboot (a container's
//! restart policy set to `no`, an enabled unit disabled), remembering what
//! was there; `off` gives that back and starts them with the usual wait;
//! the list says who put what there, since when and why. The register of
//! what is in maintenance is [`register`]; a run a crash interrupted is
//! finished or undone by [`recover`]; what it holds back from the lifecycle
//! verbs (which this module builds on) is [`held`].

mod enter;
pub mod held;
mod leave;
pub mod recover;
pub mod register;

pub use enter::{OnRequest, on};
pub use held::read;
pub use leave::{OffRequest, off};

use crate::exit::Failure;
use crate::model::{AutoStart, BackendKind};
use crate::ops::history::record::Activity;
use crate::ops::history::recorder::Intent;
use crate::ops::plan::Plan;
use register::Register;
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

/// Writes the register to this host's state directory `state_dir`.
fn write(state_dir: &Path, register: &Register) -> Result<(), Failure> {
    register::write(state_dir, register)
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
