//! What became of each step of an executed plan, and the one exit code an
//! execution ends with.

use crate::exit::Exit;
use crate::model::{Action, Step};
use serde::Serialize;
use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Done,
    Failed,
    Skipped,
    /// Not attempted: the operation was interrupted first, or something the
    /// service needs did not come up.
    NotDone,
}

/// What became of one step.
#[derive(Debug, Clone, Serialize)]
pub struct StepResult {
    pub service: String,
    pub group: String,
    pub action: Action,
    pub outcome: Outcome,
    /// What happened, in a few words (the table row and the error line).
    pub detail: String,
    /// The service's own last words (journal or output lines), shown once
    /// below the table.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub last_lines: Vec<String>,
    /// What the operator can do about a failure (`systemctl unmask ...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    pub seconds: f64,
    /// The settle window the service was watched for once up (shorter than
    /// the plan's where the daemon proved readiness itself); `None` when it
    /// was not watched.
    pub settle_seconds: Option<f64>,
    #[serde(skip)]
    pub exit: Exit,
}

impl StepResult {
    pub fn of(
        step: &Step,
        outcome: Outcome,
        detail: impl Into<String>,
        started: Instant,
        exit: Exit,
    ) -> StepResult {
        StepResult {
            service: step.service.clone(),
            group: step.group.clone(),
            action: step.action,
            outcome,
            detail: detail.into(),
            last_lines: Vec::new(),
            hint: None,
            seconds: tenths(started.elapsed()),
            settle_seconds: None,
            exit,
        }
    }

    /// A step that failed with `exit`.
    pub fn failed(step: &Step, detail: impl Into<String>, started: Instant, exit: Exit) -> Self {
        StepResult::of(step, Outcome::Failed, detail, started, exit)
    }

    /// A step that was done.
    pub fn done(step: &Step, detail: impl Into<String>, started: Instant) -> Self {
        StepResult::of(step, Outcome::Done, detail, started, Exit::Success)
    }

    /// A step that was not attempted.
    pub fn not_done(step: &Step, detail: impl Into<String>, started: Instant) -> Self {
        StepResult::of(
            step,
            Outcome::NotDone,
            detail,
            started,
            Exit::OperationFailed,
        )
    }

    /// The same result, recording the settle window it was watched for.
    #[must_use]
    pub fn settled_for(mut self, window: Duration) -> Self {
        self.settle_seconds = Some(tenths(window));
        self
    }

    /// The same result, quoting the service's last lines.
    #[must_use]
    pub fn quoting(mut self, last_lines: Vec<String>) -> Self {
        self.last_lines = last_lines;
        self
    }

    /// The same result, with what the operator can do about it.
    #[must_use]
    pub fn hinting(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    /// Whether the service ended where the step wanted it.
    pub fn succeeded(&self) -> bool {
        matches!(self.outcome, Outcome::Done | Outcome::Skipped)
    }
}

/// Seconds, rounded to a tenth.
fn tenths(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 10.0).round() / 10.0
}

/// The exit code of an execution: 4 when a daemon refused or could not be
/// asked, 1 when anything failed or was not done, else 0.
pub fn exit_of_results(results: &[StepResult]) -> Exit {
    if results
        .iter()
        .any(|result| result.exit == Exit::BackendUnavailable)
    {
        Exit::BackendUnavailable
    } else if results.iter().any(|result| !result.succeeded()) {
        Exit::OperationFailed
    } else {
        Exit::Success
    }
}
